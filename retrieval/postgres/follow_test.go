package postgres

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/newsbot/newsbot/retrieval"
)

// applied records the change sequence numbers a follower applies.
type applied struct {
	mu   sync.Mutex
	seqs []int64
	more chan struct{}
}

func recordApplied(l *Library) *applied {
	a := &applied{more: make(chan struct{}, 1)}
	l.follow.mu.Lock()
	l.follow.onApply = func(seqs []int64) {
		a.mu.Lock()
		a.seqs = append(a.seqs, seqs...)
		a.mu.Unlock()
		select {
		case a.more <- struct{}{}:
		default:
		}
	}
	l.follow.mu.Unlock()
	return a
}

// waitFor waits until the follower has applied change seq.
func (a *applied) waitFor(t *testing.T, seq int64) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		a.mu.Lock()
		done := len(a.seqs) > 0 && a.seqs[len(a.seqs)-1] >= seq
		a.mu.Unlock()
		if done {
			return
		}
		select {
		case <-a.more:
		case <-deadline:
			t.Fatalf("change %d was never applied", seq)
		}
	}
}

func lastSeq(t *testing.T, l *Library) int64 {
	t.Helper()
	var seq int64
	if err := l.pool.QueryRow(context.Background(), `SELECT coalesce(max(seq), 0) FROM changes`).Scan(&seq); err != nil {
		t.Fatal(err)
	}
	return seq
}

// sameIndex fails unless the follower's index holds exactly the articles
// the database holds, text and all.
func sameIndex(t *testing.T, reader, db *Library) {
	t.Helper()
	want, err := db.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	got := reader.Index().Articles("")
	if len(got) != len(want) {
		t.Fatalf("the index holds %d articles, the database %d", len(got), len(want))
	}
	for _, w := range want {
		g, err := reader.Index().Article(w.ID, "")
		if err != nil || !slices.Equal(g.Paragraphs, w.Paragraphs) || g.Title != w.Title || g.Scope != w.Scope {
			t.Fatalf("article %s differs in the index: %v", w.ID, err)
		}
	}
}

// TestFollowerAppliesEveryChangeOnce: a process that reads the library
// applies every change another process writes, each once and in order,
// also across a lost connection, and a process started afterwards loads
// the same library.
func TestFollowerAppliesEveryChangeOnce(t *testing.T) {
	t.Parallel()
	url := migrated(t)
	ctx := context.Background()
	emb := retrieval.NewLocalEmbedder()
	writer := retrieval.NewStore(openLib(t, url, emb, Options{}))
	readerLib := openLib(t, url, emb, Options{Search: true})
	rec := recordApplied(readerLib)
	reader := retrieval.NewStore(readerLib)

	write := func(round int) {
		t.Helper()
		for i := range 5 {
			a := article(fmt.Sprintf("round %d topic %d", round, i), 3)
			if _, _, err := writer.Add(ctx, a, retrieval.GlobalScope); err != nil {
				t.Fatal(err)
			}
		}
		// An edit and a deletion of earlier articles.
		list, _ := writer.ListAll(ctx, "")
		e := list[0]
		e.Paragraphs = append(e.Paragraphs, fmt.Sprintf("An update in round %d.", round))
		if _, _, err := writer.Add(ctx, e, e.Scope); err != nil {
			t.Fatal(err)
		}
		if err := writer.Delete(ctx, list[len(list)-1].ID); err != nil {
			t.Fatal(err)
		}
	}
	write(1)
	rec.waitFor(t, lastSeq(t, readerLib))
	sameIndex(t, readerLib, readerLib)
	hits, err := reader.Search(ctx, retrieval.Query{Text: "round 1 topic 3 committee", K: 3})
	if err != nil || len(hits) == 0 {
		t.Fatalf("the reader does not find what the writer added: %v", err)
	}

	// Cut the reader's listening connection, write while it is gone.
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var killed int
	if err := conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1 AND query ILIKE 'listen%' AND query ILIKE '%'||current_schema()||'%'`, listenerName).Scan(&killed); err != nil || killed != 1 {
		t.Fatalf("terminated %d listeners, want 1 (%v)", killed, err)
	}
	write(2)
	write(3)
	rec.waitFor(t, lastSeq(t, readerLib))
	sameIndex(t, readerLib, readerLib)

	rec.mu.Lock()
	seqs := slices.Clone(rec.seqs)
	rec.mu.Unlock()
	for i, s := range seqs {
		if s != int64(i+1) {
			t.Fatalf("applied changes %v: want each of 1..%d once, in order", seqs, len(seqs))
		}
	}
	if want := lastSeq(t, readerLib); int64(len(seqs)) != want {
		t.Fatalf("applied %d changes, the log has %d", len(seqs), want)
	}

	// A process started now loads the same library.
	fresh := openLib(t, url, emb, Options{Search: true})
	sameIndex(t, fresh, readerLib)
	if fresh.follow.last != lastSeq(t, fresh) {
		t.Errorf("a fresh process starts at change %d, want %d", fresh.follow.last, lastSeq(t, fresh))
	}
}

// TestEmbeddedOnceAcrossTheFleet: processes loading the same paragraphs at
// once embed each text once between them.
func TestEmbeddedOnceAcrossTheFleet(t *testing.T) {
	t.Parallel()
	url := migrated(t)
	ctx := context.Background()
	emb := newCounting()
	var stores []*retrieval.Store
	for range 3 {
		stores = append(stores, retrieval.NewStore(openLib(t, url, emb, Options{Search: true})))
	}
	var texts []string
	var wg sync.WaitGroup
	for i, st := range stores {
		for j := range 4 {
			a := article(fmt.Sprintf("shared topic %d", j), 6)
			texts = append(texts, a.Paragraphs...)
			wg.Go(func() {
				// Each process loads the same four articles into its
				// own server, and all into the global library.
				scope := fmt.Sprintf("44444444444444444%d", i)
				if _, _, err := st.Add(ctx, a, scope); err != nil {
					t.Error(err)
				}
				if _, _, err := st.Add(ctx, a, retrieval.GlobalScope); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	emb.mu.Lock()
	for _, text := range texts {
		if n := emb.seen[text]; n != 1 {
			t.Errorf("%q was embedded %d times, want once", text, n)
		}
	}
	emb.mu.Unlock()
	// Every process finds the global article.
	for i, st := range stores {
		if hits, err := st.Search(ctx, retrieval.Query{Text: "shared topic 2 committee", K: 1}); err != nil || len(hits) == 0 {
			t.Errorf("process %d does not find the shared article: %v", i, err)
		}
	}
}

// TestPrunedLogReloads: a process that missed changes pruned from the log
// reloads its index instead of catching up.
func TestPrunedLogReloads(t *testing.T) {
	t.Parallel()
	url := migrated(t)
	ctx := context.Background()
	emb := retrieval.NewLocalEmbedder()
	writer := openLib(t, url, emb, Options{})
	reader := openLib(t, url, emb, Options{Search: true})
	reader.follow.stop() // deaf from now on
	st := retrieval.NewStore(writer)
	for i := range 3 {
		if _, _, err := st.Add(ctx, article(fmt.Sprintf("pruned %d", i), 2), retrieval.GlobalScope); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := writer.prune(ctx, 0); err != nil || n != 3 {
		t.Fatalf("pruned %d changes, %v; want 3", n, err)
	}
	if err := reader.follow.catchUp(ctx); err != nil {
		t.Fatal(err)
	}
	sameIndex(t, reader, writer)
}
