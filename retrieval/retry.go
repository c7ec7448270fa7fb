package retrieval

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryTransport retries requests that a server refused for now — 429 Too
// Many Requests and 5xx — with exponential backoff and jitter, waiting at
// least as long as the server's Retry-After header asks. Only requests whose
// body can be replayed are retried. Deadlines come from the request context.
type RetryTransport struct {
	Base       http.RoundTripper // nil means http.DefaultTransport
	MaxRetries int               // retries after the first try
	MinBackoff time.Duration     // first backoff; doubles each time
	MaxWait    time.Duration     // longest single wait, Retry-After included
	Logger     *slog.Logger
}

// NewRetryTransport returns a RetryTransport with sensible defaults: three
// retries starting at half a second, no single wait over 30 seconds.
func NewRetryTransport(base http.RoundTripper, logger *slog.Logger) *RetryTransport {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &RetryTransport{Base: base, MaxRetries: 3, MinBackoff: 500 * time.Millisecond, MaxWait: 30 * time.Second, Logger: logger}
}

// RoundTrip implements http.RoundTripper.
func (t *RetryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	backoff := t.MinBackoff
	for attempt := 0; ; attempt++ {
		resp, err := base.RoundTrip(req)
		if err != nil || !retryable(resp.StatusCode) || attempt >= t.MaxRetries {
			return resp, err
		}
		if req.Body != nil && req.GetBody == nil {
			return resp, nil
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		if ra, ok := ParseRetryAfter(resp.Header, time.Now()); ok && ra > wait {
			wait = ra
		}
		if t.MaxWait > 0 && wait > t.MaxWait {
			return resp, nil // the server asks for longer than we will wait
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		t.Logger.Debug("retrying request", "url", req.URL.Redacted(), "status", resp.StatusCode, "wait", wait, "attempt", attempt+1)
		if err := sleep(req.Context(), wait); err != nil {
			return nil, err
		}
		if req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req = req.Clone(req.Context())
			req.Body = body
		}
		backoff *= 2
	}
}

func retryable(status int) bool {
	return status == http.StatusTooManyRequests || status >= 500 && status != http.StatusNotImplemented
}

// ParseRetryAfter reads how long a server asks to wait: OpenAI's
// Retry-After-Ms header, or the standard Retry-After in seconds or as an
// HTTP date.
func ParseRetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
