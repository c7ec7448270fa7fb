package retrieval

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/philippgille/chromem-go"
)

// IndexedArticle is an article with what a memory index needs of it, as a
// database library stores it: a vector and the analyzed words of each
// paragraph, so filling the index embeds and analyzes nothing.
type IndexedArticle struct {
	Article *Article
	Vectors [][]float32 // one per paragraph, made by the index's embedder
	Terms   [][]byte    // AnalyzeParagraph of each paragraph; nil entries are analyzed here
}

// NewMemoryIndex returns an index held wholly in memory for a library that
// lives in a database: chromem-go collections and an in-memory BM25 index
// (memBM25), filled with Put and kept current with Put and Drop. It embeds
// only questions.
func NewMemoryIndex(emb Embedder, opts IndexOptions) *Index {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	info := emb.Info()
	if opts.VectorWeight == 0 {
		opts.VectorWeight = neuralVectorWeight
		if info.Provider == "local" {
			opts.VectorWeight = localVectorWeight
		}
	}
	return &Index{
		emb: emb, logger: opts.Logger, mem: newMemBM25(), opts: opts,
		articles: map[string]*Article{}, colls: map[string]*chromem.Collection{},
		db: chromem.NewDB(), scan: info.Provider != "local",
	}
}

// Put adds articles to a memory index or replaces their earlier versions.
// Calls of Put and Drop take turns (the caller keeps them apart).
func (ix *Index) Put(ctx context.Context, arts []IndexedArticle) error {
	if ix.mem == nil {
		return fmt.Errorf("put: the index is not a memory index")
	}
	in := make([]memInput, len(arts))
	dims := ix.emb.Info().Dimensions
	for i, ia := range arts {
		a := ia.Article
		if len(ia.Vectors) != len(a.Paragraphs) || len(ia.Terms) != len(a.Paragraphs) {
			return fmt.Errorf("put %s: %d paragraphs, %d vectors, %d analyses", a.ID, len(a.Paragraphs), len(ia.Vectors), len(ia.Terms))
		}
		terms, copied := ia.Terms, false
		for j, t := range terms {
			if len(ia.Vectors[j]) != dims {
				return fmt.Errorf("put %s: a vector of %d dimensions, want %d", a.ID, len(ia.Vectors[j]), dims)
			}
			if t == nil {
				if !copied {
					terms, copied = append([][]byte(nil), terms...), true
				}
				terms[j] = AnalyzeParagraph(a.Paragraphs[j])
			}
		}
		in[i] = memInput{id: a.ID, scope: a.Scope, title: a.Title, terms: terms}
	}
	// BM25 and the vectors fill at once: a process's start-up is mostly this.
	bm25 := make(chan error, 1)
	go func() { bm25 <- ix.mem.put(in) }()
	if err := ix.putVectors(ctx, arts); err != nil {
		<-bm25
		return err
	}
	return <-bm25
}

// putVectors adds the articles' vectors to their scopes' collections and
// the articles to the index.
func (ix *Index) putVectors(ctx context.Context, arts []IndexedArticle) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, ia := range arts {
		a := ia.Article
		ix.dropVectors(ctx, ix.articles[a.ID])
		c, err := ix.collection(a.Scope)
		if err != nil {
			return err
		}
		for j, v := range ia.Vectors {
			if isZero(v) {
				continue
			}
			doc := chromem.Document{ID: ParagraphID(a.ID, j+1), Metadata: map[string]string{"article": a.ID}, Embedding: v}
			if err := c.AddDocument(ctx, doc); err != nil {
				return fmt.Errorf("add vectors of %s: %w", a.ID, err)
			}
		}
		ix.articles[a.ID] = a
	}
	return nil
}

// Drop takes articles out of a memory index; ids it does not hold are
// ignored.
func (ix *Index) Drop(ctx context.Context, ids ...string) {
	if ix.mem == nil {
		return
	}
	ix.mem.drop(ids)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, id := range ids {
		ix.dropVectors(ctx, ix.articles[id])
		delete(ix.articles, id)
	}
}

// Articles returns the indexed articles that scope may see ("" for all), in
// no particular order.
func (ix *Index) Articles(scope string) []*Article {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	out := make([]*Article, 0, len(ix.articles))
	for _, a := range ix.articles {
		if scope == "" || visibleTo(a.Scope, scope) {
			out = append(out, a)
		}
	}
	return out
}

// collection returns the chromem-go collection of scope, creating it;
// ix.mu must be held for writing.
func (ix *Index) collection(scope string) (*chromem.Collection, error) {
	if c := ix.colls[scope]; c != nil {
		return c, nil
	}
	if ix.db == nil {
		ix.db = chromem.NewDB()
	}
	c, err := ix.db.GetOrCreateCollection(scope, nil, ix.noEmbed)
	if err != nil {
		return nil, err
	}
	ix.colls[scope] = c
	return c, nil
}
