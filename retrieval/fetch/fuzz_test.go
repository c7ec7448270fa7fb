package fetch

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkParagraphs fails when a paragraph breaks the Document contract.
func checkParagraphs(t *testing.T, paras []string) {
	t.Helper()
	for i, p := range paras {
		switch {
		case p == "":
			t.Fatalf("paragraph %d is empty", i)
		case strings.TrimFunc(p, isBlank) != p:
			t.Fatalf("paragraph %d is not trimmed: %q", i, p)
		case strings.Contains(p, "\n\n"):
			t.Fatalf("paragraph %d holds a blank line: %q", i, p)
		case !utf8.ValidString(p):
			t.Fatalf("paragraph %d is not valid UTF-8: %q", i, p)
		}
	}
}

func addHTMLSeeds(f *testing.F) {
	f.Add(fixture(f, "article.html", ""))
	f.Add(fixture(f, "paywall.html", ""))
	f.Add(fixture(f, "notarticle.html", ""))
	f.Add(articlePage("Seed", longParagraphs("Seed", 3)...))
	f.Add("<p>a<br><br>b</p><pre>\n\n\nx</pre><p>&nbsp;\u200b</p>")
	f.Add("<table><tr><td><p>cell</p></td><td></td></tr></table>")
	f.Add("<div><div><div><p>" + strings.Repeat("word ", 100) + "</p></div></div></div>")
	f.Add("<html><body><article><p>\xff\xfe broken utf-8 \xc3</p></article></body></html>")
	f.Add("<svg><p>foreign</p></svg><math><p>x</p></math><template><p>t</p></template>")
	f.Add(strings.Repeat("<div>", 2000) + "deep" + strings.Repeat("</div>", 2000))
}

// FuzzReadHTML feeds arbitrary pages through the whole HTML path: no panic, and every paragraph
// of an accepted article is non-empty, trimmed and free of blank lines.
func FuzzReadHTML(f *testing.F) {
	addHTMLSeeds(f)
	f.Fuzz(func(t *testing.T, page string) {
		doc, err := ReadHTML(context.Background(), []byte(page), "https://news.example.com/a")
		if err != nil {
			if !errors.Is(err, ErrNotArticle) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if len(doc.Paragraphs) < minParagraphs {
			t.Fatalf("accepted an article of %d paragraphs", len(doc.Paragraphs))
		}
		checkParagraphs(t, doc.Paragraphs)
	})
}

// FuzzFragmentParagraphs covers the path feed item content takes, which skips readability.
func FuzzFragmentParagraphs(f *testing.F) {
	addHTMLSeeds(f)
	f.Add(`<p>Read more: <a href="/x">x</a></p><figure><figcaption>Photo: AP</figcaption></figure>`)
	f.Fuzz(func(t *testing.T, fragment string) {
		checkParagraphs(t, fragmentParagraphs(fragment))
	})
}

// FuzzReadPDF checks that malformed PDFs end in an error, never a panic, and that accepted ones
// keep the paragraph contract.
func FuzzReadPDF(f *testing.F) {
	f.Add(articlePDF())
	f.Add(buildPDF(nil, [][]pdfText{{{72, 700, 11, "one line"}}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := ReadPDF(context.Background(), data)
		if err != nil {
			return
		}
		checkParagraphs(t, doc.Paragraphs)
	})
}
