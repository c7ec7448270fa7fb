package retrieval

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
)

// SupportedFileTypes lists the file name extensions ImportFile reads.
var SupportedFileTypes = []string{".txt", ".md", ".markdown"}

// ImportFile turns the contents of a file into an article, choosing the
// importer by the file name's extension. A markdown file that starts with
// front matter is read as an article file (as written by the library).
func ImportFile(name string, data []byte) (*Article, error) {
	ext := strings.ToLower(filepath.Ext(name))
	switch ext {
	case ".txt":
		return ImportText(data, false)
	case ".md", ".markdown":
		if bytes.HasPrefix(bytes.TrimPrefix(data, []byte("\ufeff")), []byte("---")) {
			a, err := parseArticle(bytes.TrimPrefix(data, []byte("\ufeff")))
			if err != nil {
				return nil, fmt.Errorf("front matter: %w", err)
			}
			a.Paragraphs = SplitLong(a.Paragraphs)
			a.ID, a.Scope = "placeholder", GlobalScope // assigned when stored
			if err := a.Validate(); err != nil {
				return nil, err
			}
			a.ID, a.Scope = "", ""
			return a, nil
		}
		return ImportText(data, true)
	}
	return nil, fmt.Errorf("%q files are not supported (use %s)", ext, strings.Join(SupportedFileTypes, ", "))
}
