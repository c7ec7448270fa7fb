package postgres_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/discord"
	"github.com/newsbot/newsbot/bot/discord/discordtest"
	"github.com/newsbot/newsbot/bot/postgres"
	"github.com/newsbot/newsbot/retrieval"
)

// A process that identified a shard stops without waiting out Discord's
// identify spacing, and the fleet keeps the spacing all the same: with one
// identify per five seconds for the bot (max_concurrency 1), process A
// connects shard 0 and process B asks for the turn to connect shard 1; A
// stops (its bot and its database connections) before the spacing after
// its identify has passed, where it used to hold the turn, and Discord
// refuses neither IDENTIFY.
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
	// database; spaced is closed the identify spacing after its identify.
	type process struct {
		spaced chan struct{}
		stop   func()
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
		p := &process{spaced: make(chan struct{})}
		stores := postgres.New(pool)
		b := discord.NewSharded(sessions, core, discord.Options{IdentifyTurn: func(ctx context.Context, bucket int, spacing time.Duration) (func(), error) {
			identified, err := stores.IdentifyTurn(ctx, bucket, spacing)
			if err != nil {
				return nil, err
			}
			return func() {
				time.AfterFunc(spacing, func() { close(p.spaced) })
				identified()
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
	if err := fake.WaitGateway(ctx, func(g discordtest.GatewayStats) bool { return g.Ready == 1 }); err != nil {
		t.Fatal(err)
	}
	b := start(1)
	a.stop()
	select {
	case <-a.spaced:
		t.Error("the first process stopped only after the identify spacing had passed: stopping waited for it")
	default:
	}
	if err := fake.WaitGateway(ctx, func(g discordtest.GatewayStats) bool { return g.Ready == 2 }); err != nil {
		t.Fatal(err)
	}
	if st := fake.GatewayStats(); st.InvalidSessions != 0 || st.Identifies != 2 {
		t.Errorf("Discord refused %d of %d IDENTIFYs for coming too soon, want 2 IDENTIFYs and none refused", st.InvalidSessions, st.Identifies)
	}
	b.stop()
}
