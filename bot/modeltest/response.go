package modeltest

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// Response is one scripted answer: a reply, or a fault. The zero value is a
// successful reply made by the server's reply function.
type Response struct {
	// Status is the HTTP status; 0 means 200. With a status of 300 or more
	// the server sends Error (or Body) instead of a reply.
	Status int
	// Error is the body of an error response, in OpenAI's format.
	Error *APIError
	// Header holds extra response headers, such as Retry-After.
	Header http.Header

	// Text is the reply. Empty means: ask the reply function.
	Text string
	// Chunks, when set, are the content deltas of a streamed reply; by
	// default Text is split after each space.
	Chunks []string
	// FinishReason ends the reply; empty means "stop".
	FinishReason string
	// ChunkDelay is the pause before each streamed content chunk.
	ChunkDelay time.Duration

	// Body, when set, is sent instead of a well-formed answer: raw for a
	// JSON request or an error status, as the data of one event for a
	// streamed one. Use it for malformed responses.
	Body string
	// Delay is the pause before answering at all.
	Delay time.Duration
	// Hang makes the server never answer: the handler returns only when
	// the client gives up or the test ends.
	Hang bool
	// Cut closes the connection of a streamed reply after After content
	// chunks, without a finish reason or [DONE].
	Cut bool
	// Stall stops a streamed reply after After content chunks and keeps
	// the connection open until the client gives up.
	Stall bool
	// After is the number of content chunks sent before a Cut or Stall.
	After int
}

// APIError is the "error" object of an OpenAI error response.
type APIError struct {
	Message string
	Type    string
	Code    string // empty is sent as null
}

// Text returns a successful reply.
func Text(s string) Response { return Response{Text: s} }

// Chunks returns a successful reply streamed as exactly these deltas.
func Chunks(parts ...string) Response {
	var text string
	for _, p := range parts {
		text += p
	}
	return Response{Text: text, Chunks: parts}
}

// Fault returns an error response with an OpenAI-style body.
func Fault(status int, typ, code, message string) Response {
	return Response{Status: status, Error: &APIError{Message: message, Type: typ, Code: code}}
}

// Unauthorized is OpenAI's answer to a wrong API key.
func Unauthorized() Response {
	return Fault(http.StatusUnauthorized, "invalid_request_error", "invalid_api_key",
		"Incorrect API key provided: sk-test. You can find your API key at https://platform.openai.com/account/api-keys.")
}

// ModelNotFound is OpenAI's answer to an unknown model name.
func ModelNotFound(model string) Response {
	return Fault(http.StatusNotFound, "invalid_request_error", "model_not_found",
		fmt.Sprintf("The model `%s` does not exist or you do not have access to it.", model))
}

// RateLimited is a 429 that asks the client to wait retryAfter, sent in
// whole seconds (rounded up) in the Retry-After header. A zero retryAfter
// sends no header.
func RateLimited(retryAfter time.Duration) Response {
	r := Fault(http.StatusTooManyRequests, "requests", "rate_limit_exceeded",
		"Rate limit reached for requests. Please try again later.")
	if retryAfter > 0 {
		secs := int(math.Ceil(retryAfter.Seconds()))
		r.Header = http.Header{"Retry-After": {strconv.Itoa(secs)}}
	}
	return r
}

// ServerError is a 500 as OpenAI sends it.
func ServerError() Response {
	return Fault(http.StatusInternalServerError, "server_error", "",
		"The server had an error while processing your request. Sorry about that!")
}

// ContextLengthExceeded is OpenAI's answer to a prompt longer than the
// model's context window.
func ContextLengthExceeded() Response {
	return Fault(http.StatusBadRequest, "invalid_request_error", "context_length_exceeded",
		"This model's maximum context length is 16385 tokens. However, your messages resulted in 20000 tokens. Please reduce the length of the messages.")
}

// Hang never answers; the handler returns once the client gives up.
func Hang() Response { return Response{Hang: true} }

// Delayed returns r sent after d; the wait ends early if the client gives up.
func Delayed(d time.Duration, r Response) Response {
	r.Delay = d
	return r
}

// Malformed is a 200 whose body is not valid JSON.
func Malformed() Response {
	return Response{Body: `{"id": "chatcmpl-broken", "choices": [{"message": {"content": "Lav`}
}

// CutStream streams text word by word and closes the connection after
// `after` content chunks, without a finish reason or [DONE]. Sent to a
// request without stream: true, it cuts the JSON body short instead.
func CutStream(text string, after int) Response {
	return Response{Text: text, Cut: true, After: after}
}

// StallStream streams text word by word, then after `after` content chunks
// sends nothing more until the client gives up.
func StallStream(text string, after int) Response {
	return Response{Text: text, Stall: true, After: after}
}
