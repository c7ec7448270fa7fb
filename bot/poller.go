package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/newsbot/newsbot/retrieval/fetch"
	"golang.org/x/sync/errgroup"
)

// itemFunc receives each new feed item with its article. An error leaves the item unseen, so the
// next round offers it again. It may be called concurrently for different subscriptions.
type itemFunc func(ctx context.Context, sub Subscription, item fetch.Item, doc fetch.Document) error

// FeedOptions tune the feed poller. Zero fields take the defaults given.
type FeedOptions struct {
	// Interval between rounds; default 15 minutes.
	Interval time.Duration
	// Jitter adds a random delay up to this much to each interval, so many bots do not poll a
	// site in step; default none.
	Jitter time.Duration
	// MaxItemsPerPoll caps the new items taken from one feed in one round; default 20. On a new
	// subscription's first round only the most recent this many are loaded and the rest are
	// marked seen, so following a feed does not flood the channel with its back catalogue.
	MaxItemsPerPoll int
	// FullTextWords: an item whose feed content has at least this many words is taken as the
	// full article; shorter ones are loaded from the item's page. Default 150.
	FullTextWords int
	// Concurrency is how many feeds are polled at once; default 4.
	Concurrency int
	// Logger receives one line per feed problem; default slog.Default().
	Logger *slog.Logger
	// Now and After replace the clock in tests; defaults time.Now and time.After.
	Now   func() time.Time
	After func(time.Duration) <-chan time.Time
}

// poller checks every subscription in a feedStore on an interval and hands new items to an itemFunc.
type poller struct {
	store  *feedStore
	client *fetch.Client
	onItem itemFunc
	opts   FeedOptions
	log    *slog.Logger
}

// newPoller returns a poller; nothing happens until Run or PollOnce.
func newPoller(store *feedStore, client *fetch.Client, onItem itemFunc, opts FeedOptions) *poller {
	if opts.Interval <= 0 {
		opts.Interval = 15 * time.Minute
	}
	if opts.MaxItemsPerPoll <= 0 {
		opts.MaxItemsPerPoll = 20
	}
	if opts.FullTextWords <= 0 {
		opts.FullTextWords = 150
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.After == nil {
		opts.After = time.After
	}
	return &poller{store: store, client: client, onItem: onItem, opts: opts, log: opts.Logger}
}

// Run polls every feed right away and then once per interval until ctx is done; it returns nil then.
// Problems with single feeds are logged and recorded on the subscription, never fatal.
func (p *poller) Run(ctx context.Context) error {
	for {
		if err := p.PollOnce(ctx); err != nil && ctx.Err() == nil {
			p.log.Warn("feed poll round had failures", "err", err)
		}
		wait := p.opts.Interval
		if p.opts.Jitter > 0 {
			wait += rand.N(p.opts.Jitter)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-p.opts.After(wait):
		}
	}
}

// PollOnce polls every subscription once. A broken feed does not stop the others: its error is
// recorded in Subscription.LastError, and all such errors are returned joined.
func (p *poller) PollOnce(ctx context.Context) error {
	var (
		g    errgroup.Group // its goroutines return nil: one feed's failure stops no other
		mu   sync.Mutex
		errs []error
	)
	g.SetLimit(p.opts.Concurrency)
	for _, sub := range p.store.all() {
		if ctx.Err() != nil {
			g.Wait()
			return ctx.Err()
		}
		g.Go(func() error {
			if err := p.pollFeed(ctx, sub); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("feed %s (%s): %w", sub.ID, RedactURL(sub.URL), err))
				mu.Unlock()
			}
			return nil
		})
	}
	g.Wait()
	return errors.Join(errs...)
}

// pollFeed runs one conditional fetch of one subscription and delivers its new items.
func (p *poller) pollFeed(ctx context.Context, sub Subscription) error {
	fr, err := p.client.FetchFeed(ctx, sub.URL, fetch.Validators{ETag: sub.ETag, LastModified: sub.LastModified})
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		p.record(ctx, sub.ID, func(s *Subscription) { s.LastError = err.Error() })
		return err
	}
	if fr.NotModified {
		p.record(ctx, sub.ID, func(s *Subscription) { s.LastError = "" })
		return nil
	}

	firstPoll := len(sub.Seen) == 0 // nothing handled yet: skip the back catalogue
	seen := make(map[string]bool, len(sub.Seen))
	for _, k := range sub.Seen {
		seen[k] = true
	}
	var fresh []fetch.Item
	for _, it := range fr.Feed.Items {
		if k := it.Key(); !seen[k] {
			seen[k] = true // a feed listing an item twice yields it once
			fresh = append(fresh, it)
		}
	}
	// Oldest first, so a channel reads new items in the order they were published.
	slices.SortStableFunc(fresh, func(a, b fetch.Item) int { return a.Published.Compare(b.Published) })

	var skipped []string
	if over := len(fresh) - p.opts.MaxItemsPerPoll; over > 0 {
		if firstPoll {
			for _, it := range fresh[:over] {
				skipped = append(skipped, it.Key())
			}
			fresh = fresh[over:]
		} else {
			fresh = fresh[:p.opts.MaxItemsPerPoll] // the rest wait for the next round
		}
	}
	current := make(map[string]bool, len(fr.Feed.Items))
	for _, it := range fr.Feed.Items {
		current[it.Key()] = true
	}
	if len(skipped) > 0 {
		p.record(ctx, sub.ID, func(s *Subscription) { s.Seen = addSeen(s.Seen, current, skipped...) })
	}

	pending := len(fresh) < countUnseen(fr.Feed.Items, sub.Seen, skipped)
	for _, it := range fresh {
		doc, err := p.client.ItemDocument(ctx, fr.Feed, it, p.opts.FullTextWords)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// The item has no text anywhere: skip it for good rather than retry it every round.
			p.log.Warn("feed item has no readable article", "feed", RedactURL(sub.URL), "item", it.Link, "err", err)
			p.record(ctx, sub.ID, func(s *Subscription) { s.Seen = addSeen(s.Seen, current, it.Key()) })
			continue
		}
		if err := p.onItem(ctx, sub, it, doc); err != nil {
			err = fmt.Errorf("deliver item %s: %w", it.Key(), err)
			p.record(ctx, sub.ID, func(s *Subscription) { s.LastError = err.Error() })
			return err
		}
		p.record(ctx, sub.ID, func(s *Subscription) { s.Seen = addSeen(s.Seen, current, it.Key()) })
	}

	p.record(ctx, sub.ID, func(s *Subscription) {
		s.LastError = ""
		if s.Title == "" {
			s.Title = fr.Feed.Title
		}
		// Keep the validators only once every new item is handled, or a 304 would hide the rest.
		if !pending {
			s.ETag, s.LastModified = fr.ETag, fr.LastModified
		}
	})
	return nil
}

// countUnseen counts the distinct items not yet in seen or skipped.
func countUnseen(items []fetch.Item, seen, skipped []string) int {
	known := make(map[string]bool, len(seen)+len(skipped))
	for _, k := range append(slices.Clip(seen), skipped...) {
		known[k] = true
	}
	n := 0
	for _, it := range items {
		if k := it.Key(); !known[k] {
			known[k] = true
			n++
		}
	}
	return n
}

// record updates the stored subscription and stamps LastChecked. A subscription removed while it
// was being polled is left removed; a failed save is logged, as the next round will retry.
func (p *poller) record(ctx context.Context, id string, fn func(*Subscription)) {
	now := p.opts.Now().UTC()
	_, err := p.store.Update(context.WithoutCancel(ctx), id, func(s *Subscription) {
		fn(s)
		s.LastChecked = now
	})
	if err != nil && !errors.Is(err, errSubscriptionNotFound) {
		p.log.Error("save feed state", "subscription", id, "err", err)
	}
}

// addSeen appends keys to seen and trims it to maxSeen, dropping the oldest keys of items that
// have left the feed first.
func addSeen(seen []string, current map[string]bool, keys ...string) []string {
	for _, k := range keys {
		if !slices.Contains(seen, k) {
			seen = append(seen, k)
		}
	}
	for over := len(seen) - maxSeen; over > 0; over-- {
		i := slices.IndexFunc(seen, func(k string) bool { return !current[k] })
		if i < 0 {
			break
		}
		seen = slices.Delete(seen, i, i+1)
	}
	return seen
}
