package retrieval

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// openStore opens a store for writing, or for reading with the fallbacks
// StoreOptions.ReadOnly describes.
func openStore(ctx context.Context, dataDir string, emb Embedder, opts StoreOptions) (*Store, SyncStats, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if !opts.ReadOnly {
		if err := os.MkdirAll(dataDir, 0o755); err != nil {
			return nil, SyncStats{}, fmt.Errorf("open the data folder: %w", err)
		}
		return openWriting(ctx, dataDir, emb, opts)
	}
	if _, err := os.Stat(dataDir); errors.Is(err, fs.ErrNotExist) {
		return nil, SyncStats{}, fmt.Errorf("%w: %s", ErrNoDataFolder, dataDir)
	}
	st, stats, err := openReading(ctx, dataDir, emb, opts)
	if !errors.Is(err, errIndexStale) {
		return st, stats, err
	}
	if _, serr := os.Stat(filepath.Join(dataDir, "articles")); errors.Is(serr, fs.ErrNotExist) {
		// No library here: make nothing in a folder that may not be ours.
		return openTemporary(ctx, dataDir, emb, opts)
	}
	opts.Logger.Debug("bringing the index up to date with the article files", "reason", err)
	st, stats, err = openWriting(ctx, dataDir, emb, opts)
	if err != nil && readOnlyFS(err) {
		opts.Logger.Warn("the data folder cannot be written and its index is not up to date: indexing the articles in a temporary folder for this command", "folder", dataDir, "err", err)
		return openTemporary(ctx, dataDir, emb, opts)
	}
	return st, stats, err
}

// openWriting takes the folder exclusively and opens, repairs and brings
// up to date whatever it holds.
func openWriting(ctx context.Context, dataDir string, emb Embedder, opts StoreOptions) (*Store, SyncStats, error) {
	lo := opts.Lock
	lo.Shared = false
	lock, err := LockFolder(ctx, dataDir, lo)
	if err != nil {
		return nil, SyncStats{}, err
	}
	if opts.Rebuild {
		if err := os.RemoveAll(filepath.Join(dataDir, "index")); err != nil {
			lock.Unlock()
			return nil, SyncStats{}, fmt.Errorf("discard the index: %w", err)
		}
	}
	lib, err := openLibrary(filepath.Join(dataDir, "articles"), opts.Logger)
	if err != nil {
		lock.Unlock()
		return nil, SyncStats{}, err
	}
	return finishOpen(ctx, lib, filepath.Join(dataDir, "index"), emb, opts, lock, "", false)
}

// openReading shares the folder with other readers and opens the index as
// it is; anything it would have to repair gives errIndexStale.
func openReading(ctx context.Context, dataDir string, emb Embedder, opts StoreOptions) (*Store, SyncStats, error) {
	lock, lib, err := readShared(ctx, dataDir, opts)
	if err != nil {
		return nil, SyncStats{}, err
	}
	return finishOpen(ctx, lib, filepath.Join(dataDir, "index"), emb, opts, lock, "", true)
}

// openTemporary indexes the articles of a folder it cannot or should not
// write in a temporary folder, removed at Close.
func openTemporary(ctx context.Context, dataDir string, emb Embedder, opts StoreOptions) (*Store, SyncStats, error) {
	lock, lib, err := readShared(ctx, dataDir, opts)
	if err != nil {
		return nil, SyncStats{}, err
	}
	tmp, err := os.MkdirTemp("", "newsbot-index-")
	if err != nil {
		lock.Unlock()
		return nil, SyncStats{}, fmt.Errorf("make a temporary index: %w", err)
	}
	return finishOpen(ctx, lib, tmp, emb, opts, lock, tmp, false)
}

// readShared shares the folder with other readers and reads its article
// files, writing nothing; the caller unlocks.
func readShared(ctx context.Context, dataDir string, opts StoreOptions) (*FolderLock, *library, error) {
	lo := opts.Lock
	lo.Shared = true
	lock, err := LockFolder(ctx, dataDir, lo)
	if err != nil {
		return nil, nil, err
	}
	lib, err := readLibrary(filepath.Join(dataDir, "articles"), opts.Logger)
	if err != nil {
		lock.Unlock()
		return nil, nil, err
	}
	return lock, lib, nil
}

// finishOpen opens the index in dir and syncs it with lib; on failure it
// releases what it was given.
func finishOpen(ctx context.Context, lib *library, dir string, emb Embedder, opts StoreOptions, lock *FolderLock, tmpDir string, readOnly bool) (*Store, SyncStats, error) {
	fail := func(err error) (*Store, SyncStats, error) {
		if tmpDir != "" {
			os.RemoveAll(tmpDir)
		}
		lock.Unlock()
		return nil, SyncStats{}, err
	}
	ix, err := OpenIndex(dir, emb, IndexOptions{Logger: opts.Logger, Progress: opts.Progress, Fusion: opts.Fusion, ReadOnly: readOnly})
	if err != nil {
		return fail(err)
	}
	st, err := ix.Sync(ctx, lib.List(""))
	if err != nil {
		ix.Close()
		if errors.Is(err, errIndexStale) {
			return fail(err)
		}
		_, _, err = fail(fmt.Errorf("bring the index up to date: %w", err))
		return nil, st, err
	}
	return NewStore(&fileBackend{lib: lib, ix: ix, lock: lock, tmpDir: tmpDir}), st, nil
}

// SetSocket records, for other processes that find the data folder taken,
// the Unix socket on which this process takes their commands.
func (s *Store) SetSocket(path string) error {
	fb, ok := s.backend.(*fileBackend)
	if !ok || fb.lock == nil {
		return errors.New("the store does not hold a data folder")
	}
	return fb.lock.SetSocket(path)
}
