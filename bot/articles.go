package bot

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

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

// ArticleFacts is the one way an article is told apart in a list or a
// receipt: its outlet, its date and how many paragraphs it holds ("Moscow
// Times, 18 Oct 2023, 13 paragraphs"), leaving out what it does not know.
// escape prepares the outlet's name for the adapter's markup (nil for
// plain text).
func ArticleFacts(a *Article, escape func(string) string) string {
	var facts []string
	if a.Source != "" {
		if escape != nil {
			facts = append(facts, escape(a.Source))
		} else {
			facts = append(facts, a.Source)
		}
	}
	if !a.PublishedAt.IsZero() {
		facts = append(facts, a.PublishedAt.Format("2 Jan 2006"))
	}
	n := strconv.Itoa(len(a.Paragraphs)) + " paragraphs"
	if len(a.Paragraphs) == 1 {
		n = "1 paragraph"
	}
	return strings.Join(append(facts, n), ", ")
}

// Articles returns the articles scope can see, newest first. It reads
// memory only, so an adapter may call it where it must answer at once
// (Discord's autocomplete).
func (b *Bot) Articles(scope string) []*Article { return b.store.List(scope) }

// SuggestArticles returns up to n articles scope can see that match what a
// person typed: first those whose headline or outlet holds every typed
// word, newest first, then those whose text BM25 ranks best for it. Empty
// text lists the newest articles. The text is searched with BM25 alone,
// with no embeddings call, so an adapter may call it where it must answer
// within a deadline (Discord's autocomplete); when ctx ends first, the
// headline matches found so far are returned without an error.
func (b *Bot) SuggestArticles(ctx context.Context, typed, scope string, n int) ([]*Article, error) {
	if n <= 0 {
		return nil, nil
	}
	out := headlineMatches(b.store.List(scope), typed, n)
	if len(out) == n || strings.TrimSpace(typed) == "" {
		return out, nil
	}
	hits, err := b.store.Search(ctx, retrieval.Query{Text: typed, K: min(retrieval.MaxK, 4*n), Scope: scope, Lexical: true})
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		return out, nil
	case errors.Is(err, retrieval.ErrBadQuery):
		return out, nil // text too long or empty once read: the headlines are all there is
	case err != nil:
		return out, err
	}
	seen := map[string]bool{}
	for _, a := range out {
		seen[a.ID] = true
	}
	for _, h := range hits {
		if len(out) == n {
			break
		}
		if !seen[h.Article.ID] {
			seen[h.Article.ID] = true
			out = append(out, h.Article)
		}
	}
	return out, nil
}

// headlineMatches returns up to n of list (newest first) whose headline or
// outlet contains every word of typed, case aside.
func headlineMatches(list []*Article, typed string, n int) []*Article {
	words := strings.Fields(strings.ToLower(typed))
	var out []*Article
	for _, a := range list {
		hay := strings.ToLower(a.Title + " " + a.Source)
		if !slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(hay, w) }) {
			out = append(out, a)
			if len(out) == n {
				break
			}
		}
	}
	return out
}

// LibrarySize is how much one scope's own library holds.
type LibrarySize struct{ Articles, Paragraphs int }

// LibrarySizes returns the size of each scope's own library (the shared
// one under GlobalScope) among the scopes this process searches. It reads
// memory only, so a metrics scrape may call it.
func (b *Bot) LibrarySizes() map[string]LibrarySize {
	out := map[string]LibrarySize{}
	for _, a := range b.store.List("") {
		s := out[a.Scope]
		s.Articles++
		s.Paragraphs += len(a.Paragraphs)
		out[a.Scope] = s
	}
	return out
}
