package bot

import (
	"context"
	"errors"
	"time"
)

// Observer hears what the core does, for an operator's dashboards: how
// questions end, how long their stages take, what fails. bot/metrics turns
// it into Prometheus series; the core knows nothing of them. Methods are
// called on the request's goroutine, concurrently, and must return at once.
type Observer interface {
	// Asked hears how one question ended.
	Asked(o Outcome)
	// Searched hears how long one search of the library took.
	Searched(d time.Duration)
	// FirstToken hears how long a streamed answer took to its first words.
	FirstToken(d time.Duration)
	// ModelFailed hears one failed model call, by kind: "auth",
	// "not_found", "context_length", "rate_limited", "unavailable",
	// "timeout", "bad_response" or "rejected".
	ModelFailed(kind string)
	// Polled hears one check of a followed feed: its result (one of the
	// Poll… constants) and how many new items it delivered.
	Polled(result string, items int)
}

// Outcome is how one question ended: answered, answered by abstaining
// ("nothing in the articles"), or refused with a reason.
type Outcome struct {
	// Mode is ModeLLM or ModeExtractive; empty when refused.
	Mode string
	// Abstained is set when the answer says the articles hold nothing on
	// the question.
	Abstained bool
	// Refused is why the question got no answer (see Reason); empty when
	// it got one.
	Refused string
	// Took is the time from the question to the answer; 0 when refused.
	Took time.Duration
}

// Results of a feed poll, as Observer.Polled hears them.
const (
	PollNew         = "new"          // new items delivered
	PollNothingNew  = "nothing_new"  // the feed answered, with no new items
	PollNotModified = "not_modified" // the feed answered 304
	PollError       = "error"        // the feed or an item's delivery failed
)

// nopObserver is the Observer when none is given.
type nopObserver struct{}

func (nopObserver) Asked(Outcome)            {}
func (nopObserver) Searched(time.Duration)   {}
func (nopObserver) FirstToken(time.Duration) {}
func (nopObserver) ModelFailed(string)       {}
func (nopObserver) Polled(string, int)       {}

// observerOr returns o, or an Observer that ignores everything.
func observerOr(o Observer) Observer {
	if o == nil {
		return nopObserver{}
	}
	return o
}

// modelKinds names each model failure for metrics.
var modelKinds = map[error]string{
	ErrModelAuth:        "auth",
	ErrModelNotFound:    "not_found",
	errContextLength:    "context_length",
	ErrModelRateLimited: "rate_limited",
	ErrModelUnavailable: "unavailable",
	ErrModelTimeout:     "timeout",
	errModelBadResponse: "bad_response",
	errModelRejected:    "rejected",
}

// Reason names why a request got no answer in a word or two, for metrics
// and logs: "empty_question", "long_question", "not_found",
// "model_timeout", "embedder", "input" (any other mistake in what a person
// gave), "timeout", "canceled", "internal". The set is small and fixed, so
// it can label a time series.
func Reason(err error) string {
	_, reason, _ := errorMessage(err)
	return reason
}

// observeAsk reports how a question ended, and logs it once with the
// request's context (which carries its request id).
func (b *Bot) observeAsk(ctx context.Context, a *Answer, err error, took time.Duration) {
	switch {
	case err != nil:
		reason := Reason(err)
		b.obs.Asked(Outcome{Refused: reason})
		if errors.Is(err, context.Canceled) {
			return // the caller gave up; ErrorMessage logs the rest
		}
		b.log.DebugContext(ctx, "question not answered", "reason", reason)
	case a != nil:
		b.obs.Asked(Outcome{Mode: a.Mode, Abstained: a.Abstained, Took: took})
		b.log.InfoContext(ctx, "answered", "mode", a.Mode, "abstained", a.Abstained, "citations", len(a.Citations), "took", took.Round(time.Millisecond))
	}
}
