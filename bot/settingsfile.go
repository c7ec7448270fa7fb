package bot

import (
	"context"
	"sync"
	"time"
)

// SettingsFile keeps every server's Settings in one JSON file, rewritten
// atomically on each change: a crash leaves the old file or the new one.
// Servers change settings rarely and there are few of them per process,
// so one small file read once at start suits. It is safe for concurrent
// use by one process.
type SettingsFile struct {
	path string
	now  func() time.Time

	mu     sync.Mutex
	scopes map[string]Settings
}

type settingsFile struct {
	Version int                 `json:"version"`
	Scopes  map[string]Settings `json:"scopes"`
}

// OpenSettingsFile reads the settings kept in path; a missing file holds
// none, and it and its folder are created on the first change.
func OpenSettingsFile(path string) (*SettingsFile, error) {
	f := &SettingsFile{path: path, now: time.Now, scopes: map[string]Settings{}}
	var file settingsFile
	if err := readJSONFile(path, "settings", &file); err != nil {
		return nil, err
	}
	for scope, s := range file.Scopes {
		f.scopes[scope] = s
	}
	return f, nil
}

// Settings returns scope's settings.
func (f *SettingsFile) Settings(ctx context.Context, scope string) (Settings, error) {
	if err := ctx.Err(); err != nil {
		return Settings{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.scopes[scope].clone(), nil
}

// UpdateSettings changes scope's settings with fn and rewrites the file.
func (f *SettingsFile) UpdateSettings(ctx context.Context, scope string, fn func(*Settings) error) (Settings, error) {
	if err := ctx.Err(); err != nil {
		return Settings{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.scopes[scope].clone()
	if err := fn(&s); err != nil {
		return Settings{}, err
	}
	if err := s.Check(); err != nil {
		return Settings{}, err
	}
	s.UpdatedAt = f.now().UTC()
	next := make(map[string]Settings, len(f.scopes)+1)
	for k, v := range f.scopes {
		next[k] = v
	}
	next[scope] = s
	if err := f.save(next); err != nil {
		return Settings{}, err
	}
	f.scopes = next
	return s.clone(), nil
}

// AllSettings returns every scope's settings.
func (f *SettingsFile) AllSettings(ctx context.Context) (map[string]Settings, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]Settings, len(f.scopes))
	for k, v := range f.scopes {
		out[k] = v.clone()
	}
	return out, nil
}

func (f *SettingsFile) save(scopes map[string]Settings) error {
	return writeJSONFile(f.path, "settings", settingsFile{Version: 1, Scopes: scopes})
}
