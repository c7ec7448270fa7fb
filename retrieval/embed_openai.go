package retrieval

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Batch limits for embedding requests: as many paragraphs per request as
// OpenAI takes (2,048 inputs), within a byte budget that keeps a request
// under its 300,000 tokens (a token is at least one byte) and under the
// body limits of smaller servers. A server that still finds a batch too
// large says so, and the batch is split (see embedBatchTooLarge).
const (
	embedBatchTexts = 2048
	embedBatchBytes = 300_000
)

// openAIEmbedder embeds through any OpenAI-compatible embeddings endpoint
// (OpenAI, Ollama's /v1, vLLM, LM Studio, llama.cpp server), sending many
// texts per request. Give its client a RetryTransport to ride out 429 and
// 5xx answers.
type openAIEmbedder struct {
	client  *openai.Client
	model   string
	dims    int
	timeout time.Duration

	// maxTexts is the largest batch the server has accepted since it
	// refused a larger one; 0 means embedBatchTexts.
	maxTexts atomic.Int64
}

// defaultEmbedTimeout bounds one embeddings request, retries included.
const defaultEmbedTimeout = 60 * time.Second

// NewOpenAIEmbedder returns an embedder for model. dims is the size of the
// model's vectors; 0 asks the server once, with a probe request. timeout
// bounds each request, retries included (0 means defaultEmbedTimeout): a
// server that accepts the connection and then says nothing fails the
// request instead of hanging it.
func NewOpenAIEmbedder(ctx context.Context, client *openai.Client, model string, dims int, timeout time.Duration) (Embedder, error) {
	e, err := newOpenAIEmbedder(ctx, client, model, dims, timeout)
	if err != nil {
		return nil, err // not a nil *openAIEmbedder in a non-nil Embedder
	}
	return e, nil
}

// newOpenAIEmbedder is NewOpenAIEmbedder, returning the concrete type to
// this package's tests.
func newOpenAIEmbedder(ctx context.Context, client *openai.Client, model string, dims int, timeout time.Duration) (*openAIEmbedder, error) {
	if timeout <= 0 {
		timeout = defaultEmbedTimeout
	}
	e := &openAIEmbedder{client: client, model: model, dims: dims, timeout: timeout}
	if dims == 0 {
		v, err := e.Embed(ctx, []string{"dimension probe"})
		if err != nil {
			return nil, err
		}
		e.dims = len(v[0])
	}
	return e, nil
}

// Info implements Embedder.
func (e *openAIEmbedder) Info() EmbedderInfo {
	return EmbedderInfo{Provider: "openai", Model: e.model, Dimensions: e.dims}
}

// Embed implements Embedder.
func (e *openAIEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); {
		limit := embedBatchTexts
		if m := int(e.maxTexts.Load()); m > 0 {
			limit = m
		}
		end, size := start, 0
		for end < len(texts) && end-start < limit && (end == start || size+len(texts[end]) <= embedBatchBytes) {
			size += len(texts[end])
			end++
		}
		vecs, err := e.embedBatch(ctx, texts[start:end])
		if n := end - start; err != nil && n > 1 && embedBatchTooLarge(err) {
			// Halve the batch and remember the size for the next ones.
			e.maxTexts.Store(int64(n / 2))
			continue
		}
		if err != nil {
			return nil, embedError(e.model, err)
		}
		out = append(out, vecs...)
		start = end
	}
	return out, nil
}

// embedBatchTooLarge reports whether the server refused a request for its
// size: 413, or a 400 whose message speaks of too many inputs or tokens
// (OpenAI: "'$.input' is too long. Expected a maximum length of 2048",
// "Requested 312000 tokens, max 300000 tokens per request").
func embedBatchTooLarge(err error) bool {
	status, msg := 0, ""
	var api *openai.APIError
	if errors.As(err, &api) {
		status, msg = api.HTTPStatusCode, api.Message
	}
	var req *openai.RequestError
	if errors.As(err, &req) {
		status = req.HTTPStatusCode
		msg = string(req.Body)
	}
	switch status {
	case http.StatusRequestEntityTooLarge:
		return true
	case http.StatusBadRequest:
		return tooLargeWords.MatchString(msg)
	}
	return false
}

var tooLargeWords = regexp.MustCompile(`(?i)too (long|large|many)|maximum|max \d+|exceed|batch size|limit`)

func (e *openAIEmbedder) embedBatch(ctx context.Context, texts []string) ([][]float32, error) {
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	resp, err := e.client.CreateEmbeddings(ctx, openai.EmbeddingRequestStrings{
		Input: texts,
		Model: openai.EmbeddingModel(e.model),
	})
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return nil, fmt.Errorf("the embeddings endpoint did not answer within %s: %w", e.timeout, ctx.Err())
		}
		return nil, err
	}
	if len(resp.Data) != len(texts) {
		return nil, fmt.Errorf("embeddings endpoint returned %d vectors for %d texts", len(resp.Data), len(texts))
	}
	out := make([][]float32, len(texts))
	for _, d := range resp.Data {
		if d.Index < 0 || d.Index >= len(texts) || out[d.Index] != nil {
			return nil, fmt.Errorf("embeddings endpoint returned a bad index %d", d.Index)
		}
		if e.dims != 0 && len(d.Embedding) != e.dims {
			return nil, fmt.Errorf("embeddings endpoint returned %d dimensions, want %d", len(d.Embedding), e.dims)
		}
		out[d.Index] = d.Embedding
	}
	return out, nil
}

// ErrEmbedder marks failures of the embeddings endpoint a person can fix:
// a wrong key, an unknown model.
var ErrEmbedder = errors.New("embeddings endpoint")

func embedError(model string, err error) error {
	var api *openai.APIError
	status := 0
	if errors.As(err, &api) {
		status = api.HTTPStatusCode
	}
	var req *openai.RequestError
	if errors.As(err, &req) {
		status = req.HTTPStatusCode
	}
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Errorf("%w refused the API key (check NEWSBOT_EMBED_API_KEY or OPENAI_API_KEY): %w", ErrEmbedder, err)
	case http.StatusNotFound:
		return fmt.Errorf("%w does not know the model %q (check NEWSBOT_EMBED_MODEL): %w", ErrEmbedder, model, err)
	}
	return fmt.Errorf("embed: %w", err)
}
