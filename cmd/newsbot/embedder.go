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
	cfg.HTTPClient = &http.Client{Transport: retrieval.NewRetryTransport(nil, e.logger)}
	return retrieval.NewOpenAIEmbedder(e.ctx, openai.NewClientWithConfig(cfg), e.cfg.EmbedModel, 0, e.cfg.EmbedTimeout)
}
