package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/newsbot/newsbot/retrieval"
	"github.com/newsbot/newsbot/retrieval/postgres"
)

// With NEWSBOT_DATABASE_URL the library lives in PostgreSQL, shared by a
// fleet of processes: no data-folder lock and no handing commands to a
// running serve, since transactions keep writers apart and every process
// follows the others' changes.

// searchingCommands load the index of the scopes they serve from the
// database; the others only read or write articles and start at once.
var searchingCommands = map[string]bool{"ask": true, "summarize": true, "timeline": true, "search": true, "forget": true, "serve": true}

// openDatabase opens the PostgreSQL library as a Store.
func (e *env) openDatabase(emb retrieval.Embedder, command string, progress func(done, total int)) (*retrieval.Store, func(), error) {
	lib, err := postgres.Open(e.ctx, e.cfg.DatabaseURL, emb, postgres.Options{
		Logger: e.logger, Search: searchingCommands[command], Progress: progress, Serves: e.servesScope,
	})
	if errors.Is(err, postgres.ErrSchema) {
		return nil, nil, err
	}
	if err != nil {
		return nil, nil, fmt.Errorf("open the PostgreSQL library (NEWSBOT_DATABASE_URL): %w", err)
	}
	e.library = lib
	st := retrieval.NewStore(lib)
	return st, func() { st.Close() }, nil
}

func (e *env) migrateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Bring the PostgreSQL library's schema up to date",
		Long: `Applies the database migrations this newsbot carries that the PostgreSQL
library (NEWSBOT_DATABASE_URL) lacks, each in its own transaction. Safe to run
again, and from several processes at once: they take turns.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if e.cfg.DatabaseURL == "" {
				return errors.New("migrate works on a PostgreSQL library: set NEWSBOT_DATABASE_URL (postgres://…) first; the files in the data folder need no migration")
			}
			from, to, err := postgres.Migrate(e.ctx, e.cfg.DatabaseURL, nil)
			if err != nil {
				return err
			}
			if from == to {
				fmt.Fprintf(e.stdout, "The database schema is up to date (version %d).\n", to)
				return nil
			}
			fmt.Fprintf(e.stdout, "Migrated the database schema from version %d to %d.\n", from, to)
			return nil
		},
	}
}
