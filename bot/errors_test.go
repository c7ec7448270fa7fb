package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/retrieval"
	"github.com/newsbot/newsbot/retrieval/fetch"
)

// Every error a person can meet reads as one plain sentence, with none of
// the wrapped detail that goes to the log.
func TestErrorMessageIsOneSentence(t *testing.T) {
	detail := "status code: 500, internal: boom"
	tests := []struct {
		err      error
		want     string
		expected bool
		reason   string // its label in metrics, from a small fixed set
	}{
		{ErrEmptyQuestion, "ask a question", true, "empty_question"},
		{fmt.Errorf("%w: 5000 characters", errLongQuestion), "too long", true, "long_question"},
		{&ambiguousError{Ref: "c", Titles: []string{"A", "B"}}, "did you mean “A”, “B”?", true, "input"},
		{fmt.Errorf("article x: %w", retrieval.ErrNotFound), "can't find that article", true, "not_found"},
		{fmt.Errorf("search: %w", &retrieval.QueryError{Reason: "k must be between 1 and 50"}), "K must be between 1 and 50.", true, "input"},
		{fmt.Errorf("chat: %w: %s", ErrModelAuth, detail), "API key", false, "model_auth"},
		{fmt.Errorf("chat: %w: %s", ErrModelNotFound, detail), "NEWSBOT_CHAT_MODEL", false, "model_not_found"},
		{fmt.Errorf("chat: %w: %s", errContextLength, detail), "too long for the model", false, "model_context_length"},
		{fmt.Errorf("chat: %w: %s", ErrModelRateLimited, detail), "busy", false, "model_rate_limited"},
		{fmt.Errorf("chat: %w: %s", ErrModelTimeout, detail), "in time", false, "model_timeout"},
		{fmt.Errorf("chat: %w: %s", ErrModelUnavailable, detail), "isn't answering", false, "model_unavailable"},
		{fmt.Errorf("chat: %w: %s", errModelBadResponse, detail), "broke off", false, "model_bad_response"},
		{fmt.Errorf("fetch x: %w", fetch.ErrBlockedAddress), "private or local network", true, "input"},
		{fmt.Errorf("fetch x: %w", &fetch.StatusError{StatusCode: 404}), "The site answered 404 Not Found.", true, "input"},
		{fmt.Errorf("read: %w", &fetch.NotArticleError{Reason: "it looks like a paywall stub"}), "paywall", true, "input"},
		{fmt.Errorf("%w \".docx\"", ErrUnsupportedFile), ".pdf", true, "unsupported_file"},
		{&InputError{errors.New("the file is empty")}, "The file is empty.", true, "input"},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), "too long", false, "timeout"},
		{errors.New("open /data/index: " + detail), "Something went wrong on my side", false, "internal"},
	}
	for _, tt := range tests {
		msg, reason, expected := errorMessage(tt.err)
		if !strings.Contains(msg, tt.want) || expected != tt.expected {
			t.Errorf("%v: got %q (expected %v), want it to contain %q (expected %v)", tt.err, msg, expected, tt.want, tt.expected)
		}
		if reason != tt.reason || Reason(tt.err) != tt.reason {
			t.Errorf("%v: reason %q, want %q", tt.err, reason, tt.reason)
		}
		if strings.Contains(msg, "status code") || strings.Contains(msg, "boom") || strings.Contains(msg, "\n") {
			t.Errorf("%v: internal detail reached the person: %q", tt.err, msg)
		}
		if first := []rune(msg)[0]; first < 'A' || first > 'Z' {
			t.Errorf("%q does not start with a capital", msg)
		}
	}
}
