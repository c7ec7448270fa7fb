package bot

import (
	"context"
	"errors"
	"strings"

	"github.com/newsbot/newsbot/retrieval/fetch"
)

// Errors of following feeds, each a sentence a person can read.
var (
	// ErrDuplicateSubscription means the scope already follows that feed;
	// a FeedStore's Add says so with it.
	ErrDuplicateSubscription = errors.New("this server already follows that feed")
	// ErrSubscriptionNotFound means no subscription has that id in that
	// scope; a FeedStore's Remove and Update say so with it.
	ErrSubscriptionNotFound = errors.New("there is no such feed subscription")
	// ErrArticleNotFeed means a link given to follow is an article page.
	ErrArticleNotFeed = errors.New("that link is an article, not a feed")
	// errNoFeeds means the bot was built without a web client.
	errNoFeeds = errors.New("feeds are not enabled on this bot")
)

// Feeds is the feed service: the subscriptions of every library scope, kept
// in a FeedStore, and the poller that loads their new items into the
// scope's library and announces each once in the subscription's channel.
// The fetcher only fetches; what a scope follows, what it has seen and
// where news is announced live here.
type Feeds struct {
	core   *Bot
	store  FeedStore
	log    AnnouncementLog
	opts   FeedOptions
	holder string // this process's name in the announcements' claims
}

// OpenFeeds opens the subscriptions kept in path (a missing file is none)
// for the bot b, whose fetcher reads the feeds.
func OpenFeeds(path string, b *Bot, opts FeedOptions) (*Feeds, error) {
	f, err := OpenFeedFile(path)
	if err != nil {
		return nil, err
	}
	return NewFeeds(f, f, b, opts)
}

// NewFeeds returns the feed service over store, recording announcements
// in log, for the bot b, whose fetcher reads the feeds. A fleet's
// processes share both through PostgreSQL (bot/postgres), so each feed is
// fetched once per interval and each new article announced once per
// channel.
func NewFeeds(store FeedStore, log AnnouncementLog, b *Bot, opts FeedOptions) (*Feeds, error) {
	if b.fetcher == nil {
		return nil, errNoFeeds
	}
	return &Feeds{core: b, store: store, log: log, opts: opts.withDefaults(), holder: newID()}, nil
}

// Follow checks that rawURL is a feed, so that a wrong link is refused now
// and not at the first poll, and subscribes scope to it; new items are
// announced in channel.
func (f *Feeds) Follow(ctx context.Context, rawURL, scope, channel, addedBy string) (Subscription, error) {
	res, err := f.core.fetcher.Fetch(ctx, rawURL)
	if err != nil {
		return Subscription{}, err
	}
	if res.Kind != fetch.KindFeed {
		return Subscription{}, &InputError{ErrArticleNotFeed}
	}
	return f.store.Add(ctx, Subscription{URL: rawURL, Scope: scope, Channel: channel, Title: res.Feed.Title, AddedBy: addedBy})
}

// List returns the feeds scope follows, in the order they were added.
func (f *Feeds) List(ctx context.Context, scope string) ([]Subscription, error) {
	return f.store.List(ctx, scope)
}

// Unfollow ends scope's subscription ref, an id or the feed's address, and
// returns it. Articles already loaded stay.
func (f *Feeds) Unfollow(ctx context.Context, scope, ref string) (Subscription, error) {
	subs, err := f.store.List(ctx, scope)
	if err != nil {
		return Subscription{}, err
	}
	found := Subscription{ID: ref}
	for _, s := range subs {
		if s.ID == ref || strings.EqualFold(s.URL, ref) {
			found = s
		}
	}
	if err := f.store.Remove(ctx, scope, found.ID); err != nil {
		return Subscription{}, err
	}
	return found, nil
}

// Run polls the feeds that are due right away and then once per interval
// until ctx is done, announcing what it loads with announce (which may be
// nil). Problems with single feeds are logged and recorded on the
// subscription (Subscription.LastError), never fatal.
func (f *Feeds) Run(ctx context.Context, announce Announcer) error {
	return newPoller(f.store, f.core.fetcher, f.deliver(announce), f.opts).Run(ctx)
}

// PollOnce polls every feed once, due or not, and returns the problems
// joined.
func (f *Feeds) PollOnce(ctx context.Context, announce Announcer) error {
	return newPoller(f.store, f.core.fetcher, f.deliver(announce), f.opts).PollOnce(ctx)
}

// deliver loads a new item into its subscription's library and announces
// it; an error leaves the item unseen for the next round.
func (f *Feeds) deliver(announce Announcer) itemFunc {
	return func(ctx context.Context, sub Subscription, it fetch.Item, doc fetch.Document) error {
		load := func() (LoadResult, error) { return f.core.loadDocument(ctx, doc, sub.Scope) }
		if announce == nil || sub.Channel == "" {
			_, err := load()
			return err
		}
		return f.announceItem(ctx, announce, sub, it.Key(), load)
	}
}
