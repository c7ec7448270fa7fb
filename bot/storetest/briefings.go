package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/newsbot/newsbot/bot"
)

// Briefings checks a BriefingLog: claims leased to one holder at a time,
// outcomes recorded only by the holder, and records kept across a reopen.
// open returns a log over the same storage each time it is called. The
// holders' leases are checked on one log; a log kept in the data folder
// may take over a claim of an earlier process at once (only one process
// holds a data folder), so the test does not ask which reopened logs
// honour.
func Briefings(t *testing.T, open func() bot.BriefingLog) {
	ctx := context.Background()
	now := time.Date(2024, 3, 7, 8, 0, 0, 0, time.UTC)
	first := func(scope, day string, until time.Time) bot.BriefingRecord {
		return bot.BriefingRecord{Scope: scope, Day: day, Channel: "2001", Since: until.Add(-24 * time.Hour), Until: until, FirstAttempt: until}
	}

	t.Run("one holder at a time, outcomes by the holder", func(t *testing.T) {
		log := open()
		f := first("1000000000000000001", "2024-03-07", now)
		rec, ok, err := log.Claim(ctx, f, "a", now, now.Add(2*time.Minute))
		if err != nil || !ok || rec.Attempts != 1 || rec.Holder != "a" || rec.Channel != "2001" || !rec.Until.Equal(now) {
			t.Fatalf("first claim: %+v %v %v", rec, ok, err)
		}
		if _, ok, err := log.Claim(ctx, f, "b", now.Add(time.Minute), now.Add(3*time.Minute)); err != nil || ok {
			t.Errorf("a claim while another's lease runs: ok %v, %v", ok, err)
		}
		g := f
		g.Channel, g.Until = "changed", now.Add(time.Hour)
		rec, ok, err = log.Claim(ctx, g, "b", now.Add(3*time.Minute), now.Add(5*time.Minute))
		if err != nil || !ok || rec.Attempts != 2 || rec.Holder != "b" || rec.Channel != "2001" || !rec.Until.Equal(now) {
			t.Errorf("a claim after the lease: %+v %v %v; want attempt 2, the first attempt's channel and period", rec, ok, err)
		}
		if err := log.Finish(ctx, bot.BriefingRecord{Scope: f.Scope, Day: f.Day, State: bot.BriefingSent, MessageID: "m"}, "a"); err == nil {
			t.Error("a holder whose claim was taken recorded an outcome")
		}
		if err := log.Release(ctx, f.Scope, f.Day, "b"); err != nil {
			t.Fatal(err)
		}
		rec, ok, err = log.Claim(ctx, f, "c", now.Add(4*time.Minute), now.Add(6*time.Minute))
		if err != nil || !ok || rec.Attempts != 3 {
			t.Errorf("a claim after a release: %+v %v %v", rec, ok, err)
		}
		done := bot.BriefingRecord{Scope: f.Scope, Day: f.Day, State: bot.BriefingSent, MessageID: "5001", DoneAt: now.Add(5 * time.Minute)}
		if err := log.Finish(ctx, done, "c"); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := log.Claim(ctx, f, "d", now.Add(time.Hour), now.Add(time.Hour)); err != nil || ok {
			t.Errorf("a sent briefing was claimed again: %v %v", ok, err)
		}
		rec, ok, err = open().Record(ctx, f.Scope, f.Day)
		if err != nil || !ok || rec.State != bot.BriefingSent || rec.MessageID != "5001" || rec.Attempts != 3 || rec.Holder != "" || !rec.DoneAt.Equal(done.DoneAt) {
			t.Errorf("after reopening: %+v %v %v", rec, ok, err)
		}
	})

	t.Run("last is the newest sent or empty", func(t *testing.T) {
		log := open()
		const scope = "1000000000000000002"
		if _, ok, err := log.Last(ctx, scope); err != nil || ok {
			t.Errorf("last of a server without briefings: %v %v", ok, err)
		}
		for i, state := range []string{bot.BriefingSent, bot.BriefingEmpty, bot.BriefingFailed, ""} {
			day := now.AddDate(0, 0, i)
			f := first(scope, day.Format(time.DateOnly), day)
			if _, ok, err := log.Claim(ctx, f, "a", day, day.Add(time.Minute)); err != nil || !ok {
				t.Fatalf("claim %d: %v %v", i, ok, err)
			}
			if state != "" {
				if err := log.Finish(ctx, bot.BriefingRecord{Scope: scope, Day: f.Day, State: state, Error: "x"}, "a"); err != nil {
					t.Fatal(err)
				}
			}
		}
		last, ok, err := open().Last(ctx, scope)
		if err != nil || !ok || last.Day != "2024-03-08" || last.State != bot.BriefingEmpty || !last.Until.Equal(now.AddDate(0, 0, 1)) {
			t.Errorf("last: %+v %v %v; want the empty one of 8 March", last, ok, err)
		}
	})

	t.Run("concurrent claims: one wins", func(t *testing.T) {
		log := open()
		f := first("1000000000000000003", "2024-03-07", now)
		var wg sync.WaitGroup
		wins := make(chan string, 10)
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				holder := string(rune('a' + i))
				if _, ok, err := log.Claim(ctx, f, holder, now, now.Add(time.Minute)); err != nil {
					t.Error(err)
				} else if ok {
					wins <- holder
				}
			}()
		}
		wg.Wait()
		close(wins)
		if n := len(wins); n != 1 {
			t.Errorf("%d of 10 concurrent claims won, want 1", n)
		}
	})
}
