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
	"github.com/newsbot/newsbot/bot/metrics"
	"github.com/newsbot/newsbot/retrieval"
	"github.com/newsbot/newsbot/retrieval/postgres"
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

	args     []string  // the command line, for handing it to a running serve
	inputs   []input   // files ingest read before opening the store
	problems []problem // and those it could not read

	// shared, in a command that a running serve executes for another
	// process, is serve's own store, bot and configuration.
	shared *sharedCore

	// library is the PostgreSQL library once opened (NEWSBOT_DATABASE_URL):
	// the bot's own tables share its pool.
	library *postgres.Library

	// servesScope says which servers' libraries this process searches, when
	// it runs some of a fleet's Discord shards; nil: all.
	servesScope func(scope string) bool

	// metrics records what serve does, when NEWSBOT_HTTP_ADDR serves it;
	// nil otherwise.
	metrics *metrics.Metrics
}

// observer is what the core reports to: the metrics, or nil (no interface
// holding a nil pointer).
func (e *env) observer() bot.Observer {
	if e.metrics == nil {
		return nil
	}
	return e.metrics
}

// flagKeys are the global flags that set a config key.
var flagKeys = map[string]string{"data": "data_dir"}

func newRootCommand(ctx context.Context, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	return newRoot(&env{ctx: ctx, getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr})
}

func newRoot(e *env) *cobra.Command {
	stdout, stderr := e.stdout, e.stderr
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
			if e.shared != nil {
				e.cfg = e.shared.cfg
				e.logger = newLogger(stderr, logLevel(e.cfg, cmd))
				return nil
			}
			e.flags.values, e.flags.names = map[string]string{}, map[string]string{}
			for name, key := range flagKeys {
				if f := cmd.Flags().Lookup(name); f != nil && f.Changed {
					e.flags.values[key], e.flags.names[key] = f.Value.String(), name
				}
			}
			cfg, err := loadConfig(e.getenv, e.flags)
			if err != nil {
				return err
			}
			e.cfg = cfg
			e.logger = newLogger(stderr, logLevel(cfg, cmd))
			return nil
		},
	}
	root.SetVersionTemplate("newsbot {{.Version}}\n")
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetIn(e.stdin)
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
		e.viaServe(e.askCommand()),
		e.viaServe(e.summarizeCommand()),
		e.viaServe(e.timelineCommand()),
		e.viaServe(e.ingestCommand()),
		e.articlesCommand(),
		e.viaServe(e.searchCommand()),
		e.viaServe(e.reindexCommand()),
		e.evalCommand(),
		e.viaServe(e.forgetCommand()),
		e.doctorCommand(),
		e.migrateCommand(),
		e.exportCommand(),
		e.importCommand(),
		e.feedbackCommand(),
	)
	return root
}

// logLevel is the configured log level, else info for serve (a service's
// log) and warn for the terminal, where the error a command prints is the
// news and an info line before it repeats it.
func logLevel(c config, cmd *cobra.Command) string {
	switch {
	case c.LogLevel != "":
		return c.LogLevel
	case cmd.Name() == "serve":
		return "info"
	}
	return "warn"
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(bot.LogHandler(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})))
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
// A reader (readOnly) shares the folder with other readers and writes
// nothing unless the index needs repair. When another process holds the
// folder, it says so on stderr and waits, within NEWSBOT_LOCK_WAIT; when
// that process is serve, the command is handed to it instead (viaServe).
// done releases the store.
func (e *env) openStore(readOnly bool, command string) (st *retrieval.Store, done func(), err error) {
	if e.shared != nil {
		return e.shared.store, func() {}, nil
	}
	emb, err := e.embedder()
	if err != nil {
		return nil, nil, err
	}
	bar := e.progress("indexing")
	defer bar.Finish()
	if e.cfg.DatabaseURL != "" {
		return e.openDatabase(emb, command, bar.update)
	}
	st, _, err = retrieval.OpenStore(e.ctx, e.cfg.DataDir, emb, retrieval.StoreOptions{
		Logger: e.logger, Progress: bar.update, ReadOnly: readOnly, Rebuild: command == "reindex",
		Lock: retrieval.LockOptions{Command: command, Wait: e.cfg.LockWait, Busy: e.busy(command)},
	})
	if errors.Is(err, retrieval.ErrNoDataFolder) {
		return nil, nil, noDataFolder(e.cfg.DataDir)
	}
	if err != nil {
		return nil, nil, err
	}
	return st, func() { st.Close() }, nil
}

// noDataFolder is the error for a data folder that is not there.
func noDataFolder(dir string) error {
	return personError{fmt.Sprintf("The data folder %s does not exist (check --data or NEWSBOT_DATA_DIR).", dir)}
}

// busy tells the person what the command waits for, once per holder, or
// hands the command to a running serve.
func (e *env) busy(command string) func(retrieval.Holder) error {
	return func(h retrieval.Holder) error {
		if h.Command == "serve" && h.Socket != "" {
			if command == "serve" {
				return personError{fmt.Sprintf("Another newsbot serve (process %d) is already running on %s.", h.PID, e.cfg.DataDir)}
			}
			return serveHolds{h}
		}
		who := "another newsbot"
		if h.PID != 0 {
			who = fmt.Sprintf("another newsbot (%s, process %d)", h.Command, h.PID)
		} else {
			h.Command = "" // readers, or a writer that is starting
		}
		fmt.Fprintf(e.stderr, "newsbot: %s is %s; waiting up to %s…\n", who, h.Doing(), e.cfg.LockWait)
		return nil
	}
}

// progress is a progress bar on a terminal and nothing elsewhere. The bar
// is made at the first update, when its length is known: a bar of unknown
// length runs a spinner goroutine that reads the bar's state unlocked
// (a data race inside progressbar v3.19.1).
type progress struct {
	out  *os.File // nil when stderr is not a terminal
	what string
	bar  *progressbar.ProgressBar
}

func (e *env) progress(what string) *progress {
	f, ok := e.stderr.(*os.File)
	if !ok || !isatty.IsTerminal(f.Fd()) {
		return &progress{}
	}
	return &progress{out: f, what: what}
}

func (p *progress) update(done, total int) {
	if p.out == nil {
		return
	}
	if p.bar == nil {
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(p.out), progressbar.OptionSetDescription(p.what),
			progressbar.OptionShowCount(), progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100e6))
	}
	p.bar.ChangeMax(total)
	p.bar.Set(done)
}

func (p *progress) Finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}

// sorry is the core's sentence for a failed request, logged once, in the
// terminal's words: the command that helps where there is one, and for the
// failures only the operator can fix (who is at the terminal), the setting
// to check by its config key and variable.
func (e *env) sorry(b *bot.Bot, err error) string {
	msg := b.ErrorMessage(err)
	model := orDefault(e.cfg.OpenAIBaseURL, "https://api.openai.com/v1")
	switch {
	case errors.Is(err, bot.ErrNotFound):
		msg = strings.TrimSuffix(msg, ".") + " — check the name with `newsbot articles`."
	case errors.Is(err, bot.ErrEmptyQuestion):
		msg = "The question is empty — put it after the command, in quotes."
	case errors.Is(err, bot.ErrModelAuth):
		msg = fmt.Sprintf("The model server at %s refused the API key — check openai_api_key (OPENAI_API_KEY), or run `newsbot doctor`.", model)
	case errors.Is(err, bot.ErrModelNotFound):
		msg = fmt.Sprintf("The model server at %s doesn't know the chat model %q — check chat_model (NEWSBOT_CHAT_MODEL), or run `newsbot doctor`.", model, e.cfg.ChatModel)
	case errors.Is(err, bot.ErrModelUnavailable):
		msg = fmt.Sprintf("The model server at %s isn't answering — check openai_base_url (OPENAI_BASE_URL) and that it runs, or run `newsbot doctor`.", model)
	case errors.Is(err, retrieval.ErrEmbedder):
		msg = "The embeddings server refused the request — check embed_model, embed_base_url and embed_api_key, or run `newsbot doctor`."
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
