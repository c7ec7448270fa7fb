package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/retrieval"
)

// While serve runs it holds the data folder for writing (bleve's files can
// have one writer only), so other commands cannot open the store. Instead
// serve listens on a Unix socket, recorded in the folder's owner file, and
// runs their commands on its own open store: `newsbot ingest` while the
// bot runs loads through the bot, and `search`, `ask`, `summarize` and
// `reindex` answer from it. The socket is the folder's: only its owner may
// connect (mode 0600). The command runs with serve's configuration (its
// model and embedder: the index's vectors are serve's embedder's), and
// files to load are read by the calling process, which sends the articles.

// sharedCore is what a command run by serve for another process uses.
type sharedCore struct {
	cfg   config
	store *retrieval.Store
	bot   *bot.Bot
}

// serveHolds says serve holds the data folder and takes commands on a socket.
type serveHolds struct{ holder retrieval.Holder }

func (e serveHolds) Error() string {
	return fmt.Sprintf("newsbot serve (process %d) holds the data folder", e.holder.PID)
}

// controlRequest is one command sent to serve.
type controlRequest struct {
	Args     []string         `json:"args"`
	Inputs   []controlInput   `json:"inputs,omitempty"`
	Problems []controlProblem `json:"problems,omitempty"`
}

type controlProblem struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

type controlInput struct {
	Name    string             `json:"name"`
	Article *retrieval.Article `json:"article"`
}

// controlFrame is one line of serve's answer: output as it comes, then the
// outcome.
type controlFrame struct {
	Stdout string `json:"stdout,omitempty"`
	Stderr string `json:"stderr,omitempty"`
	Done   bool   `json:"done,omitempty"`
	Error  string `json:"error,omitempty"` // a sentence for a person; "" on success
	Usage  bool   `json:"usage,omitempty"` // the error is a mistake in the command line
}

// viaServe makes a command that needs the store go through a running serve
// when serve holds the data folder.
func (e *env) viaServe(c *cobra.Command) *cobra.Command {
	run := c.RunE
	c.RunE = func(cmd *cobra.Command, args []string) error {
		err := run(cmd, args)
		var sh serveHolds
		if errors.As(err, &sh) {
			return e.forward(sh.holder)
		}
		return err
	}
	return c
}

// forward sends this process's command line to serve and relays its output.
func (e *env) forward(h retrieval.Holder) error {
	e.logger.Debug("handing the command to the running serve", "pid", h.PID, "socket", h.Socket)
	req := controlRequest{Args: e.args}
	for _, in := range e.inputs {
		req.Inputs = append(req.Inputs, controlInput{Name: in.name, Article: in.article})
	}
	for _, p := range e.problems {
		req.Problems = append(req.Problems, controlProblem{Name: p.name, Reason: p.reason})
	}
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			d := net.Dialer{Timeout: 5 * time.Second}
			return d.DialContext(ctx, "unix", h.Socket)
		},
		ResponseHeaderTimeout: 30 * time.Second,
	}}
	hreq, err := http.NewRequestWithContext(e.ctx, http.MethodPost, "http://newsbot/run", bytes.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := client.Do(hreq)
	if err != nil {
		if e.ctx.Err() != nil {
			return e.ctx.Err()
		}
		return personError{fmt.Sprintf("newsbot serve (process %d) holds the data folder but does not answer on its socket: %v.", h.PID, errors.Unwrap(err))}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return personError{fmt.Sprintf("newsbot serve (process %d) refused the command: %s", h.PID, strings.TrimSpace(string(msg)))}
	}
	dec := json.NewDecoder(bufio.NewReader(resp.Body))
	for {
		var f controlFrame
		if err := dec.Decode(&f); err != nil {
			if e.ctx.Err() != nil {
				return e.ctx.Err()
			}
			return personError{fmt.Sprintf("newsbot serve (process %d) stopped before the command finished; run it again.", h.PID)}
		}
		io.WriteString(e.stdout, f.Stdout)
		io.WriteString(e.stderr, f.Stderr)
		if f.Done {
			switch {
			case f.Usage:
				return usageError{msg: f.Error}
			case f.Error != "":
				return personError{f.Error}
			}
			return nil
		}
	}
}

// controlSocketPath is where serve listens for dataDir: in the folder when
// the path fits a Unix socket address, else in the temporary folder under
// a name derived from the folder's path.
func controlSocketPath(dataDir string) (string, error) {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return "", err
	}
	p := filepath.Join(abs, ".newsbot.sock")
	if len(p) < 100 {
		return p, nil
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(os.TempDir(), "newsbot-"+hex.EncodeToString(sum[:8])+".sock"), nil
}

// controlServer runs other processes' commands on serve's store.
type controlServer struct {
	e      *env
	core   *sharedCore
	srv    *http.Server
	ln     net.Listener
	logger *slog.Logger
	wg     sync.WaitGroup
}

// startControl listens on the data folder's socket and records it in the
// folder's owner file.
func (e *env) startControl(core *sharedCore) (*controlServer, error) {
	path, err := controlSocketPath(core.cfg.DataDir)
	if err != nil {
		return nil, err
	}
	os.Remove(path) // left by a serve that is gone: this process holds the folder
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listen for other newsbot commands: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	c := &controlServer{e: e, core: core, ln: ln, logger: e.logger}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /run", c.run)
	c.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return e.ctx }}
	c.wg.Go(func() { c.srv.Serve(ln) })
	if err := core.store.SetSocket(path); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// close stops taking commands and cancels those running.
func (c *controlServer) close() {
	c.srv.Close()
	c.wg.Wait()
}

func (c *controlServer) run(w http.ResponseWriter, r *http.Request) {
	var req controlRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 256<<20)).Decode(&req); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	fw := &frameWriter{w: w, enc: json.NewEncoder(w)}
	e := &env{
		ctx: r.Context(), getenv: c.e.getenv, stdin: strings.NewReader(""),
		stdout: fw.stream(false), stderr: fw.stream(true), shared: c.core, args: req.Args,
	}
	for _, in := range req.Inputs {
		if in.Article != nil {
			e.inputs = append(e.inputs, input{name: in.Name, article: in.Article})
		}
	}
	for _, p := range req.Problems {
		e.problems = append(e.problems, problem{name: p.Name, reason: p.Reason})
	}
	c.logger.Info("running a command for another process", "args", strings.Join(redactArgs(req.Args), " "))
	root := newRoot(e)
	root.SetArgs(req.Args)
	err := root.ExecuteContext(r.Context())
	f := controlFrame{Done: true}
	if err != nil {
		var ue usageError
		f.Error, f.Usage = sentence(err), errors.As(err, &ue)
	}
	fw.write(f)
}

// redactArgs hides what looks like a URL's password in a logged command.
func redactArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if j := strings.Index(a, "://"); j >= 0 {
			if at := strings.Index(a[j+3:], "@"); at >= 0 {
				out[i] = a[:j+3] + "…@" + a[j+3+at+1:]
			}
		}
	}
	return out
}

// frameWriter sends output to the calling process as it is written.
type frameWriter struct {
	mu  sync.Mutex
	w   http.ResponseWriter
	enc *json.Encoder
}

func (fw *frameWriter) write(f controlFrame) error {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if err := fw.enc.Encode(f); err != nil {
		return err
	}
	if fl, ok := fw.w.(http.Flusher); ok {
		fl.Flush()
	}
	return nil
}

type streamWriter struct {
	fw     *frameWriter
	stderr bool
}

func (fw *frameWriter) stream(stderr bool) io.Writer { return &streamWriter{fw: fw, stderr: stderr} }

func (s *streamWriter) Write(p []byte) (int, error) {
	f := controlFrame{Stdout: string(p)}
	if s.stderr {
		f = controlFrame{Stderr: string(p)}
	}
	if err := s.fw.write(f); err != nil {
		return 0, err
	}
	return len(p), nil
}
