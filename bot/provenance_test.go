package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/retrieval"
)

// provenancePage is an article page declaring canonical as its address and name as its outlet.
func provenancePage(canonical, name, text string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<!doctype html><html><head><title>Ferry Service Resumes</title>
<meta property="og:site_name" content="%s"><link rel="canonical" href="%s"></head><body><article><h1>Ferry Service Resumes</h1>`, name, canonical)
	for i := range 4 {
		fmt.Fprintf(&b, "<p>%s Paragraph %d tells readers what the operator said about the crossings, the refunds and the second boat due in spring.</p>", text, i+1)
	}
	b.WriteString("</article></body></html>")
	return b.String()
}

// The audit's spoofs: a page from one host that declares another site's article as its
// canonical address, and that outlet's name, is stored under its own address and host; the
// article it claimed keeps its text. A file that claims a stored article's address is refused
// unless a person asks for a reload.
func TestProvenance(t *testing.T) {
	t.Parallel()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/ferry":
			fmt.Fprint(w, provenancePage(srv.URL+"/ferry", "Island Post", "The true text."))
		case "/spoof":
			// Served from "localhost", another site than 127.0.0.1, claiming the article there.
			fmt.Fprint(w, provenancePage(srv.URL+"/ferry", "Island Post", "A forged text."))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	b := loaderBot(t, true)

	rs, err := b.LoadURL(ctx, srv.URL+"/ferry", "42")
	if err != nil {
		t.Fatal(err)
	}
	orig := rs[0].Article
	if orig.FetchedFrom != srv.URL+"/ferry" || orig.Source != "Island Post" {
		t.Fatalf("first load: fetched from %q, source %q", orig.FetchedFrom, orig.Source)
	}

	spoofURL := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/spoof"
	rs, err = b.LoadURL(ctx, spoofURL, "42")
	if err != nil {
		t.Fatal(err)
	}
	if a := rs[0].Article; rs[0].Status != retrieval.Added || a.URL != spoofURL || a.FetchedFrom != spoofURL || a.Source != "localhost" {
		t.Errorf("spoof stored as %s %q from %q (%s), want a new article at its own address, named after its host", rs[0].Status, a.URL, a.FetchedFrom, a.Source)
	}
	if kept, err := b.store.Get(orig.ID); err != nil || !strings.HasPrefix(kept.Paragraphs[0], "The true text.") {
		t.Errorf("the claimed article now reads %q (%v)", kept.Paragraphs[0], err)
	}

	// A saved copy with other text, claiming the same address: refused, then reloaded.
	saved := provenancePage(srv.URL+"/ferry", "Island Post", "An edited text.")
	_, err = b.LoadFile(ctx, "ferry.html", []byte(saved), "42")
	if !errors.Is(err, ErrClaimed) {
		t.Fatalf("file claiming a stored address: got %v, want ErrClaimed", err)
	}
	if msg := b.ErrorMessage(err); !strings.Contains(msg, "“Ferry Service Resumes”") || !strings.Contains(msg, "reload") {
		t.Errorf("message %q", msg)
	}
	r, err := b.ReloadFile(ctx, "ferry.html", []byte(saved), "42")
	if err != nil || r.Status != retrieval.Updated || r.Article.ID != orig.ID || r.Article.FetchedFrom != "file:ferry.html" {
		t.Fatalf("reload: %v %+v", err, r)
	}

	// Fetching the article's own address updates it again, without asking.
	rs, err = b.LoadURL(ctx, srv.URL+"/ferry?utm_source=chat", "42")
	if err != nil || rs[0].Status != retrieval.Updated || !strings.HasPrefix(rs[0].Article.Paragraphs[0], "The true text.") {
		t.Fatalf("load from the article's own site: %v %+v", err, rs)
	}
}

// Each odd address a person may paste gets the sentence for what it is.
func TestLoadURLAddressSentences(t *testing.T) {
	t.Parallel()
	b := loaderBot(t, false)
	private := "That address points into a private or local network, which the bot may not load."
	for raw, want := range map[string]string{
		"http://127.1/":              private,
		"http://0x7f000001/":         private,
		"http://2130706433:8080/a":   private,
		"HTTP://127.0.0.1/":          private,
		"ftp://example.com/a":        "The bot loads only http and https links, not ftp ones.",
		"gopher://example.com/1":     "The bot loads only http and https links, not gopher ones.",
		"file:///etc/passwd":         "That is a file:// address, which names a file on someone's own computer that the bot cannot reach; send the file itself.",
		"https://u:hunter2@10.0.0.1": private,
	} {
		_, err := b.LoadURL(context.Background(), raw, "42")
		if got := b.ErrorMessage(err); got != want {
			t.Errorf("%s: got %q, want %q", raw, got, want)
		}
	}
}
