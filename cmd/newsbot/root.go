package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/newsbot/newsbot/retrieval"
)

// usageError is a mistake in the command line itself.
type usageError struct {
	msg     string
	printed bool
}

func (e usageError) Error() string { return e.msg }

// env is what every subcommand shares: configuration, streams, logger.
type env struct {
	ctx    context.Context
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	cfg    config
	logger *slog.Logger
	data   string // --data flag
}

func newRootCommand(ctx context.Context, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	e := &env{ctx: ctx, getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "newsbot",
		Short: "Answers questions about news articles, citing the exact paragraphs",
		Long: `newsbot keeps a library of news articles, finds the paragraphs that bear on a
question, and answers with numbered citations to those paragraphs — in Discord
("newsbot serve") or in the terminal.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadConfig(getenv)
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("data") {
				cfg.DataDir = e.data
			}
			e.cfg = cfg
			e.logger = newLogger(stderr, cfg.LogLevel)
			return nil
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetIn(stdin)
	root.PersistentFlags().StringVar(&e.data, "data", "./data", "library and index folder (env NEWSBOT_DATA_DIR)")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{msg: err.Error() + " (see newsbot " + c.Name() + " --help)"}
	})
	root.AddCommand(
		e.serveCommand(),
		e.askCommand(),
		e.summarizeCommand(),
		e.ingestCommand(),
		e.articlesCommand(),
		e.searchCommand(),
		e.reindexCommand(),
		e.evalCommand(),
	)
	return root
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// exactArgs is cobra.ExactArgs with a sentence a person can act on.
func needArgs(min int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < min {
			return usageError{msg: fmt.Sprintf("%s is missing (usage: %s)", what, cmd.UseLine())}
		}
		return nil
	}
}

// openStore opens the library and index in the data folder, showing a
// progress bar while paragraphs are embedded when stderr is a terminal.
func (e *env) openStore() (*retrieval.Store, error) {
	emb, err := e.embedder()
	if err != nil {
		return nil, err
	}
	bar := e.progress("indexing")
	defer bar.Finish()
	st, _, err := retrieval.OpenStore(e.ctx, e.cfg.DataDir, emb, retrieval.StoreOptions{Logger: e.logger, Progress: bar.update})
	return st, err
}

// progress is a progress bar on a terminal and nothing elsewhere.
type progress struct{ bar *progressbar.ProgressBar }

func (e *env) progress(what string) *progress {
	f, ok := e.stderr.(*os.File)
	if !ok || !isatty.IsTerminal(f.Fd()) {
		return &progress{}
	}
	return &progress{bar: progressbar.NewOptions(-1,
		progressbar.OptionSetWriter(f), progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(), progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100e6))}
}

func (p *progress) update(done, total int) {
	if p.bar == nil {
		return
	}
	p.bar.ChangeMax(total)
	p.bar.Set(done)
}

func (p *progress) Finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}

// sentence makes an error read as one sentence for a person.
func sentence(err error) string {
	switch {
	case errors.Is(err, context.Canceled):
		return "Stopped."
	case errors.Is(err, context.DeadlineExceeded):
		return "That took too long and was stopped."
	}
	s := strings.TrimSpace(err.Error())
	s = strings.TrimPrefix(s, retrieval.ErrBadQuery.Error()+": ")
	if s == "" {
		return "Something went wrong."
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
