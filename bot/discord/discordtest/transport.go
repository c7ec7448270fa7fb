package discordtest

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// RewriteTransport returns a RoundTripper that sends requests for
// https://discord.com to base instead, keeping the path (after base's own
// path, if any) and query, and passes every other request to rt unchanged.
// discordgo builds its URLs from package-level constants, so rewriting at the
// transport is the per-session way to point it at another host. A nil rt
// means http.DefaultTransport.
func RewriteTransport(base *url.URL, rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	return &rewriteTransport{base: base, rt: rt}
}

type rewriteTransport struct {
	base *url.URL
	rt   http.RoundTripper
}

func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "https" || !strings.EqualFold(req.URL.Host, "discord.com") {
		return t.rt.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	prefix := strings.TrimSuffix(t.base.Path, "/")
	r.URL.Scheme = t.base.Scheme
	r.URL.Host = t.base.Host
	r.URL.Path = prefix + req.URL.Path
	if req.URL.RawPath != "" {
		r.URL.RawPath = strings.TrimSuffix(t.base.EscapedPath(), "/") + req.URL.RawPath
	}
	r.Host = t.base.Host
	return t.rt.RoundTrip(r)
}

// onlyHost refuses requests to any host but host, so a test that follows a
// URL to the real Discord CDN fails loudly instead of using the network.
func onlyHost(host string, rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		if req.URL.Host != host {
			if req.Body != nil {
				req.Body.Close()
			}
			return nil, fmt.Errorf("discordtest: refusing request to %s: only the fake Discord at %s is reachable", req.URL.Redacted(), host)
		}
		return rt.RoundTrip(req)
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
