package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Feed is an RSS, Atom or JSON feed, reduced to what the bot uses.
type Feed struct {
	URL         string // where the feed was read from, after redirects
	Title       string
	Link        string // the site the feed belongs to
	Description string
	Items       []Item // in the feed's order, usually newest first
}

// Item is one entry of a feed.
type Item struct {
	GUID      string
	Title     string
	Link      string // absolute
	Author    string
	Published time.Time // zero when the feed gives no date
	Summary   string    // HTML, as the feed carries it
	Content   string    // HTML full text, when the feed carries it

	// text is itemText's answer, worked out in the parser process with the rest of the feed.
	text     []string
	textRead bool
}

// Key identifies an item across polls: its guid, else its link, else its title and date.
func (it Item) Key() string {
	switch {
	case it.GUID != "":
		return it.GUID
	case it.Link != "":
		return it.Link
	}
	return it.Title + "|" + it.Published.UTC().Format(time.RFC3339)
}

// parseFeedBounded reads an RSS, Atom or JSON feed, in a child process bounded by defaultLimits (see
// Limits). feedURL, which may be empty, resolves relative links. A document that is no feed fails
// with an error matching errNotFeed.
func parseFeedBounded(ctx context.Context, data []byte, feedURL string) (Feed, error) {
	if feedURL != "" {
		if _, err := url.Parse(feedURL); err != nil {
			return Feed{}, fmt.Errorf("parse feed url: %w", ErrInvalidURL)
		}
	}
	f, err := defaultIsolator().feed(ctx, data, feedURL)
	f.URL = feedURL
	return f, err
}

func parseFeed(body []byte, base *url.URL) (Feed, error) {
	if gofeed.DetectFeedType(bytes.NewReader(body)) == gofeed.FeedTypeUnknown {
		return Feed{}, fmt.Errorf("detect feed type: %w", errNotFeed)
	}
	gf, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return Feed{}, fmt.Errorf("parse feed: %v: %w", err, errNotFeed)
	}
	f := Feed{
		Title:       cleanInline(htmlText(gf.Title)),
		Link:        absoluteWebURL(gf.Link, base),
		Description: cleanInline(htmlText(gf.Description)),
		Items:       make([]Item, 0, len(gf.Items)),
	}
	for _, gi := range gf.Items {
		if gi == nil {
			continue
		}
		it := Item{
			GUID:    strings.TrimSpace(gi.GUID),
			Title:   cleanInline(htmlText(gi.Title)),
			Link:    absoluteWebURL(gi.Link, base),
			Summary: gi.Description,
			Content: gi.Content,
		}
		if it.Link == "" {
			for _, l := range gi.Links {
				if it.Link = absoluteWebURL(l, base); it.Link != "" {
					break
				}
			}
		}
		if len(gi.Authors) > 0 && gi.Authors[0] != nil {
			it.Author = cleanInline(gi.Authors[0].Name)
		}
		switch {
		case gi.PublishedParsed != nil:
			it.Published = *gi.PublishedParsed
		case gi.UpdatedParsed != nil:
			it.Published = *gi.UpdatedParsed
		}
		f.Items = append(f.Items, it)
	}
	return f, nil
}

// htmlText returns the text of an HTML fragment; feeds put entities and tags into titles.
func htmlText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	return strings.Join(fragmentParagraphs(s), " ")
}

// fragmentParagraphs splits an HTML fragment, such as a feed item's content, into paragraphs
// without readability: the fragment is already the article, or a summary of it.
func fragmentParagraphs(fragment string) []string {
	if strings.TrimSpace(fragment) == "" {
		return nil
	}
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(fragment), ctx)
	if err != nil {
		return nil
	}
	root := &html.Node{Type: html.ElementNode, Data: "div"}
	for _, n := range nodes {
		root.AppendChild(n)
	}
	removeBoilerplate(root)
	return blockParagraphs(root)
}

// itemDocument builds a Document from a feed item's own HTML.
// Its text was read from the feed, whose title names the outlet if it names the feed's site (see
// provenance.go), else the feed's host does.
func itemDocument(feed Feed, it Item, paras []string) Document {
	source := feed.Title
	if u, err := url.Parse(feed.URL); err == nil && feed.URL != "" && (source == "" || !nameFits(source, u.Hostname())) {
		source = siteFromURL(u)
	}
	return Document{
		Title:       it.Title,
		URL:         it.Link,
		FetchedFrom: feed.URL,
		Source:      source,
		Author:      it.Author,
		PublishedAt: it.Published,
		Paragraphs:  paras,
	}
}

// FeedResponse is a conditional feed fetch: either NotModified, or a Feed with new validators.
type FeedResponse struct {
	Feed         Feed
	URL          *url.URL
	ETag         string
	LastModified string
	NotModified  bool
}

// Validators are what an earlier answer said about its version, sent back
// so that an unchanged feed answers 304 Not Modified.
type Validators struct {
	ETag, LastModified string
}

// FetchFeed fetches a feed with a conditional GET: with the validators of
// the last answer, an unchanged feed comes back NotModified and unread.
func (c *Client) FetchFeed(ctx context.Context, feedURL string, v Validators) (FeedResponse, error) {
	resp, err := c.get(ctx, feedURL, conditional(v))
	if err != nil {
		return FeedResponse{}, err
	}
	fr := FeedResponse{URL: resp.URL, ETag: resp.ETag, LastModified: resp.LastModified, NotModified: resp.NotModified}
	if resp.NotModified {
		return fr, nil
	}
	if classify(resp.MediaType, resp.Body) != formatFeed {
		return FeedResponse{}, fmt.Errorf("fetch feed %s (%s): %w", feedURL, resp.MediaType, errNotFeed)
	}
	if fr.Feed, err = c.iso.feed(ctx, resp.Body, resp.URL.String()); err != nil {
		return FeedResponse{}, fmt.Errorf("fetch feed %s: %w", feedURL, err)
	}
	fr.Feed.URL = withoutUserinfo(resp.URL).String()
	return fr, nil
}

// errNoItemText is returned when neither the page nor the feed gives an item any text.
var errNoItemText = errors.New("item has no text")

// itemText is the article text a feed item carries: its content, else its summary, as paragraphs.
func itemText(it Item) []string {
	body := it.Content
	if body == "" {
		body = it.Summary
	}
	paras, _ := filterParagraphs(fragmentParagraphs(body), it.Title, it.Author)
	return paras
}

// ItemDocument finds a feed item's article: the feed's own content when it
// holds at least fullTextWords words (the full text), else the linked page,
// else, when the page cannot be read, whatever text the feed carries.
func (c *Client) ItemDocument(ctx context.Context, feed Feed, it Item, fullTextWords int) (Document, error) {
	paras := it.text
	if !it.textRead {
		paras = itemText(it)
	}
	words := 0
	for _, s := range paras {
		words += wordCount(s)
	}
	if words >= fullTextWords || it.Link == "" {
		if len(paras) == 0 {
			return Document{}, errNoItemText
		}
		return itemDocument(feed, it, paras), nil
	}

	res, err := c.Fetch(ctx, it.Link)
	if err == nil && res.Kind == KindArticle {
		doc := res.Document
		if doc.Title == "" {
			doc.Title = it.Title
		}
		if doc.Author == "" {
			doc.Author = it.Author
		}
		if doc.PublishedAt.IsZero() {
			doc.PublishedAt = it.Published
		}
		if doc.Source == "" {
			doc.Source = feed.Title
		}
		return doc, nil
	}
	if err == nil {
		err = fmt.Errorf("item link is a %s: %w", res.Kind, errNotArticle)
	}
	if ctx.Err() != nil || len(paras) == 0 {
		return Document{}, fmt.Errorf("load %s: %w", it.Link, err)
	}
	return itemDocument(feed, it, paras), nil
}
