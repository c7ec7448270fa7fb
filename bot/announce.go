package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Announcing a feed's new article once per channel, across restarts,
// crashes and a fleet, follows the daily briefings (bot/briefings.go):
//
//  1. Claim the announcement of the item in the channel in the
//     AnnouncementLog before loading it: the record is made if it is
//     missing, its attempt counted and leased to this process. One that
//     is done is not claimed again, nor one another process holds.
//  2. Load the article. A first attempt that finds it unchanged
//     announces nothing: the library had it already.
//  3. Look, when an earlier attempt may have posted and died before it
//     could record that: the announcer looks in the channel first.
//  4. Send with a key that is the same for every attempt (Discord's
//     nonce, with enforce_nonce), then record the message.
//
// The poller marks an item seen only after this, so a crash anywhere
// offers the item again at the next poll, where the record says how far
// the last attempt went.

// States of an announcement record.
const (
	AnnouncementSent   = "sent"      // posted; MessageID says where
	AnnouncementQuiet  = "unchanged" // the library had the article: nothing to announce
	AnnouncementFailed = "failed"    // the channel refused it for good (Error says why)
)

// Announcement is what is known of the announcement of one feed item in
// one channel.
type Announcement struct {
	Channel string `json:"channel"`
	// Item is the feed item's key (fetch.Item.Key).
	Item         string `json:"item"`
	Scope        string `json:"scope"`
	Subscription string `json:"subscription"`
	// State is "" until it is done, then AnnouncementSent, Quiet or
	// Failed.
	State        string    `json:"state,omitempty"`
	Attempts     int       `json:"attempts"`
	FirstAttempt time.Time `json:"first_attempt"`
	Holder       string    `json:"holder,omitempty"`
	LeaseUntil   time.Time `json:"lease_until,omitzero"`
	MessageID    string    `json:"message_id,omitempty"`
	Error        string    `json:"error,omitempty"`
	DoneAt       time.Time `json:"done_at,omitzero"`
}

// Done reports whether the announcement needs no more attempts.
func (a Announcement) Done() bool { return a.State != "" }

// AnnouncementLog keeps the records of the feeds' announcements: the
// feeds' file in the data folder (FeedFile) or PostgreSQL. Records are
// keyed by channel and item.
type AnnouncementLog interface {
	// ClaimAnnouncement takes the announcement of first.Item in
	// first.Channel for holder until leaseUntil and returns its record
	// with the attempt counted; a missing record is made from first. ok
	// is false, and nothing changes, when it is done or another holder's
	// lease runs past now.
	ClaimAnnouncement(ctx context.Context, first Announcement, holder string, now, leaseUntil time.Time) (rec Announcement, ok bool, err error)
	// ReleaseAnnouncement ends holder's claim without an outcome.
	ReleaseAnnouncement(ctx context.Context, channel, item, holder string) error
	// FinishAnnouncement records the outcome of holder's claim: a's
	// State, MessageID, Error and DoneAt.
	FinishAnnouncement(ctx context.Context, a Announcement, holder string) error
}

// AnnouncementPost is one announcement for an Announcer.
type AnnouncementPost struct {
	Sub    Subscription
	Result LoadResult
	// Key is the same for every attempt of this announcement and at most
	// 25 characters: Discord's nonce.
	Key string
	// After is when the first attempt began: a message an earlier attempt
	// posted is newer.
	After time.Time
}

// Announcer tells people about the articles followed feeds bring: the
// Discord adapter posts them in the subscription's channel.
type Announcer interface {
	// Announce posts p and returns the message's id. An error wrapping
	// ErrUndeliverable is final.
	Announce(ctx context.Context, p AnnouncementPost) (messageID string, err error)
	// FindAnnouncement looks for p posted by an earlier attempt and
	// returns its message id, or "" when there is none.
	FindAnnouncement(ctx context.Context, p AnnouncementPost) (messageID string, err error)
}

// announcementKey is the key every attempt of an item's announcement in a
// channel sends with it: 25 characters, as Discord's nonce allows.
func announcementKey(channel, item string) string {
	sum := sha256.Sum256([]byte(channel + "\x00" + item))
	return "f" + hex.EncodeToString(sum[:])[:24]
}

// announceItem loads doc into sub's library and announces it in sub's
// channel once (see the top of this file).
func (f *Feeds) announceItem(ctx context.Context, announce Announcer, sub Subscription, item string, load func() (LoadResult, error)) error {
	now := f.opts.Now()
	first := Announcement{Channel: sub.Channel, Item: item, Scope: sub.Scope, Subscription: sub.ID, FirstAttempt: now}
	rec, ok, err := f.log.ClaimAnnouncement(ctx, first, f.holder, now, now.Add(f.opts.Lease))
	switch {
	case err != nil:
		return err
	case !ok && rec.Done():
		return nil // an earlier attempt finished it
	case !ok:
		return fmt.Errorf("announcing it in %s is another process's until %s", sub.Channel, rec.LeaseUntil.Format(time.RFC3339))
	}
	release := func(err error) error {
		if rerr := f.log.ReleaseAnnouncement(context.WithoutCancel(ctx), rec.Channel, rec.Item, f.holder); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	finish := func(state, messageID, note string) error {
		rec.State, rec.MessageID, rec.Error, rec.DoneAt = state, messageID, note, f.opts.Now().UTC()
		return f.log.FinishAnnouncement(context.WithoutCancel(ctx), rec, f.holder)
	}
	res, err := load()
	if err != nil {
		return release(err)
	}
	if res.Status == Unchanged && rec.Attempts == 1 {
		return finish(AnnouncementQuiet, "", "")
	}
	// Added or updated now, or by an earlier attempt that stopped before
	// it could record its announcement.
	p := AnnouncementPost{Sub: sub, Result: res, Key: announcementKey(rec.Channel, rec.Item), After: rec.FirstAttempt}
	if rec.Attempts > 1 {
		id, err := announce.FindAnnouncement(ctx, p)
		if err != nil {
			return release(fmt.Errorf("look for an earlier attempt's announcement: %w", err))
		}
		if id != "" {
			return finish(AnnouncementSent, id, "")
		}
	}
	id, err := announce.Announce(ctx, p)
	switch {
	case errors.Is(err, ErrUndeliverable):
		f.opts.Logger.Warn("feed item could not be announced", "channel", sub.Channel, "feed", RedactURL(sub.URL), "err", err)
		return finish(AnnouncementFailed, "", err.Error())
	case err != nil:
		return release(fmt.Errorf("announce in %s: %w", sub.Channel, err))
	}
	return finish(AnnouncementSent, id, "")
}

// KeepAnnouncements is how long an AnnouncementLog keeps an announcement
// that is done: by then its item has left the feed.
const KeepAnnouncements = 30 * 24 * time.Hour

func (s *FeedFile) findAnnouncement(channel, item string) int {
	return slices.IndexFunc(s.anns, func(a Announcement) bool { return a.Channel == channel && a.Item == item })
}

// ClaimAnnouncement implements AnnouncementLog. One serve process holds a
// data folder, so a claim by a holder that did not claim through this
// file is an earlier run's, which stopped mid-announcement: it is taken
// over at once.
func (s *FeedFile) ClaimAnnouncement(ctx context.Context, first Announcement, holder string, now, leaseUntil time.Time) (Announcement, bool, error) {
	if err := ctx.Err(); err != nil {
		return Announcement{}, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	next := slices.DeleteFunc(slices.Clone(s.anns), func(a Announcement) bool {
		return a.Done() && now.Sub(a.DoneAt) > KeepAnnouncements
	})
	i := slices.IndexFunc(next, func(a Announcement) bool { return a.Channel == first.Channel && a.Item == first.Item })
	if i < 0 {
		first.State, first.Attempts, first.Holder, first.MessageID, first.Error = "", 0, "", "", ""
		first.FirstAttempt = first.FirstAttempt.UTC()
		next = append(next, first)
		i = len(next) - 1
	}
	rec := next[i]
	if rec.Done() || rec.Holder != "" && rec.Holder != holder && s.mine[rec.Holder] && rec.LeaseUntil.After(now) {
		return rec, false, nil
	}
	rec.Attempts++
	rec.Holder, rec.LeaseUntil = holder, leaseUntil.UTC()
	next[i] = rec
	if err := s.save(s.subs, next); err != nil {
		return Announcement{}, false, err
	}
	s.anns = next
	s.mine[holder] = true
	return rec, true, nil
}

// ReleaseAnnouncement implements AnnouncementLog.
func (s *FeedFile) ReleaseAnnouncement(ctx context.Context, channel, item, holder string) error {
	return s.changeAnnouncement(channel, item, holder, func(a *Announcement) { a.Holder, a.LeaseUntil = "", time.Time{} })
}

// FinishAnnouncement implements AnnouncementLog.
func (s *FeedFile) FinishAnnouncement(ctx context.Context, rec Announcement, holder string) error {
	return s.changeAnnouncement(rec.Channel, rec.Item, holder, func(a *Announcement) {
		a.State, a.MessageID, a.Error, a.DoneAt = rec.State, rec.MessageID, rec.Error, rec.DoneAt.UTC()
		a.Holder, a.LeaseUntil = "", time.Time{}
	})
}

// changeAnnouncement applies fn to holder's claim and saves.
func (s *FeedFile) changeAnnouncement(channel, item, holder string, fn func(*Announcement)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findAnnouncement(channel, item)
	if i < 0 || s.anns[i].Holder != holder || s.anns[i].Done() {
		return fmt.Errorf("announcement of %s in %s: the claim was lost", item, channel)
	}
	next := slices.Clone(s.anns)
	fn(&next[i])
	if err := s.save(s.subs, next); err != nil {
		return err
	}
	s.anns = next
	return nil
}
