package retrieval

import (
	"bytes"
	"cmp"
	"fmt"
	"path/filepath"
	"strings"
)

// SupportedFileTypes lists the file name extensions ImportFile reads.
var SupportedFileTypes = []string{".txt", ".md", ".markdown"}

// ImportFile turns the contents of a file into an article, choosing the
// importer by the file name's extension. A text or markdown file may start
// with front matter, as the library's own article files do (see
// articlefile.go): between two "---" lines, "key: value" lines for title,
// url, source, author and published_at. With a title, the paragraphs after
// it are taken as they are, one per run of lines; without one, the text
// after it is imported like any pasted text and the front matter's values
// win over what the text's header says. id, scope and loaded_at are
// assigned when the article is stored.
func ImportFile(name string, data []byte) (*Article, error) {
	ext := strings.ToLower(filepath.Ext(name))
	markdown := ext == ".md" || ext == ".markdown"
	if !markdown && ext != ".txt" {
		return nil, fmt.Errorf("%q files are not supported (use %s)", ext, strings.Join(SupportedFileTypes, ", "))
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !hasFrontMatter(data) {
		return ImportText(data, markdown)
	}
	a, err := parseArticle(data)
	if err != nil {
		return nil, fmt.Errorf("front matter: %w", err)
	}
	if strings.TrimSpace(a.Title) == "" {
		if a, err = importBody(a, afterFrontMatter(data), markdown); err != nil {
			return nil, err
		}
	}
	a.Paragraphs = SplitLong(a.Paragraphs)
	a.ID, a.Scope = "placeholder", GlobalScope // assigned when stored
	if err := a.Validate(); err != nil {
		return nil, err
	}
	a.ID, a.Scope = "", ""
	return a, nil
}

// hasFrontMatter reports whether data starts with a line of three dashes.
func hasFrontMatter(data []byte) bool {
	first, _, _ := bytes.Cut(data, []byte("\n"))
	return string(bytes.TrimSpace(first)) == "---"
}

// afterFrontMatter returns the text after the front matter's closing line.
func afterFrontMatter(data []byte) []byte {
	_, rest, _ := bytes.Cut(data, []byte("\n")) // the opening line
	for len(rest) > 0 {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		if string(bytes.TrimSpace(line)) == "---" {
			return rest
		}
	}
	return nil
}

// importBody imports the text after front matter that names no title, and
// lets the front matter's values win over what the text says.
func importBody(fm *Article, body []byte, markdown bool) (*Article, error) {
	a, err := ImportText(body, markdown)
	if err != nil {
		return nil, err
	}
	a.URL = cmp.Or(fm.URL, a.URL)
	a.Source = cmp.Or(fm.Source, a.Source)
	a.Author = cmp.Or(fm.Author, a.Author)
	if !fm.PublishedAt.IsZero() {
		a.PublishedAt = fm.PublishedAt
	}
	a.LoadedAt = fm.LoadedAt
	return a, nil
}
