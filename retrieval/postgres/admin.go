package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/newsbot/newsbot/retrieval"
)

// Reindex implements retrieval.Backend: what the library derives from the
// articles is made whole and current. Paragraphs analyzed by another
// version of the analyzer are analyzed again and every paragraph gets a
// vector of this library's embedder (those it has are kept: vectors are
// keyed by text and embedder, so they are never stale). The articles
// rewritten go through the change log, so running processes follow.
func (l *Library) Reindex(ctx context.Context) (retrieval.SyncStats, error) {
	var st retrieval.SyncStats
	arts, err := l.List(ctx, "")
	if err != nil {
		return st, err
	}
	var texts []string
	for _, a := range arts {
		texts = append(texts, a.Paragraphs...)
	}
	st.Articles, st.Paragraphs = len(arts), len(texts)
	if st.Embedded, err = l.Prepare(ctx, texts); err != nil {
		return st, err
	}
	rows, err := l.pool.Query(ctx, `SELECT id FROM articles WHERE analyzer <> $1`, retrieval.AnalyzerVersion)
	if err != nil {
		return st, err
	}
	stale, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return st, err
	}
	for _, id := range stale {
		var seq int64
		err := l.inTx(ctx, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT 1 FROM articles WHERE id = $1 FOR UPDATE`, id); err != nil {
				return err
			}
			got, err := readArticles(ctx, tx, `id = $1`, id)
			if err != nil || len(got) == 0 {
				return err // removed meanwhile
			}
			if err := writeArticle(ctx, tx, got[0]); err != nil {
				return err
			}
			seq, err = l.appendChanges(ctx, tx, []change{{id, got[0].Scope, opPut}})
			return err
		})
		if err != nil {
			return st, fmt.Errorf("analyze %s again: %w", id, err)
		}
		if err := l.caughtUp(ctx, seq); err != nil {
			return st, err
		}
		st.Reindexed++
	}
	return st, nil
}

// prune removes changes older than keep from the log. A process that had
// not read them when they went reloads its whole index instead of catching
// up (see follower.catchUp).
func (l *Library) prune(ctx context.Context, keep time.Duration) (int64, error) {
	var n int64
	err := l.inTx(ctx, func(tx pgx.Tx) error {
		var upTo *int64
		err := tx.QueryRow(ctx, `
			WITH gone AS (DELETE FROM changes WHERE at < now() - $1::interval RETURNING seq)
			SELECT count(*), max(seq) FROM gone`, keep).Scan(&n, &upTo)
		if err != nil || upTo == nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE change_horizon SET seq = greatest(seq, $1)`, *upTo)
		return err
	})
	return n, err
}
