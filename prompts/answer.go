package prompts

import (
	"errors"
	"fmt"
	"time"
)

// AnswerInput is what the model needs to answer one question.
type AnswerInput struct {
	Question string
	// Sources are numbered as Refs describes; the answer cites those numbers.
	Sources []Source
	// History holds earlier turns of the conversation, oldest first. Their
	// citation markers are removed: the numbers named other sources.
	History []Turn
	// Language, when set, names the language to answer in (e.g. "German");
	// otherwise the model answers in the language of the question.
	Language string
	// Now is today's date for the model, which cannot know it otherwise.
	Now time.Time
}

type answerView struct {
	AnswerInput
	Numbered []numberedSource
}

// Answer renders the system and user messages that ask the model to answer
// in.Question from in.Sources, citing paragraph numbers.
func Answer(in AnswerInput) ([]Message, error) {
	if in.Question == "" {
		return nil, errors.New("answer prompt: empty question")
	}
	if len(in.Sources) == 0 {
		return nil, errors.New("answer prompt: no sources")
	}
	if err := checkSources(in.Sources); err != nil {
		return nil, fmt.Errorf("answer prompt: %w", err)
	}
	return render("answer", answerView{AnswerInput: in, Numbered: numbered(in.Sources, false)})
}

// RewriteInput is a follow-up question and the conversation it follows.
type RewriteInput struct {
	Question string
	History  []Turn // oldest first
	// Language, when set, is the language of the articles (e.g. "English"):
	// the question is written in it, so a question in another language can
	// be searched. Empty keeps the question's language.
	Language string
	Now      time.Time
}

// Rewrite renders messages that ask the model to turn a follow-up such as
// "and what did Germany say?" into a question that can be searched on its own,
// in the articles' language when Language is set.
// The model replies with the rewritten question only.
func Rewrite(in RewriteInput) ([]Message, error) {
	if in.Question == "" {
		return nil, errors.New("rewrite prompt: empty question")
	}
	return render("rewrite", in)
}
