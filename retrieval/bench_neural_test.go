package retrieval

import (
	"fmt"
	"slices"
	"testing"

	"github.com/newsbot/newsbot/bot/modeltest"
)

// benchNeural measures search with neural-size vectors, 384 and 1,536
// dimensions, from a deterministic OpenAI-compatible embedder (the fake
// model server of bot/modeltest: hashed words, unit length), at 10k and
// 126k paragraphs, beside a bare chromem-go query on the same vectors:
//
//	go test -run XXX -bench 'Search/neural' -benchtime 100x -timeout 60m ./retrieval/
//
// Unlike the built-in embedder's linear fusion, which scores BM25's
// candidates by their vectors, a neural embedder's search scans every
// vector of the scope: hybrid is the scan plus BM25 plus fusion. The
// index is a memory index, as a process of the PostgreSQL library holds:
// paragraphs' vectors are computed by modeltest.Embed, the function the
// server answers with, instead of 126k requests; each question is embedded
// through the server by the real go-openai client, as in production.
func benchNeural(b *testing.B) {
	for _, dims := range []int{384, 1536} {
		for _, size := range []struct {
			name string
			n    int
		}{{"10k", 10_000}, {"126k", 126_000}} {
			b.Run(fmt.Sprintf("%d/%s", dims, size.name), func(b *testing.B) {
				ix := neuralIndex(b, dims, size.n)
				ctx := b.Context()
				qs := benchQueries()
				vecs, err := ix.emb.Embed(ctx, qs)
				if err != nil {
					b.Fatal(err)
				}
				ix.mu.RLock()
				c := ix.colls[GlobalScope]
				ix.mu.RUnlock()
				b.Run("hybrid", func(b *testing.B) {
					b.ReportMetric(float64(c.Count()), "vectors")
					for i := 0; b.Loop(); i++ {
						if _, err := ix.Search(ctx, Query{Text: qs[i%len(qs)], K: 10}); err != nil {
							b.Fatal(err)
						}
					}
				})
				b.Run("chromem-query", func(b *testing.B) {
					for i := 0; b.Loop(); i++ {
						if _, err := c.QueryEmbedding(ctx, vecs[i%len(vecs)], 10, nil, nil); err != nil {
							b.Fatal(err)
						}
					}
				})
				// The parts of hybrid: the question's embedding (a request
				// to the server) and the BM25 leg.
				b.Run("embed-question", func(b *testing.B) {
					for i := 0; b.Loop(); i++ {
						if _, err := ix.emb.Embed(ctx, qs[i%len(qs):i%len(qs)+1]); err != nil {
							b.Fatal(err)
						}
					}
				})
				b.Run("bm25", func(b *testing.B) {
					for i := 0; b.Loop(); i++ {
						if _, err := ix.lexical().search(ctx, qs[i%len(qs)], candidatesPerLeg, GlobalScope, ""); err != nil {
							b.Fatal(err)
						}
					}
				})
			})
		}
	}
}

// neuralIndex builds a memory index of a synthetic library of n paragraphs
// with dims-dimensional vectors from the fake model server's embedder.
func neuralIndex(b testing.TB, dims, n int) *Index {
	b.Helper()
	srv := modeltest.New(b)
	srv.SetDimensions(dims)
	emb, err := NewOpenAIEmbedder(b.Context(), srv.Client(), "fake-embed", dims, 0)
	if err != nil {
		b.Fatal(err)
	}
	arts := synthCorpus(b, synthOptions{Paragraphs: n, Seed: benchSeed, GuildShare: benchGuildShare})
	in := make([]IndexedArticle, len(arts))
	for i, a := range arts {
		in[i] = IndexedArticle{Article: a, Vectors: make([][]float32, len(a.Paragraphs)), Terms: make([][]byte, len(a.Paragraphs))}
		for j, p := range a.Paragraphs {
			in[i].Vectors[j] = modeltest.Embed(p, dims)
		}
	}
	ix := NewMemoryIndex(emb, IndexOptions{})
	if err := ix.Put(b.Context(), in); err != nil {
		b.Fatal(err)
	}
	return ix
}

// TestNeuralFusionReusesSimilarities checks what fuseLinear relies on to
// skip fetching the vector leg's candidates: chromem-go's similarity for a
// unit-length question is dot(question, stored vector) to the last bit, so
// hybrid scores are the same as when every candidate's vector is fetched.
func TestNeuralFusionReusesSimilarities(t *testing.T) {
	ix := neuralIndex(t, 384, 2_000)
	ctx := t.Context()
	for _, q := range benchQueries()[:20] {
		v, err := ix.emb.Embed(ctx, []string{q})
		if err != nil {
			t.Fatal(err)
		}
		if !unitLength(v[0]) {
			t.Fatalf("%q: the embedder's vector is not unit length", q)
		}
		vec, err := ix.vectorSearch(ctx, v[0], Query{Text: q, K: 10}, candidatesPerLeg)
		if err != nil {
			t.Fatal(err)
		}
		if len(vec) == 0 {
			t.Fatalf("%q: no vector candidates", q)
		}
		for _, s := range vec {
			id, _, err := parseParagraphID(s.id)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := ix.colls[ix.articles[id].Scope].GetByID(ctx, s.id)
			if err != nil {
				t.Fatal(err)
			}
			if got := float64(dot(v[0], doc.Embedding)); got != s.score {
				t.Fatalf("%q %s: chromem-go's similarity %v, dot %v", q, s.id, s.score, got)
			}
		}
		// And fusion gives every candidate the same score either way.
		lex, err := ix.lexical().search(ctx, q, candidatesPerLeg, GlobalScope, "")
		if err != nil {
			t.Fatal(err)
		}
		fast := ix.fuseLinear(ctx, lex, vec, v[0])
		slow := ix.fuseLinearFetching(ctx, lex, vec, v[0], false)
		if !slices.Equal(fast, slow) {
			t.Fatalf("%q: fusion with the leg's similarities differs from fetching every vector:\n%v\n%v", q, fast[:min(5, len(fast))], slow[:min(5, len(slow))])
		}
	}
}
