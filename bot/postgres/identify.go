package postgres

import (
	"context"
	"fmt"
	"time"
)

// IdentifyTurn waits for this process's turn to identify a shard of
// Discord's rate-limit bucket (shard id modulo max_concurrency) and
// returns the function to call once the identify is done, which records it
// and ends the turn: Discord lets a bot identify once per spacing (five
// seconds) in each bucket, whichever process asks, so the processes of a
// fleet take turns.
//
// A turn begins when no other process is identifying in the bucket (a
// session-level advisory lock on one connection, keyed by the schema and
// the bucket, which ends with the turn or with the connection if this
// process dies) and spacing has passed since the bucket's last recorded
// identify (table identify_turns, by the server's clock). The spacing is
// kept in the table rather than by holding the lock after the identify, so
// that nothing outlasts the identify: a process that stops right after it
// does not wait, and the next one still waits the spacing out.
func (s *Stores) IdentifyTurn(ctx context.Context, bucket int, spacing time.Duration) (identified func(), err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("wait for the fleet's turn to connect to Discord: %w", err)
	}
	const key = `hashtext(current_schema() || ' newsbot identify')`
	end := func(ctx context.Context) {
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock(`+key+`, $1)`, bucket); err != nil {
			// The lock lives as long as the connection: end both.
			conn.Conn().Close(ctx)
		}
		conn.Release()
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(`+key+`, $1)`, bucket); err != nil {
		// Interrupted, the lock may have been taken all the same: end the
		// connection, which ends the lock, rather than pool it.
		conn.Conn().Close(context.WithoutCancel(ctx))
		conn.Release()
		return nil, fmt.Errorf("wait for the fleet's turn to connect to Discord: %w", err)
	}
	var wait float64 // seconds
	err = conn.QueryRow(ctx, `SELECT coalesce(max(extract(epoch FROM identified_at + $2 * interval '1 microsecond' - clock_timestamp())), 0)
		FROM identify_turns WHERE bucket = $1`, bucket, spacing.Microseconds()).Scan(&wait)
	if err == nil && wait > 0 {
		select {
		case <-time.After(time.Duration(wait * float64(time.Second))):
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	if err != nil {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		end(ctx)
		return nil, fmt.Errorf("wait for the fleet's turn to connect to Discord: %w", err)
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := conn.Exec(ctx, `INSERT INTO identify_turns (bucket, identified_at) VALUES ($1, clock_timestamp())
			ON CONFLICT (bucket) DO UPDATE SET identified_at = excluded.identified_at`, bucket); err != nil {
			// Unrecorded, the next turn may come too soon for Discord; end
			// the connection, and the lock with it.
			conn.Conn().Close(ctx)
			conn.Release()
			return
		}
		end(ctx)
	}, nil
}
