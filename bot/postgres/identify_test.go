package postgres_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/discord"
	"github.com/newsbot/newsbot/bot/discord/discordtest"
	"github.com/newsbot/newsbot/bot/postgres"
	"github.com/newsbot/newsbot/retrieval"
)

// A process that identified a shard holds nothing of the fleet's turn
// afterwards, so stopping it waits for nothing, and the fleet keeps
// Discord's identify spacing all the same: with one identify per five
// seconds for the bot (max_concurrency 1), process A connects shard 0; once
// its identify is recorded the bucket's turn is free (it used to be held,
// by a lock on a pooled connection that closing the pool waited for, until
// five seconds after the identify); process B asks for the turn to connect
// shard 1, A stops, and Discord refuses neither IDENTIFY. The check reads
// the lock itself, not the clock, so a slow machine cannot fail it.
func TestStopDoesNotWaitForTheIdentifySpacing(t *testing.T) {
	t.Parallel()
	dbURL := migratedURL(t)
	fake := discordtest.New(t, discordtest.WithShards(2), discordtest.WithMaxConcurrency(1), discordtest.WithIdentifyLimit(5*time.Second))
	api, _ := url.Parse(fake.URL())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, _, err := retrieval.OpenStore(ctx, t.TempDir(), retrieval.NewLocalEmbedder(), retrieval.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	core, err := bot.New(st, nil, nil, bot.Options{})
	if err != nil {
		t.Fatal(err)
	}

	// process runs a bot for one shard with its own connections to the
	// database; identified is closed when its identify has been recorded.
	type process struct {
		identified chan struct{}
		stop       func()
	}
	start := func(shard int) *process {
		pool, err := pgxpool.New(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		sessions, err := discord.NewSessions(fake.Token(), api, discord.Shards{IDs: []int{shard}, Count: 2})
		if err != nil {
			t.Fatal(err)
		}
		p := &process{identified: make(chan struct{})}
		stores := postgres.New(pool)
		b := discord.NewSharded(sessions, core, discord.Options{IdentifyTurn: func(ctx context.Context, bucket int, spacing time.Duration) (func(), error) {
			identified, err := stores.IdentifyTurn(ctx, bucket, spacing)
			if err != nil {
				return nil, err
			}
			return func() {
				identified()
				close(p.identified)
			}, nil
		}})
		runCtx, stopRun := context.WithCancel(ctx)
		var runErr error
		done := make(chan struct{})
		go func() {
			defer close(done)
			runErr = b.Run(runCtx)
		}()
		p.stop = func() {
			stopRun()
			<-done
			if runErr != nil {
				t.Errorf("Run: %v", runErr)
			}
			pool.Close()
		}
		t.Cleanup(func() {
			stopRun()
			<-done
		})
		return p
	}

	a := start(0)
	select {
	case <-a.identified:
	case <-ctx.Done():
		t.Fatal("the first process never identified")
	}
	// The turn is the bucket's advisory lock (IdentifyTurn): another
	// connection can take it at once.
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	const turn = `hashtext(current_schema() || ' newsbot identify')`
	var free bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(`+turn+`, 0)`).Scan(&free); err != nil {
		t.Fatal(err)
	}
	if !free {
		t.Error("after its identify the first process still holds the fleet's turn: stopping it would wait for it")
	} else if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock(`+turn+`, 0)`); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	b := start(1)
	a.stop()
	if err := fake.WaitGateway(ctx, func(g discordtest.GatewayStats) bool { return g.Ready == 2 }); err != nil {
		t.Fatal(err)
	}
	if st := fake.GatewayStats(); st.InvalidSessions != 0 || st.Identifies != 2 {
		t.Errorf("Discord refused %d of %d IDENTIFYs for coming too soon, want 2 IDENTIFYs and none refused", st.InvalidSessions, st.Identifies)
	}
	b.stop()
}
