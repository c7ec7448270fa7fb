package bot

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakePoster is a channel that keeps what it was sent; its failures are
// set per test.
type fakePoster struct {
	mu       sync.Mutex
	posted   []BriefingPost
	ids      map[string]string // key → message id, as the channel holds them
	postErr  error             // returned by the next PostBriefing, after posting when sent is set
	sent     bool
	findErr  error
	findings int
}

func newFakePoster() *fakePoster { return &fakePoster{ids: map[string]string{}} }

func (p *fakePoster) PostBriefing(ctx context.Context, b BriefingPost) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.postErr; err != nil && !p.sent {
		p.postErr = nil
		return "", err
	}
	id := fmt.Sprintf("m%d", len(p.posted)+1)
	p.posted = append(p.posted, b)
	p.ids[b.Key] = id
	if err := p.postErr; err != nil {
		p.postErr, p.sent = nil, false
		return "", err
	}
	return id, nil
}

func (p *fakePoster) FindBriefing(ctx context.Context, b BriefingPost) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.findings++
	if err := p.findErr; err != nil {
		p.findErr = nil
		return "", err
	}
	return p.ids[b.Key], nil
}

func (p *fakePoster) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.posted)
}

// failingFinish is a log whose first Finish fails: the process died
// between sending the briefing and recording it.
type failingFinish struct {
	BriefingLog
	failed atomic.Bool
}

func (f *failingFinish) Finish(ctx context.Context, rec BriefingRecord, holder string) error {
	if f.failed.CompareAndSwap(false, true) {
		return errors.New("killed before the record was written")
	}
	return f.BriefingLog.Finish(ctx, rec, holder)
}

// briefingRig is a bot over the test news with a daily briefing at 08:00
// UTC in newsGuild, set the day before; a clock the test moves; and
// settings and records in a data folder that outlives a "restart".
type briefingRig struct {
	t        *testing.T
	dir      string
	core     *Bot
	clock    time.Time
	settings *SettingsFile
	records  BriefingLog
	s        *Briefings
}

var day1 = time.Date(2024, 3, 7, 0, 0, 0, 0, time.UTC)

func newBriefingRig(t *testing.T, loaded func(string) time.Time) *briefingRig {
	t.Helper()
	st, _ := newsStore(t, loaded)
	core, err := New(st, nil, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := &briefingRig{t: t, dir: t.TempDir(), core: core, clock: day1.Add(-12 * time.Hour)}
	r.restart()
	if _, err := r.s.Set(context.Background(), newsGuild, "400000000000000001", "8am", "", "mod"); err != nil {
		t.Fatal(err)
	}
	return r
}

// restart opens the settings and records again, as a new process would.
func (r *briefingRig) restart() {
	r.t.Helper()
	var err error
	if r.settings, err = OpenSettingsFile(filepath.Join(r.dir, "settings.json")); err != nil {
		r.t.Fatal(err)
	}
	if r.records, err = OpenBriefingFile(filepath.Join(r.dir, "briefings.json")); err != nil {
		r.t.Fatal(err)
	}
	r.s = NewBriefings(r.core, r.settings, r.records, BriefingOptions{Now: func() time.Time { return r.clock }})
}

// at moves the clock and posts what is due.
func (r *briefingRig) at(t time.Time, p BriefingPoster) error {
	r.clock = t
	return r.s.PostDue(context.Background(), p)
}

func (r *briefingRig) record(day string) BriefingRecord {
	r.t.Helper()
	rec, ok, err := r.records.Record(context.Background(), newsGuild, day)
	if err != nil || !ok {
		r.t.Fatalf("no record of %s: %v", day, err)
	}
	return rec
}

// A briefing is posted at its time, once: not before, not again later
// that day, not again after a restart; the next day's starts where the
// first ended.
func TestBriefingsPostOnceADay(t *testing.T) {
	r := newBriefingRig(t, func(name string) time.Time {
		if strings.HasPrefix(name, "harbour") {
			return day1.Add(30 * time.Hour) // the next day, 06:00
		}
		return day1.Add(7 * time.Hour)
	})
	p := newFakePoster()
	for _, now := range []time.Time{day1.Add(7*time.Hour + 59*time.Minute), day1.Add(8 * time.Hour), day1.Add(8*time.Hour + 30*time.Minute)} {
		if err := r.at(now, p); err != nil {
			t.Fatal(err)
		}
	}
	if p.count() != 1 {
		t.Fatalf("%d briefings posted on the first day, want 1", p.count())
	}
	first := p.posted[0]
	if first.Day != "2024-03-07" || first.Channel != "400000000000000001" || len(first.Key) > 25 || first.Digest.Empty() {
		t.Errorf("posted %+v", first)
	}
	for _, l := range first.Digest.answer(-1).Citations {
		if strings.Contains(l.Article.Title, "Portmere") {
			t.Errorf("the first briefing tells a story that arrived the next day: %s", l.Article.Title)
		}
	}
	if rec := r.record("2024-03-07"); rec.State != BriefingSent || rec.MessageID != "m1" || rec.Attempts != 1 {
		t.Errorf("record %+v", rec)
	}
	r.restart()
	if err := r.at(day1.Add(9*time.Hour), p); err != nil || p.count() != 1 {
		t.Fatalf("after a restart the same day: %d briefings, %v", p.count(), err)
	}
	if err := r.at(day1.Add(32*time.Hour), p); err != nil || p.count() != 2 {
		t.Fatalf("the next day: %d briefings, %v", p.count(), err)
	}
	second := p.posted[1]
	if !second.Digest.Since.Equal(first.Digest.Until) {
		t.Errorf("the second briefing starts %s, the first ended %s", second.Digest.Since, first.Digest.Until)
	}
	if len(second.Digest.Stories) != 1 || !strings.Contains(second.Digest.Stories[0].Articles[0].Title, "Portmere") {
		t.Errorf("the second briefing tells %+v, want the harbour story alone", second.Digest.Stories)
	}
}

// The process dies after Discord took the briefing and before the record
// was written: the next process finds the message and records it instead
// of posting again.
func TestBriefingsCrashBetweenSendAndRecord(t *testing.T) {
	r := newBriefingRig(t, loadedAll(day1.Add(7*time.Hour)))
	p := newFakePoster()
	r.records = &failingFinish{BriefingLog: r.records}
	r.s = NewBriefings(r.core, r.settings, r.records, BriefingOptions{Now: func() time.Time { return r.clock }})
	if err := r.at(day1.Add(8*time.Hour), p); err == nil || p.count() != 1 {
		t.Fatalf("the crashing attempt: %d posted, err %v", p.count(), err)
	}
	r.restart()
	if err := r.at(day1.Add(8*time.Hour+time.Minute), p); err != nil {
		t.Fatal(err)
	}
	if p.count() != 1 || p.findings != 1 {
		t.Errorf("after the restart: %d briefings posted, %d looked for; want 1 and 1", p.count(), p.findings)
	}
	if rec := r.record("2024-03-07"); rec.State != BriefingSent || rec.MessageID != "m1" || rec.Attempts != 2 {
		t.Errorf("record %+v, want sent as m1 after 2 attempts", rec)
	}
}

// A send that fails (Discord down, a timeout) is tried again at the next
// tick, after looking whether it went through after all; when the
// channel cannot be read, nothing is sent until it can. A refusal for
// good is recorded and not retried.
func TestBriefingsRetryAndRefusal(t *testing.T) {
	r := newBriefingRig(t, func(name string) time.Time {
		if strings.HasPrefix(name, "harbour") {
			return day1.Add(30 * time.Hour)
		}
		return day1.Add(7 * time.Hour)
	})
	p := newFakePoster()
	p.postErr = errors.New("502 Bad Gateway")
	if err := r.at(day1.Add(8*time.Hour), p); err == nil || p.count() != 0 {
		t.Fatalf("failed send: %d posted, %v", p.count(), err)
	}
	p.findErr = errors.New("403 Missing Access")
	if err := r.at(day1.Add(8*time.Hour+time.Minute), p); err == nil || p.count() != 0 {
		t.Fatalf("channel unreadable: %d posted, %v; want nothing sent", p.count(), err)
	}
	if err := r.at(day1.Add(8*time.Hour+2*time.Minute), p); err != nil || p.count() != 1 {
		t.Fatalf("third tick: %d posted, %v", p.count(), err)
	}
	if rec := r.record("2024-03-07"); rec.State != BriefingSent || rec.Attempts != 3 || !rec.Since.Equal(day1.Add(-16*time.Hour)) {
		t.Errorf("record %+v", rec)
	}

	// The next day the channel is gone.
	p.postErr = fmt.Errorf("404 Unknown Channel: %w", ErrUndeliverable)
	if err := r.at(day1.Add(32*time.Hour), p); err != nil {
		t.Fatal(err)
	}
	if err := r.at(day1.Add(33*time.Hour), p); err != nil || p.count() != 1 {
		t.Fatalf("after a refusal: %d posted, %v", p.count(), err)
	}
	if rec := r.record("2024-03-08"); rec.State != BriefingFailed || !strings.Contains(rec.Error, "Unknown Channel") {
		t.Errorf("record %+v, want failed with the reason", rec)
	}
	st, err := r.s.Status(context.Background(), newsGuild)
	if err != nil || !st.HasLast || st.Last.State != BriefingFailed || !st.Next.Equal(day1.Add(56*time.Hour)) {
		t.Errorf("status %+v, %v", st, err)
	}
}

// A day when nothing arrived posts nothing and is recorded, so the next
// briefing starts after it; /briefing off stops the briefings.
func TestBriefingsEmptyDayAndOff(t *testing.T) {
	r := newBriefingRig(t, loadedAll(day1.Add(-48*time.Hour)))
	p := newFakePoster()
	if err := r.at(day1.Add(8*time.Hour), p); err != nil || p.count() != 0 {
		t.Fatalf("empty day: %d posted, %v", p.count(), err)
	}
	if rec := r.record("2024-03-07"); rec.State != BriefingEmpty {
		t.Errorf("record %+v, want empty", rec)
	}
	if last, ok, _ := r.records.Last(context.Background(), newsGuild); !ok || last.Day != "2024-03-07" {
		t.Errorf("last %+v %v", last, ok)
	}
	if _, err := r.s.Off(context.Background(), newsGuild, "mod"); err != nil {
		t.Fatal(err)
	}
	var ie *InputError
	if _, err := r.s.Off(context.Background(), newsGuild, "mod"); !errors.As(err, &ie) {
		t.Errorf("a second off: %v, want a sentence", err)
	}
	if err := r.at(day1.Add(32*time.Hour), p); err != nil || p.count() != 0 {
		t.Errorf("after off: %d posted, %v", p.count(), err)
	}
	if _, err := r.s.Set(context.Background(), newsGuild, "1", "25:00", "", "mod"); !errors.As(err, &ie) {
		t.Errorf("a bad time: %v", err)
	}
}

// Two processes of a fleet share one log: while one holds a briefing's
// claim, the other leaves it; once the lease runs out it may take over.
func TestBriefingFileClaims(t *testing.T) {
	f, err := OpenBriefingFile(filepath.Join(t.TempDir(), "briefings.json"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := day1
	first := BriefingRecord{Scope: "g", Day: "2024-03-07", Channel: "c", Until: now}
	rec, ok, err := f.Claim(ctx, first, "a", now, now.Add(time.Minute))
	if err != nil || !ok || rec.Attempts != 1 {
		t.Fatalf("first claim: %+v %v %v", rec, ok, err)
	}
	if _, ok, _ := f.Claim(ctx, first, "b", now.Add(30*time.Second), now.Add(time.Minute)); ok {
		t.Error("a claim while another's lease runs succeeded")
	}
	rec, ok, _ = f.Claim(ctx, first, "b", now.Add(2*time.Minute), now.Add(3*time.Minute))
	if !ok || rec.Attempts != 2 || rec.Holder != "b" {
		t.Errorf("a claim after the lease: %+v %v", rec, ok)
	}
	if err := f.Finish(ctx, BriefingRecord{Scope: "g", Day: "2024-03-07", State: BriefingSent}, "a"); err == nil {
		t.Error("the holder that lost its claim recorded an outcome")
	}
	if err := f.Finish(ctx, BriefingRecord{Scope: "g", Day: "2024-03-07", State: BriefingSent, MessageID: "m"}, "b"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := f.Claim(ctx, first, "c", now.Add(time.Hour), now.Add(time.Hour)); ok {
		t.Error("a sent briefing was claimed again")
	}
}
