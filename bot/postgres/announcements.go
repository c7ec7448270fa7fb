package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/newsbot/newsbot/bot"
)

// The feeds' announcements (bot.AnnouncementLog), one row per channel
// and item in the table feed_announcements (migration 6), claimed as the
// briefings are.

const announcementColumns = `channel, item, scope, subscription, state, attempts, first_attempt, holder, lease_until,
	message_id, error, done_at`

func scanAnnouncement(row pgx.Row) (bot.Announcement, error) {
	var a bot.Announcement
	var lease, done *time.Time
	err := row.Scan(&a.Channel, &a.Item, &a.Scope, &a.Subscription, &a.State, &a.Attempts, &a.FirstAttempt, &a.Holder, &lease,
		&a.MessageID, &a.Error, &done)
	if err != nil {
		return a, err
	}
	a.FirstAttempt = a.FirstAttempt.UTC()
	if lease != nil {
		a.LeaseUntil = lease.UTC()
	}
	if done != nil {
		a.DoneAt = done.UTC()
	}
	return a, nil
}

// ClaimAnnouncement implements bot.AnnouncementLog: the row is made if it
// is missing and locked with FOR UPDATE SKIP LOCKED; a process that finds
// it locked, done, or leased to another holder whose lease runs, leaves
// it.
func (f *Feeds) ClaimAnnouncement(ctx context.Context, first bot.Announcement, holder string, now, leaseUntil time.Time) (bot.Announcement, bool, error) {
	var rec bot.Announcement
	ok := false
	err := f.s.inTx(ctx, func(tx pgx.Tx) error {
		ok = false
		// Records done a month ago are for items long gone from their feeds.
		if _, err := tx.Exec(ctx, `DELETE FROM feed_announcements WHERE done_at < $1`, now.Add(-bot.KeepAnnouncements)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO feed_announcements (channel, item, scope, subscription, first_attempt)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (channel, item) DO NOTHING`,
			first.Channel, first.Item, first.Scope, first.Subscription, first.FirstAttempt); err != nil {
			return err
		}
		cur, err := scanAnnouncement(tx.QueryRow(ctx, `SELECT `+announcementColumns+` FROM feed_announcements
			WHERE channel = $1 AND item = $2 FOR UPDATE SKIP LOCKED`, first.Channel, first.Item))
		if errors.Is(err, pgx.ErrNoRows) {
			rec = bot.Announcement{Channel: first.Channel, Item: first.Item, Holder: "another process", LeaseUntil: leaseUntil}
			return nil // another process holds the row this moment
		}
		if err != nil {
			return err
		}
		if cur.Done() || cur.Holder != "" && cur.Holder != holder && cur.LeaseUntil.After(now) {
			rec = cur
			return nil
		}
		rec, err = scanAnnouncement(tx.QueryRow(ctx, `UPDATE feed_announcements SET attempts = attempts + 1, holder = $3, lease_until = $4
			WHERE channel = $1 AND item = $2 RETURNING `+announcementColumns, first.Channel, first.Item, holder, leaseUntil))
		ok = err == nil
		return err
	})
	if err != nil {
		return bot.Announcement{}, false, fmt.Errorf("claim the announcement of %s in %s: %w", first.Item, first.Channel, err)
	}
	return rec, ok, nil
}

// ReleaseAnnouncement implements bot.AnnouncementLog.
func (f *Feeds) ReleaseAnnouncement(ctx context.Context, channel, item, holder string) error {
	_, err := f.s.pool.Exec(ctx, `UPDATE feed_announcements SET holder = '', lease_until = NULL
		WHERE channel = $1 AND item = $2 AND holder = $3`, channel, item, holder)
	if err != nil {
		return fmt.Errorf("release the announcement of %s in %s: %w", item, channel, err)
	}
	return nil
}

// FinishAnnouncement implements bot.AnnouncementLog; a holder whose claim
// another process took over records nothing.
func (f *Feeds) FinishAnnouncement(ctx context.Context, a bot.Announcement, holder string) error {
	var done any
	if !a.DoneAt.IsZero() {
		done = a.DoneAt
	}
	tag, err := f.s.pool.Exec(ctx, `UPDATE feed_announcements SET state = $4, message_id = $5, error = $6, done_at = $7, holder = '', lease_until = NULL
		WHERE channel = $1 AND item = $2 AND holder = $3 AND state = ''`,
		a.Channel, a.Item, holder, a.State, a.MessageID, a.Error, done)
	switch {
	case err != nil:
		return fmt.Errorf("record the announcement of %s in %s: %w", a.Item, a.Channel, err)
	case tag.RowsAffected() == 0:
		return fmt.Errorf("record the announcement of %s in %s: the claim was lost", a.Item, a.Channel)
	}
	return nil
}
