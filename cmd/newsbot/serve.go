package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/discord"
	botdb "github.com/newsbot/newsbot/bot/postgres"
	"github.com/newsbot/newsbot/retrieval/postgres"
)

func (e *env) serveCommand() *cobra.Command {
	var migrate bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the Discord bot until interrupted",
		Long: `Connects to Discord with DISCORD_TOKEN as the shards NEWSBOT_SHARDS names
(default: the whole bot on one connection), registers the slash commands (in
NEWSBOT_DISCORD_GUILD_ID when set, else globally; in a fleet, the process that
runs shard 0 does), follows the servers' news feeds, and answers until SIGINT
or SIGTERM; then it finishes the answers in flight and closes the library
cleanly. Servers' settings (/settings), the record of their daily briefings
(/briefing), the feeds they follow (/feed) and readers' votes on answers are
kept in settings.json, briefings.json, feeds.json and feedback/ in the data
folder, or with NEWSBOT_DATABASE_URL in PostgreSQL beside the library, with
the conversations' last turns, so that several serve processes share them:
each feed is fetched once per interval and each new article announced once,
whichever process polls.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if e.cfg.DiscordToken == "" {
				return errors.New("DISCORD_TOKEN is not set: create a bot at https://discord.com/developers/applications, copy its token and set DISCORD_TOKEN")
			}
			api, err := url.Parse(e.cfg.DiscordAPIURL)
			if err != nil || (api.Scheme != "https" && api.Scheme != "http") || api.Host == "" {
				return fmt.Errorf("NEWSBOT_DISCORD_API_URL must be an http(s) address such as https://discord.com, not %q", e.cfg.DiscordAPIURL)
			}
			shards, err := e.shards(api)
			if err != nil {
				return err
			}
			if migrate && e.cfg.DatabaseURL != "" {
				from, to, err := postgres.Migrate(e.ctx, e.cfg.DatabaseURL, nil)
				if err != nil {
					return err
				}
				e.logger.Info("database schema", "from", from, "to", to)
			}
			ready, stopHTTP, err := e.startHTTP()
			if err != nil {
				return err
			}
			defer stopHTTP()
			core, st, done, err := e.newBot(false, "serve")
			if err != nil {
				return err
			}
			defer done()
			if ready != nil {
				ready.core.Store(core)
			}
			if e.cfg.DatabaseURL == "" {
				// Other commands go through this process while it holds
				// the data folder; with a database they open it themselves.
				ctl, err := e.startControl(&sharedCore{cfg: e.cfg, store: st, bot: core})
				if err != nil {
					return err
				}
				defer ctl.close()
			}
			subs, announcements, err := e.feedStores()
			if err != nil {
				return err
			}
			feeds, err := bot.NewFeeds(subs, announcements, core,
				bot.FeedOptions{Interval: e.cfg.FeedInterval, Jitter: e.cfg.FeedInterval / 10, Logger: e.logger, Observer: e.observer()})
			if err != nil {
				return err
			}
			settings, votes, err := e.botStores()
			if err != nil {
				return err
			}
			records, err := e.briefingLog()
			if err != nil {
				return err
			}
			sessions, err := discord.NewSessions(e.cfg.DiscordToken, api, shards)
			if err != nil {
				return err
			}
			d := discord.NewSharded(sessions, core, discord.Options{
				GuildID: e.cfg.DiscordGuildID, AdminRoles: e.cfg.AdminRoles, Feeds: feeds, Logger: e.logger,
				AnswerTimeout: e.cfg.AnswerTimeout + 30*time.Second,
				Settings:      settings,
				Turns:         e.turnStore(),
				Feedback:      bot.NewFeedback(votes, bot.FeedbackOptions{KeepUserIDs: e.cfg.FeedbackUserIDs}),
				Briefings:     bot.NewBriefings(core, settings, records, bot.BriefingOptions{Logger: e.logger, Serves: e.servesScope}),
				Observer:      e.discordObserver(),
				IdentifyTurn:  e.identifyTurn(),
			})
			if ready != nil {
				ready.discord.Store(d)
			}
			go feeds.Run(e.ctx, d)
			e.logger.Info("starting", "data", e.cfg.DataDir, "articles", st.Len(), "model", modelName(e.cfg), "embedder", st.Embedder().String(), "shards", shards.String())
			return d.Run(e.ctx)
		},
	}
	cmd.Flags().BoolVar(&migrate, "migrate", false, "with NEWSBOT_DATABASE_URL: bring the database schema up to date first (as newsbot migrate)")
	return cmd
}

// shards are the Discord shards this process runs (NEWSBOT_SHARDS), with
// auto resolved by asking Discord. A process that runs only some of them
// searches and briefs only their servers (and the global library), and
// must share its library with the processes that run the others.
func (e *env) shards(api *url.URL) (discord.Shards, error) {
	sh, err := discord.ParseShards(e.cfg.Shards)
	if err != nil {
		return sh, fmt.Errorf("NEWSBOT_SHARDS: %w", err) // loadConfig checked it already
	}
	if sh, err = discord.ResolveShards(e.ctx, e.cfg.DiscordToken, api, sh); err != nil {
		return sh, err
	}
	if sh.All() {
		return sh, nil
	}
	if e.cfg.DatabaseURL == "" {
		return sh, fmt.Errorf("NEWSBOT_SHARDS=%s runs part of the bot, and the processes that run the other shards must share its library: set NEWSBOT_DATABASE_URL to one PostgreSQL library for all of them", e.cfg.Shards)
	}
	e.servesScope = sh.Holds
	return sh, nil
}

func modelName(c config) string {
	if c.OpenAIKey == "" && c.OpenAIBaseURL == "" {
		return "none (extractive answers)"
	}
	return c.ChatModel
}

// botStores are where the servers' settings and the votes on answers are
// kept: beside the library, in PostgreSQL once it is open, else in the
// data folder.
func (e *env) botStores() (bot.SettingsStore, bot.FeedbackStore, error) {
	if e.library != nil {
		s := botdb.New(e.library.Pool())
		return s, s, nil
	}
	settings, err := bot.OpenSettingsFile(settingsPath(e.cfg))
	if err != nil {
		return nil, nil, err
	}
	return settings, bot.OpenFeedbackFiles(feedbackDir(e.cfg)), nil
}

// feedStores are where the followed feeds, what the poller knows of them
// and their announcements are kept: in PostgreSQL, where a fleet polls
// each feed once per interval and announces each article once, else in
// feeds.json in the data folder.
func (e *env) feedStores() (bot.FeedStore, bot.AnnouncementLog, error) {
	if e.library != nil {
		f := botdb.New(e.library.Pool()).Feeds()
		return f, f, nil
	}
	f, err := bot.OpenFeedFile(filepath.Join(e.cfg.DataDir, "feeds.json"))
	if err != nil {
		return nil, nil, err
	}
	return f, f, nil
}

// followedFeeds returns every server's subscriptions from the configured
// library's feed store, without opening the library's index.
func (e *env) followedFeeds() ([]bot.Subscription, error) {
	if e.cfg.DatabaseURL != "" {
		lib, err := postgres.Open(e.ctx, e.cfg.DatabaseURL, nil, postgres.Options{Logger: e.logger})
		if err != nil {
			return nil, err
		}
		defer lib.Close()
		return botdb.New(lib.Pool()).Feeds().All(e.ctx)
	}
	f, err := bot.OpenFeedFile(filepath.Join(e.cfg.DataDir, "feeds.json"))
	if err != nil {
		return nil, err
	}
	return f.All(e.ctx)
}

// identifyTurn makes the processes of a fleet on one database take turns
// to connect their shards, as Discord's identify rate limit asks; nil
// without a database, where one process spaces its own shards.
func (e *env) identifyTurn() func(context.Context, int, time.Duration) (func(), error) {
	if e.library == nil {
		return nil
	}
	return botdb.New(e.library.Pool()).IdentifyTurn
}

// turnStore keeps the conversations' last turns in PostgreSQL, so any
// process of a fleet continues any conversation; nil keeps them in memory.
func (e *env) turnStore() bot.TurnStore {
	if e.library != nil {
		return botdb.New(e.library.Pool())
	}
	return nil
}

// briefingLog is where the record of the daily briefings is kept: in
// PostgreSQL, where a fleet claims each briefing once, else in the data
// folder.
func (e *env) briefingLog() (bot.BriefingLog, error) {
	if e.library != nil {
		return botdb.New(e.library.Pool()), nil
	}
	return bot.OpenBriefingFile(filepath.Join(e.cfg.DataDir, "briefings.json"))
}

// settingsPath is where the servers' settings are kept.
func settingsPath(c config) string { return filepath.Join(c.DataDir, "settings.json") }

// feedbackDir is where readers' votes on answers are kept.
func feedbackDir(c config) string { return filepath.Join(c.DataDir, "feedback") }

// discordObserver is what the adapter reports to: the metrics, or nil.
func (e *env) discordObserver() discord.Observer {
	if e.metrics == nil {
		return nil
	}
	return e.metrics
}
