package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/postgres"
)

// BenchmarkClaimFeeds measures a poller's claim of due feeds among many
// (SELECT … FOR UPDATE SKIP LOCKED, lease and next poll in one statement,
// then the claimed feeds' subscriptions) and its release after the poll,
// with one process claiming or two at once: ns/op is one claim of up to
// batch feeds by each process and the releases, ns/feed per feed claimed.
// A claim is four round trips (begin, claim, subscriptions, commit) and
// a release one; "select 1" is one round trip, for scale.
//
//	NEWSBOT_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test go test -run XXX -bench ClaimFeeds ./bot/postgres/
func BenchmarkClaimFeeds(b *testing.B) {
	const feeds, batch = 10000, 16
	// One round trip to the server, the unit of what follows on a busy machine.
	b.Run("select 1", func(b *testing.B) {
		pool := connect(b, migratedURL(b))
		for i := 0; i < b.N; i++ {
			if _, err := pool.Exec(context.Background(), `SELECT 1`); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, claimers := range []int{1, 2} {
		b.Run(fmt.Sprintf("feeds=%d/batch=%d/processes=%d", feeds, batch, claimers), func(b *testing.B) {
			url := migratedURL(b)
			pool := connect(b, url)
			ctx := context.Background()
			if _, err := pool.Exec(ctx, `INSERT INTO feeds (key, url) SELECT 'http://site'||i||'.example.com/feed', 'https://site'||i||'.example.com/feed' FROM generate_series(1, $1) i`, feeds); err != nil {
				b.Fatal(err)
			}
			// Two servers follow each feed, as in a fleet where popular feeds are shared.
			if _, err := pool.Exec(ctx, `INSERT INTO feed_subscriptions (id, feed_key, url, scope, channel, added_at)
				SELECT 's'||i||'-'||g, 'http://site'||i||'.example.com/feed', 'https://site'||i||'.example.com/feed', '10000000000000000'||g, '2000', now()
				FROM generate_series(1, $1) i, generate_series(1, 2) g`, feeds); err != nil {
				b.Fatal(err)
			}
			if _, err := pool.Exec(ctx, `ANALYZE feeds, feed_subscriptions`); err != nil {
				b.Fatal(err)
			}
			stores := make([]*postgres.Feeds, claimers)
			for i := range stores {
				stores[i] = postgres.New(connect(b, url)).Feeds()
			}
			now := time.Date(2024, 3, 7, 9, 0, 0, 0, time.UTC)
			var claimed int
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var wg sync.WaitGroup
				counts := make([]int, claimers)
				for p, st := range stores {
					wg.Go(func() {
						holder := fmt.Sprint("p", p)
						cs, err := st.Claim(ctx, bot.FeedClaimRequest{Holder: holder, Now: now, DueBy: now, Next: now.Add(time.Hour), LeaseUntil: now.Add(10 * time.Minute), Limit: batch})
						if err != nil {
							b.Error(err)
							return
						}
						for _, c := range cs {
							if len(c.Subs) != 2 {
								b.Errorf("feed %s claimed with %d subscriptions, want 2", c.Key, len(c.Subs))
							}
							if err := st.Release(ctx, c.Key, holder); err != nil {
								b.Error(err)
							}
						}
						counts[p] = len(cs)
					})
				}
				wg.Wait()
				for _, n := range counts {
					claimed += n
				}
				if claimed > feeds-claimers*batch { // every feed polled: the next interval
					b.StopTimer()
					now = now.Add(time.Hour)
					claimed = 0
					b.StartTimer()
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(max(1, b.N*batch*claimers)), "ns/feed")
		})
	}
}
