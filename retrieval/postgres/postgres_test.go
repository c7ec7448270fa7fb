package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsbot/newsbot/retrieval"
	"github.com/newsbot/newsbot/retrieval/postgres/pgtest"
)

// migrated returns the URL of a new schema migrated to the newest version.
func migrated(t testing.TB) string {
	t.Helper()
	url := pgtest.URL(t)
	if _, _, err := Migrate(context.Background(), url, nil); err != nil {
		t.Fatal(err)
	}
	return url
}

func openLib(t testing.TB, url string, emb retrieval.Embedder, opts Options) *Library {
	t.Helper()
	l, err := Open(context.Background(), url, emb, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// countingEmbedder counts the texts it embeds.
type countingEmbedder struct {
	retrieval.Embedder
	texts atomic.Int64
	mu    sync.Mutex
	seen  map[string]int
}

func newCounting() *countingEmbedder {
	return &countingEmbedder{Embedder: retrieval.NewLocalEmbedder(), seen: map[string]int{}}
}

func (c *countingEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	c.texts.Add(int64(len(texts)))
	c.mu.Lock()
	for _, t := range texts {
		c.seen[t]++
	}
	c.mu.Unlock()
	return c.Embedder.Embed(ctx, texts)
}

// article makes a test article about topic with n paragraphs.
func article(topic string, n int) *retrieval.Article {
	a := &retrieval.Article{Title: "News about " + topic, URL: "https://example.com/" + strings.ReplaceAll(topic, " ", "-"), Source: "Example Times",
		PublishedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	for i := range n {
		a.Paragraphs = append(a.Paragraphs, fmt.Sprintf("Paragraph %d says that the %s committee met on day %d to discuss %s.", i+1, topic, i+1, topic))
	}
	return a
}

func TestOpenNeedsMigration(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	_, err := Open(context.Background(), url, retrieval.NewLocalEmbedder(), Options{})
	if !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), "newsbot migrate") {
		t.Fatalf("open before migrating: got %v, want an error that says to run newsbot migrate", err)
	}
}

// TestMigrateFromEveryVersion migrates from empty and from each earlier
// version to the newest, and a library then opens and works. Each
// version's migration has its own schema, and they run in parallel.
func TestMigrateFromEveryVersion(t *testing.T) {
	t.Parallel()
	latest := latestVersion()
	if latest < 1 {
		t.Fatal("no migrations found")
	}
	for v := int64(0); v < latest; v++ {
		t.Run(fmt.Sprint("from ", v), func(t *testing.T) {
			t.Parallel()
			url := pgtest.URL(t)
			ctx := context.Background()
			if v > 0 {
				if _, to, err := migrateTo(ctx, url, v, nil); err != nil || to != v {
					t.Fatalf("migrate to %d: got %d, %v", v, to, err)
				}
			}
			from, to, err := Migrate(ctx, url, nil)
			if err != nil || from != v || to != latest {
				t.Fatalf("migrate: from %d to %d, %v; want from %d to %d", from, to, err, v, latest)
			}
			if _, to, err := Migrate(ctx, url, nil); err != nil || to != latest {
				t.Fatalf("migrating again: %d, %v", to, err)
			}
			// The bot's tables of the newest migrations are there and empty
			// (bot/postgres tests what is kept in them).
			pool, err := connect(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer pool.Close()
			for _, table := range []string{"server_settings", "briefings", "feeds", "feed_subscriptions", "feed_announcements", "conversation_turns", "identify_turns"} {
				var n int
				if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil || n != 0 {
					t.Errorf("table %s after migrating: %d rows, %v", table, n, err)
				}
			}
			st := retrieval.NewStore(openLib(t, url, retrieval.NewLocalEmbedder(), Options{Search: true}))
			if _, _, err := st.Add(ctx, article("harbour dredging", 3), retrieval.GlobalScope); err != nil {
				t.Fatal(err)
			}
			hits, err := st.Search(ctx, retrieval.Query{Text: "harbour dredging committee", K: 3})
			if err != nil || len(hits) == 0 {
				t.Fatalf("search after migrating: %v, %v", hits, err)
			}
		})
	}
}

// TestStoreOnPostgres runs the Store's contract on the PostgreSQL backend:
// add, update in place, unchanged, search, scopes, delete.
func TestStoreOnPostgres(t *testing.T) {
	t.Parallel()
	url := migrated(t)
	ctx := context.Background()
	st := retrieval.NewStore(openLib(t, url, retrieval.NewLocalEmbedder(), Options{Search: true}))
	const guild, other = "111111111111111111", "222222222222222222"
	a, status, err := st.Add(ctx, article("lighthouse repairs", 4), retrieval.GlobalScope)
	if err != nil || status != retrieval.Added {
		t.Fatalf("add: %v %v", status, err)
	}
	g, _, err := st.Add(ctx, article("tram timetable", 3), guild)
	if err != nil {
		t.Fatal(err)
	}
	// The same URL again, with a paragraph changed: updated, same id.
	edited := article("lighthouse repairs", 4)
	edited.Paragraphs[3] = "The lighthouse keeper said the lamp would shine again by spring."
	b, status, err := st.Add(ctx, edited, retrieval.GlobalScope)
	if err != nil || status != retrieval.Updated || b.ID != a.ID {
		t.Fatalf("update: %v %v id %s, want updated %s", status, err, b.ID, a.ID)
	}
	if _, status, _ := st.Add(ctx, edited, retrieval.GlobalScope); status != retrieval.Unchanged {
		t.Fatalf("adding again: %v, want unchanged", status)
	}
	hits, err := st.Search(ctx, retrieval.Query{Text: "when will the lamp shine again", K: 3})
	if err != nil || len(hits) == 0 || hits[0].ID() != a.ID+"#4" {
		t.Fatalf("search for the edited paragraph: %v %v", ids(hits), err)
	}
	// The guild's article is seen in the guild only.
	for _, tc := range []struct {
		scope string
		want  bool
	}{{guild, true}, {other, false}, {retrieval.GlobalScope, false}} {
		hits, err := st.Search(ctx, retrieval.Query{Text: "tram timetable committee", K: 5, Scope: tc.scope})
		if err != nil {
			t.Fatal(err)
		}
		if got := slices.Contains(articleIDs(hits), g.ID); got != tc.want {
			t.Errorf("scope %s sees the guild's article: %v, want %v", tc.scope, got, tc.want)
		}
	}
	if list := st.List(guild); len(list) != 2 {
		t.Errorf("the guild lists %d articles, want 2", len(list))
	}
	all, err := st.ListAll(ctx, "")
	if err != nil || len(all) != 2 || !slices.Equal(all[0].Paragraphs, b.Paragraphs) && !slices.Equal(all[1].Paragraphs, b.Paragraphs) {
		t.Fatalf("list from the database: %d articles, %v", len(all), err)
	}
	if err := st.Delete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(ctx, a.ID); !errors.Is(err, retrieval.ErrNotFound) {
		t.Errorf("deleting twice: %v, want ErrNotFound", err)
	}
	if hits, _ := st.Search(ctx, retrieval.Query{Text: "lighthouse lamp", K: 3}); slices.Contains(articleIDs(hits), a.ID) {
		t.Error("a deleted article is still found")
	}
}

func ids(hits []retrieval.Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.ID())
	}
	return out
}

func articleIDs(hits []retrieval.Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.Article.ID)
	}
	return out
}

// TestImportKeepsIDsAndDates: Store.Import writes an article as given.
func TestImportKeepsIDsAndDates(t *testing.T) {
	t.Parallel()
	url := migrated(t)
	ctx := context.Background()
	st := retrieval.NewStore(openLib(t, url, retrieval.NewLocalEmbedder(), Options{}))
	a := article("ferry strike", 2)
	a.ID, a.Scope, a.Author = "ferry-strike-0001", "333333333333333333", "A. Writer"
	a.LoadedAt = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	if _, status, err := st.Import(ctx, a); err != nil || status != retrieval.Added {
		t.Fatalf("import: %v %v", status, err)
	}
	if _, status, err := st.Import(ctx, a); err != nil || status != retrieval.Unchanged {
		t.Fatalf("import again: %v %v", status, err)
	}
	got, err := st.ListAll(ctx, "")
	if err != nil || len(got) != 1 {
		t.Fatalf("list: %v %v", got, err)
	}
	want, _ := retrieval.MarshalArticle(a)
	have, _ := retrieval.MarshalArticle(got[0])
	if string(want) != string(have) {
		t.Errorf("imported article reads back as\n%s\nwant\n%s", have, want)
	}
}

// Where an article was read from is kept, and text that claims a stored article's address from
// elsewhere replaces it only when asked: the same rule as the file library's.
func TestProvenanceOnPostgres(t *testing.T) {
	t.Parallel()
	url := migrated(t)
	ctx := context.Background()
	st := retrieval.NewStore(openLib(t, url, retrieval.NewLocalEmbedder(), Options{}))
	a := article("harbour dredging", 3)
	a.FetchedFrom = a.URL + "?utm_source=rss"
	stored, _, err := st.Add(ctx, a, retrieval.GlobalScope)
	if err != nil {
		t.Fatal(err)
	}
	all, err := st.ListAll(ctx, "")
	if err != nil || len(all) != 1 || all[0].FetchedFrom != a.FetchedFrom {
		t.Fatalf("read back: %v %+v", err, all)
	}
	claim := article("harbour dredging", 3)
	claim.Paragraphs[0] = "A forged first paragraph about the harbour dredging committee."
	claim.FetchedFrom = "file:forged.html"
	if _, _, err := st.Add(ctx, claim, retrieval.GlobalScope); !errors.Is(err, retrieval.ErrClaimed) {
		t.Fatalf("claiming text: got %v, want ErrClaimed", err)
	}
	got, status, err := st.Replace(ctx, claim, retrieval.GlobalScope)
	if err != nil || status != retrieval.Updated || got.ID != stored.ID || got.FetchedFrom != "file:forged.html" {
		t.Fatalf("replace: %v %v %+v", status, err, got)
	}
}

// Processes of a fleet that start together register a new embedder at
// once; every one of them opens.
func TestOpenTogether(t *testing.T) {
	t.Parallel()
	url := migrated(t)
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() {
			l, err := Open(context.Background(), url, retrieval.NewLocalEmbedder(), Options{})
			if err == nil {
				l.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Errorf("a process starting with others: %v", err)
		}
	}
}
