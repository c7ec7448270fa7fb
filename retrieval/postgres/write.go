package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/newsbot/newsbot/retrieval"
)

// Upsert implements retrieval.Backend. One transaction finds the stored
// article, writes merge's result with its paragraphs, their analyzed words
// and any vectors not yet stored, and appends to the change log; then, in a
// process that searches, Upsert waits until its own index has applied the
// change, so the article is searchable when it returns.
func (l *Library) Upsert(ctx context.Context, a *retrieval.Article, merge func(old *retrieval.Article) (*retrieval.Article, error)) (*retrieval.Article, error) {
	var stored *retrieval.Article
	var seq int64
	err := l.inTx(ctx, func(tx pgx.Tx) error {
		stored, seq = nil, 0
		// Writers of one article (its scope and URL, or text) take turns,
		// so two loads of one URL make one article.
		key := a.Scope + "\n" + a.URL
		if a.URL == "" {
			key = a.Scope + "\n#" + retrieval.ContentHash(a.Paragraphs)
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, key); err != nil {
			return err
		}
		old, err := l.find(ctx, tx, a)
		if err != nil {
			return err
		}
		b, err := merge(old)
		if err != nil || b == nil {
			stored = old
			return err
		}
		if err := b.Validate(); err != nil {
			return err
		}
		if _, err := l.embedInTx(ctx, tx, b.Paragraphs); err != nil {
			return err
		}
		changes := []change{{b.ID, b.Scope, opPut}}
		if old != nil && old.ID != b.ID {
			if _, err := tx.Exec(ctx, `DELETE FROM articles WHERE id = $1`, old.ID); err != nil {
				return fmt.Errorf("replace %s: %w", old.ID, err)
			}
			changes = append(changes, change{old.ID, old.Scope, opDelete})
		}
		if err := writeArticle(ctx, tx, b); err != nil {
			return err
		}
		if seq, err = l.appendChanges(ctx, tx, changes); err != nil {
			return err
		}
		stored = b
		return nil
	})
	if err != nil {
		return nil, err
	}
	return stored, l.caughtUp(ctx, seq)
}

// Delete implements retrieval.Backend.
func (l *Library) Delete(ctx context.Context, id string) error {
	var seq int64
	err := l.inTx(ctx, func(tx pgx.Tx) error {
		var scope string
		err := tx.QueryRow(ctx, `DELETE FROM articles WHERE id = $1 RETURNING scope`, id).Scan(&scope)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("article %s: %w", id, retrieval.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("delete article %s: %w", id, err)
		}
		seq, err = l.appendChanges(ctx, tx, []change{{id, scope, opDelete}})
		return err
	})
	if err != nil {
		return err
	}
	return l.caughtUp(ctx, seq)
}

// find returns the stored article a would replace: same scope and URL, or
// same text when a has no URL.
func (l *Library) find(ctx context.Context, tx pgx.Tx, a *retrieval.Article) (*retrieval.Article, error) {
	var arts []*retrieval.Article
	var err error
	if a.URL != "" {
		arts, err = readArticles(ctx, tx, `scope = $1 AND url = $2`, a.Scope, a.URL)
	} else {
		arts, err = readArticles(ctx, tx, `scope = $1 AND content_hash = $2`, a.Scope, retrieval.ContentHash(a.Paragraphs))
	}
	if err != nil || len(arts) == 0 {
		return nil, err
	}
	return arts[0], nil
}

// writeArticle inserts or replaces an article and its paragraphs.
func writeArticle(ctx context.Context, tx pgx.Tx, a *retrieval.Article) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO articles (id, scope, title, url, fetched_from, source, author, published_at, loaded_at, content_hash, analyzer)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (id) DO UPDATE SET scope = EXCLUDED.scope, title = EXCLUDED.title, url = EXCLUDED.url,
			fetched_from = EXCLUDED.fetched_from, source = EXCLUDED.source, author = EXCLUDED.author,
			published_at = EXCLUDED.published_at, loaded_at = EXCLUDED.loaded_at, content_hash = EXCLUDED.content_hash,
			analyzer = EXCLUDED.analyzer`,
		a.ID, a.Scope, a.Title, a.URL, a.FetchedFrom, a.Source, a.Author, nullTime(a.PublishedAt), a.LoadedAt.UTC(),
		retrieval.ContentHash(a.Paragraphs), retrieval.AnalyzerVersion)
	if err != nil {
		return fmt.Errorf("save article %s: %w", a.ID, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM paragraphs WHERE article_id = $1`, a.ID); err != nil {
		return fmt.Errorf("save article %s: %w", a.ID, err)
	}
	rows := make([][]any, len(a.Paragraphs))
	for i, p := range a.Paragraphs {
		rows[i] = []any{a.ID, int32(i + 1), p, textHash(p), retrieval.AnalyzeParagraph(p)}
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"paragraphs"}, []string{"article_id", "n", "text", "hash", "terms"}, pgx.CopyFromRows(rows))
	if err != nil {
		return fmt.Errorf("save the paragraphs of %s: %w", a.ID, err)
	}
	return nil
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

type op string

const (
	opPut    op = "put"
	opDelete op = "delete"
)

// change is one entry of the change log: an article written or removed.
type change struct {
	article, scope string
	op             op
}

// appendChanges appends to the change log and notifies the followers at
// commit; it returns the last sequence number. It takes the log's lock,
// held until tx ends, so it comes last in a transaction: sequence numbers
// then commit in order, and a follower that has seen one has seen all
// before it.
func (l *Library) appendChanges(ctx context.Context, tx pgx.Tx, changes []change) (int64, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, l.channel); err != nil {
		return 0, fmt.Errorf("lock the change log: %w", err)
	}
	var seq int64
	for _, c := range changes {
		err := tx.QueryRow(ctx, `INSERT INTO changes (article_id, scope, op) VALUES ($1, $2, $3) RETURNING seq`, c.article, c.scope, string(c.op)).Scan(&seq)
		if err != nil {
			return 0, fmt.Errorf("append to the change log: %w", err)
		}
		if c.op == opPut {
			if _, err := tx.Exec(ctx, `UPDATE articles SET changed_seq = $2 WHERE id = $1`, c.article, seq); err != nil {
				return 0, err
			}
		}
	}
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, l.channel, strconv.FormatInt(seq, 10)); err != nil {
		return 0, fmt.Errorf("notify: %w", err)
	}
	return seq, nil
}

// caughtUp waits until this process's index has applied change seq, when
// it searches; it applies it itself rather than wait for the notification.
func (l *Library) caughtUp(ctx context.Context, seq int64) error {
	if l.follow == nil || seq == 0 {
		return nil
	}
	return l.follow.upTo(ctx, seq)
}
