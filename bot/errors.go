package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsbot/newsbot/retrieval"
)

// userMessager is an error that carries the sentence a person reads for
// it beside the detail that goes to the log. The packages below bot give
// their errors this method (fetch.Error, fetch.StatusError,
// retrieval.QueryError, …), so bot keeps no list of them and recovers
// nothing by reading err.Error().
type userMessager interface {
	error
	UserMessage() string
}

// UserMessage returns the sentence err carries for a person, capitalised
// and ending in a full stop, or "" when it carries none. Of several in a
// chain the innermost, the most specific, wins.
func UserMessage(err error) string {
	var um userMessager
	if !errors.As(err, &um) {
		return ""
	}
	if inner := UserMessage(errors.Unwrap(um)); inner != "" {
		return inner
	}
	return asSentence(um.UserMessage())
}

// InputError marks a problem with what a person gave the bot — a file, a
// link, a question — whose message is already a sentence for them.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// UserMessage returns the message, which is a sentence for a person.
func (e *InputError) UserMessage() string { return e.Err.Error() }

// ambiguousError is a reference to an article that several headlines
// match; Titles are the first few, to choose from.
type ambiguousError struct {
	Ref    string
	Titles []string
}

func (e *ambiguousError) Error() string {
	return fmt.Sprintf("%v %q: %s", errAmbiguous, e.Ref, e.list())
}

// UserMessage asks which one was meant.
func (e *ambiguousError) UserMessage() string {
	return "Several articles match that — did you mean " + e.list() + "?"
}

func (e *ambiguousError) list() string {
	quoted := make([]string, len(e.Titles))
	for i, t := range e.Titles {
		quoted[i] = "“" + t + "”"
	}
	return strings.Join(quoted, ", ")
}

// Is makes errors.Is(err, errAmbiguous) true.
func (e *ambiguousError) Is(target error) bool { return target == errAmbiguous }

// ErrNotFound is returned when no article matches a reference; an adapter
// adds how to list the library to the core's sentence.
var ErrNotFound = retrieval.ErrNotFound

// ErrClaimed is returned when loaded text claims a stored article's address
// without coming from its site (see retrieval.Store.Add); an adapter adds
// how to ask for a reload to the core's sentence.
var ErrClaimed = retrieval.ErrClaimed

// ErrorMessage is the one place that decides what a person sees when
// something fails: one plain sentence, never a Go error string, and in no
// one front end's words (adapters add their own hints). It logs the full
// error once, with attrs (key, value pairs) that say whose request it was.
func (b *Bot) ErrorMessage(err error, attrs ...any) string {
	msg, _, expected := errorMessage(err)
	if expected {
		b.log.Info("request refused", append([]any{"reason", msg, "err", err}, attrs...)...)
	} else {
		b.log.Error("request failed", append([]any{"err", err}, attrs...)...)
	}
	return msg
}

// errorMessage maps err to a sentence and a reason (see Reason); expected
// is false for failures that are our fault or the servers', which deserve
// an error log.
func errorMessage(err error) (msg, reason string, expected bool) {
	switch {
	case err == nil:
		return "", "", true
	case errors.Is(err, ErrEmptyQuestion):
		return "Please ask a question — the message was empty.", "empty_question", true
	case errors.Is(err, errLongQuestion):
		return "That question is too long — please ask it in under 1,000 characters.", "long_question", true
	case errors.Is(err, ErrNotYours):
		return "That article is in the shared library, which only the bot's owner can change.", "not_yours", true
	case errors.Is(err, retrieval.ErrNotFound):
		return "I can't find that article in the library.", "not_found", true
	case errors.Is(err, ErrModelAuth):
		return "The model server refused the bot's API key — the bot's owner needs to check OPENAI_API_KEY.", "model_auth", false
	case errors.Is(err, ErrModelNotFound):
		return "The model server doesn't know the configured chat model — the bot's owner needs to check NEWSBOT_CHAT_MODEL.", "model_not_found", false
	case errors.Is(err, errContextLength):
		return "The question and its sources were too long for the model — try a shorter question.", "model_context_length", false
	case errors.Is(err, ErrModelRateLimited):
		return "The model is busy right now — try again in a minute.", "model_rate_limited", false
	case errors.Is(err, ErrModelTimeout):
		return "The model didn't answer in time — try again.", "model_timeout", false
	case errors.Is(err, ErrModelUnavailable):
		return "The model server isn't answering right now — try again later.", "model_unavailable", false
	case errors.Is(err, errModelBadResponse):
		return "The model's answer broke off — try again.", "model_bad_response", false
	case errors.Is(err, errModelRejected):
		return "The model refused that request — try asking another way.", "model_rejected", false
	case errors.Is(err, retrieval.ErrEmbedder):
		return "The embeddings server refused the request — the bot's owner needs to check the embeddings settings.", "embedder", false
	case errors.Is(err, ErrUnsupportedFile):
		return fmt.Sprintf("I can't read that kind of file — send %s.", strings.Join(FileTypes, ", ")), "unsupported_file", true
	case UserMessage(err) != "":
		return UserMessage(err), "input", true
	case errors.Is(err, context.DeadlineExceeded):
		return "That took too long and was stopped — try again.", "timeout", false
	case errors.Is(err, context.Canceled):
		return "The bot is shutting down — try again in a moment.", "canceled", false
	}
	return "Something went wrong on my side — it has been logged; please try again.", "internal", false
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
