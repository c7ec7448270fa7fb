package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/retrieval"
)

// portmereNews is a fictional story told twice: once with the fact a
// question asks for and once without it, the rest the same. A bot that
// judges evidence answers from the first and refuses the second; one
// that only counts shared words answers both.
var portmereNews = []struct {
	kind     string
	question string
	fact     string // the sentence that answers, in the first telling
	without  string // what the second telling says in its place
	answer   string // what the quoted answer must hold
}{
	{
		kind:     "who",
		question: "Who was appointed harbour master of Portmere?",
		fact:     "The council appointed Mira Okafor as harbour master of Portmere on Tuesday.",
		without:  "The council will appoint a new harbour master of Portmere after the summer.",
		answer:   "Mira Okafor",
	},
	{
		kind:     "who is the X of",
		question: "Who is the mayor of Portmere?",
		fact:     "Portmere's mayor, Ilse Brandt, welcomed the plan.",
		without:  "Dock workers in Portmere, led by Tomas Weller, welcomed the plan.",
		answer:   "Ilse Brandt",
	},
	{
		kind:     "when",
		question: "When will the ferry terminal in Portmere open?",
		fact:     "The ferry terminal in Portmere will open in September 2025, the port authority said.",
		without:  "The ferry terminal in Portmere will open once its funding is settled, the port authority said.",
		answer:   "September 2025",
	},
	{
		kind:     "how many",
		question: "How many cranes did the Portmere port authority order?",
		fact:     "The Portmere port authority ordered 14 cranes from a supplier in Rotterdam.",
		// A year, an ordinal and "one" count no cranes.
		without: "The Portmere port authority ordered its first cranes in 2019, one for each quay.",
		answer:  "14 cranes",
	},
	{
		kind:     "how much",
		question: "How much did the Portmere port authority pay for the cranes?",
		fact:     "The Portmere port authority paid $48 million for the cranes.",
		// A number, but no amount of money.
		without: "The Portmere port authority paid for the cranes in three instalments.",
		answer:  "$48 million",
	},
	{
		kind:     "the year of the event",
		question: "Who won the 2019 Portmere regatta?",
		fact:     "The 2019 Portmere regatta was won by Lena Hart, who later joined the council.",
		// The article is of 2024: without the year, this is any year's.
		without: "The Portmere regatta was won by Lena Hart, who later joined the council.",
		answer:  "Lena Hart",
	},
	{
		kind:     "which song",
		question: "Which song did the Portmere brass band play at the vote?",
		fact:     "The Portmere brass band played \"Harbour Lights\" at the vote.",
		without:  "The Portmere brass band played a sea shanty at the vote.",
		answer:   "Harbour Lights",
	},
	{
		kind:     "how long in a unit",
		question: "How long is the new Portmere quay in meters?",
		fact:     "The new Portmere quay is 420 meters long.",
		without:  "The new Portmere quay is 1,380 feet long.",
		answer:   "420 meters",
	},
}

// portmereArticle tells the harbour story with middle as its second
// paragraph.
func portmereArticle(middle string) *retrieval.Article {
	return &retrieval.Article{
		Title:       "Portmere harbour expansion approved",
		Source:      "Harbour Gazette",
		PublishedAt: time.Date(2024, 5, 14, 0, 0, 0, 0, time.UTC),
		Paragraphs: []string{
			// No date here: a date of another event next to the question's
			// words would count as one of the event asked about (a known
			// limit: the evidence is words and kinds, not relations).
			"Portmere's harbour will grow by a third under a plan the town council has approved after two years of debate about cost and noise.",
			middle,
			// A short article never writes "fishermen" in lower case: as
			// the first word of a sentence it would read as a name.
			"The fishermen said the works would disturb the spring season, and the council promised to keep one quay free for them.",
		},
	}
}

// TestAnswerabilityOnEvidence asks each question of a library that holds
// its answer and of one that holds the same story without it.
func TestAnswerabilityOnEvidence(t *testing.T) {
	for _, tt := range portmereNews {
		t.Run(tt.kind, func(t *testing.T) {
			for _, told := range []struct {
				middle  string
				answers bool
			}{{tt.fact, true}, {tt.without, false}} {
				b := storyBot(t, portmereArticle(told.middle))
				a, err := b.Ask(context.Background(), Question{Text: tt.question, Now: time.Date(2024, 5, 20, 0, 0, 0, 0, time.UTC)}, nil)
				if err != nil {
					t.Fatal(err)
				}
				if a.Abstained == told.answers {
					t.Errorf("%q over %q: abstained %v, want %v:\n%s", tt.question, told.middle, a.Abstained, !told.answers, a.Text)
					continue
				}
				if told.answers && !strings.Contains(firstQuoted(a.Text), tt.answer) {
					t.Errorf("%q: the first quote lacks %q:\n%s", tt.question, tt.answer, a.Text)
				}
				if !told.answers && (len(a.Closest) == 0 || a.Closest[0].Title != "Portmere harbour expansion approved") {
					t.Errorf("%q: the refusal names %v, want the Portmere article first", tt.question, a.Closest)
				}
			}
		})
	}
}

// storyBot is a bot without a model over a library of the given article
// and an unrelated one, so that words weigh as in a library.
func storyBot(t testing.TB, story *retrieval.Article) *Bot {
	t.Helper()
	st, _, err := retrieval.OpenStore(context.Background(), t.TempDir(), retrieval.NewLocalEmbedder(), retrieval.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	other := &retrieval.Article{Title: "City Council Approves New Bike Lanes", Source: "Harbor Gazette",
		PublishedAt: time.Date(2024, 5, 10, 0, 0, 0, 0, time.UTC),
		Paragraphs: []string{
			"The city council voted 7-2 on Tuesday to build twelve miles of protected bike lanes downtown.",
			"Construction will begin in September and cost an estimated $4.2 million.",
		}}
	for _, a := range []*retrieval.Article{story, other} {
		if _, _, err := st.Add(context.Background(), a, retrieval.GlobalScope); err != nil {
			t.Fatal(err)
		}
	}
	b, err := New(st, nil, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// firstQuoted returns the first quoted sentence of an extractive answer.
func firstQuoted(text string) string {
	for _, line := range strings.Split(text, "\n") {
		if q, ok := strings.CutPrefix(line, "> "); ok {
			return q
		}
	}
	return ""
}

// A rare name the question asks about must be in the article that answers:
// an article about the Olympics' closing ceremony does not say who hosts
// the Oscars. Common words with a capital, abbreviations and words of
// nationality are written other ways and are not required.
func TestMentionsTheNamesAsked(t *testing.T) {
	terms := func(s string) []string {
		var out []string
		for _, w := range words(s) {
			out = append(out, strings.TrimSuffix(strings.ToLower(w), "s"))
		}
		return out
	}
	idf := map[string]float64{"host": 4, "year": 2, "oscar": 6.1, "ceremony": 4.5, "new": 1, "york": 4.8, "city": 3.4, "us": 3, "japanese": 5.5}
	q := readQuestion("Who is hosting this year's Oscars ceremony in New York City with US and Japanese stars?", idf, nil, terms, time.Date(2026, 3, 13, 0, 0, 0, 0, time.UTC))
	if len(q.mentions) != 1 || q.mentions[0] != "oscar" {
		t.Fatalf("names to mention %q, want [oscar]", q.mentions)
	}
	for _, tt := range []struct {
		paragraphs []string
		want       bool
	}{
		{[]string{"The 98th Oscars will be hosted by Conan O'Brien."}, true},
		{[]string{"The closing ceremony of the Winter Games is held in Verona."}, false},
	} {
		if got := q.mentionsAll(&retrieval.Article{Title: "Ceremony", Paragraphs: tt.paragraphs}); got != tt.want {
			t.Errorf("%q: mentions %v, want %v", tt.paragraphs, got, tt.want)
		}
	}
}
