package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/retrieval"
	"github.com/newsbot/newsbot/retrieval/fetch"
)

func loaderBot(t *testing.T, allowPrivate bool) *Bot {
	t.Helper()
	st, _, err := retrieval.OpenStore(context.Background(), t.TempDir(), retrieval.NewLocalEmbedder(), retrieval.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	b, err := New(st, nil, fetch.NewClient(fetch.Options{AllowPrivate: allowPrivate}), Options{FeedItems: 2})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLoadFileTypes(t *testing.T) {
	t.Parallel()
	b := loaderBot(t, false)
	for _, name := range []string{"article.html", "article.pdf"} {
		data, err := os.ReadFile("../retrieval/fetch/testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		r, err := b.LoadFile(context.Background(), name, data, "42")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if r.Status != retrieval.Added || len(r.Article.Paragraphs) < 3 || r.Article.Scope != "42" {
			t.Errorf("%s: %s %+v", name, r.Status, r.Article)
		}
		if r, _ := b.LoadFile(context.Background(), name, data, "42"); r.Status != retrieval.Unchanged {
			t.Errorf("%s again: got %s, want unchanged", name, r.Status)
		}
	}
	_, err := b.LoadFile(context.Background(), "notes.docx", []byte("x"), "42")
	if !errors.Is(err, ErrUnsupportedFile) || !strings.Contains(b.ErrorMessage(err), ".pdf") {
		t.Errorf("docx: %v", err)
	}
	_, err = b.LoadFile(context.Background(), "empty.txt", nil, "42")
	if msg := b.ErrorMessage(err); msg != "The file is empty." {
		t.Errorf("empty file: message %q", msg)
	}
}

const pageHTML = `<!doctype html><html><head><title>Ferry Service Resumes | Island Post</title>
<meta property="og:site_name" content="Island Post"><meta name="author" content="Ann Reed">
<link rel="canonical" href="%s/ferry"></head><body><article><h1>Ferry Service Resumes</h1>
<p>The island ferry resumed service on Friday after three weeks of repairs to its engine, the operator said.</p>
<p>Passengers who bought tickets for cancelled crossings can claim a refund until the end of the month.</p>
<p>The operator said a second boat would join the route in the spring, doubling the number of daily crossings.</p>
<p>Local shops, which lost most of their summer trade while the ferry was out of service, welcomed the news on Friday morning.</p>
</article></body></html>`

func TestLoadURLArticleAndFeed(t *testing.T) {
	t.Parallel()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ferry", "/ferry2":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, pageHTML, srv.URL)
		case "/feed":
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Island Post</title><link>%[1]s</link>
<item><title>Ferry Service Resumes</title><link>%[1]s/ferry2</link><guid>1</guid></item>
<item><title>Gone</title><link>%[1]s/missing</link><guid>2</guid></item>
<item><title>Third</title><link>%[1]s/third</link><guid>3</guid></item>
</channel></rss>`, srv.URL)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	b := loaderBot(t, true)
	rs, err := b.LoadURL(context.Background(), srv.URL+"/ferry", "42")
	if err != nil {
		t.Fatal(err)
	}
	a := rs[0].Article
	if a.Title != "Ferry Service Resumes" || a.Source != "Island Post" || a.URL != srv.URL+"/ferry" || len(a.Paragraphs) != 4 {
		t.Errorf("loaded %+v", a)
	}
	// The feed's first item is the same article under another link; the
	// second is a 404; the third is past FeedItems.
	rs, err = b.LoadURL(context.Background(), srv.URL+"/feed", "42")
	if err == nil || !strings.Contains(err.Error(), "1 of 2 feed items") {
		t.Errorf("feed error: %v", err)
	}
	if len(rs) != 1 {
		t.Errorf("feed loaded %d items, want 1", len(rs))
	}
}

func TestLoadURLRefusesPrivateAddresses(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the private address was fetched")
	}))
	defer srv.Close()
	b := loaderBot(t, false)
	_, err := b.LoadURL(context.Background(), srv.URL+"/admin", "42")
	if msg := b.ErrorMessage(err); !strings.Contains(msg, "private or local network") {
		t.Errorf("got %q", msg)
	}
	_, err = b.LoadURL(context.Background(), "ftp://example.com/x", "42")
	if msg := b.ErrorMessage(err); !strings.Contains(msg, "only http and https") {
		t.Errorf("got %q", msg)
	}
}

func TestForget(t *testing.T) {
	t.Parallel()
	st, seed := testStore(t)
	b, _ := New(st, nil, nil, Options{})
	if _, err := b.Forget(context.Background(), seed.ID, "42"); !errors.Is(err, ErrNotYours) {
		t.Errorf("a guild removing a global article: %v", err)
	}
	local, _, _ := st.Add(context.Background(), &retrieval.Article{Title: "Guild Note", Paragraphs: []string{"A note for the guild only."}}, "42")
	if _, err := b.Forget(context.Background(), "guild note", "43"); !errors.Is(err, retrieval.ErrNotFound) {
		t.Errorf("another guild removing it: %v", err)
	}
	if _, err := b.Forget(context.Background(), "guild note", "42"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(local.ID); !errors.Is(err, retrieval.ErrNotFound) {
		t.Errorf("still in the library: %v", err)
	}
}

// A web page whose text is one enormous paragraph (a transcript, a live
// blog) loads in parts cut between sentences instead of being refused.
func TestLoadFileSplitsLongParagraphs(t *testing.T) {
	t.Parallel()
	b := loaderBot(t, false)
	var body strings.Builder
	for i := range 300 {
		fmt.Fprintf(&body, "Speaker %d told the hearing that the ferry contract had been signed in a hurry. ", i)
	}
	page := `<!doctype html><html><head><title>Ferry Hearing Transcript</title></head><body><article><h1>Ferry Hearing Transcript</h1><p>` +
		body.String() + `</p><p>The hearing resumes on Monday, the committee said.</p></article></body></html>`
	r, err := b.LoadFile(context.Background(), "hearing.html", []byte(page), "42")
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if n := len(r.Article.Paragraphs); n != 3 {
		t.Fatalf("got %d paragraphs, want the 24 kB one in two parts and the last", n)
	}
	for i, p := range r.Article.Paragraphs {
		if len(p) > retrieval.MaxParagraphBytes || !strings.HasSuffix(p, ".") {
			t.Errorf("paragraph %d: %d bytes, ends %q", i+1, len(p), p[len(p)-10:])
		}
	}
}
