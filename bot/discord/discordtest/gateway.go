package discordtest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// GatewayStats counts what happened on the gateway, for tests that wait for
// a handshake or assert that a reconnect resumed instead of identifying.
type GatewayStats struct {
	Connections int // websocket connections accepted
	Live        int // connections open now
	Identifies  int // IDENTIFY (op 2) received
	Resumes     int // RESUME (op 6) received
	Ready       int // READY dispatches sent
	Resumed     int // RESUMED dispatches sent
	Heartbeats  int // heartbeats (op 1) received
	// InvalidSessions counts IDENTIFYs refused with op 9 for coming too
	// soon after another in their bucket (WithIdentifyLimit).
	InvalidSessions int
}

// Gateway close codes the fake uses, as Discord documents them.
const (
	CloseUnknownOpcode        = 4001
	CloseDecodeError          = 4002
	CloseNotAuthenticated     = 4003
	CloseAuthenticationFailed = 4004
	CloseAlreadyAuthenticated = 4005
	CloseInvalidShard         = 4010
	CloseDisallowedIntents    = 4014
)

const writeTimeout = 5 * time.Second

type gwConn struct {
	ws      *websocket.Conn
	wmu     sync.Mutex
	session *gwSession // guarded by Server.mu
}

func (c *gwConn) write(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
	return c.ws.WriteJSON(v)
}

// closeWith sends a close frame with code and reason, then drops the socket.
func (c *gwConn) closeWith(code int, reason string) {
	c.wmu.Lock()
	c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(writeTimeout))
	c.wmu.Unlock()
	c.ws.Close()
}

// gwSession is a gateway session: it outlives connections so that a RESUME
// on a new connection can replay what the old one missed.
type gwSession struct {
	id      string
	intents discordgo.Intent
	shard   [2]int // id and count; [0, 1] when IDENTIFY named none
	seq     int64
	history []frame
	conn    *gwConn
	ended   bool // closed cleanly by the client; cannot be resumed
	beats   int  // heartbeats received
}

type frame struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
	S  *int64          `json:"s"`
	T  *string         `json:"t"`
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "closed", http.StatusServiceUnavailable)
		return
	}
	s.gwWG.Add(1)
	s.mu.Unlock()
	defer s.gwWG.Done()

	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered the client
	}
	c := &gwConn{ws: ws}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ws.Close()
		return
	}
	s.conns[c] = struct{}{}
	s.stats.Connections++
	s.stats.Live++
	s.notifyLocked()
	s.mu.Unlock()

	defer func() {
		ws.Close()
		s.mu.Lock()
		delete(s.conns, c)
		s.stats.Live--
		if c.session != nil && c.session.conn == c {
			c.session.conn = nil
		}
		s.notifyLocked()
		s.mu.Unlock()
	}()

	hello := map[string]any{"heartbeat_interval": s.cfg.heartbeat.Milliseconds()}
	if err := c.write(map[string]any{"op": 10, "d": hello, "s": nil, "t": nil}); err != nil {
		return
	}
	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) && (ce.Code == websocket.CloseNormalClosure || ce.Code == websocket.CloseGoingAway) {
				s.endSession(c)
			}
			return
		}
		var p frame
		if err := json.Unmarshal(msg, &p); err != nil {
			c.closeWith(CloseDecodeError, "Error while decoding payload.")
			return
		}
		if !s.handlePayload(c, p) {
			return
		}
	}
}

// handlePayload answers one payload from the bot and reports whether the
// connection stays open.
func (s *Server) handlePayload(c *gwConn, p frame) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.notifyLocked()
	switch p.Op {
	case 1: // heartbeat
		s.stats.Heartbeats++
		if c.session != nil {
			c.session.beats++
		}
		return c.write(map[string]any{"op": 11, "d": nil, "s": nil, "t": nil}) == nil
	case 2:
		return s.identifyLocked(c, p.D)
	case 6:
		return s.resumeLocked(c, p.D)
	case 3, 4, 8: // presence update, voice state, request guild members
		if c.session == nil {
			c.closeWith(CloseNotAuthenticated, "Not authenticated.")
			return false
		}
		return true
	default:
		c.closeWith(CloseUnknownOpcode, "Unknown opcode.")
		return false
	}
}

func (s *Server) identifyLocked(c *gwConn, d json.RawMessage) bool {
	// Not discordgo.Identify: its presence does not survive a round trip
	// (Activity.created_at marshals as a time and unmarshals as an int).
	var in struct {
		Token          string                       `json:"token"`
		Properties     discordgo.IdentifyProperties `json:"properties"`
		Compress       bool                         `json:"compress"`
		LargeThreshold int                          `json:"large_threshold"`
		Shard          *[2]int                      `json:"shard"`
		Intents        discordgo.Intent             `json:"intents"`
	}
	if err := json.Unmarshal(d, &in); err != nil {
		c.closeWith(CloseDecodeError, "Error while decoding payload.")
		return false
	}
	id := discordgo.Identify{
		Token: in.Token, Properties: in.Properties, Compress: in.Compress,
		LargeThreshold: in.LargeThreshold, Shard: in.Shard, Intents: in.Intents,
	}
	s.stats.Identifies++
	s.identifies = append(s.identifies, id)
	switch {
	case c.session != nil:
		c.closeWith(CloseAlreadyAuthenticated, "Already authenticated.")
		return false
	case !s.validToken(id.Token):
		c.closeWith(CloseAuthenticationFailed, "Authentication failed.")
		return false
	case id.Intents&s.cfg.disallowedIntents != 0:
		c.closeWith(CloseDisallowedIntents, "Disallowed intent(s).")
		return false
	case id.Shard != nil && (id.Shard[1] < 1 || id.Shard[0] < 0 || id.Shard[0] >= id.Shard[1]):
		c.closeWith(CloseInvalidShard, "Invalid shard.")
		return false
	}
	shard := [2]int{0, 1}
	if id.Shard != nil {
		shard = *id.Shard
	}
	if s.cfg.identifyLimit > 0 {
		bucket := shard[0] % max(s.cfg.maxConcurrency, 1)
		if t, ok := s.identified[bucket]; ok && time.Since(t) < s.cfg.identifyLimit {
			s.stats.InvalidSessions++
			return c.write(map[string]any{"op": 9, "d": false, "s": nil, "t": nil}) == nil
		}
		s.identified[bucket] = time.Now()
	}
	sess := &gwSession{id: randomHex(16), intents: id.Intents, conn: c, shard: shard}
	s.sessions[sess.id] = sess
	c.session = sess

	var mine []guild
	for _, g := range s.cfg.guilds {
		if sess.hears(g.id) {
			mine = append(mine, g)
		}
	}
	guilds := make([]map[string]any, 0, len(mine))
	for _, g := range mine {
		guilds = append(guilds, map[string]any{"id": g.id, "unavailable": true})
	}
	s.sendLocked(sess, "READY", map[string]any{
		"v":                  9,
		"session_id":         sess.id,
		"resume_gateway_url": s.gatewayURL(),
		"user":               s.botUserJSON(),
		"application":        map[string]any{"id": s.cfg.appID, "flags": 0},
		"guilds":             guilds,
		"private_channels":   []any{},
		"shard":              sess.shard[:],
	})
	s.stats.Ready++
	for _, g := range mine {
		s.sendLocked(sess, "GUILD_CREATE", s.guildJSONLocked(g))
	}
	return true
}

func (s *Server) resumeLocked(c *gwConn, d json.RawMessage) bool {
	var r struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int64  `json:"seq"`
	}
	if err := json.Unmarshal(d, &r); err != nil {
		c.closeWith(CloseDecodeError, "Error while decoding payload.")
		return false
	}
	s.stats.Resumes++
	if !s.validToken(r.Token) {
		c.closeWith(CloseAuthenticationFailed, "Authentication failed.")
		return false
	}
	sess := s.sessions[r.SessionID]
	if sess == nil || sess.ended {
		// Invalid session, not resumable: the client must identify again.
		return c.write(map[string]any{"op": 9, "d": false, "s": nil, "t": nil}) == nil
	}
	if old := sess.conn; old != nil && old != c {
		old.ws.Close()
	}
	sess.conn = c
	c.session = sess
	for _, f := range sess.history {
		if *f.S > r.Seq {
			if err := c.write(f); err != nil {
				return false
			}
		}
	}
	s.sendLocked(sess, "RESUMED", map[string]any{})
	s.stats.Resumed++
	return true
}

// sendLocked dispatches an event to one session: it gets the next sequence
// number and is kept for replay; it is written now if the session has a
// connection. s.mu must be held.
func (s *Server) sendLocked(sess *gwSession, event string, data any) {
	raw, err := json.Marshal(data)
	if err != nil {
		s.t.Errorf("discordtest: marshal %s: %v", event, err)
		return
	}
	sess.seq++
	seq, typ := sess.seq, event
	f := frame{Op: 0, D: raw, S: &seq, T: &typ}
	sess.history = append(sess.history, f)
	if sess.conn != nil {
		if err := sess.conn.write(f); err != nil {
			// The reader sees the broken socket and detaches it; the
			// event stays in the history for a RESUME.
			sess.conn.ws.Close()
		}
	}
}

// hears reports whether Discord sends this session the events of guildID:
// those of the servers on its shard, (guild_id >> 22) % shard_count, and
// direct messages ("") on shard 0 only.
func (sess *gwSession) hears(guildID string) bool {
	return ShardOf(guildID, sess.shard[1]) == sess.shard[0]
}

// ShardOf is the shard among count that Discord sends the events of
// guildID to: (guild_id >> 22) % count, and shard 0 for direct messages
// (guildID ""). Tests use it to pick servers on each shard.
func ShardOf(guildID string, count int) int {
	id, err := strconv.ParseUint(guildID, 10, 64)
	if err != nil || count <= 1 {
		return 0
	}
	return int((id >> 22) % uint64(count))
}

func (s *Server) endSession(c *gwConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.session != nil {
		c.session.ended = true
	}
}

func (s *Server) validToken(tok string) bool {
	tok = strings.TrimPrefix(tok, "Bot ")
	return tok != "" && (s.cfg.token == "" || tok == s.cfg.token)
}

// DropConnection closes every gateway socket without a close frame, as a
// network failure would. discordgo notices, waits a second in Close and
// reconnects with RESUME; events dispatched meanwhile are replayed.
func (s *Server) DropConnection() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.ws.Close()
	}
}

// GatewayStats returns the gateway counters.
func (s *Server) GatewayStats() GatewayStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Identifies returns every IDENTIFY received, to check the token and the
// intents a bot asked for. Presence is left empty.
func (s *Server) Identifies() []discordgo.Identify {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]discordgo.Identify(nil), s.identifies...)
}

// WaitGateway blocks until cond holds for the gateway counters.
func (s *Server) WaitGateway(ctx context.Context, cond func(GatewayStats) bool) error {
	return s.waitUntil(ctx, func() bool { return cond(s.stats) })
}

// waitHeartbeat blocks until the gateway session sessionID has sent a
// heartbeat, which discordgo's heartbeat goroutine does first thing.
func (s *Server) waitHeartbeat(ctx context.Context, sessionID string) error {
	return s.waitUntil(ctx, func() bool {
		sess := s.sessions[sessionID]
		return sess != nil && sess.beats > 0
	})
}

// WaitReady blocks until a READY has been sent.
func (s *Server) WaitReady(ctx context.Context) error {
	return s.WaitGateway(ctx, func(g GatewayStats) bool { return g.Ready > 0 })
}

// WaitResumed blocks until a RESUMED has been sent, that is until a dropped
// session came back without identifying again.
func (s *Server) WaitResumed(ctx context.Context) error {
	return s.WaitGateway(ctx, func(g GatewayStats) bool { return g.Resumed > 0 })
}
