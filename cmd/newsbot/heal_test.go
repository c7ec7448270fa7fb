package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// readCommands are the commands whose output must not change when a derived
// file is damaged.
var readCommands = [][]string{
	{"search", "--json", "--k", "8", "harbor vessel docked pier"},
	{"search", "--json", "--k", "3", "zqf7x"},
	{"search", "--json", "Lavrov UN conference"},
	{"ask", "--json", "What did Lavrov call for?"},
	{"summarize", "--json", "Moscow Calls for UN Conference"},
	{"articles", "--json"},
}

// cleanLibrary returns a data folder holding the seed and 30 bulletins, and
// what readCommands answer on it. It is built once for the tests that damage
// or lock copies of it (copyDir), never the folder itself; TestMain removes it.
func cleanLibrary(t *testing.T) (data string, want map[string]string) {
	t.Helper()
	cleanShared.once.Do(func() {
		dir, err := os.MkdirTemp("", "newsbot-clean-")
		if err != nil {
			t.Fatal(err)
		}
		addCleanup(func() { os.RemoveAll(dir) })
		c := &cli{t: t, data: dir, env: map[string]string{}}
		c.mustRun("ingest", seedPath, writeBulletins(t, "f", 30))
		cleanShared.want = runAll(c)
		cleanShared.data = dir
	})
	if cleanShared.data == "" {
		t.Fatal("the shared library could not be built: see the first test that asked for it")
	}
	return cleanShared.data, cleanShared.want
}

var cleanShared struct {
	once sync.Once
	data string
	want map[string]string
}

func runAll(c *cli) map[string]string {
	c.t.Helper()
	out := map[string]string{}
	for _, args := range readCommands {
		out[strings.Join(args, " ")] = c.mustRun(args...)
	}
	return out
}

// derivedFileKinds finds one file of each kind under the data folder's index.
func derivedFileKinds(t *testing.T, data string) map[string]string {
	t.Helper()
	kinds := map[string]string{}
	var biggest int64
	filepath.WalkDir(filepath.Join(data, "index"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, _ := d.Info()
		switch name := d.Name(); {
		case strings.HasSuffix(name, ".zap") && info.Size() > biggest:
			biggest, kinds["segment"] = info.Size(), path
		case name == "root.bolt":
			kinds["manifest"] = path
		case name == "checksums":
			kinds["checksum list"] = path
		case strings.HasPrefix(name, "vectors-"):
			kinds["vectors"] = path
		}
		return nil
	})
	if len(kinds) != 4 {
		t.Fatalf("derived files found: %v", kinds)
	}
	return kinds
}

// A byte flipped in any kind of derived file — a BM25 segment (its middle
// and its footer), the BM25 manifest, the checksum list, the vector file
// (its header and a record) — and every command still works and answers as
// before.
func TestCommandsAfterDamage(t *testing.T) {
	if testing.Short() {
		t.Skip("runs many commands")
	}
	t.Parallel()
	clean, want := cleanLibrary(t)
	kinds := derivedFileKinds(t, clean)
	cases := []struct {
		kind string
		at   func(size int64) int64
	}{
		{"segment", func(n int64) int64 { return n / 2 }},
		{"segment", func(n int64) int64 { return n - 5 }},
		{"manifest", func(n int64) int64 { return n / 3 }},
		{"checksum list", func(n int64) int64 { return 3 }},
		{"vectors", func(n int64) int64 { return 10 }},
		{"vectors", func(n int64) int64 { return n - 100 }},
	}
	for _, tc := range cases {
		rel, _ := filepath.Rel(clean, kinds[tc.kind])
		info, _ := os.Stat(kinds[tc.kind])
		at := tc.at(info.Size())
		t.Run(tc.kind, func(t *testing.T) {
			t.Parallel()
			c := &cli{t: t, data: copyDir(t, clean), env: map[string]string{}}
			path := filepath.Join(c.data, rel)
			data, _ := os.ReadFile(path)
			data[at] ^= 0x20
			os.WriteFile(path, data, 0o644)
			got := runAll(c)
			for cmd, w := range want {
				if got[cmd] != w {
					t.Errorf("%s after flipping byte %d of %s:\n%s\nwant\n%s", cmd, at, rel, got[cmd], w)
				}
			}
			if out := c.mustRun("ingest", seedPath); !strings.HasPrefix(out, "unchanged") {
				t.Errorf("ingest: %q", out)
			}
			if out := c.mustRun("reindex"); !strings.Contains(out, "Reindexed 31 articles") {
				t.Errorf("reindex: %q", out)
			}
		})
	}
}

// reindex rebuilds whatever state the index is in: here every derived file
// is garbage.
func TestReindexFromAnyState(t *testing.T) {
	t.Parallel()
	c := seededCLI(t)
	want := c.mustRun("search", "--json", "Lavrov UN conference")
	for _, f := range derivedFileKinds(t, c.data) {
		os.WriteFile(f, []byte("garbage"), 0o644)
	}
	if out := c.mustRun("reindex"); !strings.Contains(out, "Reindexed 1 article") {
		t.Errorf("reindex: %q", out)
	}
	if got := c.mustRun("search", "--json", "Lavrov UN conference"); got != want {
		t.Errorf("after reindex:\n%s\nwant\n%s", got, want)
	}
}

// copyDir copies the folder from into a new temporary folder, each file
// with its permissions.
func copyDir(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return copyFileMode(path, filepath.Join(to, rel), info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
	return to
}

// copyFile copies the file from to a new file to.
func copyFile(t *testing.T, from, to string) {
	t.Helper()
	if err := copyFileMode(from, to, 0o644); err != nil {
		t.Fatal(err)
	}
}

// copyFileMode copies the file from to a new file to with permissions perm. The bytes are
// copied by the kernel (copy_file_range or sendfile, through os.File.ReadFrom), never through
// this process, where under the race detector each byte read and written is also checked:
// megabytes of documents cost tenths of a second of processor time that way.
func copyFileMode(from, to string, perm fs.FileMode) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := dst.ReadFrom(src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

// readOnlyView returns a read-only view of dir: a read-only bind mount when
// the test runs as root (who may write anything else), else dir itself made
// read-only.
func readOnlyView(t *testing.T, dir string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if d.IsDir() {
				return os.Chmod(path, 0o555)
			}
			return os.Chmod(path, 0o444)
		})
		t.Cleanup(func() {
			filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error { return os.Chmod(path, 0o755) })
		})
		return dir
	}
	view := t.TempDir()
	if err := syscall.Mount(dir, view, "", syscall.MS_BIND, ""); err != nil {
		t.Skipf("cannot bind-mount a read-only view: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(view, syscall.MNT_DETACH) })
	if err := syscall.Mount("", view, "", syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Skipf("cannot make the view read-only: %v", err)
	}
	if err := os.WriteFile(filepath.Join(view, "probe"), nil, 0o644); err == nil {
		t.Skip("the read-only view is writable")
	}
	return view
}

// A read-only data folder still answers: search, ask, summarize and articles
// need no writes when the index is up to date, and index the articles in a
// temporary folder when it is not.
func TestReadOnlyDataFolder(t *testing.T) {
	t.Parallel()
	clean, want := cleanLibrary(t)
	c := &cli{t: t, data: copyDir(t, clean), env: map[string]string{}}
	ro := &cli{t: t, data: readOnlyView(t, c.data), env: map[string]string{}}
	for cmd, w := range runAll(ro) {
		if w != want[cmd] {
			t.Errorf("%s in a read-only folder:\n%s\nwant\n%s", cmd, w, want[cmd])
		}
	}
	// Stale: the index is gone, and the folder still cannot be written.
	if err := os.RemoveAll(filepath.Join(c.data, "index")); err != nil && !os.IsPermission(err) {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(c.data, "index")); err == nil {
		t.Skip("cannot remove the index behind the read-only view")
	}
	_, errOut, err := ro.run("search", "--json", "Lavrov UN conference")
	if err != nil || !strings.Contains(errOut, "indexing the articles in a temporary folder") {
		t.Errorf("search in a read-only folder without an index: %v\n%s", err, errOut)
	}
	for cmd, w := range runAll(ro) {
		if w != want[cmd] {
			t.Errorf("%s in a read-only folder without an index:\n%s\nwant\n%s", cmd, w, want[cmd])
		}
	}
	if _, _, err := ro.run("ingest", seedPath); err == nil {
		t.Error("ingest into a read-only folder succeeded")
	}
}
