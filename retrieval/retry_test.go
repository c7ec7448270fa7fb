package retrieval

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		header http.Header
		want   time.Duration
		ok     bool
	}{
		{http.Header{"Retry-After": {"2"}}, 2 * time.Second, true},
		{http.Header{"Retry-After": {"0.5"}}, 500 * time.Millisecond, true},
		{http.Header{"Retry-After-Ms": {"250"}, "Retry-After": {"1"}}, 250 * time.Millisecond, true},
		{http.Header{"Retry-After": {now.Add(3 * time.Second).Format(http.TimeFormat)}}, 3 * time.Second, true},
		{http.Header{"Retry-After": {"soon"}}, 0, false},
		{http.Header{}, 0, false},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.header, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseRetryAfter(%v) = %v, %v; want %v, %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
}

func TestBackoff(t *testing.T) {
	for attempt := range 8 {
		full := min(100*time.Millisecond<<attempt, time.Second)
		for range 50 {
			if d := backoff(attempt, 100*time.Millisecond, time.Second); d < full/2 || d > full {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", attempt, d, full/2, full)
			}
		}
	}
}

// retryServer answers each request with the next of answers (the last one
// repeats) and counts the requests.
func retryServer(t *testing.T, answers ...func(http.ResponseWriter)) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(calls.Add(1)) - 1
		answers[min(n, len(answers)-1)](w)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func quickRetries() *RetryTransport {
	rt := NewRetryTransport(nil, nil)
	rt.MinBackoff = time.Millisecond
	return rt
}

func post(t *testing.T, rt http.RoundTripper, url string) (int, string) {
	t.Helper()
	resp, err := (&http.Client{Transport: rt}).Post(url, "application/json", strings.NewReader(`{"model":"m"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestRetryTransport(t *testing.T) {
	status := func(code int, body string) func(http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			w.WriteHeader(code)
			fmt.Fprint(w, body)
		}
	}
	stream := func(events ...string) func(http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/event-stream")
			for _, e := range events {
				fmt.Fprintf(w, "data: %s\n\n", e)
			}
		}
	}
	overloaded := `{"error":{"message":"overloaded","type":"server_error"}}`
	tests := []struct {
		name     string
		answers  []func(http.ResponseWriter)
		status   int
		body     string
		requests int32
	}{
		{"a 5xx, then success", []func(http.ResponseWriter){status(502, "<html>Bad Gateway</html>"), status(200, "ok")}, 200, "ok", 2},
		{"rate limited until the retries are spent", []func(http.ResponseWriter){status(429, `{"error":{"code":"rate_limit_exceeded"}}`)}, 429, `{"error":{"code":"rate_limit_exceeded"}}`, 4},
		{"a spent quota is not retried, its body kept", []func(http.ResponseWriter){status(429, `{"error":{"code":"insufficient_quota"}}`)}, 429, `{"error":{"code":"insufficient_quota"}}`, 1},
		{"a client error is not retried", []func(http.ResponseWriter){status(400, "bad")}, 400, "bad", 1},
		{"a stream that starts with a server error", []func(http.ResponseWriter){stream(overloaded), stream(`{"x":1}`, "[DONE]")}, 200, "data: {\"x\":1}\n\ndata: [DONE]\n\n", 2},
		{"a stream is read whole after its first event", []func(http.ResponseWriter){stream(`{"x":1}`, overloaded)}, 200, "data: {\"x\":1}\n\ndata: " + overloaded + "\n\n", 1},
		{"another error event is the client's to report", []func(http.ResponseWriter){stream(`{"error":{"type":"invalid_request_error"}}`)}, 200, "data: {\"error\":{\"type\":\"invalid_request_error\"}}\n\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, calls := retryServer(t, tt.answers...)
			code, body := post(t, quickRetries(), srv.URL)
			if code != tt.status || body != tt.body {
				t.Errorf("got %d %q, want %d %q", code, body, tt.status, tt.body)
			}
			if n := calls.Load(); n != tt.requests {
				t.Errorf("got %d requests, want %d", n, tt.requests)
			}
		})
	}
}

// A wait that would outlast the request's deadline is not begun: the
// answer goes back at once for the client to report.
func TestRetryTransportKeepsTheDeadline(t *testing.T) {
	srv, calls := retryServer(t, func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	resp, err := quickRetries().RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || calls.Load() != 1 || ctx.Err() != nil {
		t.Errorf("got %d after %d requests (context: %v), want the 429 at once", resp.StatusCode, calls.Load(), ctx.Err())
	}
}

// A connection that fails is retried; the last error is returned.
func TestRetryTransportConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	var tries atomic.Int32
	rt := quickRetries()
	rt.Base = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		tries.Add(1)
		return http.DefaultTransport.RoundTrip(r)
	})
	if _, err := (&http.Client{Transport: rt}).Post(url, "application/json", strings.NewReader("{}")); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("got %v, want connection refused", err)
	}
	if n := tries.Load(); n != 4 {
		t.Errorf("got %d tries, want 4", n)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
