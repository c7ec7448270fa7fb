package discordtest

import (
	"context"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// NewSession returns a discordgo session set up for the fake but not
// opened: REST calls reach the fake, the gateway is not connected. It costs
// nothing to clean up, so tests of REST behaviour alone should prefer it.
func (s *Server) NewSession() *discordgo.Session {
	sess, err := discordgo.New(s.Token())
	if err != nil {
		// discordgo.New cannot fail in v0.29; keep the signature simple.
		panic("discordtest: discordgo.New: " + err.Error())
	}
	sess.Client = s.Client()
	// Errors only: decode failures in events are worth seeing, the
	// reconnect chatter of DropConnection tests is not.
	sess.LogLevel = discordgo.LogError
	return sess
}

// Shard makes a session identify as shard id of count, for Session's
// configure: it then hears only the servers on that shard (see ShardOf).
func Shard(id, count int) func(*discordgo.Session) {
	return func(s *discordgo.Session) { s.ShardID, s.ShardCount = id, count }
}

// Session returns a real discordgo session connected to the fake: it has
// identified, received READY and sent its first heartbeat. configure runs
// before Open: set intents or add handlers that must see READY there.
//
// The session is closed when t ends, with reconnects turned off first so
// that discordgo does not dial a fake that is going away. The close goes
// on in the background after the test: discordgo's Close sends its close
// frame (which the fake answers at once) and then sleeps a second before
// dropping the socket, a wait that would otherwise hold every test's
// parallel slot for nothing.
func (s *Server) Session(t testing.TB, configure ...func(*discordgo.Session)) *discordgo.Session {
	t.Helper()
	sess := s.NewSession()
	for _, f := range configure {
		f(sess)
	}
	if err := sess.Open(); err != nil {
		t.Fatalf("open discord session against the fake: %v", err)
	}
	s.closeAtEnd(t, sess)

	// discordgo's heartbeat goroutine writes its first heartbeat without
	// checking whether the connection was closed meanwhile; if the test
	// drops the connection before that, the failed write starts a second
	// reconnect that closes the resumed connection again. Waiting for the
	// first heartbeat closes that window.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sess.State.RLock()
	sessionID := sess.State.SessionID
	sess.State.RUnlock()
	if err := s.waitHeartbeat(ctx, sessionID); err != nil {
		t.Fatalf("wait for the session's first heartbeat: %v", err)
	}
	return sess
}

// closeAtEnd registers sess to be closed, together with t's other
// sessions, when t ends.
func (s *Server) closeAtEnd(t testing.TB, sess *discordgo.Session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open == nil {
		s.open = make(map[testing.TB][]*discordgo.Session)
	}
	if _, ok := s.open[t]; !ok {
		t.Cleanup(func() { s.closeSessions(t) })
	}
	s.open[t] = append(s.open[t], sess)
}

// closeSessions starts closing t's sessions and returns without waiting
// for discordgo's Close: the close frame goes out at once, and the second
// Close then sleeps needs nobody's attention. The fake's own close, which
// runs after this, drops whatever socket is still open.
func (s *Server) closeSessions(t testing.TB) {
	s.mu.Lock()
	list := s.open[t]
	delete(s.open, t)
	s.mu.Unlock()
	for _, sess := range list {
		sess.ShouldReconnectOnError = false
		go sess.Close()
	}
}
