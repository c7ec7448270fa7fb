package discordtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// DefaultBotID is the bot's user id and application id; a fixed id keeps
// test expectations readable.
const DefaultBotID = "1000000000000000001"

// DefaultToken is the token Session uses when no WithToken option is given.
// Without WithToken the fake accepts any non-empty bot token.
const DefaultToken = "test-token"

// ErrClosed is returned by the Wait methods once the fake has shut down, so a
// waiting test fails at once instead of running into its deadline.
var ErrClosed = errors.New("discordtest: server closed")

// Server is a fake Discord: REST API, gateway and the state a bot builds up
// (messages, threads, commands). Create it with New; it stops at test cleanup.
type Server struct {
	t     testing.TB
	cfg   config
	hs    *httptest.Server
	api   *http.ServeMux
	base  *url.URL
	done  chan struct{}
	gwWG  sync.WaitGroup
	lastI atomic.Uint64

	mu      sync.Mutex
	closed  bool
	changed chan struct{}

	requests []Request
	faults   []*faultRule
	delays   []delayRule

	conns      map[*gwConn]struct{}
	sessions   map[string]*gwSession
	identifies []discordgo.Identify
	identified map[int]time.Time // rate-limit bucket → its last accepted IDENTIFY
	stats      GatewayStats

	commands     map[string][]map[string]any // scope ("" = global, else guild id)
	messages     map[string]map[string]any   // message id → message JSON
	channelMsgs  map[string][]string         // channel id → message ids, oldest first
	channels     map[string]map[string]any   // channel id → channel JSON
	interactions map[string]*interactionState
	nonces       map[string]nonceEntry // enforced nonces of the bot's messages

	open map[testing.TB][]*discordgo.Session // Session's sessions, by test
}

type config struct {
	token             string
	botID, botName    string
	appID             string
	guilds            []guild
	heartbeat         time.Duration
	disallowedIntents discordgo.Intent
	appFlags          *int
	codeGrant         bool
	nonceWindow       *time.Duration
	shards            int // the count GET /gateway/bot recommends
	maxConcurrency    int // identifies allowed at once (session_start_limit)
	identifyLimit     time.Duration
}

type guild struct{ id, name string }

// Option configures a Server.
type Option func(*config)

// WithToken makes token the only bot token the fake accepts, on the gateway
// and on REST; any other token gets close code 4004 or HTTP 401.
func WithToken(token string) Option {
	return func(c *config) { c.token = strings.TrimPrefix(token, "Bot ") }
}

// WithGuild adds a guild the bot is in: READY lists it as unavailable and a
// GUILD_CREATE follows, as on Discord.
func WithGuild(id, name string) Option {
	return func(c *config) { c.guilds = append(c.guilds, guild{id, name}) }
}

// WithShards makes GET /gateway/bot recommend count shards (default 1),
// the count a bot started with NEWSBOT_SHARDS=auto runs.
func WithShards(count int) Option {
	return func(c *config) { c.shards = count }
}

// WithMaxConcurrency makes GET /gateway/bot allow n identifies at once
// (session_start_limit.max_concurrency, default 1), as Discord grants large
// bots, so that a test opening several shards in one process does not wait
// five seconds between them.
func WithMaxConcurrency(n int) Option {
	return func(c *config) { c.maxConcurrency = n }
}

// WithIdentifyLimit makes the fake hold bots to Discord's identify rate
// limit: an IDENTIFY less than interval (Discord: five seconds) after the
// last one in its bucket (shard id modulo max_concurrency) is answered with
// op 9, invalid session, and counted in GatewayStats.InvalidSessions.
func WithIdentifyLimit(interval time.Duration) Option {
	return func(c *config) { c.identifyLimit = interval }
}

// WithDisallowedIntents makes IDENTIFY fail with close code 4014 when it asks
// for any of these intents, as Discord does for privileged intents the bot
// was not granted in the developer portal.
func WithDisallowedIntents(intents discordgo.Intent) Option {
	return func(c *config) { c.disallowedIntents = intents }
}

// New starts a fake Discord on 127.0.0.1 and stops it when the test ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := config{botID: DefaultBotID, botName: "newsbot", heartbeat: 45 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.appID == "" {
		cfg.appID = cfg.botID
	}
	s := &Server{
		t:            t,
		cfg:          cfg,
		done:         make(chan struct{}),
		changed:      make(chan struct{}),
		conns:        make(map[*gwConn]struct{}),
		sessions:     make(map[string]*gwSession),
		identified:   make(map[int]time.Time),
		commands:     make(map[string][]map[string]any),
		messages:     make(map[string]map[string]any),
		channelMsgs:  make(map[string][]string),
		channels:     make(map[string]map[string]any),
		interactions: make(map[string]*interactionState),
	}
	s.api = s.routes()
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/gw", s.serveGateway)
	mux.HandleFunc("/gw/", s.serveGateway)
	s.hs = httptest.NewServer(mux)
	base, err := url.Parse(s.hs.URL)
	if err != nil {
		t.Fatalf("parse fake discord url: %v", err)
	}
	s.base = base
	t.Cleanup(s.close)
	return s
}

// URL is the fake's base URL (http://127.0.0.1:PORT), the value production
// code takes from NEWSBOT_DISCORD_API_URL.
func (s *Server) URL() string { return s.hs.URL }

// gatewayURL is the websocket URL that GET /gateway hands out.
func (s *Server) gatewayURL() string { return "ws://" + s.base.Host + "/gw" }

// Token is the bot token to give discordgo.New (with the "Bot " prefix).
func (s *Server) Token() string {
	if s.cfg.token != "" {
		return "Bot " + s.cfg.token
	}
	return "Bot " + DefaultToken
}

// ApplicationID is the application id that READY, interactions and the
// command routes use.
func (s *Server) ApplicationID() string { return s.cfg.appID }

// BotUser is the bot user as READY describes it.
func (s *Server) BotUser() *discordgo.User {
	return &discordgo.User{ID: s.cfg.botID, Username: s.cfg.botName, Discriminator: "0", Bot: true}
}

// Client returns an http.Client that sends discordgo's requests for
// https://discord.com to the fake and refuses every other host, so a test
// cannot reach the network by accident.
func (s *Server) Client() *http.Client {
	return &http.Client{Transport: RewriteTransport(s.base, onlyHost(s.base.Host, s.hs.Client().Transport))}
}

func (s *Server) botUserJSON() map[string]any {
	return map[string]any{
		"id": s.cfg.botID, "username": s.cfg.botName, "discriminator": "0",
		"global_name": nil, "avatar": nil, "bot": true, "public_flags": 0,
	}
}

func (s *Server) close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.done)
	for c := range s.conns {
		c.ws.Close()
	}
	s.mu.Unlock()
	s.gwWG.Wait()
	s.hs.Close()
}

// notifyLocked wakes every waiter; s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitUntil blocks until cond, evaluated with s.mu held, is true.
func (s *Server) waitUntil(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ok := cond()
		ch := s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.done:
			return ErrClosed
		}
	}
}

// discordEpoch is the first second of 2015 in Unix milliseconds.
const discordEpoch = 1420070400000

// newID returns a fresh snowflake whose timestamp is now, so that
// discordgo.SnowflakeTimestamp works on ids the fake hands out.
func (s *Server) newID() string {
	for {
		last := s.lastI.Load()
		id := uint64(time.Now().UnixMilli()-discordEpoch) << 22
		if id <= last {
			id = last + 1
		}
		if s.lastI.CompareAndSwap(last, id) {
			return strconv.FormatUint(id, 10)
		}
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// timestamp formats t the way Discord does.
func timestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000+00:00")
}
