// Package bot is newsbot's transport-free core: it answers questions with
// cited paragraphs, summarizes articles and topics, and loads articles.
// The terminal and the Discord adapter both call it.
package bot

import (
	"log/slog"
	"time"

	"github.com/newsbot/newsbot/retrieval"
	"github.com/newsbot/newsbot/retrieval/fetch"
)

// Options tune a Bot. The zero value gives the defaults.
type Options struct {
	// Sources is how many paragraphs are retrieved for an answer; default 8.
	Sources int
	// ContextWindow is the chat model's window in tokens; 0 looks it up by
	// model name.
	ContextWindow int
	// AnswerReserve is kept free in the window for the answer; default 1024.
	AnswerReserve int
	// MaxQuestion is the longest question accepted, in characters; default
	// 1000.
	MaxQuestion int
	// FeedItems caps how many items of a feed one load takes; default 20.
	FeedItems int
	// MinSimilarity is the cosine similarity of a question's vector and a
	// paragraph's from which the paragraph bears on the question though
	// they share no word, when the embedder is a neural model; default
	// 0.5, about where OpenAI's text-embedding-3 models put a passage on
	// the question's subject. The built-in embedder's vectors are its
	// words, so its similarity says nothing words don't and is not used.
	MinSimilarity float64
	Logger        *slog.Logger
	// Observer hears how questions end and how long searches take; nil
	// hears nothing. Give the Model and the feeds theirs in their options.
	Observer Observer
}

// Bot answers questions about the articles in a store.
type Bot struct {
	store   *retrieval.Store
	model   *Model // nil: answers are extractive
	fetcher *fetch.Client
	tok     *tokenizer
	budget  budget
	log     *slog.Logger
	obs     Observer
	opts    Options
	now     func() time.Time
}

// New returns a Bot over store. model may be nil: the bot then answers with
// quoted sentences instead of a model's prose. fetcher loads URLs.
func New(store *retrieval.Store, model *Model, fetcher *fetch.Client, opts Options) (*Bot, error) {
	if opts.Sources <= 0 {
		opts.Sources = 8
	}
	if opts.AnswerReserve <= 0 {
		opts.AnswerReserve = 1024
	}
	if opts.MaxQuestion <= 0 {
		opts.MaxQuestion = 1000
	}
	if opts.FeedItems <= 0 {
		opts.FeedItems = 20
	}
	if opts.MinSimilarity <= 0 {
		opts.MinSimilarity = 0.5
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	b := &Bot{store: store, model: model, fetcher: fetcher, log: opts.Logger, obs: observerOr(opts.Observer), opts: opts, now: time.Now}
	if model != nil {
		tok, err := newTokenizer(model.Name())
		if err != nil {
			return nil, err
		}
		window := opts.ContextWindow
		if window <= 0 {
			window = contextWindow(model.Name())
		}
		b.tok = tok
		b.budget = budget{Window: window, Reserve: opts.AnswerReserve}
	}
	return b, nil
}
