package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/postgres"
	"github.com/newsbot/newsbot/retrieval"
)

// channel is a Discord channel as a fleet's processes post briefings to
// it: a message per key, as Discord's enforced nonce makes it; the first
// post can be held until the test lets it through.
type channel struct {
	mu      sync.Mutex
	byKey   map[string]string
	posts   int // messages made
	calls   int // PostBriefing calls
	hold    chan struct{}
	entered chan struct{}
}

func (c *channel) PostBriefing(ctx context.Context, p bot.BriefingPost) (string, error) {
	c.mu.Lock()
	c.calls++
	hold := c.hold
	c.hold = nil
	c.mu.Unlock()
	if hold != nil {
		c.entered <- struct{}{}
		<-hold
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if id, ok := c.byKey[p.Key]; ok {
		return id, nil
	}
	c.posts++
	c.byKey[p.Key] = "m" + p.Day
	return c.byKey[p.Key], nil
}

func (c *channel) FindBriefing(ctx context.Context, p bot.BriefingPost) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byKey[p.Key], nil
}

// Two serve processes share the database: while one posts a server's
// briefing the other leaves it, and neither posts it again; when the
// first outlives its lease, the second takes over, and the briefing's key
// still makes one message of the two posts.
func TestBriefingPostedOnceByAFleet(t *testing.T) {
	t.Parallel()
	pool := migrated(t)
	ctx := context.Background()
	st, _, err := retrieval.OpenStore(ctx, t.TempDir(), retrieval.NewLocalEmbedder(), retrieval.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	day := time.Date(2024, 3, 7, 0, 0, 0, 0, time.UTC)
	for _, a := range []*retrieval.Article{
		{Title: "Council agrees harbour budget", URL: "https://example.com/budget", Paragraphs: []string{"The Portmere council agreed the harbour budget on Tuesday after an all-night session."}, LoadedAt: day.Add(2 * time.Hour)},
		{Title: "Museum reopens", URL: "https://example.com/museum", Paragraphs: []string{"The Lindqvist Museum reopened its doors after a four-year restoration."}, LoadedAt: day.Add(3 * time.Hour)},
	} {
		if _, _, err := st.Add(ctx, a, "1000000000000000001"); err != nil {
			t.Fatal(err)
		}
	}
	core, err := bot.New(st, nil, nil, bot.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	now := day.Add(7 * time.Hour)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	set := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
	process := func() *bot.Briefings {
		s := postgres.New(pool())
		return bot.NewBriefings(core, s, s, bot.BriefingOptions{Now: clock})
	}
	a, b := process(), process()
	if _, err := a.Set(ctx, "1000000000000000001", "2001", "08:00", "", "3001"); err != nil {
		t.Fatal(err)
	}
	ch := &channel{byKey: map[string]string{}, hold: make(chan struct{}), entered: make(chan struct{})}
	hold := ch.hold

	set(day.Add(8 * time.Hour))
	aDone := make(chan error)
	go func() { aDone <- a.PostDue(ctx, ch) }()
	<-ch.entered // a holds the claim and is posting
	if err := b.PostDue(ctx, ch); err != nil || ch.calls != 1 {
		t.Fatalf("the second process, while the first posts: %d posts tried, %v", ch.calls, err)
	}
	close(hold)
	if err := <-aDone; err != nil {
		t.Fatal(err)
	}
	for _, p := range []*bot.Briefings{a, b, process()} {
		set(day.Add(9 * time.Hour))
		if err := p.PostDue(ctx, ch); err != nil {
			t.Fatal(err)
		}
	}
	if ch.posts != 1 || ch.calls != 1 {
		t.Fatalf("the first day: %d messages from %d posts, want 1 and 1", ch.posts, ch.calls)
	}

	// The next day a stalls past its lease; b takes over and posts; a's
	// post, when it goes through, is the same message, and a records
	// nothing.
	st.Add(ctx, &retrieval.Article{Title: "Ferry resumes", URL: "https://example.com/ferry", Paragraphs: []string{"The island ferry resumed service after three weeks of repairs."}, LoadedAt: day.Add(26 * time.Hour)}, "1000000000000000001")
	ch.hold = make(chan struct{})
	hold = ch.hold
	set(day.Add(32 * time.Hour))
	go func() { aDone <- a.PostDue(ctx, ch) }()
	<-ch.entered
	set(day.Add(32*time.Hour + 3*time.Minute))
	if err := b.PostDue(ctx, ch); err != nil {
		t.Fatal(err)
	}
	close(hold)
	if err := <-aDone; err == nil {
		t.Error("the process that lost its lease recorded the briefing")
	}
	if ch.posts != 2 || ch.calls != 3 {
		t.Errorf("after the take-over: %d messages from %d posts, want 2 from 3", ch.posts, ch.calls)
	}
	rec, ok, err := postgres.New(pool()).Record(ctx, "1000000000000000001", "2024-03-08")
	if err != nil || !ok || rec.State != bot.BriefingSent || rec.MessageID != "m2024-03-08" || rec.Attempts != 2 {
		t.Errorf("record %+v %v %v", rec, ok, err)
	}
}
