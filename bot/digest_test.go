package bot

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/newsbot/newsbot/bot/modeltest"
	"github.com/newsbot/newsbot/retrieval"
)

// storyOf names each test article's story.
var storyOf = map[string]string{
	"drought-emergency": "drought", "drought-rationing": "drought", "drought-vote": "drought", "drought-rain": "drought",
	"harbour-budget": "harbour", "harbour-budget-2": "harbour", "museum": "museum",
}

// Articles about one story group together, and only they: the drought's
// four reports, the harbour's two, the museum's one, biggest first.
func TestGroupStories(t *testing.T) {
	st, arts := newsStore(t, loadedAll(time.Date(2024, 3, 7, 6, 0, 0, 0, time.UTC)))
	b, err := New(st, nil, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var list []*retrieval.Article
	names := map[*retrieval.Article]string{}
	for name, a := range arts {
		list = append(list, a)
		names[a] = name
	}
	stories, err := b.groupStories(context.Background(), list)
	if err != nil {
		t.Fatal(err)
	}
	var got [][]string
	for _, s := range stories {
		var g []string
		for _, a := range s.Articles {
			g = append(g, names[a])
		}
		got = append(got, g)
	}
	if len(got) != 3 {
		t.Fatalf("stories %v, want 3", got)
	}
	for i, want := range []struct {
		story string
		n     int
	}{{"drought", 4}, {"harbour", 2}, {"museum", 1}} {
		if len(got[i]) != want.n {
			t.Errorf("story %d: %v, want the %d %s articles", i+1, got[i], want.n, want.story)
		}
		for _, name := range got[i] {
			if storyOf[name] != want.story {
				t.Errorf("story %d (%s) holds %s", i+1, want.story, name)
			}
		}
	}
}

// Without a model, a briefing is one quoted lead sentence per story that
// arrived in the period, biggest story first, each cited to the paragraph
// that holds it, the other reports cited as "also". Articles loaded
// outside the period are left out.
func TestBriefExtractive(t *testing.T) {
	day := time.Date(2024, 3, 7, 8, 0, 0, 0, time.UTC)
	st, arts := newsStore(t, func(name string) time.Time {
		if name == "drought-emergency" {
			return day.AddDate(0, -2, 0) // arrived long before
		}
		return day.Add(-3 * time.Hour)
	})
	b, err := New(st, nil, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := b.brief(context.Background(), briefRequest{Scope: newsGuild, Since: day.Add(-24 * time.Hour), Until: day})
	if err != nil {
		t.Fatal(err)
	}
	if d.Mode != ModeExtractive || d.Arrived != 6 || len(d.Lines) != 3 {
		t.Fatalf("digest: mode %s, %d arrived, lines %+v; want extractive, 6, 3 lines", d.Mode, d.Arrived, d.Lines)
	}
	if slices.Contains(d.Stories[0].Articles, arts["drought-emergency"]) {
		t.Error("an article loaded before the period is in the briefing")
	}
	for i, l := range d.Lines {
		if !l.Quoted || len(l.Cites) != 1 {
			t.Fatalf("line %d: %+v, want one quoted sentence with one citation", i, l)
		}
		c := d.Citations[l.Cites[0]-1]
		if !strings.Contains(c.Quote, l.Text) {
			t.Errorf("line %d %q cites %s ¶%d, which does not hold it: %q", i, l.Text, c.Article.Title, c.Paragraph, c.Quote)
		}
		if c.Article != d.Stories[i].Articles[0] {
			t.Errorf("line %d cites %q, not its story's lead article", i, c.Article.Title)
		}
		if want := min(2, len(d.Stories[i].Articles)-1); len(l.Also) != want {
			t.Errorf("line %d: %d other reports cited, want %d", i, len(l.Also), want)
		}
	}
	a := d.answer(-1)
	if !strings.HasPrefix(a.Text, "- ") || strings.Count(a.Text, "\n") != 2 || len(a.Citations) != len(d.Citations) {
		t.Errorf("answer %q with %d citations", a.Text, len(a.Citations))
	}
	// The first line alone keeps only its own citations, renumbered.
	one := d.answer(1)
	if strings.Contains(one.Text, "\n") || len(one.Citations) != 1+len(d.Lines[0].Also) || one.Citations[0].N != 1 {
		t.Errorf("first line alone: %q with %+v", one.Text, one.Citations)
	}
}

// A topic keeps the articles about it; nothing arriving is an empty
// digest.
func TestBriefTopicAndEmpty(t *testing.T) {
	day := time.Date(2024, 3, 7, 8, 0, 0, 0, time.UTC)
	st, _ := newsStore(t, loadedAll(day.Add(-time.Hour)))
	b, err := New(st, nil, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := b.brief(context.Background(), briefRequest{Scope: newsGuild, Topic: "harbour dredging", Until: day})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Stories) != 1 || len(d.Stories[0].Articles) != 2 || !strings.Contains(d.Stories[0].Articles[0].Title, "Portmere") {
		t.Errorf("topic harbour dredging: stories %+v, want the harbour's two articles", d.Stories)
	}
	d, err = b.brief(context.Background(), briefRequest{Scope: newsGuild, Since: day, Until: day.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if !d.Empty() || d.Arrived != 0 {
		t.Errorf("a day when nothing arrived: %+v", d)
	}
	d, err = b.brief(context.Background(), briefRequest{Scope: "300000000000000002", Until: day})
	if err != nil || !d.Empty() {
		t.Errorf("another server's briefing: %+v, %v; want empty", d, err)
	}
}

// With a model, the model writes one line per story from numbered
// sources grouped by story; each line keeps the paragraphs it cites, and a
// line that cites nothing, or a number it was not shown, is dropped.
func TestBriefModel(t *testing.T) {
	day := time.Date(2024, 3, 7, 8, 0, 0, 0, time.UTC)
	st, _ := newsStore(t, loadedAll(day.Add(-time.Hour)))
	srv := modeltest.New(t)
	b, err := New(st, NewModel(srv.Client(), "gpt-4o-mini", ModelOptions{}), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv.SetReply(func(req openai.ChatCompletionRequest) string {
		prompt := req.Messages[len(req.Messages)-1].Content
		num := func(needle string) string {
			for _, m := range label.FindAllStringSubmatch(prompt, -1) {
				if strings.Contains(m[2], needle) {
					return m[1]
				}
			}
			return "99"
		}
		return "- The Arlen Valley drought led to water rationing [" + num("cut water allocations") + "][" + num("voted on Monday") + "].\n" +
			"- Portmere approved a harbour budget [" + num("42 million euro harbour budget") + "].\n" +
			"- A line without a source.\n" +
			"- A line citing nothing shown [77]."
	})
	d, err := b.brief(context.Background(), briefRequest{Scope: newsGuild, Until: day})
	if err != nil {
		t.Fatal(err)
	}
	if d.Mode != ModeLLM || len(d.Lines) != 2 {
		t.Fatalf("mode %s, lines %+v; want the model's two cited lines", d.Mode, d.Lines)
	}
	want := []struct {
		text   string
		quotes []string
	}{
		{"The Arlen Valley drought led to water rationing.", []string{"cut water allocations", "voted on Monday"}},
		{"Portmere approved a harbour budget.", []string{"42 million euro harbour budget"}},
	}
	for i, w := range want {
		l := d.Lines[i]
		if l.Text != w.text || l.Quoted || len(l.Cites) != len(w.quotes) {
			t.Errorf("line %d: %+v, want %q citing %d paragraphs", i, l, w.text, len(w.quotes))
			continue
		}
		for k, q := range w.quotes {
			if c := d.Citations[l.Cites[k]-1]; !strings.Contains(c.Quote, q) {
				t.Errorf("line %d citation %d is %q, want the paragraph with %q", i, k, c.Quote, q)
			}
		}
	}
	reqs := srv.ChatRequests()
	if len(reqs) != 1 || !strings.Contains(reqs[0].Messages[1].Content, "Story 3:") {
		t.Errorf("the model was asked %d times; want once, with three stories", len(reqs))
	}
}
