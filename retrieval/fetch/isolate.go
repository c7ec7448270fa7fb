package fetch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Untrusted documents are read in a child process: the running binary, started again with
// parserEnv set, which RunParserProcess turns into a parser that reads one request from stdin,
// answers on stdout and exits. A parse that cannot be stopped from inside (the PDF library takes
// no context; readability cannot be interrupted) is stopped from outside: the child limits its
// own memory and CPU time with rlimits before it reads the document, and the parent kills it at
// its deadline or when its context ends, so SIGTERM still ends the bot at once. A crash, a stack
// overflow or an out-of-memory death costs the child, never the bot or the feed poller.
//
// Why a process and not a goroutine: Go cannot stop a goroutine, cap its memory, or survive a
// fatal error in it (stack exhaustion, a failed huge allocation). Why not a pure-Go parser that
// honours cancellation: none exists for PDF text with positions; a WebAssembly PDFium would, but
// costs seconds and hundreds of megabytes to start (see notes/libraries.md).

// parserEnv marks a process started to parse one document.
const parserEnv = "NEWSBOT_PARSER_PROCESS"

// maxParseOutput caps a child's answer: an article's paragraphs fit many times over.
const maxParseOutput = 64 << 20

// RunParserProcess turns this process into a document parser when the bot started it as one, and
// exits when the document is read; otherwise it returns at once. Call it first thing in main, and
// in TestMain of every test binary that reads PDF or HTML documents, before anything else runs.
func RunParserProcess() {
	if os.Getenv(parserEnv) == "" {
		return
	}
	os.Exit(parserMain(os.Stdin, os.Stdout))
}

// parseRequest is the first line of a child's stdin; the document's bytes follow it.
type parseRequest struct {
	Kind        string // "pdf", "html" or "feed"
	ContentType string `json:",omitempty"`
	URL         string `json:",omitempty"`
	Limits      Limits
}

// parseResponse is the child's answer on stdout.
type parseResponse struct {
	Document *Document  `json:",omitempty"`
	Feed     *Feed      `json:",omitempty"`
	ItemText [][]string `json:",omitempty"` // each feed item's paragraphs, from its content or summary
	Error    *wireError `json:",omitempty"`
}

// wireError is an error crossing from the child to the parent, which rebuilds its type.
type wireError struct {
	Limit  *limitError      `json:",omitempty"`
	Reason *NotArticleError `json:",omitempty"`
	Feed   bool             `json:",omitempty"` // ErrNotFeed
	Detail string           // the whole error text, for the log
}

func toWire(err error) *wireError {
	w := &wireError{Detail: err.Error()}
	var le *limitError
	var na *NotArticleError
	var typed error
	switch {
	case errors.As(err, &le):
		w.Limit, typed = le, le
	case errors.As(err, &na):
		w.Reason, typed = na, na
	case errors.Is(err, errNotFeed):
		w.Feed, typed = true, errNotFeed
	}
	if typed != nil {
		// The parent wraps the typed error again; keep only what the log needs besides it.
		w.Detail = strings.TrimSuffix(strings.TrimSuffix(w.Detail, typed.Error()), ": ")
	}
	return w
}

// fromWire rebuilds the error: the detail for the log, wrapping the typed error that carries the
// sentence for people.
func (w *wireError) err() error {
	if w.Detail == "" {
		w.Detail = "parser process"
	}
	switch {
	case w.Limit != nil:
		return fmt.Errorf("%s: %w", w.Detail, w.Limit)
	case w.Reason != nil:
		return fmt.Errorf("%s: %w", w.Detail, w.Reason)
	case w.Feed:
		return fmt.Errorf("%s: %w", w.Detail, errNotFeed)
	}
	return fmt.Errorf("%s: %w", w.Detail, &limitError{Format: "document", Limit: limitCrash})
}

// wallFactor is how many times lim.Timeout a parser process may take on the clock. A parser that
// computes gets there only on a machine that gives it less than a tenth of a processor; one that
// does not compute (it cannot even read its input) is stuck.
const wallFactor = 10

// isolator starts parser processes, at most lim.Concurrency at a time.
type isolator struct {
	lim Limits
	sem chan struct{}
	// wall is how long on the clock the parent lets a child run: long enough for any healthy
	// document on a busy machine, since lim.Timeout counts processor time.
	wall time.Duration
	// started, when set, is told each child's process id once it runs (tests).
	started func(pid int)
}

var defaultIsolator = sync.OnceValue(func() *isolator { return newIsolator(defaultLimits) })

func newIsolator(lim Limits) *isolator {
	lim = lim.withDefaults()
	return &isolator{lim: lim, sem: make(chan struct{}, lim.Concurrency), wall: wallFactor * lim.Timeout}
}

// pdf reads a PDF in a child process.
func (x *isolator) pdf(ctx context.Context, data []byte) (Document, error) {
	resp, err := x.run(ctx, "PDF", parseRequest{Kind: "pdf"}, data)
	if err != nil {
		return Document{}, err
	}
	if resp.Document == nil {
		return Document{}, errors.New("parser process answered without a document")
	}
	return *resp.Document, nil
}

// html reads a web page in a child process; pageURL may be empty.
func (x *isolator) html(ctx context.Context, data []byte, contentType, pageURL string) (Document, error) {
	resp, err := x.run(ctx, "page", parseRequest{Kind: "html", ContentType: contentType, URL: pageURL}, data)
	if err != nil {
		return Document{}, err
	}
	if resp.Document == nil {
		return Document{}, errors.New("parser process answered without a document")
	}
	return *resp.Document, nil
}

// feed reads a feed, and the text of each of its items, in a child process.
func (x *isolator) feed(ctx context.Context, data []byte, feedURL string) (Feed, error) {
	resp, err := x.run(ctx, "feed", parseRequest{Kind: "feed", URL: feedURL}, data)
	if err != nil {
		return Feed{}, err
	}
	if resp.Feed == nil || len(resp.ItemText) != len(resp.Feed.Items) {
		return Feed{}, errors.New("parser process answered without a feed")
	}
	f := *resp.Feed
	for i := range f.Items {
		f.Items[i].text, f.Items[i].textRead = resp.ItemText[i], true
	}
	return f, nil
}

// run parses one document in a child process and returns its answer, or an error: the context's
// when the caller gave up, a *limitError when the child ran out of time or memory or died, or the
// child's own error rebuilt.
func (x *isolator) run(ctx context.Context, format string, req parseRequest, data []byte) (parseResponse, error) {
	resp, _, err := x.runStats(ctx, format, req, data)
	return resp, err
}

// parseStats is what one parser process cost.
type parseStats struct {
	Elapsed time.Duration
	MaxRSS  int64 // bytes; zero where the system does not say
}

func (x *isolator) runStats(ctx context.Context, format string, req parseRequest, data []byte) (parseResponse, parseStats, error) {
	var st parseStats
	resp, err := x.start(ctx, format, req, data, &st)
	return resp, st, err
}

func (x *isolator) start(ctx context.Context, format string, req parseRequest, data []byte, st *parseStats) (parseResponse, error) {
	if os.Getenv(parserEnv) != "" {
		// A parser process never starts another: this binary's main or TestMain does not call
		// RunParserProcess, and without this check the child would run its tests again.
		return parseResponse{}, errors.New("parser process started another; call fetch.RunParserProcess first in main and TestMain")
	}
	select {
	case x.sem <- struct{}{}:
		defer func() { <-x.sem }()
	case <-ctx.Done():
		return parseResponse{}, ctx.Err()
	}
	req.Limits = x.lim
	header, err := json.Marshal(req)
	if err != nil {
		return parseResponse{}, err
	}
	// The child stops itself after lim.Timeout of processor time, and the kernel stops it soon
	// after if it cannot (RLIMIT_CPU); the clock stops only a child that makes no progress.
	runCtx, cancel := context.WithTimeout(ctx, x.wall)
	defer cancel()
	cmd := exec.CommandContext(runCtx, selfExecutable())
	// -test.run keeps a test binary that lacks the TestMain hook from running its tests.
	cmd.Args = []string{"newsbot-parser", "-test.run=^$"}
	// Nothing else: no tokens or keys. A binary built with the race detector (the tests') sleeps
	// a second at exit by default (GORACE atexit_sleep_ms), holding its slot; elsewhere GORACE
	// means nothing.
	cmd.Env = []string{parserEnv + "=1", "GOMAXPROCS=1", "GORACE=atexit_sleep_ms=0"}
	cmd.SysProcAttr = childProcAttr()
	// WaitDelay bounds the wait for the pipes once runCtx has ended and the child is killed. The
	// pipes are this function's own, read to their end before Wait: pipes that exec copies
	// would make Wait start that delay as soon as the child exits, and on a busy machine a
	// healthy child's answer could then be cut off before this process got a processor to read it.
	cmd.WaitDelay = time.Second
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return parseResponse{}, err
	}
	stdoutPipe, err := cmd.StdoutPipe()
	if err != nil {
		return parseResponse{}, err
	}
	stderrPipe, err := cmd.StderrPipe()
	if err != nil {
		return parseResponse{}, err
	}
	out := &cappedBuffer{max: maxParseOutput}
	stderr := &cappedBuffer{max: 16 << 10}
	start := time.Now()
	runErr := cmd.Start()
	if runErr == nil {
		if x.started != nil {
			x.started(cmd.Process.Pid)
		}
		var wg sync.WaitGroup
		wg.Go(func() {
			// A child that dies before reading everything breaks the pipe; its exit says why.
			stdin.Write(append(header, '\n'))
			stdin.Write(data)
			stdin.Close()
		})
		wg.Go(func() { io.Copy(stderr, stderrPipe) })
		io.Copy(out, stdoutPipe)
		wg.Wait()
		runErr = cmd.Wait()
	}
	elapsed := time.Since(start)
	st.Elapsed = elapsed
	if cmd.ProcessState != nil {
		st.MaxRSS = maxRSS(cmd.ProcessState)
	}

	switch {
	case ctx.Err() != nil:
		return parseResponse{}, ctx.Err()
	case runCtx.Err() != nil:
		return parseResponse{}, limitf(format, limitTime, 0, "parser process killed after %s", elapsed.Round(time.Millisecond))
	case runErr != nil:
		return parseResponse{}, childFailure(format, runErr, stderr.String())
	}
	var resp parseResponse
	if out.over || json.Unmarshal(out.Bytes(), &resp) != nil {
		return parseResponse{}, limitf(format, limitCrash, 0, "parser process gave no answer (stdout %q, stderr %q); is fetch.RunParserProcess called first in main and TestMain?",
			truncate(out.String(), 200), truncate(stderr.String(), 500))
	}
	if resp.Error != nil {
		return parseResponse{}, resp.Error.err()
	}
	return resp, nil
}

// childFailure explains a parser process that exited without an answer.
func childFailure(format string, runErr error, stderr string) error {
	tail := truncate(stderr, 500)
	if sig, ok := killedByCPULimit(runErr); ok {
		return limitf(format, limitTime, 0, "parser process killed by %s: %s", sig, tail)
	}
	for _, s := range []string{"out of memory", "cannot allocate memory", "failed to reserve", "pthread_create failed", "stack exceeds",
		"ThreadSanitizer failed to allocate"} {
		if strings.Contains(stderr, s) {
			return limitf(format, limitMemory, 0, "parser process ran out of memory (%v): %s", runErr, tail)
		}
	}
	return limitf(format, limitCrash, 0, "parser process failed (%v): %s", runErr, tail)
}

// parserProgram, when set, is the program started as the parser process instead of this binary.
var parserProgram atomic.Pointer[string]

// SetParserProgram makes every parser process that starts from now on run path instead of this
// binary; path must call RunParserProcess first thing, as newsbot's main does. Tests that run
// under the race detector use it to read documents in a build without the detector, which is the
// build people run: the detector slows a parser tenfold and changes how much memory it takes, so
// the limits would be tested against a different program. "" goes back to this binary.
func SetParserProgram(path string) {
	parserProgram.Store(&path)
}

// selfExecutable is the program a parser process runs: the one SetParserProgram names, or else
// the running binary. On Linux /proc/self/exe names the image this process runs even when the
// file on disk has been replaced by an upgrade.
func selfExecutable() string {
	if p := parserProgram.Load(); p != nil && *p != "" {
		return *p
	}
	if runtime.GOOS == "linux" {
		return "/proc/self/exe"
	}
	exe, err := os.Executable()
	if err != nil {
		return os.Args[0]
	}
	return exe
}

// cappedBuffer keeps the first max bytes written to it and notes whether more came.
type cappedBuffer struct {
	bytes.Buffer
	max  int
	over bool
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if room := c.max - c.Len(); len(p) > room {
		c.over = true
		c.Buffer.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return c.Buffer.Write(p)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
