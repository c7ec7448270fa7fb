package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// ErrSchema is returned by Open when the database's schema is older than
// this newsbot: run Migrate (`newsbot migrate`).
var ErrSchema = errors.New("database schema out of date")

// provider returns goose's migrator over the embedded migrations. The
// session lock makes concurrent migrations (two `serve --migrate` starting
// together) take turns.
func provider(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger) (*goose.Provider, *sql.DB, error) {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, nil, err
	}
	// The lock is the database's; its id is the schema's, so libraries in
	// other schemas of one database migrate independently.
	var schema string
	if err := pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return nil, nil, fmt.Errorf("migrate: %w", err)
	}
	h := fnv.New64a()
	h.Write([]byte("newsbot migrations " + schema))
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(int64(h.Sum64()>>1)), lock.WithLockTimeout(1, 600))
	if err != nil {
		return nil, nil, err
	}
	db := stdlib.OpenDBFromPool(pool)
	opts := []goose.ProviderOption{goose.WithSessionLocker(locker), goose.WithDisableGlobalRegistry(true)}
	if logger != nil {
		opts = append(opts, goose.WithSlog(logger))
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub, opts...)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return p, db, nil
}

// Migrate brings the database at url to the newest schema, applying each
// missing migration in its own transaction, and returns the versions
// before and after.
func Migrate(ctx context.Context, url string, logger *slog.Logger) (from, to int64, err error) {
	return migrateTo(ctx, url, -1, logger)
}

// migrateTo migrates to version (-1 for the newest).
func migrateTo(ctx context.Context, url string, version int64, logger *slog.Logger) (from, to int64, err error) {
	pool, err := connect(ctx, url)
	if err != nil {
		return 0, 0, err
	}
	defer pool.Close()
	p, db, err := provider(ctx, pool, logger)
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	if from, err = p.GetDBVersion(ctx); err != nil {
		return 0, 0, fmt.Errorf("read the schema version: %w", err)
	}
	if version < 0 {
		_, err = p.Up(ctx)
	} else {
		_, err = p.UpTo(ctx, version)
	}
	if err != nil {
		return from, 0, fmt.Errorf("migrate: %w", err)
	}
	to, err = p.GetDBVersion(ctx)
	return from, to, err
}

// latestVersion is the newest migration's version.
func latestVersion() int64 {
	entries, _ := fs.Glob(migrationFiles, "migrations/*.sql")
	var v int64
	for _, e := range entries {
		var n int64
		if _, err := fmt.Sscanf(e, "migrations/%05d_", &n); err == nil && n > v {
			v = n
		}
	}
	return v
}

// checkSchema fails with ErrSchema unless the database is migrated to at
// least this newsbot's newest version. A newer schema is fine: migrations
// only add, so processes not yet upgraded keep working beside new ones.
func checkSchema(ctx context.Context, pool *pgxpool.Pool) error {
	var have int64
	err := pool.QueryRow(ctx, `SELECT coalesce(max(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&have)
	if err != nil && !isUndefinedTable(err) {
		return fmt.Errorf("read the schema version: %w", err)
	}
	if want := latestVersion(); have < want {
		return fmt.Errorf("%w: the database is at version %d and this newsbot needs %d; run `newsbot migrate` (or `newsbot serve --migrate`)", ErrSchema, have, want)
	}
	return nil
}
