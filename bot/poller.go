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
	// Interval between rounds; default DefaultFeedInterval. A feed is fetched once per interval however
	// many processes poll it (see FeedStore.Claim).
	Interval time.Duration
	// Lease is how long a claimed feed is this process's to poll and how long one poll may take;
	// default 10 minutes.
	Lease time.Duration
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
	// Observer hears each feed's poll and its result; nil hears nothing.
	Observer Observer
	// Now and After replace the clock in tests; defaults time.Now and time.After.
	Now   func() time.Time
	After func(time.Duration) <-chan time.Time
}

// poller claims the feeds of a FeedStore that are due, fetches each once and hands the new items
// of each of its subscriptions to an itemFunc.
type poller struct {
	store  FeedStore
	client *fetch.Client
	onItem itemFunc
	opts   FeedOptions
	log    *slog.Logger
	holder string // this process's name in the store's claims
	obs    Observer
}

// DefaultFeedInterval is how often a followed feed is checked when
// FeedOptions.Interval is 0. It is the one home of this default: the
// configuration's feed_interval takes it from here.
const DefaultFeedInterval = 15 * time.Minute

// withDefaults fills in the zero fields of o.
func (o FeedOptions) withDefaults() FeedOptions {
	if o.Interval <= 0 {
		o.Interval = DefaultFeedInterval
	}
	if o.Lease <= 0 {
		o.Lease = 10 * time.Minute
	}
	if o.MaxItemsPerPoll <= 0 {
		o.MaxItemsPerPoll = 20
	}
	if o.FullTextWords <= 0 {
		o.FullTextWords = 150
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.After == nil {
		o.After = time.After
	}
	return o
}

// newPoller returns a poller that claims feeds as holder; nothing happens until Run or PollOnce.
func newPoller(store FeedStore, client *fetch.Client, onItem itemFunc, opts FeedOptions) *poller {
	opts = opts.withDefaults()
	return &poller{store: store, client: client, onItem: onItem, opts: opts, log: opts.Logger, holder: newID(), obs: observerOr(opts.Observer)}
}

// Run polls the feeds that are due right away and then at every interval until ctx is done; it
// returns nil then. A feed is due an interval after its last poll began, whichever process
// polled it. Problems with single feeds are logged and recorded on the subscription, never fatal.
func (p *poller) Run(ctx context.Context) error {
	for {
		if err := p.round(ctx, false); err != nil && ctx.Err() == nil {
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

// PollOnce polls every feed once, due or not, except those another process is polling. A broken
// feed does not stop the others: its error is recorded in Subscription.LastError, and all such
// errors are returned joined.
func (p *poller) PollOnce(ctx context.Context) error { return p.round(ctx, true) }

// farFuture is the DueBy of a round that polls every feed.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// round claims the feeds that are due (all of them with every) and polls each once.
func (p *poller) round(ctx context.Context, every bool) error {
	now := p.opts.Now()
	req := FeedClaimRequest{Holder: p.holder, Now: now, DueBy: now, Next: now.Add(p.opts.Interval), LeaseUntil: now.Add(p.opts.Lease)}
	if every {
		req.DueBy = farFuture
	}
	claims, err := p.store.Claim(ctx, req)
	if err != nil {
		return fmt.Errorf("claim the feeds that are due: %w", err)
	}
	var (
		g    errgroup.Group // its goroutines return nil: one feed's failure stops no other
		mu   sync.Mutex
		errs []error
	)
	g.SetLimit(p.opts.Concurrency)
	for _, c := range claims {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			fctx, cancel := context.WithTimeout(ctx, p.opts.Lease) // past its lease, the feed is another's to poll
			defer cancel()
			items, err := p.pollFeed(fctx, c)
			p.observe(ctx, items, err)
			if rerr := p.store.Release(context.WithoutCancel(ctx), c.Key, p.holder); rerr != nil {
				p.log.Error("release a polled feed", "feed", RedactURL(c.URL), "err", rerr)
			}
			if err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("feed %s: %w", RedactURL(c.URL), err))
				mu.Unlock()
			}
			return nil
		})
	}
	g.Wait()
	// Feeds claimed but not started stay leased until their lease runs out; their next poll is
	// an interval away anyway.
	if ctx.Err() != nil {
		return ctx.Err()
	}
	p.log.Debug("polled the feeds that were due", "claimed", len(claims), "failed", len(errs))
	return errors.Join(errs...)
}

// validators returns the conditional-request validators every subscription of a feed agrees on:
// none when one of them remembers others, as a new subscription does (it must see the whole feed).
func validators(subs []Subscription) fetch.Validators {
	v := fetch.Validators{ETag: subs[0].ETag, LastModified: subs[0].LastModified}
	for _, s := range subs {
		if s.ETag != v.ETag || s.LastModified != v.LastModified {
			return fetch.Validators{}
		}
	}
	return v
}

// observe reports one feed's poll: items is what pollFeed returned, -1
// for a feed that answered 304 Not Modified. A poll cut short by shutdown
// (ctx is the round's) is no result.
func (p *poller) observe(ctx context.Context, items int, err error) {
	switch {
	case err != nil && ctx.Err() != nil:
		return
	case err != nil:
		p.obs.Polled(PollError, max(items, 0))
	case items < 0:
		p.obs.Polled(PollNotModified, 0)
	case items == 0:
		p.obs.Polled(PollNothingNew, 0)
	default:
		p.obs.Polled(PollNew, items)
	}
}

// pollFeed runs one conditional fetch of one feed and delivers its new items to each of its
// subscriptions. It returns how many items it delivered, -1 when the feed answered 304 Not
// Modified.
func (p *poller) pollFeed(ctx context.Context, c FeedClaim) (int, error) {
	fr, err := p.client.FetchFeed(ctx, c.URL, validators(c.Subs))
	if err != nil {
		if ctx.Err() != nil {
			return 0, err
		}
		for _, sub := range c.Subs {
			p.record(ctx, sub.ID, func(s *Subscription) { s.LastError = err.Error() })
		}
		return 0, err
	}
	if fr.NotModified {
		for _, sub := range c.Subs {
			p.record(ctx, sub.ID, func(s *Subscription) { s.LastError = "" })
		}
		return -1, nil
	}
	var errs []error
	delivered := 0
	docs := map[string]itemDoc{} // each item's page is read once for all the feed's subscribers
	for _, sub := range c.Subs {
		n, err := p.deliverNew(ctx, sub, fr, docs)
		delivered += n
		if err != nil {
			if ctx.Err() != nil {
				return delivered, err
			}
			errs = append(errs, fmt.Errorf("subscription %s: %w", sub.ID, err))
		}
	}
	return delivered, errors.Join(errs...)
}

// itemDoc is an item's article as read for one subscriber, kept for the others.
type itemDoc struct {
	doc fetch.Document
	err error
}

// deliverNew delivers the items of a fetched feed that sub has not seen, and returns how many;
// docs holds the articles read for the feed's other subscribers in this poll.
func (p *poller) deliverNew(ctx context.Context, sub Subscription, fr fetch.FeedResponse, docs map[string]itemDoc) (int, error) {
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
	delivered := 0
	for _, it := range fresh {
		d, ok := docs[it.Key()]
		if !ok {
			d.doc, d.err = p.client.ItemDocument(ctx, fr.Feed, it, p.opts.FullTextWords)
			if ctx.Err() == nil {
				docs[it.Key()] = d
			}
		}
		doc, err := d.doc, d.err
		if err != nil {
			if ctx.Err() != nil {
				return delivered, ctx.Err()
			}
			// The item has no text anywhere: skip it for good rather than retry it every round.
			p.log.Warn("feed item has no readable article", "feed", RedactURL(sub.URL), "item", it.Link, "err", err)
			p.record(ctx, sub.ID, func(s *Subscription) { s.Seen = addSeen(s.Seen, current, it.Key()) })
			continue
		}
		if err := p.onItem(ctx, sub, it, doc); err != nil {
			err = fmt.Errorf("deliver item %s: %w", it.Key(), err)
			p.record(ctx, sub.ID, func(s *Subscription) { s.LastError = err.Error() })
			return delivered, err
		}
		delivered++
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
	return delivered, nil
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
	if err != nil && !errors.Is(err, ErrSubscriptionNotFound) {
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
