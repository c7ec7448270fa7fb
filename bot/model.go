package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/newsbot/newsbot/prompts"
)

// Errors from Model, one for each thing a person could be told. Each comes
// wrapped with the detail for the log; test for them with errors.Is.
var (
	// ErrModelAuth means the endpoint refused the API key (401, 403).
	ErrModelAuth = errors.New("model endpoint refused the API key")
	// ErrModelNotFound means the endpoint does not know the model name (404).
	ErrModelNotFound = errors.New("model not found")
	// ErrContextLength means the prompt is longer than the model's context
	// window; a shorter prompt may succeed.
	ErrContextLength = errors.New("prompt exceeds the model's context window")
	// ErrModelRateLimited means the endpoint still refused with 429 after the
	// retries, asked for a longer wait than allowed, or the quota is spent.
	ErrModelRateLimited = errors.New("model rate limit reached")
	// ErrModelUnavailable means server errors (5xx) after the retries, or no
	// connection to the endpoint.
	ErrModelUnavailable = errors.New("model unavailable")
	// ErrModelTimeout means the answer's deadline passed.
	ErrModelTimeout = errors.New("model timed out")
	// ErrModelBadResponse means the reply was not valid JSON, had no
	// choices, or the stream ended without a finish.
	ErrModelBadResponse = errors.New("model sent a malformed response")
	// ErrModelRejected means any other refusal of the request (400, 422, …).
	ErrModelRejected = errors.New("model rejected the request")
)

// Defaults for ModelOptions.
const (
	DefaultModelTimeout = 60 * time.Second
	DefaultMaxRetries   = 3
	defaultBaseDelay    = 500 * time.Millisecond
	defaultMaxDelay     = 20 * time.Second
)

// ModelOptions tune a Model. The zero value gives the defaults.
type ModelOptions struct {
	// Timeout bounds one answer, retries included; a deadline on the
	// caller's context still applies when it is earlier. Default 60 s.
	Timeout time.Duration
	// MaxRetries is how often a rate-limited (429) or failed (5xx, no
	// connection) request is retried before any text arrived. Default 3;
	// negative means never.
	MaxRetries int
	// BaseDelay is the first backoff, doubled per retry; default 500 ms.
	BaseDelay time.Duration
	// MaxDelay caps one wait. A server asking for a longer Retry-After
	// fails at once with ErrModelRateLimited. Default 20 s.
	MaxDelay time.Duration
	Logger   *slog.Logger
}

// Model is a chat model reached through an OpenAI-compatible API. It is
// safe for concurrent use.
type Model struct {
	client *openai.Client
	name   string
	opts   ModelOptions
	log    *slog.Logger
}

// NewModel returns a Model that sends requests for model name through
// client. Build client with RetryAfterTransport to honour Retry-After.
func NewModel(client *openai.Client, name string, opts ModelOptions) *Model {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultModelTimeout
	}
	if opts.MaxRetries == 0 {
		opts.MaxRetries = DefaultMaxRetries
	}
	if opts.MaxRetries < 0 {
		opts.MaxRetries = 0
	}
	if opts.BaseDelay <= 0 {
		opts.BaseDelay = defaultBaseDelay
	}
	if opts.MaxDelay <= 0 {
		opts.MaxDelay = defaultMaxDelay
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Model{client: client, name: name, opts: opts, log: log.With("model", name)}
}

// Name returns the model name requests are sent for.
func (m *Model) Name() string { return m.name }

// Complete sends msgs and returns the whole reply.
func (m *Model) Complete(ctx context.Context, msgs []prompts.Message) (string, error) {
	var text string
	err := m.retry(ctx, func(ctx context.Context) (bool, error) {
		resp, err := m.client.CreateChatCompletion(ctx, m.request(msgs))
		if err != nil {
			return false, err
		}
		if len(resp.Choices) == 0 {
			return false, errors.New("reply has no choices")
		}
		m.checkFinish(resp.Choices[0].FinishReason)
		text = resp.Choices[0].Message.Content
		return false, nil
	})
	if err != nil {
		return "", err
	}
	return text, nil
}

// Stream sends msgs and streams the reply, calling onDelta (when not nil)
// with the text so far each time more arrives. onDelta runs on the calling
// goroutine and should return quickly; throttle slow work such as message
// edits in it. Stream returns the whole reply, or on error the text that
// arrived before it. Requests are retried only while no text has arrived.
func (m *Model) Stream(ctx context.Context, msgs []prompts.Message, onDelta func(partial string)) (string, error) {
	var text strings.Builder
	err := m.retry(ctx, func(ctx context.Context) (bool, error) {
		stream, err := m.client.CreateChatCompletionStream(ctx, m.request(msgs))
		if err != nil {
			return false, err
		}
		defer stream.Close()
		var finish openai.FinishReason
		for {
			chunk, err := stream.Recv()
			if errors.Is(err, io.EOF) {
				if finish == "" {
					return text.Len() > 0, errors.New("stream ended without a finish reason")
				}
				m.checkFinish(finish)
				return true, nil
			}
			if err != nil {
				return text.Len() > 0, err
			}
			for _, c := range chunk.Choices {
				if c.Index != 0 {
					continue
				}
				if c.FinishReason != "" {
					finish = c.FinishReason
				}
				if c.Delta.Content != "" {
					text.WriteString(c.Delta.Content)
					if onDelta != nil {
						onDelta(text.String())
					}
				}
			}
		}
	})
	return text.String(), err
}

func (m *Model) request(msgs []prompts.Message) openai.ChatCompletionRequest {
	req := openai.ChatCompletionRequest{Model: m.name, Messages: make([]openai.ChatCompletionMessage, len(msgs))}
	for i, msg := range msgs {
		req.Messages[i] = openai.ChatCompletionMessage{Role: msg.Role, Content: msg.Content}
	}
	return req
}

// checkFinish logs replies that ended for another reason than a natural
// stop: they are still returned, but may be cut short.
func (m *Model) checkFinish(reason openai.FinishReason) {
	if reason != openai.FinishReasonStop && reason != "" {
		m.log.Warn("model reply ended early", "finish_reason", string(reason))
	}
}

// retry runs attempt under the answer's deadline until it succeeds, fails
// for good, or has been retried MaxRetries times. attempt reports whether
// output already reached the caller, which rules out a retry.
func (m *Model) retry(ctx context.Context, attempt func(context.Context) (started bool, err error)) error {
	ctx, cancel := context.WithTimeout(ctx, m.opts.Timeout)
	defer cancel()
	for n := 0; ; n++ {
		actx, slot := withRetryAfterSlot(ctx)
		started, err := attempt(actx)
		if err == nil {
			return nil
		}
		kind, retryable := classify(ctx, err)
		if kind == nil {
			return fmt.Errorf("chat completion: %w", err) // the caller gave up
		}
		if started || !retryable || n >= m.opts.MaxRetries {
			return fmt.Errorf("%w: %w", kind, err)
		}
		wait := backoff(n, m.opts.BaseDelay, m.opts.MaxDelay)
		if d, ok := slot.get(); ok {
			if d > m.opts.MaxDelay {
				return fmt.Errorf("%w: server asks to wait %v: %w", kind, d, err)
			}
			wait = d + backoff(0, m.opts.BaseDelay/5, m.opts.BaseDelay/5) // a little jitter past the server's time
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return fmt.Errorf("%w: no time left to retry: %w", kind, err)
		}
		m.log.Warn("model request failed, retrying", "attempt", n+1, "wait", wait, "err", err)
		if !sleep(ctx, wait) {
			if kind, _ := classify(ctx, ctx.Err()); kind != nil {
				return fmt.Errorf("%w: %w", kind, err)
			}
			return fmt.Errorf("chat completion: %w", ctx.Err())
		}
	}
}

// classify maps a failed attempt to one of the Err… kinds and says whether
// it is worth retrying. It returns a nil kind when the caller's context was
// cancelled: that is not the model's failure.
func classify(ctx context.Context, err error) (kind error, retryable bool) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		if errors.Is(ctxErr, context.DeadlineExceeded) {
			return ErrModelTimeout, false
		}
		return nil, false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return ErrModelTimeout, false
	}
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		code, _ := apiErr.Code.(string)
		return classifyStatus(apiErr.HTTPStatusCode, apiErr.Type, code, apiErr.Message)
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) {
		return classifyStatus(reqErr.HTTPStatusCode, "", "", string(reqErr.Body))
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return ErrModelUnavailable, true // no connection, or it broke before an answer
	}
	return ErrModelBadResponse, false // JSON syntax, cut body, cut stream
}

// classifyStatus classifies an error answer by status and OpenAI's error
// type and code. Status 0 is an error event inside a stream.
func classifyStatus(status int, typ, code, message string) (kind error, retryable bool) {
	msg := strings.ToLower(message)
	switch {
	case code == "context_length_exceeded" || typ == "exceed_context_size_error" ||
		strings.Contains(msg, "context length") || strings.Contains(msg, "context window") ||
		strings.Contains(msg, "context size") || status == http.StatusRequestEntityTooLarge:
		return ErrContextLength, false
	case status == http.StatusUnauthorized || status == http.StatusForbidden || code == "invalid_api_key":
		return ErrModelAuth, false
	case status == http.StatusNotFound || code == "model_not_found":
		return ErrModelNotFound, false
	case code == "insufficient_quota":
		return ErrModelRateLimited, false // waiting will not help
	case status == http.StatusTooManyRequests || code == "rate_limit_exceeded":
		return ErrModelRateLimited, true
	case status >= 500 || status == http.StatusRequestTimeout || (status == 0 && typ == "server_error"):
		return ErrModelUnavailable, true
	case status == 0:
		return ErrModelBadResponse, false
	default:
		return ErrModelRejected, false
	}
}
