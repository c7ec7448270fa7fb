package bot

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/newsbot/newsbot/retrieval"
)

// The stores in the data folder (settings, feeds, briefings, feedback) keep
// their records as indented JSON files, read whole at start and replaced
// whole on each change. These two functions are how they all do it.

// readJSONFile decodes the file at path into v. A missing file holds no
// records: v is left as it was. what names the records in errors
// ("settings", "feed store").
func readJSONFile(path, what string, v any) error {
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("open %s: %w", what, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("open %s %s: %w", what, path, err)
	}
	return nil
}

// writeJSONFile replaces the file at path with v as indented JSON,
// creating its folder if need be. The write is atomic (see
// retrieval.WriteFileAtomic): a crash leaves the old file or the new one.
func writeJSONFile(path, what string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("save %s: %w", what, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("save %s: %w", what, err)
	}
	if err := retrieval.WriteFileAtomic(path, append(data, '\n')); err != nil {
		return fmt.Errorf("save %s: %w", what, err)
	}
	return nil
}
