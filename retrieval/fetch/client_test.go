package fetch

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// wantArticle is what testdata/article.html must give: the story's own paragraphs, headings and
// list items in order, with the caption, credit, related box, cookie banner, share buttons,
// newsletter boxes, "Read more" teaser, navigation and footers gone, and typography intact.
var wantArticleParagraphs = []string{
	"The harbour bridge reopened to traffic on Tuesday morning, two years after engineers closed it when inspectors found corrosion in the cables that hold up its main span.",
	"“We promised the city a safer bridge, and today we are keeping that promise,” said the mayor, Ana Lopez, as the first buses crossed shortly after 6 a.m.",
	"The repair cost €48 million — about a third more than planned — and replaced all 112 suspension cables, the deck joints and the lighting along both footpaths.",
	"Commuters return",
	"For the 40,000 people who crossed the river each day before the closure, the reopening ends a long detour through the tunnel and the ring road.",
	"“It used to take me twenty minutes to get to work. For two years it took an hour,” said Tom Reyes, a nurse who lives on the north shore.",
	"City officials said the bridge would carry traffic in both directions at once, but that lorries over 18 tonnes would stay banned until the autumn. Three things change for drivers:",
	"The speed limit drops to 40 km/h.",
	"Cyclists get a separated lane on the east side.",
	"Tolls stay suspended until 1 June.",
	"The council will review the weight limit in September, after a second round of load tests.",
}

func TestFetchArticle(t *testing.T) {
	var userAgent atomic.Value
	mux := http.NewServeMux()
	mux.HandleFunc("/2024/story", func(w http.ResponseWriter, r *http.Request) {
		userAgent.Store(r.UserAgent())
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, fixture(t, "article.html", ""))
	})
	mux.Handle("/old-link", http.RedirectHandler("/2024/story", http.StatusMovedPermanently))
	srv := newServer(t, mux)

	c := newTestClient(t, Options{UserAgent: "newsbot-test"})
	res, err := c.Fetch(t.Context(), srv.URL+"/old-link")
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if res.Kind != KindArticle {
		t.Fatalf("got kind %v, want article", res.Kind)
	}
	if got, want := res.URL, srv.URL+"/2024/story"; got != want {
		t.Errorf("got final URL %q, want %q", got, want)
	}
	want := Document{
		Title:       "Harbour bridge reopens after two-year repair",
		URL:         srv.URL + "/2024/03/12/harbour-bridge-reopens", // relative canonical, resolved
		FetchedFrom: srv.URL + "/2024/story",                        // after the redirect
		Source:      "The Daily Example",
		Author:      "Jane Doe",
		PublishedAt: time.Date(2024, 3, 12, 9, 30, 0, 0, time.UTC),
		Paragraphs:  wantArticleParagraphs,
	}
	if diff := cmp.Diff(want, res.Document); diff != "" {
		t.Errorf("document mismatch (-want +got):\n%s", diff)
	}
	if got := userAgent.Load(); got != "newsbot-test" {
		t.Errorf("server saw User-Agent %q, want newsbot-test", got)
	}
}

func TestFetchURLWithoutCanonical(t *testing.T) {
	page := articlePage("Storm warning for the coast", longParagraphs("Storm", 3)...)
	mux := http.NewServeMux()
	mux.Handle("/storm", serve("text/html", page))
	mux.Handle("/s", http.RedirectHandler("/storm", http.StatusFound))
	srv := newServer(t, mux)

	res, err := newTestClient(t, Options{}).Fetch(t.Context(), srv.URL+"/s")
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if got, want := res.Document.URL, srv.URL+"/storm"; got != want {
		t.Errorf("got URL %q, want the final URL %q", got, want)
	}
	if got, want := res.Document.Paragraphs, longParagraphs("Storm", 3); !cmp.Equal(got, want) {
		t.Errorf("got paragraphs %q, want %q", got, want)
	}
}

func TestFetchRedirectLimit(t *testing.T) {
	// /hop/N redirects to /hop/N-1; /hop/0 is the article.
	page := articlePage("Redirected", longParagraphs("Redirect", 3)...)
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscanf(r.URL.Path, "/hop/%d", &n)
		if n == 0 {
			serve("text/html", page)(w, r)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/hop/%d", n-1), http.StatusFound)
	}))
	tests := []struct {
		name    string
		max     int
		hops    int
		wantErr error
	}{
		{"default allows five", 0, 5, nil},
		{"default refuses six", 0, 6, errTooManyRedirects},
		{"custom cap", 2, 3, errTooManyRedirects},
		{"no redirects at all", -1, 1, errTooManyRedirects},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, Options{MaxRedirects: tt.max})
			_, err := c.Fetch(t.Context(), fmt.Sprintf("%s/hop/%d", srv.URL, tt.hops))
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("got %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestFetchRefusesPrivateAddresses(t *testing.T) {
	var hits atomic.Int32
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		serve("text/html", articlePage("Secret", longParagraphs("Secret", 3)...))(w, r)
	}))
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	c := NewClient(Options{Timeout: 5 * time.Second}) // the guard is on
	for _, u := range []string{
		srv.URL,
		fmt.Sprintf("http://localhost:%d/", port),
		fmt.Sprintf("http://[::ffff:127.0.0.1]:%d/", port),
	} {
		_, err := c.Fetch(t.Context(), u)
		if !errors.Is(err, ErrBlockedAddress) {
			t.Errorf("Fetch(%s): got %v, want ErrBlockedAddress", u, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("server got %d requests, want none", n)
	}
}

// TestFetchRedirectToBlockedAddress follows a redirect from an allowed server (127.0.0.1) to a
// blocked one (127.0.0.2): the check runs at connection time, so the redirect cannot escape it.
func TestFetchRedirectToBlockedAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	var innerHits atomic.Int32
	inner := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		innerHits.Add(1)
		serve("text/html", articlePage("Internal", longParagraphs("Internal", 3)...))(w, r)
	})}
	go inner.Serve(ln)
	t.Cleanup(func() { inner.Close() })
	innerURL := "http://" + ln.Addr().String() + "/admin"

	outer := newServer(t, http.RedirectHandler(innerURL, http.StatusFound))
	c := NewClient(Options{Timeout: 5 * time.Second})
	c.blocked = func(ip netip.Addr) bool { return ip != netip.MustParseAddr("127.0.0.1") }

	_, err = c.Fetch(t.Context(), outer.URL)
	if !errors.Is(err, ErrBlockedAddress) {
		t.Fatalf("got %v, want ErrBlockedAddress", err)
	}
	if n := innerHits.Load(); n != 0 {
		t.Errorf("blocked server got %d requests, want none", n)
	}
}

func TestFetchInvalidURL(t *testing.T) {
	c := newTestClient(t, Options{})
	for _, u := range []string{"", "example.com/news", "ftp://example.com/a", "file:///etc/passwd",
		"javascript:alert(1)", "http://", "http://%zz"} {
		if _, err := c.Fetch(t.Context(), u); !errors.Is(err, ErrInvalidURL) {
			t.Errorf("Fetch(%q): got %v, want ErrInvalidURL", u, err)
		}
	}
}

func TestFetchRedirectToOtherScheme(t *testing.T) {
	srv := newServer(t, http.RedirectHandler("file:///etc/passwd", http.StatusFound))
	_, err := newTestClient(t, Options{}).Fetch(t.Context(), srv.URL)
	if !errors.Is(err, ErrInvalidURL) {
		t.Errorf("got %v, want ErrInvalidURL", err)
	}
}

func TestFetchTimeout(t *testing.T) {
	tests := map[string]http.HandlerFunc{
		"slow headers": func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		},
		"slow body": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			for i := 0; i < 100; i++ {
				if _, err := fmt.Fprintf(w, "<p>line %d</p>\n", i); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(100 * time.Millisecond):
				}
			}
		},
	}
	for name, h := range tests {
		t.Run(name, func(t *testing.T) {
			srv := newServer(t, h)
			c := newTestClient(t, Options{Timeout: 300 * time.Millisecond})
			_, err := c.Fetch(t.Context(), srv.URL)
			if !errors.Is(err, errTimeout) || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("got %v, want ErrTimeout and context.DeadlineExceeded", err)
			}
		})
	}
}

func TestFetchCallerCancel(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := newTestClient(t, Options{}).Fetch(ctx, srv.URL)
	if !errors.Is(err, context.Canceled) || errors.Is(err, errTimeout) {
		t.Errorf("got %v, want context.Canceled and not ErrTimeout", err)
	}
}

func TestFetchTooLarge(t *testing.T) {
	big := "<html><body><p>" + strings.Repeat("word ", 300_000) + "</p></body></html>" // ~1.5 MB
	tests := map[string]http.HandlerFunc{
		"declared length": serve("text/html", big),
		"chunked": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			for i := 0; i < len(big); i += 64 << 10 {
				w.Write([]byte(big[i:min(i+64<<10, len(big))]))
				w.(http.Flusher).Flush()
			}
		},
	}
	for name, h := range tests {
		t.Run(name, func(t *testing.T) {
			srv := newServer(t, h)
			_, err := newTestClient(t, Options{MaxBytes: 1 << 20}).Fetch(t.Context(), srv.URL)
			if !errors.Is(err, errTooLarge) {
				t.Errorf("got %v, want ErrTooLarge", err)
			}
		})
	}
}

// TestFetchGzipBomb serves a gigabyte of zeros, gzip-compressed on the fly (about a megabyte on
// the wire). The client must stop at MaxBytes of decompressed data, not inflate the gigabyte.
func TestFetchGzipBomb(t *testing.T) {
	const bomb = 1 << 30
	var served atomic.Int64
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		zw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
		zeros := make([]byte, 1<<20)
		for served.Load() < bomb {
			if _, err := zw.Write(zeros); err != nil {
				return
			}
			served.Add(int64(len(zeros)))
			if r.Context().Err() != nil {
				return
			}
		}
		zw.Close()
	}))

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	// A generous timeout: under the race detector and a busy machine, gzip alone is slow.
	_, err := newTestClient(t, Options{Timeout: time.Minute}).Fetch(t.Context(), srv.URL) // default 5 MiB cap
	runtime.ReadMemStats(&after)

	if !errors.Is(err, errTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
	// The body buffer grows to about 2×MaxBytes; the server's gzip writer and 1 MiB of zeros add a
	// few more. Inflating the bomb would allocate a gigabyte.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Errorf("fetch allocated %d MiB, want under 64 MiB", alloc>>20)
	}
}

func TestFetchUnsupportedType(t *testing.T) {
	png := "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
	tests := map[string]http.HandlerFunc{
		"image/png":                  serve("image/png", png),
		"octet-stream holding a png": serve("application/octet-stream", png),
		"application/zip":            serve("application/zip", "PK\x03\x04"),
		"json that is no feed":       serve("application/json", `{"hello":"world"}`),
		"pdf type, no pdf inside":    serve("application/pdf", "<html><body>not a pdf</body></html>"),
	}
	for name, h := range tests {
		t.Run(name, func(t *testing.T) {
			srv := newServer(t, h)
			_, err := newTestClient(t, Options{}).Fetch(t.Context(), srv.URL)
			if !errors.Is(err, errUnsupportedType) {
				t.Errorf("got %v, want ErrUnsupportedType", err)
			}
		})
	}
}

func TestFetchStatusError(t *testing.T) {
	srv := newServer(t, http.NotFoundHandler())
	_, err := newTestClient(t, Options{}).Fetch(t.Context(), srv.URL+"/gone")
	var se *StatusError
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want a *StatusError", err)
	}
	if got, want := se.Error(), "the site answered 404 Not Found"; got != want {
		t.Errorf("got message %q, want %q", got, want)
	}
	if se.temporary() {
		t.Error("404 reported as temporary")
	}
}

func TestFetchNotArticle(t *testing.T) {
	tests := []struct {
		name, page string
		reason     string
	}{
		{"paywall stub", fixture(t, "paywall.html", ""), "it looks like a paywall stub; the full text is for subscribers"},
		{"front page", fixture(t, "notarticle.html", ""), ""},
		{"too short", articlePage("Short", "One sentence only.", "And another."), "only 5 words of text were found, too few for an article"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, serve("text/html; charset=utf-8", tt.page))
			_, err := newTestClient(t, Options{}).Fetch(t.Context(), srv.URL)
			var nae *NotArticleError
			if !errors.Is(err, errNotArticle) || !errors.As(err, &nae) {
				t.Fatalf("got %v, want a *NotArticleError", err)
			}
			if tt.reason != "" && nae.Reason != tt.reason {
				t.Errorf("got reason %q, want %q", nae.Reason, tt.reason)
			}
		})
	}
}

func TestFetchFeeds(t *testing.T) {
	tests := []struct {
		name, contentType, file string
		wantTitle               string
		wantItems               int
	}{
		{"rss", "application/rss+xml; charset=utf-8", "rss.xml", "The Daily Example – City", 3},
		{"atom as text/xml", "text/xml", "atom.xml", "Example Science Desk", 2},
		{"rss mislabelled as html", "text/html", "rss.xml", "The Daily Example – City", 3},
		{"rss without a type", "", "rss.xml", "The Daily Example – City", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var srv = newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.contentType == "" {
					w.Header()["Content-Type"] = nil // stop net/http from sniffing one
				} else {
					w.Header().Set("Content-Type", tt.contentType)
				}
				fmt.Fprint(w, fixture(t, tt.file, "http://"+r.Host))
			}))
			res, err := newTestClient(t, Options{}).Fetch(t.Context(), srv.URL+"/feed")
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if res.Kind != KindFeed || res.Feed.Title != tt.wantTitle || len(res.Feed.Items) != tt.wantItems {
				t.Errorf("got %v %q with %d items, want feed %q with %d", res.Kind, res.Feed.Title,
					len(res.Feed.Items), tt.wantTitle, tt.wantItems)
			}
		})
	}
}

func TestFetchPDF(t *testing.T) {
	pdf := string(articlePDF())
	for _, ct := range []string{"application/pdf", "application/octet-stream"} {
		t.Run(ct, func(t *testing.T) {
			srv := newServer(t, serve(ct, pdf))
			res, err := newTestClient(t, Options{}).Fetch(t.Context(), srv.URL+"/report.pdf")
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if res.Kind != KindArticle || res.Document.Title != "Harbour bridge reopens" ||
				len(res.Document.Paragraphs) != 4 || res.Document.URL != srv.URL+"/report.pdf" {
				t.Errorf("got %v %q %q with %d paragraphs", res.Kind, res.Document.Title, res.Document.URL,
					len(res.Document.Paragraphs))
			}
		})
	}
}

func TestFetchCharsets(t *testing.T) {
	paras := longParagraphs("Quote", 2)
	paras = append(paras, "“Curly quotes,” she said — and a café.")
	utf8Page := articlePage("Charset test", paras...)
	// Windows-1252 bytes for the same page: “ ” — é are 0x93 0x94 0x97 0xE9.
	cp1252 := strings.NewReplacer("“", "\x93", "”", "\x94", "—", "\x97", "é", "\xe9", `<meta charset="utf-8">`, "").Replace(utf8Page)
	undeclared := strings.Replace(utf8Page, `<meta charset="utf-8">`, "<!--"+strings.Repeat(" ", 2000)+"-->", 1)
	tests := map[string]http.HandlerFunc{
		"utf-8 declared in meta":                       serve("text/html", utf8Page),
		"windows-1252 declared in header":              serve("text/html; charset=windows-1252", cp1252),
		"undeclared utf-8, ascii for the first 2000 B": serve("text/html", undeclared),
	}
	for name, h := range tests {
		t.Run(name, func(t *testing.T) {
			srv := newServer(t, h)
			res, err := newTestClient(t, Options{}).Fetch(t.Context(), srv.URL)
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if got := res.Document.Paragraphs; !cmp.Equal(got, paras) {
				t.Errorf("got %q, want %q", got, paras)
			}
		})
	}
}
