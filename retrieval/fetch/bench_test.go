package fetch

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkReadHTML measures the HTML path without the network: decoding, boilerplate removal,
// readability and paragraph building, in this process ("typical", "5MB") and as the bot runs it,
// in a parser process of its own ("typical-isolated": the difference is what a process costs).
func BenchmarkReadHTML(b *testing.B) {
	typical := fixture(b, "article.html", "")
	b.Run("typical", func(b *testing.B) {
		benchReadHTML(b, typical)
	})
	b.Run("5MB", func(b *testing.B) {
		benchReadHTML(b, bigPage(5<<20))
	})
	b.Run("typical-isolated", func(b *testing.B) {
		b.SetBytes(int64(len(typical)))
		for b.Loop() {
			if _, err := ReadHTML(context.Background(), []byte(typical), "https://news.example.com/a"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func benchReadHTML(b *testing.B, page string) {
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := readPage(b, page, "https://news.example.com/a"); err != nil {
			b.Fatal(err)
		}
	}
}

// bigPage builds a page of about size bytes: a long article with sections, lists and quotes,
// wrapped in navigation, related boxes and comments, as a live blog or a long report would be.
func bigPage(size int) string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>Live: the long report</title>` +
		`<meta property="og:site_name" content="The Daily Example"></head><body>` +
		`<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav><main><article><h1>Live: the long report</h1>`)
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, `<section class="entry"><h2>Update %d</h2>`, i)
		for _, p := range longParagraphs(fmt.Sprintf("Update %d", i), 4) {
			fmt.Fprintf(&b, "<p>%s “quoted” — %d.</p>\n", p, i)
		}
		fmt.Fprintf(&b, `<ul><li>Point one of %d</li><li>Point two of %d</li></ul>`, i, i)
		fmt.Fprintf(&b, `<blockquote><p>“A quote for update %d,” said a spokesperson.</p></blockquote>`, i)
		fmt.Fprintf(&b, `<div class="share-tools"><a href="#">Facebook</a><a href="#">Twitter</a></div></section>`)
	}
	b.WriteString(`</article></main><footer>© The Daily Example</footer></body></html>`)
	return b.String()
}
