package metrics

import (
	"context"
	"errors"
	"net/http"
)

// embedKinds are the kinds of failed embeddings requests.
var embedKinds = []string{"auth", "not_found", "rate_limited", "rejected", "server", "connect", "timeout"}

// EmbedTransport counts the requests the embeddings client sends through
// next, and the failed ones by kind. Put it outside the retrying transport:
// a request is counted once however often it was retried, and fails only
// when its retries did. Counting at the wire keeps retrieval, which makes
// the requests, free of metrics.
func (m *Metrics) EmbedTransport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return embedTransport{m: m, next: next}
}

type embedTransport struct {
	m    *Metrics
	next http.RoundTripper
}

func (t embedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	t.m.embedRequests.Inc()
	if kind := embedFailure(req.Context(), resp, err); kind != "" {
		t.m.embedErrors.WithLabelValues(kind).Inc()
	}
	return resp, err
}

// embedFailure names what went wrong with one request, "" when nothing
// did or the caller gave up.
func embedFailure(ctx context.Context, resp *http.Response, err error) string {
	switch {
	case err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		return "timeout"
	case err != nil && ctx.Err() != nil:
		return "" // cancelled: not the endpoint's failure
	case err != nil:
		return "connect"
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return "auth"
	case resp.StatusCode == http.StatusNotFound:
		return "not_found"
	case resp.StatusCode == http.StatusTooManyRequests:
		return "rate_limited"
	case resp.StatusCode >= 500:
		return "server"
	case resp.StatusCode >= 400:
		return "rejected"
	}
	return ""
}
