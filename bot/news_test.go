package bot

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/retrieval"
)

// newsGuild is the server the test news is loaded for.
const newsGuild = "300000000000000001"

// newsStore is a real store holding the fictional articles of
// testdata/news in newsGuild's library, each loaded at loadedAt(name) (a
// zero time: the article is left out).
func newsStore(t testing.TB, loadedAt func(name string) time.Time) (*retrieval.Store, map[string]*retrieval.Article) {
	t.Helper()
	st, _, err := retrieval.OpenStore(context.Background(), t.TempDir(), retrieval.NewLocalEmbedder(), retrieval.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	paths, err := filepath.Glob("testdata/news/*.md")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no test news: %v", err)
	}
	arts := map[string]*retrieval.Article{}
	for _, p := range paths {
		if strings.HasSuffix(p, "README.md") {
			continue
		}
		name := strings.TrimSuffix(filepath.Base(p), ".md")
		at := loadedAt(name)
		if at.IsZero() {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		a, err := retrieval.ImportFile(filepath.Base(p), data)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		a.LoadedAt = at
		stored, _, err := st.Add(context.Background(), a, newsGuild)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		arts[name] = stored
	}
	return st, arts
}

// loadedAll loads every test article at one time.
func loadedAll(at time.Time) func(string) time.Time { return func(string) time.Time { return at } }
