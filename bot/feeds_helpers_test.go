package bot

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/retrieval/fetch"
)

// newFeedClient is a fetcher that may reach the fake news sites on
// 127.0.0.1.
func newFeedClient() *fetch.Client {
	return fetch.NewClient(fetch.Options{AllowPrivate: true, Timeout: 5 * time.Second})
}

// fixture reads one of the fetcher's feed fixtures, replacing {{base}} with
// base so feeds can link to a test server. They are the fetcher's: the
// poller tests read the same feeds the parser tests do.
func fixture(tb testing.TB, name, base string) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "retrieval", "fetch", "testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "{{base}}", base)
}

func newServer(tb testing.TB, h http.Handler) *httptest.Server {
	tb.Helper()
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv
}

// articlePage renders a plain news page with the given headline and paragraphs.
func articlePage(title string, paras ...string) string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + title + "</title>")
	b.WriteString("<meta property=\"og:site_name\" content=\"The Daily Example\"></head><body>")
	b.WriteString("<nav><a href=\"/\">Home</a></nav><article><h1>" + title + "</h1>")
	for _, p := range paras {
		b.WriteString("<p>" + p + "</p>\n")
	}
	b.WriteString("</article><footer>© The Daily Example</footer></body></html>")
	return b.String()
}

// longParagraphs returns n distinct paragraphs of some forty words each.
func longParagraphs(topic string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = topic + " paragraph " + string(rune('A'+i)) + " tells readers what happened, who said what, " +
			"and why the decision matters for the people of the city, in the plain and careful words " +
			"that a local newspaper uses when it explains a complicated story to everyone who lives there."
	}
	return out
}
