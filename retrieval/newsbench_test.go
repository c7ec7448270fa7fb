//go:build newsbench

package retrieval

// The newsbench evaluation runs on demand, not in every "go test":
//
//	go test -tags newsbench -run Newsbench -v -timeout 30m ./retrieval/
//
// It reads ../shared/newsbench (NEWSBENCH_DIR overrides) and prints the
// metrics for BM25 alone, vectors alone and the fused default.

import (
	"context"
	"io"
	"os"
	"path/filepath"
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
	for _, f := range []struct {
		name string
		f    Fusion
	}{{"bm25", FusionBM25}, {"vectors", FusionVectors}, {"rrf", FusionRRF}, {"linear (default)", FusionLinear}} {
		ix.opts.Fusion = f.f
		start := time.Now()
		rep, err := Evaluate(ctx, ix, qs, MaxK)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%-8s para H@1 %.3f H@4 %.3f H@10 %.3f MRR %.3f | art H@1 %.3f H@4 %.3f H@10 %.3f MRR %.3f (%s/query)",
			f.name, rep.Paragraph.Hits1, rep.Paragraph.Hits4, rep.Paragraph.Hits10, rep.Paragraph.MRR10,
			rep.Article.Hits1, rep.Article.Hits4, rep.Article.Hits10, rep.Article.MRR10, time.Since(start)/time.Duration(len(qs)))
	}
}

func mustRead[T any](t *testing.T, path string, parse func(r io.Reader) (T, error)) T {
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
