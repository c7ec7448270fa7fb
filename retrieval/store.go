package retrieval

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/newsbot/newsbot/retrieval/site"
)

// Backend keeps a Store's articles, the source of truth, and the index it
// searches: the article files under data/ (the default, OpenStore) or a
// PostgreSQL database that a fleet of processes shares (retrieval/postgres).
type Backend interface {
	// Upsert stores the article merge makes of a and of the stored article
	// a would replace: the one of the same scope with a's URL or, when a
	// has no URL, with a's text (nil when there is none). Finding that
	// article and writing merge's result is one step that no other writer
	// interleaves with; merge may be called again if the step is retried.
	// When merge returns nil nothing is written and Upsert returns the
	// stored article. A result whose id differs from the stored article's
	// replaces it. Upsert returns once the article is durable and, if this
	// process searches the article's scope, searchable.
	Upsert(ctx context.Context, a *Article, merge func(old *Article) (*Article, error)) (*Article, error)
	// Delete removes an article; a missing one gives ErrNotFound.
	Delete(ctx context.Context, id string) error
	// List returns the articles scope may see ("" for all) from the source
	// of truth, in no particular order.
	List(ctx context.Context, scope string) ([]*Article, error)
	// Index is the search index of the scopes this process serves.
	Index() *Index
	// Reindex rebuilds what the index derives from the articles.
	Reindex(ctx context.Context) (SyncStats, error)
	Close() error
}

// Store is the library and its index together: what the bot and the
// command line use, whatever Backend keeps the articles.
type Store struct {
	// lib and ix are the article files and their index when the store was
	// opened by OpenStore (for tests); nil with another backend.
	lib *library
	ix  *Index

	backend Backend
	now     func() time.Time
}

// StoreOptions configure OpenStore.
type StoreOptions struct {
	Logger   *slog.Logger
	Progress func(done, total int) // embedding progress during Open and Add
	Fusion   Fusion
	// Rebuild discards the index, whatever state it is in, and builds it
	// again from the article files.
	Rebuild bool
	// ReadOnly opens the store for reading: the folder is shared with other
	// readers and nothing is written, unless the index must be repaired;
	// then the store takes the folder for writing, or, when the folder
	// cannot be written, indexes the articles in a temporary folder.
	ReadOnly bool
	// Lock says how long to wait for other processes using the folder and
	// what to tell them; its Shared field is set from ReadOnly.
	Lock LockOptions
}

// NewStore returns a store over a backend.
func NewStore(b Backend) *Store {
	s := &Store{backend: b, now: time.Now}
	if fb, ok := b.(*fileBackend); ok {
		s.lib, s.ix = fb.lib, fb.ix
	}
	return s
}

// OpenStore opens the library in dataDir/articles and its index in
// dataDir/index, and brings the index up to date with the article files.
// It holds the data folder (see LockFolder) until Close.
func OpenStore(ctx context.Context, dataDir string, emb Embedder, opts StoreOptions) (*Store, SyncStats, error) {
	return openStore(ctx, dataDir, emb, opts)
}

// JoinStore is a store over an index that the caller has opened and
// brought up to date, and the article files in libDir (created if need be).
// Benchmarks use it to answer over an index synced from a corpus that is
// not a folder of article files.
func JoinStore(ix *Index, libDir string) (*Store, error) {
	lib, err := openLibrary(libDir, nil)
	if err != nil {
		return nil, err
	}
	return NewStore(&fileBackend{lib: lib, ix: ix}), nil
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
//
// An article is replaced only by text from its own origin (see sameOrigin):
// fetched from its address or its site, or read from where it was read
// from before. Text whose FetchedFrom shows it merely claims the stored
// article's URL (a file, a feed on another site) fails with a
// *claimedError and changes nothing; Replace stores it when a person asks
// for that.
func (s *Store) Add(ctx context.Context, a *Article, scope string) (*Article, AddStatus, error) {
	return s.add(ctx, a, scope, false)
}

// Replace is Add for an explicit reload: it replaces the stored article
// with the same URL whatever the new text's origin.
func (s *Store) Replace(ctx context.Context, a *Article, scope string) (*Article, AddStatus, error) {
	return s.add(ctx, a, scope, true)
}

func (s *Store) add(ctx context.Context, a *Article, scope string, replace bool) (*Article, AddStatus, error) {
	if err := CheckScope(scope); err != nil {
		return nil, "", err
	}
	in := cloneArticle(a)
	in.Scope = scope
	var status AddStatus
	stored, err := s.backend.Upsert(ctx, in, func(old *Article) (*Article, error) {
		a := cloneArticle(in)
		status = Added
		if old != nil {
			a.ID = old.ID
			if sameArticle(old, a) {
				status = Unchanged
				return nil, nil
			}
			if !replace && a.URL != "" && !sameOrigin(old, a) {
				return nil, &claimedError{Title: old.Title, URL: old.URL, From: a.FetchedFrom}
			}
			status = Updated
			fillMissing(a, old)
		} else {
			key := a.URL
			if key == "" {
				key = ContentHash(a.Paragraphs)
			}
			a.ID = newID(a.Title, scope, key)
		}
		if a.LoadedAt.IsZero() {
			a.LoadedAt = s.now().UTC().Truncate(time.Second)
		}
		return a, a.Validate()
	})
	if err != nil {
		return nil, "", err
	}
	return stored, status, nil
}

// Import stores an article exactly as given, id and dates included, as
// `newsbot import` moves a library between backends. It replaces the
// article with the same URL (or text) in its scope.
func (s *Store) Import(ctx context.Context, a *Article) (*Article, AddStatus, error) {
	if err := a.Validate(); err != nil {
		return nil, "", err
	}
	in := cloneArticle(a)
	var status AddStatus
	stored, err := s.backend.Upsert(ctx, in, func(old *Article) (*Article, error) {
		switch {
		case old == nil:
			status = Added
		case old.ID == in.ID && sameArticle(old, in) && old.URL == in.URL && old.LoadedAt.Equal(in.LoadedAt):
			status = Unchanged
			return nil, nil
		default:
			status = Updated
		}
		return cloneArticle(in), nil
	})
	if err != nil {
		return nil, "", err
	}
	return stored, status, nil
}

// Prepare embeds the texts that have no vector yet, in batches as large as
// the embeddings endpoint takes, and returns how many it embedded. Loading
// many articles calls it first: each Add then finds its vectors stored
// instead of embedding one article's paragraphs a request.
func (s *Store) Prepare(ctx context.Context, texts []string) (int, error) {
	if p, ok := s.backend.(preparer); ok {
		return p.Prepare(ctx, texts)
	}
	return 0, nil
}

// preparer is a Backend that can embed ahead of Upsert.
type preparer interface {
	Prepare(ctx context.Context, texts []string) (int, error)
}

// Delete removes an article from the library and the index.
func (s *Store) Delete(ctx context.Context, id string) error { return s.backend.Delete(ctx, id) }

// Search runs a query against the index.
func (s *Store) Search(ctx context.Context, q Query) ([]Hit, error) {
	return s.backend.Index().Search(ctx, q)
}

// List returns the articles scope may see ("" for all) among those this
// process searches, newest first.
func (s *Store) List(scope string) []*Article {
	out := s.backend.Index().Articles(scope)
	sortNewest(out)
	return out
}

// ListAll returns the articles scope may see ("" for all) from the source of
// truth, newest first, whichever scopes this process searches.
func (s *Store) ListAll(ctx context.Context, scope string) ([]*Article, error) {
	out, err := s.backend.List(ctx, scope)
	sortNewest(out)
	return out, err
}

// Article returns an article by id, if scope may see it ("" for any).
func (s *Store) Article(id, scope string) (*Article, error) {
	return s.backend.Index().Article(id, scope)
}

// Get returns an article this process searches by id, whatever its scope.
func (s *Store) Get(id string) (*Article, error) { return s.backend.Index().Article(id, "") }

// Len returns the number of articles this process searches.
func (s *Store) Len() int { return len(s.backend.Index().Articles("")) }

// Terms analyzes text as the BM25 index does.
func (s *Store) Terms(text string) []string { return s.backend.Index().Terms(text) }

// TermWeights returns the content terms of text with their inverse document
// frequencies (see Index.TermWeights).
func (s *Store) TermWeights(ctx context.Context, text string) (map[string]float64, error) {
	return s.backend.Index().termWeights(ctx, text)
}

// TermStats returns TermWeights and the terms the library has never seen.
func (s *Store) TermStats(ctx context.Context, text string) (map[string]float64, map[string]bool, error) {
	return s.backend.Index().TermStats(ctx, text)
}

// DocFreqs returns the number of paragraphs and how many hold each term
// of text (see Index.DocFreqs).
func (s *Store) DocFreqs(ctx context.Context, text string) (uint64, map[string]uint64, error) {
	return s.backend.Index().DocFreqs(ctx, text)
}

// Embedder names the embedder whose vectors the index holds.
func (s *Store) Embedder() EmbedderInfo { return s.backend.Index().Embedder() }

// Reindex rebuilds the index from the articles.
func (s *Store) Reindex(ctx context.Context) (SyncStats, error) { return s.backend.Reindex(ctx) }

// Close closes the backend.
func (s *Store) Close() error { return s.backend.Close() }

func sortNewest(list []*Article) {
	slices.SortFunc(list, func(a, b *Article) int {
		if c := b.date().Compare(a.date()); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

// fileBackend is the default Backend: article files and their index on
// disk, in one process.
type fileBackend struct {
	mu  sync.Mutex // one Upsert or Delete at a time
	lib *library
	ix  *Index

	lock   *FolderLock // the data folder, held until Close
	tmpDir string      // an index built outside a read-only data folder
}

func (f *fileBackend) Upsert(ctx context.Context, a *Article, merge func(old *Article) (*Article, error)) (*Article, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	old := f.lib.Find(a)
	b, err := merge(old)
	if err != nil || b == nil {
		return old, err
	}
	if err := f.lib.Put(b); err != nil {
		return nil, err
	}
	if old != nil && old.ID != b.ID {
		if err := f.lib.Delete(old.ID); err != nil {
			return nil, err
		}
		if err := f.ix.remove(ctx, old.ID); err != nil {
			return nil, err
		}
	}
	if err := f.ix.upsert(ctx, b); err != nil {
		return nil, fmt.Errorf("index %s (the article is saved and will be indexed at the next start): %w", b.ID, err)
	}
	return b, nil
}

func (f *fileBackend) Delete(ctx context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.lib.Delete(id); err != nil {
		return err
	}
	return f.ix.remove(ctx, id)
}

func (f *fileBackend) List(ctx context.Context, scope string) ([]*Article, error) {
	return f.lib.List(scope), ctx.Err()
}

func (f *fileBackend) Index() *Index { return f.ix }

func (f *fileBackend) Prepare(ctx context.Context, texts []string) (int, error) {
	return f.ix.prepare(ctx, texts)
}

func (f *fileBackend) Reindex(ctx context.Context) (SyncStats, error) {
	return f.ix.rebuild(ctx, f.lib.List(""))
}

// Close closes the index and releases the data folder.
func (f *fileBackend) Close() error {
	err := f.ix.Close()
	if f.tmpDir != "" {
		os.RemoveAll(f.tmpDir)
	}
	if uerr := f.lock.Unlock(); err == nil {
		err = uerr
	}
	return err
}

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

// sameOrigin reports whether b's text comes from where a's did: fetched
// from a's own address or another page of its site (a link with tracking
// parameters, whose page names a's address as its canonical one), or from
// the place a itself was read from. Text that records no origin is the
// caller's own (a library import, a benchmark corpus): every load of a
// page, a feed item or a file records one.
func sameOrigin(a, b *Article) bool {
	from := b.FetchedFrom
	if from == "" {
		return true
	}
	web := strings.HasPrefix(from, "https://") || strings.HasPrefix(from, "http://")
	return sameAddress(from, a.URL) || sameAddress(from, a.FetchedFrom) || (web && site.Same(from, a.URL))
}

// sameAddress compares two addresses as a reader would: scheme and host
// case, a default port, a trailing slash and the fragment do not matter.
func sameAddress(x, y string) bool {
	if x == "" || y == "" {
		return false
	}
	nx, ny := normalAddress(x), normalAddress(y)
	return nx == ny
}

func normalAddress(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.TrimSuffix(strings.TrimSuffix(strings.ToLower(u.Host), ":80"), ":443")
	u.Fragment, u.RawFragment = "", ""
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	if u.Scheme == "http" {
		u.Scheme = "https"
	}
	return u.String()
}

// ErrClaimed is matched by a *claimedError.
var ErrClaimed = errors.New("an article with that address is already stored, read from elsewhere")

// claimedError refuses text that claims a stored article's address without
// coming from it: a page on one site that names another site's article as
// its own canonical address, or a file or feed that carries a stored
// article's link. Replacing the article needs an explicit reload.
type claimedError struct {
	Title string // the stored article's
	URL   string // its address
	From  string // where the refused text was read from
}

func (e *claimedError) Error() string {
	return fmt.Sprintf("text read from %q claims %s, where %q is stored", e.From, e.URL, e.Title)
}

// UserMessage says what was kept and how to replace it.
func (e *claimedError) UserMessage() string {
	return fmt.Sprintf("The library already has “%s” at that address, read from elsewhere, so it was left as it is; to replace it with this, load it again as a reload", e.Title)
}

// Is makes errors.Is(err, ErrClaimed) true.
func (e *claimedError) Is(target error) bool { return target == ErrClaimed }

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
	if a.FetchedFrom == "" {
		a.FetchedFrom = old.FetchedFrom
	}
}
