package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

const hostileDir = "../../retrieval/fetch/testdata/hostile"

// checkNotLoadedLine fails unless stderr says, in one sentence without internal detail, that
// path was not loaded, and returns that sentence.
func checkNotLoadedLine(t *testing.T, stderr, path string) string {
	t.Helper()
	for _, line := range strings.Split(stderr, "\n") {
		reason, ok := strings.CutPrefix(line, "newsbot: not loaded: "+path+": ")
		if !ok {
			continue
		}
		for _, internal := range []string{"pdf:", "parser process", "malformed", "readability", "%!"} {
			if strings.Contains(reason, internal) {
				t.Errorf("%s: reason %q shows internal detail %q", path, reason, internal)
			}
		}
		return reason
	}
	t.Errorf("stderr does not list %s as not loaded:\n%s", path, stderr)
	return ""
}

// A folder of hostile documents beside a good article: the article loads, each hostile file is
// listed with one sentence, and the command ends.
func TestIngestRefusesHostileDocuments(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	src := t.TempDir()
	entries, err := os.ReadDir(hostileDir)
	if err != nil {
		t.Fatal(err)
	}
	var hostile []string
	for _, e := range entries {
		if ext := filepath.Ext(e.Name()); ext != ".pdf" && ext != ".html" {
			continue
		}
		p := filepath.Join(src, e.Name())
		copyFile(t, filepath.Join(hostileDir, e.Name()), p)
		hostile = append(hostile, p)
	}
	seed, err := os.ReadFile(seedPath)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(src, "seed.txt"), seed, 0o644)

	out, errOut, err := c.run("ingest", src)
	if err == nil {
		t.Fatal("ingest of hostile files succeeded")
	}
	if !strings.Contains(out, "added") || !strings.Contains(out, "13 paragraphs") {
		t.Errorf("the good article was not loaded: %q", out)
	}
	for _, p := range hostile {
		checkNotLoadedLine(t, errOut, p)
	}
	if n := len(c.libraryFiles()); n != 1 {
		t.Errorf("library holds %d files, want 1", n)
	}
}

// Only regular files are read: a named pipe (which would block the read for ever), a device and
// a socket each cost one sentence, alone or in a folder beside a good file.
func TestIngestReadsOnlyRegularFiles(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "x.txt")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	sock := filepath.Join(dir, "s.txt")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Skipf("no unix sockets here: %v", err)
	}
	defer l.Close()

	for path, want := range map[string]string{
		fifo:        "it is a named pipe, not a regular file; newsbot reads only regular files.",
		sock:        "it is a socket, not a regular file; newsbot reads only regular files.",
		"/dev/null": "it is a device, not a regular file; newsbot reads only regular files.",
	} {
		_, _, err := c.run("ingest", path)
		if got := sentence(err); got != path+": "+want {
			t.Errorf("ingest %s: got %q, want %q", path, got, path+": "+want)
		}
	}

	seed, err := os.ReadFile(seedPath)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "seed.txt"), seed, 0o644)
	out, errOut, err := c.run("ingest", dir)
	if err == nil || !strings.Contains(out, "added") {
		t.Fatalf("folder: err %v, out %q", err, out)
	}
	if r := checkNotLoadedLine(t, errOut, fifo); !strings.Contains(r, "named pipe") {
		t.Errorf("folder: fifo reason %q", r)
	}
	if r := checkNotLoadedLine(t, errOut, sock); !strings.Contains(r, "socket") {
		t.Errorf("folder: socket reason %q", r)
	}
}
