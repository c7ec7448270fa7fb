// Package discord puts newsbot's core in front of people on Discord: slash
// commands, mentions and threads, streamed answers with a list of sources.
// It is the only package that imports discordgo.
package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"golang.org/x/time/rate"

	"github.com/newsbot/newsbot/bot"
)

// Options tune the Discord adapter. The zero value gives the defaults.
type Options struct {
	// GuildID registers the commands in one guild (instant) instead of
	// globally (which Discord may take up to an hour to show).
	GuildID string
	// AdminRoles are role ids allowed to /load, /forget and /feed besides
	// members with Manage Server. When set, those commands are visible to
	// everyone and checked here; when empty, Discord hides them from
	// members without Manage Server.
	AdminRoles []string
	// RatePerMinute and Burst set each user's token bucket for questions;
	// defaults 6 per minute, burst 3.
	RatePerMinute float64
	Burst         int
	// AnswerTimeout bounds the work for one request; default 2 minutes.
	AnswerTimeout time.Duration
	// EditInterval is the least time between two edits of a streamed
	// answer; default 1 s (Discord rate-limits faster edits).
	EditInterval time.Duration
	// ShutdownWait bounds how long Run waits for answers in flight when
	// stopping; default 20 s.
	ShutdownWait time.Duration
	// Feeds holds the servers' feed subscriptions; nil disables /feed.
	Feeds *bot.Feeds
	// MaxUpload caps /load file attachments; default 10 MB.
	MaxUpload int64
	Logger    *slog.Logger
}

// Bot is the Discord adapter around the core bot.
type Bot struct {
	s    *discordgo.Session
	core *bot.Bot
	opts Options
	log  *slog.Logger

	root     context.Context // parent of every request's context
	stop     context.CancelFunc
	mu       sync.Mutex // guards closing, and inflight.Add against Wait
	closing  bool
	inflight sync.WaitGroup

	limits  *userLimits
	answers *answerCache
	convs   *conversations
	threads *threads // the threads the bot started, recently spoken in
}

// Intents are the gateway intents the bot asks for: guild and direct
// messages with their content (to answer mentions and follow-ups in
// threads; the Message Content intent must be enabled for the application).
const Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsDirectMessages | discordgo.IntentMessageContent

// NewSession returns a session, not yet open, for the bot token (with or
// without its "Bot " prefix) that talks to the Discord API at api: nil or
// https://discord.com for Discord itself, else a Discord-compatible
// server. Building the session here keeps discordgo out of the caller.
func NewSession(token string, api *url.URL) (*discordgo.Session, error) {
	s, err := discordgo.New("Bot " + strings.TrimPrefix(token, "Bot "))
	if err != nil {
		return nil, err
	}
	if api != nil && (api.Host != "discord.com" || api.Scheme != "https") {
		s.Client = &http.Client{Transport: APITransport(api, nil)}
	}
	s.LogLevel = discordgo.LogWarning
	return s, nil
}

// New wires the adapter to a session that is not yet open: it sets the
// intents and adds the event handlers. Call Run, or Open the session and
// call Register.
func New(s *discordgo.Session, core *bot.Bot, opts Options) *Bot {
	if opts.RatePerMinute <= 0 {
		opts.RatePerMinute = 6
	}
	if opts.Burst <= 0 {
		opts.Burst = 3
	}
	if opts.AnswerTimeout <= 0 {
		opts.AnswerTimeout = 2 * time.Minute
	}
	if opts.EditInterval <= 0 {
		opts.EditInterval = time.Second
	}
	if opts.ShutdownWait <= 0 {
		opts.ShutdownWait = 20 * time.Second
	}
	if opts.MaxUpload <= 0 {
		opts.MaxUpload = bot.MaxFileBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	root, stop := context.WithCancel(context.Background())
	b := &Bot{
		s: s, core: core, opts: opts, log: opts.Logger, root: root, stop: stop,
		limits:  newUserLimits(rate.Limit(opts.RatePerMinute/60), opts.Burst),
		answers: newAnswerCache(500),
		convs:   newConversations(1000, 6),
		threads: newThreads(maxThreads),
	}
	s.Identify.Intents = Intents
	s.AddHandler(b.onInteraction)
	s.AddHandler(b.onMessage)
	s.AddHandler(func(s *discordgo.Session, r *discordgo.Ready) {
		b.log.Info("connected to Discord", "user", r.User.Username, "guilds", len(r.Guilds))
	})
	s.AddHandler(func(s *discordgo.Session, r *discordgo.RateLimit) {
		b.log.Warn("Discord rate limit", "url", r.URL, "retry_after", r.RetryAfter)
	})
	return b
}

// Run opens the session, registers the commands, and serves until ctx is
// done; then it stops taking requests, waits (bounded) for answers in
// flight and closes the session.
func (b *Bot) Run(ctx context.Context) error {
	if err := b.s.Open(); err != nil {
		return openError(err)
	}
	if err := b.Register(); err != nil {
		b.s.Close()
		return err
	}
	b.log.Info("invite the bot with this link", "url", InviteURL(b.appID()))
	<-ctx.Done()
	b.Shutdown()
	return nil
}

// Shutdown stops new work, waits up to ShutdownWait for answers in flight
// and closes the session.
func (b *Bot) Shutdown() {
	b.mu.Lock()
	b.closing = true
	b.mu.Unlock()
	done := make(chan struct{})
	go func() {
		b.inflight.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(b.opts.ShutdownWait):
		b.log.Warn("stopping with answers still in flight")
	}
	b.stop()
	b.s.ShouldReconnectOnError = false
	if err := b.s.Close(); err != nil {
		b.log.Warn("closing the Discord session", "err", err)
	}
}

// begin counts a request in flight, or reports false when the bot is
// shutting down and takes no new work.
func (b *Bot) begin() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closing {
		return false
	}
	b.inflight.Add(1)
	return true
}

// restarting is what a person hears when a request arrives during shutdown.
const restarting = "I'm restarting — please ask again in a minute."

// openError explains the usual reasons the gateway refuses a bot.
func openError(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "4004") || strings.Contains(msg, "Authentication failed"):
		return errors.New("Discord refused the bot token: check DISCORD_TOKEN (it may have been reset in the developer portal)")
	case strings.Contains(msg, "4014") || strings.Contains(msg, "Disallowed intent"):
		return errors.New("Discord refused the Message Content intent: enable it for the bot in the developer portal (Bot → Privileged Gateway Intents)")
	case strings.Contains(msg, "401"):
		return errors.New("Discord refused the bot token: check DISCORD_TOKEN")
	}
	return fmt.Errorf("connect to Discord: %w", err)
}

// Register bulk-overwrites the application's commands: in Options.GuildID
// when set, else globally.
func (b *Bot) Register() error {
	app := b.appID()
	if app == "" {
		return errors.New("register commands: the session has no application id (not connected?)")
	}
	cmds, err := b.s.ApplicationCommandBulkOverwrite(app, b.opts.GuildID, b.commands())
	if err != nil {
		return fmt.Errorf("register commands: %w", err)
	}
	b.log.Info("registered commands", "count", len(cmds), "guild", b.opts.GuildID)
	return nil
}

func (b *Bot) appID() string {
	b.s.State.RLock()
	defer b.s.State.RUnlock()
	if b.s.State.Application != nil && b.s.State.Application.ID != "" {
		return b.s.State.Application.ID
	}
	if b.s.State.User != nil {
		return b.s.State.User.ID
	}
	return ""
}

func (b *Bot) botID() string {
	b.s.State.RLock()
	defer b.s.State.RUnlock()
	if b.s.State.User == nil {
		return ""
	}
	return b.s.State.User.ID
}

// Permissions the bot needs in a channel.
const Permissions = discordgo.PermissionViewChannel | discordgo.PermissionSendMessages |
	discordgo.PermissionSendMessagesInThreads | discordgo.PermissionCreatePublicThreads |
	discordgo.PermissionReadMessageHistory | discordgo.PermissionEmbedLinks

// InviteURL is the link that adds the bot to a server with the permissions
// it needs.
func InviteURL(appID string) string {
	v := url.Values{}
	v.Set("client_id", appID)
	v.Set("scope", "bot applications.commands")
	v.Set("permissions", fmt.Sprint(Permissions))
	return "https://discord.com/oauth2/authorize?" + v.Encode()
}

// APITransport sends discordgo's requests for https://discord.com to base
// instead (a Discord-compatible server), keeping path and query. discordgo
// builds its URLs from package-level variables; rewriting in the session's
// own transport points one session elsewhere without touching them, and the
// gateway URL follows from the server's /gateway answer.
func APITransport(base *url.URL, rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		if req.URL.Scheme != "https" || !strings.EqualFold(req.URL.Host, "discord.com") {
			return rt.RoundTrip(req)
		}
		r := req.Clone(req.Context())
		r.URL.Scheme, r.URL.Host, r.Host = base.Scheme, base.Host, base.Host
		r.URL.Path = strings.TrimSuffix(base.Path, "/") + req.URL.Path
		r.URL.RawPath = ""
		return rt.RoundTrip(r)
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// scopeOf is the library scope of a guild: its id, or the global library
// in DMs.
func scopeOf(guildID string) string {
	if guildID == "" {
		return bot.GlobalScope
	}
	return guildID
}

// noMentions is set on every message the bot sends: nothing in an answer,
// from a model or an article, can ping anyone. A nil Parse would be sent as
// null, so the slice must be empty, not nil.
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}
