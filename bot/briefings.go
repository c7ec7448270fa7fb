package bot

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"
)

// Posting a briefing exactly once a day, across restarts, crashes and a
// fleet of processes, is a matter of recording the right thing at the
// right moment:
//
//  1. Claim. Before building anything, the process claims the server's
//     briefing of that day in the BriefingLog: the record is made if it
//     is missing, its attempt counted and leased to this process. A
//     briefing already posted (or found empty) is not claimed again, and
//     neither is one whose lease another process holds: with PostgreSQL
//     the claim is an UPDATE under SELECT … FOR UPDATE SKIP LOCKED of the
//     row keyed by server and day, so two processes never both win.
//  2. Look. When the claim is not the first attempt, an earlier one may
//     have posted and died before it could record that (the crash between
//     send and record). The poster looks in the channel for the message
//     of that day before posting; found, it is recorded and nothing is
//     sent. If it cannot look, the claim is released and tried again at
//     the next tick: better late than twice.
//  3. Send, with a key that is the same for every attempt of one
//     briefing. Discord takes it as the message's nonce with
//     enforce_nonce, so two sends within minutes of each other (a lease
//     that ran out while the first was still sending) make one message.
//  4. Record the message's id. A crash before this is step 2's case.
//
// A crash before the send loses nothing: the next claim posts. The period
// a briefing covers is fixed at its first claim and kept in the record,
// so every attempt of a day tells the same period and the next day's
// starts where it ends. A briefing that comes late (the bot was down at
// its time) is posted when the bot is back the same day; a whole day down
// skips that day, and the next briefing covers both.

// States of a briefing record.
const (
	BriefingSent   = "sent"   // posted; MessageID says where
	BriefingEmpty  = "empty"  // nothing arrived: nothing posted
	BriefingFailed = "failed" // the transport refused it for good (Error says why)
)

// BriefingRecord is what is known of one server's briefing of one day.
type BriefingRecord struct {
	Scope string `json:"scope"`
	// Day is the day in the server's time zone, "2006-01-02".
	Day string `json:"day"`
	// State is "" until the briefing is done, then one of BriefingSent,
	// BriefingEmpty and BriefingFailed.
	State string `json:"state,omitempty"`
	// Channel, Since and Until are fixed by the first attempt: where the
	// briefing goes and the period it covers (articles loaded from Since
	// until Until).
	Channel string    `json:"channel"`
	Since   time.Time `json:"since"`
	Until   time.Time `json:"until"`
	// Attempts counts the claims; more than one means an earlier attempt
	// may have posted.
	Attempts     int       `json:"attempts"`
	FirstAttempt time.Time `json:"first_attempt"`
	// Holder is the process whose claim stands until LeaseUntil.
	Holder     string    `json:"holder,omitempty"`
	LeaseUntil time.Time `json:"lease_until,omitzero"`
	MessageID  string    `json:"message_id,omitempty"`
	Error      string    `json:"error,omitempty"`
	DoneAt     time.Time `json:"done_at,omitzero"`
}

// Done reports whether the briefing needs no more attempts.
func (r BriefingRecord) Done() bool { return r.State != "" }

// BriefingLog keeps the record of every server's briefings: a file in the
// data folder (BriefingFile) or, for a fleet, PostgreSQL.
type BriefingLog interface {
	// Claim takes the briefing of first.Scope and first.Day for holder
	// until leaseUntil and returns its record with the attempt counted.
	// A missing record is made from first (Channel, Since, Until,
	// FirstAttempt). ok is false, and nothing changes, when the briefing
	// is done or another holder's lease runs past now.
	Claim(ctx context.Context, first BriefingRecord, holder string, now, leaseUntil time.Time) (rec BriefingRecord, ok bool, err error)
	// Release ends holder's claim without an outcome, so the next Claim
	// may take the briefing at once.
	Release(ctx context.Context, scope, day, holder string) error
	// Finish records the outcome of holder's claim: rec's State,
	// MessageID, Error and DoneAt.
	Finish(ctx context.Context, rec BriefingRecord, holder string) error
	// Last returns scope's newest briefing that is sent or empty: where
	// the next one starts.
	Last(ctx context.Context, scope string) (BriefingRecord, bool, error)
	// Record returns scope's record of day, if there is one.
	Record(ctx context.Context, scope, day string) (BriefingRecord, bool, error)
}

// ErrUndeliverable marks a poster's error that retrying will not mend: the
// channel is gone, or the bot may not post there. The briefing (or a
// feed's announcement) is then recorded as failed instead of tried again
// every minute.
var ErrUndeliverable = errors.New("the message cannot be delivered")

// BriefingPost is one briefing for a poster.
type BriefingPost struct {
	Scope, Channel string
	// Day is the briefing's day in Zone, "2006-01-02".
	Day  string
	Zone *time.Location
	// Key is the same for every attempt of this briefing and at most 25
	// characters: a transport that can refuse a duplicate by a key
	// (Discord's nonce) should.
	Key string
	// After is when the first attempt began: a message an earlier attempt
	// posted is newer.
	After time.Time
	// Digest is what to post; nil when the poster is asked to look.
	Digest *Digest
}

// BriefingPoster delivers briefings: the Discord adapter.
type BriefingPoster interface {
	// PostBriefing posts p.Digest in p.Channel and returns the message's
	// id. An error wrapping ErrUndeliverable is final for the day.
	PostBriefing(ctx context.Context, p BriefingPost) (messageID string, err error)
	// FindBriefing looks in p.Channel for the briefing of p.Day that an
	// earlier attempt posted, and returns its message id, or "" when
	// there is none.
	FindBriefing(ctx context.Context, p BriefingPost) (messageID string, err error)
}

// BriefingOptions tune Briefings. Zero fields take the defaults given.
type BriefingOptions struct {
	// Interval is how often due briefings are looked for; default a
	// minute.
	Interval time.Duration
	// Lease is how long a claim keeps other processes off a briefing;
	// default two minutes. Posting must finish well within it.
	Lease time.Duration
	// Settle leaves out of a briefing the articles loaded in its last
	// moments, which another process of a fleet may not have shown this
	// one yet; they start the next briefing. Default a minute.
	Settle time.Duration
	// MaxStories caps the stories of a briefing; default 6.
	MaxStories int
	// Serves says which servers' libraries this process holds (it runs
	// some of a fleet's shards); nil: all. Others' briefings are left to
	// the processes that hold them.
	Serves func(scope string) bool
	Logger *slog.Logger
	// Now and After replace the clock in tests; defaults time.Now and
	// time.After.
	Now   func() time.Time
	After func(time.Duration) <-chan time.Time
}

// Briefings posts the servers' daily briefings at their times, exactly
// once a day, and answers what a briefing holds now.
type Briefings struct {
	core     *Bot
	settings SettingsStore
	records  BriefingLog
	opts     BriefingOptions
	log      *slog.Logger
	holder   string // this process's name in the log's claims
}

// NewBriefings returns the briefings of the servers whose settings are in
// settings, recorded in records.
func NewBriefings(core *Bot, settings SettingsStore, records BriefingLog, opts BriefingOptions) *Briefings {
	if opts.Interval <= 0 {
		opts.Interval = time.Minute
	}
	if opts.Lease <= 0 {
		opts.Lease = 2 * time.Minute
	}
	if opts.Settle <= 0 {
		opts.Settle = time.Minute
	}
	if opts.MaxStories <= 0 {
		opts.MaxStories = 6
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.After == nil {
		opts.After = time.After
	}
	var id [6]byte
	rand.Read(id[:])
	return &Briefings{core: core, settings: settings, records: records, opts: opts, log: opts.Logger, holder: hex.EncodeToString(id[:])}
}

// Run posts due briefings with poster right away and then every Interval
// until ctx is done; it returns nil then. A briefing that fails is logged
// and tried again at the next tick.
func (s *Briefings) Run(ctx context.Context, poster BriefingPoster) error {
	for {
		if err := s.PostDue(ctx, poster); err != nil && ctx.Err() == nil {
			s.log.Warn("daily briefings", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.opts.After(s.opts.Interval):
		}
	}
}

// PostDue posts every briefing that is due now and not yet posted, one
// server after another, and returns their failures joined.
func (s *Briefings) PostDue(ctx context.Context, poster BriefingPoster) error {
	all, err := s.settings.AllSettings(ctx)
	if err != nil {
		return fmt.Errorf("read the briefings' schedules: %w", err)
	}
	now := s.opts.Now()
	var errs []error
	for _, scope := range slices.Sorted(maps.Keys(all)) {
		st := all[scope]
		if st.Briefing == nil || s.opts.Serves != nil && !s.opts.Serves(scope) {
			continue
		}
		loc, err := LoadZone(st.Timezone)
		if err != nil {
			errs = append(errs, fmt.Errorf("briefing of %s: %w", scope, err))
			continue
		}
		day, at, ok := st.Briefing.dueDay(now, loc)
		if !ok {
			continue
		}
		if err := s.post(ctx, poster, scope, st, day, at, loc, now); err != nil {
			errs = append(errs, fmt.Errorf("briefing of %s for %s: %w", scope, day, err))
		}
	}
	return errors.Join(errs...)
}

// post claims, builds, posts and records one briefing (see the top of
// this file).
func (s *Briefings) post(ctx context.Context, poster BriefingPoster, scope string, st Settings, day string, at time.Time, loc *time.Location, now time.Time) error {
	first := BriefingRecord{Scope: scope, Day: day, Channel: st.Briefing.Channel, FirstAttempt: now,
		Since: at.Add(-24 * time.Hour), Until: now.Add(-s.opts.Settle).Truncate(time.Second)}
	if last, ok, err := s.records.Last(ctx, scope); err != nil {
		return err
	} else if ok && last.Until.Before(first.Until) {
		first.Since = last.Until
	}
	rec, ok, err := s.records.Claim(ctx, first, s.holder, now, now.Add(s.opts.Lease))
	if err != nil || !ok {
		return err
	}
	p := BriefingPost{Scope: scope, Channel: rec.Channel, Day: day, Zone: loc, Key: briefingKey(scope, day), After: rec.FirstAttempt}
	release := func(err error) error {
		if rerr := s.records.Release(ctx, scope, day, s.holder); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	finish := func(state, messageID, note string) error {
		rec.State, rec.MessageID, rec.Error, rec.DoneAt = state, messageID, note, s.opts.Now()
		return s.records.Finish(ctx, rec, s.holder)
	}
	if rec.Attempts > 1 {
		id, err := poster.FindBriefing(ctx, p)
		if err != nil {
			return release(fmt.Errorf("look for an earlier attempt's message: %w", err))
		}
		if id != "" {
			s.log.Info("daily briefing was posted by an earlier attempt", "guild", scope, "day", day, "message", id)
			return finish(BriefingSent, id, "")
		}
	}
	d, err := s.core.brief(ctx, briefRequest{Scope: scope, Topic: st.Briefing.Topic, Since: rec.Since, Until: rec.Until,
		MaxStories: s.opts.MaxStories, Language: st.Language, Now: now})
	if err != nil {
		return release(err)
	}
	if d.Empty() {
		s.log.Info("daily briefing: nothing new", "guild", scope, "day", day)
		return finish(BriefingEmpty, "", "")
	}
	p.Digest = d
	id, err := poster.PostBriefing(ctx, p)
	switch {
	case errors.Is(err, ErrUndeliverable):
		s.log.Warn("daily briefing could not be delivered", "guild", scope, "day", day, "channel", rec.Channel, "err", err)
		return finish(BriefingFailed, "", err.Error())
	case err != nil:
		return release(err)
	}
	s.log.Info("posted the daily briefing", "guild", scope, "day", day, "channel", rec.Channel, "stories", len(d.Lines), "message", id)
	return finish(BriefingSent, id, "")
}

// briefingKey is the key every attempt of a server's briefing of a day
// sends with it: 25 characters at most, as Discord's nonce allows.
func briefingKey(scope, day string) string {
	sum := sha256.Sum256([]byte(scope))
	return "b" + strings.ReplaceAll(day, "-", "") + "-" + hex.EncodeToString(sum[:])[:12]
}

// Preview builds what scope's briefing would say now: since its last one
// (a day, when there is none), up to now.
func (s *Briefings) Preview(ctx context.Context, scope string) (*Digest, error) {
	st, err := s.settings.Settings(ctx, scope)
	if err != nil {
		return nil, err
	}
	now := s.opts.Now()
	r := briefRequest{Scope: scope, Until: now, MaxStories: s.opts.MaxStories, Language: st.Language, Now: now}
	if st.Briefing != nil {
		r.Topic = st.Briefing.Topic
	}
	if last, ok, err := s.records.Last(ctx, scope); err != nil {
		return nil, err
	} else if ok {
		r.Since = last.Until
	}
	return s.core.brief(ctx, r)
}

// Status is what /briefing says of a server's briefing.
type BriefingStatus struct {
	Settings Settings
	Zone     *time.Location
	// Next is when the next briefing is due; zero without a schedule.
	Next time.Time
	// Last is the newest record, done or not, of the last two days.
	Last    BriefingRecord
	HasLast bool
}

// Status returns scope's schedule, when its next briefing is due and how
// the last one went.
func (s *Briefings) Status(ctx context.Context, scope string) (BriefingStatus, error) {
	st, err := s.settings.Settings(ctx, scope)
	if err != nil {
		return BriefingStatus{}, err
	}
	loc, err := LoadZone(st.Timezone)
	if err != nil {
		return BriefingStatus{}, err
	}
	out := BriefingStatus{Settings: st, Zone: loc}
	now := s.opts.Now()
	if st.Briefing != nil {
		out.Next = st.Briefing.Next(now, loc)
	}
	for _, d := range []time.Time{now.In(loc), now.In(loc).AddDate(0, 0, -1)} {
		if rec, ok, err := s.records.Record(ctx, scope, d.Format(time.DateOnly)); err != nil {
			return out, err
		} else if ok {
			out.Last, out.HasLast = rec, true
			break
		}
	}
	return out, nil
}

// Set schedules scope's daily briefing in channel at a time of day (as a
// person types it, in the server's zone), about topic if it is not empty.
func (s *Briefings) Set(ctx context.Context, scope, channel, at, topic, by string) (Settings, error) {
	clock, err := ParseClock(at)
	if err != nil {
		return Settings{}, err
	}
	b := &Briefing{Channel: channel, At: clock, Topic: strings.Join(strings.Fields(topic), " "), SetAt: s.opts.Now().UTC(), SetBy: by}
	if err := b.check(); err != nil {
		return Settings{}, err
	}
	return s.settings.UpdateSettings(ctx, scope, func(st *Settings) error {
		st.Briefing = b
		st.UpdatedBy = by
		return nil
	})
}

// Off stops scope's daily briefing; a briefing already under way still
// finishes.
func (s *Briefings) Off(ctx context.Context, scope, by string) (Settings, error) {
	return s.settings.UpdateSettings(ctx, scope, func(st *Settings) error {
		if st.Briefing == nil {
			return &InputError{Err: errors.New("this server has no daily briefing to stop")}
		}
		st.Briefing = nil
		st.UpdatedBy = by
		return nil
	})
}
