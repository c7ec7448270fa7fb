package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Defaults for Options fields left zero.
const (
	defaultMaxBytes     = 5 << 20
	defaultMaxRedirects = 5
	defaultTimeout      = 20 * time.Second
	defaultUserAgent    = "newsbot/1.0 (+https://github.com/newsbot/newsbot)"
)

// Options configures a Client. The zero value is safe for fetching untrusted links from the public web.
type Options struct {
	// AllowPrivate lets the client connect to loopback, private and link-local addresses. Leave it
	// false for links people paste; set it for tests and intranets.
	AllowPrivate bool
	// MaxBytes caps a response body, counted after decompression. Zero means defaultMaxBytes.
	MaxBytes int64
	// MaxRedirects caps how many redirects one fetch follows. Zero means defaultMaxRedirects; a
	// negative value follows none.
	MaxRedirects int
	// Timeout bounds one fetch, from the request to the last body byte. Zero means defaultTimeout.
	Timeout time.Duration
	// UserAgent is sent with every request. Empty means defaultUserAgent.
	UserAgent string
	// Limits bound the parsing of what is fetched. The zero value shares defaultLimits, and the
	// cap on parser processes running at once, with ReadPDF and ReadHTML.
	Limits Limits
}

// Client loads articles and feeds from the web without letting a link reach the bot's own machine
// or network, and without letting a response exhaust its memory or time. Its methods are safe for
// concurrent use.
type Client struct {
	opts    Options
	http    *http.Client
	blocked func(netip.Addr) bool // replaced by tests; nil when AllowPrivate
	iso     *isolator
}

// NewClient returns a Client that applies opts to every fetch.
func NewClient(opts Options) *Client {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = defaultMaxBytes
	}
	if opts.MaxRedirects == 0 {
		opts.MaxRedirects = defaultMaxRedirects
	} else if opts.MaxRedirects < 0 {
		opts.MaxRedirects = 0
	}
	if opts.Timeout <= 0 {
		opts.Timeout = defaultTimeout
	}
	if opts.UserAgent == "" {
		opts.UserAgent = defaultUserAgent
	}
	c := &Client{opts: opts, iso: defaultIsolator()}
	if opts.Limits != (Limits{}) {
		c.iso = newIsolator(opts.Limits)
	}
	if !opts.AllowPrivate {
		c.blocked = isBlockedIP
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if c.blocked != nil {
		// Read c.blocked at dial time so tests can narrow the rule after construction.
		dialer.Control = dialControl(func(ip netip.Addr) bool { return c.blocked(ip) })
	}
	transport := &http.Transport{
		// No proxy: through a proxy the guard would check the proxy's address, not the site's.
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          50,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	c.http = &http.Client{
		Transport:     transport,
		CheckRedirect: c.checkRedirect,
	}
	return c
}

func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > c.opts.MaxRedirects {
		return fmt.Errorf("stopped after %d redirects: %w", c.opts.MaxRedirects, errTooManyRedirects)
	}
	if err := checkScheme(req.URL); err != nil {
		return fmt.Errorf("redirect to %s: %w", req.URL.Redacted(), err)
	}
	normalizeHost(req.URL)
	return nil
}

// ParseWebURL parses an absolute http or https URL; anything else fails
// with ErrInvalidURL.
func ParseWebURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("parse url: %w", ErrInvalidURL)
	}
	if err := checkScheme(u); err != nil {
		return nil, err
	}
	normalizeHost(u)
	return u, nil
}

func checkScheme(u *url.URL) error {
	if u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("url %q: %w", u.Redacted(), &SchemeError{Scheme: u.Scheme})
	}
	if u.Scheme == "" || u.Hostname() == "" {
		return fmt.Errorf("url %q: %w", u.Redacted(), ErrInvalidURL)
	}
	return nil
}

// conditional holds the validators of an earlier response for a conditional GET.
type conditional Validators

// response is a fully read, size-checked answer.
type response struct {
	URL          *url.URL // after redirects
	MediaType    string   // lowercase, without parameters; "" when absent
	ContentType  string   // the header as sent, with parameters such as charset
	ETag         string
	LastModified string
	NotModified  bool
	Body         []byte
}

const acceptHeader = "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml," +
	"application/feed+json;q=0.9,application/xml;q=0.9,text/xml;q=0.9,application/pdf;q=0.8,*/*;q=0.1"

// get fetches rawURL within the client's limits. The body has been read in full when it returns.
func (c *Client) get(ctx context.Context, rawURL string, cond conditional) (*response, error) {
	u, err := ParseWebURL(rawURL)
	if err != nil {
		return nil, err
	}
	fetchCtx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()

	resp, err := c.do(fetchCtx, u, cond)
	if err != nil {
		return nil, c.fetchError(ctx, fetchCtx, u, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return resp, nil
}

func (c *Client) do(ctx context.Context, u *url.URL, cond conditional) (*response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("new request: %w", ErrInvalidURL)
	}
	req.Header.Set("User-Agent", c.opts.UserAgent)
	req.Header.Set("Accept", acceptHeader)
	if cond.ETag != "" {
		req.Header.Set("If-None-Match", cond.ETag)
	}
	if cond.LastModified != "" {
		req.Header.Set("If-Modified-Since", cond.LastModified)
	}
	// Accept-Encoding is left to the transport: it asks for gzip and decompresses transparently,
	// so the limit below counts decompressed bytes and a gzip bomb stops at MaxBytes.
	hr, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer hr.Body.Close()

	r := &response{
		URL:          hr.Request.URL,
		ContentType:  hr.Header.Get("Content-Type"),
		ETag:         hr.Header.Get("ETag"),
		LastModified: hr.Header.Get("Last-Modified"),
	}
	if mt, _, err := mime.ParseMediaType(r.ContentType); err == nil {
		r.MediaType = strings.ToLower(mt)
	}
	switch {
	case hr.StatusCode == http.StatusNotModified:
		r.NotModified = true
		return r, nil
	case hr.StatusCode < 200 || hr.StatusCode > 299:
		return nil, &StatusError{StatusCode: hr.StatusCode, URL: r.URL.Redacted()}
	}
	if !acceptableType(r.MediaType) {
		return nil, fmt.Errorf("content type %q: %w", r.MediaType, errUnsupportedType)
	}
	if hr.ContentLength > c.opts.MaxBytes {
		return nil, fmt.Errorf("content length %d over %d: %w", hr.ContentLength, c.opts.MaxBytes, errTooLarge)
	}
	r.Body, err = readLimited(hr.Body, c.opts.MaxBytes)
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	return r, nil
}

// fetchError turns transport errors into the package's sentinels where one applies.
func (c *Client) fetchError(parent, fetchCtx context.Context, u *url.URL, err error) error {
	var se *StatusError
	switch {
	case parent.Err() != nil:
		return fmt.Errorf("fetch %s: %w", u.Redacted(), parent.Err())
	case errors.Is(fetchCtx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("fetch %s after %s: %w: %w", u.Redacted(), c.opts.Timeout, errTimeout, context.DeadlineExceeded)
	case errors.As(err, &se):
		return fmt.Errorf("fetch %s: %w", u.Redacted(), err)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // drop the "Get \"url\":" prefix, we add our own
	}
	return fmt.Errorf("fetch %s: %w", u.Redacted(), err)
}

// readLimited reads r to the end, failing with errTooLarge as soon as more than max bytes arrive.
func readLimited(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("more than %d bytes: %w", max, errTooLarge)
	}
	return b, nil
}

// acceptableType reports whether a media type may hold a page, a feed or a PDF. Types that say
// nothing useful ("", octet-stream, text/plain) are accepted and sniffed after reading.
func acceptableType(mt string) bool {
	switch mt {
	case "", "application/octet-stream", "binary/octet-stream", "text/plain",
		"text/html", "application/xhtml+xml",
		"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json",
		"application/xml", "text/xml", "application/json",
		"application/pdf", "application/x-pdf":
		return true
	}
	return false
}
