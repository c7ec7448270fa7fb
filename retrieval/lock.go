package retrieval

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/gofrs/flock"
)

// One data folder, many processes. The policy:
//
//   - A writer (ingest, reindex, serve, and a reader that must repair the
//     index) takes an exclusive lock on DIR/.lock; readers (search, ask,
//     summarize) take a shared one. So one writer at a time, and readers
//     never see a write half done: they wait for it to end.
//   - The writer records who it is in DIR/.owner, so that a waiting process
//     can say what it waits for ("another newsbot is loading articles").
//     serve also records the socket on which it takes the requests of other
//     commands while it holds the folder.
//   - Every wait is bounded (LockOptions.Wait), and ends early when the
//     context is cancelled.
//   - Temporary files (.tmp-*) are removed only by a process that holds the
//     lock exclusively: every writer holds it, so any left then belong to
//     a process that is gone.
//   - bolt, under bleve, keeps its own exclusive lock on root.bolt while a
//     writer has the index open; this lock is taken first, so processes
//     queue here, with a message and a limit, instead of hanging in bolt.

// defaultLockWait is how long a command waits for another process to
// release the data folder before it gives up.
const defaultLockWait = 2 * time.Minute

// Holder is the process that holds a data folder for writing, as it
// described itself in DIR/.owner.
type Holder struct {
	PID     int       `json:"pid"`
	Command string    `json:"command"` // "ingest", "serve", …
	Since   time.Time `json:"since"`
	// Socket is where the holder takes requests from other commands
	// (serve does), or "".
	Socket string `json:"socket,omitempty"`
}

// Doing says what the holder is doing, for a person.
func (h Holder) Doing() string {
	switch h.Command {
	case "":
		return "using the data folder"
	case "ingest":
		return "loading articles"
	case "reindex":
		return "rebuilding the index"
	case "serve":
		return "running the Discord bot on this data folder"
	default:
		return "running " + h.Command
	}
}

// LockOptions say how to take a data folder.
type LockOptions struct {
	// Shared takes the folder for reading, beside other readers.
	Shared bool
	// Command names what this process does, for the messages of others.
	Command string
	// Wait bounds the wait for other processes; 0 means defaultLockWait,
	// a negative value not to wait at all.
	Wait time.Duration
	// Busy, when set, is called when another process holds the folder,
	// before waiting and again whenever the holder changes. If it returns
	// an error, LockFolder stops waiting and returns it.
	Busy func(h Holder) error
}

// busyError says another process kept the folder longer than the wait.
type busyError struct {
	Holder Holder
	Waited time.Duration
}

func (e *busyError) Error() string {
	who := "another newsbot"
	if e.Holder.PID != 0 {
		who = fmt.Sprintf("another newsbot (%s, process %d)", e.Holder.Command, e.Holder.PID)
	}
	return fmt.Sprintf("%s is still %s after %s of waiting; try again when it is done", who, e.Holder.Doing(), e.Waited.Round(time.Second))
}

// ErrNoDataFolder says the data folder does not exist.
var ErrNoDataFolder = errors.New("the data folder does not exist")

// FolderLock is a held lock on a data folder.
type FolderLock struct {
	dir       string
	fl        *flock.Flock // nil when the folder cannot be locked (read-only, no lock file)
	exclusive bool
	holder    Holder
}

const (
	lockFile  = ".lock"
	ownerFile = ".owner"
)

// LockFolder takes the data folder dir, waiting as opts allow. A reader in
// a folder where no lock file can be made (a read-only folder) goes ahead
// without one: no writer can be at work there either.
func LockFolder(ctx context.Context, dir string, opts LockOptions) (*FolderLock, error) {
	if opts.Wait == 0 {
		opts.Wait = defaultLockWait
	}
	l := &FolderLock{dir: dir, fl: flock.New(filepath.Join(dir, lockFile), flock.SetPermissions(0o644)), exclusive: !opts.Shared}
	try := l.fl.TryLock
	if opts.Shared {
		try = l.fl.TryRLock
	}
	ok, err := try()
	if err != nil {
		if opts.Shared && readOnlyFS(err) {
			l.fl = nil
			return l, nil
		}
		return nil, fmt.Errorf("lock the data folder: %w", err)
	}
	start := time.Now()
	var last *Holder
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !ok {
		h := readHolder(dir)
		if last == nil || h != *last {
			last = &h
			if opts.Busy != nil {
				if err := opts.Busy(h); err != nil {
					return nil, err
				}
			}
		}
		if time.Since(start) >= opts.Wait {
			return nil, &busyError{Holder: h, Waited: time.Since(start)}
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
		}
		if ok, err = try(); err != nil {
			return nil, fmt.Errorf("lock the data folder: %w", err)
		}
	}
	if l.exclusive {
		removeLeftovers(dir)
		l.holder = Holder{PID: os.Getpid(), Command: opts.Command, Since: time.Now().UTC().Truncate(time.Second)}
		if err := l.writeHolder(); err != nil {
			l.fl.Unlock()
			return nil, err
		}
	}
	return l, nil
}

// SetSocket records where this process takes requests from other commands.
func (l *FolderLock) SetSocket(path string) error {
	if !l.exclusive {
		return errors.New("only the process that holds the folder for writing takes requests")
	}
	l.holder.Socket = path
	return l.writeHolder()
}

func (l *FolderLock) writeHolder() error {
	data, _ := json.Marshal(l.holder)
	if err := WriteFileAtomic(filepath.Join(l.dir, ownerFile), append(data, '\n')); err != nil {
		return fmt.Errorf("lock the data folder: %w", err)
	}
	return nil
}

// Unlock releases the folder. Unlocking twice is harmless.
func (l *FolderLock) Unlock() error {
	if l == nil || l.fl == nil {
		return nil
	}
	if l.exclusive {
		os.Remove(filepath.Join(l.dir, ownerFile))
	}
	err := l.fl.Close()
	l.fl = nil
	return err
}

// readHolder returns who holds dir for writing, or the zero Holder when no
// live process says so (readers hold it, or the owner file is stale).
func readHolder(dir string) Holder {
	var h Holder
	data, err := os.ReadFile(filepath.Join(dir, ownerFile))
	if err != nil || json.Unmarshal(data, &h) != nil || !alive(h.PID) {
		return Holder{}
	}
	return h
}

// alive reports whether a process with this id exists.
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// removeLeftovers deletes the temporary files of writers that are gone;
// the caller holds the folder exclusively.
func removeLeftovers(dir string) {
	for _, d := range []string{dir, filepath.Join(dir, "articles"), filepath.Join(dir, "index"), filepath.Join(dir, "index", "bm25")} {
		entries, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !e.IsDir() && strings.Contains(e.Name(), ".tmp-") {
				os.Remove(filepath.Join(d, e.Name()))
			}
		}
	}
}

// readOnlyFS reports whether err says a file could not be made or changed
// because the folder is read-only to this process.
func readOnlyFS(err error) bool {
	return errors.Is(err, syscall.EROFS) || errors.Is(err, fs.ErrPermission)
}
