package retrieval

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// Temporary files are removed only by a process that holds the folder
// exclusively — then their writers are gone — never by readers, which may
// run beside a writer at work.
func TestLeftoversRemovedOnlyByTheExclusiveHolder(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "articles"), 0o755)
	left := filepath.Join(dir, "articles", ".tmp-123")
	os.WriteFile(left, []byte("half a write"), 0o644)

	r, err := LockFolder(context.Background(), dir, LockOptions{Shared: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(left); err != nil {
		t.Fatal("a reader removed a temporary file")
	}
	// A writer waits for the reader, within its limit.
	_, err = LockFolder(context.Background(), dir, LockOptions{Wait: 1})
	var busy *busyError
	if !errors.As(err, &busy) {
		t.Fatalf("a writer beside a reader: got %v, want a BusyError", err)
	}
	r.Unlock()

	w, err := LockFolder(context.Background(), dir, LockOptions{Command: "ingest"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Unlock()
	if _, err := os.Stat(left); !errors.Is(err, os.ErrNotExist) {
		t.Error("the exclusive holder left a dead writer's temporary file")
	}
	if h := readHolder(dir); h.PID != os.Getpid() || h.Command != "ingest" {
		t.Errorf("owner file: %+v", h)
	}
	// Waiting ends with the context.
	ctx, cancel := context.WithCancel(context.Background())
	var seen Holder
	_, err = LockFolder(ctx, dir, LockOptions{Shared: true, Busy: func(h Holder) error { seen = h; cancel(); return nil }})
	if !errors.Is(err, context.Canceled) || seen.Command != "ingest" {
		t.Errorf("a cancelled wait: got %v, holder %+v", err, seen)
	}
}
