package discord

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// defaultAPI is Discord's own API host.
var defaultAPI = &url.URL{Scheme: "https", Host: "discord.com"}

// NewSession returns a session, not yet open, for the bot token (with or
// without its "Bot " prefix) that talks to the Discord API at api: nil or
// https://discord.com for Discord itself, else a Discord-compatible
// server. Building the session here keeps discordgo out of the caller.
func NewSession(token string, api *url.URL) (*discordgo.Session, error) {
	s, err := discordgo.New("Bot " + strings.TrimPrefix(token, "Bot "))
	if err != nil {
		return nil, err
	}
	if api == nil {
		api = defaultAPI
	}
	s.Client = &http.Client{Transport: newAPITransport(api, nil)}
	s.LogLevel = discordgo.LogWarning
	return s, nil
}

// connectError says why the bot could not reach the Discord API, naming
// the address it dialled, in one line: never the HTML page a proxy or
// another server answered with, and never discord.com when the session was
// pointed elsewhere.
type connectError struct {
	URL     string // the API's base URL, or the gateway's address
	Gateway bool   // URL is the gateway's
	Reason  string // "connection refused", "GET /api/v9/gateway answered 502 Bad Gateway with an HTML page, not Discord's API"
	Err     error
}

func (e *connectError) Error() string {
	what := "Discord"
	if e.Gateway {
		what = "Discord's gateway"
	}
	return "cannot connect to " + what + " at " + e.URL + ": " + e.Reason
}
func (e *connectError) Unwrap() error { return e.Err }

// newAPITransport sends discordgo's requests for https://discord.com to base
// instead (a Discord-compatible server), keeping path and query. discordgo
// builds its URLs from package-level variables; rewriting in the session's
// own transport points one session elsewhere without touching them, and the
// gateway URL follows from the server's /gateway answer.
//
// Failures to connect come back as *connectError naming base, and so does
// an answer to the gateway lookup that is not Discord's (an HTML error
// page, a 5xx): discordgo would otherwise retry it and quote its body.
func newAPITransport(base *url.URL, rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	return &apiTransport{base: base, rt: rt}
}

type apiTransport struct {
	base *url.URL
	rt   http.RoundTripper
}

func (t *apiTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req
	if req.URL.Scheme == "https" && strings.EqualFold(req.URL.Host, "discord.com") && *t.base != *defaultAPI {
		r = req.Clone(req.Context())
		r.URL.Scheme, r.URL.Host, r.Host = t.base.Scheme, t.base.Host, t.base.Host
		r.URL.Path = strings.TrimSuffix(t.base.Path, "/") + req.URL.Path
		r.URL.RawPath = ""
	}
	resp, err := t.rt.RoundTrip(r)
	if err != nil {
		if req.Context().Err() != nil {
			return nil, err
		}
		return nil, &connectError{URL: t.base.String(), Reason: netReason(err), Err: err}
	}
	if isGatewayLookup(r) && (resp.StatusCode < 200 || resp.StatusCode > 299) && (!isJSON(resp) || resp.StatusCode >= 500) {
		resp.Body.Close()
		what := "an answer"
		if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct == "text/html" {
			what = "an HTML page"
		}
		return nil, &connectError{URL: t.base.String(),
			Reason: fmt.Sprintf("%s %s answered %s with %s, not Discord's API", r.Method, r.URL.Path, resp.Status, what)}
	}
	return resp, nil
}

// isGatewayLookup reports whether r asks for the gateway's address: the
// first request a connecting bot makes.
func isGatewayLookup(r *http.Request) bool {
	return r.Method == http.MethodGet && (strings.HasSuffix(r.URL.Path, "/gateway") || strings.HasSuffix(r.URL.Path, "/gateway/bot"))
}

func isJSON(resp *http.Response) bool {
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return ct == "application/json"
}

// netReason says in a few words why a connection failed, without the URL
// that net/http puts in front (which would name discord.com).
func netReason(err error) string {
	var dns *net.DNSError
	var cert *tls.CertificateVerificationError
	var rec tls.RecordHeaderError
	var op *net.OpError
	switch {
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return "no such host " + dns.Name
		}
		return "cannot look up " + dns.Name + ": " + dns.Err
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused (is the server running, and the port right?)"
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &op) && op.Timeout()):
		return "timed out"
	case errors.As(err, &cert):
		return "its TLS certificate is not trusted: " + cert.Err.Error()
	case errors.As(err, &rec):
		return "it does not speak TLS (use http:// for a plain-HTTP server)"
	case errors.Is(err, syscall.ECONNRESET):
		return "the connection was reset"
	}
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

// openError explains why the session could not connect: a refused token or
// intent, or a host that is not there or not Discord. It names the address
// actually dialled.
func openError(s *discordgo.Session, err error) error {
	var conn *connectError
	var rest *discordgo.RESTError
	var closed *websocket.CloseError
	var op *net.OpError
	switch {
	case errors.As(err, &conn):
		return conn
	case errors.As(err, &closed) && closed.Code == 4004:
		return errors.New("Discord refused the bot token: check DISCORD_TOKEN (it may have been reset in the developer portal)")
	case errors.As(err, &closed) && closed.Code == 4014:
		return errors.New("Discord refused the Message Content intent: enable it for the bot in the developer portal (Bot → Privileged Gateway Intents)")
	case errors.As(err, &closed) && closed.Code == 4011:
		return errors.New("Discord requires this bot to run in shards (it is in too many servers for one connection): set NEWSBOT_SHARDS=auto, or split the shards among processes with ids out of a count such as 0-1/4")
	case errors.As(err, &closed) && closed.Code == 4010:
		return fmt.Errorf("Discord refused shard %d of %d: check NEWSBOT_SHARDS (ids start at 0 and stay below the count)", s.ShardID, s.ShardCount)
	case errors.As(err, &closed):
		return fmt.Errorf("Discord's gateway closed the connection (%d %s)", closed.Code, closed.Text)
	case errors.As(err, &rest) && rest.Response != nil && rest.Response.StatusCode == http.StatusUnauthorized:
		return errors.New("Discord refused the bot token: check DISCORD_TOKEN (it may have been reset in the developer portal)")
	case errors.As(err, &rest) && rest.Response != nil:
		reason := fmt.Sprintf("%s %s answered %s", rest.Request.Method, rest.Request.URL.Path, rest.Response.Status)
		if rest.Message != nil && rest.Message.Message != "" {
			reason += ": " + rest.Message.Message
		}
		return &connectError{URL: apiBase(s), Reason: reason, Err: err}
	case errors.Is(err, websocket.ErrBadHandshake):
		return &connectError{URL: apiBase(s), Reason: "its gateway refused the websocket handshake", Err: err}
	case errors.As(err, &op) && op.Op == "dial" && op.Addr != nil:
		return &connectError{URL: op.Addr.String(), Gateway: true, Reason: netReason(err), Err: err}
	}
	return fmt.Errorf("connect to Discord at %s: %w", apiBase(s), err)
}

// apiBase is the API host the session talks to.
func apiBase(s *discordgo.Session) string {
	if t, ok := s.Client.Transport.(*apiTransport); ok {
		return t.base.String()
	}
	return defaultAPI.String()
}
