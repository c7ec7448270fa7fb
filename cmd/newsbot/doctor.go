package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/discord"
	"github.com/newsbot/newsbot/retrieval"
	"github.com/newsbot/newsbot/retrieval/postgres"
)

func (e *env) doctorCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check what the bot needs, one line each, with the fix",
		Long: `Checks the configuration, the data folder and its index, the embedder, the
chat model (with a one-token request), Discord (the token, the Message Content
intent, the invite link, the server in NEWSBOT_DISCORD_GUILD_ID) and the
followed feeds. Each check is one line: ok, warn (worth knowing, nothing is
broken) or FAIL, with what to do. Exits 1 when something a user needs is
broken. Changes nothing: it does not open the library for writing, wait for
its lock or re-embed.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var checks []bot.Check
			report := func(cs ...bot.Check) {
				for _, c := range cs {
					line := fmt.Sprintf("%-4s  %-22s  %s", c.Status, c.Name, c.Detail)
					if c.Fix != "" {
						line += " — fix: " + c.Fix
					}
					fmt.Fprintln(e.stdout, line)
				}
				checks = append(checks, cs...)
			}
			report(e.configCheck())
			var health *retrieval.FolderHealth
			if e.cfg.DatabaseURL != "" {
				report(e.databaseCheck())
			} else {
				var folder []bot.Check
				health, folder = e.dataCheck()
				report(folder...)
			}
			report(e.embedderCheck(health))
			report(e.modelCheck())
			report(e.discordChecks()...)
			report(e.feedChecks()...)
			var failed []string
			for _, c := range checks {
				if c.Status == bot.CheckFail {
					failed = append(failed, c.Name)
				}
			}
			if len(failed) > 0 {
				return personError{fmt.Sprintf("%d of %d checks failed (%s): see the fixes above", len(failed), len(checks), strings.Join(failed, ", "))}
			}
			fmt.Fprintln(e.stdout, "\nEverything the bot needs is in place.")
			return nil
		},
	}
}

// configCheck says where the configuration came from, and warns when a
// config file holding a secret can be read by other users.
func (e *env) configCheck() bot.Check {
	c := bot.Check{Name: "config", Status: bot.CheckOK, Detail: "no config file: the environment and defaults"}
	if e.cfg.file == "" {
		return c
	}
	c.Detail = e.cfg.file
	fi, err := os.Stat(e.cfg.file)
	if err == nil && fi.Mode().Perm()&0o044 != 0 && e.cfg.fileSecrets {
		c.Status = bot.CheckWarn
		c.Detail += " holds a secret and other users can read it"
		c.Fix = "chmod 600 " + e.cfg.file + ", or keep the secret in its own file (discord_token_file, …)"
	}
	return c
}

// dataCheck looks at the data folder without changing it.
func (e *env) dataCheck() (*retrieval.FolderHealth, []bot.Check) {
	dir := e.cfg.DataDir
	c := bot.Check{Name: "data folder"}
	h, err := retrieval.InspectDataFolder(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		c.Status, c.Detail = bot.CheckWarn, dir+" does not exist yet"
		c.Fix = "newsbot ingest or newsbot serve creates it; check data_dir (--data, NEWSBOT_DATA_DIR) if you expected a library there"
		return nil, []bot.Check{c}
	case err != nil:
		c.Status, c.Detail = bot.CheckFail, fmt.Sprintf("%s cannot be read: %v", dir, err)
		c.Fix = "check the folder's owner and permissions, or data_dir"
		return nil, []bot.Check{c}
	}
	c.Status = bot.CheckOK
	c.Detail = fmt.Sprintf("%s: %s, %s", dir, plural(h.Articles, "article"), plural(h.Paragraphs, "paragraph"))
	if err := syscall.Access(dir, 2 /* W_OK */); err != nil {
		c.Status = bot.CheckFail
		c.Detail += "; it cannot be written (" + err.Error() + "): serve and ingest cannot store articles"
		c.Fix = "make " + dir + " writable by the user newsbot runs as"
	}
	out := []bot.Check{c}
	if n := len(h.Unreadable); n > 0 {
		out = append(out, bot.Check{Name: "article files", Status: bot.CheckWarn,
			Detail: fmt.Sprintf("%s cannot be read and %s passed over: %s", plural(n, "file"), isAre(n), listSome(h.Unreadable, 3)),
			Fix:    "fix or remove them in " + filepath.Join(dir, "articles")})
	}
	return &h, out
}

// databaseCheck connects to the PostgreSQL library, checks its schema and
// counts what it holds, without an embedder (so nothing is embedded).
func (e *env) databaseCheck() bot.Check {
	c := bot.Check{Name: "database"}
	where := e.cfg.DatabaseURL
	if u, err := url.Parse(where); err == nil {
		where = u.Redacted()
	}
	lib, err := postgres.Open(e.ctx, e.cfg.DatabaseURL, nil, postgres.Options{Logger: e.logger})
	switch {
	case errors.Is(err, postgres.ErrSchema):
		why, _, _ := strings.Cut(strings.TrimPrefix(err.Error(), postgres.ErrSchema.Error()+": "), ";")
		c.Status, c.Detail = bot.CheckFail, where+": "+why
		c.Fix = "run newsbot migrate (or start newsbot serve --migrate)"
		return c
	case err != nil:
		c.Status, c.Detail = bot.CheckFail, sentence(err)
		c.Fix = "check database_url (NEWSBOT_DATABASE_URL) and that PostgreSQL runs"
		return c
	}
	defer lib.Close()
	articles, paragraphs, err := lib.Count(e.ctx)
	if err != nil {
		c.Status, c.Detail = bot.CheckFail, where+": "+rootCause(err)
		c.Fix = "check the database's logs"
		return c
	}
	c.Status, c.Detail = bot.CheckOK, fmt.Sprintf("%s: %s, %s; schema up to date", where, plural(articles, "article"), plural(paragraphs, "paragraph"))
	return c
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// embedderCheck builds the configured embedder (an endpoint answers one
// request to tell its dimensions) and compares it with the index's.
func (e *env) embedderCheck(h *retrieval.FolderHealth) bot.Check {
	c := bot.Check{Name: "embedder"}
	emb, err := e.embedder()
	if err != nil {
		c.Status, c.Detail = bot.CheckFail, sentence(err)
		c.Fix = "check embed_model, embed_base_url and embed_api_key (or set embed_model = \"local\")"
		return c
	}
	info := emb.Info()
	c.Status, c.Detail = bot.CheckOK, info.String()
	switch {
	case h == nil:
	case h.Index == nil && h.Paragraphs > 0:
		c.Status = bot.CheckWarn
		c.Detail += "; there is no index yet"
		c.Fix = fmt.Sprintf("the first command that opens the library embeds its %s; run newsbot reindex to do it now", plural(h.Paragraphs, "paragraph"))
	case h.Index != nil && *h.Index != info:
		c.Status = bot.CheckWarn
		c.Detail += "; the index was made by " + h.Index.String()
		if h.Index.Dimensions != info.Dimensions {
			c.Detail += fmt.Sprintf(": %d dimensions, not %d", h.Index.Dimensions, info.Dimensions)
		}
		c.Fix = fmt.Sprintf("the next start re-embeds all %s with the configured embedder (run newsbot reindex to do it now), or set the embedder back", plural(h.Paragraphs, "paragraph"))
	case h.Index != nil:
		c.Detail += ", as the index"
	}
	return c
}

// modelCheck asks the chat model for one token.
func (e *env) modelCheck() bot.Check {
	c := bot.Check{Name: "chat model"}
	m := e.chatModelOver(http.DefaultTransport) // one try: the check reports what the server says now
	if m == nil {
		c.Status, c.Detail = bot.CheckOK, "none: answers are extractive (quoted sentences); set openai_api_key or openai_base_url for written answers"
		return c
	}
	where := orDefault(e.cfg.OpenAIBaseURL, "https://api.openai.com/v1")
	took, err := m.Ping(e.ctx)
	if err == nil {
		c.Status, c.Detail = bot.CheckOK, fmt.Sprintf("%s at %s answered a one-token request in %s", m.Name(), where, took.Round(time.Millisecond))
		return c
	}
	c.Status = bot.CheckFail
	c.Detail = fmt.Sprintf("%s at %s: ", m.Name(), where)
	switch {
	case errors.Is(err, bot.ErrModelAuth):
		c.Detail += "the server refused the API key"
		c.Fix = "check openai_api_key (OPENAI_API_KEY)"
	case errors.Is(err, bot.ErrModelNotFound):
		c.Detail += "the server does not know this model"
		c.Fix = "set chat_model (NEWSBOT_CHAT_MODEL) to a model the server lists at " + strings.TrimSuffix(where, "/") + "/models"
	case errors.Is(err, bot.ErrModelRateLimited):
		c.Status = bot.CheckWarn
		c.Detail += "rate limited or out of quota"
		c.Fix = "wait, or check the account's quota"
	case errors.Is(err, bot.ErrModelTimeout):
		c.Detail += fmt.Sprintf("no answer within %s", e.cfg.AnswerTimeout)
		c.Fix = "check that the server runs and is not overloaded, or raise answer_timeout"
	case errors.Is(err, bot.ErrModelUnavailable):
		c.Detail += "the server cannot be reached or fails (" + rootCause(err) + ")"
		c.Fix = "check openai_base_url (OPENAI_BASE_URL) and that the server runs"
	default:
		c.Detail += rootCause(err)
		c.Fix = "check openai_base_url and chat_model"
	}
	return c
}

// rootCause is the innermost error's text: the part that says what happened.
func rootCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			break
		}
		err = next
	}
	return strings.TrimSpace(err.Error())
}

// discordChecks runs bot/discord's checks when a token is configured.
func (e *env) discordChecks() []bot.Check {
	if e.cfg.DiscordToken == "" {
		return []bot.Check{{Name: "discord token", Status: bot.CheckWarn, Detail: "not set: newsbot works in the terminal, but serve needs it",
			Fix: "create a bot at https://discord.com/developers/applications, copy its token (Bot → Reset Token) into discord_token or DISCORD_TOKEN"}}
	}
	api, _ := url.Parse(e.cfg.DiscordAPIURL) // checked when the config loaded
	s, err := discord.NewSession(e.cfg.DiscordToken, api)
	if err != nil {
		return []bot.Check{{Name: "discord token", Status: bot.CheckFail, Detail: sentence(err), Fix: "check discord_token"}}
	}
	checks := discord.Checks(e.ctx, s, e.cfg.DiscordGuildID)
	if checks[0].Status == bot.CheckFail {
		return checks // the token or the host is wrong: nothing more to ask
	}
	sh, _ := discord.ParseShards(e.cfg.Shards) // checked when the config loaded
	return append(checks, discord.ShardCheck(e.ctx, s, sh))
}

// feedChecks fetches each followed feed once.
func (e *env) feedChecks() []bot.Check {
	subs, err := e.followedFeeds()
	if errors.Is(err, postgres.ErrSchema) {
		return nil // the database check says what to do
	}
	if err != nil {
		fix := "fix or remove " + filepath.Join(e.cfg.DataDir, "feeds.json")
		if e.cfg.DatabaseURL != "" {
			fix = "check database_url (NEWSBOT_DATABASE_URL) and that PostgreSQL runs"
		}
		return []bot.Check{{Name: "feeds", Status: bot.CheckFail, Detail: sentence(err), Fix: fix}}
	}
	total, problems := bot.CheckFeeds(e.ctx, subs, e.fetcher())
	c := bot.Check{Name: "feeds", Status: bot.CheckOK, Detail: "no feeds followed"}
	if total > 0 {
		c.Detail = fmt.Sprintf("%d of %s answer", total-len(problems), plural(total, "followed feed"))
	}
	out := []bot.Check{c}
	for _, p := range problems {
		out = append(out, bot.Check{Name: "feed", Status: bot.CheckWarn,
			Detail: fmt.Sprintf("%s (server %s): %s", p.URL, p.Scope, bot.UserMessage(p.Err)+rootCauseIfNoMessage(p.Err)),
			Fix:    "if it moved or ended, /feed remove it in that server"})
	}
	return out
}

// rootCauseIfNoMessage adds the innermost error when the error carries no
// sentence for people.
func rootCauseIfNoMessage(err error) string {
	if bot.UserMessage(err) != "" {
		return ""
	}
	return rootCause(err)
}
