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
	// errContextLength means the prompt is longer than the model's context
	// window; a shorter prompt may succeed.
	errContextLength = errors.New("prompt exceeds the model's context window")
	// ErrModelRateLimited means the endpoint still refused with 429 after the
	// client's retries, asked for a longer wait than allowed, or the quota is
	// spent.
	ErrModelRateLimited = errors.New("model rate limit reached")
	// ErrModelUnavailable means server errors (5xx) after the client's
	// retries, or no connection to the endpoint.
	ErrModelUnavailable = errors.New("model unavailable")
	// ErrModelTimeout means the answer's deadline passed.
	ErrModelTimeout = errors.New("model timed out")
	// errModelBadResponse means the reply was not valid JSON, had no
	// choices, or the stream ended without a finish.
	errModelBadResponse = errors.New("model sent a malformed response")
	// errModelRejected means any other refusal of the request (400, 422, …).
	errModelRejected = errors.New("model rejected the request")
)

// DefaultAnswerTimeout bounds one answer when ModelOptions.Timeout is 0.
// It is the one home of this default: the configuration's answer_timeout
// takes it from here.
const DefaultAnswerTimeout = 60 * time.Second

// ModelOptions tune a Model. The zero value gives the defaults.
type ModelOptions struct {
	// Timeout bounds one answer, the client's retries included; a deadline
	// on the caller's context still applies when it is earlier. Default DefaultAnswerTimeout.
	Timeout time.Duration
	Logger  *slog.Logger
	// Observer hears failed calls by kind and how long streamed answers
	// take to their first words; nil hears nothing.
	Observer Observer
}

// Model is a chat model reached through an OpenAI-compatible API. It is
// safe for concurrent use.
type Model struct {
	client *openai.Client
	name   string
	opts   ModelOptions
	log    *slog.Logger
	obs    Observer
}

// NewModel returns a Model that sends requests for model name through
// client. Retries belong to the client's transport: give it a
// retrieval.RetryTransport, as the embeddings client has, to ride out 429
// and 5xx answers. A retrying transport hands a response up once, so a
// streamed answer is never retried after its first token.
func NewModel(client *openai.Client, name string, opts ModelOptions) *Model {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultAnswerTimeout
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Model{client: client, name: name, opts: opts, log: log.With("model", name), obs: observerOr(opts.Observer)}
}

// Name returns the model name requests are sent for.
func (m *Model) Name() string { return m.name }

// Complete sends msgs and returns the whole reply.
func (m *Model) Complete(ctx context.Context, msgs []prompts.Message) (string, error) {
	var text string
	err := m.call(ctx, func(ctx context.Context) error {
		resp, err := m.client.CreateChatCompletion(ctx, m.request(msgs))
		if err != nil {
			return err
		}
		if len(resp.Choices) == 0 {
			return errors.New("reply has no choices")
		}
		m.checkFinish(ctx, resp.Choices[0].FinishReason)
		text = resp.Choices[0].Message.Content
		return nil
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
// arrived before it.
func (m *Model) Stream(ctx context.Context, msgs []prompts.Message, onDelta func(partial string)) (string, error) {
	var text strings.Builder
	start := time.Now()
	err := m.call(ctx, func(ctx context.Context) error {
		stream, err := m.client.CreateChatCompletionStream(ctx, m.request(msgs))
		if err != nil {
			return err
		}
		defer stream.Close()
		var finish openai.FinishReason
		for {
			chunk, err := stream.Recv()
			if errors.Is(err, io.EOF) {
				if finish == "" {
					return errors.New("stream ended without a finish reason")
				}
				m.checkFinish(ctx, finish)
				return nil
			}
			if err != nil {
				return err
			}
			for _, c := range chunk.Choices {
				if c.Index != 0 {
					continue
				}
				if c.FinishReason != "" {
					finish = c.FinishReason
				}
				if c.Delta.Content != "" {
					if text.Len() == 0 {
						m.obs.FirstToken(time.Since(start))
					}
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
func (m *Model) checkFinish(ctx context.Context, reason openai.FinishReason) {
	if reason != openai.FinishReasonStop && reason != "" {
		m.log.WarnContext(ctx, "model reply ended early", "finish_reason", string(reason))
	}
}

// call runs attempt under the answer's deadline and names its failure with
// one of the Err… kinds.
func (m *Model) call(ctx context.Context, attempt func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, m.opts.Timeout)
	defer cancel()
	err := attempt(ctx)
	if err == nil {
		return nil
	}
	kind := classify(ctx, err)
	if kind == nil {
		return fmt.Errorf("chat completion: %w", err) // the caller gave up
	}
	m.obs.ModelFailed(modelKinds[kind])
	return fmt.Errorf("%w: %w", kind, err)
}

// classify maps a failed attempt to one of the Err… kinds. It returns nil
// when the caller's context was cancelled: that is not the model's failure.
func classify(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		if errors.Is(ctxErr, context.DeadlineExceeded) {
			return ErrModelTimeout
		}
		return nil
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return ErrModelTimeout
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
		return ErrModelUnavailable // no connection, or it broke before an answer
	}
	return errModelBadResponse // JSON syntax, cut body, cut stream
}

// classifyStatus classifies an error answer by status and OpenAI's error
// type and code. Status 0 is an error event inside a stream.
func classifyStatus(status int, typ, code, message string) error {
	msg := strings.ToLower(message)
	switch {
	case code == "context_length_exceeded" || typ == "exceed_context_size_error" ||
		strings.Contains(msg, "context length") || strings.Contains(msg, "context window") ||
		strings.Contains(msg, "context size") || status == http.StatusRequestEntityTooLarge:
		return errContextLength
	case status == http.StatusUnauthorized || status == http.StatusForbidden || code == "invalid_api_key":
		return ErrModelAuth
	case status == http.StatusNotFound || code == "model_not_found":
		return ErrModelNotFound
	case code == "insufficient_quota":
		return ErrModelRateLimited // the quota is spent
	case status == http.StatusTooManyRequests || code == "rate_limit_exceeded":
		return ErrModelRateLimited
	case status >= 500 || status == http.StatusRequestTimeout || (status == 0 && typ == "server_error"):
		return ErrModelUnavailable
	case status == 0:
		return errModelBadResponse
	default:
		return errModelRejected
	}
}
