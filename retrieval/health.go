package retrieval

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// FolderHealth is what a look at a data folder finds.
type FolderHealth struct {
	Articles, Paragraphs int
	// Unreadable lists article files that cannot be read, each as
	// "file name: reason"; the library passes over them.
	Unreadable []string
	// Index is the embedder that made the index's vectors; nil when there
	// is no index yet.
	Index *EmbedderInfo
}

// InspectDataFolder reads a data folder's article files and the
// description of its index, changing nothing and taking no lock: a health
// check must not repair, wait or create. A folder that does not exist
// gives an error that wraps fs.ErrNotExist.
func InspectDataFolder(dataDir string) (FolderHealth, error) {
	var h FolderHealth
	fi, err := os.Stat(dataDir)
	if err != nil {
		return h, err
	}
	if !fi.IsDir() {
		return h, fmt.Errorf("%s is a file, not a folder", dataDir)
	}
	entries, err := os.ReadDir(filepath.Join(dataDir, "articles"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return h, err
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), articleExt) {
			continue
		}
		a, err := readArticleFile(filepath.Join(dataDir, "articles", e.Name()))
		if err == nil && a.ID+articleExt != e.Name() {
			err = fmt.Errorf("its id is %s", a.ID)
		}
		if err != nil {
			h.Unreadable = append(h.Unreadable, e.Name()+": "+err.Error())
			continue
		}
		h.Articles++
		h.Paragraphs += len(a.Paragraphs)
	}
	data, err := os.ReadFile(filepath.Join(dataDir, "index", "meta.json"))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return h, err
	default:
		var m indexMeta
		if err := json.Unmarshal(data, &m); err != nil {
			return h, fmt.Errorf("index/meta.json: %w", err)
		}
		h.Index = &m.Embedder
	}
	return h, nil
}
