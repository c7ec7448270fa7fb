package bot

import (
	"context"
	"slices"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/newsbot/newsbot/bot/modeltest"
	"github.com/newsbot/newsbot/retrieval"
)

// checkTimeline fails the test unless every event is dated, the events
// are oldest first, and each cites a paragraph that holds its date: in
// its text (Stated), or as its article's publication date.
func checkTimeline(t *testing.T, tl *Timeline) {
	t.Helper()
	for i, e := range tl.Events {
		if e.Date.IsZero() || len(e.Cites) == 0 {
			t.Errorf("event %d is undated or uncited: %+v", i, e)
			continue
		}
		if i > 0 && e.Date.Before(tl.Events[i-1].Date) {
			t.Errorf("event %d (%s) comes after a later one (%s)", i, e.DateLabel(), tl.Events[i-1].DateLabel())
		}
		c := tl.Citations[e.Cites[0]-1]
		if e.Stated {
			found := slices.ContainsFunc(retrieval.DatesIn(c.Quote, articleTime(c.Article)), func(d retrieval.DateMention) bool {
				return d.Since.Equal(e.Date) && d.Phrase == e.Phrase
			})
			if !found {
				t.Errorf("event %d is dated %s by %q, which its paragraph does not say: %q", i, e.DateLabel(), e.Phrase, c.Quote)
			}
		} else if !c.Article.PublishedAt.Equal(e.Date) {
			t.Errorf("event %d is dated %s, its article %s", i, e.DateLabel(), dayLabel(c.Article.PublishedAt))
		}
	}
}

// Without a model, the timeline quotes the sentences that report the
// story's events, dated by the dates they state: "on January 12" in a
// report of 15 January, "on Monday" in one of Tuesday 5 March.
func TestTimelineExtractive(t *testing.T) {
	st, _ := newsStore(t, loadedAll(day1))
	b, err := New(st, nil, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tl, err := b.Timeline(context.Background(), TimelineRequest{Topic: "Arlen Valley drought", Scope: newsGuild, Now: day1.AddDate(0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if tl.Abstained || tl.Mode != ModeExtractive || len(tl.Events) < 4 {
		t.Fatalf("timeline: %+v", tl)
	}
	checkTimeline(t, tl)
	var stated []string
	for _, e := range tl.Events {
		if e.Stated {
			stated = append(stated, e.DateLabel()+" "+e.Phrase)
		}
		if !e.Quoted {
			t.Errorf("an extractive event is not a quote: %+v", e)
		}
	}
	want := []string{"12 Jan 2024 on January 12", "1 Mar 2024 on March 1", "4 Mar 2024 on Monday", "6 Mar 2024 on Wednesday"}
	if !slices.Equal(stated, want) {
		t.Errorf("dated by their text: %q, want %q", stated, want)
	}
	a := tl.Answer(-1)
	if !strings.HasPrefix(a.Text, "12 Jan 2024 — The Arlen County board declared a drought emergency on January 12") {
		t.Errorf("answer text: %q", a.Text)
	}
	for _, story := range []string{"Portmere", "Lindqvist"} {
		if strings.Contains(a.Text, story) {
			t.Errorf("the drought's timeline tells of %s: %q", story, a.Text)
		}
	}

	none, err := b.Timeline(context.Background(), TimelineRequest{Topic: "volcanic eruption in Iceland", Scope: newsGuild})
	if err != nil || !none.Abstained || len(none.Events) != 0 {
		t.Errorf("a story the library lacks: %+v, %v", none, err)
	}
	if _, err := b.Timeline(context.Background(), TimelineRequest{Topic: "  ", Scope: newsGuild}); err == nil {
		t.Error("an empty topic gave a timeline")
	}
}

// With a model, the model writes the events from numbered paragraphs that
// carry the dates the bot read in them; a line whose date no cited
// paragraph bears is dated by its article instead, and the lines are put
// in order whatever order the model wrote them in.
func TestTimelineModel(t *testing.T) {
	st, _ := newsStore(t, loadedAll(day1))
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
		return "2024-03-04 — The water board voted to ration household water [" + num("voted on Monday") + "].\n" +
			"2024-01-12 — The county declared a drought emergency [" + num("declared a drought emergency") + "].\n" +
			"2024-02-20 — Rain fell on the valley [" + num("Light rain fell") + "].\n" +
			"2024-03-01 — A line that cites nothing.\n" +
			"Some closing remark [" + num("Light rain fell") + "]."
	})
	tl, err := b.Timeline(context.Background(), TimelineRequest{Topic: "Arlen Valley drought", Scope: newsGuild, Now: day1})
	if err != nil {
		t.Fatal(err)
	}
	if tl.Mode != ModeLLM || len(tl.Events) != 3 {
		t.Fatalf("timeline %+v, want the model's three dated, cited lines", tl)
	}
	checkTimeline(t, tl)
	got := []string{}
	for _, e := range tl.Events {
		got = append(got, e.DateLabel())
	}
	// 20 February is in no paragraph: the rain is dated by its report, 7 March.
	if want := []string{"12 Jan 2024", "4 Mar 2024", "7 Mar 2024"}; !slices.Equal(got, want) {
		t.Errorf("dates %v, want %v", got, want)
	}
	prompt := srv.ChatRequests()[0].Messages[1].Content
	if !strings.Contains(prompt, "(dates: on Monday = 2024-03-04)") || !strings.HasPrefix(prompt, "Story: Arlen Valley drought") {
		t.Errorf("the prompt does not carry the dates read: %s", prompt)
	}
}
