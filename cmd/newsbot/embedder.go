package main

import (
	"net/http"

	openai "github.com/sashabaranov/go-openai"

	"github.com/newsbot/newsbot/retrieval"
)

// embedder builds the configured embedder: the built-in local one, or any
// OpenAI-compatible embeddings endpoint.
func (e *env) embedder() (retrieval.Embedder, error) {
	if e.cfg.EmbedModel == "local" {
		return retrieval.NewLocalEmbedder(), nil
	}
	cfg := openai.DefaultConfig(e.cfg.EmbedKey)
	if e.cfg.EmbedBaseURL != "" {
		cfg.BaseURL = e.cfg.EmbedBaseURL
	}
	var rt http.RoundTripper = e.modelTransport()
	if e.metrics != nil {
		rt = e.metrics.EmbedTransport(rt) // counts requests once, however often retried
	}
	cfg.HTTPClient = &http.Client{Transport: rt}
	return retrieval.NewOpenAIEmbedder(e.ctx, openai.NewClientWithConfig(cfg), e.cfg.EmbedModel, 0, e.cfg.EmbedTimeout)
}

// modelTransport is the one retry mechanism of the model endpoints: the
// chat model and the embeddings endpoint retry alike (429 and 5xx, with
// backoff and Retry-After), and a streamed answer is never retried after
// its first token.
func (e *env) modelTransport() *retrieval.RetryTransport {
	return retrieval.NewRetryTransport(nil, e.logger)
}
