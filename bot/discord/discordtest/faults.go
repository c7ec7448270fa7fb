package discordtest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// Fault is an injected REST answer that replaces the fake's normal one.
type Fault struct {
	Status int
	Header http.Header
	// Body is marshalled as JSON; nil means a Discord-style error for Status.
	Body any
}

// RateLimited returns the 429 Discord sends when a bucket is exhausted:
// X-RateLimit-* headers (discordgo reads Remaining, Reset-After and Global,
// not Retry-After) and a body whose retry_after is in seconds.
func RateLimited(retryAfter time.Duration, global bool) Fault {
	secs := strconv.FormatFloat(retryAfter.Seconds(), 'f', -1, 64)
	h := http.Header{}
	h.Set("X-RateLimit-Limit", "5")
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(time.Now().Add(retryAfter).UnixMilli())/1000, 'f', 3, 64))
	h.Set("X-RateLimit-Reset-After", secs)
	h.Set("X-RateLimit-Bucket", "fake-"+randomHex(8))
	h.Set("Retry-After", strconv.Itoa(int(retryAfter.Seconds()+0.999)))
	scope := "user"
	if global {
		// discordgo treats any non-empty X-RateLimit-Global as global, so
		// the header is sent only when it is true, as Discord does.
		h.Set("X-RateLimit-Global", "true")
		scope = "global"
	}
	h.Set("X-RateLimit-Scope", scope)
	return Fault{
		Status: http.StatusTooManyRequests,
		Header: h,
		Body: map[string]any{
			"message":     "You are being rate limited.",
			"retry_after": retryAfter.Seconds(),
			"global":      global,
		},
	}
}

type faultRule struct {
	method, pattern string
	left            int
	fault           Fault
}

type delayRule struct {
	method, pattern string
	d               time.Duration
}

// InjectFault makes the next n requests matching method and pattern (see
// Request.Is) get f instead of their normal answer. Rules are tried in the
// order they were added.
func (s *Server) InjectFault(method, pattern string, n int, f Fault) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultRule{method: method, pattern: pattern, left: n, fault: f})
}

// FailNext makes the next n requests matching method and pattern answer
// status with a Discord-style error body. discordgo retries 502 up to
// MaxRestRetries times and returns other errors as *discordgo.RESTError.
func (s *Server) FailNext(method, pattern string, status, n int) {
	s.InjectFault(method, pattern, n, Fault{Status: status})
}

// RateLimitNext makes the next n requests matching method and pattern get a
// 429 asking to retry after retryAfter. discordgo sleeps and retries, so the
// call still succeeds, late; a bot must acknowledge interactions before such
// a delay can eat the 3 s window.
func (s *Server) RateLimitNext(method, pattern string, retryAfter time.Duration, n int) {
	s.InjectFault(method, pattern, n, RateLimited(retryAfter, false))
}

// Delay holds every answer to requests matching method and pattern for d
// before handling them; d = 0 removes the delay. The latest matching rule wins.
func (s *Server) Delay(method, pattern string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := s.delays[:0]
	for _, r := range s.delays {
		if r.method != method || r.pattern != pattern {
			kept = append(kept, r)
		}
	}
	s.delays = kept
	if d > 0 {
		s.delays = append(s.delays, delayRule{method, pattern, d})
	}
}

func (s *Server) delayFor(method, p string) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.delays) - 1; i >= 0; i-- {
		if r := s.delays[i]; matchRoute(r.method, r.pattern, method, p) {
			return r.d
		}
	}
	return 0
}

// takeFault consumes one use of the first matching fault rule.
func (s *Server) takeFault(method, p string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, r := range s.faults {
		if matchRoute(r.method, r.pattern, method, p) {
			r.left--
			if r.left <= 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
			return r.fault, true
		}
	}
	return Fault{}, false
}

func writeFault(w http.ResponseWriter, f Fault) {
	for k, vs := range f.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	body := f.Body
	if body == nil {
		body = apiError{Message: statusMessage(f.Status)}
	}
	writeJSON(w, f.Status, body)
}

// statusMessage is the message Discord sends with a bare status error.
func statusMessage(status int) string {
	return strconv.Itoa(status) + ": " + http.StatusText(status)
}

type apiError struct {
	Message string `json:"message"`
	Code    int    `json:"code"`
	Errors  any    `json:"errors,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"message":"500: Internal Server Error","code":0}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}
