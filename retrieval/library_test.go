package retrieval

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestLibraryPutFindDelete(t *testing.T) {
	dir := t.TempDir()
	lib, err := openLibrary(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := sampleArticle()
	if err := lib.Put(a); err != nil {
		t.Fatal(err)
	}
	// A second process sees the article.
	lib2, err := openLibrary(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := lib2.Get(a.ID)
	if err != nil || got.Title != a.Title {
		t.Fatalf("reopened: got %v, %v", got, err)
	}
	if f := lib2.Find(&Article{URL: a.URL, Scope: a.Scope}); f == nil || f.ID != a.ID {
		t.Errorf("Find by URL: got %v", f)
	}
	if f := lib2.Find(&Article{URL: a.URL, Scope: GlobalScope}); f != nil {
		t.Errorf("Find in another scope: got %v, want nil", f.ID)
	}
	// Pasted text of an article loaded from its URL is the same article.
	noURL := &Article{Scope: a.Scope, Paragraphs: a.Paragraphs}
	if f := lib2.Find(noURL); f == nil || f.ID != a.ID {
		t.Errorf("Find by text: got %v", f)
	}
	if err := lib2.Delete(a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, a.ID+".md")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("file still there: %v", err)
	}
	if err := lib2.Delete(a.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: got %v, want ErrNotFound", err)
	}
}

func TestLibrarySkipsBadFilesAndLeftovers(t *testing.T) {
	dir := t.TempDir()
	lib, _ := openLibrary(dir, nil)
	if err := lib.Put(sampleArticle()); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "broken.md"), []byte("---\nid: broken\n"), 0o644)
	os.WriteFile(filepath.Join(dir, ".tmp-123"), []byte("half a write"), 0o644)
	lib, err := openLibrary(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if lib.Len() != 1 {
		t.Errorf("got %d articles, want 1 (the broken file skipped)", lib.Len())
	}
	if _, err := os.Stat(filepath.Join(dir, ".tmp-123")); err != nil {
		t.Error("opening the library removed a temporary file that may belong to another process")
	}
}

func TestLibraryListScopes(t *testing.T) {
	lib, _ := openLibrary(t.TempDir(), nil)
	for _, s := range []string{GlobalScope, "111", "222"} {
		a := sampleArticle()
		a.Scope = s
		a.ID = "a-" + s
		if err := lib.Put(a); err != nil {
			t.Fatal(err)
		}
	}
	count := func(scope string) int { return len(lib.List(scope)) }
	if count(GlobalScope) != 1 || count("111") != 2 || count("222") != 2 || count("") != 3 {
		t.Errorf("visible counts: global %d, 111 %d, 222 %d, all %d; want 1, 2, 2, 3",
			count(GlobalScope), count("111"), count("222"), count(""))
	}
}
