package bot

import (
	"context"
	"errors"
	"strings"

	"github.com/newsbot/newsbot/retrieval/fetch"
)

// Errors of following feeds, each a sentence a person can read.
var (
	// errDuplicateSubscription means the scope already follows that feed.
	errDuplicateSubscription = errors.New("this server already follows that feed")
	// errSubscriptionNotFound means no subscription has that id in that scope.
	errSubscriptionNotFound = errors.New("there is no such feed subscription")
	// ErrArticleNotFeed means a link given to follow is an article page.
	ErrArticleNotFeed = errors.New("that link is an article, not a feed")
	// errNoFeeds means the bot was built without a web client.
	errNoFeeds = errors.New("feeds are not enabled on this bot")
)

// Feeds is the feed service: the subscriptions of every library scope, kept
// in one file, and the poller that loads their new items into the scope's
// library and hands each to an announcer. The fetcher only fetches; what a
// scope follows, what it has seen and where news is announced live here.
type Feeds struct {
	core  *Bot
	store *feedStore
	opts  FeedOptions
}

// Announcer tells people about an article a followed feed brought: the
// adapter posts it in sub.Channel. It runs after the article is stored and
// only for new or changed articles of subscriptions with a channel.
type Announcer func(ctx context.Context, sub Subscription, res LoadResult)

// OpenFeeds opens the subscriptions kept in path (a missing file is none)
// for the bot b, whose fetcher reads the feeds.
func OpenFeeds(path string, b *Bot, opts FeedOptions) (*Feeds, error) {
	if b.fetcher == nil {
		return nil, errNoFeeds
	}
	store, err := openFeedStore(path)
	if err != nil {
		return nil, err
	}
	return &Feeds{core: b, store: store, opts: opts}, nil
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
func (f *Feeds) List(scope string) []Subscription { return f.store.List(scope) }

// Unfollow ends scope's subscription ref, an id or the feed's address, and
// returns it. Articles already loaded stay.
func (f *Feeds) Unfollow(ctx context.Context, scope, ref string) (Subscription, error) {
	found := Subscription{ID: ref}
	for _, s := range f.store.List(scope) {
		if s.ID == ref || strings.EqualFold(s.URL, ref) {
			found = s
		}
	}
	if err := f.store.Remove(ctx, scope, found.ID); err != nil {
		return Subscription{}, err
	}
	return found, nil
}

// Run polls every feed right away and then once per interval until ctx is
// done, handing what it loads to announce (which may be nil). Problems
// with single feeds are logged and recorded on the subscription
// (Subscription.LastError), never fatal.
func (f *Feeds) Run(ctx context.Context, announce Announcer) error {
	return newPoller(f.store, f.core.fetcher, f.deliver(announce), f.opts).Run(ctx)
}

// PollOnce polls every feed once and returns the problems joined.
func (f *Feeds) PollOnce(ctx context.Context, announce Announcer) error {
	return newPoller(f.store, f.core.fetcher, f.deliver(announce), f.opts).PollOnce(ctx)
}

// deliver loads a new item into its subscription's library; an error
// leaves the item unseen for the next round.
func (f *Feeds) deliver(announce Announcer) itemFunc {
	return func(ctx context.Context, sub Subscription, _ fetch.Item, doc fetch.Document) error {
		res, err := f.core.loadDocument(ctx, doc, sub.Scope)
		if err != nil {
			return err
		}
		if announce != nil && res.Status != Unchanged && sub.Channel != "" {
			announce(ctx, sub, res)
		}
		return nil
	}
}
