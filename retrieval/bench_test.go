package retrieval

// Benchmarks of search, ingest and start-up on synthetic libraries of 1k,
// 10k and 100k paragraphs with the built-in embedder. They run on demand:
//
//	go test -run XXX -bench . -benchtime 20x -timeout 60m ./retrieval/
//	go test -run XXX -bench 'Search/hybrid' -benchtime 200x ./retrieval/
//	go test -run XXX -bench Open100k -benchtime 5x -cpuprofile open.prof ./retrieval/
//
// Each library is built once per test process, the first time a benchmark
// needs it, in a folder named $TMPDIR/newsbot-bench-<pid>-*; building the
// 100k one takes minutes. The folder stays when the process ends (there is
// no hook for that without a TestMain); the next run removes the folders of
// runs that have ended and are more than two hours old.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
)

// benchSizes are the library sizes, in paragraphs, of BenchmarkSearch.
var benchSizes = []struct {
	name string
	n    int
}{{"1k", 1_000}, {"10k", 10_000}, {"100k", 100_000}}

const (
	benchSeed       = 2026
	benchGuildShare = 0.1 // a tenth of the articles belong to guilds, as on a busy bot
)

// benchNow is when the benchmark questions are asked: the synthetic
// articles are published in 2024 and 2025.
var benchNow = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

// p50ms returns the median of took in milliseconds.
func p50ms(took []time.Duration) float64 {
	if len(took) == 0 {
		return 0
	}
	s := slices.Clone(took)
	slices.Sort(s)
	return float64(s[len(s)/2]) / float64(time.Millisecond)
}

var benchQueries = sync.OnceValue(func() []string { return synthQueries(64, benchSeed) })

func BenchmarkSearch(b *testing.B) {
	var hybrid Fusion // the default, which OpenStore gets from StoreOptions{}
	b.Run("hybrid", func(b *testing.B) { benchSearch(b, hybrid, GlobalScope) })
	b.Run("chromem-query", benchChromemQuery)
	b.Run("bm25", func(b *testing.B) { benchSearch(b, fusionBM25, GlobalScope) })
	b.Run("vectors", func(b *testing.B) { benchSearch(b, fusionVectors, GlobalScope) })
	b.Run("rrf", func(b *testing.B) { benchSearch(b, fusionRRF, GlobalScope) })
	// A guild sees two collections, and its BM25 filter keeps the documents
	// of two scopes instead of dropping those of the others.
	b.Run("hybrid-guild", func(b *testing.B) { benchSearch(b, hybrid, synthGuilds[0]) })
	// 384- and 1,536-dimensional vectors of an OpenAI-compatible embedder.
	b.Run("neural", benchNeural)
}

// benchSearch measures Index.Search, K=10, over the queries in turn.
func benchSearch(b *testing.B, f Fusion, scope string) {
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			s := benchStore(b, size.n)
			defer func(old Fusion) { s.ix.opts.Fusion = old }(s.ix.opts.Fusion)
			s.ix.opts.Fusion = f
			qs := benchQueries()
			ctx := b.Context()
			var found int
			var took []time.Duration
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				start := time.Now()
				hits, err := s.Search(ctx, Query{Text: qs[i%len(qs)], K: 10, Scope: scope, Now: benchNow})
				if err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(start))
				found += len(hits)
			}
			b.ReportMetric(p50ms(took), "p50-ms")
			if found == 0 {
				b.Fatal("no query found anything")
			}
		})
	}
}

// benchChromemQuery measures a bare chromem-go query, top 10, on the global
// collection the index searches, with the queries embedded beforehand: the
// floor under the vector leg of Search.
func benchChromemQuery(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			s := benchStore(b, size.n)
			ctx := b.Context()
			s.ix.mu.RLock()
			c := s.ix.colls[GlobalScope]
			s.ix.mu.RUnlock()
			vecs, err := s.ix.emb.Embed(ctx, benchQueries())
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(c.Count()), "vectors")
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := c.QueryEmbedding(ctx, vecs[i%len(vecs)], 10, nil, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkIngest measures how fast articles of about 40 paragraphs get
// into the index: one at a time through Store.Add into an empty library and
// into one of 100k paragraphs (an op is one article), and in bulk through
// Index.Sync of 10k paragraphs into an empty folder (an op is the whole
// sync, with Close, which waits for BM25 to be on disk).
func BenchmarkIngest(b *testing.B) {
	b.Run("add/empty", func(b *testing.B) { benchAdd(b, "") })
	b.Run("add/100k", func(b *testing.B) { benchAdd(b, benchLibrary(b, 100_000).dir) })
	b.Run("sync/10k", func(b *testing.B) {
		arts := synthCorpus(b, synthOptions{Paragraphs: 10_000, Seed: benchSeed + 1, GuildShare: benchGuildShare})
		ctx := b.Context()
		b.ReportAllocs()
		for b.Loop() {
			ix, err := OpenIndex(b.TempDir(), NewLocalEmbedder(), IndexOptions{})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := ix.Sync(ctx, arts); err != nil {
				b.Fatal(err)
			}
			if err := ix.Close(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*synthSize(arts))/b.Elapsed().Seconds(), "paragraphs/s")
	})
}

// benchAdd adds new articles one by one to a copy of the store in from, or
// to an empty one.
func benchAdd(b *testing.B, from string) {
	dir := b.TempDir()
	if from != "" {
		benchCopy(b, from, dir)
	}
	ctx := b.Context()
	s, _, err := OpenStore(ctx, dir, NewLocalEmbedder(), StoreOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	g := newSynthGen(benchSeed + 2)
	opts := synthOptions{IDPrefix: "added", GuildShare: benchGuildShare}
	var paragraphs int
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		a := synthArticle(g.Article(opts.options(), i, 0, 40))
		b.StartTimer()
		if _, _, err := s.Add(ctx, a, a.Scope); err != nil {
			b.Fatal(err)
		}
		paragraphs += len(a.Paragraphs)
	}
	b.ReportMetric(float64(paragraphs)/b.Elapsed().Seconds(), "paragraphs/s")
}

// BenchmarkOpen100k measures start-up with a library of 100k paragraphs:
// read the article files, open BM25 and the vector file, reconcile, fill the
// chromem-go collections; then Close.
func BenchmarkOpen100k(b *testing.B) {
	lib := benchLibrary(b, 100_000)
	lib.close(b)
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		s, st, err := OpenStore(ctx, lib.dir, NewLocalEmbedder(), StoreOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if st.Embedded != 0 || st.Reindexed != 0 || st.Removed != 0 {
			b.Fatalf("open had to repair the index: %+v", st)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyBM25_100k measures the part of BenchmarkOpen100k that
// checks the BM25 files against their checksums (a reader pays it at open,
// a writer at open and again at close, when it records them).
func BenchmarkVerifyBM25_100k(b *testing.B) {
	lib := benchLibrary(b, 100_000)
	lib.close(b)
	dir := filepath.Join(lib.dir, "index", "bm25")
	var size int64
	for b.Loop() {
		if err := verifySums(dir); err != nil {
			b.Fatal(err)
		}
	}
	sums, _ := computeSums(dir)
	for _, s := range sums {
		size += s.size
	}
	b.SetBytes(size)
}

// BenchmarkOpenUnclean100k measures the first open after a writer stopped
// without closing (kill -9, power loss): its BM25 files are unverified, so
// the BM25 index is rebuilt from the articles; vectors are kept.
func BenchmarkOpenUnclean100k(b *testing.B) {
	lib := benchLibrary(b, 100_000)
	lib.close(b)
	ctx := b.Context()
	for b.Loop() {
		b.StopTimer()
		if err := os.Remove(filepath.Join(lib.dir, "index", "bm25", sumsFile)); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		s, st, err := OpenStore(ctx, lib.dir, NewLocalEmbedder(), StoreOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if st.Embedded != 0 || st.Reindexed != 2500 {
			b.Fatalf("open after an unclean stop: %+v", st)
		}
		b.StopTimer()
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// benchLib is a synthetic library on disk, indexed with the built-in
// embedder, and the store open on it, if any.
type benchLib struct {
	dir   string
	store *Store
}

// benchLibs holds the libraries built by this process, by size.
var benchLibs struct {
	sync.Mutex
	root string
	libs map[int]*benchLib
}

// benchLibrary returns the library of n paragraphs, building it the first
// time.
func benchLibrary(b *testing.B, n int) *benchLib {
	b.Helper()
	benchLibs.Lock()
	defer benchLibs.Unlock()
	if l := benchLibs.libs[n]; l != nil {
		return l
	}
	if benchLibs.root == "" {
		removeOldBenchRoots(b)
		root, err := os.MkdirTemp("", fmt.Sprintf("newsbot-bench-%d-", os.Getpid()))
		if err != nil {
			b.Fatal(err)
		}
		benchLibs.root, benchLibs.libs = root, map[int]*benchLib{}
	}
	start := time.Now()
	dir := filepath.Join(benchLibs.root, strconv.Itoa(n))
	articles := filepath.Join(dir, "articles")
	if err := os.MkdirAll(articles, 0o755); err != nil {
		b.Fatal(err)
	}
	arts := synthCorpus(b, synthOptions{Paragraphs: n, Seed: benchSeed, GuildShare: benchGuildShare})
	for _, a := range arts {
		data, err := MarshalArticle(a)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(articles, a.ID+articleExt), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	s, st, err := OpenStore(b.Context(), dir, NewLocalEmbedder(), StoreOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("built a library of %d articles, %d paragraphs in %s (%s)", st.Articles, st.Paragraphs, time.Since(start).Round(time.Millisecond), dir)
	benchSettle(b, s)
	l := &benchLib{dir: dir, store: s}
	benchLibs.libs[n] = l
	return l
}

// benchSettle waits for bleve to merge the segments of a bulk load, as its
// background merger would in time, so that the first benchmark to search
// does not pay for them (nearly 300k allocations a query at 100k paragraphs
// before, 4k after).
func benchSettle(b *testing.B, s *Store) {
	b.Helper()
	adv, err := s.ix.bm25.idx.Advanced()
	if err != nil {
		b.Fatal(err)
	}
	segments := func() any {
		st, _ := s.ix.bm25.idx.StatsMap()["index"].(map[string]any)
		return st["num_root_filesegments"]
	}
	start, before := time.Now(), segments()
	// Sync starts a background merge after a bulk load; start one here only
	// if it has not (a second one is refused while the first runs).
	if sc, ok := adv.(*scorch.Scorch); ok {
		opts := mergeplan.DefaultMergePlanOptions
		if err := sc.ForceMerge(b.Context(), &opts); err != nil && !strings.Contains(err.Error(), "already in progress") {
			b.Fatal(err)
		}
	}
	last, since := segments(), time.Now()
	for time.Since(since) < 3*time.Second && time.Since(start) < 5*time.Minute {
		time.Sleep(250 * time.Millisecond)
		if n := segments(); n != last {
			last, since = n, time.Now()
		}
	}
	b.Logf("bleve merged %v segments into %v in %s", before, last, time.Since(start).Round(time.Second))
}

// benchStore returns the open store on the library of n paragraphs.
func benchStore(b *testing.B, n int) *Store {
	b.Helper()
	l := benchLibrary(b, n)
	benchLibs.Lock()
	defer benchLibs.Unlock()
	if l.store == nil {
		s, _, err := OpenStore(b.Context(), l.dir, NewLocalEmbedder(), StoreOptions{})
		if err != nil {
			b.Fatal(err)
		}
		l.store = s
	}
	return l.store
}

// close closes the store on the library, so that its files can be opened
// again or copied.
func (l *benchLib) close(b *testing.B) {
	b.Helper()
	if l.store == nil {
		return
	}
	err := l.store.Close()
	l.store = nil
	if err != nil {
		b.Fatal(err)
	}
}

// benchCopy copies the library in from (closing its store) to the empty
// folder to.
func benchCopy(b *testing.B, from, to string) {
	b.Helper()
	benchLibs.Lock()
	for _, l := range benchLibs.libs {
		if l.dir == from {
			l.close(b)
		}
	}
	benchLibs.Unlock()
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		b.Fatal(err)
	}
}

// removeOldBenchRoots removes the library folders of earlier runs whose
// process has ended. Folders younger than two hours are kept whatever the
// process id says, since a run in another pid namespace may still use them.
func removeOldBenchRoots(b *testing.B) {
	old, _ := filepath.Glob(filepath.Join(os.TempDir(), "newsbot-bench-*-*"))
	for _, dir := range old {
		pidText, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(dir), "newsbot-bench-"), "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid == os.Getpid() {
			continue
		}
		if st, err := os.Stat(dir); err != nil || time.Since(st.ModTime()) < 2*time.Hour {
			continue
		}
		if p, err := os.FindProcess(pid); err == nil && !errors.Is(p.Signal(syscall.Signal(0)), os.ErrProcessDone) {
			continue // still running
		}
		b.Logf("removing %s, left by an earlier run", dir)
		os.RemoveAll(dir)
	}
}
