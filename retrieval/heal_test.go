package retrieval

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// healLibrary returns a closed store of a few hundred paragraphs, the
// queries to ask and their results. The store is built once for all the
// healing tests, which damage copies of it (copyHealLibrary), never the store
// itself; TestMain removes it.
func healLibrary(t *testing.T) (dir string, queries []string, want map[string][]string) {
	t.Helper()
	healShared.once.Do(func() {
		dir, err := os.MkdirTemp("", "newsbot-heal-")
		if err != nil {
			t.Fatal(err)
		}
		cleanups = append(cleanups, func() { os.RemoveAll(dir) })
		queries, want := buildHealLibrary(t, dir)
		healShared.dir, healShared.queries, healShared.want = dir, queries, want
		healShared.files = readTree(t, dir)
	})
	if healShared.dir == "" {
		t.Fatal("the shared library could not be built: see the first healing test that ran")
	}
	return healShared.dir, healShared.queries, healShared.want
}

var healShared struct {
	once    sync.Once
	dir     string
	queries []string
	want    map[string][]string
	files   map[string][]byte // the store's files by relative path, for copyHealLibrary
}

// buildHealLibrary builds the store healLibrary shares in dir.
func buildHealLibrary(t *testing.T, dir string) (queries []string, want map[string][]string) {
	t.Helper()
	st, _, err := OpenStore(context.Background(), dir, NewLocalEmbedder(), StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	arts := synthCorpus(t, synthOptions{Paragraphs: 150, Seed: 11, Nonces: true, GuildShare: 0.2})
	for _, a := range arts {
		if _, _, err := st.Add(context.Background(), a, a.Scope); err != nil {
			t.Fatal(err)
		}
	}
	queries = append(synthQueries(6, 5), synthNonce(7), synthNonce(140))
	want = searchAll(t, st, queries)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return queries, want
}

// searchAll runs every query in the global scope and in a guild, and
// returns each result list as "id score" lines, equal scores ordered by id
// (a rebuilt index may number documents differently). Hits of score zero
// are left out: which of them fill the last places is arbitrary.
func searchAll(t *testing.T, st *Store, queries []string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, q := range queries {
		for _, scope := range []string{GlobalScope, synthGuilds[0]} {
			hits, err := st.Search(context.Background(), Query{Text: q, K: 10, Scope: scope})
			if err != nil {
				t.Fatalf("search %q: %v", q, err)
			}
			slices.SortStableFunc(hits, func(a, b Hit) int {
				if a.Score != b.Score {
					if a.Score > b.Score {
						return -1
					}
					return 1
				}
				return strings.Compare(a.ID(), b.ID())
			})
			var lines []string
			for _, h := range hits {
				if h.Score < 1e-4 {
					break
				}
				lines = append(lines, fmt.Sprintf("%s %.6f", h.ID(), h.Score))
			}
			out[scope+"|"+q] = lines
		}
	}
	return out
}

// derivedFiles lists every file under dir/index by kind.
func derivedFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	var biggestZap int64
	filepath.WalkDir(filepath.Join(dir, "index"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, _ := d.Info()
		switch name := d.Name(); {
		case strings.HasSuffix(name, ".zap"):
			if info.Size() > biggestZap {
				biggestZap = info.Size()
				files["bm25 segment"] = path
			}
		case name == "root.bolt":
			files["bm25 manifest (root.bolt)"] = path
		case name == "index_meta.json":
			files["bm25 mapping"] = path
		case name == sumsFile:
			files["bm25 checksum list"] = path
		case strings.HasPrefix(name, "vectors-"):
			files["vector file"] = path
		case name == "meta.json":
			files["index meta.json"] = path
		}
		return nil
	})
	for _, kind := range []string{"bm25 segment", "bm25 manifest (root.bolt)", "bm25 checksum list", "vector file"} {
		if files[kind] == "" {
			t.Fatalf("no %s under %s", kind, dir)
		}
	}
	return files
}

// copyHealLibrary copies the shared library (healLibrary's dir) into a
// new temporary folder, from the copy of its files read once: the healing
// tests copy it some fifty times.
func copyHealLibrary(t *testing.T) string {
	t.Helper()
	to := t.TempDir()
	for rel, data := range healShared.files {
		path := filepath.Join(to, rel)
		if data == nil { // a folder
			if err := os.MkdirAll(path, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return to
}

// readTree returns the contents of every file under dir by relative path,
// and nil for each folder, so that an empty one is copied too.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			files[rel] = nil
			return nil
		}
		data, err := os.ReadFile(path)
		if data == nil {
			data = []byte{}
		}
		files[rel] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func flipByte(t *testing.T, path string, at int64) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[at] ^= 0x5a
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// flipOffsets picks where to damage a file of size n: its first bytes (the
// vector file's header), its middle, its last bytes (a .zap file's footer,
// where damage panicked bleve), and one place at random.
func flipOffsets(n int64, r *rand.Rand) []int64 {
	offs := []int64{0, min(9, n-1), n / 2, n - 1, max(n-9, 0), r.Int64N(n)}
	slices.Sort(offs)
	return slices.Compact(offs)
}

// A byte flipped anywhere in any derived file — a BM25 segment, its
// manifest, the checksum list, the vector file or its header — never stops
// the store from opening: the damage is found, the file rebuilt from the
// articles, and every search answers as before. The store opened again
// afterwards needs no repair.
func TestDamagedDerivedFilesHeal(t *testing.T) {
	if testing.Short() {
		t.Skip("opens many stores")
	}
	t.Parallel()
	clean, queries, want := healLibrary(t)
	r := rand.New(rand.NewPCG(1, 2))
	for kind, path := range derivedFiles(t, clean) {
		rel, _ := filepath.Rel(clean, path)
		info, _ := os.Stat(path)
		for _, off := range flipOffsets(info.Size(), r) {
			t.Run(fmt.Sprintf("%s@%d", kind, off), func(t *testing.T) {
				t.Parallel()
				dir := copyHealLibrary(t)
				flipByte(t, filepath.Join(dir, rel), off)
				st, _, err := OpenStore(context.Background(), dir, NewLocalEmbedder(), StoreOptions{})
				if err != nil {
					t.Fatalf("open after flipping byte %d of %s: %v", off, rel, err)
				}
				got := searchAll(t, st, queries)
				if err := st.Close(); err != nil {
					t.Fatal(err)
				}
				for q, w := range want {
					if !slices.Equal(got[q], w) {
						t.Errorf("%s: got\n%v\nwant\n%v", q, got[q], w)
					}
				}
				st, stats, err := OpenStore(context.Background(), dir, NewLocalEmbedder(), StoreOptions{})
				if err != nil {
					t.Fatal(err)
				}
				st.Close()
				if stats.Embedded != 0 || stats.Reindexed != 0 || stats.Removed != 0 {
					t.Errorf("the second open still repaired: %+v", stats)
				}
			})
		}
	}
}

// Damage the checksums cannot see — a segment changed and its checksum
// list forged to match — makes bleve panic or fail at open or at search;
// the store turns that into a rebuild, never a crash. (Some of these flips
// change results silently: that is what the checksums are for.)
func TestBleveFailuresBehindValidChecksumsHeal(t *testing.T) {
	if testing.Short() {
		t.Skip("opens many stores")
	}
	t.Parallel()
	clean, queries, _ := healLibrary(t)
	zap := derivedFiles(t, clean)["bm25 segment"]
	rel, _ := filepath.Rel(clean, zap)
	info, _ := os.Stat(zap)
	for i := range int64(8) {
		off := info.Size() - 1 - i*7
		t.Run(fmt.Sprint(off), func(t *testing.T) {
			t.Parallel()
			dir := copyHealLibrary(t)
			flipByte(t, filepath.Join(dir, rel), off)
			if err := writeSums(filepath.Join(dir, "index", "bm25")); err != nil {
				t.Fatal(err)
			}
			st, _, err := OpenStore(context.Background(), dir, NewLocalEmbedder(), StoreOptions{})
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			defer st.Close()
			searchAll(t, st, queries)
		})
	}
}

// reindex starts from nothing whatever the index holds.
func TestRebuildFromAnyState(t *testing.T) {
	t.Parallel()
	_, queries, want := healLibrary(t)
	dir := copyHealLibrary(t)
	for _, f := range derivedFiles(t, dir) {
		if err := os.WriteFile(f, []byte("garbage"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st, _, err := OpenStore(context.Background(), dir, NewLocalEmbedder(), StoreOptions{Rebuild: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got := searchAll(t, st, queries)
	for q, w := range want {
		if !slices.Equal(got[q], w) {
			t.Errorf("%s: got\n%v\nwant\n%v", q, got[q], w)
		}
	}
}
