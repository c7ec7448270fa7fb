package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// newsbot runs the whole program with a fresh data folder and no
// environment, as a person at a terminal would.
type cli struct {
	t    *testing.T
	data string
	env  map[string]string
}

func newCLI(t *testing.T) *cli {
	return &cli{t: t, data: t.TempDir(), env: map[string]string{}}
}

// seededCLI is newCLI with the seed article already loaded (by the
// built-in embedder), for the tests to which loading it is only the
// setting: its data folder is a copy of one library ingested once per test
// binary (seeded), which no test changes.
func seededCLI(t *testing.T) *cli {
	t.Helper()
	lib, err := seeded()
	if err != nil {
		t.Fatal(err)
	}
	return &cli{t: t, data: copyDir(t, lib), env: map[string]string{}}
}

// seeded ingests the seed into a data folder of its own, once; TestMain
// removes it.
var seeded = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "newsbot-seeded-")
	if err != nil {
		return "", err
	}
	addCleanup(func() { os.RemoveAll(dir) })
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"--data", dir, "ingest", seedPath}, func(string) string { return "" }, strings.NewReader(""), &out, &errb); err != nil {
		return "", fmt.Errorf("ingest the seed: %w\n%s", err, errb.String())
	}
	return dir, nil
})

// addCleanup adds f to cleanups, which tests running in parallel add to
// (seeded, cleanLibrary).
func addCleanup(f func()) {
	cleanupsMu.Lock()
	defer cleanupsMu.Unlock()
	cleanups = append(cleanups, f)
}

var cleanupsMu sync.Mutex

func (c *cli) run(args ...string) (stdout, stderr string, err error) {
	c.t.Helper()
	var out, errb bytes.Buffer
	args = append([]string{"--data", c.data}, args...)
	err = run(context.Background(), args, func(k string) string { return c.env[k] }, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), err
}

func (c *cli) mustRun(args ...string) string {
	c.t.Helper()
	out, errOut, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("newsbot %s: %v\nstderr: %s", strings.Join(args, " "), err, errOut)
	}
	return out
}

func (c *cli) libraryFiles() []string {
	files, _ := filepath.Glob(filepath.Join(c.data, "articles", "*"))
	return files
}

const seedPath = "../../data/seed/moscow-times-un-conference.txt"

func TestIngestArticlesSearchJSON(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	out := c.mustRun("ingest", seedPath)
	if !strings.HasPrefix(out, "added") || !strings.Contains(out, "13 paragraphs") {
		t.Errorf("receipt: %q", out)
	}
	// Loading it again changes nothing.
	if out := c.mustRun("ingest", seedPath); !strings.HasPrefix(out, "unchanged") {
		t.Errorf("second ingest: %q", out)
	}

	var arts struct {
		Articles []map[string]any `json:"articles"`
	}
	if err := json.Unmarshal([]byte(c.mustRun("articles", "--json")), &arts); err != nil {
		t.Fatal(err)
	}
	if len(arts.Articles) != 1 {
		t.Fatalf("got %d articles, want 1", len(arts.Articles))
	}
	a := arts.Articles[0]
	for _, k := range []string{"id", "title", "url", "source", "author", "published_at", "loaded_at", "scope", "paragraphs"} {
		if _, ok := a[k]; !ok {
			t.Errorf("articles --json lacks %q: %v", k, a)
		}
	}
	if a["paragraphs"] != float64(13) || a["scope"] != "global" || a["source"] != "Moscow Times" {
		t.Errorf("article: %v", a)
	}

	var res struct {
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal([]byte(c.mustRun("search", "--json", "--k", "3", "who should convene the conference")), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Results) != 3 {
		t.Fatalf("got %d results, want 3", len(res.Results))
	}
	for _, k := range []string{"article_id", "paragraph", "title", "url", "source", "published_at", "text", "score"} {
		if _, ok := res.Results[0][k]; !ok {
			t.Errorf("search --json lacks %q", k)
		}
	}
	if res.Results[0]["paragraph"] != float64(5) {
		t.Errorf("top paragraph %v, want 5 (\"The UN should play a leading role in convening such an event\")", res.Results[0]["paragraph"])
	}
}

func TestIngestFolderAndScope(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("Ferry Service Resumes\n\nThe island ferry resumed service on Friday after repairs to its engine.\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "b.md"), []byte("# Library Opens Late\n\nThe town library will open until 9 p.m. on weekdays from next month.\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "photo.jpg"), []byte{0xff, 0xd8, 0xff}, 0o644)
	out := c.mustRun("ingest", "--scope", "123456789012345678", dir)
	if !strings.Contains(out, "2 added, 0 updated, 0 unchanged") {
		t.Errorf("folder ingest: %q", out)
	}
	if out := c.mustRun("articles", "--scope", "global"); !strings.Contains(out, "empty") {
		t.Errorf("global scope sees guild articles: %q", out)
	}
	if out := c.mustRun("search", "--scope", "987", "ferry engine"); !strings.Contains(out, "No paragraph") {
		t.Errorf("another guild sees them: %q", out)
	}
	if out := c.mustRun("search", "--scope", "123456789012345678", "ferry engine"); !strings.Contains(out, "Ferry Service Resumes ¶1") {
		t.Errorf("own guild does not see them: %q", out)
	}
}

func TestBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	c := seededCLI(t)
	before := c.libraryFiles()
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o644)
		return p
	}
	unreadable := write("secret.txt", []byte("Title Here\n\nSome text that is long enough to be a paragraph of prose.\n"))
	os.Chmod(unreadable, 0)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"missing file", []string{"ingest", filepath.Join(dir, "nope.txt")}, "no such file"},
		{"empty file", []string{"ingest", write("empty.txt", nil)}, "empty"},
		{"binary file", []string{"ingest", write("blob.txt", []byte("\x00\x01\x02PK"))}, "not UTF-8 text"},
		{"enormous file", []string{"ingest", write("huge.txt", bytes.Repeat([]byte("news "), 3<<20))}, "MB allowed"},
		{"unsupported type", []string{"ingest", write("doc.docx", []byte("x"))}, "not supported"},
		{"malformed front matter", []string{"ingest", write("bad.md", []byte("---\ntitle: T\ncolour: red\n---\n\nText.\n"))}, "colour"},
		{"one bad file beside a loaded one", []string{"ingest", seedPath, write("empty2.txt", nil)}, "1 of 2 inputs could not be loaded"},
		{"unknown scope", []string{"ingest", "--scope", "my-server", seedPath}, "unknown scope"},
		{"k zero", []string{"search", "--k", "0", "Lavrov"}, "--k must be between 1 and 50"},
		{"empty query", []string{"search", "  "}, "question is empty"},
		{"no query", []string{"search"}, "query is missing"},
		{"search scope", []string{"search", "--scope", "x y", "Lavrov"}, "unknown scope"},
		{"as-of not a date", []string{"search", "--as-of", "yesterday", "Lavrov"}, "--as-of must be a date (YYYY-MM-DD)"},
		{"as-of impossible", []string{"ask", "--as-of", "2024-02-30", "What did Lavrov call for?"}, "--as-of must be a date (YYYY-MM-DD)"},
	}
	if os.Geteuid() != 0 { // root reads anything
		tests = append(tests, struct {
			name string
			args []string
			want string
		}{"unreadable file", []string{"ingest", unreadable}, "cannot be read"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := c.run(tt.args...)
			if err == nil {
				t.Fatal("no error")
			}
			msg := sentence(err)
			if !strings.Contains(strings.ToLower(msg), strings.ToLower(tt.want)) {
				t.Errorf("got %q, want it to mention %q", msg, tt.want)
			}
			if strings.Count(strings.TrimSuffix(msg, "."), ". ") > 0 || strings.Contains(msg, "\n") {
				t.Errorf("not one sentence: %q", msg)
			}
			if after := c.libraryFiles(); len(after) != len(before) {
				t.Errorf("library changed: %v -> %v", before, after)
			}
		})
	}
}

func TestReindexAndEval(t *testing.T) {
	t.Parallel()
	c := seededCLI(t)
	if out := c.mustRun("reindex"); !strings.Contains(out, "Reindexed 1 article (13 paragraphs)") {
		t.Errorf("reindex: %q", out)
	}
	dir := t.TempDir()
	corpus := filepath.Join(dir, "corpus.jsonl")
	queries := filepath.Join(dir, "queries.jsonl")
	os.WriteFile(corpus, []byte(`{"id": "a1", "title": "Ferry Service Resumes", "url": "https://x.example/f", "source": "x.example", "published_at": "2025-01-02", "body": "The island ferry resumed service on Friday.\n\n  \nRepairs to its engine took three weeks.\n\nPassengers cheered."}
{"id": "b2", "title": "Library Opens Late", "url": "https://x.example/l", "source": "x.example", "published_at": null, "body": "The town library will open until 9 p.m.\n\nThe change starts next month."}
`), 0o644)
	os.WriteFile(queries, []byte(`{"id": "q1", "question": "How long did the engine repairs take?", "gold": [{"article_id": "a1", "paragraph": 2}]}
{"id": "q2", "question": "When does the library change start?", "gold": [{"article_id": "b2", "paragraph": 2}]}
`), 0o644)
	var rep struct {
		Queries   int                `json:"queries"`
		Paragraph map[string]float64 `json:"paragraph"`
		Article   map[string]float64 `json:"article"`
	}
	out := c.mustRun("eval", "--corpus", corpus, "--queries", queries, "--json")
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Queries != 2 || rep.Paragraph["hits@1"] != 1 || rep.Article["mrr@10"] != 1 {
		t.Errorf("eval: %s", out)
	}
	for _, k := range []string{"hits@1", "hits@4", "hits@10", "mrr@10"} {
		if _, ok := rep.Paragraph[k]; !ok {
			t.Errorf("eval --json lacks paragraph.%s", k)
		}
	}
	if _, _, err := c.run("eval", "--corpus", corpus); err == nil {
		t.Error("eval without --queries: no error")
	}
}

func TestAskAndSummarizeJSON(t *testing.T) {
	t.Parallel()
	c := seededCLI(t)
	var ans struct {
		Answer    string           `json:"answer"`
		Mode      string           `json:"mode"`
		Abstained *bool            `json:"abstained"`
		Citations []map[string]any `json:"citations"`
	}
	if err := json.Unmarshal([]byte(c.mustRun("ask", "--json", "How many people has the war killed according to the health ministry?")), &ans); err != nil {
		t.Fatal(err)
	}
	if ans.Mode != "extractive" || ans.Abstained == nil || *ans.Abstained || len(ans.Citations) == 0 {
		t.Fatalf("ask --json: %+v", ans)
	}
	for _, k := range []string{"n", "article_id", "paragraph", "title", "url", "source", "published_at", "quote"} {
		if _, ok := ans.Citations[0][k]; !ok {
			t.Errorf("ask --json citation lacks %q", k)
		}
	}
	if ans.Citations[0]["paragraph"] != float64(13) || !strings.Contains(ans.Answer, "18,400") {
		t.Errorf("answer %q cites ¶%v, want ¶13", ans.Answer, ans.Citations[0]["paragraph"])
	}
	out := c.mustRun("ask", "What is the price of bananas in Peru?")
	if !strings.Contains(out, "can't find anything about that") {
		t.Errorf("off-topic question: %q", out)
	}
	if err := json.Unmarshal([]byte(c.mustRun("summarize", "--json", "UN Conference")), &ans); err != nil {
		t.Fatal(err)
	}
	if len(ans.Citations) < 3 || ans.Citations[0]["paragraph"] != float64(1) {
		t.Errorf("summarize --json: %+v", ans)
	}
	if _, _, err := c.run("summarize", "no such headline"); err == nil || !strings.Contains(sentence(err), "can't find that article") {
		t.Errorf("unknown article: %v", err)
	}
	if _, _, err := c.run("ask", " "); err == nil || !strings.Contains(sentence(err), "The question is empty — put it after the command") {
		t.Errorf("empty question: %v", err)
	}
}

// eval reads each query as of its date, else as of --as-of, else today;
// ask and search say which day they read the question against.
func TestAsOf(t *testing.T) {
	t.Parallel()
	c := seededCLI(t) // eval reads no data folder; ask and search read the seed
	dir := t.TempDir()
	corpus := filepath.Join(dir, "corpus.jsonl")
	body := `The island ferry resumed service on Friday.\n\nRepairs to its engine took three weeks.\n\nPassengers cheered.`
	os.WriteFile(corpus, []byte(`{"id": "a1", "title": "Ferry Service Resumes", "url": "https://x.example/f1", "source": "x.example", "published_at": "2025-01-02", "body": "`+body+`"}
{"id": "a2", "title": "Ferry Service Resumes", "url": "https://x.example/f2", "source": "x.example", "published_at": "2025-06-01", "body": "`+body+`"}
`), 0o644)
	write := func(name, date string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(`{"id": "q1", "question": "How long did the engine repairs take?", "gold": [{"article_id": "a1", "paragraph": 2}]`+date+`}`+"\n"), 0o644)
		return p
	}
	dated, undated := write("dated.jsonl", `, "date": "2025-01-05"`), write("undated.jsonl", "")
	tests := []struct {
		name  string
		args  []string
		hits1 float64
	}{
		// In January, the June copy did not exist yet: it is never preferred.
		{"the query's date", []string{"--queries", dated}, 1},
		{"the query's date over --as-of", []string{"--queries", dated, "--as-of", "2025-07-01"}, 1},
		{"--as-of", []string{"--queries", undated, "--as-of", "2025-01-05"}, 1},
		// Today the June copy is the newer of two equal answers.
		{"the clock", []string{"--queries", undated}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rep struct {
				Paragraph map[string]float64 `json:"paragraph"`
			}
			out := c.mustRun(append([]string{"eval", "--corpus", corpus, "--json"}, tt.args...)...)
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Paragraph["hits@1"] != tt.hits1 {
				t.Errorf("hits@1: got %v, want %v", rep.Paragraph["hits@1"], tt.hits1)
			}
		})
	}

	var ans struct {
		AsOf *string `json:"as_of"`
	}
	if err := json.Unmarshal([]byte(c.mustRun("ask", "--json", "--as-of", "2024-05-17", "What did Lavrov call for?")), &ans); err != nil {
		t.Fatal(err)
	}
	if ans.AsOf == nil || *ans.AsOf != "2024-05-17" {
		t.Errorf("ask --json as_of: got %v, want 2024-05-17", ans.AsOf)
	}
	ans.AsOf = nil
	if err := json.Unmarshal([]byte(c.mustRun("search", "--json", "--as-of", "2023-12-20", "Lavrov")), &ans); err != nil {
		t.Fatal(err)
	}
	if ans.AsOf == nil || *ans.AsOf != "2023-12-20" {
		t.Errorf("search --json as_of: got %v, want 2023-12-20", ans.AsOf)
	}
}
