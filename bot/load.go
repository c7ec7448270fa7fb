package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/newsbot/newsbot/retrieval"
	"github.com/newsbot/newsbot/retrieval/fetch"
)

// FileTypes lists the file name extensions LoadFile reads.
var FileTypes = append(slices.Clone(retrieval.SupportedFileTypes), ".html", ".htm", ".pdf")

// ErrUnsupportedFile is returned for a file type newsbot cannot read.
var ErrUnsupportedFile = errors.New("unsupported file type")

// LoadResult says what loading one article did.
type LoadResult struct {
	Article *retrieval.Article
	Status  retrieval.AddStatus
}

// ImportFile reads an article from a file's contents, by the file name's
// extension: plain text and markdown through the text importer, HTML
// through readability, PDF through its text layer. HTML and PDF files are
// read in a bounded parser process (see fetch.Limits), which ctx can stop.
func ImportFile(ctx context.Context, name string, data []byte) (*retrieval.Article, error) {
	return importFile(ctx, nil, name, data)
}

// importFile is ImportFile within the limits of c, or fetch.DefaultLimits
// when c is nil.
func importFile(ctx context.Context, c *fetch.Client, name string, data []byte) (*retrieval.Article, error) {
	readHTML, readPDF := fetch.ReadHTML, fetch.ReadPDF
	if c != nil {
		readHTML, readPDF = c.ReadHTML, c.ReadPDF
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".html", ".htm":
		d, err := readHTML(ctx, data, "")
		if err != nil {
			return nil, err
		}
		return fromDocument(d), nil
	case ".pdf":
		d, err := readPDF(ctx, data)
		if err != nil {
			return nil, err
		}
		return fromDocument(d), nil
	case ".txt", ".md", ".markdown":
		return retrieval.ImportFile(name, data)
	}
	return nil, fmt.Errorf("%w %q: use %s", ErrUnsupportedFile, filepath.Ext(name), strings.Join(FileTypes, ", "))
}

// fromDocument turns a fetched document into an article, tidying the
// paragraphs into the library's one-line form.
func fromDocument(d fetch.Document) *retrieval.Article {
	a := &retrieval.Article{Title: d.Title, URL: d.URL, FetchedFrom: d.FetchedFrom, Source: d.Source, Author: d.Author, PublishedAt: d.PublishedAt}
	for _, p := range d.Paragraphs {
		if p = strings.Join(strings.Fields(p), " "); p != "" {
			a.Paragraphs = append(a.Paragraphs, p)
		}
	}
	if a.Title == "" && len(a.Paragraphs) > 0 {
		a.Title = retrieval.FirstWords(a.Paragraphs[0], 12)
	}
	a.Paragraphs = retrieval.SplitLong(a.Paragraphs)
	return a
}

// RedactURL hides the password of an address written with one, for
// printing and logging: "https://user:secret@host/" gives
// "https://user:xxxxx@host/".
func RedactURL(raw string) string { return fetch.Redact(raw) }

// FileOrigin is an article's FetchedFrom when it was read from the file
// name: "file:" and the name without its folder.
func FileOrigin(name string) string {
	return "file:" + filepath.Base(filepath.ToSlash(name))
}

// LoadFile imports a file's contents and stores the article in scope. A
// stored article with the same address is updated only by a file it was
// read from before (see retrieval.Store.Add); ReloadFile replaces it.
func (b *Bot) LoadFile(ctx context.Context, name string, data []byte, scope string) (LoadResult, error) {
	return b.loadFile(ctx, name, data, scope, false)
}

// ReloadFile is LoadFile asked for by a person who wants the file to
// replace the stored article with the same address, wherever that one was
// read from.
func (b *Bot) ReloadFile(ctx context.Context, name string, data []byte, scope string) (LoadResult, error) {
	return b.loadFile(ctx, name, data, scope, true)
}

func (b *Bot) loadFile(ctx context.Context, name string, data []byte, scope string, replace bool) (LoadResult, error) {
	a, err := importFile(ctx, b.fetcher, name, data)
	if err != nil {
		if errors.Is(err, ErrUnsupportedFile) {
			return LoadResult{}, err
		}
		return LoadResult{}, &InputError{err}
	}
	a.FetchedFrom = cmp.Or(a.FetchedFrom, FileOrigin(name))
	return b.add(ctx, a, scope, replace)
}

// LoadURL fetches a web address and stores what it holds in scope: an
// article page or PDF becomes one article; a feed loads its newest items
// (up to Options.FeedItems). Items that fail are skipped and reported in
// the error, which is nil when all loaded. A stored article is updated only
// by text from its own site or origin (see retrieval.Store.Add); ReloadURL
// replaces it.
func (b *Bot) LoadURL(ctx context.Context, rawURL, scope string) ([]LoadResult, error) {
	return b.loadURL(ctx, rawURL, scope, false)
}

// ReloadURL is LoadURL asked for by a person who wants what the address
// holds to replace the stored articles with the same addresses, wherever
// those were read from.
func (b *Bot) ReloadURL(ctx context.Context, rawURL, scope string) ([]LoadResult, error) {
	return b.loadURL(ctx, rawURL, scope, true)
}

func (b *Bot) loadURL(ctx context.Context, rawURL, scope string, replace bool) ([]LoadResult, error) {
	if b.fetcher == nil {
		return nil, errors.New("loading from the web is not configured")
	}
	if err := retrieval.CheckScope(scope); err != nil {
		return nil, err
	}
	res, err := b.fetcher.Fetch(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	if res.Kind == fetch.KindArticle {
		r, err := b.add(ctx, fromDocument(res.Document), scope, replace)
		if err != nil {
			return nil, err
		}
		return []LoadResult{r}, nil
	}
	items := res.Feed.Items
	if len(items) > b.opts.FeedItems {
		items = items[:b.opts.FeedItems]
	}
	var out []LoadResult
	var errs []error
	for _, it := range items {
		doc, err := b.fetcher.ItemDocument(ctx, res.Feed, it, 150)
		if err == nil {
			var r LoadResult
			if r, err = b.add(ctx, fromDocument(doc), scope, replace); err == nil {
				out = append(out, r)
				continue
			}
		}
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		errs = append(errs, fmt.Errorf("%s: %w", cmp.Or(it.Link, it.Title), err))
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("%d of %d feed items could not be loaded: %w", len(errs), len(items), errors.Join(errs...))
	}
	return out, nil
}

// loadDocument stores an already fetched document, as the feed poller
// delivers them.
func (b *Bot) loadDocument(ctx context.Context, d fetch.Document, scope string) (LoadResult, error) {
	return b.add(ctx, fromDocument(d), scope, false)
}

func (b *Bot) add(ctx context.Context, a *retrieval.Article, scope string, replace bool) (LoadResult, error) {
	add := b.store.Add
	if replace {
		add = b.store.Replace
	}
	stored, status, err := add(ctx, a, scope)
	if err != nil {
		return LoadResult{}, err
	}
	b.log.Info("article loaded", "id", stored.ID, "status", status, "scope", scope, "paragraphs", len(stored.Paragraphs))
	return LoadResult{Article: stored, Status: status}, nil
}

// Forget removes an article that scope can see and owns. The global
// library can only be changed from the terminal.
func (b *Bot) Forget(ctx context.Context, ref, scope string) (*retrieval.Article, error) {
	a, err := b.FindArticle(ref, scope)
	if err != nil {
		return nil, err
	}
	if a.Scope != scopeOr(scope) {
		return nil, fmt.Errorf("%w: %q belongs to the shared library", ErrNotYours, a.Title)
	}
	if err := b.store.Delete(ctx, a.ID); err != nil {
		return nil, err
	}
	b.log.Info("article forgotten", "id", a.ID, "scope", scope)
	return a, nil
}

// ErrNotYours is returned when a server tries to change the shared library.
var ErrNotYours = errors.New("this server can't remove that article")
