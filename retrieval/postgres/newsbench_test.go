//go:build newsbench

package postgres

// The PostgreSQL library measured on the newsbench corpus (126,574
// paragraphs), on demand, against the server NEWSBOT_TEST_DATABASE_URL
// names:
//
//	go test -tags newsbench -run Newsbench -v -timeout 60m ./retrieval/postgres/
//	go test -tags newsbench -run XXX -bench . -benchtime 5x -timeout 60m ./retrieval/postgres/
//
// NEWSBENCH_DIR overrides ../shared/newsbench.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/newsbot/newsbot/retrieval"
)

func newsbenchDir() string {
	if d := os.Getenv("NEWSBENCH_DIR"); d != "" {
		return d
	}
	return "../../../shared/newsbench"
}

func readNewsbench[T any](tb testing.TB, name string, read func(f *os.File) ([]T, error)) []T {
	tb.Helper()
	f, err := os.Open(filepath.Join(newsbenchDir(), name))
	if err != nil {
		tb.Skipf("newsbench not found: %v", err)
	}
	defer f.Close()
	out, err := read(f)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// newsbenchArticles reads the corpus as articles the library accepts: the
// 11 without a headline get their id as one, line breaks inside a
// paragraph become spaces, and the one paragraph over 20,000 bytes is cut
// there (splitting it would renumber the gold paragraphs). The file index
// is given the same articles.
func newsbenchArticles(tb testing.TB) []*retrieval.Article {
	arts := readNewsbench(tb, "corpus.jsonl", func(f *os.File) ([]*retrieval.Article, error) { return retrieval.ReadCorpus(f) })
	loaded := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, a := range arts {
		if strings.TrimSpace(a.Title) == "" {
			a.Title = a.ID
		}
		for i, p := range a.Paragraphs {
			a.Paragraphs[i] = strings.Join(strings.Fields(p), " ")
			if a.Paragraphs[i] == "" {
				a.Paragraphs[i] = "\u200b"
			}
			if p := a.Paragraphs[i]; len(p) > retrieval.MaxParagraphBytes {
				cut := retrieval.MaxParagraphBytes
				for !utf8.RuneStart(p[cut]) {
					cut--
				}
				a.Paragraphs[i] = p[:cut]
			}
		}
		a.LoadedAt = loaded
		if err := a.Validate(); err != nil {
			tb.Fatalf("corpus article %s: %v", a.ID, err)
		}
	}
	return arts
}

// loadNewsbench imports the corpus into the library at url as `newsbot
// import` does: embed every paragraph ahead in large batches, then one
// transaction per article. It returns how long each step took.
func loadNewsbench(tb testing.TB, url string, arts []*retrieval.Article) (embed, write time.Duration) {
	tb.Helper()
	ctx := context.Background()
	lib, err := Open(ctx, url, retrieval.NewLocalEmbedder(), Options{})
	if err != nil {
		tb.Fatal(err)
	}
	defer lib.Close()
	st := retrieval.NewStore(lib)
	var texts []string
	for _, a := range arts {
		texts = append(texts, a.Paragraphs...)
	}
	start := time.Now()
	if _, err := st.Prepare(ctx, texts); err != nil {
		tb.Fatal(err)
	}
	embed = time.Since(start)
	start = time.Now()
	// Two writers, as two `newsbot import`s of halves would.
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := w; i < len(arts); i += 2 {
				if _, _, err := st.Import(ctx, arts[i]); err != nil {
					tb.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return embed, time.Since(start)
}

// TestNewsbenchPostgres loads the corpus into PostgreSQL, starts a process
// from it, and checks that its search gives the file index's results on
// the dev questions.
func TestNewsbenchPostgres(t *testing.T) {
	arts := newsbenchArticles(t)
	qs := readNewsbench(t, "queries-dev.jsonl", func(f *os.File) ([]retrieval.EvalQuery, error) { return retrieval.ReadQueries(f) })
	url := migrated(t)
	paras := 0
	for _, a := range arts {
		paras += len(a.Paragraphs)
	}
	embed, write := loadNewsbench(t, url, arts)
	t.Logf("ingest: %d articles, %d paragraphs: embedding %s (%.0f paragraphs/s), writing %s (%.0f paragraphs/s, %.0f articles/s)",
		len(arts), paras, embed.Round(time.Millisecond), float64(paras)/embed.Seconds(),
		write.Round(time.Millisecond), float64(paras)/write.Seconds(), float64(len(arts))/write.Seconds())

	ctx := context.Background()
	var lib *Library
	for i := range 3 {
		start, cpu := time.Now(), cpuTime()
		l, err := Open(ctx, url, retrieval.NewLocalEmbedder(), Options{Search: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("cold start %d: %s for %d articles (this process's CPU time %s)", i+1, time.Since(start).Round(time.Millisecond),
			len(l.Index().Articles("")), (cpuTime() - cpu).Round(time.Millisecond))
		if lib != nil {
			lib.Close()
		}
		lib = l
	}
	defer lib.Close()

	fileIx, err := retrieval.OpenIndex(t.TempDir(), retrieval.NewLocalEmbedder(), retrieval.IndexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer fileIx.Close()
	start := time.Now()
	if _, err := fileIx.Sync(ctx, arts); err != nil {
		t.Fatal(err)
	}
	t.Logf("the file index took %s to build", time.Since(start).Round(time.Second))
	eval := func(name string, ix *retrieval.Index) retrieval.EvalReport {
		start := time.Now()
		rep, err := retrieval.Evaluate(ctx, ix, qs, retrieval.MaxK, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%-10s para H@1 %.3f H@4 %.3f H@10 %.3f MRR %.3f | art H@1 %.3f H@4 %.3f H@10 %.3f MRR %.3f (%s/query)",
			name, rep.Paragraph.Hits1, rep.Paragraph.Hits4, rep.Paragraph.Hits10, rep.Paragraph.MRR10,
			rep.Article.Hits1, rep.Article.Hits4, rep.Article.Hits10, rep.Article.MRR10, time.Since(start)/time.Duration(len(qs)))
		return rep
	}
	files, pg := eval("files", fileIx), eval("postgres", lib.Index())
	if d := pg.Paragraph.MRR10 - files.Paragraph.MRR10; d < -0.002 {
		t.Errorf("paragraph MRR@10 on PostgreSQL %.3f, files %.3f", pg.Paragraph.MRR10, files.Paragraph.MRR10)
	}
	if d := pg.Article.Hits10 - files.Article.Hits10; d < -0.002 {
		t.Errorf("article Hits@10 on PostgreSQL %.3f, files %.3f", pg.Article.Hits10, files.Article.Hits10)
	}
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// newsbenchLibrary returns a schema holding the corpus, loaded for one
// benchmark (the schema goes with it), and the articles.
func newsbenchLibrary(b *testing.B) (string, []*retrieval.Article) {
	arts := newsbenchArticles(b)
	url := migrated(b)
	loadNewsbench(b, url, arts)
	return url, arts
}

// BenchmarkColdStart measures a process's start from PostgreSQL with the
// newsbench corpus: Open with Search, which reads every article, its
// paragraphs' words and vectors in one snapshot and builds the memory index.
func BenchmarkColdStart(b *testing.B) {
	url, arts := newsbenchLibrary(b)
	ctx := context.Background()
	for b.Loop() {
		l, err := Open(ctx, url, retrieval.NewLocalEmbedder(), Options{Search: true})
		if err != nil {
			b.Fatal(err)
		}
		if n := len(l.Index().Articles("")); n != len(arts) {
			b.Fatalf("loaded %d articles, want %d", n, len(arts))
		}
		l.Close()
	}
}

// BenchmarkIngest measures loading articles into PostgreSQL as `newsbot
// import` does (embedding ahead, then a transaction per article), 200
// newsbench articles a round into a fresh schema, with the built-in
// embedder.
func BenchmarkIngest(b *testing.B) {
	arts := newsbenchArticles(b)[:200]
	paras := 0
	for _, a := range arts {
		paras += len(a.Paragraphs)
	}
	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		url := migrated(b)
		b.StartTimer()
		start := time.Now()
		loadNewsbench(b, url, arts)
		total += time.Since(start)
	}
	b.ReportMetric(float64(paras*b.N)/total.Seconds(), "paragraphs/s")
	b.ReportMetric(float64(len(arts)*b.N)/total.Seconds(), "articles/s")
}

// BenchmarkPropagation measures how long a change takes from its commit by
// one process to being searchable in another that serves the newsbench
// corpus: each round a writer loads one article; the reader's follower
// applies it on the notification.
func BenchmarkPropagation(b *testing.B) {
	url, _ := newsbenchLibrary(b)
	ctx := context.Background()
	emb := retrieval.NewLocalEmbedder()
	reader, err := Open(ctx, url, emb, Options{Search: true})
	if err != nil {
		b.Fatal(err)
	}
	defer reader.Close()
	applied := make(chan time.Time, 16)
	reader.follow.mu.Lock()
	reader.follow.onApply = func([]int64) { applied <- time.Now() }
	reader.follow.mu.Unlock()
	writer, err := Open(ctx, url, emb, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer writer.Close()
	st := retrieval.NewStore(writer)
	var lat, total []time.Duration
	i := 0
	for b.Loop() {
		i++
		a := article(fmt.Sprintf("propagation round %d at %d", i, time.Now().UnixNano()), 20)
		start := time.Now()
		if _, _, err := st.Add(ctx, a, retrieval.GlobalScope); err != nil {
			b.Fatal(err)
		}
		committed := time.Now()
		select {
		case at := <-applied:
			lat = append(lat, max(at.Sub(committed), 0))
			total = append(total, at.Sub(start))
		case <-time.After(10 * time.Second):
			b.Fatal("a change was not applied within 10 s")
		}
	}
	// From the writer's commit returning to searchable in the reader (0
	// when the reader was faster than the writer's own return), and from
	// the start of the write (embedding and transaction included).
	slices.Sort(lat)
	slices.Sort(total)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(total[len(total)/2].Microseconds())/1000, "write-p50-ms")
		b.ReportMetric(float64(total[len(total)*99/100].Microseconds())/1000, "write-p99-ms")
	}
}
