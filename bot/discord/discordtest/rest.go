package discordtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
)

type handlerFunc func(w http.ResponseWriter, r *http.Request, req *Request)

type requestKey struct{}

// routes lists the REST routes the fake knows, relative to /api/vN.
func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	h := func(pattern string, f handlerFunc) {
		m.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			f(w, r, r.Context().Value(requestKey{}).(*Request))
		})
	}
	h("GET /gateway", s.getGateway)
	h("GET /gateway/bot", s.getGatewayBot)
	h("GET /users/@me", s.getMe)
	h("GET /users/@me/guilds", s.getMyGuilds)
	h("GET /applications/@me", s.getApplication)
	h("GET /oauth2/applications/@me", s.getApplication)

	for _, p := range []string{"/applications/{app}/commands", "/applications/{app}/guilds/{guild}/commands"} {
		h("GET "+p, s.listCommands)
		h("PUT "+p, s.overwriteCommands)
		h("POST "+p, s.createCommand)
		h("GET "+p+"/{command}", s.getCommand)
		h("DELETE "+p+"/{command}", s.deleteCommand)
	}

	h("POST /interactions/{id}/{token}/callback", s.interactionCallback)
	h("POST /webhooks/{app}/{token}", s.createFollowup)
	h("GET /webhooks/{app}/{token}/messages/{message}", s.getWebhookMessage)
	h("PATCH /webhooks/{app}/{token}/messages/{message}", s.editWebhookMessage)
	h("DELETE /webhooks/{app}/{token}/messages/{message}", s.deleteWebhookMessage)

	h("GET /channels/{channel}", s.getChannel)
	h("POST /channels/{channel}/typing", s.typing)
	h("GET /channels/{channel}/messages", s.listMessages)
	h("POST /channels/{channel}/messages", s.createMessage)
	h("GET /channels/{channel}/messages/{message}", s.getMessage)
	h("PATCH /channels/{channel}/messages/{message}", s.editMessage)
	h("DELETE /channels/{channel}/messages/{message}", s.deleteMessage)
	h("PUT /channels/{channel}/messages/{message}/reactions/{emoji}/@me", s.react)
	h("DELETE /channels/{channel}/messages/{message}/reactions/{emoji}/@me", s.react)
	h("POST /channels/{channel}/messages/{message}/threads", s.startThreadFromMessage)
	h("POST /channels/{channel}/threads", s.startThread)
	return m
}

// serveAPI records the request, applies injected delays and faults, checks
// the bot token and hands the request to the route.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	req := Request{Method: r.Method, Query: r.URL.Query(), Header: r.Header.Clone(), Time: time.Now()}
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		req.Status = sw.status
		s.record(req)
	}()

	version, rest, escRest, ok := splitVersion(r.URL)
	req.Version, req.Path = version, rest
	if err := readBody(r, &req); err != nil {
		writeJSON(sw, http.StatusBadRequest, apiError{Message: "400: Bad Request"})
		return
	}
	if !ok || path.Clean(rest) != rest {
		writeJSON(sw, http.StatusNotFound, apiError{Message: "404: Not Found"})
		return
	}
	r2 := r.Clone(context.WithValue(r.Context(), requestKey{}, &req))
	r2.URL.Path, r2.URL.RawPath = rest, escRest
	_, pattern := s.api.Handler(r2)
	req.Route = pattern

	if d := s.delayFor(r.Method, rest); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-s.done:
		case <-r.Context().Done():
		}
		t.Stop()
	}
	if f, ok := s.takeFault(r.Method, rest); ok {
		req.Injected = true
		writeFault(sw, f)
		return
	}
	switch {
	case pattern == "":
		writeJSON(sw, http.StatusNotFound, apiError{Message: "404: Not Found"})
	case needsAuth(pattern) && !s.validRESTAuth(r.Header.Get("Authorization")):
		writeJSON(sw, http.StatusUnauthorized, apiError{Message: "401: Unauthorized"})
	case len(req.Body) > 0 && !json.Valid(req.Body):
		writeJSON(sw, http.StatusBadRequest, apiError{Message: "The request body contains invalid JSON.", Code: 50109})
	default:
		s.api.ServeHTTP(sw, r2)
	}
}

// splitVersion splits "/api/v9/channels/1" into 9 and "/channels/1", also
// in escaped form.
func splitVersion(u *url.URL) (version int, rest, escRest string, ok bool) {
	p := strings.TrimPrefix(u.Path, "/api/")
	v, rest, _ := strings.Cut(p, "/")
	rest = "/" + rest
	switch v {
	case "v9":
		version = 9
	case "v10":
		version = 10
	default:
		return 0, u.Path, "", false
	}
	esc := u.EscapedPath()
	escRest = "/" + strings.TrimPrefix(strings.TrimPrefix(esc, "/api/"+v), "/")
	if escRest == rest {
		escRest = ""
	}
	return version, rest, escRest, true
}

// needsAuth reports whether Discord wants a bot token on the route:
// interaction callbacks and webhooks are authorised by their token in the URL.
func needsAuth(pattern string) bool {
	_, p, _ := strings.Cut(pattern, " ")
	return !strings.HasPrefix(p, "/interactions/") && !strings.HasPrefix(p, "/webhooks/") && p != "/gateway"
}

func (s *Server) validRESTAuth(h string) bool {
	tok, ok := strings.CutPrefix(h, "Bot ")
	return ok && s.validToken(tok)
}

// readBody keeps the JSON body, or for multipart bodies the payload_json
// part and the files.
func readBody(r *http.Request, req *Request) error {
	if r.Body == nil {
		return nil
	}
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		b, err := io.ReadAll(r.Body)
		if len(b) > 0 {
			req.Body = b
		}
		return err
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return err
		}
		if p.FormName() == "payload_json" {
			req.Body = data
			continue
		}
		req.Files = append(req.Files, File{Field: p.FormName(), Name: p.FileName(), ContentType: p.Header.Get("Content-Type"), Data: data})
	}
}

// object decodes the body as a JSON object, numbers kept as json.Number;
// an empty body is an empty object.
func (r *Request) object() (map[string]any, bool) {
	if len(r.Body) == 0 {
		return map[string]any{}, true
	}
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, false
	}
	return m, true
}

// bodyObject answers 400 and returns false when the body is not an object.
func bodyObject(w http.ResponseWriter, req *Request) (map[string]any, bool) {
	m, ok := req.object()
	if !ok {
		writeJSON(w, http.StatusBadRequest, apiError{Message: "Invalid Form Body", Code: 50035})
	}
	return m, ok
}

func writeNotFound(w http.ResponseWriter, what string, code int) {
	writeJSON(w, http.StatusNotFound, apiError{Message: "Unknown " + what, Code: code})
}

// Discord's JSON error codes the fake answers with.
const (
	codeUnknownChannel     = 10003
	codeUnknownMessage     = 10008
	codeUnknownWebhook     = 10015
	codeUnknownCommand     = 10063
	codeUnknownInteraction = 10062
	codeMissingAccess      = 50001
	codeNotAuthor          = 50005
	codeEmptyMessage       = 50006
	codeWrongChannelType   = 50024
	codeInvalidForm        = 50035
	codeAlreadyAcked       = 40060
	codeThreadExists       = 160004
)

func (s *Server) getGateway(w http.ResponseWriter, _ *http.Request, _ *Request) {
	writeJSON(w, http.StatusOK, map[string]any{"url": s.gatewayURL()})
}

func (s *Server) getGatewayBot(w http.ResponseWriter, _ *http.Request, _ *Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"url":    s.gatewayURL(),
		"shards": max(s.cfg.shards, 1),
		"session_start_limit": map[string]any{
			"total": 1000, "remaining": 999, "reset_after": 86400000, "max_concurrency": max(s.cfg.maxConcurrency, 1),
		},
	})
}

func (s *Server) getMe(w http.ResponseWriter, _ *http.Request, _ *Request) {
	u := s.botUserJSON()
	u["verified"] = true
	u["mfa_enabled"] = false
	u["flags"] = 0
	writeJSON(w, http.StatusOK, u)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func writeNoContent(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }

func queryInt(r *http.Request, key string, def int) int {
	if v, err := strconv.Atoi(r.URL.Query().Get(key)); err == nil {
		return v
	}
	return def
}
