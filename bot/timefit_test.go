package bot

import (
	"context"
	"testing"
	"time"

	"github.com/newsbot/newsbot/retrieval"
)

// Evidence is judged in time: a question about this week is not answered
// from an article of a year before (it tells of an earlier event), nor,
// asked as of a past day, from one written after it; a question without
// time words is answered from the seed article however old it is.
func TestEvidenceFitsTheTimeAsked(t *testing.T) {
	st, seed := testStore(t) // the seed article is of 13 December 2023
	b, err := New(st, nil, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }
	tests := []struct {
		q       string
		now     time.Time
		abstain bool
	}{
		{"What did Lavrov call for this week?", day(2023, 12, 15), false},
		{"What did Lavrov call for this week?", day(2024, 12, 20), true},
		{"What did Lavrov call for recently?", day(2023, 12, 20), false},
		{"What did Lavrov call for recently?", day(2025, 6, 1), true},
		{"What did Lavrov call for?", day(2026, 12, 1), false},
		{"What did Lavrov call for in December 2023?", day(2026, 12, 1), false},
		{"What did Lavrov call for?", day(2023, 1, 10), true}, // asked before the article was written
	}
	for _, tt := range tests {
		a, err := b.Ask(context.Background(), Question{Text: tt.q, Now: tt.now}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if a.Abstained != tt.abstain {
			t.Errorf("%q as of %s: abstained %v, want %v:\n%s", tt.q, tt.now.Format(time.DateOnly), a.Abstained, tt.abstain, a.Text)
		}
		if a.Abstained && (len(a.Closest) == 0 || a.Closest[0].ID != seed.ID) {
			t.Errorf("%q as of %s: the refusal does not name the seed article as closest", tt.q, tt.now.Format(time.DateOnly))
		}
	}
}

// A name that opens a sentence is a name when its article never writes it
// in lower case, writes it with a capital inside a sentence, or it starts
// a run of capitalized words: "Germany debuted …" answers "Which country
// …?", "Experts debuted …" does not when the article speaks of experts.
func TestNameOpeningASentence(t *testing.T) {
	q := question{kind: nameKind, words: map[string]bool{"which": true, "country": true}}
	names := nameWords(&retrieval.Article{Paragraphs: []string{
		"Germany debuted the first hydrogen trains. Experts debuted the first hydrogen trains.",
		"Many experts praised them. Rail fans in Saxony agreed. Officials said so; the officials of Saxony agreed.",
	}})
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"Germany debuted the first hydrogen trains.", true},
		{"Experts debuted the first hydrogen trains.", false},
		{"The trains were debuted by Germany.", true},
		{"Monday saw the first hydrogen trains.", false},
		{"Saxony's trains are new.", true},
		{"Officials praised the trains.", false},
		{"Rail Authority officials praised the trains.", true},
	} {
		if got := q.hasNewName(tt.s, names); got != tt.want {
			t.Errorf("%q: name %v, want %v", tt.s, got, tt.want)
		}
	}
}
