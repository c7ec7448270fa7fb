package bot

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsbot/newsbot/retrieval"
	"github.com/newsbot/newsbot/retrieval/fetch"
)

// hostileDir is the fetcher's corpus of documents built to hang, exhaust or crash a parser
// (see retrieval/fetch/hostile_gen_test.go).
var hostileDir = filepath.Join("..", "retrieval", "fetch", "testdata", "hostile")

// hostileFiles returns the corpus's file names.
func hostileFiles(tb testing.TB) []string {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join(hostileDir, "*.*"))
	if err != nil || len(paths) < 20 {
		tb.Fatalf("hostile corpus: %d files, %v", len(paths), err)
	}
	var names []string
	for _, p := range paths {
		name := filepath.Base(p)
		if ext := filepath.Ext(p); ext == ".pdf" || ext == ".html" {
			names = append(names, name)
		}
	}
	return names
}

// checkOneSentence fails unless err reaches a person as the sentence its type carries, not as
// Go error text or the apology for our own failures.
func checkOneSentence(t *testing.T, b *Bot, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("the hostile document was loaded")
	}
	msg := b.ErrorMessage(err)
	if msg != UserMessage(err) || strings.HasPrefix(msg, "Something went wrong") {
		t.Fatalf("message %q for %v; want the sentence the error carries", msg, err)
	}
	for _, internal := range []string{"pdf:", "parser process", "malformed", "readability", "%!", "\n"} {
		if strings.Contains(msg, internal) {
			t.Fatalf("message %q shows internal detail %q", msg, internal)
		}
	}
}

// hostileLimits keep the tests quick: only the documents that nothing but the deadline or the
// memory cap stops are refused sooner than with the defaults, for the same reason. (The defaults
// themselves are retrieval/fetch's to test.)
var hostileLimits = fetch.Limits{Timeout: 3 * time.Second, Memory: 128 << 20}

// hostileBot is a loading bot with hostileLimits.
func hostileBot(t *testing.T) *Bot {
	t.Helper()
	st, _, err := retrieval.OpenStore(t.Context(), t.TempDir(), retrieval.NewLocalEmbedder(), retrieval.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	client := fetch.NewClient(fetch.Options{AllowPrivate: true, Limits: hostileLimits})
	b, err := New(st, nil, client, Options{FeedItems: 2})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Every hostile file sent with /load file: costs one sentence, and the library is unchanged.
func TestLoadFileRefusesHostileDocuments(t *testing.T) {
	t.Parallel()
	b := hostileBot(t)
	t.Run("files", func(t *testing.T) {
		for _, name := range hostileFiles(t) {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				data, err := os.ReadFile(filepath.Join(hostileDir, name))
				if err != nil {
					t.Fatal(err)
				}
				_, err = b.LoadFile(t.Context(), name, data, "42")
				checkOneSentence(t, b, err)
			})
		}
	})
	if n := len(b.store.List("42")); n != 0 {
		t.Errorf("the library holds %d articles after only hostile files, want 0", n)
	}
}

// serveHostile serves every corpus file at /NAME with the content type its extension implies,
// and counts the requests.
func serveHostile(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		name := strings.TrimPrefix(r.URL.Path, "/")
		data, err := os.ReadFile(filepath.Join(hostileDir, filepath.Base(name)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		if strings.HasSuffix(name, ".pdf") {
			w.Header().Set("Content-Type", "application/pdf")
		} else {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		}
		w.Write(data)
	}))
	return srv.URL, &hits
}

// Every hostile link sent with /load url: costs one sentence.
func TestLoadURLRefusesHostileDocuments(t *testing.T) {
	t.Parallel()
	b := hostileBot(t)
	base, _ := serveHostile(t)
	t.Run("links", func(t *testing.T) {
		for _, name := range hostileFiles(t) {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				rs, err := b.LoadURL(t.Context(), base+"/"+name, "42")
				if len(rs) != 0 {
					t.Errorf("loaded %d articles", len(rs))
				}
				checkOneSentence(t, b, err)
			})
		}
	})
}

// A feed whose items link to hostile documents costs its own items and nothing else: the round
// ends, the other feed's items arrive in the same round, the hostile items are not tried again,
// and the next round runs.
func TestPollerKeepsPollingPastHostileItems(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	site, base := newFeedSite(t)
	hostile, hits := serveHostile(t)
	names := hostileFiles(t)
	feedSrv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Hostile</title>`)
		for i, name := range names {
			fmt.Fprintf(w, "<item><title>Item %d</title><link>%s/%s</link><guid>h%d</guid><pubDate>%s</pubDate></item>",
				i, hostile, name, i, time.Date(2024, 3, 1, i, 0, 0, 0, time.UTC).Format(time.RFC1123Z))
		}
		fmt.Fprint(w, `</channel></rss>`)
	}))
	store, _ := openTestStore(t)
	bad, err := store.Add(ctx, Subscription{URL: feedSrv.URL + "/hostile.xml", Scope: "g1", Channel: "news"})
	if err != nil {
		t.Fatal(err)
	}
	good, err := store.Add(ctx, Subscription{URL: base + "/rss.xml", Scope: "g1", Channel: "news"})
	if err != nil {
		t.Fatal(err)
	}
	client := fetch.NewClient(fetch.Options{AllowPrivate: true, Timeout: 5 * time.Second, Limits: hostileLimits})
	var got delivered
	p := newPoller(store, client, got.onItem, FeedOptions{Logger: quietLogger(), MaxItemsPerPoll: len(names)})

	if err := p.PollOnce(ctx); err != nil {
		t.Errorf("round 1: %v", err)
	}
	var hostileTitles, goodTitles []string
	for i, sub := range got.subs {
		if sub == bad.ID {
			hostileTitles = append(hostileTitles, got.docs[i].Title)
		} else {
			goodTitles = append(goodTitles, got.docs[i].Title)
		}
	}
	if len(hostileTitles) != 0 {
		t.Errorf("hostile items delivered: %q", hostileTitles)
	}
	if want := []string{"Page budget", "Harbour bridge reopens after two-year repair", "Storm warning for the coast"}; !slices.Equal(goodTitles, want) {
		t.Errorf("the healthy feed delivered %q, want %q", goodTitles, want)
	}
	subs := subsByID(store)
	if s := subs[bad.ID]; len(s.Seen) != len(names) {
		t.Errorf("hostile feed: %d of %d items marked seen", len(s.Seen), len(names))
	}
	if s := subs[good.ID]; s.LastError != "" || len(s.Seen) != 3 {
		t.Errorf("healthy feed after round 1: %+v", s)
	}

	if n := hits.Load(); n != int64(len(names)) {
		t.Errorf("round 1 fetched %d hostile links, want each of %d once", n, len(names))
	}

	// Round 2: nothing hostile is fetched again, and the healthy feed is polled again.
	got.reset()
	hits.Store(0)
	polls := len(site.ifNoneMatch())
	if err := p.PollOnce(ctx); err != nil {
		t.Errorf("round 2: %v", err)
	}
	if len(got.titles()) != 0 {
		t.Errorf("round 2 delivered %q", got.titles())
	}
	if n := len(site.ifNoneMatch()); n != polls+1 {
		t.Errorf("the healthy feed was polled %d times in round 2, want 1", n-polls)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("round 2 fetched %d hostile links again", n)
	}
}
