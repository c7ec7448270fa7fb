package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

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
	// NextPoll is when its feed is due again; zero: at once.
	NextPoll time.Time `json:"next_poll,omitzero"`
}

func (s Subscription) clone() Subscription {
	s.Seen = slices.Clone(s.Seen)
	return s
}

// maxSeen caps Subscription.Seen; keys of items still in the feed are kept beyond it.
const maxSeen = 1000

// FeedStore keeps the feeds the servers follow and what the poller knows
// of each: a file in the data folder (FeedFile) or, for a fleet,
// PostgreSQL. The subscriptions of one address (by FeedKey) make one feed,
// fetched once per poll however many servers follow it; a feed is polled
// by the holder of its claim, so a fleet fetches it once per interval.
type FeedStore interface {
	// Add stores a new subscription and returns it with its ID and AddedAt
	// filled in. A scope cannot follow the same feed twice: that fails
	// with ErrDuplicateSubscription.
	Add(ctx context.Context, sub Subscription) (Subscription, error)
	// Remove deletes the subscription id of scope; it fails when that
	// scope has no such subscription (ErrSubscriptionNotFound), so one
	// server cannot remove another's.
	Remove(ctx context.Context, scope, id string) error
	// List returns the subscriptions of one scope in the order they were
	// added.
	List(ctx context.Context, scope string) ([]Subscription, error)
	// All returns every scope's subscriptions in the order they were
	// added, for doctor and export.
	All(ctx context.Context) ([]Subscription, error)
	// Update changes the subscription id with fn and stores it; fn must
	// not call the store. It fails with an error matching
	// ErrSubscriptionNotFound when id was removed.
	Update(ctx context.Context, id string, fn func(*Subscription)) (Subscription, error)
	// Claim leases to r.Holder until r.LeaseUntil the feeds whose next
	// poll is at or before r.DueBy and that no other holder's lease covers
	// at r.Now, at most r.Limit of them (0: all), sets their next poll to
	// r.Next and returns them with their subscriptions. Two holders never
	// both claim a feed while a lease runs.
	Claim(ctx context.Context, r FeedClaimRequest) ([]FeedClaim, error)
	// Release ends holder's claim of the feed key.
	Release(ctx context.Context, key, holder string) error
}

// FeedClaimRequest asks a FeedStore for the feeds a poller should fetch.
type FeedClaimRequest struct {
	Holder     string
	Now, DueBy time.Time
	Next       time.Time
	LeaseUntil time.Time
	Limit      int
}

// FeedClaim is one feed claimed for a poll: its address and every
// subscription to it.
type FeedClaim struct {
	Key  string
	URL  string
	Subs []Subscription
}

// FeedFile keeps feed subscriptions in one JSON file in the data folder,
// rewritten atomically on every change so a crash leaves either the old
// file or the new one. One process holds a data folder, so its claims'
// leases are kept in memory. Its methods are safe for concurrent use.
type FeedFile struct {
	path string

	mu     sync.Mutex
	subs   []Subscription
	anns   []Announcement
	leases map[string]feedLease // by feed key
	mine   map[string]bool      // holders that claimed announcements through this file
}

type feedLease struct {
	holder string
	until  time.Time
}

type storeFile struct {
	Version       int            `json:"version"`
	Subscriptions []Subscription `json:"subscriptions"`
	Announcements []Announcement `json:"announcements,omitempty"`
}

// OpenFeedFile loads the subscriptions in path. A missing file is an empty
// store; the file and its directory are created on the first change.
func OpenFeedFile(path string) (*FeedFile, error) {
	s := &FeedFile{path: path, leases: map[string]feedLease{}, mine: map[string]bool{}}
	var f storeFile
	if err := readJSONFile(path, "feed store", &f); err != nil {
		return nil, err
	}
	s.subs, s.anns = f.Subscriptions, f.Announcements
	return s, nil
}

// Add implements FeedStore.
func (s *FeedFile) Add(ctx context.Context, sub Subscription) (Subscription, error) {
	if err := ctx.Err(); err != nil {
		return Subscription{}, err
	}
	sub, err := NewSubscription(sub)
	if err != nil {
		return Subscription{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := FeedKey(sub.URL)
	for _, old := range s.subs {
		if old.Scope == sub.Scope && FeedKey(old.URL) == key {
			return Subscription{}, fmt.Errorf("add feed %s: %w", RedactURL(sub.URL), ErrDuplicateSubscription)
		}
	}
	next := append(slices.Clip(s.subs), sub)
	if err := s.save(next, s.anns); err != nil {
		return Subscription{}, err
	}
	s.subs = next
	return sub.clone(), nil
}

// NewSubscription checks sub's address and fills in its ID and AddedAt,
// as every FeedStore's Add does first.
func NewSubscription(sub Subscription) (Subscription, error) {
	u, err := fetch.ParseWebURL(sub.URL)
	if err != nil {
		return Subscription{}, fmt.Errorf("add feed: %w", err)
	}
	sub.URL = u.String()
	if sub.ID == "" {
		sub.ID = newID()
	}
	if sub.AddedAt.IsZero() {
		sub.AddedAt = time.Now().UTC()
	}
	return sub.clone(), nil
}

// Remove implements FeedStore.
func (s *FeedFile) Remove(ctx context.Context, scope, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.subs, func(x Subscription) bool { return x.ID == id && x.Scope == scope })
	if i < 0 {
		return fmt.Errorf("remove feed %s: %w", id, ErrSubscriptionNotFound)
	}
	next := slices.Delete(slices.Clone(s.subs), i, i+1)
	if err := s.save(next, s.anns); err != nil {
		return err
	}
	s.subs = next
	return nil
}

// List implements FeedStore.
func (s *FeedFile) List(ctx context.Context, scope string) ([]Subscription, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Subscription
	for _, sub := range s.subs {
		if sub.Scope == scope {
			out = append(out, sub.clone())
		}
	}
	return out, nil
}

// All implements FeedStore.
func (s *FeedFile) All(ctx context.Context) ([]Subscription, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.all(), nil
}

// all returns every subscription of every scope.
func (s *FeedFile) all() []Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Subscription, len(s.subs))
	for i, sub := range s.subs {
		out[i] = sub.clone()
	}
	return out
}

// Update implements FeedStore.
func (s *FeedFile) Update(ctx context.Context, id string, fn func(*Subscription)) (Subscription, error) {
	if err := ctx.Err(); err != nil {
		return Subscription{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.subs, func(x Subscription) bool { return x.ID == id })
	if i < 0 {
		return Subscription{}, fmt.Errorf("update feed %s: %w", id, ErrSubscriptionNotFound)
	}
	sub := s.subs[i].clone()
	fn(&sub)
	sub.ID, sub.Scope, sub.URL = s.subs[i].ID, s.subs[i].Scope, s.subs[i].URL // identity is not fn's to change
	next := slices.Clone(s.subs)
	next[i] = sub
	if err := s.save(next, s.anns); err != nil {
		return Subscription{}, err
	}
	s.subs = next
	return sub.clone(), nil
}

// Claim implements FeedStore. A feed's next poll is the earliest of its
// subscriptions': a new subscription makes its feed due at once.
func (s *FeedFile) Claim(ctx context.Context, r FeedClaimRequest) ([]FeedClaim, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var (
		out   []FeedClaim
		index = map[string]int{}
	)
	for _, sub := range s.subs {
		k := FeedKey(sub.URL)
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, FeedClaim{Key: k, URL: sub.URL})
		}
		out[i].Subs = append(out[i].Subs, sub.clone())
	}
	out = slices.DeleteFunc(out, func(c FeedClaim) bool {
		l, leased := s.leases[c.Key]
		if leased && l.holder != r.Holder && l.until.After(r.Now) {
			return true
		}
		return !slices.ContainsFunc(c.Subs, func(sub Subscription) bool { return !sub.NextPoll.After(r.DueBy) })
	})
	if r.Limit > 0 && len(out) > r.Limit {
		out = out[:r.Limit]
	}
	if len(out) == 0 {
		return nil, nil
	}
	claimed := map[string]bool{}
	for _, c := range out {
		claimed[c.Key] = true
	}
	next := slices.Clone(s.subs)
	for i := range next {
		if claimed[FeedKey(next[i].URL)] {
			next[i].NextPoll = r.Next
		}
	}
	if err := s.save(next, s.anns); err != nil {
		return nil, err
	}
	s.subs = next
	for i := range out {
		s.leases[out[i].Key] = feedLease{r.Holder, r.LeaseUntil}
		for j := range out[i].Subs {
			out[i].Subs[j].NextPoll = r.Next
		}
	}
	return out, nil
}

// Release implements FeedStore.
func (s *FeedFile) Release(ctx context.Context, key, holder string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l, ok := s.leases[key]; ok && l.holder == holder {
		delete(s.leases, key)
	}
	return nil
}

// save rewrites the store file atomically: a crash leaves the old file or
// the new one.
func (s *FeedFile) save(subs []Subscription, anns []Announcement) error {
	return writeJSONFile(s.path, "feed store", storeFile{Version: 1, Subscriptions: subs, Announcements: anns})
}

// FeedKey normalises a feed's address: scheme and host case, default
// ports, a trailing slash and the fragment do not make a different feed.
// The subscriptions with one key are one feed to the poller and to a
// FeedStore.
func FeedKey(raw string) string {
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
