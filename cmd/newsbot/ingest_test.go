package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A folder with good and bad files loads every good one, lists each bad
// one with its reason and its path as given, and exits 1; once the bad
// files are gone it exits 0.
func TestIngestMixedFolder(t *testing.T) {
	c := newCLI(t)
	t.Chdir(t.TempDir())
	files := map[string]string{
		"arts/ferry.txt":         "Ferry Service Resumes\n\nThe island ferry resumed service on Friday after repairs to its engine took three weeks.\n",
		"arts/library.md":        "# Library Opens Late\n\nThe town library will open until 9 p.m. on weekdays from next month, the council said.\n",
		"arts/deep/market.txt":   "Market Moves to the Square\n\nThe Saturday market will move to the town square in June while the hall is rebuilt.\n",
		"arts/Empty.txt":         "",
		"arts/blob.txt":          "\x00\x01PK\x03\x04",
		"arts/front.md":          "---\ntitle: T\ncolour: red\n---\n\nText of the article.\n",
		"arts/photo.jpg":         "\xff\xd8\xff",
		"arts/.hidden/notes.txt": "Notes\n\nNot an article, and in a hidden folder that is never read.\n",
	}
	for name, text := range files {
		os.MkdirAll(filepath.Dir(name), 0o755)
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, stderr, err := c.run("ingest", "arts")
	if err == nil {
		t.Fatalf("ingest of a mixed folder succeeded:\n%s", out)
	}
	if code := exitCode(err); code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if msg := sentence(err); msg != "3 of 6 inputs could not be loaded (listed above)." {
		t.Errorf("error %q", msg)
	}
	if !strings.Contains(out, "3 added, 0 updated, 0 unchanged") {
		t.Errorf("stdout:\n%s", out)
	}
	for _, want := range []string{
		"newsbot: not loaded: arts/Empty.txt: the file is empty.",
		"newsbot: not loaded: arts/blob.txt: the file is not UTF-8 text.",
		`newsbot: not loaded: arts/front.md: front matter`,
		"passed over 1 file of other types",
		"arts/photo.jpg",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "notes.txt") || strings.Contains(out, "Notes") {
		t.Errorf("read a hidden folder:\n%s%s", out, stderr)
	}
	var arts struct{ Articles []struct{ Title string } }
	if err := json.Unmarshal([]byte(c.mustRun("articles", "--json")), &arts); err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, a := range arts.Articles {
		titles = append(titles, a.Title)
	}
	if len(titles) != 3 {
		t.Errorf("library holds %q, want the three good articles", titles)
	}

	for _, bad := range []string{"arts/Empty.txt", "arts/blob.txt", "arts/front.md"} {
		os.Remove(bad)
	}
	out, stderr, err = c.run("ingest", "arts")
	if err != nil || !strings.Contains(out, "0 added, 0 updated, 3 unchanged") {
		t.Errorf("second ingest: %v\n%s%s", err, out, stderr)
	}
}

// One input that cannot be loaded is named as given, lower case kept.
func TestIngestOneBadFileKeepsItsPath(t *testing.T) {
	c := newCLI(t)
	t.Chdir(t.TempDir())
	os.MkdirAll("arts", 0o755)
	os.WriteFile("arts/x.md", nil, 0o644)
	_, _, err := c.run("ingest", "arts/x.md")
	if err == nil || sentence(err) != "arts/x.md: the file is empty." {
		t.Errorf("got %v", err)
	}
}

func TestForget(t *testing.T) {
	t.Parallel()
	c := seededCLI(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "ferry.txt"), []byte("Ferry Service Resumes\n\nThe island ferry resumed service on Friday after repairs to its engine.\n"), 0o644)
	c.mustRun("ingest", "--scope", "123", filepath.Join(dir, "ferry.txt"))

	if _, _, err := c.run("forget", "no such headline"); err == nil || exitCode(err) != 1 || !strings.Contains(sentence(err), "can't find that article") {
		t.Errorf("unknown article: %v", err)
	}
	if _, _, err := c.run("forget"); err == nil || exitCode(err) != 2 {
		t.Errorf("no article: %v", err)
	}
	// Headline words look in --scope; the guild's article is not global.
	if _, _, err := c.run("forget", "Ferry Service"); err == nil {
		t.Error("forgot a guild's article from the global scope")
	}
	out := c.mustRun("forget", "--scope", "123", "Ferry Service")
	if !strings.HasPrefix(out, "forgot") || !strings.Contains(out, "Ferry Service Resumes") {
		t.Errorf("forget: %q", out)
	}
	// An id finds the article in any scope.
	var arts struct{ Articles []struct{ ID string } }
	json.Unmarshal([]byte(c.mustRun("articles", "--json")), &arts)
	if len(arts.Articles) != 1 {
		t.Fatalf("articles after forgetting one: %+v", arts)
	}
	c.mustRun("forget", arts.Articles[0].ID)
	if out := c.mustRun("articles"); !strings.Contains(out, "empty") {
		t.Errorf("library after forgetting both: %q", out)
	}
	if out := c.mustRun("search", "Lavrov conference"); !strings.Contains(out, "No paragraph") {
		t.Errorf("search still finds the forgotten article: %q", out)
	}
}
