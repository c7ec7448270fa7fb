//go:build newsbench

package retrieval

// The newsbench evaluation runs on demand, not in every "go test":
//
//	go test -tags newsbench -run Newsbench -v -timeout 60m ./retrieval/
//
// It reads ../shared/newsbench (NEWSBENCH_DIR overrides; NEWSBENCH_INDEX
// names a folder to keep the built index in and reuse) and prints the
// metrics for BM25 alone, vectors alone and the fused default, each query
// asked as of its quiz date, and the default without reading time.
// NEWSBENCH_TUNE=1 adds the sensitivity of the result to each parameter of
// the time prior; NEWSBENCH_QUICK=1 skips the slow vector-scan fusions.

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestNewsbench(t *testing.T) {
	dir := os.Getenv("NEWSBENCH_DIR")
	if dir == "" {
		dir = "../../shared/newsbench"
	}
	arts := mustRead(t, filepath.Join(dir, "corpus.jsonl"), ReadCorpus)
	qs := mustRead(t, filepath.Join(dir, "queries-dev.jsonl"), ReadQueries)
	idxDir := os.Getenv("NEWSBENCH_INDEX")
	if idxDir == "" {
		idxDir = t.TempDir()
	}
	ix, err := OpenIndex(idxDir, NewLocalEmbedder(), IndexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ctx := context.Background()
	start := time.Now()
	if _, err := ix.Sync(ctx, arts); err != nil {
		t.Fatal(err)
	}
	t.Logf("indexed %d articles in %s", len(arts), time.Since(start))
	eval := func(name string, qs []EvalQuery) EvalReport {
		t.Helper()
		start := time.Now()
		rep, err := Evaluate(ctx, ix, qs, MaxK, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if name != "" {
			t.Logf("%-24s para H@1 %.3f H@4 %.3f H@10 %.3f MRR %.3f | art H@1 %.3f H@4 %.3f H@10 %.3f MRR %.3f (%s/query)",
				name, rep.Paragraph.Hits1, rep.Paragraph.Hits4, rep.Paragraph.Hits10, rep.Paragraph.MRR10,
				rep.Article.Hits1, rep.Article.Hits4, rep.Article.Hits10, rep.Article.MRR10, time.Since(start)/time.Duration(len(qs)))
		}
		return rep
	}
	for _, f := range []struct {
		name string
		f    Fusion
	}{{"bm25", fusionBM25}, {"vectors", fusionVectors}, {"rrf", fusionRRF}, {"linear (default)", fusionLinear}} {
		if os.Getenv("NEWSBENCH_QUICK") != "" && f.f != fusionLinear {
			continue // the slow vector scans
		}
		ix.opts.Fusion = f.f
		eval(f.name, qs)
	}
	ix.opts.Fusion = fusionLinear
	readTime = false
	eval("linear, time not read", qs)
	coordExp, readTime = 0, true
	eval("linear, no coordination", qs)
	readTime = false
	eval("linear, neither", qs)
	coordExp, readTime = 1, true
	undated := make([]EvalQuery, len(qs))
	for i, q := range qs {
		undated[i] = q
		undated[i].Date = ""
	}
	eval("linear, as of the clock", undated)

	if os.Getenv("NEWSBENCH_TUNE") == "" {
		return
	}
	// Sensitivity: each parameter varied alone, the others at their
	// defaults; and a two-fold check that the defaults were not fitted to
	// half of the questions.
	line := func(what string, r EvalReport) {
		t.Logf("%-34s para H@1 %.3f H@4 %.3f H@10 %.3f MRR %.3f", what, r.Paragraph.Hits1, r.Paragraph.Hits4, r.Paragraph.Hits10, r.Paragraph.MRR10)
	}
	for _, e := range []float64{0, 0.5, 1, 2} {
		saved := coordExp
		coordExp = e
		line(fmt.Sprintf("coordination exponent %.1f", e), eval("", qs))
		coordExp = saved
	}
	curves := []*decay{&recencyPrior, &latestPrior, &periodPrior}
	names := []string{"recency", "latest", "period"}
	for i, c := range curves {
		saved := *c
		for _, hl := range []float64{1, 3, 7, 14, 30, 90, 365} {
			c.halfLife = hl
			line(fmt.Sprintf("%s halfLife %.0f floor %.2f", names[i], c.halfLife, c.floor), eval("", qs))
		}
		*c = saved
		for _, fl := range []float64{0.05, 0.2, 0.35, 0.5, 0.7, 0.85, 1} {
			c.floor = fl
			line(fmt.Sprintf("%s halfLife %.0f floor %.2f", names[i], c.halfLife, c.floor), eval("", qs))
		}
		*c = saved
	}
	var odd, even []EvalQuery
	for i, q := range qs {
		if i%2 == 0 {
			even = append(even, q)
		} else {
			odd = append(odd, q)
		}
	}
	for _, half := range []struct {
		name string
		qs   []EvalQuery
	}{{"even", even}, {"odd", odd}} {
		r := eval("", half.qs)
		readTime, coordExp = false, 0
		r0 := eval("", half.qs)
		readTime, coordExp = true, 1
		t.Logf("%s half (%d): para H@4 %.3f before, %.3f now", half.name, len(half.qs), r0.Paragraph.Hits4, r.Paragraph.Hits4)
	}
}

func mustRead[T any](t testing.TB, path string, parse func(r io.Reader) (T, error)) T {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("newsbench not available: %v", err)
	}
	defer f.Close()
	v, err := parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// BenchmarkNewsbenchSearch measures Index.Search over the 126k newsbench
// paragraphs with the dev questions, each asked as of its quiz date: as
// before time and coordination (before), with coordination alone, and the
// default; p50-ms is the median query, cpu-ms/op the processor time a
// query takes, which a machine shared with other work inflates less than
// the wall clock:
//
//	NEWSBENCH_INDEX=/tmp/nb go test -tags newsbench -run XXX -bench NewsbenchSearch -benchtime 400x ./retrieval/
func BenchmarkNewsbenchSearch(b *testing.B) {
	dir := os.Getenv("NEWSBENCH_DIR")
	if dir == "" {
		dir = "../../shared/newsbench"
	}
	arts := mustRead(b, filepath.Join(dir, "corpus.jsonl"), ReadCorpus)
	qs := mustRead(b, filepath.Join(dir, "queries-dev.jsonl"), ReadQueries)
	idxDir := os.Getenv("NEWSBENCH_INDEX")
	if idxDir == "" {
		idxDir = b.TempDir()
	}
	ix, err := OpenIndex(idxDir, NewLocalEmbedder(), IndexOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	ctx := context.Background()
	if _, err := ix.Sync(ctx, arts); err != nil {
		b.Fatal(err)
	}
	queries := make([]Query, len(qs))
	for i, q := range qs {
		now, _ := time.Parse(time.DateOnly, q.Date)
		queries[i] = Query{Text: q.Question, K: 8, Now: now}
	}
	for _, q := range queries { // warm the caches, so the first variant is not the slowest
		if _, err := ix.Search(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	for _, v := range []struct {
		name  string
		read  bool
		coord float64
	}{{"before", false, 0}, {"coordination", false, 1}, {"default", true, 1}} {
		b.Run(v.name, func(b *testing.B) {
			defer func(read bool, coord float64) { readTime, coordExp = read, coord }(readTime, coordExp)
			readTime, coordExp = v.read, v.coord
			var took []time.Duration
			b.ReportAllocs()
			cpu := cpuTime()
			for i := 0; b.Loop(); i++ {
				start := time.Now()
				if _, err := ix.Search(ctx, queries[i%len(queries)]); err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(start))
			}
			b.ReportMetric(p50ms(took), "p50-ms")
			b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
}

// cpuTime is the processor time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
