package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/newsbot/newsbot/bot/discord/discordtest"
	"github.com/newsbot/newsbot/bot/modeltest"
)

// syncBuffer is serve's stderr, written by its goroutines and read by the
// test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// served is a running newsbot serve with its health and metrics address.
type served struct {
	t      *testing.T
	base   string // http://127.0.0.1:PORT
	stderr *syncBuffer
}

var listenLine = regexp.MustCompile(`msg="serving health and metrics" addr=(\S+)`)

// startServe runs newsbot serve with NEWSBOT_HTTP_ADDR on a free port of
// 127.0.0.1, and stops it when the test ends.
func startServe(t *testing.T, c *cli) *served {
	t.Helper()
	c.env["NEWSBOT_HTTP_ADDR"] = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	s := &served{t: t, stderr: &syncBuffer{}}
	go func() {
		done <- run(ctx, []string{"--data", c.data, "serve"}, func(k string) string { return c.env[k] }, strings.NewReader(""), io.Discard, s.stderr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v", err)
			}
		case <-time.After(60 * time.Second):
			t.Error("serve did not stop")
		}
	})
	s.eventually("serve to listen", func() bool {
		m := listenLine.FindStringSubmatch(s.stderr.String())
		if m != nil {
			s.base = "http://" + m[1]
		}
		return m != nil
	})
	return s
}

// eventually waits for cond, failing the test if it does not come within a
// bound meant only to end a broken test (the machine is shared and slow).
func (s *served) eventually(what string, cond func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			s.t.Fatalf("gave up waiting for %s\nserve's log:\n%s", what, s.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// get fetches one of serve's endpoints.
func (s *served) get(path string) (int, string) {
	s.t.Helper()
	resp, err := http.Get(s.base + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// metrics scrapes /metrics and returns each sample as
// `name{label="value",…}`, histograms as their _count and _sum.
func (s *served) metrics() map[string]float64 {
	s.t.Helper()
	status, body := s.get("/metrics")
	if status != http.StatusOK {
		s.t.Fatalf("GET /metrics: %d %s", status, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	out := map[string]float64{}
	for name, f := range fams {
		for _, m := range f.Metric {
			l := sampleLabels(m)
			switch {
			case m.Counter != nil:
				out[name+l] = m.Counter.GetValue()
			case m.Gauge != nil:
				out[name+l] = m.Gauge.GetValue()
			case m.Histogram != nil:
				out[name+"_count"+l] = float64(m.Histogram.GetSampleCount())
				out[name+"_sum"+l] = m.Histogram.GetSampleSum()
			}
		}
	}
	return out
}

func sampleLabels(m *dto.Metric) string {
	if len(m.Label) == 0 {
		return ""
	}
	var ls []string
	for _, l := range m.Label {
		ls = append(ls, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
	}
	slices.Sort(ls)
	return "{" + strings.Join(ls, ",") + "}"
}

// waitCtx bounds a wait on the fakes.
func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// The whole serve path, end to end: a question asked on the fake Discord
// is answered by the fake model, with a 429 on the way; an empty question
// is refused. /metrics, scraped over HTTP, then shows the questions, the
// answer, the refusal by reason, the latencies of ack, search, first token
// and answer, the embeddings requests, the rate-limit wait and the
// library; and the log lines of one question share one request id.
func TestServeMetricsAfterAnAnswer(t *testing.T) {
	t.Parallel()
	const guild, channel, user = "123", "456", "789"
	fake := discordtest.New(t, discordtest.WithToken("the-right-token"), discordtest.WithGuild(guild, "G"))
	fake.AddChannel(&discordgo.Channel{ID: channel, GuildID: guild, Type: discordgo.ChannelTypeGuildText, Name: "news"})
	fakeModel := modeltest.New(t)
	c := newCLI(t)
	c.env["OPENAI_BASE_URL"] = fakeModel.URL()
	c.env["NEWSBOT_EMBED_MODEL"] = "text-embedding-3-small" // embeddings from the fake model too
	c.mustRun("ingest", seedPath)
	c.env["DISCORD_TOKEN"] = "the-right-token"
	c.env["NEWSBOT_DISCORD_API_URL"] = fake.URL()
	c.env["NEWSBOT_DISCORD_GUILD_ID"] = guild
	c.env["NEWSBOT_LOG_LEVEL"] = "debug"
	s := startServe(t, c)
	ctx := waitCtx(t)
	if _, err := fake.WaitFor(ctx, discordtest.Match("PUT", "/applications/*/guilds/"+guild+"/commands")); err != nil {
		t.Fatalf("commands not registered: %v\n%s", err, s.stderr.String())
	}
	before := s.metrics()

	// The answer's first edit meets a 429: discordgo waits and retries.
	fake.RateLimitNext("PATCH", "/webhooks/*/*/messages/@original", 50*time.Millisecond, 1)
	fakeModel.Script(modeltest.Response{Text: "Lavrov called for a UN conference [1].", FinishReason: "length"})
	asked := fake.DispatchInteraction(discordtest.SlashCommand(guild, channel, user, "ask", discordtest.Arg("question", "What did Lavrov call for?")))
	if _, err := fake.WaitFor(ctx, func(r discordtest.Request) bool {
		return r.Is("PATCH", "/webhooks/*/*/messages/@original") && strings.Contains(r.Path, asked.Token) &&
			r.Status == http.StatusOK && strings.Contains(string(r.Body), "Sources")
	}); err != nil {
		t.Fatalf("no answer: %v\n%s", err, s.stderr.String())
	}
	empty := fake.DispatchInteraction(discordtest.SlashCommand(guild, channel, user, "ask", discordtest.Arg("question", "   ")))

	want := map[string]float64{
		"newsbot_questions_total":                         2,
		`newsbot_answers_total{mode="llm"}`:               1,
		`newsbot_abstentions_total{mode="llm"}`:           0,
		`newsbot_refusals_total{reason="empty_question"}`: 1,
		"newsbot_ack_seconds_count":                       2,
		`newsbot_answer_seconds_count{mode="llm"}`:        1,
		"newsbot_model_first_token_seconds_count":         1,
		"newsbot_discord_rate_limit_wait_seconds_count":   1,
		`newsbot_library_articles{scope="global"}`:        1,
		`newsbot_library_paragraphs{scope="global"}`:      13,
		"newsbot_discord_gateway_connected":               1,
	}
	var got map[string]float64
	s.eventually("the refusal to be counted", func() bool {
		got = s.metrics()
		return got[`newsbot_refusals_total{reason="empty_question"}`] == 1
	})
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if got["newsbot_search_seconds_count"] < 1 {
		t.Errorf("no search timed")
	}
	// The question was embedded to search: at least one more request than
	// serve made at start (the dimension probe).
	if got["newsbot_embedding_requests_total"] <= before["newsbot_embedding_requests_total"] || before["newsbot_embedding_requests_total"] < 1 {
		t.Errorf("embedding requests: %v before the question, %v after", before["newsbot_embedding_requests_total"], got["newsbot_embedding_requests_total"])
	}
	if got["newsbot_discord_rate_limit_wait_seconds_sum"] < 0.05 {
		t.Errorf("rate-limit wait recorded as %vs, want the 0.05s Discord asked for", got["newsbot_discord_rate_limit_wait_seconds_sum"])
	}
	if _, ok := got["go_goroutines"]; !ok {
		t.Error("no Go runtime metrics")
	}

	// One request id follows each question through the log: from the
	// adapter's line for the command, through the core's (the model's
	// warning, the answer), and a second question has another.
	log := s.stderr.String()
	answered := requestLines(t, log, asked.ID)
	for _, msg := range []string{`msg=command`, `msg="model reply ended early"`, `msg=answered`} {
		if !slices.ContainsFunc(answered, func(l string) bool { return strings.Contains(l, msg) }) {
			t.Errorf("no %s line with the question's request id:\n%s", msg, strings.Join(answered, "\n"))
		}
	}
	refused := requestLines(t, log, empty.ID)
	if !slices.ContainsFunc(refused, func(l string) bool { return strings.Contains(l, `msg="request refused"`) }) {
		t.Errorf("the refusal is not logged with its request id:\n%s", strings.Join(refused, "\n"))
	}
	if requestID(answered[0]) == requestID(refused[0]) {
		t.Errorf("two questions share the request id %s", requestID(answered[0]))
	}
}

var requestIDAttr = regexp.MustCompile(`\brequest_id=(\w+)`)

func requestID(line string) string {
	if m := requestIDAttr.FindStringSubmatch(line); m != nil {
		return m[1]
	}
	return ""
}

// requestLines returns the log lines of the request that began with the
// command line of interaction id: every line carrying its request id.
func requestLines(t *testing.T, log, interaction string) []string {
	t.Helper()
	var id string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "msg=command") && strings.Contains(l, "interaction="+interaction) {
			id = requestID(l)
		}
	}
	if id == "" {
		t.Fatalf("no command line with a request id for interaction %s:\n%s", interaction, log)
	}
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if requestID(l) == id {
			out = append(out, l)
		}
	}
	return out
}

// /healthz answers from the start; /readyz is 503 naming the gateway until
// it connects, then 200, and the model behind it is pinged once for many
// probes.
func TestServeReadyOnceConnected(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t, discordtest.WithToken("the-right-token"), discordtest.WithGuild("123", "G"))
	fakeModel := modeltest.New(t)
	// A proxy in front of the fake holds the gateway lookup, the first
	// step of connecting, until the test has probed.
	target, _ := url.Parse(fake.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	held, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	gate := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/gateway") {
			once.Do(func() { close(held) })
			<-release
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(gate.Close)
	c := newCLI(t)
	c.env["DISCORD_TOKEN"] = "the-right-token"
	c.env["NEWSBOT_DISCORD_API_URL"] = gate.URL
	c.env["NEWSBOT_DISCORD_GUILD_ID"] = "123"
	c.env["OPENAI_BASE_URL"] = fakeModel.URL()
	s := startServe(t, c)
	released := false
	t.Cleanup(func() {
		if !released {
			close(release)
		}
	})
	if status, body := s.get("/healthz"); status != http.StatusOK || body != "ok\n" {
		t.Errorf("/healthz while starting: %d %q", status, body)
	}
	select {
	case <-held:
	case <-waitCtx(t).Done():
		t.Fatalf("serve never looked up the gateway\n%s", s.stderr.String())
	}
	probes := 0
	status, body := s.get("/readyz")
	probes++
	if status != http.StatusServiceUnavailable || body != "discord: gateway not connected\n" {
		t.Errorf("/readyz before the gateway connects: %d %q, want 503 naming the gateway alone", status, body)
	}
	close(release)
	released = true
	s.eventually("/readyz to be ready", func() bool {
		status, body = s.get("/readyz")
		probes++
		return status == http.StatusOK
	})
	if body != "ready\n" {
		t.Errorf("/readyz once connected: %q", body)
	}
	pings := 0
	for _, r := range fakeModel.ChatRequests() {
		if r.MaxTokens == 1 || r.MaxCompletionTokens == 1 {
			pings++
		}
	}
	if pings < 1 || pings >= probes && probes > 1 {
		t.Errorf("the model was pinged %d times for %d probes: want at least once, and fewer than the probes", pings, probes)
	}
}

// A configured model that does not answer makes serve not ready, with the
// reason and the address in the body, though Discord is connected.
func TestServeNotReadyWithoutItsModel(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t, discordtest.WithToken("the-right-token"), discordtest.WithGuild("123", "G"))
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL + "/v1"
	down.Close() // nothing listens there now
	c := newCLI(t)
	c.env["DISCORD_TOKEN"] = "the-right-token"
	c.env["NEWSBOT_DISCORD_API_URL"] = fake.URL()
	c.env["NEWSBOT_DISCORD_GUILD_ID"] = "123"
	c.env["OPENAI_BASE_URL"] = downURL
	s := startServe(t, c)
	var status int
	var body string
	s.eventually("the gateway to connect", func() bool {
		status, body = s.get("/readyz")
		return !strings.Contains(body, "discord")
	})
	want := "model: model_unavailable at " + downURL + "\n"
	if status != http.StatusServiceUnavailable || body != want {
		t.Errorf("/readyz with the model down: %d %q, want 503 %q", status, body, want)
	}
	if status, _ := s.get("/healthz"); status != http.StatusOK {
		t.Errorf("/healthz with the model down: %d, want 200: the process is alive", status)
	}
}
