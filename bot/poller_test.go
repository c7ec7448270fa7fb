package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/newsbot/newsbot/retrieval/fetch"
)

// feedSite is a fake news site on 127.0.0.1: feeds with ETags, article pages, and a feed that can
// be switched between broken and working.
type feedSite struct {
	t *testing.T

	mu        sync.Mutex
	rss       string // body of /rss.xml; {{base}} is replaced
	etag      string
	broken    bool
	ifNone    []string // If-None-Match values /rss.xml received, "" when absent
	pageHits  map[string]int
	feedHits  int
	feedCalls chan struct{}
}

func newFeedSite(t *testing.T) (*feedSite, string) {
	fs := &feedSite{t: t, rss: fixture(t, "rss.xml", "{{base}}"), etag: `"v1"`, broken: true,
		pageHits: map[string]int{}, feedCalls: make(chan struct{}, 100)}
	mux := http.NewServeMux()
	mux.HandleFunc("/rss.xml", func(w http.ResponseWriter, r *http.Request) {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		fs.feedHits++
		fs.feedCalls <- struct{}{}
		fs.ifNone = append(fs.ifNone, r.Header.Get("If-None-Match"))
		if fs.etag != "" && r.Header.Get("If-None-Match") == fs.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		if fs.etag != "" {
			w.Header().Set("ETag", fs.etag)
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, strings.ReplaceAll(fs.rss, "{{base}}", "http://"+r.Host))
	})
	mux.HandleFunc("/atom.xml", func(w http.ResponseWriter, r *http.Request) {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		if fs.broken {
			http.Error(w, "database on fire", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/atom+xml")
		io.WriteString(w, fixture(t, "atom.xml", "http://"+r.Host))
	})
	mux.HandleFunc("/articles/", func(w http.ResponseWriter, r *http.Request) {
		fs.mu.Lock()
		fs.pageHits[r.URL.Path]++
		fs.mu.Unlock()
		name := strings.TrimPrefix(r.URL.Path, "/articles/")
		if name == "storm" || name == "comet" || name == "glacier" {
			http.NotFound(w, r) // the feed's summary has to do
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, articlePage("Page "+name, longParagraphs(name, 3)...))
	})
	srv := newServer(t, mux)
	return fs, srv.URL
}

// ifNoneMatch returns the If-None-Match values /rss.xml has received, one per request.
func (fs *feedSite) ifNoneMatch() []string {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return slices.Clone(fs.ifNone)
}

// hits returns how often each article page was requested.
func (fs *feedSite) hits() map[string]int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	m := make(map[string]int, len(fs.pageHits))
	for k, v := range fs.pageHits {
		m[k] = v
	}
	return m
}

func (fs *feedSite) set(fn func(fs *feedSite)) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fn(fs)
}

// delivered records what the poller handed over.
type delivered struct {
	mu   sync.Mutex
	subs []string
	docs []fetch.Document
	fail map[string]int // item key -> how many more deliveries to refuse
}

func (d *delivered) onItem(ctx context.Context, sub Subscription, it fetch.Item, doc fetch.Document) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fail[it.Key()] > 0 {
		d.fail[it.Key()]--
		return errors.New("library is read-only")
	}
	d.subs = append(d.subs, sub.ID)
	d.docs = append(d.docs, doc)
	return nil
}

func (d *delivered) titles() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, doc := range d.docs {
		out = append(out, doc.Title)
	}
	return out
}

func (d *delivered) reset() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.subs, d.docs = nil, nil
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestPollerDeliversEachItemOnce(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	site, base := newFeedSite(t)
	store, path := openTestStore(t)
	rss, err := store.Add(ctx, Subscription{URL: base + "/rss.xml", Scope: "g1", Channel: "news"})
	if err != nil {
		t.Fatal(err)
	}
	atom, err := store.Add(ctx, Subscription{URL: base + "/atom.xml", Scope: "g1", Channel: "science"})
	if err != nil {
		t.Fatal(err)
	}
	var got delivered
	p := newPoller(store, newFeedClient(), got.onItem, FeedOptions{Logger: quietLogger()})

	// Round 1: the RSS feed delivers all three items, oldest first; the Atom feed is broken.
	err = p.PollOnce(ctx)
	if err == nil || !strings.Contains(err.Error(), "500 Internal Server Error") {
		t.Errorf("PollOnce: got %v, want the broken feed's error", err)
	}
	wantDocs := []fetch.Document{
		{ // summary only in the feed: the page was loaded; author and date come from the feed
			Title: "Page budget", URL: base + "/articles/budget", FetchedFrom: base + "/articles/budget",
			Source: "The Daily Example", Author: "Sam Patel",
			PublishedAt: time.Date(2024, 3, 11, 8, 0, 0, 0, time.UTC), Paragraphs: longParagraphs("budget", 3),
		},
		{ // full text in the feed: no page load, caption and teaser dropped
			Title: "Harbour bridge reopens after two-year repair", URL: base + "/articles/bridge",
			FetchedFrom: base + "/rss.xml", Source: "The Daily Example – City", Author: "Jane Doe",
			PublishedAt: time.Date(2024, 3, 12, 9, 30, 0, 0, time.UTC),
			Paragraphs: []string{
				"The harbour bridge reopened to traffic on Tuesday morning, two years after engineers closed it when inspectors found corrosion in the cables that hold up its main span.",
				"“We promised the city a safer bridge, and today we are keeping that promise,” said the mayor, Ana Lopez, as the first buses crossed shortly after 6 a.m.",
				"The repair cost €48 million — about a third more than planned — and replaced all 112 suspension cables, the deck joints and the lighting along both footpaths.",
				"For the 40,000 people who crossed the river each day before the closure, the reopening ends a long detour through the tunnel and the ring road that added almost an hour to many commutes.",
				"City officials said the bridge would carry traffic in both directions at once, but that lorries over 18 tonnes would stay banned until the autumn, when engineers finish a second round of load tests on the new cables and deck joints.",
				"The council will review the weight limit in September, after the load tests, and has promised to publish the engineers’ report in full.",
			},
		},
		{ // the page is gone (404): the feed's summary stands in
			Title: "Storm warning for the coast", URL: base + "/articles/storm", FetchedFrom: base + "/rss.xml",
			Source:      "The Daily Example – City",
			PublishedAt: time.Date(2024, 3, 13, 18, 15, 0, 0, time.UTC),
			Paragraphs:  []string{"Forecasters warned of gales along the coast on Thursday."},
		},
	}
	if diff := cmp.Diff(wantDocs, got.docs); diff != "" {
		t.Errorf("round 1 documents (-want +got):\n%s", diff)
	}
	if n := site.hits()["/articles/bridge"]; n != 0 {
		t.Errorf("the full-text item's page was loaded %d times, want 0", n)
	}
	subs := subsByID(store)
	if s := subs[rss.ID]; s.ETag != `"v1"` || len(s.Seen) != 3 || s.LastError != "" || s.Title != "The Daily Example – City" {
		t.Errorf("rss subscription after round 1: %+v", s)
	}
	if s := subs[atom.ID]; !strings.Contains(s.LastError, "the site answered 500 Internal Server Error") || len(s.Seen) != 0 {
		t.Errorf("broken subscription after round 1: LastError %q, Seen %v", s.LastError, s.Seen)
	}

	// Round 2: the RSS feed is unchanged and answers 304; the Atom feed works again.
	site.set(func(fs *feedSite) { fs.broken = false })
	got.reset()
	if err := p.PollOnce(ctx); err != nil {
		t.Errorf("round 2: %v", err)
	}
	if diff := cmp.Diff([]string{"Glacier retreat speeds up", "Comet C/2024 A1 brightens"}, got.titles()); diff != "" {
		t.Errorf("round 2 titles (-want +got):\n%s", diff)
	}
	if inm := site.ifNoneMatch(); inm[len(inm)-1] != `"v1"` {
		t.Errorf("round 2 sent If-None-Match %q, want \"v1\"", inm[len(inm)-1])
	}
	if s := subsByID(store)[atom.ID]; s.LastError != "" || len(s.Seen) != 2 {
		t.Errorf("recovered subscription: LastError %q, Seen %v", s.LastError, s.Seen)
	}

	// Round 3: one new item in the RSS feed, under a new ETag. Only it is delivered.
	site.set(func(fs *feedSite) {
		fs.etag = `"v2"`
		fs.rss = strings.Replace(fs.rss, "<item>", `<item><title>Tram line approved</title>
			<link>{{base}}/articles/tram</link><guid>daily-example-1004</guid>
			<pubDate>Thu, 14 Mar 2024 07:00:00 GMT</pubDate><description>Trams return.</description></item><item>`, 1)
	})
	got.reset()
	if err := p.PollOnce(ctx); err != nil {
		t.Errorf("round 3: %v", err)
	}
	if diff := cmp.Diff([]string{"Page tram"}, got.titles()); diff != "" {
		t.Errorf("round 3 titles (-want +got):\n%s", diff)
	}

	// The state survives a restart: a new store and poller deliver nothing more.
	reopened, err := OpenFeedFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got.reset()
	p2 := newPoller(reopened, newFeedClient(), got.onItem, FeedOptions{Logger: quietLogger()})
	if err := p2.PollOnce(ctx); err != nil {
		t.Errorf("after reopen: %v", err)
	}
	if titles := got.titles(); len(titles) != 0 {
		t.Errorf("after reopen delivered %q, want nothing", titles)
	}
}

func subsByID(s *FeedFile) map[string]Subscription {
	m := map[string]Subscription{}
	for _, sub := range s.all() {
		m[sub.ID] = sub
	}
	return m
}

// rssWithItems renders a feed of n items, item i published i hours after the epoch of the test;
// each carries enough text to count as the full article.
func rssWithItems(n int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Busy feed</title><link>{{base}}/</link>`)
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := n - 1; i >= 0; i-- { // newest first, as feeds list them
		fmt.Fprintf(&b, "<item><title>Item %02d</title><link>{{base}}/articles/item-%02d</link><guid>item-%02d</guid>"+
			"<pubDate>%s</pubDate><description><![CDATA[%s]]></description></item>",
			i, i, i, start.Add(time.Duration(i)*time.Hour).Format(time.RFC1123Z),
			"<p>"+strings.Join(longParagraphs(fmt.Sprintf("Item %02d", i), 4), "</p><p>")+"</p>")
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

func TestPollerFirstPollTakesOnlyRecentItems(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	site, base := newFeedSite(t)
	site.set(func(fs *feedSite) { fs.rss, fs.etag = rssWithItems(30), "" })
	store, _ := openTestStore(t)
	sub, err := store.Add(ctx, Subscription{URL: base + "/rss.xml", Scope: "g1"})
	if err != nil {
		t.Fatal(err)
	}
	var got delivered
	p := newPoller(store, newFeedClient(), got.onItem, FeedOptions{MaxItemsPerPoll: 5, Logger: quietLogger()})
	if err := p.PollOnce(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{"Item 25", "Item 26", "Item 27", "Item 28", "Item 29"}
	if diff := cmp.Diff(want, got.titles()); diff != "" {
		t.Errorf("first poll (-want +got):\n%s", diff)
	}
	if s := subsByID(store)[sub.ID]; len(s.Seen) != 30 {
		t.Errorf("got %d seen keys, want all 30 (the back catalogue is skipped)", len(s.Seen))
	}
	if n := len(site.hits()); n != 0 {
		t.Errorf("full-text items loaded %d pages, want none", n)
	}

	// Later rounds take new items oldest first, at most 5, leaving the rest for the next round.
	site.set(func(fs *feedSite) { fs.rss = rssWithItems(37) })
	got.reset()
	if err := p.PollOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Item 30", "Item 31", "Item 32", "Item 33", "Item 34"}, got.titles()); diff != "" {
		t.Errorf("second poll (-want +got):\n%s", diff)
	}
	got.reset()
	if err := p.PollOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Item 35", "Item 36"}, got.titles()); diff != "" {
		t.Errorf("third poll (-want +got):\n%s", diff)
	}
}

func TestPollerRetriesFailedDelivery(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	site, base := newFeedSite(t)
	store, _ := openTestStore(t)
	sub, err := store.Add(ctx, Subscription{URL: base + "/rss.xml", Scope: "g1"})
	if err != nil {
		t.Fatal(err)
	}
	got := delivered{fail: map[string]int{"daily-example-1002": 1}}
	p := newPoller(store, newFeedClient(), got.onItem, FeedOptions{Logger: quietLogger()})

	if err := p.PollOnce(ctx); err == nil || !strings.Contains(err.Error(), "library is read-only") {
		t.Errorf("round 1: got %v, want the delivery error", err)
	}
	if diff := cmp.Diff([]string{"Page budget"}, got.titles()); diff != "" {
		t.Errorf("round 1 (-want +got):\n%s", diff)
	}
	s := subsByID(store)[sub.ID]
	if s.ETag != "" || !strings.Contains(s.LastError, "library is read-only") {
		t.Errorf("after a failed delivery: ETag %q (want none kept), LastError %q", s.ETag, s.LastError)
	}

	got.reset()
	if err := p.PollOnce(ctx); err != nil {
		t.Errorf("round 2: %v", err)
	}
	if diff := cmp.Diff([]string{"Harbour bridge reopens after two-year repair", "Storm warning for the coast"}, got.titles()); diff != "" {
		t.Errorf("round 2 (-want +got):\n%s", diff)
	}
	if inm := site.ifNoneMatch(); inm[1] != "" {
		t.Errorf("round 2 sent If-None-Match %q, want none while items were pending", inm[1])
	}
}

func TestPollerRun(t *testing.T) {
	t.Parallel()
	site, base := newFeedSite(t)
	store, _ := openTestStore(t)
	if _, err := store.Add(t.Context(), Subscription{URL: base + "/rss.xml", Scope: "g1"}); err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		waits []time.Duration
		clock = time.Date(2024, 3, 7, 8, 0, 0, 0, time.UTC)
	)
	ticks := make(chan time.Time)
	after := func(d time.Duration) <-chan time.Time {
		mu.Lock()
		waits = append(waits, d)
		clock = clock.Add(d) // the tick comes d later: the feed is due again
		mu.Unlock()
		return ticks
	}
	now := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return clock
	}
	var got delivered
	p := newPoller(store, newFeedClient(), got.onItem, FeedOptions{
		Interval: time.Hour, Jitter: time.Minute, After: after, Now: now, Logger: quietLogger(),
	})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()

	waitFeedCall := func(round int) {
		t.Helper()
		select {
		case <-site.feedCalls:
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d never fetched the feed", round)
		}
	}
	waitFeedCall(1)
	ticks <- time.Now() // blocks until Run waits on the clock, i.e. round 1 finished
	waitFeedCall(2)
	ticks <- time.Now()
	waitFeedCall(3)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if n := len(got.titles()); n != 3 {
		t.Errorf("delivered %d items over three rounds, want 3", n)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, d := range waits {
		if d < time.Hour || d >= time.Hour+time.Minute {
			t.Errorf("waited %v, want an hour plus under a minute of jitter", d)
		}
	}
	if inm := site.ifNoneMatch(); !slices.Equal(inm, []string{"", `"v1"`, `"v1"`}) {
		t.Errorf("If-None-Match per round: %q", inm)
	}
}
