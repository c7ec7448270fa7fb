// Package retrieval holds newsbot's library of articles and the search over
// their paragraphs: the article model, text import and paragraph splitting,
// the article files on disk, the embedders, the chromem-go and BM25 indexes,
// hybrid search and its evaluation.
package retrieval

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// GlobalScope is the scope of articles every server and DM can see. Any other
// scope is a Discord guild id and is visible in that guild only.
const GlobalScope = "global"

// Limits that keep one article from swamping the library or a prompt.
const (
	// maxParagraphs is the most paragraphs one article may have.
	maxParagraphs = 2000
	// MaxParagraphBytes is the longest a single paragraph may be.
	MaxParagraphBytes = 20000
)

// ErrNotFound is returned when an article or paragraph does not exist.
var ErrNotFound = errors.New("not found")

// Article is one news article in the library. Its paragraphs are numbered
// from 1, as a reader counts them; paragraph n is Paragraphs[n-1].
type Article struct {
	ID    string
	Title string
	URL   string
	// FetchedFrom records where the text was read from: the address fetched,
	// after redirects, for a page or a PDF; the feed's address for an item
	// whose text the feed carried; "file:NAME" for a file. It may differ
	// from URL, the article's own address as its page declares it, only
	// within one registrable domain. Empty for articles stored before it was
	// recorded, or imported as text.
	FetchedFrom string
	Source      string // the outlet, e.g. "The Moscow Times"
	Author      string
	PublishedAt time.Time // zero when unknown
	LoadedAt    time.Time
	Scope       string // GlobalScope or a guild id
	Paragraphs  []string
}

// ParagraphID names paragraph n (1-based) of an article: "<article id>#<n>".
func ParagraphID(articleID string, n int) string {
	return articleID + "#" + strconv.Itoa(n)
}

// parseParagraphID splits a paragraph id into its article id and number.
func parseParagraphID(id string) (articleID string, n int, err error) {
	i := strings.LastIndexByte(id, '#')
	if i <= 0 {
		return "", 0, fmt.Errorf("paragraph id %q: missing '#'", id)
	}
	n, err = strconv.Atoi(id[i+1:])
	if err != nil || n < 1 {
		return "", 0, fmt.Errorf("paragraph id %q: bad paragraph number", id)
	}
	return id[:i], n, nil
}

var (
	idPattern    = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,119}$`)
	guildPattern = regexp.MustCompile(`^[0-9]{1,20}$`)
)

// validScope reports whether s is GlobalScope or a Discord guild id.
func validScope(s string) bool {
	return s == GlobalScope || guildPattern.MatchString(s)
}

// CheckScope returns an error naming the problem when s is not a valid scope.
func CheckScope(s string) error {
	if !validScope(s) {
		return fmt.Errorf("unknown scope %q: use %q or a Discord server id", s, GlobalScope)
	}
	return nil
}

// Validate checks that the article can be stored and indexed.
func (a *Article) Validate() error {
	if !idPattern.MatchString(a.ID) {
		return fmt.Errorf("article id %q: use lowercase letters, digits and dashes", a.ID)
	}
	if err := CheckScope(a.Scope); err != nil {
		return err
	}
	if strings.TrimSpace(a.Title) == "" {
		return errors.New("article has no headline")
	}
	if len(a.Paragraphs) == 0 {
		return errors.New("article has no paragraphs")
	}
	if len(a.Paragraphs) > maxParagraphs {
		return fmt.Errorf("article has %d paragraphs, more than the %d allowed", len(a.Paragraphs), maxParagraphs)
	}
	for i, p := range a.Paragraphs {
		switch {
		case strings.TrimSpace(p) == "":
			return fmt.Errorf("paragraph %d is empty", i+1)
		case len(p) > MaxParagraphBytes:
			return fmt.Errorf("paragraph %d is %d bytes long, more than the %d allowed", i+1, len(p), MaxParagraphBytes)
		case strings.ContainsAny(p, "\n\r"):
			return fmt.Errorf("paragraph %d spans several lines", i+1)
		case !utf8.ValidString(p):
			return fmt.Errorf("paragraph %d is not valid UTF-8 text", i+1)
		}
	}
	for _, f := range []struct{ name, v string }{{"title", a.Title}, {"url", a.URL}, {"fetched_from", a.FetchedFrom}, {"source", a.Source}, {"author", a.Author}} {
		if strings.ContainsAny(f.v, "\n\r") {
			return fmt.Errorf("%s spans several lines", f.name)
		}
	}
	return nil
}

// ContentHash identifies an article's text independently of its metadata.
// Re-importing the same text without a URL finds the stored copy by it.
func ContentHash(paragraphs []string) string {
	h := sha256.New()
	for _, p := range paragraphs {
		h.Write([]byte(strings.Join(strings.Fields(p), " ")))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// newID makes a stable, readable article id from the headline and the key
// that identifies the article within its scope (its URL, else its text).
func newID(title, scope, key string) string {
	sum := sha256.Sum256([]byte(scope + "\x00" + key))
	suffix := hex.EncodeToString(sum[:])[:8]
	slug := slugify(title, 60)
	if slug == "" {
		return "article-" + suffix
	}
	return slug + "-" + suffix
}

// slugify lowercases s and keeps its ASCII letters and digits as dash-separated
// words, as many whole words as fit in max bytes.
func slugify(s string, max int) string {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return r >= utf8.RuneSelf || !(unicode.IsLetter(r) || unicode.IsDigit(r))
	})
	var b strings.Builder
	for _, w := range words {
		if b.Len() == 0 {
			if len(w) > max {
				w = w[:max]
			}
		} else {
			if b.Len()+1+len(w) > max {
				break
			}
			b.WriteByte('-')
		}
		b.WriteString(w)
	}
	return b.String()
}
