package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/retrieval"
)

func ratedAnswer(t testing.TB) *Answer {
	t.Helper()
	art := &retrieval.Article{ID: "lavrov-1", Title: "Moscow Calls for UN Conference", URL: "https://example.com/lavrov",
		Paragraphs: []string{"One.", "Two.", "Lavrov called for a conference of all five permanent members."}}
	return &Answer{Text: "Lavrov wants the five permanent members there [1].", Mode: ModeLLM, Question: "Who should attend Lavrov's conference?",
		Citations: []Citation{newCitation(1, art, 3)}}
}

func TestFeedbackVotesAreAnonymousAndReplaced(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store := OpenFeedbackFiles(filepath.Join(dir, "feedback"))
	fb := NewFeedback(store, FeedbackOptions{})
	ctx := context.Background()
	asked := time.Date(2025, 11, 21, 9, 30, 0, 0, time.UTC)
	rate := func(user string, v Vote) Vote {
		t.Helper()
		prev, err := fb.Rate(ctx, Rating{AnswerID: "a1b2c3", Scope: "1001", AskedAt: asked, Question: "who goes?",
			Answer: ratedAnswer(t), User: user, Vote: v})
		if err != nil {
			t.Fatal(err)
		}
		return prev
	}
	if prev := rate("300000000000000001", VoteDown); prev != "" {
		t.Errorf("first vote: previous %q, want none", prev)
	}
	if prev := rate("300000000000000001", VoteUp); prev != VoteDown {
		t.Errorf("second vote: previous %q, want down", prev)
	}
	rate("300000000000000002", VoteUp)

	rated, err := store.RatedAnswers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rated) != 1 || len(rated[0].Votes) != 2 {
		t.Fatalf("stored: %+v", rated)
	}
	a := rated[0]
	if a.Question != "who goes?" || a.Standalone != "Who should attend Lavrov's conference?" || a.Scope != "1001" || !a.AskedAt.Equal(asked) ||
		len(a.Citations) != 1 || a.Citations[0].ArticleID != "lavrov-1" || a.Citations[0].Paragraph != 3 {
		t.Errorf("rated answer: %+v", a)
	}
	plain := sha256.Sum256([]byte("300000000000000001"))
	raw, _ := os.ReadFile(filepath.Join(dir, "feedback", "a1b2c3.json"))
	for _, leak := range []string{"300000000000000001", hex.EncodeToString(plain[:16])} {
		if strings.Contains(string(raw), leak) {
			t.Errorf("the stored vote holds %q, which reveals the voter", leak)
		}
	}
	if a.Votes[0].Vote != VoteUp || a.Votes[0].User == a.Votes[1].User || len(a.Votes[0].User) != 32 {
		t.Errorf("votes: %+v", a.Votes)
	}
	// The key survives: a new Feedback over the same folder hashes alike.
	again := NewFeedback(OpenFeedbackFiles(filepath.Join(dir, "feedback")), FeedbackOptions{})
	if prev, err := again.Rate(ctx, Rating{AnswerID: "a1b2c3", Answer: ratedAnswer(t), User: "300000000000000002", Vote: VoteDown}); err != nil || prev != VoteUp {
		t.Errorf("after a restart the same voter's earlier vote is %q (%v), want up", prev, err)
	}
	if info, err := os.Stat(filepath.Join(dir, "feedback", secretFile)); err != nil || info.Mode().Perm()&0o077 != 0 {
		t.Errorf("the key file: %v, %v; want it private to its owner", info.Mode(), err)
	}
}

func TestFeedbackExportGold(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name      string
		votes     []Vote
		abstained bool
		gold      bool
	}{
		{"one up", []Vote{VoteUp}, false, true},
		{"up outvoted by down", []Vote{VoteUp, VoteDown}, false, false},
		{"wrong source", []Vote{VoteUp, VoteWrongSource}, false, false},
		{"two up, one down", []Vote{VoteUp, VoteUp, VoteDown}, false, true},
		{"down alone", []Vote{VoteDown}, false, false},
		{"an abstention is no gold", []Vote{VoteUp}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fb := NewFeedback(OpenFeedbackFiles(t.TempDir()), FeedbackOptions{})
			ans := ratedAnswer(t)
			ans.Abstained = tt.abstained
			for k, v := range tt.votes {
				if _, err := fb.Rate(ctx, Rating{AnswerID: "x1", Scope: "1001", AskedAt: time.Date(2025, 11, 21, 23, 0, 0, 0, time.UTC),
					Question: "who goes?", Answer: ans, User: string(rune('a' + k)), Vote: v}); err != nil {
					t.Fatal(err)
				}
			}
			all, err := fb.Export(ctx, true)
			if err != nil || len(all) != 1 {
				t.Fatalf("export --all: %d queries, %v", len(all), err)
			}
			q := all[0]
			if q.ID != "feedback-x1" || q.Question != "Who should attend Lavrov's conference?" || q.Asked != "who goes?" || q.Date != "2025-11-21" ||
				q.Answer != "Lavrov wants the five permanent members there." || len(q.Cited) != 1 {
				t.Errorf("query: %+v", q)
			}
			if got := len(q.Gold) == 1 && q.Gold[0] == (GoldParagraph{"lavrov-1", 3}); got != tt.gold {
				t.Errorf("gold %+v, want gold %v", q.Gold, tt.gold)
			}
			withGold, _ := fb.Export(ctx, false)
			if (len(withGold) == 1) != tt.gold {
				t.Errorf("the default export has %d queries, want them only with gold", len(withGold))
			}
		})
	}
}
