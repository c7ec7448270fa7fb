package postgres

import (
	"context"
	"fmt"
	"time"
)

// IdentifyTurn waits until no other process of the fleet is connecting a
// shard of Discord's rate-limit bucket (shard id modulo max_concurrency)
// and returns the function that ends this process's turn: Discord lets a
// bot identify once per five seconds in each bucket, whichever process
// asks, so the processes of a fleet take turns. The turn is a session-level
// advisory lock on one connection, keyed by the schema and the bucket; it
// ends with release or, if this process dies, with its connection.
func (s *Stores) IdentifyTurn(ctx context.Context, bucket int) (release func(), err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("wait for the fleet's turn to connect to Discord: %w", err)
	}
	const key = `hashtext(current_schema() || ' newsbot identify')`
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(`+key+`, $1)`, bucket); err != nil {
		// Interrupted, the lock may have been taken all the same: end the
		// connection, which ends the lock, rather than pool it.
		conn.Conn().Close(context.WithoutCancel(ctx))
		conn.Release()
		return nil, fmt.Errorf("wait for the fleet's turn to connect to Discord: %w", err)
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock(`+key+`, $1)`, bucket); err != nil {
			// The lock lives as long as the connection: end both.
			conn.Conn().Close(ctx)
		}
		conn.Release()
	}, nil
}
