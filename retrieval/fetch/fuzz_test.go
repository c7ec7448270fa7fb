package fetch

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
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

// Fuzzing runs the parsers in this process, as the parser process does, so that what the
// in-process checks miss shows up as a failure instead of being caught by the process limits.
// Each input gets the parsers' own deadline (fuzzLimits) and a watchdog (hangAfter): an input
// that outlives the watchdog is a loop that neither reads the file nor looks at the clock, and
// fails the fuzzer with every goroutine's stack.
const hangAfter = 10 * time.Second

// fuzzLimits are the default limits with a short deadline, so that inputs that run into it do
// not slow the fuzzer down for long.
var fuzzLimits = Limits{Timeout: 2 * time.Second}

// withinDeadline runs fn and fails t when it has not returned within hangAfter.
func withinDeadline(t *testing.T, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	timer := time.NewTimer(hangAfter)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		buf := make([]byte, 1<<20)
		t.Fatalf("still running after %s:\n%s", hangAfter, buf[:runtime.Stack(buf, true)])
	}
}

// checkRefused fails unless err is a refusal the person is told about in a sentence.
func checkRefused(t *testing.T, err error) {
	t.Helper()
	var le *limitError
	if !errors.Is(err, errNotArticle) && !errors.As(err, &le) {
		t.Fatalf("unexpected error kind: %v", err)
	}
}

// FuzzReadHTML feeds arbitrary pages through the whole HTML path: no panic, no hang, every
// failure a refusal, and every paragraph of an accepted article non-empty, trimmed and free of
// blank lines.
func FuzzReadHTML(f *testing.F) {
	addHTMLSeeds(f)
	base, _ := url.Parse("https://news.example.com/a")
	f.Fuzz(func(t *testing.T, page string) {
		var (
			doc Document
			err error
		)
		withinDeadline(t, func() { doc, err = readHTML(context.Background(), []byte(page), "", base, fuzzLimits) })
		if err != nil {
			checkRefused(t, err)
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
		var paras []string
		withinDeadline(t, func() { paras = fragmentParagraphs(fragment) })
		checkParagraphs(t, paras)
	})
}

// FuzzReadPDF checks that malformed PDFs end in a refusal, never a panic or a hang, and that
// accepted ones keep the paragraph contract. The hostile corpus seeds it, but for the file built
// to exhaust memory, which only the parser process's rlimit stops.
func FuzzReadPDF(f *testing.F) {
	f.Add(articlePDF())
	f.Add(buildPDF(nil, [][]pdfText{{{72, 700, 11, "one line"}}}))
	for _, d := range hostileCorpus() {
		if strings.HasSuffix(d.name, ".pdf") && d.refusal != limitMemory {
			if data, err := os.ReadFile(filepath.Join(hostileDir, d.name)); err == nil && len(data) <= 128<<10 {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var (
			doc Document
			err error
		)
		withinDeadline(t, func() { doc, err = readPDF(context.Background(), data, fuzzLimits) })
		if err != nil {
			checkRefused(t, err)
			return
		}
		checkParagraphs(t, doc.Paragraphs)
	})
}
