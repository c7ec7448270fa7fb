// Package discord puts newsbot's core in front of people on Discord: slash
// commands, mentions and threads, streamed answers with a list of sources.
// It is the only package that imports discordgo.
package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
)

// Options tune the Discord adapter. The zero value gives the defaults.
type Options struct {
	// GuildID registers the commands in one guild (instant) instead of
	// globally (which Discord may take up to an hour to show).
	GuildID string
	// AdminRoles are role ids allowed to /load, /forget, /feed add and
	// remove, /settings and /briefing set and off besides members with
	// Manage Server. When set,
	// those commands are visible to everyone and checked here; when empty,
	// Discord hides them from members without Manage Server.
	AdminRoles []string
	// RatePerMinute and Burst set each user's token bucket for questions
	// where a server's settings don't; defaults 6 per minute, burst 3.
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
	// Settings keeps each server's settings (/settings); nil leaves every
	// server with the defaults and no /settings.
	Settings bot.SettingsStore
	// Feedback records votes on answers; nil leaves answers without vote
	// buttons.
	Feedback *bot.Feedback
	// Briefings keeps and posts the servers' daily briefings (/briefing);
	// nil leaves the command out. Run them with RunBriefings.
	Briefings *bot.Briefings
	// Turns keeps the conversations' last turns; nil keeps those of the
	// last thousand conversations in memory. A fleet shares them
	// (bot/postgres), so a follow-up may reach any process.
	Turns bot.TurnStore
	// IdentifyTurn, when set, makes the shards of a fleet's processes take
	// turns to identify: it blocks until this process may connect a shard
	// of Discord's rate-limit bucket (shard id modulo max_concurrency),
	// which is spacing (five seconds) after the bucket's last identify in
	// the fleet, and returns the function that records this identify and
	// ends the turn, called right after it. nil: this process spaces its
	// own shards only.
	IdentifyTurn func(ctx context.Context, bucket int, spacing time.Duration) (identified func(), err error)
	// MaxUpload caps /load file attachments; default 10 MB.
	MaxUpload int64
	Logger    *slog.Logger
	// Observer hears acknowledgements, questions refused before they
	// reach the core, Discord's rate-limit waits and the gateway's state;
	// nil hears nothing. Give the core its own in bot.Options.
	Observer Observer
}

// Observer hears what the adapter does, for an operator's metrics
// (bot/metrics implements it). Methods are called from discordgo's event
// goroutines and must return at once.
type Observer interface {
	// Asked hears a question refused here, before the core saw it: too
	// fast, in a closed channel, while shutting down, or empty.
	Asked(o bot.Outcome)
	// Acked hears how long after its arrival a command was acknowledged;
	// Discord allows 3 seconds.
	Acked(d time.Duration)
	// RateLimited hears that Discord answered 429 and discordgo waits
	// wait before trying again.
	RateLimited(wait time.Duration)
	// Connected hears how many of this process's gateway sessions (one
	// per shard) are up, each time that changes.
	Connected(sessions int)
}

type nopObserver struct{}

func (nopObserver) Asked(bot.Outcome)         {}
func (nopObserver) Acked(time.Duration)       {}
func (nopObserver) RateLimited(time.Duration) {}
func (nopObserver) Connected(int)             {}

// Bot is the Discord adapter around the core bot.
type Bot struct {
	s      *discordgo.Session   // REST calls go through the first shard's session
	shards []*discordgo.Session // one gateway session per shard this process runs
	core   *bot.Bot
	opts   Options
	log    *slog.Logger
	obs    Observer

	connMu sync.Mutex
	up     map[*discordgo.Session]bool // the shards whose gateway session is up

	root     context.Context // parent of every request's context
	stop     context.CancelFunc
	mu       sync.Mutex // guards closing, inflight and idle
	closing  bool
	inflight int           // requests being answered
	idle     chan struct{} // closed when inflight drops to zero

	limits  *userLimits
	answers *answerCache
	turns   bot.TurnStore
	threads *threads // the threads the bot started, recently spoken in
}

// intents are the gateway intents the bot asks for: guild and direct
// messages with their content (to answer mentions and follow-ups in
// threads; the Message Content intent must be enabled for the application).
const intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsDirectMessages | discordgo.IntentMessageContent

// New wires the adapter to a session that is not yet open: it sets the
// intents and adds the event handlers. Call Run, or Open the session and
// call Register.
func New(s *discordgo.Session, core *bot.Bot, opts Options) *Bot {
	return NewSharded([]*discordgo.Session{s}, core, opts)
}

// NewSharded wires the adapter to the sessions of the shards this process
// runs (NewSessions), none open yet: every session gets the intents and
// the event handlers, and the first one also carries the REST calls. Run
// opens them all.
func NewSharded(sessions []*discordgo.Session, core *bot.Bot, opts Options) *Bot {
	s := sessions[0]
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
	if opts.Turns == nil {
		opts.Turns = newConversations(1000)
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
	if opts.Observer == nil {
		opts.Observer = nopObserver{}
	}
	root, stop := context.WithCancel(context.Background())
	b := &Bot{
		s: s, shards: sessions, core: core, opts: opts, log: opts.Logger, obs: opts.Observer, root: root, stop: stop,
		up:      map[*discordgo.Session]bool{},
		limits:  newUserLimits(),
		answers: newAnswerCache(2000),
		turns:   opts.Turns,
		threads: newThreads(maxThreads),
	}
	for _, s := range sessions {
		s.Identify.Intents = intents
		s.AddHandler(b.onInteraction)
		s.AddHandler(b.onMessage)
		s.AddHandler(func(s *discordgo.Session, r *discordgo.Resumed) { b.setConnected(s, true) })
		s.AddHandler(func(s *discordgo.Session, r *discordgo.Disconnect) { b.setConnected(s, false) })
		s.AddHandler(func(s *discordgo.Session, r *discordgo.Ready) {
			b.setConnected(s, true)
			if s.ShardCount > 1 {
				b.log.Info("connected to Discord", "user", r.User.Username, "guilds", len(r.Guilds), "shard", s.ShardID, "of", s.ShardCount)
				return
			}
			b.log.Info("connected to Discord", "user", r.User.Username, "guilds", len(r.Guilds))
		})
		s.AddHandler(func(s *discordgo.Session, r *discordgo.RateLimit) {
			var wait time.Duration
			if r.TooManyRequests != nil {
				wait = r.RetryAfter
			}
			b.obs.RateLimited(wait)
			b.log.Warn("Discord rate limit", "url", r.URL, "retry_after", wait)
		})
	}
	return b
}

// Connected reports whether the gateway session of every shard this
// process runs is up: READY or RESUMED came, and no disconnect since. A
// shard that is not connected hears no commands, so the bot is not ready
// (see /readyz).
func (b *Bot) Connected() bool {
	b.connMu.Lock()
	defer b.connMu.Unlock()
	return b.countUp() == len(b.shards)
}

// setConnected records that shard s's session came up or went down.
func (b *Bot) setConnected(s *discordgo.Session, up bool) {
	b.connMu.Lock()
	changed := b.up[s] != up
	b.up[s] = up
	n := b.countUp()
	b.connMu.Unlock()
	if changed {
		b.obs.Connected(n)
	}
}

// countUp counts the sessions that are up; connMu must be held.
func (b *Bot) countUp() int {
	n := 0
	for _, up := range b.up {
		if up {
			n++
		}
	}
	return n
}

// Run opens the sessions, registers the commands if this process runs
// shard 0 (see Shards), and serves until ctx is done; then it stops taking
// requests, waits (bounded) for answers in flight and closes the sessions.
func (b *Bot) Run(ctx context.Context) error {
	if err := b.openShards(ctx); err != nil {
		if ctx.Err() != nil {
			return nil // stopped while waiting to connect
		}
		return err
	}
	if b.registers() {
		if err := b.Register(); err != nil {
			b.closeShards(b.shards)
			return err
		}
		b.log.Info("invite the bot with this link", "url", inviteURL(b.appID()))
	} else {
		b.log.Info("commands are registered by the process that runs shard 0")
	}
	if b.opts.Briefings != nil {
		go b.RunBriefings(ctx)
	}
	<-ctx.Done()
	b.Shutdown()
	return nil
}

// Shutdown stops new work, waits up to ShutdownWait for answers in flight
// and closes the sessions.
func (b *Bot) Shutdown() {
	b.mu.Lock()
	b.closing = true
	b.mu.Unlock()
	select {
	case <-b.idleChan():
	case <-time.After(b.opts.ShutdownWait):
		b.log.Warn("stopping with answers still in flight")
	}
	b.stop()
	b.closeShards(b.shards)
}

// begin counts a request in flight, or reports false when the bot is
// shutting down and takes no new work.
func (b *Bot) begin() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closing {
		return false
	}
	if b.inflight == 0 {
		b.idle = make(chan struct{})
	}
	b.inflight++
	return true
}

// end counts a request begun with begin as done.
func (b *Bot) end() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.inflight--; b.inflight == 0 {
		close(b.idle)
	}
}

// idleChan returns a channel that is closed once no request is in flight.
func (b *Bot) idleChan() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.inflight == 0 {
		closed := make(chan struct{})
		close(closed)
		return closed
	}
	return b.idle
}

// restarting is what a person hears when a request arrives during shutdown.
const restarting = "I'm restarting — please ask again in a minute."

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
	if !b.core.ModelConfigured() {
		b.log.Warn("no chat model is configured: answers quote the articles' sentences; set OPENAI_API_KEY, or OPENAI_BASE_URL for a local server, for written answers")
	}
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

// inviteURL is the link that adds the bot to a server with the permissions
// it needs.
func inviteURL(appID string) string {
	v := url.Values{}
	v.Set("client_id", appID)
	v.Set("scope", "bot applications.commands")
	v.Set("permissions", fmt.Sprint(Permissions))
	return "https://discord.com/oauth2/authorize?" + v.Encode()
}

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
