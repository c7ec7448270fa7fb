package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/newsbot/newsbot/bot"
)

// The daily briefings' records (bot.BriefingLog), one row per server and
// day in the table briefings (migration 5).

const briefingColumns = `scope, day::text, state, channel, since, until, attempts, first_attempt, holder,
	lease_until, message_id, error, done_at`

func scanBriefing(row pgx.Row) (bot.BriefingRecord, error) {
	var r bot.BriefingRecord
	var lease, done *time.Time
	err := row.Scan(&r.Scope, &r.Day, &r.State, &r.Channel, &r.Since, &r.Until, &r.Attempts, &r.FirstAttempt, &r.Holder,
		&lease, &r.MessageID, &r.Error, &done)
	if err != nil {
		return r, err
	}
	if lease != nil {
		r.LeaseUntil = lease.UTC()
	}
	if done != nil {
		r.DoneAt = done.UTC()
	}
	r.Since, r.Until, r.FirstAttempt = r.Since.UTC(), r.Until.UTC(), r.FirstAttempt.UTC()
	return r, nil
}

// Claim takes a server's briefing of a day for holder. The row is made if
// it is missing and then locked with FOR UPDATE SKIP LOCKED: a process
// that finds it locked, or finds it done or leased to another holder
// whose lease runs, leaves it. Whichever claim commits first wins.
func (s *Stores) Claim(ctx context.Context, first bot.BriefingRecord, holder string, now, leaseUntil time.Time) (bot.BriefingRecord, bool, error) {
	var rec bot.BriefingRecord
	ok := false
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		ok = false
		if _, err := tx.Exec(ctx, `INSERT INTO briefings (scope, day, channel, since, until, first_attempt)
			VALUES ($1, $2::date, $3, $4, $5, $6) ON CONFLICT (scope, day) DO NOTHING`,
			first.Scope, first.Day, first.Channel, first.Since, first.Until, first.FirstAttempt); err != nil {
			return err
		}
		cur, err := scanBriefing(tx.QueryRow(ctx, `SELECT `+briefingColumns+` FROM briefings
			WHERE scope = $1 AND day = $2::date FOR UPDATE SKIP LOCKED`, first.Scope, first.Day))
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // another process holds the row this moment
		}
		if err != nil {
			return err
		}
		if cur.Done() || cur.Holder != "" && cur.Holder != holder && cur.LeaseUntil.After(now) {
			rec = cur
			return nil
		}
		rec, err = scanBriefing(tx.QueryRow(ctx, `UPDATE briefings SET attempts = attempts + 1, holder = $3, lease_until = $4
			WHERE scope = $1 AND day = $2::date RETURNING `+briefingColumns, first.Scope, first.Day, holder, leaseUntil))
		ok = err == nil
		return err
	})
	if err != nil {
		return bot.BriefingRecord{}, false, fmt.Errorf("claim the briefing of %s for %s: %w", first.Scope, first.Day, err)
	}
	return rec, ok, nil
}

// Release ends holder's claim without an outcome.
func (s *Stores) Release(ctx context.Context, scope, day, holder string) error {
	_, err := s.pool.Exec(ctx, `UPDATE briefings SET holder = '', lease_until = NULL
		WHERE scope = $1 AND day = $2::date AND holder = $3`, scope, day, holder)
	if err != nil {
		return fmt.Errorf("release the briefing of %s for %s: %w", scope, day, err)
	}
	return nil
}

// Finish records the outcome of holder's claim; a holder whose claim
// another process took over records nothing.
func (s *Stores) Finish(ctx context.Context, rec bot.BriefingRecord, holder string) error {
	var done any
	if !rec.DoneAt.IsZero() {
		done = rec.DoneAt
	}
	tag, err := s.pool.Exec(ctx, `UPDATE briefings SET state = $4, message_id = $5, error = $6, done_at = $7, holder = '', lease_until = NULL
		WHERE scope = $1 AND day = $2::date AND holder = $3 AND state = ''`,
		rec.Scope, rec.Day, holder, rec.State, rec.MessageID, rec.Error, done)
	switch {
	case err != nil:
		return fmt.Errorf("record the briefing of %s for %s: %w", rec.Scope, rec.Day, err)
	case tag.RowsAffected() == 0:
		return fmt.Errorf("record the briefing of %s for %s: the claim was lost", rec.Scope, rec.Day)
	}
	return nil
}

// Last returns the server's newest briefing that was sent or empty.
func (s *Stores) Last(ctx context.Context, scope string) (bot.BriefingRecord, bool, error) {
	rec, err := scanBriefing(s.pool.QueryRow(ctx, `SELECT `+briefingColumns+` FROM briefings
		WHERE scope = $1 AND state IN ('sent', 'empty') ORDER BY until DESC LIMIT 1`, scope))
	return found(rec, err, "read the last briefing of "+scope)
}

// Record returns the server's record of a day.
func (s *Stores) Record(ctx context.Context, scope, day string) (bot.BriefingRecord, bool, error) {
	rec, err := scanBriefing(s.pool.QueryRow(ctx, `SELECT `+briefingColumns+` FROM briefings
		WHERE scope = $1 AND day = $2::date`, scope, day))
	return found(rec, err, "read the briefing of "+scope+" for "+day)
}

func found(rec bot.BriefingRecord, err error, what string) (bot.BriefingRecord, bool, error) {
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return bot.BriefingRecord{}, false, nil
	case err != nil:
		return bot.BriefingRecord{}, false, fmt.Errorf("%s: %w", what, err)
	}
	return rec, true, nil
}
