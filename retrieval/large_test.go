package retrieval

// A library of more than 100k paragraphs must survive a restart whole:
// chromem-go's own persistence names files by 32 bits of a hash and loses
// documents to collisions (69% odds of at least one at 100k), which is why
// the index keeps vectors in its own file. The large test is slow and runs
// on demand:
//
//	NEWSBOT_LARGE=1 go test -run Large -timeout 30m ./retrieval/
//
// TestVectorStoreReopenKeepsEveryKey proves the vector file's part of it in
// about a second and always runs.

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/philippgille/chromem-go"
)

func TestVectorStoreReopenKeepsEveryKey(t *testing.T) {
	t.Parallel()
	const n, dims = 120_000, 8
	dir := t.TempDir()
	info := EmbedderInfo{Provider: "test", Model: "keys", Dimensions: dims}
	keys := make([]textKey, n)
	vecs := make([][]float32, n)
	backing := make([]float32, n*dims)
	for i := range n {
		keys[i] = keyOf(strconv.Itoa(i))
		vecs[i] = backing[i*dims : (i+1)*dims]
		for j := range vecs[i] {
			vecs[i][j] = float32(i*dims + j) // exact in float32 and different for every key
		}
	}
	vs, err := openVectorStore(dir, info, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	for start := 0; start < n; start += 8192 {
		end := min(start+8192, n)
		if err := vs.put(keys[start:end], vecs[start:end]); err != nil {
			t.Fatal(err)
		}
	}
	if err := vs.close(); err != nil {
		t.Fatal(err)
	}

	vs = reopenVectors(t, dir, info, n)
	checkVectors(t, vs, keys, vecs)

	// A record appended after a reopen goes after the last one, not over it.
	extra, extraVec := keyOf("one more"), []float32{-1, -2, -3, -4, -5, -6, -7, -8}
	if err := vs.put([]textKey{extra}, [][]float32{extraVec}); err != nil {
		t.Fatal(err)
	}
	if err := vs.close(); err != nil {
		t.Fatal(err)
	}
	vs = reopenVectors(t, dir, info, n+1)
	defer vs.close()
	checkVectors(t, vs, append(keys, extra), append(vecs, extraVec))
}

// reopenVectors opens the vector file in dir and checks it holds want records.
func reopenVectors(t *testing.T, dir string, info EmbedderInfo, want int) *vectorStore {
	t.Helper()
	vs, err := openVectorStore(dir, info, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if vs.records != want || len(vs.vecs) != want {
		t.Fatalf("reopened vector file holds %d records and %d keys, want %d", vs.records, len(vs.vecs), want)
	}
	return vs
}

func checkVectors(t *testing.T, vs *vectorStore, keys []textKey, vecs [][]float32) {
	t.Helper()
	var bad []int
	for i, k := range keys {
		if v, ok := vs.get(k); !ok || !slices.Equal(v, vecs[i]) {
			bad = append(bad, i)
		}
	}
	if len(bad) > 0 {
		t.Errorf("after reopening, %d of %d keys are missing or have another vector (first: %v)", len(bad), len(keys), bad[:min(len(bad), 10)])
	}
}

func TestLargeLibraryReopenFindsEveryParagraph(t *testing.T) {
	if testing.Short() || os.Getenv("NEWSBOT_LARGE") == "" {
		t.Skip("a library of 104k paragraphs takes minutes; run with NEWSBOT_LARGE=1 go test -run Large -timeout 30m ./retrieval/")
	}
	ctx := t.Context()
	dir := t.TempDir()
	emb := synthEmbedder{dims: 16}
	arts := synthCorpus(t, synthOptions{Paragraphs: 104_000, Seed: 42, GuildShare: 0.05, Nonces: true})
	bulk, added := arts[:len(arts)-50], arts[len(arts)-50:]

	// Most articles arrive as files and are indexed by OpenStore, the last
	// ones one by one through Store.Add, which gives them ids of its own.
	start := time.Now()
	lib, err := openLibrary(filepath.Join(dir, "articles"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range bulk {
		if err := lib.Put(a); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("wrote %d article files in %s", len(bulk), time.Since(start).Round(time.Millisecond))
	start = time.Now()
	s, st, err := OpenStore(ctx, dir, emb, StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := synthSize(bulk); st.Embedded != want || st.Reindexed != len(bulk) {
		t.Errorf("first open embedded %d paragraphs and indexed %d articles, want %d and %d", st.Embedded, st.Reindexed, want, len(bulk))
	}
	t.Logf("first open indexed %d paragraphs in %s", st.Paragraphs, time.Since(start).Round(time.Millisecond))
	start = time.Now()
	stored := slices.Clone(bulk)
	for _, a := range added {
		got, status, err := s.Add(ctx, a, a.Scope)
		if err != nil {
			t.Fatal(err)
		}
		if status != Added {
			t.Fatalf("Add %s: got %s, want %s", a.Title, status, Added)
		}
		stored = append(stored, got)
	}
	t.Logf("added %d articles (%d paragraphs) in %s", len(added), synthSize(added), time.Since(start).Round(time.Millisecond))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	start = time.Now()
	s, st, err = OpenStore(ctx, dir, emb, StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t.Logf("reopened in %s", time.Since(start).Round(time.Millisecond))
	if st.Articles != len(stored) || st.Paragraphs != synthSize(arts) {
		t.Errorf("reopened library: got %d articles, %d paragraphs, want %d, %d", st.Articles, st.Paragraphs, len(stored), synthSize(arts))
	}
	if st.Embedded != 0 || st.Reindexed != 0 || st.Removed != 0 {
		t.Errorf("reopening had to repair the index (embedded %d paragraphs, re-indexed %d articles, removed %d): it lost what was stored",
			st.Embedded, st.Reindexed, st.Removed)
	}

	start = time.Now()
	checkEveryParagraph(t, s, stored, emb)
	t.Logf("checked every paragraph in %s", time.Since(start).Round(time.Millisecond))
}

// checkEveryParagraph checks that the store holds every paragraph of want:
// in the library, in the vector file and the chromem-go collections (by id,
// with its own vector), and in BM25 (its nonce finds it and nothing else).
// Samples also go through vector queries and the full hybrid Search (for
// a paragraph's own text, which both legs rank first whatever the fusion).
func checkEveryParagraph(t *testing.T, s *Store, want []*Article, emb synthEmbedder) {
	t.Helper()
	ctx := t.Context()
	var failures int
	fail := func(format string, args ...any) {
		t.Helper()
		if failures++; failures <= 10 {
			t.Errorf(format, args...)
		}
	}
	defer func() {
		if failures > 10 {
			t.Errorf("... and %d more failures", failures-10)
		}
	}()

	if got := s.lib.Len(); got != len(want) {
		fail("library holds %d articles, want %d", got, len(want))
	}
	perScope := map[string]int{}
	for _, a := range want {
		perScope[a.Scope] += len(a.Paragraphs)
	}
	ix := s.ix
	ix.mu.RLock()
	colls := ix.colls
	ix.mu.RUnlock()
	for scope, n := range perScope {
		if c := colls[scope]; c == nil || c.Count() != n {
			fail("collection %s: got %d vectors, want %d", scope, countOf(c), n)
		}
	}

	var seq int // paragraph number over the whole corpus, as in synthNonce
	var bm25Time time.Duration
	for _, a := range want {
		got, err := s.lib.Get(a.ID)
		if err != nil || !slices.Equal(got.Paragraphs, a.Paragraphs) {
			fail("library article %s: got %v, want its %d paragraphs (err %v)", a.ID, paragraphsOf(got), len(a.Paragraphs), err)
		}
		c := colls[a.Scope]
		for i, p := range a.Paragraphs {
			id, n := ParagraphID(a.ID, i+1), seq
			seq++
			v := emb.vector(p)
			if got, ok := ix.vectors.get(keyOf(p)); !ok || !sameVector(got, v) {
				fail("vector file: paragraph %s is missing or has another vector", id)
			}
			if doc, err := c.GetByID(ctx, id); err != nil || !sameVector(doc.Embedding, v) || doc.Metadata["article"] != a.ID {
				fail("collection %s: paragraph %s: got %v, %v (err %v)", a.Scope, id, doc.Embedding, doc.Metadata, err)
			}
			if n%500 == 0 {
				res, err := c.QueryEmbedding(ctx, v, 1, nil, nil)
				if err != nil || len(res) != 1 || res[0].ID != id {
					fail("a query with the vector of %s found %v (err %v)", id, resultIDs(res), err)
				}
			}
			start := time.Now()
			res, err := ix.bm25.search(ctx, synthNonce(n), 2, a.Scope, "")
			bm25Time += time.Since(start)
			if err != nil || len(res) != 1 || res[0].id != id {
				fail("BM25 search for %s found %v, want only %s (err %v)", synthNonce(n), res, id, err)
			}
			if n%1000 == 0 && utf8.RuneCountInString(p) <= maxQueryChars {
				hits, err := s.Search(ctx, Query{Text: p, K: 3, Scope: a.Scope})
				if err != nil || len(hits) == 0 || hits[0].ID() != id {
					fail("Search for the text of %s found %v, want it first (err %v)", id, hitIDs(hits), err)
				}
			}
		}
	}
	t.Logf("BM25 nonce searches: %d in %s, %s each", seq, bm25Time.Round(time.Millisecond), bm25Time/time.Duration(max(seq, 1)))
}

func countOf(c *chromem.Collection) int {
	if c == nil {
		return 0
	}
	return c.Count()
}

func paragraphsOf(a *Article) string {
	if a == nil {
		return "no article"
	}
	return fmt.Sprintf("%d paragraphs", len(a.Paragraphs))
}

func resultIDs(rs []chromem.Result) []string {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return ids
}

func hitIDs(hits []Hit) []string {
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID()
	}
	return ids
}
