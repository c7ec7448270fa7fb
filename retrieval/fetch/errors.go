package fetch

import (
	"errors"
	"fmt"
	"net/http"
)

// Sentinel errors callers branch on with errors.Is. Each message is a sentence that can be shown to a
// person as it is; the error that wraps it carries the details for the log.
var (
	// ErrInvalidURL means the link is not an absolute http or https address.
	ErrInvalidURL = errors.New("that is not a web address the bot can load (only http and https links work)")

	// ErrBlockedAddress means the host resolved to a loopback, private, link-local or otherwise
	// non-public address, which the bot refuses to connect to.
	ErrBlockedAddress = errors.New("that address points into a private or local network, which the bot may not load")

	// ErrTooLarge means the body (counted after decompression) exceeded Options.MaxBytes.
	ErrTooLarge = errors.New("the page is too large to load")

	// ErrUnsupportedType means the server answered with something that is neither a web page, a feed
	// nor a PDF, such as an image or an archive.
	ErrUnsupportedType = errors.New("that link is not a web page, feed or PDF the bot can read")

	// ErrNotArticle means the page was read but holds no article: no readable body, a paywall stub,
	// or too little text. A *NotArticleError carries the reason.
	ErrNotArticle = errors.New("the page has no readable article text")

	// ErrNotFeed means a feed was expected but the document is not RSS, Atom or JSON Feed.
	ErrNotFeed = errors.New("that link is not a news feed the bot can read")

	// ErrTooManyRedirects means the site redirected more often than Options.MaxRedirects allows.
	ErrTooManyRedirects = errors.New("the site redirected too many times")

	// ErrTimeout means the site did not answer in full within Options.Timeout.
	ErrTimeout = errors.New("the site took too long to answer")
)

// StatusError reports a response whose status was not a success. Its message is a sentence
// a person can read, such as "the site answered 404 Not Found".
type StatusError struct {
	StatusCode int
	URL        string
}

// Error returns the sentence shown to people.
func (e *StatusError) Error() string {
	text := http.StatusText(e.StatusCode)
	if text == "" {
		return fmt.Sprintf("the site answered with status %d", e.StatusCode)
	}
	return fmt.Sprintf("the site answered %d %s", e.StatusCode, text)
}

// Temporary reports whether trying again later may help (5xx and 429).
func (e *StatusError) Temporary() bool {
	return e.StatusCode >= 500 || e.StatusCode == http.StatusTooManyRequests
}

// NotArticleError says why a page was not taken as an article. It matches ErrNotArticle with
// errors.Is, so callers who do not care about the reason need not know this type.
type NotArticleError struct {
	// Reason is a short lowercase phrase such as "it looks like a paywall stub".
	Reason string
}

// Error returns the sentence shown to people.
func (e *NotArticleError) Error() string {
	if e.Reason == "" {
		return ErrNotArticle.Error()
	}
	return ErrNotArticle.Error() + ": " + e.Reason
}

// Is makes errors.Is(err, ErrNotArticle) true.
func (e *NotArticleError) Is(target error) bool { return target == ErrNotArticle }
