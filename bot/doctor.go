package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/newsbot/newsbot/prompts"
	"github.com/newsbot/newsbot/retrieval/fetch"
)

// CheckStatus is how one health check went.
type CheckStatus int

// The outcomes of a check: fine; worth knowing but nothing a person
// needs is broken; broken.
const (
	CheckOK CheckStatus = iota
	CheckWarn
	CheckFail
)

func (s CheckStatus) String() string {
	switch s {
	case CheckOK:
		return "ok"
	case CheckWarn:
		return "warn"
	}
	return "FAIL"
}

// Check is one line of a health report (newsbot doctor): what was checked,
// what was found, and what to do when it is not fine. The adapters and the
// command line add their own checks in the same shape.
type Check struct {
	Name   string
	Status CheckStatus
	Detail string // what was found
	Fix    string // what to do; empty when nothing needs doing
}

// Ping sends the smallest request the model can answer, one token, and
// returns how long the answer took: proof that the endpoint, the key and
// the model name work, at the cost of a token. It sends one request, and
// retries only as the client's transport does. A server that refuses
// max_tokens (OpenAI's reasoning models want max_completion_tokens) is
// asked again the other way.
func (m *Model) Ping(ctx context.Context) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, m.opts.Timeout)
	defer cancel()
	req := m.request([]prompts.Message{{Role: prompts.RoleUser, Content: "Reply with the word OK."}})
	req.MaxTokens = 1
	start := time.Now()
	_, err := m.client.CreateChatCompletion(ctx, req)
	if err != nil && mentionsMaxTokens(err) {
		req.MaxTokens, req.MaxCompletionTokens = 0, 1
		start = time.Now()
		_, err = m.client.CreateChatCompletion(ctx, req)
	}
	if err != nil {
		kind := classify(ctx, err)
		if kind == nil {
			return 0, err
		}
		return 0, fmt.Errorf("%w: %w", kind, err)
	}
	return time.Since(start), nil
}

// mentionsMaxTokens reports whether a 400 answer is about max_tokens.
func mentionsMaxTokens(err error) bool {
	var apiErr *openai.APIError
	return errors.As(err, &apiErr) && apiErr.HTTPStatusCode == 400 && strings.Contains(apiErr.Message, "max_tokens")
}

// FeedProblem is a followed feed that did not answer as a feed.
type FeedProblem struct {
	URL, Scope string
	Err        error
}

// CheckFeeds fetches every feed followed in subs once, as a poll would,
// without loading or remembering anything. It returns how many feeds
// there are and the ones that failed.
func CheckFeeds(ctx context.Context, subs []Subscription, fetcher *fetch.Client) (total int, problems []FeedProblem) {
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		sem = make(chan struct{}, 4)
	)
	for _, sub := range subs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			fctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			if _, err := fetcher.FetchFeed(fctx, sub.URL, fetch.Validators{}); err != nil {
				mu.Lock()
				problems = append(problems, FeedProblem{URL: sub.URL, Scope: sub.Scope, Err: err})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.SortFunc(problems, func(a, b FeedProblem) int { return strings.Compare(a.URL, b.URL) })
	return len(subs), problems
}
