// Package storetest checks that an implementation of bot.SettingsStore or
// bot.FeedbackStore keeps the contract the bot relies on, so the files in
// the data folder and PostgreSQL are held to the same tests, as
// testing/fstest does for file systems.
package storetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsbot/newsbot/bot"
)

// Settings checks a SettingsStore. open returns a store over the same
// storage each time it is called, as after a restart.
func Settings(t *testing.T, open func() bot.SettingsStore) {
	t.Run("zero value for a new scope", func(t *testing.T) {
		s, err := open().Settings(context.Background(), "1000000000000000001")
		if err != nil || len(s.Channels) != 0 || s.RatePerMinute != 0 || s.Language != "" || !s.UpdatedAt.IsZero() {
			t.Fatalf("a new server's settings: %+v, %v; want the zero value", s, err)
		}
	})
	t.Run("kept across a reopen", func(t *testing.T) {
		ctx := context.Background()
		got, err := open().UpdateSettings(ctx, "1000000000000000002", func(s *bot.Settings) error {
			s.Channels = []string{"2001", "2002"}
			s.RatePerMinute, s.Burst, s.NoThreads, s.Language, s.UpdatedBy = 10, 4, true, "German", "3001"
			return nil
		})
		if err != nil || got.UpdatedAt.IsZero() {
			t.Fatalf("update: %+v, %v", got, err)
		}
		s, err := open().Settings(ctx, "1000000000000000002")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(s.Channels, ",") != "2001,2002" || s.RatePerMinute != 10 || s.Burst != 4 || !s.NoThreads ||
			s.Language != "German" || s.UpdatedBy != "3001" || !s.UpdatedAt.Equal(got.UpdatedAt) {
			t.Errorf("after reopening: %+v, want %+v", s, got)
		}
		all, err := open().AllSettings(ctx)
		if err != nil || len(all["1000000000000000002"].Channels) != 2 {
			t.Errorf("AllSettings: %v, %v", all, err)
		}
		if _, ok := all["1000000000000000001"]; ok {
			t.Errorf("AllSettings lists a scope that never changed anything")
		}
	})
	t.Run("a daily briefing and the zone kept across a reopen", func(t *testing.T) {
		ctx := context.Background()
		set := time.Date(2024, 3, 6, 21, 0, 0, 0, time.UTC)
		if _, err := open().UpdateSettings(ctx, "1000000000000000005", func(s *bot.Settings) error {
			s.Timezone = "Europe/Berlin"
			s.Briefing = &bot.Briefing{Channel: "2001", At: "07:30", Topic: "the drought", SetAt: set, SetBy: "3001"}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		s, err := open().Settings(ctx, "1000000000000000005")
		if err != nil || s.Timezone != "Europe/Berlin" || s.Briefing == nil || *s.Briefing != (bot.Briefing{Channel: "2001", At: "07:30", Topic: "the drought", SetAt: set, SetBy: "3001"}) {
			t.Errorf("after reopening: %+v (briefing %+v), %v", s, s.Briefing, err)
		}
		if _, err := open().UpdateSettings(ctx, "1000000000000000005", func(s *bot.Settings) error { s.Timezone = "Mars/Olympus"; return nil }); bot.UserMessage(err) == "" {
			t.Errorf("an unknown zone: %v, want a sentence for the moderator", err)
		}
	})
	t.Run("refused changes keep the old", func(t *testing.T) {
		ctx := context.Background()
		st := open()
		const scope = "1000000000000000003"
		if _, err := st.UpdateSettings(ctx, scope, func(s *bot.Settings) error { s.RatePerMinute = 5; return nil }); err != nil {
			t.Fatal(err)
		}
		for _, fn := range []func(*bot.Settings) error{
			func(s *bot.Settings) error { s.RatePerMinute = 61; return nil },
			func(s *bot.Settings) error { s.Language = "Klingon"; return nil },
			func(s *bot.Settings) error { s.RatePerMinute = 7; return &bot.InputError{Err: errors.New("no")} },
		} {
			if _, err := st.UpdateSettings(ctx, scope, fn); bot.UserMessage(err) == "" {
				t.Errorf("a bad change: %v, want a sentence for the moderator", err)
			}
		}
		if s, _ := open().Settings(ctx, scope); s.RatePerMinute != 5 || s.Language != "" {
			t.Errorf("a refused change was kept: %+v", s)
		}
	})
	t.Run("updates do not interleave", func(t *testing.T) {
		ctx := context.Background()
		st := open()
		const scope = "1000000000000000004"
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := st.UpdateSettings(ctx, scope, func(s *bot.Settings) error {
					s.Channels = append(s.Channels, "2001")
					return nil
				}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if s, _ := open().Settings(ctx, scope); len(s.Channels) != 20 {
			t.Errorf("%d of 20 concurrent updates kept", len(s.Channels))
		}
	})
}

// Feedback checks a FeedbackStore. open returns a store over the same
// storage each time it is called, as after a restart.
func Feedback(t *testing.T, open func() bot.FeedbackStore) {
	ctx := context.Background()
	asked := time.Date(2025, 11, 21, 9, 30, 0, 0, time.UTC)
	answer := func(id string, at time.Time) bot.RatedAnswer {
		return bot.RatedAnswer{ID: id, Scope: "1000000000000000001", Kind: bot.KindQuestion, AskedAt: at,
			Question: "who goes?", Standalone: "Who should attend Lavrov's conference?", Answer: "The five [1].", Mode: bot.ModeLLM,
			Citations: []bot.CitedParagraph{{N: 1, ArticleID: "lavrov-1", Paragraph: 3, Title: "Moscow Calls", URL: "https://example.com/l"}}}
	}
	vote := func(user string, v bot.Vote, at time.Time) bot.VoteRecord {
		return bot.VoteRecord{User: user, Vote: v, At: at}
	}

	t.Run("votes replace a voter's earlier one and survive a reopen", func(t *testing.T) {
		st := open()
		a := answer("a1b2c3", asked)
		if prev, err := st.AddVote(ctx, a, vote("u1", bot.VoteDown, asked.Add(time.Minute))); err != nil || prev != "" {
			t.Fatalf("first vote: %q, %v", prev, err)
		}
		changed := a
		changed.Answer = "changed after the first vote, ignored"
		if prev, err := st.AddVote(ctx, changed, vote("u1", bot.VoteUp, asked.Add(2*time.Minute))); err != nil || prev != bot.VoteDown {
			t.Fatalf("second vote: previous %q, %v; want down", prev, err)
		}
		if _, err := st.AddVote(ctx, a, vote("u2", bot.VoteWrongSource, asked.Add(3*time.Minute))); err != nil {
			t.Fatal(err)
		}
		if _, err := st.AddVote(ctx, answer("older", asked.Add(-time.Hour)), vote("u1", bot.VoteUp, asked)); err != nil {
			t.Fatal(err)
		}
		rated, err := open().RatedAnswers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(rated) != 2 || rated[0].ID != "older" || rated[1].ID != "a1b2c3" {
			t.Fatalf("rated answers: %+v; want older, then a1b2c3", rated)
		}
		got := rated[1]
		if got.Answer != a.Answer || got.Question != a.Question || got.Standalone != a.Standalone || got.Scope != a.Scope ||
			got.Kind != a.Kind || got.Mode != a.Mode || !got.AskedAt.Equal(asked) || !slices.Equal(got.Citations, a.Citations) {
			t.Errorf("stored answer: %+v, want %+v", got, a)
		}
		if len(got.Votes) != 2 || got.Votes[0].User != "u1" || got.Votes[0].Vote != bot.VoteUp || !got.Votes[0].At.Equal(asked.Add(2*time.Minute)) ||
			got.Votes[1].User != "u2" || got.Votes[1].Vote != bot.VoteWrongSource {
			t.Errorf("votes: %+v", got.Votes)
		}
	})
	t.Run("one secret, kept", func(t *testing.T) {
		k1, err := open().Secret(ctx)
		if err != nil || len(k1) < 32 {
			t.Fatalf("secret: %d bytes, %v", len(k1), err)
		}
		var wg sync.WaitGroup
		keys := make([][]byte, 8)
		for i := range keys {
			wg.Add(1)
			go func() {
				defer wg.Done()
				keys[i], _ = open().Secret(ctx)
			}()
		}
		wg.Wait()
		for _, k := range keys {
			if string(k) != string(k1) {
				t.Fatal("the secret changed between opens")
			}
		}
	})
}
