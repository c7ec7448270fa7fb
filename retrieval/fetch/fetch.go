// Package fetch loads news articles from web pages, files and feeds, and polls feed subscriptions.
//
// Everything that reaches the network goes through a Client, which refuses private and local
// addresses at connection time, caps redirects, body size and time, and checks the content type
// before parsing. Articles come back as a Document whose paragraphs follow the page's own block
// structure, with captions, teasers, cookie banners, newsletter boxes and share buttons removed.
package fetch

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/mmcdole/gofeed"
)

// Document is an article as fetched or read, before it enters the library.
type Document struct {
	Title string
	// URL is the canonical URL when the page declares one on its own site, else the URL it was
	// read from (see provenance.go).
	URL string
	// FetchedFrom is the address the text was read from, after redirects: the page's, or the
	// feed's for an item whose text the feed carried. Empty for a file.
	FetchedFrom string
	Source      string // the outlet, such as "The Daily Example"
	Author      string
	// PublishedAt is zero when unknown.
	PublishedAt time.Time
	// Paragraphs are in reading order, each non-empty and trimmed, with no blank line inside.
	Paragraphs []string
}

// Kind says what a fetched URL turned out to be.
type Kind int

// The kinds of Result.
const (
	KindArticle Kind = iota + 1 // a web page or PDF, read into Result.Document
	KindFeed                    // an RSS, Atom or JSON feed, read into Result.Feed
)

// String names the kind for logs.
func (k Kind) String() string {
	switch k {
	case KindArticle:
		return "article"
	case KindFeed:
		return "feed"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Result is what a URL held. Exactly one of Document and Feed is filled, as Kind says.
type Result struct {
	Kind     Kind
	URL      string // the URL after redirects
	Document Document
	Feed     Feed
}

// Fetch loads rawURL and reads it as whatever it is: an HTML article, a feed or a PDF, parsed in
// a child process within the client's Limits. Errors match the package's sentinels
// (ErrInvalidURL, ErrBlockedAddress, errTimeout, errTooManyRedirects, errTooLarge,
// errUnsupportedType, errNotArticle, errNotFeed) or are a *StatusError or a *limitError.
func (c *Client) Fetch(ctx context.Context, rawURL string) (Result, error) {
	resp, err := c.get(ctx, rawURL, conditional{})
	if err != nil {
		return Result{}, err
	}
	final := withoutUserinfo(resp.URL).String() // stored and cited: no password in it
	res := Result{URL: final}
	switch classify(resp.MediaType, resp.Body) {
	case formatHTML:
		doc, err := c.iso.html(ctx, resp.Body, resp.ContentType, final)
		if err != nil {
			return Result{}, fmt.Errorf("read page %s: %w", final, err)
		}
		res.Kind, res.Document = KindArticle, doc
	case formatFeed:
		feed, err := c.iso.feed(ctx, resp.Body, final)
		if err != nil {
			return Result{}, fmt.Errorf("read feed %s: %w", final, err)
		}
		feed.URL = final
		res.Kind, res.Feed = KindFeed, feed
	case formatPDF:
		doc, err := c.iso.pdf(ctx, resp.Body)
		if err != nil {
			return Result{}, fmt.Errorf("read pdf %s: %w", final, err)
		}
		doc.URL, doc.FetchedFrom = final, final
		if doc.Source == "" {
			doc.Source = siteFromURL(resp.URL)
		}
		res.Kind, res.Document = KindArticle, doc
	default:
		return Result{}, fmt.Errorf("read %s as %q: %w", final, resp.MediaType, errUnsupportedType)
	}
	return res, nil
}

type format int

const (
	formatUnknown format = iota
	formatHTML
	formatFeed
	formatPDF
)

// classify decides how to read a body from its declared media type, looking at the bytes when the
// type is vague or commonly wrong (feeds served as text/html or text/plain).
func classify(mediaType string, body []byte) format {
	head := body
	if len(head) > 1024 {
		head = head[:1024]
	}
	head = bytes.TrimLeft(head, "\xef\xbb\xbf \t\r\n")
	if bytes.HasPrefix(head, []byte("%PDF-")) {
		return formatPDF
	}
	switch mediaType {
	case "application/pdf", "application/x-pdf":
		return formatUnknown // claims PDF but is not one
	case "text/html", "application/xhtml+xml":
		if looksLikeXMLFeed(head) {
			return formatFeed
		}
		return formatHTML
	case "application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json":
		return formatFeed
	}
	// application/xml, text/xml, json, text/plain, octet-stream or nothing: sniff.
	switch {
	case len(head) > 0 && head[0] == '{' && bytes.Contains(head, []byte("jsonfeed.org")):
		return formatFeed
	case len(head) > 0 && head[0] == '<' && gofeed.DetectFeedType(bytes.NewReader(head)) != gofeed.FeedTypeUnknown:
		return formatFeed
	}
	if ct := http.DetectContentType(head); bytes.HasPrefix([]byte(ct), []byte("text/html")) {
		return formatHTML
	}
	return formatUnknown
}

func looksLikeXMLFeed(head []byte) bool {
	lower := bytes.ToLower(head)
	if !bytes.HasPrefix(lower, []byte("<?xml")) && !bytes.HasPrefix(lower, []byte("<rss")) &&
		!bytes.HasPrefix(lower, []byte("<feed")) && !bytes.HasPrefix(lower, []byte("<rdf")) {
		return false
	}
	return bytes.Contains(lower, []byte("<rss")) || bytes.Contains(lower, []byte("<feed")) ||
		bytes.Contains(lower, []byte("<rdf:rdf"))
}
