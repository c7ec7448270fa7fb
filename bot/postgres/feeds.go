package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/newsbot/newsbot/bot"
)

// The followed feeds (bot.FeedStore) in the tables feeds and
// feed_subscriptions (migration 6). A feed's row holds its schedule and
// the claim of the process polling it; its subscriptions' rows hold what
// each server has seen.

// Feeds are the followed feeds and their announcements
// (bot.FeedStore and bot.AnnouncementLog) in the stores' database.
type Feeds struct{ s *Stores }

// Feeds returns the followed feeds kept in the stores' database.
func (s *Stores) Feeds() *Feeds { return &Feeds{s} }

const subscriptionColumns = `s.id, s.url, s.scope, s.channel, s.title, s.added_by, s.added_at, s.etag, s.last_modified,
	s.last_checked, s.last_error, s.seen, f.next_poll_at`

func scanSubscription(row pgx.Row) (bot.Subscription, error) {
	var s bot.Subscription
	var checked *time.Time
	var next pgtype.Timestamptz
	err := row.Scan(&s.ID, &s.URL, &s.Scope, &s.Channel, &s.Title, &s.AddedBy, &s.AddedAt, &s.ETag, &s.LastModified,
		&checked, &s.LastError, &s.Seen, &next)
	if err != nil {
		return s, err
	}
	s.AddedAt = s.AddedAt.UTC()
	if checked != nil {
		s.LastChecked = checked.UTC()
	}
	if next.Valid && next.InfinityModifier == pgtype.Finite { // a new feed's -infinity: due at once
		s.NextPoll = next.Time.UTC()
	}
	if len(s.Seen) == 0 {
		s.Seen = nil
	}
	return s, nil
}

func collectSubscriptions(rows pgx.Rows, err error) ([]bot.Subscription, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []bot.Subscription
	for rows.Next() {
		s, err := scanSubscription(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Add implements bot.FeedStore. The subscription's feed is due at once,
// as a new subscription's feed is in the file.
func (s *Feeds) Add(ctx context.Context, sub bot.Subscription) (bot.Subscription, error) {
	sub, err := bot.NewSubscription(sub)
	if err != nil {
		return bot.Subscription{}, err
	}
	sub.AddedAt = sub.AddedAt.Truncate(time.Microsecond) // as PostgreSQL keeps it
	key := bot.FeedKey(sub.URL)
	err = s.s.inTx(ctx, func(tx pgx.Tx) error {
		// The feed is due at once, so the new subscriber's first poll
		// need not wait for the others' next.
		if _, err := tx.Exec(ctx, `INSERT INTO feeds (key, url) VALUES ($1, $2)
			ON CONFLICT (key) DO UPDATE SET next_poll_at = '-infinity'`, key, sub.URL); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO feed_subscriptions (id, feed_key, url, scope, channel, title, added_by, added_at, etag, last_modified, last_error, seen)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			sub.ID, key, sub.URL, sub.Scope, sub.Channel, sub.Title, sub.AddedBy, sub.AddedAt, sub.ETag, sub.LastModified, sub.LastError, seenArray(sub.Seen))
		return err
	})
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return bot.Subscription{}, fmt.Errorf("add feed %s: %w", bot.RedactURL(sub.URL), bot.ErrDuplicateSubscription)
	}
	if err != nil {
		return bot.Subscription{}, fmt.Errorf("add feed %s: %w", bot.RedactURL(sub.URL), err)
	}
	return sub, nil
}

func seenArray(seen []string) []string {
	if seen == nil {
		return []string{}
	}
	return seen
}

// Remove implements bot.FeedStore. The feed's row stays for another
// subscriber; a feed no one follows is never claimed.
func (s *Feeds) Remove(ctx context.Context, scope, id string) error {
	tag, err := s.s.pool.Exec(ctx, `DELETE FROM feed_subscriptions WHERE id = $1 AND scope = $2`, id, scope)
	switch {
	case err != nil:
		return fmt.Errorf("remove feed %s: %w", id, err)
	case tag.RowsAffected() == 0:
		return fmt.Errorf("remove feed %s: %w", id, bot.ErrSubscriptionNotFound)
	}
	return nil
}

// List implements bot.FeedStore.
func (s *Feeds) List(ctx context.Context, scope string) ([]bot.Subscription, error) {
	out, err := collectSubscriptions(s.s.pool.Query(ctx, `SELECT `+subscriptionColumns+`
		FROM feed_subscriptions s JOIN feeds f ON f.key = s.feed_key WHERE s.scope = $1 ORDER BY s.seq`, scope))
	if err != nil {
		return nil, fmt.Errorf("list the feeds of %s: %w", scope, err)
	}
	return out, nil
}

// All implements bot.FeedStore.
func (s *Feeds) All(ctx context.Context) ([]bot.Subscription, error) {
	out, err := collectSubscriptions(s.s.pool.Query(ctx, `SELECT `+subscriptionColumns+`
		FROM feed_subscriptions s JOIN feeds f ON f.key = s.feed_key ORDER BY s.seq`))
	if err != nil {
		return nil, fmt.Errorf("list the followed feeds: %w", err)
	}
	return out, nil
}

// Update implements bot.FeedStore: fn changes the subscription under its
// row's lock.
func (s *Feeds) Update(ctx context.Context, id string, fn func(*bot.Subscription)) (bot.Subscription, error) {
	var out bot.Subscription
	err := s.s.inTx(ctx, func(tx pgx.Tx) error {
		cur, err := scanSubscription(tx.QueryRow(ctx, `SELECT `+subscriptionColumns+`
			FROM feed_subscriptions s JOIN feeds f ON f.key = s.feed_key WHERE s.id = $1 FOR UPDATE OF s`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("update feed %s: %w", id, bot.ErrSubscriptionNotFound)
		}
		if err != nil {
			return err
		}
		next := cur
		next.Seen = append([]string(nil), cur.Seen...)
		fn(&next)
		next.ID, next.Scope, next.URL, next.NextPoll = cur.ID, cur.Scope, cur.URL, cur.NextPoll // identity is not fn's to change
		var checked any
		if !next.LastChecked.IsZero() {
			checked = next.LastChecked
		}
		if _, err := tx.Exec(ctx, `UPDATE feed_subscriptions SET channel = $2, title = $3, added_by = $4, etag = $5, last_modified = $6,
			last_checked = $7, last_error = $8, seen = $9 WHERE id = $1`,
			id, next.Channel, next.Title, next.AddedBy, next.ETag, next.LastModified, checked, next.LastError, seenArray(next.Seen)); err != nil {
			return err
		}
		next.LastChecked = next.LastChecked.UTC()
		out = next
		return nil
	})
	if errors.Is(err, bot.ErrSubscriptionNotFound) {
		return bot.Subscription{}, err
	}
	if err != nil {
		return bot.Subscription{}, fmt.Errorf("update feed %s: %w", id, err)
	}
	return out, nil
}

// Claim implements bot.FeedStore. The due feeds that someone follows are
// locked with FOR UPDATE SKIP LOCKED, so two processes claiming at once
// take different feeds, and leased in the same statement: whichever
// claim commits first polls the feed; the other finds it leased, or not
// due until the next interval.
func (s *Feeds) Claim(ctx context.Context, r bot.FeedClaimRequest) ([]bot.FeedClaim, error) {
	limit := any(nil)
	if r.Limit > 0 {
		limit = r.Limit
	}
	var claims []bot.FeedClaim
	err := s.s.inTx(ctx, func(tx pgx.Tx) error {
		claims = nil
		rows, err := tx.Query(ctx, `WITH due AS (
				SELECT key FROM feeds
				WHERE next_poll_at <= $2 AND (lease_until IS NULL OR lease_until <= $1 OR holder = $3)
				  AND EXISTS (SELECT 1 FROM feed_subscriptions s WHERE s.feed_key = feeds.key)
				ORDER BY next_poll_at
				LIMIT $6
				FOR UPDATE SKIP LOCKED)
			UPDATE feeds f SET holder = $3, lease_until = $5, next_poll_at = $4
			FROM due WHERE f.key = due.key
			RETURNING f.key, f.url`, r.Now, r.DueBy, r.Holder, r.Next, r.LeaseUntil, limit)
		if err != nil {
			return err
		}
		index := map[string]int{}
		for rows.Next() {
			var c bot.FeedClaim
			if err := rows.Scan(&c.Key, &c.URL); err != nil {
				rows.Close()
				return err
			}
			index[c.Key] = len(claims)
			claims = append(claims, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(claims) == 0 {
			return err
		}
		keys := make([]string, len(claims))
		for i, c := range claims {
			keys[i] = c.Key
		}
		subs, err := collectSubscriptions(tx.Query(ctx, `SELECT `+subscriptionColumns+`
			FROM feed_subscriptions s JOIN feeds f ON f.key = s.feed_key WHERE s.feed_key = ANY($1) ORDER BY s.seq`, keys))
		if err != nil {
			return err
		}
		for _, sub := range subs {
			i := index[bot.FeedKey(sub.URL)]
			claims[i].Subs = append(claims[i].Subs, sub)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim feeds: %w", err)
	}
	return claims, nil
}

// Release implements bot.FeedStore.
func (s *Feeds) Release(ctx context.Context, key, holder string) error {
	if _, err := s.s.pool.Exec(ctx, `UPDATE feeds SET holder = '', lease_until = NULL WHERE key = $1 AND holder = $2`, key, holder); err != nil {
		return fmt.Errorf("release feed %s: %w", key, err)
	}
	return nil
}
