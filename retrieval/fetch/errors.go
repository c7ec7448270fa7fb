package fetch

import (
	"fmt"
	"net/http"
)

// userError is a fetch failure whose message is a sentence a person can read as it is; the error that
// wraps it carries the details for the log. Its UserMessage method is how the core recognises it,
// so a new fetch error needs no entry in any list.
type userError struct{ msg string }

func (e *userError) Error() string { return e.msg }

// UserMessage returns the sentence for a person.
func (e *userError) UserMessage() string { return e.msg }

// Sentinel errors callers branch on with errors.Is, each a *userError.
var (
	// ErrInvalidURL means the link is not an absolute http or https address.
	ErrInvalidURL error = &userError{"that is not a web address the bot can load (only http and https links work)"}

	// ErrBlockedAddress means the host resolved to a loopback, private, link-local or otherwise
	// non-public address, which the bot refuses to connect to.
	ErrBlockedAddress error = &userError{"that address points into a private or local network, which the bot may not load"}

	// errTooLarge means the body (counted after decompression) exceeded Options.MaxBytes.
	errTooLarge error = &userError{"the page is too large to load"}

	// errUnsupportedType means the server answered with something that is neither a web page, a feed
	// nor a PDF, such as an image or an archive.
	errUnsupportedType error = &userError{"that link is not a web page, feed or PDF the bot can read"}

	// errNotArticle means the page was read but holds no article: no readable body, a paywall stub,
	// or too little text. A *NotArticleError carries the reason.
	errNotArticle error = &userError{"the page has no readable article text"}

	// errNotFeed means a feed was expected but the document is not RSS, Atom or JSON Feed.
	errNotFeed error = &userError{"that link is not a news feed the bot can read"}

	// errTooManyRedirects means the site redirected more often than Options.MaxRedirects allows.
	errTooManyRedirects error = &userError{"the site redirected too many times"}

	// errTimeout means the site did not answer in full within Options.Timeout.
	errTimeout error = &userError{"the site took too long to answer"}
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

// UserMessage returns the sentence shown to people.
func (e *StatusError) UserMessage() string { return e.Error() }

// temporary reports whether trying again later may help (5xx and 429).
func (e *StatusError) temporary() bool {
	return e.StatusCode >= 500 || e.StatusCode == http.StatusTooManyRequests
}

// NotArticleError says why a page was not taken as an article. It matches errNotArticle with
// errors.Is, so callers who do not care about the reason need not know this type.
type NotArticleError struct {
	// Reason is a short lowercase phrase such as "it looks like a paywall stub".
	Reason string
}

// Error returns the sentence shown to people.
func (e *NotArticleError) Error() string {
	if e.Reason == "" {
		return errNotArticle.Error()
	}
	return errNotArticle.Error() + ": " + e.Reason
}

// UserMessage returns the sentence shown to people.
func (e *NotArticleError) UserMessage() string { return e.Error() }

// Is makes errors.Is(err, errNotArticle) true.
func (e *NotArticleError) Is(target error) bool { return target == errNotArticle }
