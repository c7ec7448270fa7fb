package bot

import (
	"context"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/newsbot/newsbot/retrieval"
)

// RetryAfterTransport wraps base (http.DefaultTransport when nil) so that
// Model can honour the Retry-After header of a 429 or 503. go-openai turns
// error responses into *openai.APIError and drops their headers, so the
// header has to be read on the way past. Build the model's client with it:
//
//	cfg := openai.DefaultConfig(key)
//	cfg.HTTPClient = &http.Client{Transport: bot.RetryAfterTransport(nil)}
//	model := bot.NewModel(openai.NewClientWithConfig(cfg), name, bot.ModelOptions{})
//
// Without it Model still retries, with exponential backoff alone. The
// transport passes every request through unchanged and reports the header
// only to the Model call that made the request, so one client can serve
// concurrent calls.
func RetryAfterTransport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return retryAfterTransport{base: base}
}

type retryAfterTransport struct{ base http.RoundTripper }

func (t retryAfterTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || (resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable) {
		return resp, err
	}
	if slot, ok := req.Context().Value(retryAfterKey{}).(*retryAfterSlot); ok {
		if d, ok := retrieval.ParseRetryAfter(resp.Header, time.Now()); ok {
			slot.set(d)
		}
	}
	return resp, err
}

// retryAfterKey keys the *retryAfterSlot in a request's context.
type retryAfterKey struct{}

// retryAfterSlot receives the server's requested wait for one attempt.
type retryAfterSlot struct {
	mu sync.Mutex
	d  time.Duration
	ok bool
}

func (s *retryAfterSlot) set(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d, s.ok = d, true
}

func (s *retryAfterSlot) get() (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.d, s.ok
}

// withRetryAfterSlot returns a context whose requests report Retry-After
// into the returned slot.
func withRetryAfterSlot(ctx context.Context) (context.Context, *retryAfterSlot) {
	slot := &retryAfterSlot{}
	return context.WithValue(ctx, retryAfterKey{}, slot), slot
}

// backoff returns the wait before retry number attempt (0 for the first
// retry): base doubled per attempt, capped at limit, with "equal jitter",
// half fixed and half random, so concurrent callers spread out.
func backoff(attempt int, base, limit time.Duration) time.Duration {
	d := base
	for i := 0; i < attempt && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	half := d / 2
	return half + rand.N(half+1)
}

// sleep waits for d or until ctx is done, and reports whether it waited
// the whole time.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
