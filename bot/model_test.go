package bot

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	openai "github.com/sashabaranov/go-openai"

	"github.com/newsbot/newsbot/bot/modeltest"
	"github.com/newsbot/newsbot/prompts"
	"github.com/newsbot/newsbot/retrieval"
)

// testMessages is a prompt holding the paragraph the answer should come from.
var testMessages = []prompts.Message{
	{Role: prompts.RoleSystem, Content: "Answer from the sources."},
	{Role: prompts.RoleUser, Content: "<sources>\n[1] Lavrov called for a UN conference.\n</sources>\n\nQuestion: What did Lavrov propose?"},
}

// newTestModel returns a Model that talks to srv through the real go-openai
// client and the retrying transport production uses, with short backoffs so
// retry tests run quickly; tune adjusts the transport.
func newTestModel(t testing.TB, baseURL string, opts ModelOptions, tune ...func(*retrieval.RetryTransport)) *Model {
	t.Helper()
	rt := retrieval.NewRetryTransport(nil, nil)
	rt.MinBackoff, rt.MaxWait = 5*time.Millisecond, 3*time.Second
	for _, f := range tune {
		f(rt)
	}
	cfg := openai.DefaultConfig("test-key")
	cfg.BaseURL = baseURL
	cfg.HTTPClient = &http.Client{Transport: rt}
	return NewModel(openai.NewClientWithConfig(cfg), "gpt-test", opts)
}

// maxWait and maxRetries tune newTestModel's transport.
func maxWait(d time.Duration) func(*retrieval.RetryTransport) {
	return func(rt *retrieval.RetryTransport) { rt.MaxWait = d }
}

func maxRetries(n int) func(*retrieval.RetryTransport) {
	return func(rt *retrieval.RetryTransport) { rt.MaxRetries = n }
}

// call runs Stream or Complete, so each case can be checked both ways.
func call(ctx context.Context, m *Model, stream bool) (string, error) {
	if stream {
		return m.Stream(ctx, testMessages, nil)
	}
	return m.Complete(ctx, testMessages)
}

func TestModelStream(t *testing.T) {
	srv := modeltest.New(t)
	srv.Script(modeltest.Chunks("Lavrov ", "called for ", "a UN conference [1]."))
	m := newTestModel(t, srv.URL(), ModelOptions{})

	var partials []string
	text, err := m.Stream(context.Background(), testMessages, func(p string) { partials = append(partials, p) })
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Lavrov ", "Lavrov called for ", "Lavrov called for a UN conference [1]."}
	if diff := cmp.Diff(want, partials); diff != "" {
		t.Errorf("partials (-want +got):\n%s", diff)
	}
	if text != want[len(want)-1] {
		t.Errorf("got text %q, want %q", text, want[len(want)-1])
	}
	reqs := srv.ChatRequests()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests, want 1", len(reqs))
	}
	if !reqs[0].Stream || reqs[0].Model != "gpt-test" {
		t.Errorf("got stream=%v model=%q, want a streamed request for gpt-test", reqs[0].Stream, reqs[0].Model)
	}
	if got := reqs[0].Messages[1].Content; !strings.Contains(got, "[1] Lavrov called for a UN conference.") {
		t.Errorf("the model was not sent the source paragraph; got %q", got)
	}
}

func TestModelComplete(t *testing.T) {
	srv := modeltest.New(t)
	srv.SetReply(func(req openai.ChatCompletionRequest) string {
		return "roles: " + req.Messages[0].Role + "," + req.Messages[1].Role
	})
	m := newTestModel(t, srv.URL(), ModelOptions{})
	text, err := m.Complete(context.Background(), testMessages)
	if err != nil {
		t.Fatal(err)
	}
	if text != "roles: system,user" {
		t.Errorf("got %q, want the roles echoed", text)
	}
	if reqs := srv.ChatRequests(); len(reqs) != 1 || reqs[0].Stream {
		t.Errorf("got %d requests (stream=%v), want one unstreamed", len(reqs), len(reqs) > 0 && reqs[0].Stream)
	}
}

func TestModelErrors(t *testing.T) {
	repeat := func(n int, r modeltest.Response) []modeltest.Response {
		rs := make([]modeltest.Response, n)
		for i := range rs {
			rs[i] = r
		}
		return rs
	}
	tests := []struct {
		name         string
		script       []modeltest.Response
		want         error // nil: success
		wantRequests int
	}{
		{"wrong key", []modeltest.Response{modeltest.Unauthorized()}, ErrModelAuth, 1},
		{"forbidden", []modeltest.Response{modeltest.Fault(403, "invalid_request_error", "unsupported_country_region_territory", "Country not supported.")}, ErrModelAuth, 1},
		{"unknown model", []modeltest.Response{modeltest.ModelNotFound("gpt-test")}, ErrModelNotFound, 1},
		{"context length", []modeltest.Response{modeltest.ContextLengthExceeded()}, errContextLength, 1},
		{"context length, other server", []modeltest.Response{modeltest.Fault(400, "BadRequestError", "", "This model's maximum context length is 8192 tokens.")}, errContextLength, 1},
		{"other bad request", []modeltest.Response{modeltest.Fault(400, "invalid_request_error", "invalid_value", "Invalid value for 'temperature'.")}, errModelRejected, 1},
		{"server errors", repeat(4, modeltest.ServerError()), ErrModelUnavailable, 4},
		{"server error then success", []modeltest.Response{modeltest.Fault(503, "server_error", "", "overloaded"), modeltest.Text("ok")}, nil, 2},
		{"html error page", []modeltest.Response{{Status: 502, Body: "<html>Bad Gateway</html>"}, modeltest.Text("ok")}, nil, 2},
		{"rate limited", repeat(4, modeltest.RateLimited(0)), ErrModelRateLimited, 4},
		{"out of quota", []modeltest.Response{modeltest.Fault(429, "insufficient_quota", "insufficient_quota", "You exceeded your current quota.")}, ErrModelRateLimited, 1},
		{"malformed", []modeltest.Response{modeltest.Malformed()}, errModelBadResponse, 1},
		{"cut", []modeltest.Response{modeltest.CutStream("one two three", 2)}, errModelBadResponse, 1},
		{"cut before any text", []modeltest.Response{modeltest.CutStream("one two three", 0)}, errModelBadResponse, 1},
	}
	for _, tt := range tests {
		for _, stream := range []bool{true, false} {
			name := tt.name + map[bool]string{true: " stream", false: " json"}[stream]
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				srv := modeltest.New(t)
				srv.Script(tt.script...)
				m := newTestModel(t, srv.URL(), ModelOptions{})
				_, err := call(context.Background(), m, stream)
				if tt.want == nil && err != nil {
					t.Fatalf("got error %v, want success", err)
				}
				if !errors.Is(err, tt.want) {
					t.Errorf("got error %v, want %v", err, tt.want)
				}
				if got := len(srv.Requests()); got != tt.wantRequests {
					t.Errorf("got %d requests, want %d", got, tt.wantRequests)
				}
			})
		}
	}
}

// An error event at the start of a streamed reply, before any text, is a
// server error like a 5xx: it is retried. (A JSON reply has no such event:
// a 200 holding an error object is a malformed reply.)
func TestModelStreamErrorEventIsRetried(t *testing.T) {
	overloaded := modeltest.Response{Body: `{"error":{"message":"The server is overloaded.","type":"server_error","param":null,"code":null}}`}
	srv := modeltest.New(t)
	srv.Script(overloaded, modeltest.Text("ok"))
	m := newTestModel(t, srv.URL(), ModelOptions{})
	if text, err := m.Stream(context.Background(), testMessages, nil); err != nil || text != "ok" {
		t.Errorf("got %q, %v; want ok after a retry", text, err)
	}
	if got := len(srv.Requests()); got != 2 {
		t.Errorf("got %d requests, want 2", got)
	}
	srv.Script(overloaded, overloaded, overloaded, overloaded)
	if _, err := m.Stream(context.Background(), testMessages, nil); !errors.Is(err, ErrModelUnavailable) {
		t.Errorf("got %v, want ErrModelUnavailable after the retries", err)
	}
	if got := len(srv.Requests()); got != 2+4 {
		t.Errorf("got %d requests, want 4 more", got-2)
	}
}

func TestModelStreamCutKeepsText(t *testing.T) {
	srv := modeltest.New(t)
	srv.Script(modeltest.CutStream("Lavrov called for talks", 2))
	m := newTestModel(t, srv.URL(), ModelOptions{})
	var last string
	text, err := m.Stream(context.Background(), testMessages, func(p string) { last = p })
	if !errors.Is(err, errModelBadResponse) {
		t.Fatalf("got %v, want errModelBadResponse", err)
	}
	if text != "Lavrov called " || last != text {
		t.Errorf("got text %q and last partial %q, want both %q", text, last, "Lavrov called ")
	}
}

func TestModelRetryAfter(t *testing.T) {
	srv := modeltest.New(t)
	srv.Script(modeltest.RateLimited(time.Second), modeltest.Text("ok"))
	m := newTestModel(t, srv.URL(), ModelOptions{})
	text, err := m.Stream(context.Background(), testMessages, nil)
	if err != nil {
		t.Fatal(err)
	}
	if text != "ok" {
		t.Errorf("got %q, want ok", text)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("got %d requests, want 2: one rate limited, one retry", len(reqs))
	}
	if gap := reqs[1].Time.Sub(reqs[0].Time); gap < time.Second {
		t.Errorf("retried after %v, want at least the 1s Retry-After", gap)
	}
}

func TestModelRetryAfterTooLong(t *testing.T) {
	srv := modeltest.New(t)
	srv.Script(modeltest.RateLimited(time.Hour))
	m := newTestModel(t, srv.URL(), ModelOptions{}, maxWait(time.Second))
	if _, err := m.Complete(context.Background(), testMessages); !errors.Is(err, ErrModelRateLimited) {
		t.Errorf("got %v, want ErrModelRateLimited at once", err)
	}
	if got := len(srv.Requests()); got != 1 {
		t.Errorf("got %d requests, want 1", got)
	}
}

func TestModelRetryAfterPastDeadline(t *testing.T) {
	srv := modeltest.New(t)
	srv.Script(modeltest.RateLimited(10 * time.Second))
	m := newTestModel(t, srv.URL(), ModelOptions{Timeout: 2 * time.Second}, maxWait(time.Minute))
	if _, err := m.Stream(context.Background(), testMessages, nil); !errors.Is(err, ErrModelRateLimited) {
		t.Errorf("got %v, want ErrModelRateLimited without waiting past the deadline", err)
	}
	if got := len(srv.Requests()); got != 1 {
		t.Errorf("got %d requests, want 1", got)
	}
}

func TestModelTimeout(t *testing.T) {
	tests := []struct {
		name   string
		resp   modeltest.Response
		stream bool
		want   string // text returned with the error
	}{
		{"hang stream", modeltest.Hang(), true, ""},
		{"hang json", modeltest.Hang(), false, ""},
		{"stall mid-stream", modeltest.StallStream("Lavrov called for talks", 1), true, "Lavrov "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := modeltest.New(t)
			srv.Script(tt.resp)
			m := newTestModel(t, srv.URL(), ModelOptions{Timeout: time.Hour})
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			text, err := call(ctx, m, tt.stream)
			if !errors.Is(err, ErrModelTimeout) {
				t.Errorf("got %v, want ErrModelTimeout", err)
			}
			if text != tt.want {
				t.Errorf("got text %q, want %q", text, tt.want)
			}
		})
	}
}

func TestModelOptionsTimeout(t *testing.T) {
	srv := modeltest.New(t)
	srv.Script(modeltest.Hang())
	m := newTestModel(t, srv.URL(), ModelOptions{Timeout: 100 * time.Millisecond})
	if _, err := m.Complete(context.Background(), testMessages); !errors.Is(err, ErrModelTimeout) {
		t.Errorf("got %v, want ErrModelTimeout from ModelOptions.Timeout", err)
	}
}

func TestModelCanceled(t *testing.T) {
	srv := modeltest.New(t)
	srv.Script(modeltest.Hang())
	m := newTestModel(t, srv.URL(), ModelOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for len(srv.Requests()) == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := m.Stream(ctx, testMessages, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	if errors.Is(err, ErrModelTimeout) || errors.Is(err, ErrModelUnavailable) {
		t.Errorf("got %v: a cancelled request is not the model's failure", err)
	}
}

func TestModelConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/v1"
	srv.Close() // nothing listens there now
	m := newTestModel(t, url, ModelOptions{}, maxRetries(2))
	if _, err := m.Complete(context.Background(), testMessages); !errors.Is(err, ErrModelUnavailable) {
		t.Errorf("got %v, want ErrModelUnavailable", err)
	}
}

func TestModelNoRetries(t *testing.T) {
	srv := modeltest.New(t)
	srv.Script(modeltest.ServerError(), modeltest.Text("ok"))
	m := newTestModel(t, srv.URL(), ModelOptions{}, maxRetries(0))
	if _, err := m.Complete(context.Background(), testMessages); !errors.Is(err, ErrModelUnavailable) {
		t.Errorf("got %v, want ErrModelUnavailable", err)
	}
	if got := len(srv.Requests()); got != 1 {
		t.Errorf("got %d requests, want 1", got)
	}
}
