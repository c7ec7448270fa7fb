package discordtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

// Request is one REST request the fake answered, kept so tests can assert on
// what the bot sent rather than on how it is built.
type Request struct {
	Method  string
	Path    string // after the version prefix: "/channels/123/messages"
	Version int    // API version from the URL: 9 or 10
	Query   url.Values
	Header  http.Header
	Body    json.RawMessage // JSON body; for multipart bodies the payload_json part
	Files   []File          // multipart file parts, in order
	// Route is the pattern that matched, such as
	// "POST /channels/{channel}/messages"; empty for unknown routes.
	Route    string
	Status   int       // status the fake answered
	Injected bool      // answered by an injected fault (FailNext, RateLimitNext)
	Time     time.Time // when the request arrived
}

// File is a file uploaded in a multipart request.
type File struct {
	Field       string // form field, such as "files[0]"
	Name        string
	ContentType string
	Data        []byte
}

// Decode unmarshals the request body into v.
func (r Request) Decode(v any) error {
	if len(r.Body) == 0 {
		return fmt.Errorf("decode %s %s: empty body", r.Method, r.Path)
	}
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("decode %s %s: %w", r.Method, r.Path, err)
	}
	return nil
}

// JSON returns the body as a generic JSON object (nil if it is not one), for
// assertions on fields that discordgo's own types would hide, such as the
// difference between "parse": [] and a missing allowed_mentions.
func (r Request) JSON() map[string]any {
	var m map[string]any
	if json.Unmarshal(r.Body, &m) != nil {
		return nil
	}
	return m
}

// Is reports whether the request has this method ("" or "*" for any) and a
// path that matches pattern as path.Match does: "*" stands for one segment,
// as in "/webhooks/*/*/messages/@original".
func (r Request) Is(method, pattern string) bool {
	return matchRoute(method, pattern, r.Method, r.Path)
}

// Match returns a predicate for WaitFor and Filter that is true for requests
// r where r.Is(method, pattern).
func Match(method, pattern string) func(Request) bool {
	return func(r Request) bool { return r.Is(method, pattern) }
}

func matchRoute(method, pattern, gotMethod, gotPath string) bool {
	if method != "" && method != "*" && !strings.EqualFold(method, gotMethod) {
		return false
	}
	ok, err := path.Match(pattern, gotPath)
	return err == nil && ok
}

// Requests returns every REST request in the order the fake answered them.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Filter returns the requests for which keep is true, in order.
func (s *Server) Filter(keep func(Request) bool) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// Unmatched returns the requests to routes the fake does not know, which a
// test usually expects to be none: each is a call Discord would refuse too,
// or a route the fake still lacks.
func (s *Server) Unmatched() []Request {
	return s.Filter(func(r Request) bool { return r.Route == "" })
}

// WaitFor blocks until a request for which match is true has been answered
// and returns the first such request, including ones answered before the call.
func (s *Server) WaitFor(ctx context.Context, match func(Request) bool) (Request, error) {
	rs, err := s.WaitForN(ctx, 1, match)
	if err != nil {
		return Request{}, err
	}
	return rs[0], nil
}

// WaitForN blocks until n requests for which match is true have been
// answered and returns the first n of them.
func (s *Server) WaitForN(ctx context.Context, n int, match func(Request) bool) ([]Request, error) {
	if n <= 0 {
		return nil, nil
	}
	var found []Request
	err := s.waitUntil(ctx, func() bool {
		found = found[:0]
		for _, r := range s.requests {
			if match(r) {
				found = append(found, r)
				if len(found) == n {
					return true
				}
			}
		}
		return false
	})
	if err != nil {
		return nil, fmt.Errorf("wait for %d matching requests (have %d): %w", n, len(found), err)
	}
	return found, nil
}

func (s *Server) record(r Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r)
	s.notifyLocked()
}
