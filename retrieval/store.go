package retrieval

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"time"
)

// Store is the library and its index together: what the bot and the
// command line use. Writes go to the article file first and then to the
// index, so a crash in between is repaired by the next Open, which
// reconciles the index with the files.
type Store struct {
	lib *Library
	ix  *Index
	now func() time.Time
}

// StoreOptions configure OpenStore.
type StoreOptions struct {
	Logger   *slog.Logger
	Progress func(done, total int) // embedding progress during Open and Add
	Fusion   Fusion
}

// OpenStore opens the library in dataDir/articles and its index in
// dataDir/index, and brings the index up to date with the article files.
func OpenStore(ctx context.Context, dataDir string, emb Embedder, opts StoreOptions) (*Store, SyncStats, error) {
	lib, err := OpenLibrary(filepath.Join(dataDir, "articles"), opts.Logger)
	if err != nil {
		return nil, SyncStats{}, err
	}
	ix, err := OpenIndex(filepath.Join(dataDir, "index"), emb, IndexOptions{Logger: opts.Logger, Progress: opts.Progress, Fusion: opts.Fusion})
	if err != nil {
		return nil, SyncStats{}, err
	}
	st, err := ix.Sync(ctx, lib.List(""))
	if err != nil {
		ix.Close()
		return nil, st, fmt.Errorf("bring the index up to date: %w", err)
	}
	return &Store{lib: lib, ix: ix, now: time.Now}, st, nil
}

// AddStatus says what Add did with an article.
type AddStatus string

// The outcomes of Add.
const (
	Added     AddStatus = "added"
	Updated   AddStatus = "updated"
	Unchanged AddStatus = "unchanged" // already in the library, same text
)

// Add stores an imported article in scope and indexes it. An article with
// the same URL in that scope, or the same text when it has no URL, is
// updated in place and keeps its id; only its changed paragraphs are
// re-embedded. The article returned is the stored one.
func (s *Store) Add(ctx context.Context, a *Article, scope string) (*Article, AddStatus, error) {
	if err := CheckScope(scope); err != nil {
		return nil, "", err
	}
	a = cloneArticle(a)
	a.Scope = scope
	status := Added
	if old := s.lib.Find(a); old != nil {
		a.ID = old.ID
		if sameArticle(old, a) {
			return old, Unchanged, nil
		}
		status = Updated
		fillMissing(a, old)
	} else {
		key := a.URL
		if key == "" {
			key = ContentHash(a.Paragraphs)
		}
		a.ID = NewID(a.Title, scope, key)
	}
	if a.LoadedAt.IsZero() {
		a.LoadedAt = s.now().UTC().Truncate(time.Second)
	}
	if err := a.Validate(); err != nil {
		return nil, "", err
	}
	if err := s.lib.Put(a); err != nil {
		return nil, "", err
	}
	if err := s.ix.Upsert(ctx, a); err != nil {
		return nil, "", fmt.Errorf("index %s (the article is saved and will be indexed at the next start): %w", a.ID, err)
	}
	return a, status, nil
}

// Delete removes an article from the library and the index.
func (s *Store) Delete(ctx context.Context, id string) error {
	if err := s.lib.Delete(id); err != nil {
		return err
	}
	return s.ix.Remove(ctx, id)
}

// Search runs a query against the index.
func (s *Store) Search(ctx context.Context, q Query) ([]Hit, error) { return s.ix.Search(ctx, q) }

// Reindex rebuilds the index from the article files.
func (s *Store) Reindex(ctx context.Context) (SyncStats, error) {
	return s.ix.Rebuild(ctx, s.lib.List(""))
}

// List returns the articles visible in scope (all of them for ""),
// newest first.
func (s *Store) List(scope string) []*Article { return s.lib.List(scope) }

// Len is the number of articles in the library.
func (s *Store) Len() int { return s.lib.Len() }

// Get returns the stored article id.
func (s *Store) Get(id string) (*Article, error) { return s.lib.Get(id) }

// Article returns the article id if scope can see it.
func (s *Store) Article(id, scope string) (*Article, error) { return s.ix.Article(id, scope) }

// Embedder says which embedder made the index's vectors.
func (s *Store) Embedder() EmbedderInfo { return s.ix.Embedder() }

// Terms analyzes text as the BM25 index does.
func (s *Store) Terms(text string) []string { return s.ix.Terms(text) }

// TermWeights returns the BM25 weight of each of text's terms.
func (s *Store) TermWeights(ctx context.Context, text string) (map[string]float64, error) {
	return s.ix.TermWeights(ctx, text)
}

// Close closes the index.
func (s *Store) Close() error { return s.ix.Close() }

func cloneArticle(a *Article) *Article {
	b := *a
	b.Paragraphs = slices.Clone(a.Paragraphs)
	return &b
}

// sameArticle reports whether b would change nothing stored for a.
func sameArticle(a, b *Article) bool {
	return slices.Equal(a.Paragraphs, b.Paragraphs) &&
		(b.Title == "" || a.Title == b.Title) &&
		(b.Source == "" || a.Source == b.Source) &&
		(b.Author == "" || a.Author == b.Author) &&
		(b.PublishedAt.IsZero() || a.PublishedAt.Equal(b.PublishedAt))
}

// fillMissing keeps what the stored version knew and the new one does not.
func fillMissing(a, old *Article) {
	if a.Source == "" {
		a.Source = old.Source
	}
	if a.Author == "" {
		a.Author = old.Author
	}
	if a.PublishedAt.IsZero() {
		a.PublishedAt = old.PublishedAt
	}
	if a.URL == "" {
		a.URL = old.URL
	}
}
