package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/newsbot/newsbot/retrieval"
	"github.com/newsbot/newsbot/retrieval/fetch"
)

// Subscription is a feed a library scope follows: where its new items are
// loaded and announced, and what the poller remembers between rounds.
// Scope and Channel keep the JSON names of the Discord days ("guild_id",
// "channel_id") so that existing feeds.json files load unchanged.
type Subscription struct {
	ID  string `json:"id"`
	URL string `json:"url"`
	// Scope is the library new items load into: a Discord server's id.
	Scope string `json:"guild_id"`
	// Channel is where the adapter announces new items; the core only
	// keeps it.
	Channel string    `json:"channel_id"`
	Title   string    `json:"title,omitempty"`
	AddedBy string    `json:"added_by,omitempty"`
	AddedAt time.Time `json:"added_at"`

	// Poller state.
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	LastChecked  time.Time `json:"last_checked,omitzero"`
	LastError    string    `json:"last_error,omitempty"`
	// Seen holds the keys (Item.Key) of items already handled, oldest first, capped at maxSeen.
	Seen []string `json:"seen,omitempty"`
}

func (s Subscription) clone() Subscription {
	s.Seen = slices.Clone(s.Seen)
	return s
}

// maxSeen caps Subscription.Seen; keys of items still in the feed are kept beyond it.
const maxSeen = 1000

// feedStore keeps feed subscriptions in one JSON file, rewritten atomically on every change so a
// crash leaves either the old file or the new one. Its methods are safe for concurrent use.
type feedStore struct {
	path string

	mu   sync.Mutex
	subs []Subscription
}

type storeFile struct {
	Version       int            `json:"version"`
	Subscriptions []Subscription `json:"subscriptions"`
}

// openFeedStore loads the subscriptions in path. A missing file is an empty store; the file and
// its directory are created on the first change.
func openFeedStore(path string) (*feedStore, error) {
	s := &feedStore{path: path}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return s, nil
	case err != nil:
		return nil, fmt.Errorf("open feed store: %w", err)
	}
	var f storeFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("open feed store %s: %w", path, err)
	}
	s.subs = f.Subscriptions
	return s, nil
}

// Add stores a new subscription and returns it with its ID and AddedAt filled in. A scope cannot
// follow the same feed twice: that fails with errDuplicateSubscription.
func (s *feedStore) Add(ctx context.Context, sub Subscription) (Subscription, error) {
	if err := ctx.Err(); err != nil {
		return Subscription{}, err
	}
	u, err := fetch.ParseWebURL(sub.URL)
	if err != nil {
		return Subscription{}, fmt.Errorf("add feed: %w", err)
	}
	sub.URL = u.String()
	s.mu.Lock()
	defer s.mu.Unlock()
	key := feedKey(sub.URL)
	for _, old := range s.subs {
		if old.Scope == sub.Scope && feedKey(old.URL) == key {
			return Subscription{}, fmt.Errorf("add feed %s: %w", RedactURL(sub.URL), errDuplicateSubscription)
		}
	}
	if sub.ID == "" {
		sub.ID = newID()
	}
	if sub.AddedAt.IsZero() {
		sub.AddedAt = time.Now().UTC()
	}
	sub = sub.clone()
	next := append(slices.Clip(s.subs), sub)
	if err := s.save(next); err != nil {
		return Subscription{}, err
	}
	s.subs = next
	return sub.clone(), nil
}

// Remove deletes the subscription id of scope; it fails with errSubscriptionNotFound when that
// scope has no such subscription, so one server cannot remove another's.
func (s *feedStore) Remove(ctx context.Context, scope, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.subs, func(x Subscription) bool { return x.ID == id && x.Scope == scope })
	if i < 0 {
		return fmt.Errorf("remove feed %s: %w", id, errSubscriptionNotFound)
	}
	next := slices.Delete(slices.Clone(s.subs), i, i+1)
	if err := s.save(next); err != nil {
		return err
	}
	s.subs = next
	return nil
}

// List returns the subscriptions of one scope in the order they were added.
func (s *feedStore) List(scope string) []Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Subscription
	for _, sub := range s.subs {
		if sub.Scope == scope {
			out = append(out, sub.clone())
		}
	}
	return out
}

// all returns every subscription of every scope, for the poller.
func (s *feedStore) all() []Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Subscription, len(s.subs))
	for i, sub := range s.subs {
		out[i] = sub.clone()
	}
	return out
}

// Update changes the subscription id with fn and saves the store. fn runs under the store's lock
// and must not call the store. It fails with errSubscriptionNotFound when id was removed.
func (s *feedStore) Update(ctx context.Context, id string, fn func(*Subscription)) (Subscription, error) {
	if err := ctx.Err(); err != nil {
		return Subscription{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.subs, func(x Subscription) bool { return x.ID == id })
	if i < 0 {
		return Subscription{}, fmt.Errorf("update feed %s: %w", id, errSubscriptionNotFound)
	}
	sub := s.subs[i].clone()
	fn(&sub)
	sub.ID, sub.Scope = s.subs[i].ID, s.subs[i].Scope // identity is not fn's to change
	next := slices.Clone(s.subs)
	next[i] = sub
	if err := s.save(next); err != nil {
		return Subscription{}, err
	}
	s.subs = next
	return sub.clone(), nil
}

// save rewrites the store file atomically: a crash leaves the old file or
// the new one.
func (s *feedStore) save(subs []Subscription) error {
	data, err := json.MarshalIndent(storeFile{Version: 1, Subscriptions: subs}, "", "  ")
	if err != nil {
		return fmt.Errorf("save feed store: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o755); err != nil {
		return fmt.Errorf("save feed store: %w", err)
	}
	if err := retrieval.WriteFileAtomic(s.path, append(data, '\n')); err != nil {
		return fmt.Errorf("save feed store: %w", err)
	}
	return nil
}

// feedKey normalises a feed URL for the duplicate check: scheme and host case, default ports,
// a trailing slash and the fragment do not make a different feed.
func feedKey(raw string) string {
	u, err := fetch.ParseWebURL(raw)
	if err != nil {
		return raw
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	u.Host = strings.TrimSuffix(strings.TrimSuffix(u.Host, ":80"), ":443")
	u.Fragment, u.RawFragment = "", ""
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	u.Scheme = "http" // http and https of one address are one feed
	return u.String()
}

func newID() string {
	var b [6]byte
	rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}
