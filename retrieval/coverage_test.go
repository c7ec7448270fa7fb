package retrieval

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// A paragraph that holds all of the question's words outranks one that
// repeats some of them, which BM25 alone prefers.
func TestCoverageOutranksRepetition(t *testing.T) {
	now := time.Date(2026, 6, 12, 9, 0, 0, 0, time.UTC)
	arts := synthCorpus(t, synthOptions{Paragraphs: 300, Seed: 9})
	for i := range 20 { // the council votes often; the harbour is news
		arts = append(arts, datedArticle(fmt.Sprintf("Council Meeting %d", i), fmt.Sprintf("https://x.example/council/%d", i), "2026-05-01",
			"The council will vote on the budget next week, members said."))
	}
	st := openFilledStore(t, NewLocalEmbedder(), GlobalScope, append(arts,
		datedArticle("Zanzibar Harbour", "https://x.example/repeats", "2026-06-10",
			"Zanzibar harbour: the harbour of Zanzibar, the Zanzibar harbour."),
		datedArticle("Port News", "https://x.example/answers", "2026-06-10",
			"The harbour in Zanzibar will be dredged after a vote by the town's council, officials said on Monday in a statement."),
	))
	q := Query{Text: "Why did the Zanzibar council vote to dredge the harbour?", Now: now}
	if got := searchIDs(t, st, q); len(got) == 0 || got[0] != "https://x.example/answers" {
		t.Errorf("got %v, want the paragraph that holds all the words first", got)
	}
	defer func(old float64) { coordExp = old }(coordExp)
	coordExp = 0
	if got := searchIDs(t, st, q); len(got) == 0 || got[0] != "https://x.example/repeats" {
		t.Errorf("without coordination: got %v; the test no longer shows what coordination changes", got)
	}
}

// The term cache answers as analysis does, each term once in the order of
// its first use, and holds at most its size of texts, dropping the least
// recently used.
func TestTermCache(t *testing.T) {
	c := newTermCache(termCacheSize)
	text := "The harbour's dredging: harbours dredged, the harbour council voted."
	want := []string{"harbour", "dredg", "council", "vote"}
	for range 2 { // analysed, then cached
		if got := c.get(text); !slices.Equal(got, want) {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	for i := range 3 * termCacheSize {
		c.get(fmt.Sprint("word", i))
	}
	if n := c.Len(); n > termCacheSize {
		t.Errorf("the cache holds %d texts, more than %d", n, termCacheSize)
	}
	if c.Contains(text) {
		t.Errorf("a text unused for %d others is still held", 3*termCacheSize)
	}
	if got := c.get(text); !slices.Equal(got, want) {
		t.Errorf("analysed again: got %q, want %q", got, want)
	}
}
