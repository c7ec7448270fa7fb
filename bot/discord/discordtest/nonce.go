package discordtest

import (
	"time"
	"unicode/utf8"
)

// Message nonces, as Discord treats them: a create payload may carry a
// nonce (a string of at most 25 characters, or an integer), and with
// enforce_nonce true Discord checks it against the author's messages of
// the last few minutes: when one was created with the same nonce, that
// message is returned and no new one is made. Discord does not say how
// many minutes; the fake keeps a nonce for nonceWindow (WithNonceWindow).

// defaultNonceWindow is how long the fake remembers a nonce.
const defaultNonceWindow = 5 * time.Minute

// WithNonceWindow sets how long an enforced nonce keeps a second message
// with the same nonce from being created; 0 turns the check off, as if
// the window had passed.
func WithNonceWindow(d time.Duration) Option {
	return func(c *config) { c.nonceWindow = &d }
}

type nonceEntry struct {
	messageID string
	at        time.Time
}

// checkNonceLocked validates a create payload's nonce. It returns the
// message an enforced nonce names, if it is recent, or a form error.
func (s *Server) checkNonceLocked(body map[string]any) (map[string]any, *apiError) {
	raw, ok := body["nonce"]
	if !ok || raw == nil {
		return nil, nil
	}
	nonce, ok := nonceString(raw)
	if !ok {
		var fe formErrors
		fe.add("nonce", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
		return nil, fe.err()
	}
	if body["enforce_nonce"] != true {
		return nil, nil
	}
	e, ok := s.nonces[nonce]
	if !ok || time.Since(e.at) >= s.nonceWindow() {
		return nil, nil
	}
	return s.messages[e.messageID], nil
}

// rememberNonceLocked records the nonce of a message just created.
func (s *Server) rememberNonceLocked(body, m map[string]any) {
	nonce, ok := nonceString(body["nonce"])
	if !ok || body["nonce"] == nil {
		return
	}
	m["nonce"] = body["nonce"]
	if s.nonces == nil {
		s.nonces = map[string]nonceEntry{}
	}
	s.nonces[nonce] = nonceEntry{messageID: str(m["id"]), at: time.Now()}
}

func (s *Server) nonceWindow() time.Duration {
	if s.cfg.nonceWindow != nil {
		return *s.cfg.nonceWindow
	}
	return defaultNonceWindow
}

// nonceString reads a nonce: a string of at most 25 characters or a
// number.
func nonceString(v any) (string, bool) {
	switch n := v.(type) {
	case string:
		return n, utf8.RuneCountInString(n) <= 25
	case nil:
		return "", true
	default:
		s := str(v)
		return s, s != "" && len(s) <= 25
	}
}
