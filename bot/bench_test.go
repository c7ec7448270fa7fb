package bot

// Benchmarks of answering over a synthetic library of 10k paragraphs with
// the built-in embedder. They run on demand:
//
//	go test -run XXX -bench 'PreparePrompt|AskExtractive' -benchtime 50x ./bot/
//
// Each benchmark builds its library in a temp dir first (a few seconds,
// not timed). The model is a fake server on 127.0.0.1 and is never called.

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/newsbot/newsbot/bot/modeltest"
	"github.com/newsbot/newsbot/retrieval"
	"github.com/newsbot/newsbot/retrieval/retrievaltest"
)

// benchParagraphs is the size of the benchmark library.
const benchParagraphs = 10_000

// BenchmarkPreparePrompt measures the time from a question to a prompt
// ready for the model: retrieval, the relevance check, the token budget
// and rendering ("full"), and the two halves on their own.
func BenchmarkPreparePrompt(b *testing.B) {
	st, qs := benchLibrary(b, benchParagraphs)
	srv := modeltest.New(b)
	bot, err := New(st, NewModel(srv.Client(), "gpt-4o-mini", ModelOptions{}), nil, Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	search := func(q string) []retrieval.Hit {
		hits, err := bot.store.Search(ctx, retrieval.Query{Text: q, K: bot.opts.Sources, Scope: retrieval.GlobalScope})
		if err != nil {
			b.Fatal(err)
		}
		return hits
	}
	prepare := func(q string, hits []retrieval.Hit) int {
		_, cands, err := bot.evidence(ctx, q, hits, time.Time{})
		if err != nil {
			b.Fatal(err)
		}
		relevant := bearing(hits, cands, 0)
		if len(relevant) == 0 {
			b.Fatalf("nothing relevant to %q", q)
		}
		p, err := bot.preparePrompt(q, q, nil, relevant, time.Now(), "")
		if err != nil {
			b.Fatal(err)
		}
		return len(p.refs)
	}
	b.Run("full", func(b *testing.B) {
		paras := 0
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			q := qs[i%len(qs)]
			paras += prepare(q, search(q))
		}
		b.ReportMetric(float64(paras)/float64(b.N), "paragraphs/op")
	})
	b.Run("search", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			search(qs[i%len(qs)])
		}
	})
	b.Run("prompt", func(b *testing.B) {
		hits := make([][]retrieval.Hit, len(qs))
		for i, q := range qs {
			hits[i] = search(q)
		}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			prepare(qs[i%len(qs)], hits[i%len(qs)])
		}
	})
}

// BenchmarkAskExtractive measures a whole Ask without a model: retrieval,
// the evidence check and the quoted answer.
func BenchmarkAskExtractive(b *testing.B) {
	benchAskExtractive(b, benchParagraphs)
}

// BenchmarkAskExtractiveLarge is BenchmarkAskExtractive over a library as
// large as the newsbench corpus (126,574 paragraphs). Building it takes
// minutes:
//
//	go test -run XXX -bench AskExtractiveLarge -benchtime 200x -timeout 60m ./bot/
func BenchmarkAskExtractiveLarge(b *testing.B) {
	benchAskExtractive(b, 126_574)
}

func benchAskExtractive(b *testing.B, paragraphs int) {
	st, qs := benchLibrary(b, paragraphs)
	bot, err := New(st, nil, nil, Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	cited, abstained := 0, 0
	var times []time.Duration
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		a, err := bot.Ask(ctx, Question{Text: qs[i%len(qs)]}, nil)
		times = append(times, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		if len(a.Citations) == 0 {
			b.Fatalf("no quote for %q", qs[i%len(qs)])
		}
		if a.Abstained {
			abstained++ // made-up words spread over sentences: the closest passages are quoted
		}
		cited += len(a.Citations)
	}
	// The median, beside the mean of ns/op: a few slow questions (many
	// candidates, long paragraphs) should not hide the usual one.
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(times[len(times)*9/10].Microseconds())/1000, "p90-ms")
	b.ReportMetric(float64(cited)/float64(b.N), "citations/op")
	b.ReportMetric(float64(abstained)/float64(b.N), "abstained/op")
}

// benchLibrary builds a store of about n synthetic paragraphs
// (retrievaltest's corpus) in a temp dir the way newsbot does, from article
// files, and returns it with 64 questions that each have a relevant
// paragraph in it.
func benchLibrary(b *testing.B, n int) (*retrieval.Store, []string) {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "articles"), 0o755); err != nil {
		b.Fatal(err)
	}
	var arts []*retrieval.Article
	for _, d := range retrievaltest.Corpus(retrievaltest.Options{Paragraphs: n, Seed: 2026, IDPrefix: "bench"}) {
		a := &retrieval.Article{ID: d.ID, Title: d.Title, URL: d.URL, Source: d.Source, Author: d.Author,
			PublishedAt: d.PublishedAt, LoadedAt: d.LoadedAt, Scope: retrieval.GlobalScope, Paragraphs: d.Paragraphs}
		data, err := retrieval.MarshalArticle(a)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "articles", a.ID+".md"), data, 0o644); err != nil {
			b.Fatal(err)
		}
		arts = append(arts, a)
	}
	st, _, err := retrieval.OpenStore(ctx, dir, retrieval.NewLocalEmbedder(), retrieval.StoreOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if st.Len() != len(arts) {
		b.Fatalf("library holds %d articles, want %d", st.Len(), len(arts))
	}
	g := retrievaltest.NewGen(2027, nil)
	qs := make([]string, 64)
	for i := range qs {
		a := arts[g.Rand().IntN(len(arts))]
		qs[i] = g.Question(a.Paragraphs[g.Rand().IntN(len(a.Paragraphs))], i)
	}
	return st, qs
}
