package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/newsbot/newsbot/bot"
	botdb "github.com/newsbot/newsbot/bot/postgres"
	"github.com/newsbot/newsbot/retrieval"
	"github.com/newsbot/newsbot/retrieval/postgres"
	"github.com/newsbot/newsbot/retrieval/postgres/pgtest"
)

// dbCLI is the command line with NEWSBOT_DATABASE_URL set to a new schema.
func dbCLI(t *testing.T) *cli {
	c := newCLI(t)
	c.env["NEWSBOT_DATABASE_URL"] = pgtest.URL(t)
	return c
}

func TestMigrateNeedsADatabase(t *testing.T) {
	t.Parallel()
	_, _, err := newCLI(t).run("migrate")
	if err == nil || !strings.Contains(err.Error(), "NEWSBOT_DATABASE_URL") {
		t.Fatalf("migrate without a database: %v", err)
	}
}

// TestCommandsOnPostgres runs the commands against a PostgreSQL library:
// they refuse an unmigrated database with the fix, then ingest, list,
// search, answer and forget as with the files.
func TestCommandsOnPostgres(t *testing.T) {
	t.Parallel()
	c := dbCLI(t)
	if _, _, err := c.run("ingest", seedPath); err == nil || !strings.Contains(err.Error(), "newsbot migrate") {
		t.Fatalf("ingest before migrating: %v, want a sentence that says to run newsbot migrate", err)
	}
	if out := c.mustRun("migrate"); !strings.Contains(out, "Migrated the database schema from version 0 to") {
		t.Errorf("migrate: %q", out)
	}
	if out := c.mustRun("migrate"); !strings.Contains(out, "up to date") {
		t.Errorf("migrate again: %q", out)
	}
	if out := c.mustRun("ingest", seedPath); !strings.HasPrefix(out, "added") || !strings.Contains(out, "13 paragraphs") {
		t.Errorf("ingest: %q", out)
	}
	if out := c.mustRun("ingest", seedPath); !strings.HasPrefix(out, "unchanged") {
		t.Errorf("second ingest: %q", out)
	}
	if _, err := os.Stat(c.data); err == nil {
		if files := c.libraryFiles(); len(files) > 0 {
			t.Errorf("the data folder got article files: %v", files)
		}
	}
	var arts struct {
		Articles []map[string]any `json:"articles"`
	}
	if err := json.Unmarshal([]byte(c.mustRun("articles", "--json")), &arts); err != nil {
		t.Fatal(err)
	}
	if len(arts.Articles) != 1 || arts.Articles[0]["paragraphs"] != float64(13) {
		t.Fatalf("articles: %v", arts.Articles)
	}
	var res struct {
		Results []struct {
			ArticleID string `json:"article_id"`
			Paragraph int    `json:"paragraph"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(c.mustRun("search", "--json", "Lavrov UN conference")), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Results) == 0 || res.Results[0].ArticleID != arts.Articles[0]["id"] {
		t.Fatalf("search: %+v", res.Results)
	}
	if out := c.mustRun("ask", "What did Lavrov call for?"); !strings.Contains(out, "[1]") {
		t.Errorf("ask: %q", out)
	}
	if out := c.mustRun("reindex"); !strings.Contains(out, "Reindexed 1 article (13 paragraphs)") {
		t.Errorf("reindex: %q", out)
	}
	c.mustRun("forget", arts.Articles[0]["id"].(string))
	if out := c.mustRun("articles"); !strings.Contains(out, "empty") {
		t.Errorf("after forget: %q", out)
	}
}

var checksumLine = regexp.MustCompile(`(?m)^Checksum (sha256:[0-9a-f]{64})$`)

// TestExportImportRoundTrip moves a library from the files to PostgreSQL
// and back: the article files come back byte for byte, and export and
// import agree on counts and checksums.
func TestExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	files := seededCLI(t)
	local := t.TempDir()
	os.WriteFile(filepath.Join(local, "tram.txt"), []byte("Tram timetable changes\n\nThe city council approved a new tram timetable on Monday.\n\nTrams will run every six minutes at peak hours.\n"), 0o644)
	os.WriteFile(filepath.Join(local, "market.md"), []byte("# Night market returns\n\nThe night market opens again on Friday after two years.\n"), 0o644)
	files.mustRun("ingest", "--scope", "123456789012345678", local)
	dir1 := filepath.Join(t.TempDir(), "out")
	out := files.mustRun("export", dir1)
	m := checksumLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("export prints no checksum: %q", out)
	}
	sum := m[1]

	db := dbCLI(t)
	db.mustRun("migrate")
	out = db.mustRun("import", dir1)
	if !strings.Contains(out, "Verified") || !strings.Contains(out, sum) {
		t.Fatalf("import into PostgreSQL: %q, want it verified with %s", out, sum)
	}
	if out := db.mustRun("import", dir1); !strings.Contains(out, "0 added, 0 updated") {
		t.Errorf("importing again: %q", out)
	}
	dir2 := filepath.Join(t.TempDir(), "back")
	if out := db.mustRun("export", dir2); !strings.Contains(out, sum) {
		t.Fatalf("export from PostgreSQL: %q, want checksum %s", out, sum)
	}
	same(t, dir1, dir2)

	// And into another data folder, from the database's export.
	again := newCLI(t)
	if out := again.mustRun("import", dir2); !strings.Contains(out, sum) {
		t.Fatalf("import into files: %q", out)
	}
	dir3 := filepath.Join(t.TempDir(), "again")
	again.mustRun("export", dir3)
	same(t, dir1, dir3)
	if _, _, err := again.run("export", dir3); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("export into a full folder: %v", err)
	}
}

// same fails unless two folders hold the same files, byte for byte.
func same(t *testing.T, a, b string) {
	t.Helper()
	names := func(dir string) []string {
		es, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range es {
			out = append(out, e.Name())
		}
		return out
	}
	na, nb := names(a), names(b)
	if !slices.Equal(na, nb) || len(na) == 0 {
		t.Fatalf("%s holds %v, %s holds %v", a, na, b, nb)
	}
	for _, n := range na {
		x, _ := os.ReadFile(filepath.Join(a, n))
		y, _ := os.ReadFile(filepath.Join(b, n))
		if string(x) != string(y) {
			t.Fatalf("%s differs:\n%s\n---\n%s", n, x, y)
		}
	}
}

func TestImportRefusesABadFolder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "good.md"), []byte("---\nid: good-one\ntitle: Good\nloaded_at: 2026-01-01\nscope: global\n---\n\nText.\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "bad.md"), []byte("no front matter\n"), 0o644)
	c := newCLI(t)
	_, _, err := c.run("import", dir)
	if err == nil || !strings.Contains(err.Error(), "bad.md") || !strings.Contains(err.Error(), "nothing was imported") {
		t.Fatalf("import of a folder with a bad file: %v", err)
	}
	if files := c.libraryFiles(); len(files) != 0 {
		t.Errorf("something was imported: %v", files)
	}
}

// TestIngestReachesARunningProcess: `newsbot ingest` into the shared
// library becomes searchable in a process already serving it (as a
// running `serve` is), without a restart: the process follows the change
// log. (How fast: BenchmarkPropagation in retrieval/postgres.)
func TestIngestReachesARunningProcess(t *testing.T) {
	t.Parallel()
	c := dbCLI(t)
	c.mustRun("migrate")
	ctx := context.Background()
	lib, err := postgres.Open(ctx, c.env["NEWSBOT_DATABASE_URL"], retrieval.NewLocalEmbedder(), postgres.Options{Search: true})
	if err != nil {
		t.Fatal(err)
	}
	defer lib.Close()
	running := retrieval.NewStore(lib)
	c.mustRun("ingest", seedPath)
	deadline := time.Now().Add(30 * time.Second)
	for {
		hits, err := running.Search(ctx, retrieval.Query{Text: "Lavrov UN conference", K: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the running process never found the ingested article")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The followed feeds go with export and import from the files to
// PostgreSQL, with what the poller has seen, and doctor checks the
// database's; importing again adds none twice.
func TestFeedsMoveToPostgres(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "gone fishing", http.StatusInternalServerError)
	}))
	t.Cleanup(site.Close)
	files := seededCLI(t)
	ff, err := bot.OpenFeedFile(filepath.Join(files.data, "feeds.json"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := ff.Add(context.Background(), bot.Subscription{URL: site.URL + "/feed.xml", Scope: "123456789012345678", Channel: "2001", Title: "Gazette", Seen: []string{"item-1", "item-2"}, ETag: `"v7"`})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	if out := files.mustRun("export", dir); !strings.Contains(out, "Exported 1 followed feed") {
		t.Fatalf("export: %q", out)
	}
	db := dbCLI(t)
	db.mustRun("migrate")
	if out := db.mustRun("import", dir); !strings.Contains(out, "Followed feeds: 1 added, 0 already followed.") {
		t.Fatalf("import: %q", out)
	}
	if out := db.mustRun("import", dir); !strings.Contains(out, "Followed feeds: 0 added, 1 already followed.") {
		t.Errorf("import again: %q", out)
	}
	pool, err := pgxpool.New(context.Background(), db.env["NEWSBOT_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	subs, err := botdb.New(pool).Feeds().All(context.Background())
	if err != nil || len(subs) != 1 {
		t.Fatalf("the database's feeds: %+v, %v", subs, err)
	}
	if s := subs[0]; s.ID != a.ID || s.Scope != a.Scope || s.Channel != "2001" || s.Title != "Gazette" || !slices.Equal(s.Seen, a.Seen) || s.ETag != `"v7"` {
		t.Errorf("imported: %+v, want %+v", s, a)
	}
	db.env["NEWSBOT_ALLOW_PRIVATE_URLS"] = "1"
	out, _, _ := db.run("doctor")
	if !strings.Contains(out, "0 of 1 followed feed answer") || hits.Load() != 1 {
		t.Errorf("doctor on the database fetched the feed %d times and said:\n%s", hits.Load(), out)
	}
}
