package bot

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/retrieval"
)

func TestReadSlot(t *testing.T) {
	for _, tt := range []struct {
		q    string
		want slotKind
	}{
		{"Which country is now bankrupt?", countrySlot},
		{"Which NATO country did the missile land in?", countrySlot},
		{"Which US state is considering exonerating accused witches?", stateSlot},
		{"In which state did the incident occur?", stateSlot},
		{"Which additional city did he designate as a drop-off location?", citySlot},
		{"A volcano erupted on which Japanese island on Sunday?", placeSlot},
		{"Where did the debate take place this week?", placeSlot},
		{"Which popular song from the film is nominated for an Oscar?", titleSlot},
		{"The dictionary has named which word or phrase as its word of the year?", titleSlot},
		{"Which company announced it is shutting down its efforts?", noSlot},
		{"Who won the Mercury Prize?", noSlot},
		{"What did Lavrov call for?", noSlot},
		{"What are the names of the turkeys the president pardoned?", nameSlot},
		{"The most transmissible variant yet has arrived. What is it called?", nameSlot},
		{"She was booted from her House seat. What is her name?", noSlot},
	} {
		if got := readSlot(tt.q); got != tt.want {
			t.Errorf("%q: slot %d, want %d", tt.q, got, tt.want)
		}
	}
}

// A sentence fills the slot with a place of the kind asked for that the
// question does not name itself, or a short quoted title.
func TestSlotted(t *testing.T) {
	asked := func(kind slotKind, text string) question {
		q := question{slotKind: kind, words: map[string]bool{}}
		for _, w := range words(text) {
			q.words[strings.ToLower(w)] = true
		}
		return q
	}
	country := asked(countrySlot, "Which country is now bankrupt, according to its prime minister?")
	state := asked(stateSlot, "America's first severe case of bird flu was confirmed in which state?")
	city := asked(citySlot, "After Washington, DC, which city did he name as a drop-off location?")
	where := asked(placeSlot, "Where did the debate take place?")
	title := asked(titleSlot, "Which song from the film is nominated for an Oscar?")
	name := asked(nameSlot, "What are the names of the turkeys the president pardoned?")
	for _, tt := range []struct {
		q    question
		s    string
		want bool
	}{
		{country, "Sri Lanka is bankrupt, the prime minister said on Tuesday.", true},
		{country, "Talks with the International Monetary Fund are difficult, he told lawmakers.", false},
		{country, "The nation of 22 million is bankrupt.", false},
		{state, "On Friday, officials confirmed a case in Louisiana.", true},
		{state, "This year, 61 people in the U.S. have been infected.", false},                         // a country, not a state
		{state, "A vigil is planned on the Missouri State University campus.", false},                  // part of a longer name
		{city, "His state has been busing people to Washington, DC, since April.", false},              // the question's own
		{city, "Abbott's office indicated that New York is now a designated drop-off location.", true}, // a state and a city
		{where, "The debate will be held in Iowa on Wednesday.", true},
		{title, `The earworm "Golden" is a favourite to win.`, true},
		{title, `"I'm heartbroken about the death of Matthew Perry," she wrote.`, false}, // a quote, not a title
		{title, "The song topped the charts for weeks.", false},
		{name, "The chosen turkeys named Gobble and Waddle stay at a hotel.", true},
		{name, "The turkeys were pardoned on Tuesday.", false},
	} {
		if got := tt.q.slotted(tt.s); got != tt.want {
			t.Errorf("%q: slotted %v, want %v", tt.s, got, tt.want)
		}
	}
}

// storeOf is a real store holding arts in the global scope.
func storeOf(t testing.TB, arts ...*retrieval.Article) *retrieval.Store {
	t.Helper()
	st, _, err := retrieval.OpenStore(context.Background(), t.TempDir(), retrieval.NewLocalEmbedder(), retrieval.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, a := range arts {
		if _, _, err := st.Add(context.Background(), a, retrieval.GlobalScope); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// firstQuoteOf returns the first quoted sentence of an answer, without its
// citation.
func firstQuoteOf(a *Answer) string {
	for _, line := range strings.Split(a.Text, "\n") {
		if q, ok := strings.CutPrefix(line, "> "); ok {
			return strings.TrimSpace(citation.ReplaceAllString(q, ""))
		}
	}
	return ""
}

// The first quote is the sentence that holds an answer of the kind the
// question asks for, not the one that shares the most of its words: the
// country for "which country", the title for "which song", the list
// rather than the sentence that introduces it.
func TestExtractiveLeadsWithTheAnswer(t *testing.T) {
	day := time.Date(2024, 7, 5, 0, 0, 0, 0, time.UTC)
	st := storeOf(t,
		&retrieval.Article{Title: "Prime minister says the economy has collapsed", Source: "Island Wire", PublishedAt: day, Paragraphs: []string{
			"Prime Minister Ranil Wickremesinghe told lawmakers that the nation is now bankrupt, according to a statement.",
			"Sri Lanka is bankrupt, the prime minister's administration said on Tuesday, as the island suffers its worst financial crisis in decades.",
			"Fuel queues stretched for miles in the capital.",
		}},
		&retrieval.Article{Title: "Nominations for the song award", Source: "Screen Daily", PublishedAt: day, Paragraphs: []string{
			"The animated film has a popular song nominated for an Oscar this year, its studio said.",
			`The earworm "Golden" from the demon hunters film is nominated.`,
		}},
		&retrieval.Article{Title: "Regulator warns stores over recalled formula", Source: "Health Desk", PublishedAt: day, Paragraphs: []string{
			"The following major retailers received warning letters from the regulator this week for selling recalled formula:",
			"Walmart, Target and Kroger had recalled formula on their shelves, the regulator said in the warning letters it sent to the retailers this week.",
		}},
		&retrieval.Article{Title: "Carmaker shows its plans at AI Day", Source: "Motor Wire", PublishedAt: day, Paragraphs: []string{
			"At the event, the carmaker showed off a new product, software features for its cars.",
			"At the event, the carmaker also showed off a new product, a humanoid robot.",
			"The robot walked stiffly across the stage.",
			"Engineers said the robot could one day work in factories.",
		}},
		&retrieval.Article{Title: "Fire chiefs count the year's fires", Source: "Island Wire", PublishedAt: day, Paragraphs: []string{
			"Experts have warned that England and Wales will need to learn how to deal with wildfires, fire chiefs said this week.",
			"There had been 420 fires in England and Wales since the start of the year, according to the fire chiefs.",
		}},
	)
	b, err := New(st, nil, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ q, want string }{
		{"Which country is now bankrupt, according to a statement from its administration?", "Sri Lanka is bankrupt"},
		{"Which song from the animated film about demon hunters is nominated for an Oscar this year?", `"Golden"`},
		{"Which major retailers received warning letters from the regulator this week for selling recalled formula?", "Walmart, Target and Kroger"},
		{"Which new product did the carmaker show off at its event this week?", "robot"},
		{"According to the fire chiefs, how many wildfires have there been in England and Wales since the start of the year?", "420 fires"},
	} {
		a, err := b.Ask(context.Background(), Question{Text: tt.q, Now: day.AddDate(0, 0, 2)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if a.Abstained || !strings.Contains(firstQuoteOf(a), tt.want) {
			t.Errorf("%q: the first quote lacks %q:\n%s", tt.q, tt.want, a.Text)
		}
	}
}

// Once one sentence is evidence enough to answer, the sentence that scores
// best leads, even if it holds too little of the question's wording to
// answer on its own; quotes far below the best are left out.
func TestExtractiveQuoteOrder(t *testing.T) {
	a := &retrieval.Article{ID: "a", Title: "A", Paragraphs: []string{"one", "two", "three", "four"}}
	cand := func(paragraph int, text string, score, window float64, typed bool) candidate {
		return candidate{article: a, paragraph: paragraph, text: text, terms: strings.Fields(strings.ToLower(text)),
			score: score, self: window, window: window, typed: typed, focused: true, fit: 1, recency: 1}
	}
	restates := cand(1, "Thousands were stranded at the festival grounds.", 0.7, 0.9, true)
	answers := cand(2, "Rains hit Burning Man, stranding tens of thousands.", 0.8, 0.4, true)
	near := cand(3, "Some 73,000 attendees became stranded in the desert.", 0.5, 0.4, true)
	far := cand(4, "Organizers closed the gates on Saturday.", 0.3, 0.3, true)
	got := extractiveAnswer([]candidate{restates, answers, near, far}, true, false)
	var quoted []string
	for _, line := range strings.Split(got.Text, "\n")[1:] {
		quoted = append(quoted, strings.TrimSpace(citation.ReplaceAllString(strings.TrimPrefix(line, "> "), "")))
	}
	want := []string{answers.text, restates.text, near.text} // far is below keepRatio of the best
	if got.Abstained || strings.Join(quoted, "|") != strings.Join(want, "|") {
		t.Errorf("quoted %q, want %q", quoted, want)
	}
}

func TestIntroduces(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"The following retailers received warning letters on Dec. 12, according to the FDA:", true},
		{"Here's what to know about the military bonus.", true},
		{"Here are the nominees for best picture.", true},
		{"Walmart and Target received warning letters.", false},
		{"Officials said here is where the fire started.", false},
	} {
		if got := introduces(tt.s); got != tt.want {
			t.Errorf("%q introduces: %v, want %v", tt.s, got, tt.want)
		}
	}
}

// An answer that the other retrieved sentences repeat is backed by them; a
// sentence's own vote does not count for it.
func TestSupportAnswers(t *testing.T) {
	cands := []candidate{
		{text: "Tesla revealed a humanoid robot.", window: 0.5, answerWords: []string{"humanoid", "robot"}},
		{text: "The robot walked on stage.", window: 0.4, answerWords: []string{"robot", "stage"}},
		{text: "Engineers built the robot.", window: 0.3, answerWords: []string{"engineers", "robot"}},
		{text: "The event recruits talent.", window: 0.6, answerWords: []string{"recruits", "talent"}},
	}
	supportAnswers(question{kind: anyKind}, cands)
	// robot got 1.2 votes, the most: each robot sentence keeps what the
	// others gave; "talent" is backed by no other sentence.
	for i, want := range []float64{0.7 / 1.2, 0.8 / 1.2, 0.9 / 1.2, 0} {
		if got := cands[i].support; math.Abs(got-want) > 1e-9 {
			t.Errorf("%q: support %.3f, want %.3f", cands[i].text, got, want)
		}
	}
}

// After the first quote, a sentence that names someone or something new
// comes before one that only repeats the names already quoted.
func TestQuotesNameSomethingNew(t *testing.T) {
	a := &retrieval.Article{ID: "a", Title: "A", Paragraphs: []string{"1", "2", "3", "4", "5"}}
	cand := func(paragraph int, text string, score float64, mentions ...string) candidate {
		return candidate{article: a, paragraph: paragraph, text: text, terms: strings.Fields(strings.ToLower(text)),
			score: score, self: 0.6, window: 0.6, typed: true, focused: true, fit: 1, recency: 1, mentions: mentions}
	}
	got := pickCandidates([]candidate{
		cand(1, "Biden tested positive on Thursday.", 1.0, "biden"),
		cand(2, "It is the first time Biden tested positive.", 0.9, "biden"),
		cand(3, "The aide said the test was mild.", 0.85),
		cand(4, "US President Joe Biden was seen after he tested positive.", 0.8, "president", "joe", "biden"),
	}, 3, 0.6)
	var quoted []int
	for _, c := range got {
		quoted = append(quoted, c.paragraph)
	}
	if want := []int{1, 3, 4}; !slices.Equal(quoted, want) {
		t.Errorf("quoted paragraphs %v, want %v", quoted, want)
	}
}
