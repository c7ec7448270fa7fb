package retrieval

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingEmbedder counts the texts it embeds.
type countingEmbedder struct {
	Embedder
	texts atomic.Int64
}

func (c *countingEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	c.texts.Add(int64(len(texts)))
	return c.Embedder.Embed(ctx, texts)
}

// renamedEmbedder is the local embedder under another name, as if the
// configuration had changed.
type renamedEmbedder struct{ Embedder }

func (renamedEmbedder) Info() EmbedderInfo {
	return EmbedderInfo{Provider: "local", Model: "renamed", Dimensions: localDimensions}
}

func testArticles() []*Article {
	return []*Article{
		{
			Title: "City Council Approves New Bike Lanes", Source: "Harbor Gazette", URL: "https://gazette.example/bike-lanes",
			PublishedAt: time.Date(2025, 5, 2, 0, 0, 0, 0, time.UTC),
			Paragraphs: []string{
				"The city council voted 7-2 on Tuesday to build twelve miles of protected bike lanes downtown.",
				"Construction will begin in September and cost an estimated $4.2 million, paid from the transport budget.",
				"Shop owners on Main Street worried about losing parking spaces during the works.",
			},
		},
		{
			Title: "Drought Forces Water Restrictions in Valley Towns", Source: "Valley Courier", URL: "https://courier.example/drought",
			PublishedAt: time.Date(2025, 7, 9, 0, 0, 0, 0, time.UTC),
			Paragraphs: []string{
				"Three valley towns banned lawn watering after the reservoir fell to 31 percent of capacity.",
				"Farmers said the restrictions would cut this year's tomato harvest by a third.",
				"Officials expect the rules to stay until the autumn rains refill the reservoir.",
			},
		},
	}
}

func openTestStore(t testing.TB, dir string, emb Embedder) *Store {
	t.Helper()
	st, _, err := OpenStore(context.Background(), dir, emb, StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func addAll(t testing.TB, st *Store, scope string, arts []*Article) []*Article {
	t.Helper()
	var out []*Article
	for _, a := range arts {
		got, status, err := st.Add(context.Background(), a, scope)
		if err != nil {
			t.Fatal(err)
		}
		if status != Added {
			t.Fatalf("adding %q: got %s, want added", a.Title, status)
		}
		out = append(out, got)
	}
	return out
}

// openFilledStore opens a store in a new data folder whose article files
// hold arts in scope, with the ids and load times Store.Add would give them.
// OpenStore indexes them in a few batches, where adding them one at a time
// writes a bleve segment per article that bleve then merges again and
// again: most of the time of a test that searches a library of a few
// hundred paragraphs. For tests of what a library answers, not of how
// articles arrive.
func openFilledStore(t testing.TB, emb Embedder, scope string, arts []*Article) *Store {
	t.Helper()
	dir := t.TempDir()
	files := filepath.Join(dir, "articles")
	if err := os.MkdirAll(files, 0o755); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	seen := map[string]bool{}
	for _, a := range arts {
		b := cloneArticle(a)
		b.Scope = scope
		key := b.URL
		if key == "" {
			key = ContentHash(b.Paragraphs)
		}
		b.ID = newID(b.Title, scope, key)
		if b.LoadedAt.IsZero() {
			b.LoadedAt = now
		}
		if seen[b.ID] {
			t.Fatalf("two articles of id %s: Store.Add would update the first", b.ID)
		}
		seen[b.ID] = true
		if err := b.Validate(); err != nil {
			t.Fatal(err)
		}
		data, err := MarshalArticle(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(files, b.ID+articleExt), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st := openTestStore(t, dir, emb)
	if n := st.Len(); n != len(arts) {
		t.Fatalf("the store holds %d articles, want %d", n, len(arts))
	}
	return st
}

func TestSearchFindsTheParagraph(t *testing.T) {
	st := openTestStore(t, t.TempDir(), NewLocalEmbedder())
	arts := addAll(t, st, GlobalScope, testArticles())
	tests := []struct {
		query     string
		article   *Article
		paragraph int
	}{
		{"How much will construction cost?", arts[0], 2},
		{"Why did towns ban watering lawns?", arts[1], 1},
		{"tomato harvest farmers", arts[1], 2},
		{"parking on Main Street", arts[0], 3},
	}
	for _, fusion := range []Fusion{fusionLinear, fusionRRF, fusionBM25, fusionVectors, -1} {
		st.ix.opts.Fusion = fusion
		if fusion == -1 { // linear fusion with the exhaustive vector scan, as for a neural embedder
			st.ix.opts.Fusion, st.ix.scan = fusionLinear, true
		}
		for _, tt := range tests {
			hits, err := st.Search(context.Background(), Query{Text: tt.query, K: 3})
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) == 0 || hits[0].Article.ID != tt.article.ID || hits[0].Paragraph != tt.paragraph {
				t.Errorf("fusion %d, %q: got %v, want %s", fusion, tt.query, ids(hits), ParagraphID(tt.article.ID, tt.paragraph))
				continue
			}
			if hits[0].Text != tt.article.Paragraphs[tt.paragraph-1] || hits[0].Article.Source == "" {
				t.Errorf("hit carries wrong text or metadata: %+v", hits[0])
			}
		}
	}
}

// Each hit carries the cosine similarity of the question's vector and its
// paragraph's, for judging relevance on meaning; BM25 alone embeds nothing.
func TestSearchHitSimilarity(t *testing.T) {
	ctx := context.Background()
	emb := NewLocalEmbedder()
	st := openTestStore(t, t.TempDir(), emb)
	addAll(t, st, GlobalScope, testArticles())
	const q = "Why did towns ban watering lawns?"
	for _, fusion := range []Fusion{fusionLinear, fusionRRF, fusionVectors, fusionBM25} {
		st.ix.opts.Fusion = fusion
		hits, err := st.Search(ctx, Query{Text: q, K: 6})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 {
			t.Fatalf("fusion %s: no hits", fusion)
		}
		for _, h := range hits {
			want := 0.0
			if fusion != fusionBM25 {
				vs, err := emb.Embed(ctx, []string{q, h.Text})
				if err != nil {
					t.Fatal(err)
				}
				want = float64(dot(vs[0], vs[1]))
			}
			if math.Abs(h.Similarity-want) > 1e-6 {
				t.Errorf("fusion %s, %s: similarity %.4f, want %.4f", fusion, h.ID(), h.Similarity, want)
			}
		}
		if fusion != fusionBM25 && hits[0].Similarity <= 0 {
			t.Errorf("fusion %s: the paragraph sharing the question's words has similarity %.4f", fusion, hits[0].Similarity)
		}
	}
}

func ids(hits []Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.ID())
	}
	return out
}

func TestScopeIsolation(t *testing.T) {
	st := openTestStore(t, t.TempDir(), NewLocalEmbedder())
	arts := testArticles()
	a := addAll(t, st, "111", arts[:1])[0]
	b := addAll(t, st, "222", arts[1:])[0]
	g := addAll(t, st, GlobalScope, []*Article{{Title: "Global Note on Reservoirs", Paragraphs: []string{"Reservoir levels and lawn watering bans across the country."}}})[0]
	for _, fusion := range []Fusion{fusionLinear, fusionRRF, fusionBM25, fusionVectors} {
		st.ix.opts.Fusion = fusion
		// Guild 111 asks about guild 222's article, word for word.
		hits, err := st.Search(context.Background(), Query{Text: arts[1].Paragraphs[0], K: 10, Scope: "111"})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hits {
			if h.Article.ID == b.ID {
				t.Fatalf("fusion %d: guild 111 received guild 222's paragraph %s", fusion, h.ID())
			}
		}
		if len(hits) == 0 || hits[0].Article.ID != g.ID {
			t.Errorf("fusion %d: guild 111 should see the global article first, got %v", fusion, ids(hits))
		}
		// Global (DM) sees neither guild.
		hits, _ = st.Search(context.Background(), Query{Text: arts[0].Paragraphs[0], K: 10, Scope: GlobalScope})
		for _, h := range hits {
			if h.Article.ID == a.ID || h.Article.ID == b.ID {
				t.Fatalf("fusion %d: the global scope received guild paragraph %s", fusion, h.ID())
			}
		}
		// A guild can't name another guild's article either.
		if _, err := st.Search(context.Background(), Query{Text: "reservoir", K: 3, Scope: "111", ArticleID: b.ID}); !errors.Is(err, ErrNotFound) {
			t.Errorf("fusion %d: searching another guild's article: got %v, want ErrNotFound", fusion, err)
		}
	}
}

func TestSearchOneArticleAndDates(t *testing.T) {
	st := openTestStore(t, t.TempDir(), NewLocalEmbedder())
	arts := addAll(t, st, GlobalScope, testArticles())
	hits, err := st.Search(context.Background(), Query{Text: "reservoir budget council", K: 10, ArticleID: arts[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hits {
		if h.Article.ID != arts[0].ID {
			t.Errorf("article filter leaked %s", h.ID())
		}
	}
	hits, _ = st.Search(context.Background(), Query{Text: "reservoir budget council", K: 10, Since: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)})
	for _, h := range hits {
		if h.Article.ID != arts[1].ID {
			t.Errorf("date filter leaked %s", h.ID())
		}
	}
}

func TestQueryValidation(t *testing.T) {
	st := openTestStore(t, t.TempDir(), NewLocalEmbedder())
	for _, q := range []Query{
		{Text: "", K: 5},
		{Text: "   ", K: 5},
		{Text: "x", K: 0},
		{Text: "x", K: MaxK + 1},
		{Text: "x", K: 5, Scope: "my server"},
		{Text: strings.Repeat("x", maxQueryChars+1), K: 5},
	} {
		if _, err := st.Search(context.Background(), q); !errors.Is(err, ErrBadQuery) {
			t.Errorf("%+v: got %v, want ErrBadQuery", q, err)
		}
	}
	// The limit counts characters, as its message says: 700 CJK characters
	// (2100 bytes) are well within it.
	cjk := strings.Repeat("自行车道", 175)
	if _, err := st.Search(context.Background(), Query{Text: cjk, K: 5}); err != nil {
		t.Errorf("a %d-character question in Chinese: %v", len([]rune(cjk)), err)
	}
}

func TestAddUpdatesInPlace(t *testing.T) {
	st := openTestStore(t, t.TempDir(), NewLocalEmbedder())
	orig := addAll(t, st, GlobalScope, testArticles()[:1])[0]
	again, status, err := st.Add(context.Background(), testArticles()[0], GlobalScope)
	if err != nil || status != Unchanged || again.ID != orig.ID {
		t.Fatalf("same article again: got %s %v %v, want unchanged", status, again, err)
	}
	edited := testArticles()[0]
	edited.Paragraphs[1] = "Construction will begin in October and cost $5 million."
	got, status, err := st.Add(context.Background(), edited, GlobalScope)
	if err != nil || status != Updated || got.ID != orig.ID {
		t.Fatalf("edited article: got %s %v, want updated with id %s", status, err, orig.ID)
	}
	if st.lib.Len() != 1 {
		t.Errorf("library has %d articles, want 1", st.lib.Len())
	}
	hits, _ := st.Search(context.Background(), Query{Text: "construction October", K: 1})
	if len(hits) != 1 || hits[0].Text != edited.Paragraphs[1] {
		t.Errorf("search serves stale text: %v", hits)
	}
	// The same article in another server is a separate copy.
	if _, status, _ := st.Add(context.Background(), testArticles()[0], "999"); status != Added {
		t.Errorf("same URL in another scope: got %s, want added", status)
	}
}

// The index is reconciled with the article files at start-up: edits made
// while the bot was down, deleted and new files are all picked up, and only
// changed paragraphs are embedded again.
func TestReconcileWithArticleFiles(t *testing.T) {
	dir := t.TempDir()
	emb := &countingEmbedder{Embedder: NewLocalEmbedder()}
	st, _, err := OpenStore(context.Background(), dir, emb, StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	arts := addAll(t, st, GlobalScope, testArticles())
	st.Close()
	if emb.texts.Load() != 6 {
		t.Fatalf("embedded %d texts, want 6", emb.texts.Load())
	}

	// While the bot is down: edit one paragraph, delete one article, add one.
	edited := *arts[0]
	edited.Paragraphs = append([]string(nil), arts[0].Paragraphs...)
	edited.Paragraphs[2] = "Shop owners on Main Street now welcome the lanes, a survey found."
	data, _ := MarshalArticle(&edited)
	os.WriteFile(filepath.Join(dir, "articles", edited.ID+".md"), data, 0o644)
	os.Remove(filepath.Join(dir, "articles", arts[1].ID+".md"))
	added := &Article{ID: "hand-written-1", Title: "Ferry Service Resumes", Scope: GlobalScope, LoadedAt: time.Now(),
		Paragraphs: []string{"The island ferry resumed service on Friday after repairs to its engine."}}
	data, _ = MarshalArticle(added)
	os.WriteFile(filepath.Join(dir, "articles", added.ID+".md"), data, 0o644)

	emb.texts.Store(0)
	st, stats, err := OpenStore(context.Background(), dir, emb, StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if got := emb.texts.Load(); got != 2 {
		t.Errorf("re-embedded %d paragraphs, want 2 (the edited one and the new one)", got)
	}
	if stats.Reindexed != 2 || stats.Removed != 1 {
		t.Errorf("stats: %+v, want 2 reindexed, 1 removed", stats)
	}
	for _, fusion := range []Fusion{fusionBM25, fusionVectors} {
		st.ix.opts.Fusion = fusion
		hits, _ := st.Search(context.Background(), Query{Text: "shop owners welcome the lanes survey", K: 10})
		if len(hits) == 0 || hits[0].Text != edited.Paragraphs[2] {
			t.Errorf("fusion %d: edited paragraph not served: %v", fusion, ids(hits))
		}
		hits, _ = st.Search(context.Background(), Query{Text: "reservoir lawn watering tomato", K: 10})
		for _, h := range hits {
			if h.Article.ID == arts[1].ID {
				t.Errorf("fusion %d: deleted article still served: %s", fusion, h.ID())
			}
		}
		hits, _ = st.Search(context.Background(), Query{Text: "island ferry engine", K: 1})
		if len(hits) == 0 || hits[0].Article.ID != added.ID {
			t.Errorf("fusion %d: new file not served: %v", fusion, ids(hits))
		}
	}
}

func TestEmbedderChangeReembedsEverything(t *testing.T) {
	dir := t.TempDir()
	st := openTestStore(t, dir, NewLocalEmbedder())
	addAll(t, st, GlobalScope, testArticles())
	st.Close()
	emb := &countingEmbedder{Embedder: renamedEmbedder{NewLocalEmbedder()}}
	st2 := openTestStore(t, dir, emb)
	if got := emb.texts.Load(); got != 6 {
		t.Errorf("embedded %d paragraphs after the embedder changed, want all 6", got)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "index", "vectors-*.bin"))
	if len(files) != 1 || !strings.Contains(files[0], "renamed") {
		t.Errorf("vector files: %v, want only the new embedder's", files)
	}
	if st2.ix.Embedder().Model != "renamed" {
		t.Errorf("index embedder: %v", st2.ix.Embedder())
	}
}

// A crash in the middle of writing vectors leaves a torn record; the next
// start drops it and embeds those paragraphs again.
func TestTornVectorFileIsRepaired(t *testing.T) {
	dir := t.TempDir()
	st := openTestStore(t, dir, NewLocalEmbedder())
	addAll(t, st, GlobalScope, testArticles())
	st.Close()
	files, _ := filepath.Glob(filepath.Join(dir, "index", "vectors-*.bin"))
	fi, _ := os.Stat(files[0])
	os.Truncate(files[0], fi.Size()-100) // the last record is cut
	f, _ := os.OpenFile(files[0], os.O_APPEND|os.O_WRONLY, 0)
	f.Write([]byte("garbage after the tear"))
	f.Close()

	emb := &countingEmbedder{Embedder: NewLocalEmbedder()}
	st2 := openTestStore(t, dir, emb)
	if got := emb.texts.Load(); got != 1 {
		t.Errorf("re-embedded %d paragraphs, want 1 (the torn one)", got)
	}
	hits, err := st2.Search(context.Background(), Query{Text: "autumn rains refill the reservoir", K: 1, Scope: GlobalScope})
	if err != nil || len(hits) == 0 || hits[0].Paragraph != 3 {
		t.Errorf("after repair: %v %v", ids(hits), err)
	}
}

func TestReindexRebuilds(t *testing.T) {
	dir := t.TempDir()
	emb := &countingEmbedder{Embedder: NewLocalEmbedder()}
	st := openTestStore(t, dir, emb)
	addAll(t, st, GlobalScope, testArticles())
	emb.texts.Store(0)
	stats, err := st.Reindex(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if stats.Paragraphs != 6 || emb.texts.Load() != 6 {
		t.Errorf("reindex: %+v, embedded %d, want 6 paragraphs re-embedded", stats, emb.texts.Load())
	}
	hits, _ := st.Search(context.Background(), Query{Text: "bike lanes cost", K: 1})
	if len(hits) != 1 {
		t.Errorf("search after reindex: %v", hits)
	}
}

// Compaction drops the vectors of texts no longer in the library and keeps
// the others, across a reopen.
func TestVectorCompaction(t *testing.T) {
	dir := t.TempDir()
	info := EmbedderInfo{Provider: "test", Model: "m", Dimensions: 4}
	vs, err := openVectorStore(dir, info, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	var keys []textKey
	var vecs [][]float32
	for i := range 3000 {
		keys = append(keys, keyOf(fmt.Sprint("paragraph ", i)))
		vecs = append(vecs, []float32{float32(i), 1, 2, 3})
	}
	if err := vs.put(keys, vecs); err != nil {
		t.Fatal(err)
	}
	live := map[textKey]bool{}
	for _, k := range keys[:1000] {
		live[k] = true
	}
	if err := vs.compact(live); err != nil {
		t.Fatal(err)
	}
	if err := vs.put([]textKey{keyOf("after")}, [][]float32{{9, 9, 9, 9}}); err != nil {
		t.Fatal(err)
	}
	vs.close()
	vs, err = openVectorStore(dir, info, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer vs.close()
	for i, k := range keys {
		v, ok := vs.get(k)
		if ok != (i < 1000) || ok && v[0] != float32(i) {
			t.Fatalf("vector %d after compaction: %v %v", i, v, ok)
		}
	}
	if v, ok := vs.get(keyOf("after")); !ok || v[0] != 9 {
		t.Error("a vector written after compaction was lost")
	}
	if vs.records != 1001 {
		t.Errorf("%d records in the file, want 1001", vs.records)
	}
}
