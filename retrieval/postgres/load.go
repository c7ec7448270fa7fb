package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/newsbot/newsbot/retrieval"
)

// querier is a pool, a connection or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

const articleColumns = `id, scope, title, url, fetched_from, source, author, published_at, loaded_at, analyzer`

// scanArticle reads the articleColumns of a row.
func scanArticle(rows pgx.Rows) (*retrieval.Article, string, error) {
	var a retrieval.Article
	var published *time.Time
	var analyzer string
	if err := rows.Scan(&a.ID, &a.Scope, &a.Title, &a.URL, &a.FetchedFrom, &a.Source, &a.Author, &published, &a.LoadedAt, &analyzer); err != nil {
		return nil, "", err
	}
	if published != nil {
		a.PublishedAt = published.UTC()
	}
	a.LoadedAt = a.LoadedAt.UTC()
	return &a, analyzer, nil
}

// readArticles returns the articles matching where (over the articles
// table, with args), paragraphs included, ordered by id.
func readArticles(ctx context.Context, q querier, where string, args ...any) ([]*retrieval.Article, error) {
	rows, err := q.Query(ctx, `SELECT `+articleColumns+` FROM articles WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("read articles: %w", err)
	}
	var arts []*retrieval.Article
	byID := map[string]*retrieval.Article{}
	for rows.Next() {
		a, _, err := scanArticle(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("read articles: %w", err)
		}
		arts = append(arts, a)
		byID[a.ID] = a
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read articles: %w", err)
	}
	if len(arts) == 0 {
		return nil, nil
	}
	ids := make([]string, len(arts))
	for i, a := range arts {
		ids[i] = a.ID
	}
	rows, err = q.Query(ctx, `SELECT article_id, text FROM paragraphs WHERE article_id = ANY($1) ORDER BY article_id, n`, ids)
	if err != nil {
		return nil, fmt.Errorf("read paragraphs: %w", err)
	}
	var id, text string
	_, err = pgx.ForEachRow(rows, []any{&id, &text}, func() error {
		a := byID[id]
		a.Paragraphs = append(a.Paragraphs, text)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read paragraphs: %w", err)
	}
	return arts, nil
}

// List implements retrieval.Backend.
func (l *Library) List(ctx context.Context, scope string) ([]*retrieval.Article, error) {
	if scope == "" {
		return readArticles(ctx, l.pool, `true`)
	}
	return readArticles(ctx, l.pool, `scope = $1 OR scope = $2`, retrieval.GlobalScope, scope)
}

// Count returns how many articles the library holds, and paragraphs.
func (l *Library) Count(ctx context.Context) (articles, paragraphs int, err error) {
	err = l.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM paragraphs)`).Scan(&articles, &paragraphs)
	return articles, paragraphs, err
}

// loadBatch is how many articles the loader hands to the index at once.
const loadBatch = 128

// loadIndexed reads the served articles among ids (all served ones when ids
// is nil) with their paragraphs' vectors and words, and hands them to put
// in batches as the rows arrive, so the index is built while the database
// still sends. Articles with a paragraph that has no vector of this
// library's embedder are returned instead, to be embedded; a paragraph
// whose words were analyzed by another analyzer version gets nil words,
// which the index analyzes. It returns the ids it found in the database,
// served or not.
func (l *Library) loadIndexed(ctx context.Context, q querier, ids []string, put func([]retrieval.IndexedArticle) error) (found []string, unembedded []*retrieval.Article, err error) {
	var rows pgx.Rows
	if ids == nil {
		rows, err = q.Query(ctx, `SELECT `+articleColumns+` FROM articles`)
	} else {
		rows, err = q.Query(ctx, `SELECT `+articleColumns+` FROM articles WHERE id = ANY($1)`, ids)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read articles: %w", err)
	}
	byID := map[string]*retrieval.IndexedArticle{}
	stale := map[string]bool{}
	var served []string
	for rows.Next() {
		a, analyzer, err := scanArticle(rows)
		if err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("read articles: %w", err)
		}
		found = append(found, a.ID)
		if !l.serves(a.Scope) {
			continue
		}
		byID[a.ID] = &retrieval.IndexedArticle{Article: a}
		stale[a.ID] = analyzer != retrieval.AnalyzerVersion
		served = append(served, a.ID)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read articles: %w", err)
	}
	if len(served) == 0 {
		return found, nil, nil
	}
	const cols = `SELECT p.article_id, p.text, p.terms, e.vector FROM paragraphs p
		LEFT JOIN embeddings e ON e.embedder_id = $1 AND e.hash = p.hash`
	if ids == nil && l.opts.Serves == nil {
		rows, err = q.Query(ctx, cols+` ORDER BY p.article_id, p.n`, l.embID)
	} else {
		rows, err = q.Query(ctx, cols+` WHERE p.article_id = ANY($2) ORDER BY p.article_id, p.n`, l.embID, served)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read paragraphs: %w", err)
	}
	dims := l.emb.Info().Dimensions
	var (
		batch   []retrieval.IndexedArticle
		cur     *retrieval.IndexedArticle
		missing bool
		id      string
		text    string
		terms   []byte
		vec     []byte
	)
	flush := func() error {
		if cur == nil {
			return nil
		}
		if missing {
			unembedded = append(unembedded, cur.Article)
		} else {
			batch = append(batch, *cur)
		}
		cur, missing = nil, false
		if len(batch) >= loadBatch {
			err := put(batch)
			batch = nil
			return err
		}
		return nil
	}
	_, err = pgx.ForEachRow(rows, []any{&id, &text, &terms, &vec}, func() error {
		if cur == nil || cur.Article.ID != id {
			if err := flush(); err != nil {
				return err
			}
			cur = byID[id]
		}
		a := cur.Article
		a.Paragraphs = append(a.Paragraphs, text)
		if stale[id] {
			terms = nil
		}
		cur.Terms = append(cur.Terms, terms)
		if vec == nil {
			missing = true
			cur.Vectors = append(cur.Vectors, nil)
			return nil
		}
		v, err := decodeVector(vec, dims)
		if err != nil {
			return fmt.Errorf("paragraph %d of %s: %w", len(a.Paragraphs), id, err)
		}
		cur.Vectors = append(cur.Vectors, v)
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read paragraphs: %w", err)
	}
	if err := flush(); err != nil {
		return nil, nil, err
	}
	if len(batch) > 0 {
		if err := put(batch); err != nil {
			return nil, nil, err
		}
	}
	return found, unembedded, nil
}
