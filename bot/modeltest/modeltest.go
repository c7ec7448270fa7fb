// Package modeltest runs a fake OpenAI-compatible model server on 127.0.0.1
// for tests that use the real go-openai client.
//
// The server speaks the wire format of /v1/chat/completions (JSON and
// server-sent events) and /v1/embeddings, answers from a script of replies
// and faults, and records every request so a test can assert on what the
// model was sent:
//
//	srv := modeltest.New(t)
//	srv.Script(modeltest.RateLimited(time.Second), modeltest.Text("Lavrov asked for talks [1]."))
//	client := srv.Client()
//	// … run the code under test with client …
//	reqs := srv.ChatRequests()
package modeltest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// DefaultReply is the chat reply when neither a script nor SetReply says
// otherwise.
const DefaultReply = "OK"

// DefaultDimensions is the length of embedding vectors unless SetDimensions
// or the request's dimensions field says otherwise.
const DefaultDimensions = 16

// Server is a fake model server. Its methods are safe for concurrent use.
type Server struct {
	srv  *httptest.Server
	done chan struct{} // closed when the test ends, to release hanging handlers

	mu          sync.Mutex
	chatScript  []Response
	embedScript []Response
	reply       func(openai.ChatCompletionRequest) string
	models      map[string]bool // nil: every model name exists
	dims        int
	meanings    map[string]string
	requests    []Request
	seq         int
}

// Request is one request the server received, decoded.
type Request struct {
	Method string
	Path   string
	Time   time.Time // when the request arrived
	Header http.Header
	Body   []byte
	// Chat is the decoded body of a chat completion request, else nil.
	Chat *openai.ChatCompletionRequest
	// Embedding is the decoded body of an embeddings request, else nil.
	Embedding *EmbeddingRequest
}

// EmbeddingRequest is the decoded body of an embeddings request. Input holds
// the texts in request order whichever JSON form the client used.
type EmbeddingRequest struct {
	Model          string
	Input          []string
	Dimensions     int
	EncodingFormat string
}

// New starts a server that is closed when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{done: make(chan struct{}), dims: DefaultDimensions}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	t.Cleanup(func() {
		close(s.done)
		s.srv.Close()
	})
	return s
}

// URL returns the base URL to give an OpenAI client, ending in /v1.
func (s *Server) URL() string { return s.srv.URL + "/v1" }

// Config returns a go-openai client configuration pointed at the server,
// for tests that need to set their own HTTP client.
func (s *Server) Config() openai.ClientConfig {
	cfg := openai.DefaultConfig("test-key")
	cfg.BaseURL = s.URL()
	return cfg
}

// Client returns a go-openai client pointed at the server.
func (s *Server) Client() *openai.Client {
	return openai.NewClientWithConfig(s.Config())
}

// Script queues responses for the next chat completion requests, one
// response per request, in order. When the queue is empty the server
// answers with the reply function.
func (s *Server) Script(rs ...Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chatScript = append(s.chatScript, rs...)
}

// ScriptEmbeddings queues responses for the next embeddings requests. A
// response without a fault status or body serves the computed vectors, so
// Delayed(d, Response{}) slows one batch down.
func (s *Server) ScriptEmbeddings(rs ...Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.embedScript = append(s.embedScript, rs...)
}

// SetReply sets the function that answers chat requests the script does not
// cover, e.g. to echo part of the prompt back.
func (s *Server) SetReply(reply func(req openai.ChatCompletionRequest) string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reply = reply
}

// SetModels limits the model names the server knows; a request for another
// one gets 404 model_not_found, as from OpenAI. Without it every name exists.
func (s *Server) SetModels(names ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.models = make(map[string]bool, len(names))
	for _, n := range names {
		s.models[n] = true
	}
}

// SetSynonyms makes the embeddings read words of one meaning as one:
// each group lists words, lowercase, that embed as its first. Texts that
// say the same in other words then point the same way, as with a neural
// embedding model, which the hashed bag of words alone does not do.
func (s *Server) SetSynonyms(groups ...[]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.meanings == nil {
		s.meanings = map[string]string{}
	}
	for _, g := range groups {
		for _, w := range g {
			s.meanings[w] = g[0]
		}
	}
}

// SetDimensions sets the length of embedding vectors.
func (s *Server) SetDimensions(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dims = n
}

// Requests returns every request received so far, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ChatRequests returns the decoded chat completion requests so far.
func (s *Server) ChatRequests() []openai.ChatCompletionRequest {
	var out []openai.ChatCompletionRequest
	for _, r := range s.Requests() {
		if r.Chat != nil {
			out = append(out, *r.Chat)
		}
	}
	return out
}

// BatchSizes returns the number of inputs of each embeddings request so far.
func (s *Server) BatchSizes() []int {
	var out []int
	for _, r := range s.Requests() {
		if r.Embedding != nil {
			out = append(out, len(r.Embedding.Input))
		}
	}
	return out
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return // the client went away
	}
	rec := Request{Method: r.Method, Path: r.URL.Path, Time: time.Now(), Header: r.Header.Clone(), Body: body}

	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v1/chat/completions":
		var req openai.ChatCompletionRequest
		if err := json.Unmarshal(body, &req); err != nil {
			s.record(rec)
			writeError(w, http.StatusBadRequest, &APIError{Message: "We could not parse the JSON body of your request.", Type: "invalid_request_error"})
			return
		}
		rec.Chat = &req
		s.record(rec)
		s.serveChat(w, r, req)
	case r.Method == http.MethodPost && r.URL.Path == "/v1/embeddings":
		req, err := decodeEmbeddingRequest(body)
		if err != nil {
			s.record(rec)
			writeError(w, http.StatusBadRequest, &APIError{Message: err.Error(), Type: "invalid_request_error"})
			return
		}
		rec.Embedding = &req
		s.record(rec)
		s.serveEmbeddings(w, r, req)
	default:
		s.record(rec)
		writeError(w, http.StatusNotFound, &APIError{Message: "Invalid URL (" + r.Method + " " + r.URL.Path + ")", Type: "invalid_request_error"})
	}
}

func (s *Server) record(r Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r)
}

// next pops the next scripted response from q, if any.
func (s *Server) next(q *[]Response) (Response, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(*q) == 0 {
		return Response{}, false
	}
	r := (*q)[0]
	*q = (*q)[1:]
	return r, true
}

// wait blocks for d, or until the client gives up or the test ends. It
// reports whether the handler should go on.
func (s *Server) wait(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-s.done:
	}
	return false
}

// hang blocks until the client gives up or the test ends.
func (s *Server) hang(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.done:
	}
}

// fault writes r's fault, if it has one, and reports whether it did. It
// handles the parts of a response that are the same for every endpoint:
// delay, hang, an error status, and a raw body.
func (s *Server) fault(w http.ResponseWriter, req *http.Request, r Response) bool {
	if r.Delay > 0 && !s.wait(req, r.Delay) {
		return true
	}
	if r.Hang {
		s.hang(req)
		return true
	}
	for k, vs := range r.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if r.Status >= 300 {
		if r.Body != "" {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(r.Status)
			io.WriteString(w, r.Body)
			return true
		}
		writeError(w, r.Status, r.Error)
		return true
	}
	return false
}

// writeError writes an OpenAI-style error body.
func writeError(w http.ResponseWriter, status int, e *APIError) {
	if e == nil {
		e = &APIError{Message: http.StatusText(status), Type: "server_error"}
	}
	var code any
	if e.Code != "" {
		code = e.Code
	}
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"message": e.Message, "type": e.Type, "param": nil, "code": code,
	}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}
