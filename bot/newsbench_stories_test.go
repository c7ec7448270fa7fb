//go:build newsbench

package bot

// How the briefing groups a day's articles into stories, on real news:
//
//	NEWSBENCH_INDEX=/tmp/nb go test -tags newsbench -run NewsbenchStories -v -timeout 60m ./bot/
//
// newsbench has no story labels, so this prints, for the busiest
// publication days of the corpus, each group of two or more articles by
// headline, and counts how many articles end up grouped; a person reads
// the groups. NEWSBENCH_STORY_THRESHOLD overrides storyThreshold.

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/newsbot/newsbot/retrieval"
)

func TestNewsbenchStories(t *testing.T) {
	dir := os.Getenv("NEWSBENCH_DIR")
	if dir == "" {
		dir = "../../shared/newsbench"
	}
	if v, err := strconv.ParseFloat(os.Getenv("NEWSBENCH_STORY_THRESHOLD"), 64); err == nil {
		storyThreshold = v
	}
	arts := newsbenchRead(t, filepath.Join(dir, "corpus.jsonl"), retrieval.ReadCorpus)
	b := newsbenchBot(t, os.Getenv("NEWSBENCH_INDEX"), arts)
	byDay := map[time.Time][]*retrieval.Article{}
	for _, a := range arts {
		if !a.PublishedAt.IsZero() && a.Title != "" && len(a.Paragraphs) > 0 {
			byDay[a.PublishedAt] = append(byDay[a.PublishedAt], a)
		}
	}
	days := slices.SortedFunc(func(yield func(time.Time) bool) {
		for d := range byDay {
			if !yield(d) {
				return
			}
		}
	}, func(x, y time.Time) int { return len(byDay[y]) - len(byDay[x]) })
	grouped, total, groups := 0, 0, 0
	for _, d := range days[:min(12, len(days))] {
		stories, err := b.groupStories(context.Background(), byDay[d])
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d articles, %d stories", d.Format(time.DateOnly), len(byDay[d]), len(stories))
		for _, s := range stories {
			total += len(s.Articles)
			if len(s.Articles) < 2 {
				continue
			}
			groups++
			grouped += len(s.Articles)
			for i, a := range s.Articles {
				mark := "  +"
				if i == 0 {
					mark = "  *"
				}
				t.Logf("%s %s (%s)", mark, a.Title, a.Source)
			}
		}
	}
	t.Logf("threshold %.2f: %d of %d articles in %d groups of two or more", storyThreshold, grouped, total, groups)
}
