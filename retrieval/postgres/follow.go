package postgres

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgxlisten"
	"golang.org/x/sync/errgroup"

	"github.com/newsbot/newsbot/retrieval"
)

// follower keeps a process's index current with the change log. It
// LISTENs for the writers' notifications and, on each one and after each
// (re)connection, reads the changes after the last one it applied, in one
// snapshot with the articles they name, so it applies each change exactly
// once and in order however notifications are lost or repeated.
type follower struct {
	l *Library

	mu   sync.Mutex // one catch-up at a time; guards last
	last int64      // the last change the index reflects

	// onApply, when set (by tests), is told the sequence numbers of the
	// changes each catch-up applied.
	onApply func(seqs []int64)

	cancel context.CancelFunc
	done   chan struct{}
}

// listenerName is the application_name of the listening connection, so an
// operator can tell it apart in pg_stat_activity.
const listenerName = "newsbot follower"

// reconnectDelay is how long the listener waits before reconnecting after
// it lost the database.
const reconnectDelay = 500 * time.Millisecond

// startFollowing loads the served scopes' index and starts listening.
func (l *Library) startFollowing(ctx context.Context) error {
	f := &follower{l: l, done: make(chan struct{})}
	f.mu.Lock()
	err := f.reload(ctx)
	f.mu.Unlock()
	if err != nil {
		return err
	}
	l.follow = f
	lctx, cancel := context.WithCancel(context.Background())
	f.cancel = cancel
	cfg := l.pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = listenerName
	listener := &pgxlisten.Listener{
		Connect: func(ctx context.Context) (*pgx.Conn, error) { return pgx.ConnectConfig(ctx, cfg.Copy()) },
		LogError: func(ctx context.Context, err error) {
			if ctx.Err() == nil {
				l.log.Warn("following the library's changes", "err", err)
			}
		},
		ReconnectDelay: reconnectDelay,
	}
	listener.Handle(l.channel, f)
	go func() {
		defer close(f.done)
		listener.Listen(lctx)
	}()
	return nil
}

func (f *follower) stop() {
	f.cancel()
	<-f.done
}

// HandleNotification implements pgxlisten.Handler.
func (f *follower) HandleNotification(ctx context.Context, _ *pgconn.Notification, _ *pgx.Conn) error {
	return f.catchUp(ctx)
}

// HandleBacklog implements pgxlisten.BacklogHandler: after (re)connecting,
// apply what was written while not listening.
func (f *follower) HandleBacklog(ctx context.Context, _ string, _ *pgx.Conn) error {
	return f.catchUp(ctx)
}

// upTo returns once the index reflects change seq.
func (f *follower) upTo(ctx context.Context, seq int64) error {
	f.mu.Lock()
	done := f.last >= seq
	f.mu.Unlock()
	if done {
		return nil
	}
	return f.catchUp(ctx)
}

// catchUp applies the changes after the last one applied.
func (f *follower) catchUp(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	l := f.l
	tx, err := l.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var horizon int64
	if err := tx.QueryRow(ctx, `SELECT seq FROM change_horizon`).Scan(&horizon); err != nil {
		return fmt.Errorf("read the change log: %w", err)
	}
	if f.last < horizon {
		l.log.Info("the changes since this process last read them were pruned: reloading the index", "last", f.last, "pruned_to", horizon)
		tx.Rollback(ctx)
		return f.reload(ctx)
	}
	rows, err := tx.Query(ctx, `SELECT seq, article_id FROM changes WHERE seq > $1 ORDER BY seq`, f.last)
	if err != nil {
		return fmt.Errorf("read the change log: %w", err)
	}
	var seqs []int64
	var ids []string
	var seq int64
	var id string
	if _, err := pgx.ForEachRow(rows, []any{&seq, &id}, func() error {
		seqs = append(seqs, seq)
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("read the change log: %w", err)
	}
	if len(seqs) == 0 {
		return nil
	}
	var puts []retrieval.IndexedArticle
	found, unembedded, err := l.loadIndexed(ctx, tx, ids, func(b []retrieval.IndexedArticle) error {
		puts = append(puts, b...)
		return nil
	})
	if err != nil {
		return err
	}
	tx.Rollback(ctx)
	more, err := l.embedded(ctx, unembedded)
	if err != nil {
		return err
	}
	puts = append(puts, more...)
	ix := l.ix.Load()
	var gone []string
	for _, id := range ids {
		if !slices.ContainsFunc(puts, func(p retrieval.IndexedArticle) bool { return p.Article.ID == id }) {
			gone = append(gone, id) // deleted, or moved out of the served scopes
		}
	}
	ix.Drop(ctx, gone...)
	if err := ix.Put(ctx, puts); err != nil {
		return err
	}
	f.last = seqs[len(seqs)-1]
	l.log.Debug("applied changes", "from", seqs[0], "to", f.last, "articles", len(ids), "found", len(found))
	if f.onApply != nil {
		f.onApply(seqs)
	}
	return nil
}

// reload builds the index of the served scopes from one snapshot of the
// library and swaps it in; f.mu must be held. Reading and indexing overlap:
// the rows are indexed in batches as they arrive.
func (f *follower) reload(ctx context.Context) error {
	l := f.l
	start := time.Now()
	tx, err := l.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("load the library: %w", err)
	}
	defer tx.Rollback(ctx)
	// One plain scan: compiling it (JIT) costs more than it saves.
	if _, err := tx.Exec(ctx, `SET LOCAL jit = off`); err != nil {
		return fmt.Errorf("load the library: %w", err)
	}
	var last int64
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM changes`).Scan(&last); err != nil {
		return fmt.Errorf("load the library: %w", err)
	}
	ix := l.newIndex()
	batches := make(chan []retrieval.IndexedArticle, 4)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		for b := range batches {
			if err := ix.Put(gctx, b); err != nil {
				for range batches {
				}
				return err
			}
		}
		return nil
	})
	var unembedded []*retrieval.Article
	g.Go(func() error {
		defer close(batches)
		var err error
		_, unembedded, err = l.loadIndexed(gctx, tx, nil, func(b []retrieval.IndexedArticle) error {
			select {
			case batches <- b:
				return nil
			case <-gctx.Done():
				return gctx.Err()
			}
		})
		return err
	})
	if err := g.Wait(); err != nil {
		return fmt.Errorf("load the library: %w", err)
	}
	tx.Rollback(ctx)
	if len(unembedded) > 0 {
		l.log.Info("embedding paragraphs that have no vector of this embedder yet", "articles", len(unembedded), "embedder", l.emb.Info().String())
		more, err := l.embedded(ctx, unembedded)
		if err != nil {
			return err
		}
		if err := ix.Put(ctx, more); err != nil {
			return err
		}
	}
	l.ix.Store(ix)
	f.last = last
	l.log.Info("library loaded", "articles", len(ix.Articles("")), "took", time.Since(start).Round(time.Millisecond), "change", last)
	return nil
}

// embedded embeds (once for the fleet) the paragraphs of arts that have no
// vector and returns the articles as the index takes them, read again.
func (l *Library) embedded(ctx context.Context, arts []*retrieval.Article) ([]retrieval.IndexedArticle, error) {
	if len(arts) == 0 {
		return nil, nil
	}
	var texts []string
	ids := make([]string, len(arts))
	for i, a := range arts {
		texts = append(texts, a.Paragraphs...)
		ids[i] = a.ID
	}
	if _, err := l.Prepare(ctx, texts); err != nil {
		return nil, err
	}
	var out []retrieval.IndexedArticle
	_, still, err := l.loadIndexed(ctx, l.pool, ids, func(b []retrieval.IndexedArticle) error {
		out = append(out, b...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(still) > 0 {
		return nil, fmt.Errorf("%d articles still lack vectors after embedding", len(still))
	}
	return out, nil
}
