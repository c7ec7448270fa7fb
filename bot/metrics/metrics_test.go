package metrics_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	openai "github.com/sashabaranov/go-openai"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/metrics"
	"github.com/newsbot/newsbot/bot/modeltest"
	"github.com/newsbot/newsbot/retrieval"
	"github.com/newsbot/newsbot/retrieval/fetch"
)

// scrape GETs a /metrics page and returns every sample as
// `name{label="value",…}`, histograms as their _count and _sum.
func scrape(t testing.TB, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for name, f := range fams {
		for _, m := range f.Metric {
			l := labels(m)
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

func labels(m *dto.Metric) string {
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

// serve runs the operator's endpoints over reg on 127.0.0.1.
func serve(t testing.TB, reg *prometheus.Registry, checks ...metrics.Check) string {
	t.Helper()
	srv := httptest.NewServer(metrics.Handler(reg, checks...))
	t.Cleanup(srv.Close)
	return srv.URL
}

// seeded is a core over a library holding the seed article, answering
// with the fake model (extractively when nil), its questions and model
// calls reported to obs.
func seeded(t testing.TB, obs bot.Observer, model *modeltest.Server) *bot.Bot {
	t.Helper()
	st, _, err := retrieval.OpenStore(context.Background(), t.TempDir(), retrieval.NewLocalEmbedder(), retrieval.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	data, err := os.ReadFile("../../data/seed/moscow-times-un-conference.txt")
	if err != nil {
		t.Fatal(err)
	}
	a, err := retrieval.ImportText(data, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Add(context.Background(), a, retrieval.GlobalScope); err != nil {
		t.Fatal(err)
	}
	var chat *bot.Model
	if model != nil {
		chat = bot.NewModel(model.Client(), "gpt-4o-mini", bot.ModelOptions{Observer: obs})
	}
	core, err := bot.New(st, chat, fetch.NewClient(fetch.Options{AllowPrivate: true}), bot.Options{Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	return core
}

// Every question counts once, as an answer, an abstention or a refusal
// by reason, and the stages of an answer fill their histograms: what an
// operator reads off the core after three questions and a broken model.
func TestQuestionsAnswersAbstentionsRefusals(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	model := modeltest.New(t)
	core := seeded(t, m, model)
	metrics.RegisterLibrary(reg, core.LibrarySizes)
	url := serve(t, reg) + "/metrics"
	before := scrape(t, url)
	ctx := context.Background()

	model.Script(modeltest.Text("Lavrov called for a UN conference [1]."))
	if a, err := core.Ask(ctx, bot.Question{Text: "What did Lavrov call for?"}, nil); err != nil || a.Abstained {
		t.Fatalf("answer: %+v, %v", a, err)
	}
	// Nothing in the library bears on this: the core abstains without
	// asking the model to write (the rewrite it tries first fails).
	model.Script(modeltest.Fault(http.StatusServiceUnavailable, "server_error", "", "down"))
	if a, err := core.Ask(ctx, bot.Question{Text: "Who won the cricket world cup final?"}, nil); err != nil || !a.Abstained {
		t.Fatalf("abstention: %+v, %v", a, err)
	}
	model.Script(modeltest.Unauthorized())
	if _, err := core.Ask(ctx, bot.Question{Text: "What did Lavrov say about the UN?"}, nil); err == nil {
		t.Fatal("no error from a model that refuses the key")
	}
	if _, err := core.Ask(ctx, bot.Question{Text: "  "}, nil); err == nil {
		t.Fatal("an empty question was answered")
	}

	got := scrape(t, url)
	want := map[string]float64{
		"newsbot_questions_total":                         4,
		`newsbot_answers_total{mode="llm"}`:               1,
		`newsbot_abstentions_total{mode="llm"}`:           1,
		`newsbot_refusals_total{reason="model_auth"}`:     1,
		`newsbot_refusals_total{reason="empty_question"}`: 1,
		`newsbot_model_errors_total{kind="auth"}`:         1,
		`newsbot_model_errors_total{kind="unavailable"}`:  1,
		`newsbot_answer_seconds_count{mode="llm"}`:        2, // the answer and the abstention
		"newsbot_model_first_token_seconds_count":         1,
		`newsbot_library_articles{scope="global"}`:        1,
		// Series that nothing moved are there at 0 from the start.
		`newsbot_answers_total{mode="extractive"}`:      0,
		`newsbot_refusals_total{reason="rate_limited"}`: 0,
		`newsbot_feed_polls_total{result="error"}`:      0,
		`newsbot_embedding_errors_total{kind="auth"}`:   0,
		`newsbot_model_errors_total{kind="timeout"}`:    0,
		"newsbot_embedding_requests_total":              0,
		"newsbot_discord_rate_limit_wait_seconds_count": 0,
		"newsbot_discord_gateway_connected":             0,
		"newsbot_ack_seconds_count":                     0,
	}
	for k, v := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("no series %s", k)
			continue
		}
		if g != v {
			t.Errorf("%s = %v, want %v", k, g, v)
		}
	}
	if before["newsbot_questions_total"] != 0 {
		t.Errorf("questions before any: %v", before["newsbot_questions_total"])
	}
	if got["newsbot_search_seconds_count"] < 2 {
		t.Errorf("searches timed: %v, want at least one per question that reached the library (2+)", got["newsbot_search_seconds_count"])
	}
	if got[`newsbot_library_paragraphs{scope="global"}`] < 5 {
		t.Errorf("paragraphs of the seed: %v", got[`newsbot_library_paragraphs{scope="global"}`])
	}
}

// rss is a feed of two items whose full text is in the feed.
func rss(base string) string {
	body := strings.Repeat("The council voted on the new tram line after a long debate about its cost and its route. ", 12)
	item := func(n int) string {
		return fmt.Sprintf(`<item><title>Tram vote %d</title><link>%s/tram-%d</link><guid>%s/tram-%d</guid>
<pubDate>Mon, 0%d Dec 2025 10:00:00 GMT</pubDate><description>%s Item %d.</description></item>`, n, base, n, base, n, n, body, n)
	}
	return `<?xml version="1.0"?><rss version="2.0"><channel><title>City news</title><link>` + base + `</link>` +
		item(1) + item(2) + `</channel></rss>`
}

// Feed polls count by result, with the items they brought: the first poll
// of a real feed loads its two items, the second gets 304 Not Modified,
// and a feed that is gone is an error.
func TestFeedPolls(t *testing.T) {
	t.Parallel()
	gone := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case gone:
			http.Error(w, "gone", http.StatusGone)
		case r.Header.Get("If-None-Match") == `"v1"`:
			w.WriteHeader(http.StatusNotModified)
		default:
			w.Header().Set("ETag", `"v1"`)
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprint(w, rss("http://"+r.Host))
		}
	}))
	t.Cleanup(srv.Close)
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	core := seeded(t, m, nil)
	metrics.RegisterLibrary(reg, core.LibrarySizes)
	feeds, err := bot.OpenFeeds(filepath.Join(t.TempDir(), "feeds.json"), core, bot.FeedOptions{Observer: m})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := feeds.Follow(ctx, srv.URL+"/feed.xml", "111", "", "someone"); err != nil {
		t.Fatal(err)
	}
	url := serve(t, reg) + "/metrics"
	steps := []struct {
		name string
		gone bool
		want map[string]float64
	}{
		{"first poll", false, map[string]float64{`newsbot_feed_polls_total{result="new"}`: 1, "newsbot_feed_items_total": 2}},
		{"unchanged feed", false, map[string]float64{`newsbot_feed_polls_total{result="not_modified"}`: 1, "newsbot_feed_items_total": 2}},
		{"feed gone", true, map[string]float64{`newsbot_feed_polls_total{result="error"}`: 1, `newsbot_feed_polls_total{result="new"}`: 1}},
	}
	for _, s := range steps {
		gone = s.gone
		feeds.PollOnce(ctx, nil) // no channel to announce in
		got := scrape(t, url)
		for k, v := range s.want {
			if got[k] != v {
				t.Errorf("after %s: %s = %v, want %v", s.name, k, got[k], v)
			}
		}
	}
	if got := scrape(t, url)[`newsbot_library_articles{scope="111"}`]; got != 2 {
		t.Errorf("the server's library holds %v articles by the metrics, want the feed's 2", got)
	}
}

// Embeddings requests count once each through the real client and its
// retrying transport, and failures by kind once their retries are spent.
func TestEmbeddingRequests(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	model := modeltest.New(t)
	retry := retrieval.NewRetryTransport(nil, nil)
	retry.MinBackoff = time.Millisecond
	cfg := model.Config()
	cfg.HTTPClient = &http.Client{Transport: m.EmbedTransport(retry)}
	ctx := context.Background()
	emb, err := retrieval.NewOpenAIEmbedder(ctx, openai.NewClientWithConfig(cfg), "text-embedding-3-small", 0, 0) // probes once
	if err != nil {
		t.Fatal(err)
	}
	if _, err := emb.Embed(ctx, []string{"one", "two"}); err != nil {
		t.Fatal(err)
	}
	// Two 503s are ridden out by the retries: one request, no error.
	model.ScriptEmbeddings(modeltest.Response{Status: 503}, modeltest.Response{Status: 503})
	if _, err := emb.Embed(ctx, []string{"three"}); err != nil {
		t.Fatal(err)
	}
	model.ScriptEmbeddings(modeltest.Unauthorized())
	if _, err := emb.Embed(ctx, []string{"four"}); err == nil {
		t.Fatal("a refused key gave no error")
	}
	got := scrape(t, serve(t, reg)+"/metrics")
	for k, v := range map[string]float64{
		"newsbot_embedding_requests_total":                 4,
		`newsbot_embedding_errors_total{kind="auth"}`:      1,
		`newsbot_embedding_errors_total{kind="server"}`:    0,
		`newsbot_embedding_errors_total{kind="connect"}`:   0,
		`newsbot_embedding_errors_total{kind="not_found"}`: 0,
	} {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if n := len(model.Requests()); n != 6 {
		t.Errorf("the server saw %d requests, want 6 (4 and 2 retries)", n)
	}
}

// /healthz answers while the process lives; /readyz is 503 with one line
// per failed check until every check holds.
func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	metrics.New(reg)
	var connected atomic.Bool
	url := serve(t, reg,
		metrics.Check{Name: "library", Run: func(context.Context) error { return nil }},
		metrics.Check{Name: "discord", Run: func(context.Context) error {
			if !connected.Load() {
				return fmt.Errorf("gateway not connected")
			}
			return nil
		}})
	get := func(path string) (int, string) {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		_, err = io.Copy(&b, resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, b.String()
	}
	tests := []struct {
		path       string
		connected  bool
		wantStatus int
		wantBody   string
	}{
		{"/healthz", false, 200, "ok\n"},
		{"/readyz", false, 503, "discord: gateway not connected\n"},
		{"/readyz", true, 200, "ready\n"},
		{"/healthz", true, 200, "ok\n"},
	}
	for _, tt := range tests {
		connected.Store(tt.connected)
		if status, body := get(tt.path); status != tt.wantStatus || body != tt.wantBody {
			t.Errorf("GET %s (connected %v): %d %q, want %d %q", tt.path, tt.connected, status, body, tt.wantStatus, tt.wantBody)
		}
	}
	if status, body := get("/metrics"); status != 200 || !strings.Contains(body, "# TYPE newsbot_questions_total counter") {
		t.Errorf("GET /metrics: %d\n%s", status, body)
	}
}

// A cached check runs once per period however many probes come, and
// again once the period is over.
func TestCachedCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		ttl      time.Duration
		probes   int
		wantRuns int
	}{
		{"within the period", time.Hour, 5, 1},
		{"every probe past it", 0, 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runs := 0
			check := metrics.Cached(tt.ttl, time.Second, func(ctx context.Context) error {
				runs++
				if _, ok := ctx.Deadline(); !ok {
					t.Error("the check runs without a deadline")
				}
				return fmt.Errorf("model_unavailable")
			})
			for range tt.probes {
				if err := check(context.Background()); err == nil || err.Error() != "model_unavailable" {
					t.Errorf("probe got %v", err)
				}
			}
			if runs != tt.wantRuns {
				t.Errorf("ran %d times for %d probes, want %d", runs, tt.probes, tt.wantRuns)
			}
		})
	}
}
