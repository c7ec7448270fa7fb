package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/postgres"
	"github.com/newsbot/newsbot/bot/storetest"
	"github.com/newsbot/newsbot/retrieval/postgres/pgtest"

	library "github.com/newsbot/newsbot/retrieval/postgres"
)

// migrated returns a pool on a fresh schema of the test server, migrated
// as `newsbot migrate` does; each open of a store is a new pool, as a new
// process would have.
func migrated(t *testing.T) func() *pgxpool.Pool {
	t.Helper()
	url := pgtest.URL(t)
	if _, _, err := library.Migrate(context.Background(), url, nil); err != nil {
		t.Fatal(err)
	}
	return func() *pgxpool.Pool {
		pool, err := pgxpool.New(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		return pool
	}
}

func TestSettingsContract(t *testing.T) {
	t.Parallel()
	pool := migrated(t)
	storetest.Settings(t, func() bot.SettingsStore { return postgres.New(pool()) })
}

func TestFeedbackContract(t *testing.T) {
	t.Parallel()
	pool := migrated(t)
	storetest.Feedback(t, func() bot.FeedbackStore { return postgres.New(pool()) })
}

// Two processes that vote at once on one answer each keep their vote, and
// the answer is stored once.
func TestVotesFromTwoProcesses(t *testing.T) {
	t.Parallel()
	pool := migrated(t)
	a, b := bot.NewFeedback(postgres.New(pool()), bot.FeedbackOptions{}), bot.NewFeedback(postgres.New(pool()), bot.FeedbackOptions{})
	answer := &bot.Answer{Text: "The five [1].", Mode: bot.ModeLLM, Question: "Who goes?"}
	done := make(chan error, 2)
	for i, fb := range []*bot.Feedback{a, b} {
		go func() {
			_, err := fb.Rate(context.Background(), bot.Rating{AnswerID: "shared1", Scope: "1001", Question: "who goes?", Answer: answer,
				User: []string{"3001", "3002"}[i], Vote: bot.VoteUp})
			done <- err
		}()
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	qs, err := a.Export(context.Background(), true)
	if err != nil || len(qs) != 1 || qs[0].Votes.Up != 2 {
		t.Fatalf("export: %+v, %v; want one answer with two 👍", qs, err)
	}
}

func TestBriefingsContract(t *testing.T) {
	t.Parallel()
	pool := migrated(t)
	storetest.Briefings(t, func() bot.BriefingLog { return postgres.New(pool()) })
}

func TestFeedsContract(t *testing.T) {
	t.Parallel()
	pool := migrated(t)
	storetest.Feeds(t, func() bot.FeedStore { return postgres.New(pool()).Feeds() })
}

func TestAnnouncementsContract(t *testing.T) {
	t.Parallel()
	pool := migrated(t)
	storetest.Announcements(t, func() bot.AnnouncementLog { return postgres.New(pool()).Feeds() })
}

func TestTurnsContract(t *testing.T) {
	t.Parallel()
	pool := migrated(t)
	storetest.Turns(t, func() bot.TurnStore { return postgres.New(pool()) })
}

// Processes take turns per bucket: a second turn in a bucket waits for
// the first to end, one in another bucket does not, and a turn begins no
// sooner than the spacing after the bucket's last identify, by the
// server's clock, whichever process made it.
func TestIdentifyTurns(t *testing.T) {
	t.Parallel()
	pool := migrated(t)
	a, b := postgres.New(pool()), postgres.New(pool())
	db := pool()
	const spacing = time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	identified, err := a.IdentifyTurn(ctx, 0, spacing)
	if err != nil {
		t.Fatal(err)
	}
	other, err := b.IdentifyTurn(ctx, 1, spacing)
	if err != nil {
		t.Fatalf("another bucket waited: %v", err)
	}
	other()
	type turn struct {
		identified func()
		began      time.Time // the server's clock
	}
	got := make(chan turn, 1)
	go func() {
		r, err := b.IdentifyTurn(ctx, 0, spacing)
		if err != nil {
			t.Error(err)
			got <- turn{identified: func() {}}
			return
		}
		var now time.Time
		if err := db.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&now); err != nil {
			t.Error(err)
		}
		got <- turn{r, now}
	}()
	select {
	case r := <-got:
		r.identified()
		t.Fatal("a second turn in bucket 0 began while the first lasted")
	case <-time.After(200 * time.Millisecond):
	}
	identified()
	var first time.Time
	if err := db.QueryRow(ctx, `SELECT identified_at FROM identify_turns WHERE bucket = 0`).Scan(&first); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-got:
		r.identified()
		if r.began.Sub(first) < spacing {
			t.Errorf("the second turn in bucket 0 began %v after the first identify, want at least %v", r.began.Sub(first), spacing)
		}
	case <-ctx.Done():
		t.Fatal("the second turn never began after the first ended")
	}

	// A turn given up while it waits out the spacing ends: the next begins.
	short, stop := context.WithCancel(ctx)
	stopped := make(chan error, 1)
	go func() {
		_, err := a.IdentifyTurn(short, 0, time.Hour)
		stopped <- err
	}()
	time.Sleep(100 * time.Millisecond)
	stop()
	if err := <-stopped; err == nil {
		t.Fatal("a turn given up began all the same")
	}
	last, err := b.IdentifyTurn(ctx, 0, 0)
	if err != nil {
		t.Fatalf("after a turn was given up: %v", err)
	}
	last()
}
