package fetch

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParseFeedRSS(t *testing.T) {
	const base = "https://news.example.com"
	feed, err := parseFeedBounded(context.Background(), []byte(fixture(t, "rss.xml", base)), base+"/rss.xml")
	if err != nil {
		t.Fatalf("ParseFeed: %v", err)
	}
	want := Feed{
		URL:         base + "/rss.xml",
		Title:       "The Daily Example – City",
		Link:        base + "/city",
		Description: "City news from The Daily Example",
		Items: []Item{
			{
				GUID: "daily-example-1001", Title: "Council approves new budget", Link: base + "/articles/budget",
				Author: "Sam Patel", Published: time.Date(2024, 3, 11, 8, 0, 0, 0, time.UTC),
				Summary: "The council approved a budget of €1.2 billion on Monday.",
			},
			{
				GUID: "daily-example-1002", Title: "Harbour bridge reopens after two-year repair",
				Link:   base + "/articles/bridge", // relative in the feed
				Author: "Jane Doe", Published: time.Date(2024, 3, 12, 9, 30, 0, 0, time.UTC),
				Summary: "The bridge reopened on Tuesday.",
			},
			{
				GUID: "daily-example-1003", Title: "Storm warning for the coast", Link: base + "/articles/storm",
				Published: time.Date(2024, 3, 13, 18, 15, 0, 0, time.UTC),
				Summary:   "<p>Forecasters warned of gales along the coast on <b>Thursday</b>.</p>",
			},
		},
	}
	opts := cmp.Options{
		cmpopts.IgnoreFields(Item{}, "Content"),
		cmpopts.IgnoreUnexported(Item{}),
		cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
	}
	if diff := cmp.Diff(want, feed, opts...); diff != "" {
		t.Errorf("ParseFeed mismatch (-want +got):\n%s", diff)
	}
	if c := feed.Items[1].Content; !strings.Contains(c, "<p>The harbour bridge reopened") {
		t.Errorf("content:encoded not kept as HTML: %.80q", c)
	}
}

func TestParseFeedAtom(t *testing.T) {
	const base = "https://science.example.org"
	feed, err := parseFeedBounded(context.Background(), []byte(fixture(t, "atom.xml", base)), base+"/science/atom.xml")
	if err != nil {
		t.Fatalf("ParseFeed: %v", err)
	}
	if feed.Title != "Example Science Desk" || len(feed.Items) != 2 {
		t.Fatalf("got %q with %d items", feed.Title, len(feed.Items))
	}
	first, second := feed.Items[0], feed.Items[1]
	if first.Title != "Comet C/2024 A1 brightens" {
		t.Errorf("got title %q, want the HTML title as text", first.Title)
	}
	if first.Author != "Lee Wong" || first.Link != base+"/science/comet" ||
		first.GUID != "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a" ||
		!first.Published.Equal(time.Date(2024, 3, 14, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("first entry: got %+v", first)
	}
	if !second.Published.Equal(time.Date(2024, 3, 13, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("entry without <published>: got date %v, want its <updated>", second.Published)
	}
	if got, want := fragmentParagraphs(second.Summary), []string{"Alpine glaciers lost 4% of their ice last year."}; !cmp.Equal(got, want) {
		t.Errorf("summary paragraphs: got %q, want %q", got, want)
	}
}

func TestParseFeedNotAFeed(t *testing.T) {
	for _, doc := range []string{"", "<html><body>hi</body></html>", "<rss><channel><item>", "plain text"} {
		if _, err := parseFeedBounded(context.Background(), []byte(doc), ""); !errors.Is(err, errNotFeed) {
			t.Errorf("ParseFeed(%q): got %v, want ErrNotFeed", doc, err)
		}
	}
}

func TestItemKey(t *testing.T) {
	pub := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		item Item
		want string
	}{
		{Item{GUID: "g", Link: "l"}, "g"},
		{Item{Link: "l", Title: "t"}, "l"},
		{Item{Title: "t", Published: pub}, "t|2024-01-02T03:04:05Z"},
	}
	for _, tt := range tests {
		if got := tt.item.Key(); got != tt.want {
			t.Errorf("Key(%+v) = %q, want %q", tt.item, got, tt.want)
		}
	}
}
