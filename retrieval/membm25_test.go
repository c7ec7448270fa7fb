package retrieval

import (
	"context"
	"math"
	"testing"

	index "github.com/blevesearch/bleve_index_api"
)

// memFromArticles builds a memory index of articles with emb's vectors.
func memFromArticles(t testing.TB, emb Embedder, arts []*Article) *Index {
	t.Helper()
	ix := NewMemoryIndex(emb, IndexOptions{})
	if err := ix.Put(context.Background(), indexed(t, emb, arts)); err != nil {
		t.Fatal(err)
	}
	return ix
}

func indexed(t testing.TB, emb Embedder, arts []*Article) []IndexedArticle {
	t.Helper()
	out := make([]IndexedArticle, len(arts))
	for i, a := range arts {
		vecs, err := emb.Embed(context.Background(), a.Paragraphs)
		if err != nil {
			t.Fatal(err)
		}
		terms := make([][]byte, len(a.Paragraphs))
		for j, p := range a.Paragraphs {
			if j%2 == 0 { // half stored, half analyzed by Put
				terms[j] = AnalyzeParagraph(p)
			}
		}
		out[i] = IndexedArticle{Article: a, Vectors: vecs, Terms: terms}
	}
	return out
}

// sameScores fails unless two BM25 rankings give every paragraph they both
// rank the same score, and the same scores in the same order (paragraphs of
// equal score may be ordered differently by the two indexes).
func sameScores(t *testing.T, what string, got, want []scored, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d results, want %d", what, len(got), len(want))
	}
	byID := map[string]float64{}
	for _, s := range want {
		byID[s.id] = s.score
	}
	for i := range got {
		if d := math.Abs(got[i].score - want[i].score); d > tol*want[i].score {
			t.Fatalf("%s: result %d scores %v, want %v", what, i+1, got[i].score, want[i].score)
		}
		if w, ok := byID[got[i].id]; ok && math.Abs(got[i].score-w) > tol*w {
			t.Fatalf("%s: %s scores %v, want %v", what, got[i].id, got[i].score, w)
		}
	}
}

// TestMemBM25ScoresAsBleve: the in-memory BM25 index gives the scores of
// the bleve one, field by field, for every scope and for one article.
func TestMemBM25ScoresAsBleve(t *testing.T) {
	arts := synthCorpus(t, synthOptions{Paragraphs: 800, Seed: 7, GuildShare: 0.3})
	emb := synthEmbedder{dims: 8}
	st := openTestStore(t, t.TempDir(), emb)
	addAll(t, st, "", nil)
	if _, err := st.ix.Sync(context.Background(), arts); err != nil {
		t.Fatal(err)
	}
	mem := memFromArticles(t, emb, arts)
	ctx := context.Background()
	queries := synthQueries(16, 7)
	// One field at a time: the word-pair field's average length is exact
	// here and estimated in the bleve index's manifest, so its scores
	// differ by that ratio alone.
	for f := range bm25Fields {
		t.Run(bm25Fields[f].field, func(t *testing.T) {
			old := bm25Fields
			t.Cleanup(func() { bm25Fields = old })
			for g := range bm25Fields {
				if g != f {
					bm25Fields[g].weight = 0
				}
			}
			if bm25Fields[f].weight == 0 {
				t.Skip("the field does not count")
			}
			const tol = 1e-9
			for _, q := range queries {
				for _, scope := range []string{GlobalScope, synthGuilds[0]} {
					want, err := st.ix.bm25.search(ctx, q, 100, scope, "")
					if err != nil {
						t.Fatal(err)
					}
					got, err := mem.mem.search(ctx, q, 100, scope, "")
					if err != nil {
						t.Fatal(err)
					}
					sameScores(t, q+" in "+scope, got, want, tol)
				}
				want, _ := st.ix.bm25.search(ctx, q, 20, "", arts[3].ID)
				got, _ := mem.mem.search(ctx, q, 20, "", arts[3].ID)
				sameScores(t, q+" in one article", got, want, tol)
			}
		})
	}
}

// TestMemBM25WordPairs: every word pair of the bleve index's pair field is
// found in the same paragraphs, as often, by walking word sequences.
func TestMemBM25WordPairs(t *testing.T) {
	t.Parallel()
	arts := synthCorpus(t, synthOptions{Paragraphs: 200, Seed: 3})
	arts[0].Paragraphs[0] = "The minister's visit, and the minister's plan: the visit of a minister's minister."
	emb := synthEmbedder{dims: 8}
	st := openTestStore(t, t.TempDir(), emb)
	if _, err := st.ix.Sync(context.Background(), arts); err != nil {
		t.Fatal(err)
	}
	mem := memFromArticles(t, emb, arts).mem
	r, _, err := st.ix.bm25.reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	dict, err := r.FieldDict("bigrams")
	if err != nil {
		t.Fatal(err)
	}
	defer dict.Close()
	pairs := 0
	for {
		e, err := dict.Next()
		if err != nil {
			t.Fatal(err)
		}
		if e == nil {
			break
		}
		a, b, ok := cutPair(e.Term)
		ia, ok1 := mem.dict[a]
		ib, ok2 := mem.dict[b]
		if !ok || !ok1 || !ok2 {
			t.Fatalf("pair %q: words unknown to the memory index", e.Term)
		}
		found := mem.pairPostings([2]uint32{ia, ib})
		if uint64(len(found)) != e.Count {
			t.Fatalf("pair %q in %d paragraphs, want %d", e.Term, len(found), e.Count)
		}
		tfr, err := r.TermFieldReader(context.Background(), []byte(e.Term), "bigrams", true, false, false)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]uint64{}
		for {
			d, err := tfr.Next(&index.TermFieldDoc{})
			if err != nil {
				t.Fatal(err)
			}
			if d == nil {
				break
			}
			id, _ := r.ExternalID(d.ID)
			want[id] = d.Freq
		}
		for _, p := range found {
			doc := mem.docs[p.doc]
			id := ParagraphID(mem.arts[doc.art].id, int(doc.n))
			if uint64(p.tf) != want[id] {
				t.Fatalf("pair %q: %s ×%d, want ×%d", e.Term, id, p.tf, want[id])
			}
		}
		tfr.Close()
		pairs++
	}
	if pairs < 500 {
		t.Fatalf("only %d word pairs checked", pairs)
	}
}

func cutPair(term string) (string, string, bool) {
	for i := 0; i < len(term); i++ {
		if term[i] == ' ' {
			return term[:i], term[i+1:], true
		}
	}
	return "", "", false
}

// TestMemoryIndexPutAndDrop: an index kept current by replacing and
// dropping articles scores as one built from the final articles at once,
// through compactions.
func TestMemoryIndexPutAndDrop(t *testing.T) {
	t.Parallel()
	emb := NewLocalEmbedder()
	arts := synthCorpus(t, synthOptions{Paragraphs: 600, Seed: 11, GuildShare: 0.2})
	ix := memFromArticles(t, emb, arts)
	ctx := context.Background()
	final := map[string]*Article{}
	for _, a := range arts {
		final[a.ID] = a
	}
	// Replace every third article with an edited version, drop every
	// fifth, and move one to another scope.
	for i, a := range arts {
		switch {
		case i%5 == 0:
			ix.Drop(ctx, a.ID)
			delete(final, a.ID)
		case i%3 == 0:
			b := cloneArticle(a)
			b.Paragraphs = append(b.Paragraphs[1:], "A new closing paragraph about the harbour authority.")
			b.Title += " (updated)"
			if i == 3 {
				b.Scope = synthGuilds[1]
			}
			if err := ix.Put(ctx, indexed(t, emb, []*Article{b})); err != nil {
				t.Fatal(err)
			}
			final[b.ID] = b
		}
	}
	ix.Drop(ctx, "no-such-article")
	var rest []*Article
	for _, a := range arts {
		if b, ok := final[a.ID]; ok {
			rest = append(rest, b)
		}
	}
	fresh := memFromArticles(t, emb, rest)
	if got, want := len(ix.Articles("")), len(rest); got != want {
		t.Fatalf("%d articles, want %d", got, want)
	}
	for _, q := range append(synthQueries(10, 11), "harbour authority closing paragraph") {
		for _, scope := range []string{GlobalScope, synthGuilds[1]} {
			want, err := fresh.Search(ctx, Query{Text: q, K: 10, Scope: scope})
			if err != nil {
				t.Fatal(err)
			}
			got, err := ix.Search(ctx, Query{Text: q, K: 10, Scope: scope})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%q: %d hits, want %d", q, len(got), len(want))
			}
			for i := range got {
				// Equal up to float32 rounding of the cosine part:
				// chromem-go renormalizes vectors as it stores them.
				if got[i].ID() != want[i].ID() || math.Abs(got[i].Score-want[i].Score) > 1e-6*want[i].Score {
					t.Fatalf("%q in %s: hit %d %s scores %v, want %s %v", q, scope, i+1, got[i].ID(), got[i].Score, want[i].ID(), want[i].Score)
				}
			}
		}
	}
}
