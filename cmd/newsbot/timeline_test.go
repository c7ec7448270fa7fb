package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// newsbot timeline prints a story's events oldest first, each dated and
// cited; --json gives each event's date, whether its paragraph states it,
// and the citations as ask --json has them.
func TestTimelineCommand(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	files, err := filepath.Glob("../../bot/testdata/news/drought-*.md")
	if err != nil || len(files) != 4 {
		t.Fatalf("test news: %v %v", files, err)
	}
	c.mustRun(append([]string{"ingest"}, files...)...)
	out := c.mustRun("timeline", "Arlen Valley drought")
	if !strings.HasPrefix(out, "12 Jan 2024 — The Arlen County board declared a drought emergency on January 12") || !strings.Contains(out, "\nSources\n[1] Valley Courier — ") {
		t.Errorf("timeline: %q", out)
	}
	var tl struct {
		Topic  string `json:"topic"`
		Mode   string `json:"mode"`
		Events []struct {
			Date      string `json:"date"`
			Stated    bool   `json:"stated"`
			Phrase    string `json:"phrase"`
			Text      string `json:"text"`
			Quoted    bool   `json:"quoted"`
			Citations []int  `json:"citations"`
		} `json:"events"`
		Citations []struct {
			N           int     `json:"n"`
			Paragraph   int     `json:"paragraph"`
			PublishedAt *string `json:"published_at"`
			Quote       string  `json:"quote"`
		} `json:"citations"`
	}
	if err := json.Unmarshal([]byte(c.mustRun("timeline", "--json", "Arlen Valley drought")), &tl); err != nil {
		t.Fatal(err)
	}
	if tl.Topic != "Arlen Valley drought" || tl.Mode != "extractive" || len(tl.Events) < 4 {
		t.Fatalf("timeline --json: %+v", tl)
	}
	var dates []string
	for _, e := range tl.Events {
		dates = append(dates, e.Date)
		if len(e.Citations) == 0 || e.Citations[0] > len(tl.Citations) {
			t.Fatalf("event %+v cites nothing listed", e)
		}
		c := tl.Citations[e.Citations[0]-1]
		if e.Stated && !strings.Contains(c.Quote, e.Phrase) || !e.Stated && (c.PublishedAt == nil || *c.PublishedAt != e.Date) {
			t.Errorf("event %+v: its paragraph holds neither %q nor its date: %+v", e, e.Phrase, c)
		}
	}
	if !slices.IsSorted(dates) {
		t.Errorf("dates out of order: %v", dates)
	}
	if _, _, err := c.run("timeline"); err == nil {
		t.Error("timeline without a topic ran")
	}
}
