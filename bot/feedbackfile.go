package bot

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/newsbot/newsbot/retrieval"
)

// FeedbackFiles keeps rated answers in a folder of the data folder, one
// JSON file per answer, each rewritten atomically when a vote comes: a
// vote rewrites one small file, never the whole history, and a crash
// leaves a file as it was or as it became. The secret for hashing voters
// is a file there too. It is safe for concurrent use by one process;
// another may read (newsbot feedback export) while it writes.
type FeedbackFiles struct {
	dir string
	mu  sync.Mutex
}

// secretFile holds the installation's key for hashing voter ids.
const secretFile = "secret.key"

// OpenFeedbackFiles keeps feedback in dir, made on the first vote.
func OpenFeedbackFiles(dir string) *FeedbackFiles { return &FeedbackFiles{dir: dir} }

// answerIDPattern is what an answer id may hold: it names a file.
var answerIDPattern = regexp.MustCompile(`^[0-9A-Za-z_-]{1,64}$`)

// AddVote stores v on a, and a with its first vote.
func (f *FeedbackFiles) AddVote(ctx context.Context, a RatedAnswer, v VoteRecord) (Vote, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if !answerIDPattern.MatchString(a.ID) {
		return "", fmt.Errorf("answer id %q is not a plain id", a.ID)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	path := filepath.Join(f.dir, a.ID+".json")
	stored, err := readRated(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		stored = a
		stored.Votes = nil
	case err != nil:
		return "", err
	}
	var prev Vote
	if i := slices.IndexFunc(stored.Votes, func(r VoteRecord) bool { return r.User == v.User }); i >= 0 {
		prev = stored.Votes[i].Vote
		stored.Votes[i] = v
	} else {
		stored.Votes = append(stored.Votes, v)
	}
	if err := writeJSONFile(path, "feedback", stored); err != nil {
		return "", err
	}
	return prev, nil
}

func readRated(path string) (RatedAnswer, error) {
	var a RatedAnswer
	data, err := os.ReadFile(path)
	if err != nil {
		return a, err
	}
	if err := json.Unmarshal(data, &a); err != nil {
		return a, fmt.Errorf("read feedback %s: %w", path, err)
	}
	return a, nil
}

// RatedAnswers reads every rated answer, oldest first. A folder not yet
// made holds none.
func (f *FeedbackFiles) RatedAnswers(ctx context.Context) ([]RatedAnswer, error) {
	entries, err := os.ReadDir(f.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read feedback: %w", err)
	}
	var out []RatedAnswer
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		a, err := readRated(filepath.Join(f.dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(x, y RatedAnswer) int {
		return cmp.Or(x.AskedAt.Compare(y.AskedAt), cmp.Compare(x.ID, y.ID))
	})
	return out, nil
}

// Secret reads the installation's key, making it on first use.
func (f *FeedbackFiles) Secret(ctx context.Context) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	path := filepath.Join(f.dir, secretFile)
	key, err := os.ReadFile(path)
	if err == nil {
		if len(key) < 32 {
			return nil, fmt.Errorf("the feedback key %s is damaged (%d bytes); remove it to make a new one", path, len(key))
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read feedback key: %w", err)
	}
	key = make([]byte, 32)
	rand.Read(key) // crypto/rand.Read never fails
	if err := os.MkdirAll(f.dir, 0o755); err != nil {
		return nil, fmt.Errorf("save feedback key: %w", err)
	}
	if err := retrieval.WriteFileAtomic(path, key); err != nil { // created 0600, as os.CreateTemp makes files
		return nil, fmt.Errorf("save feedback key: %w", err)
	}
	return key, nil
}
