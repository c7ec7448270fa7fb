package bot

import (
	"context"

	"github.com/newsbot/newsbot/retrieval"
)

// Article is a stored article. Adapters see articles through bot, which
// lends them retrieval's type as it is: an adapter reads its fields and
// never reaches the library itself.
type Article = retrieval.Article

// AddStatus says what loading an article did to the library.
type AddStatus = retrieval.AddStatus

// The outcomes of loading an article.
const (
	Added     = retrieval.Added
	Updated   = retrieval.Updated
	Unchanged = retrieval.Unchanged
)

// GlobalScope is the shared library that every server and the terminal see.
const GlobalScope = retrieval.GlobalScope

// MaxFileBytes is the largest file LoadFile reads.
const MaxFileBytes = retrieval.MaxFileBytes

// Articles returns the articles scope can see, newest first. It reads
// memory only, so an adapter may call it where it must answer at once
// (Discord's autocomplete).
func (b *Bot) Articles(scope string) []*Article { return b.store.List(scope) }

// SearchArticles returns the articles, best first, whose paragraphs best
// match query among those scope can see: at most one entry per article,
// from the best k paragraphs.
func (b *Bot) SearchArticles(ctx context.Context, query, scope string, k int) ([]*Article, error) {
	hits, err := b.store.Search(ctx, retrieval.Query{Text: query, K: k, Scope: scope})
	if err != nil {
		return nil, err
	}
	var out []*Article
	seen := map[string]bool{}
	for _, h := range hits {
		if !seen[h.Article.ID] {
			seen[h.Article.ID] = true
			out = append(out, h.Article)
		}
	}
	return out, nil
}
