// Package postgres keeps the bot core's own records in PostgreSQL, beside
// the library (retrieval/postgres) in the same database, so a fleet of
// serve processes shares them: each server's settings (bot.SettingsStore)
// and readers' votes on answers with the key voters are hashed with
// (bot.FeedbackStore). Its tables come with the library's migrations
// (retrieval/postgres/migrations/00002_bot.sql): run `newsbot migrate`.
package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/newsbot/newsbot/bot"
)

// Stores are the bot's records in one database. Make them with New over
// the library's pool (retrieval/postgres.Library.Pool).
type Stores struct {
	pool *pgxpool.Pool
}

// New returns the stores over pool. It does not own the pool.
func New(pool *pgxpool.Pool) *Stores { return &Stores{pool: pool} }

// Settings returns scope's settings, the zero value when it has none.
func (s *Stores) Settings(ctx context.Context, scope string) (bot.Settings, error) {
	var raw []byte
	err := s.pool.QueryRow(ctx, `SELECT settings FROM server_settings WHERE scope = $1`, scope).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return bot.Settings{}, nil
	}
	if err != nil {
		return bot.Settings{}, fmt.Errorf("read settings: %w", err)
	}
	var st bot.Settings
	if err := json.Unmarshal(raw, &st); err != nil {
		return bot.Settings{}, fmt.Errorf("read settings of %s: %w", scope, err)
	}
	return st, nil
}

// UpdateSettings changes scope's settings with fn in one transaction that
// holds the scope's row: concurrent updates, from any process, take turns.
func (s *Stores) UpdateSettings(ctx context.Context, scope string, fn func(*bot.Settings) error) (bot.Settings, error) {
	var out bot.Settings
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		// The row must exist to be locked; a scope's first update makes it,
		// and the insert is undone with the transaction if fn refuses.
		if _, err := tx.Exec(ctx, `INSERT INTO server_settings (scope, settings) VALUES ($1, '{}') ON CONFLICT (scope) DO NOTHING`, scope); err != nil {
			return err
		}
		var raw []byte
		if err := tx.QueryRow(ctx, `SELECT settings FROM server_settings WHERE scope = $1 FOR UPDATE`, scope).Scan(&raw); err != nil {
			return err
		}
		var st bot.Settings
		if err := json.Unmarshal(raw, &st); err != nil {
			return fmt.Errorf("read settings of %s: %w", scope, err)
		}
		if err := fn(&st); err != nil {
			return err
		}
		if err := st.Check(); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT now()`).Scan(&st.UpdatedAt); err != nil {
			return err
		}
		st.UpdatedAt = st.UpdatedAt.UTC()
		doc, err := json.Marshal(st)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE server_settings SET settings = $2, updated_at = $3 WHERE scope = $1`, scope, doc, st.UpdatedAt); err != nil {
			return err
		}
		out = st
		return nil
	})
	if err != nil {
		var um interface{ UserMessage() string }
		if errors.As(err, &um) {
			return bot.Settings{}, err // the moderator's mistake, as the core phrased it
		}
		return bot.Settings{}, fmt.Errorf("update settings: %w", err)
	}
	return out, nil
}

// AllSettings returns every scope's settings.
func (s *Stores) AllSettings(ctx context.Context) (map[string]bot.Settings, error) {
	rows, err := s.pool.Query(ctx, `SELECT scope, settings FROM server_settings`)
	if err != nil {
		return nil, fmt.Errorf("read settings: %w", err)
	}
	defer rows.Close()
	out := map[string]bot.Settings{}
	for rows.Next() {
		var scope string
		var raw []byte
		if err := rows.Scan(&scope, &raw); err != nil {
			return nil, fmt.Errorf("read settings: %w", err)
		}
		var st bot.Settings
		if err := json.Unmarshal(raw, &st); err != nil {
			return nil, fmt.Errorf("read settings of %s: %w", scope, err)
		}
		out[scope] = st
	}
	return out, rows.Err()
}

// inTx runs fn in a transaction, again when it fails for a conflict with
// another one (serialization failure, deadlock, a racing insert).
func (s *Stores) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	var err error
	for range 5 {
		err = pgx.BeginFunc(ctx, s.pool, fn)
		var pe *pgconn.PgError
		if err == nil || !errors.As(err, &pe) || (pe.Code != "40001" && pe.Code != "40P01" && pe.Code != "23505") || ctx.Err() != nil {
			return err
		}
	}
	return err
}
