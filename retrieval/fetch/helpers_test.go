package fetch

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// newTestClient returns a client that may reach 127.0.0.1, with a short timeout.
func newTestClient(tb testing.TB, opts Options) *Client {
	tb.Helper()
	opts.AllowPrivate = true
	if opts.Timeout == 0 {
		opts.Timeout = 5 * time.Second
	}
	return NewClient(opts)
}

// fixture reads testdata/name, replacing {{base}} with base so feeds can link to a test server.
func fixture(tb testing.TB, name, base string) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "{{base}}", base)
}

// serve answers every request with body and content type.
func serve(contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.Write([]byte(body))
	}
}

// newServer starts an httptest server on 127.0.0.1 and closes it when the test ends.
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
