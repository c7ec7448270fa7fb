package bot

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
)

// RequestIDKey is the log attribute that names the request a line belongs
// to: every line logged with a request's context carries it, from the
// moment an adapter receives a question to its answer, so an operator can
// follow one question through the log with one grep.
const RequestIDKey = "request_id"

type requestIDKey struct{}

// NewRequestID returns a fresh request id: 16 hex digits, unique enough to
// tell a day's questions apart.
func NewRequestID() string {
	return fmt.Sprintf("%016x", rand.Uint64())
}

// WithRequestID returns ctx carrying the request id, for LogHandler to add
// to every line logged with it.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id ctx carries, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// LogHandler wraps h so that a record logged with a context (InfoContext,
// …) carries that context's request id. The code that logs passes its ctx
// and nothing else: packages below bot get the id without knowing of it.
func LogHandler(h slog.Handler) slog.Handler { return requestHandler{h} }

type requestHandler struct{ slog.Handler }

func (h requestHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String(RequestIDKey, id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestHandler) WithGroup(name string) slog.Handler {
	return requestHandler{h.Handler.WithGroup(name)}
}
