package postgres_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/postgres"
	"github.com/newsbot/newsbot/retrieval"
	"github.com/newsbot/newsbot/retrieval/fetch"
	"github.com/newsbot/newsbot/retrieval/postgres/pgtest"

	library "github.com/newsbot/newsbot/retrieval/postgres"
)

// newsSite is a news site on 127.0.0.1 whose feed grows by one item when
// asked, and which counts the requests for its feed.
type newsSite struct {
	url      string
	mu       sync.Mutex
	items    int
	feedHits atomic.Int64
	pageHits atomic.Int64
}

func newNewsSite(t *testing.T, items int) *newsSite {
	s := &newsSite{items: items}
	mux := http.NewServeMux()
	mux.HandleFunc("/feed.xml", func(w http.ResponseWriter, r *http.Request) {
		s.feedHits.Add(1)
		s.mu.Lock()
		n := s.items
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Portmere Gazette</title><link>%s/</link>`, s.url)
		for i := n; i >= 1; i-- {
			fmt.Fprintf(w, `<item><title>%[2]s</title><link>%[1]s/news/%[3]d</link><guid>gazette-%[3]d</guid><pubDate>%[4]s</pubDate></item>`,
				s.url, headline(i), i, time.Date(2024, 3, i, 8, 0, 0, 0, time.UTC).Format(time.RFC1123Z))
		}
		fmt.Fprint(w, `</channel></rss>`)
	})
	mux.HandleFunc("/news/", func(w http.ResponseWriter, r *http.Request) {
		s.pageHits.Add(1)
		var i int
		fmt.Sscanf(strings.TrimPrefix(r.URL.Path, "/news/"), "%d", &i)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><html><head><title>%[1]s</title><meta property="og:site_name" content="Portmere Gazette"></head>
<body><article><h1>%[1]s</h1>
<p>The Portmere harbour board met on day %[2]d of the month and agreed, after a long debate, to publish its accounts every quarter.</p>
<p>Board members said the decision on day %[2]d followed complaints from fishermen who wanted to know how the harbour dues were spent.</p>
<p>The next meeting of the board is open to the public and will take place in the town hall, the chair said on day %[2]d.</p>
</article></body></html>`, headline(i), i)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

func headline(i int) string { return fmt.Sprintf("Harbour board decision number %d", i) }

func (s *newsSite) publish() {
	s.mu.Lock()
	s.items++
	s.mu.Unlock()
}

// announcements is the channels of a fleet as Discord keeps them: one
// message per announcement key (the nonce), counted per channel and item.
type announcements struct {
	mu    sync.Mutex
	byKey map[string]string
	posts map[string]int // channel + title → messages
}

func (a *announcements) Announce(ctx context.Context, p bot.AnnouncementPost) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.posts[p.Sub.Channel+" "+p.Result.Article.Title]++
	id := fmt.Sprint("m", len(a.byKey)+1)
	a.byKey[p.Key] = id
	return id, nil
}

func (a *announcements) FindAnnouncement(ctx context.Context, p bot.AnnouncementPost) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.byKey[p.Key], nil
}

// process is one serve process's feed poller: its own library, bot core
// and connections to the shared database, run on the test's clock.
type process struct {
	feeds *bot.Feeds
	tick  chan time.Time
	done  chan struct{} // a round finished
}

func startProcess(t *testing.T, url string, clock func() time.Time, announce bot.Announcer) *process {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	lib, err := library.Open(ctx, url, retrieval.NewLocalEmbedder(), library.Options{Search: true})
	if err != nil {
		t.Fatal(err)
	}
	st := retrieval.NewStore(lib)
	core, err := bot.New(st, nil, fetch.NewClient(fetch.Options{AllowPrivate: true, Timeout: 20 * time.Second}), bot.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := &process{tick: make(chan time.Time), done: make(chan struct{}, 1)}
	fs := postgres.New(lib.Pool()).Feeds()
	p.feeds, err = bot.NewFeeds(fs, fs, core, bot.FeedOptions{Interval: time.Hour, Now: clock, After: func(time.Duration) <-chan time.Time {
		p.done <- struct{}{}
		return p.tick
	}})
	if err != nil {
		t.Fatal(err)
	}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		p.feeds.Run(ctx, announce)
	}()
	t.Cleanup(func() {
		cancel()
		<-stopped
		st.Close()
	})
	return p
}

func connect(t testing.TB, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func migratedURL(t testing.TB) string {
	t.Helper()
	url := pgtest.URL(t)
	if _, _, err := library.Migrate(context.Background(), url, nil); err != nil {
		t.Fatal(err)
	}
	return url
}

// pollRounds runs rounds of feed polling in procs processes on one
// database, one interval apart, with a new item published before each
// round after the first, and returns how often the feed was fetched and
// what was announced. Two servers follow the feed.
func pollRounds(t *testing.T, procs, rounds int) (fetches []int64, posts map[string]int, site *newsSite) {
	t.Helper()
	url := migratedURL(t)
	site = newNewsSite(t, 2)
	var (
		mu  sync.Mutex
		now = time.Date(2024, 3, 7, 9, 0, 0, 0, time.UTC)
	)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	ann := &announcements{byKey: map[string]string{}, posts: map[string]int{}}
	fs := postgres.New(connect(t, url)).Feeds()
	ctx := context.Background()
	for i, guild := range []string{"1000000000000000001", "1000000000000000002"} {
		if _, err := fs.Add(ctx, bot.Subscription{URL: site.url + "/feed.xml", Scope: guild, Channel: fmt.Sprint("200", i+1)}); err != nil {
			t.Fatal(err)
		}
	}
	var ps []*process
	for range procs {
		ps = append(ps, startProcess(t, url, clock, ann))
	}
	for r := range rounds {
		if r > 0 {
			mu.Lock()
			now = now.Add(time.Hour)
			mu.Unlock()
			site.publish()
			for _, p := range ps {
				p.tick <- now
			}
		}
		for _, p := range ps {
			select {
			case <-p.done:
			case <-time.After(60 * time.Second):
				t.Fatalf("round %d did not finish", r+1)
			}
		}
		fetches = append(fetches, site.feedHits.Load())
	}
	return fetches, ann.posts, site
}

// One process or two poll one database's feeds: each interval the feed
// is fetched once, though two servers follow it and every process looks,
// each item's page is read once, and each new article is announced once
// in each server's channel.
func TestFeedPolledOnceByAFleet(t *testing.T) {
	t.Parallel()
	const rounds = 4
	for _, procs := range []int{1, 2} {
		t.Run(fmt.Sprint(procs, " processes"), func(t *testing.T) {
			t.Parallel()
			fetches, posts, site := pollRounds(t, procs, rounds)
			t.Logf("%d processes, %d intervals: the feed was fetched %v times after each, its pages read %d times",
				procs, rounds, fetches, site.pageHits.Load())
			for r, n := range fetches {
				if n != int64(r+1) {
					t.Errorf("after round %d the feed was fetched %d times, want %d (fetches after each round: %v)", r+1, n, r+1, fetches)
				}
			}
			// Two items at first, one more each later round.
			for i := 1; i <= 2+rounds-1; i++ {
				for _, ch := range []string{"2001", "2002"} {
					if n := posts[ch+" "+headline(i)]; n != 1 {
						t.Errorf("%q was announced %d times in %s, want once", headline(i), n, ch)
					}
				}
			}
			if n := site.pageHits.Load(); n != int64(2+rounds-1) {
				t.Errorf("the article pages were read %d times, want each once: %d", n, 2+rounds-1)
			}
		})
	}
}
