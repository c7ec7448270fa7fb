package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsbot/newsbot/retrieval"
	"github.com/newsbot/newsbot/retrieval/fetch"
)

// InputError marks a problem with what a person gave the bot — a file, a
// link, a question — whose message is already a sentence for them.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// ErrorMessage is the one place that decides what a person sees when
// something fails: one plain sentence, never a Go error string. It logs the
// full error once.
func (b *Bot) ErrorMessage(err error) string {
	msg, expected := errorMessage(err)
	if expected {
		b.log.Info("request refused", "reason", msg, "err", err)
	} else {
		b.log.Error("request failed", "err", err)
	}
	return msg
}

// errorMessage maps err to a sentence; expected is false for failures that
// are our fault or the servers', which deserve an error log.
func errorMessage(err error) (msg string, expected bool) {
	var status *fetch.StatusError
	var notArticle *fetch.NotArticleError
	var input *InputError
	fetchErr := fetchSentinel(err)
	switch {
	case err == nil:
		return "", true
	case errors.Is(err, ErrEmptyQuestion):
		return "Please ask a question — the message was empty.", true
	case errors.Is(err, ErrLongQuestion):
		return "That question is too long — please ask it in under 1,000 characters.", true
	case errors.Is(err, ErrAmbiguous):
		_, list, _ := strings.Cut(err.Error(), ": ")
		return "Several articles match that — did you mean " + list + "?", true
	case errors.Is(err, ErrNotYours):
		return "That article is in the shared library, which only the bot's owner can change.", true
	case errors.Is(err, retrieval.ErrNotFound):
		return "I can't find that article in this server's library — check the name with /articles.", true
	case errors.Is(err, retrieval.ErrBadQuery):
		return asSentence(strings.TrimPrefix(err.Error(), retrieval.ErrBadQuery.Error()+": ")), true
	case errors.Is(err, ErrModelAuth):
		return "The model server refused the bot's API key — the bot's owner needs to check OPENAI_API_KEY.", false
	case errors.Is(err, ErrModelNotFound):
		return "The model server doesn't know the configured chat model — the bot's owner needs to check NEWSBOT_CHAT_MODEL.", false
	case errors.Is(err, ErrContextLength):
		return "The question and its sources were too long for the model — try a shorter question.", false
	case errors.Is(err, ErrModelRateLimited):
		return "The model is busy right now — try again in a minute.", false
	case errors.Is(err, ErrModelTimeout):
		return "The model didn't answer in time — try again.", false
	case errors.Is(err, ErrModelUnavailable):
		return "The model server isn't answering right now — try again later.", false
	case errors.Is(err, ErrModelBadResponse):
		return "The model's answer broke off — try again.", false
	case errors.Is(err, ErrModelRejected):
		return "The model refused that request — try asking another way.", false
	case errors.Is(err, retrieval.ErrEmbedder):
		return "The embeddings server refused the request — the bot's owner needs to check the embeddings settings.", false
	case errors.As(err, &notArticle):
		return asSentence(notArticle.Error()), true
	case errors.As(err, &status):
		return asSentence(status.Error()), true
	case errors.Is(err, ErrUnsupportedFile):
		return fmt.Sprintf("I can't read that kind of file — send %s.", strings.Join(FileTypes, ", ")), true
	case errors.As(err, &input):
		return asSentence(input.Error()), true
	case fetchErr != nil:
		return asSentence(fetchErr.Error()), true
	case errors.Is(err, context.DeadlineExceeded):
		return "That took too long and was stopped — try again.", false
	case errors.Is(err, context.Canceled):
		return "The bot is shutting down — try again in a moment.", false
	}
	return "Something went wrong on my side — it has been logged; please try again.", false
}

// fetchSentinels are the fetcher's errors; each one's text is already a
// sentence for people.
var fetchSentinels = []error{fetch.ErrInvalidURL, fetch.ErrBlockedAddress, fetch.ErrTooLarge, fetch.ErrUnsupportedType,
	fetch.ErrNotArticle, fetch.ErrNotFeed, fetch.ErrTooManyRedirects, fetch.ErrTimeout,
	ErrDuplicateSubscription, ErrSubscriptionNotFound}

// fetchSentinel returns the fetcher sentinel err matches, or nil.
func fetchSentinel(err error) error {
	for _, s := range fetchSentinels {
		if errors.Is(err, s) {
			return s
		}
	}
	return nil
}

// asSentence capitalises s and ends it with a full stop.
func asSentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		s += "."
	}
	return s
}
