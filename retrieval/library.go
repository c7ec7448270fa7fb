package retrieval

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// library is the set of article files in one folder, one file per article,
// and the source of truth for everything else: the indexes are derived from
// it. Writes are atomic (temporary file, fsync, rename), so a crash leaves
// either the old or the new article, never half of one.
type library struct {
	dir    string
	logger *slog.Logger

	mu       sync.RWMutex
	articles map[string]*Article
	hashes   map[string]string // article id → ContentHash of its paragraphs
}

// articleExt is the file name extension of article files.
const articleExt = ".md"

// openLibrary reads every article file in dir, creating dir if needed. A
// file that cannot be read is logged and skipped, so one bad file never keeps
// the bot from starting. Temporary files of interrupted writes are left
// alone: they may belong to another process at work (LockFolder removes
// them when they cannot).
func openLibrary(dir string, logger *slog.Logger) (*library, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("open library: %w", err)
	}
	return readLibrary(dir, logger)
}

// ReadArticles returns the articles of the files in dir that scope may see
// ("" for all, see library.List), newest first. It reads them as
// openLibrary does but writes nothing: a missing dir holds no articles.
// Article files are replaced atomically, so it needs no lock.
func ReadArticles(dir, scope string, logger *slog.Logger) ([]*Article, error) {
	lib, err := readLibrary(dir, logger)
	if err != nil {
		return nil, err
	}
	return lib.List(scope), nil
}

// readLibrary reads every article file in dir as openLibrary does, but
// writes nothing: a missing dir is an empty library.
func readLibrary(dir string, logger *slog.Logger) (*library, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	l := &library{dir: dir, logger: logger, articles: map[string]*Article{}, hashes: map[string]string{}}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return l, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open library: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, articleExt) {
			continue
		}
		a, err := readArticleFile(filepath.Join(dir, name))
		if err != nil {
			logger.Warn("skipping unreadable article file", "file", name, "err", err)
			continue
		}
		if want := a.ID + articleExt; name != want {
			logger.Warn("skipping article file whose name does not match its id", "file", name, "id", a.ID)
			continue
		}
		l.articles[a.ID] = a
		l.hashes[a.ID] = ContentHash(a.Paragraphs)
	}
	return l, nil
}

func readArticleFile(path string) (*Article, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadArticle(f)
}

// Get returns the article with the given id, or ErrNotFound.
func (l *library) Get(id string) (*Article, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	a, ok := l.articles[id]
	if !ok {
		return nil, fmt.Errorf("article %s: %w", id, ErrNotFound)
	}
	return a, nil
}

// List returns the articles visible in scope (GlobalScope sees only global
// articles, a guild sees its own and the global ones; "" lists every
// article), newest first.
func (l *library) List(scope string) []*Article {
	l.mu.RLock()
	out := make([]*Article, 0, len(l.articles))
	for _, a := range l.articles {
		if scope == "" || visibleTo(a.Scope, scope) {
			out = append(out, a)
		}
	}
	l.mu.RUnlock()
	slices.SortFunc(out, func(a, b *Article) int {
		if c := b.date().Compare(a.date()); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// Len returns the number of articles in the library.
func (l *library) Len() int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return len(l.articles)
}

// visibleTo reports whether an article of scope articleScope can be seen from
// scope viewer: its own guild's articles and the global ones.
func visibleTo(articleScope, viewer string) bool {
	return articleScope == GlobalScope || articleScope == viewer
}

// Find returns the stored article in scope that has the same URL as a, or,
// when a has no URL, the same text. It returns nil when there is none.
func (l *library) Find(a *Article) *Article {
	hash := ContentHash(a.Paragraphs)
	l.mu.RLock()
	defer l.mu.RUnlock()
	for _, b := range l.articles {
		if b.Scope != a.Scope {
			continue
		}
		if a.URL != "" && b.URL == a.URL {
			return b
		}
		if a.URL == "" && l.hashes[b.ID] == hash {
			return b
		}
	}
	return nil
}

// Put writes a to its file, replacing any earlier version, and returns once
// the file is safely on disk.
func (l *library) Put(a *Article) error {
	data, err := MarshalArticle(a)
	if err != nil {
		return err
	}
	if err := WriteFileAtomic(filepath.Join(l.dir, a.ID+articleExt), data); err != nil {
		return fmt.Errorf("save article %s: %w", a.ID, err)
	}
	hash := ContentHash(a.Paragraphs)
	l.mu.Lock()
	l.articles[a.ID] = a
	l.hashes[a.ID] = hash
	l.mu.Unlock()
	return nil
}

// Delete removes an article's file. Deleting a missing article returns
// ErrNotFound.
func (l *library) Delete(id string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.articles[id]; !ok {
		return fmt.Errorf("article %s: %w", id, ErrNotFound)
	}
	if err := os.Remove(filepath.Join(l.dir, id+articleExt)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("delete article %s: %w", id, err)
	}
	if err := syncDir(l.dir); err != nil {
		return fmt.Errorf("delete article %s: %w", id, err)
	}
	delete(l.articles, id)
	delete(l.hashes, id)
	return nil
}

// date is the article's publication date, or its load date when unknown.
func (a *Article) date() time.Time {
	if !a.PublishedAt.IsZero() {
		return a.PublishedAt
	}
	return a.LoadedAt
}
