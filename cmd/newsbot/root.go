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
	"github.com/spf13/pflag"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/retrieval"
)

// usageError is a mistake in the command line itself.
type usageError struct{ msg string }

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
	flags  configFlags
}

// flagKeys are the global flags that set a config key.
var flagKeys = map[string]string{"data": "data_dir"}

func newRootCommand(ctx context.Context, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	e := &env{ctx: ctx, getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "newsbot",
		Short: "Answers questions about news articles, citing the exact paragraphs",
		Long: `newsbot keeps a library of news articles, finds the paragraphs that bear on a
question, and answers with numbered citations to those paragraphs — in Discord
("newsbot serve") or in the terminal.`,
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          unknownCommand,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			e.flags.values, e.flags.names = map[string]string{}, map[string]string{}
			for name, key := range flagKeys {
				if f := cmd.Flags().Lookup(name); f != nil && f.Changed {
					e.flags.values[key], e.flags.names[key] = f.Value.String(), name
				}
			}
			cfg, err := loadConfig(getenv, e.flags)
			if err != nil {
				return err
			}
			e.cfg = cfg
			e.logger = newLogger(stderr, cfg.LogLevel)
			return nil
		},
	}
	root.SetVersionTemplate("newsbot {{.Version}}\n")
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetIn(stdin)
	root.PersistentFlags().String("data", "./data", "library and index folder (env NEWSBOT_DATA_DIR)")
	root.PersistentFlags().StringVar(&e.flags.file, "config", "", "config file, TOML or YAML (env NEWSBOT_CONFIG; default: newsbot.toml or .yaml in the working or data folder)")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		var bad *pflag.InvalidValueError
		if errors.As(err, &bad) {
			return usageError{msg: fmt.Sprintf("--%s must be %s, not %q (see %s --help)", bad.GetFlag().Name, flagKind(bad.GetFlag()), bad.GetValue(), c.CommandPath())}
		}
		return usageError{msg: err.Error() + " (see " + c.CommandPath() + " --help)"}
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
		e.forgetCommand(),
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

// unknownCommand refuses words after "newsbot" that name no command, as a
// usage error.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q (see newsbot --help)", args[0])
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg = fmt.Sprintf("unknown command %q: did you mean %q?", args[0], s[0])
	}
	return usageError{msg: msg}
}

// flagKind says what kind of value a flag takes.
func flagKind(f *pflag.Flag) string {
	switch f.Value.Type() {
	case "int", "int64", "uint":
		return "a whole number"
	case "bool":
		return "true or false"
	case "duration":
		return "a duration such as 30s"
	}
	return "a " + f.Value.Type()
}

// noArgs is cobra.NoArgs as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{msg: fmt.Sprintf("unexpected argument %q: %s takes none (see %s --help)", args[0], cmd.CommandPath(), cmd.CommandPath())}
	}
	return nil
}

// needArgs is cobra.MinimumNArgs with a sentence a person can act on.
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

// sorry is the core's sentence for a failed request, logged once, plus the
// command that helps where there is one.
func sorry(b *bot.Bot, err error) string {
	msg := b.ErrorMessage(err)
	if errors.Is(err, bot.ErrNotFound) {
		msg = strings.TrimSuffix(msg, ".") + " — check the name with `newsbot articles`."
	}
	return msg
}

// sentence makes an error that no request's core call made read as one
// sentence for a person: the sentence it carries, else its text.
func sentence(err error) string {
	switch {
	case errors.Is(err, context.Canceled):
		return "Stopped."
	case errors.Is(err, context.DeadlineExceeded):
		return "That took too long and was stopped."
	}
	if s := bot.UserMessage(err); s != "" {
		return s
	}
	s := strings.TrimSpace(err.Error())
	if s == "" {
		return "Something went wrong."
	}
	var pe personError
	if !errors.As(err, &pe) { // a person's sentence may start with a path, kept as given
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return withStop(s)
}

// withStop ends s with a full stop unless it ends a sentence already.
func withStop(s string) string {
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		s += "."
	}
	return s
}
