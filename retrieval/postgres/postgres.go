// Package postgres keeps newsbot's library in PostgreSQL, for a fleet of
// processes that share it: articles and paragraphs with the analyzed words
// BM25 needs, vectors by paragraph text and embedder, and a
// sequence-numbered change log. Each process holds the in-memory index
// (retrieval.NewMemoryIndex) of the scopes it serves, built at start-up
// from the stored vectors and words without embedding or analyzing
// anything, and kept current by LISTEN/NOTIFY and the change log.
//
// A Library is a retrieval.Backend: retrieval.NewStore(lib) is the Store
// the bot and the command line use, as with the article files.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/newsbot/newsbot/retrieval"
)

// Options configure Open. The zero value opens a library that reads and
// writes articles but searches nothing: enough for ingest, import, export.
type Options struct {
	Logger *slog.Logger
	// Search loads the index of the scopes Serves accepts when the library
	// opens, and follows the change log to keep it current.
	Search bool
	// Serves reports whether this process searches a server's scope (a
	// Discord guild id); nil serves all. The global library is always
	// served.
	Serves func(scope string) bool
	// Fusion and VectorWeight tune search as retrieval.IndexOptions.
	Fusion       retrieval.Fusion
	VectorWeight float64
	// Progress is told how many paragraphs are embedded so far, while
	// embedding many.
	Progress func(done, total int)
}

// Library is the PostgreSQL library: a retrieval.Backend.
type Library struct {
	pool    *pgxpool.Pool
	emb     retrieval.Embedder
	embID   int32
	channel string // NOTIFY channel of this schema's change log
	log     *slog.Logger
	opts    Options

	ix     atomic.Pointer[retrieval.Index] // the served scopes' index; empty without Options.Search
	follow *follower                       // nil without Options.Search
}

// Open connects to the database at url (postgres://…), checks that its
// schema is current, and registers the embedder. With Options.Search it
// loads the index and starts following changes; cancel nothing, Close it.
// A nil embedder opens the library for listing and deleting articles only
// (`newsbot articles`, `export`), without asking an embeddings endpoint
// anything; it has no index.
func Open(ctx context.Context, url string, emb retrieval.Embedder, opts Options) (*Library, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	pool, err := connect(ctx, url)
	if err != nil {
		return nil, err
	}
	l := &Library{pool: pool, emb: emb, log: opts.Logger, opts: opts}
	if err := l.open(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if emb == nil {
		return l, nil
	}
	l.ix.Store(l.newIndex())
	if opts.Search {
		if err := l.startFollowing(ctx); err != nil {
			pool.Close()
			return nil, err
		}
	}
	return l, nil
}

func (l *Library) open(ctx context.Context) error {
	if err := checkSchema(ctx, l.pool); err != nil {
		return err
	}
	var schema string
	if err := l.pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return fmt.Errorf("open the library: %w", err)
	}
	l.channel = "newsbot_changes_" + schema
	if l.emb == nil {
		return nil
	}
	info := l.emb.Info()
	var err error
	// Two processes registering a new embedder at once: the one whose
	// insert waited on the other's finds no row in its statement's
	// snapshot, and the next statement sees the other's.
	for range 3 {
		err = l.pool.QueryRow(ctx, `
			WITH ins AS (
				INSERT INTO embedders (provider, model, dimensions) VALUES ($1, $2, $3)
				ON CONFLICT (provider, model, dimensions) DO NOTHING RETURNING id)
			SELECT id FROM ins UNION ALL
			SELECT id FROM embedders WHERE provider = $1 AND model = $2 AND dimensions = $3`,
			info.Provider, info.Model, info.Dimensions).Scan(&l.embID)
		if !errors.Is(err, pgx.ErrNoRows) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("register the embedder: %w", err)
	}
	return nil
}

func (l *Library) newIndex() *retrieval.Index {
	return retrieval.NewMemoryIndex(l.emb, retrieval.IndexOptions{Logger: l.log, Fusion: l.opts.Fusion, VectorWeight: l.opts.VectorWeight})
}

// connect opens a connection pool and checks the server answers.
func connect(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("NEWSBOT_DATABASE_URL is not a PostgreSQL address (postgres://user@host:5432/db): %s", redact(err.Error()))
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to PostgreSQL at %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	return pool, nil
}

var passwordInURL = regexp.MustCompile(`(://[^:/@]*:)[^@]*@`)

// redact hides a password in a connection string quoted by an error.
func redact(s string) string { return passwordInURL.ReplaceAllString(s, "${1}xxxxx@") }

// Index implements retrieval.Backend: the index of the served scopes,
// empty when the library was opened without Options.Search.
func (l *Library) Index() *retrieval.Index { return l.ix.Load() }

// Embedder names the embedder whose vectors this library reads and writes.
func (l *Library) Embedder() retrieval.EmbedderInfo { return l.emb.Info() }

// serves reports whether this process searches scope.
func (l *Library) serves(scope string) bool {
	return scope == retrieval.GlobalScope || l.opts.Serves == nil || l.opts.Serves(scope)
}

// Close stops following changes and closes the connections.
func (l *Library) Close() error {
	if l.follow != nil {
		l.follow.stop()
	}
	l.pool.Close()
	return nil
}

// Pool returns the connection pool, for the other tables of a fleet
// (feeds, conversations) that live in the same database.
func (l *Library) Pool() *pgxpool.Pool { return l.pool }

func isUndefinedTable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "42P01"
}

// retryable reports whether a transaction failed for a conflict with
// another one and may simply be run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case "40001", "40P01", "23505": // serialization failure, deadlock, unique violation
		return true
	}
	return false
}

// inTx runs fn in a transaction, again when it fails for a conflict.
func (l *Library) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = pgx.BeginFunc(ctx, l.pool, fn)
		if err == nil || !retryable(err) || ctx.Err() != nil {
			return err
		}
		l.log.Debug("retrying a transaction after a conflict", "err", err, "attempt", attempt+1)
	}
	return err
}
