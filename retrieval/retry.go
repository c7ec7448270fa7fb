package retrieval

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryTransport is the one retry mechanism for the OpenAI-compatible
// endpoints, chat and embeddings alike (cmd/newsbot gives both clients the
// same one). It retries what a server refused for now: 429 Too Many
// Requests (but not a spent quota), 5xx, a connection that failed, and a
// streamed reply whose first event is a server error. It waits with
// exponential backoff and jitter, at least as long as the server's
// Retry-After asks.
//
// Retrying below go-openai keeps one rule simple: once a response is
// handed up, it is never repeated, so a streamed answer is never retried
// after its first token. A response is handed up as it came, for the
// client to report, when the retries are spent, when the server asks for a
// longer wait than MaxWait, or when the wait would outlast the request's
// deadline. Only requests whose body can be replayed are retried; deadlines
// come from the request's context.
type RetryTransport struct {
	Base       http.RoundTripper // nil means http.DefaultTransport
	MaxRetries int               // retries after the first try; 0 means none
	MinBackoff time.Duration     // first backoff; doubles each time
	MaxWait    time.Duration     // longest single wait, Retry-After included
	Logger     *slog.Logger
}

// NewRetryTransport returns a RetryTransport with sensible defaults: three
// retries starting at half a second, no single wait over 20 seconds.
func NewRetryTransport(base http.RoundTripper, logger *slog.Logger) *RetryTransport {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &RetryTransport{Base: base, MaxRetries: 3, MinBackoff: 500 * time.Millisecond, MaxWait: 20 * time.Second, Logger: logger}
}

// RoundTrip implements http.RoundTripper.
func (t *RetryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	ctx := req.Context()
	for attempt := 0; ; attempt++ {
		resp, err := base.RoundTrip(req)
		why := ""
		if err == nil {
			resp, why = retryReason(resp)
		} else if ctx.Err() == nil {
			why = err.Error()
		}
		if why == "" || attempt >= t.MaxRetries || req.Body != nil && req.GetBody == nil {
			return resp, err
		}
		wait := backoff(attempt, t.MinBackoff, max(t.MaxWait, t.MinBackoff))
		if resp != nil {
			if ra, ok := parseRetryAfter(resp.Header, time.Now()); ok {
				if t.MaxWait > 0 && ra > t.MaxWait {
					return resp, nil // the server asks for longer than we will wait
				}
				wait = max(wait, ra)
			}
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return resp, err // no time left to retry
		}
		if resp != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		t.Logger.Warn("request failed, retrying", "url", req.URL.Redacted(), "reason", why, "wait", wait, "attempt", attempt+1)
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
		if req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req = req.Clone(ctx)
			req.Body = body
		}
	}
}

// retryReason says why resp is worth retrying, or "" when it is not. It
// may read the start of the body to tell; the returned response reads as
// the original did.
func retryReason(resp *http.Response) (*http.Response, string) {
	switch status := resp.StatusCode; {
	case status == http.StatusTooManyRequests:
		var head []byte
		resp, head = peekBody(resp, 64<<10)
		if bytes.Contains(head, []byte("insufficient_quota")) {
			return resp, "" // waiting will not bring the quota back
		}
		return resp, resp.Status
	case status >= 500 && status != http.StatusNotImplemented:
		return resp, resp.Status
	case status == http.StatusOK && strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream"):
		return streamErrorReason(resp)
	}
	return resp, ""
}

// streamErrorReason reads a streamed reply's first line: a server error
// sent as the first event, before any text, is retried like a 5xx.
func streamErrorReason(resp *http.Response) (*http.Response, string) {
	br := bufio.NewReader(resp.Body)
	line, _ := br.ReadBytes('\n')
	resp.Body = readCloser{io.MultiReader(bytes.NewReader(line), br), resp.Body}
	data, ok := strings.CutPrefix(strings.TrimSpace(string(line)), "data:")
	if !ok {
		return resp, ""
	}
	var event struct {
		Error *struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal([]byte(data), &event) != nil || event.Error == nil || event.Error.Type != "server_error" {
		return resp, ""
	}
	return resp, "stream error: " + event.Error.Message
}

// peekBody returns resp with its body intact and up to n bytes of it.
func peekBody(resp *http.Response, n int64) (*http.Response, []byte) {
	head, err := io.ReadAll(io.LimitReader(resp.Body, n))
	var rest io.Reader = resp.Body
	if err != nil {
		rest = errReader{err}
	}
	resp.Body = readCloser{io.MultiReader(bytes.NewReader(head), rest), resp.Body}
	return resp, head
}

type readCloser struct {
	io.Reader
	io.Closer
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

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

// parseRetryAfter reads how long a server asks to wait: OpenAI's
// Retry-After-Ms header, or the standard Retry-After in seconds or as an
// HTTP date.
func parseRetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
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

// sleep waits for d or until ctx is done.
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
