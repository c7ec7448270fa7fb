package bot

import (
	"context"
	"strings"
	"testing"
	"time"
)

// An extractive answer shows the date beside each quote when the question
// is about time, and not otherwise when all quotes come from one day.
func TestExtractiveAnswerShowsDatesWhenTheyMatter(t *testing.T) {
	st, _ := testStore(t)
	b, err := New(st, nil, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2023, 12, 15, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		question string
		dated    bool
	}{
		{"What did Lavrov call for this week?", true},
		{"What did Lavrov call for recently?", true},
		{"When did Lavrov call for a conference?", true},
		{"What did Lavrov call for?", false},
	}
	for _, tt := range tests {
		a, err := b.Ask(context.Background(), Question{Text: tt.question, Now: now}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if a.Abstained || len(a.Citations) == 0 {
			t.Fatalf("%q: no answer: %q", tt.question, a.Text)
		}
		if !a.AsOf.Equal(now) {
			t.Errorf("%q: AsOf %v, want %v", tt.question, a.AsOf, now)
		}
		for _, line := range strings.Split(a.Text, "\n") {
			if !strings.HasPrefix(line, "> ") {
				continue
			}
			if got := strings.HasSuffix(line, "] (13 Dec 2023)"); got != tt.dated {
				t.Errorf("%q: quote %q: dated %v, want %v", tt.question, line, got, tt.dated)
			}
		}
	}
}

func TestDatesDiffer(t *testing.T) {
	st, seed := testStore(t)
	var bike *quote
	for _, a := range st.List("") {
		if a.ID != seed.ID {
			bike = &quote{article: a, paragraph: 1}
		}
	}
	lavrov := quote{article: seed, paragraph: 1}
	if datesDiffer([]quote{lavrov, lavrov}) {
		t.Error("one article: dates differ")
	}
	// The bike-lane article has no date: one dated day is not a difference.
	if datesDiffer([]quote{lavrov, *bike}) {
		t.Error("one dated article and one undated: dates differ")
	}
	older := *seed
	older.PublishedAt = time.Date(2022, 3, 1, 0, 0, 0, 0, time.UTC)
	if !datesDiffer([]quote{lavrov, {article: &older, paragraph: 1}}) {
		t.Error("quotes from different days: dates do not differ")
	}
	for q, want := range map[string]bool{
		"What happened in March?": true, "When did Lavrov speak?": true, "What is the latest on Gaza?": true,
		"What did Lavrov call for?": false, "Who won the 2022 World Cup?": false,
	} {
		if got := asksAboutTime(q); got != want {
			t.Errorf("asksAboutTime(%q): got %v, want %v", q, got, want)
		}
	}
}

// Time words are not words a paragraph must hold: a question about
// yesterday is answered from the article of yesterday, not refused.
func TestTimeWordsDoNotCountAgainstRelevance(t *testing.T) {
	st, _ := testStore(t)
	b, err := New(st, nil, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2023, 12, 14, 9, 0, 0, 0, time.UTC)
	for _, q := range []string{"What did Lavrov say yesterday?", "What did Lavrov propose lately?", "What did Lavrov say this week?"} {
		a, err := b.Ask(context.Background(), Question{Text: q, Now: now}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if a.Abstained || len(a.Citations) == 0 {
			t.Errorf("%q: refused: %q", q, a.Text)
		}
	}
}
