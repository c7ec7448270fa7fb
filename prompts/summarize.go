package prompts

import (
	"errors"
	"fmt"
	"time"
)

// SummarizeInput is one article, or one part of a long one, to summarize.
type SummarizeInput struct {
	// Article holds the paragraphs to summarize. Citations use each
	// paragraph's own number (Paragraph.N), so summaries of different parts
	// of one article cite compatible numbers.
	Article Source
	// Part and Parts say that Article holds part Part of Parts of a long
	// article (both 1-based); leave them zero for a whole article.
	Part, Parts int
	// Language, when set, names the language to write in; otherwise the
	// summary is in the article's language.
	Language string
	Now      time.Time
}

type summarizeView struct {
	SummarizeInput
	Numbered []numberedSource
}

// Summarize renders messages asking for a few bullet points about one
// article, each ending with the paragraph numbers that support it.
func Summarize(in SummarizeInput) ([]Message, error) {
	if err := checkSources([]Source{in.Article}); err != nil {
		return nil, fmt.Errorf("summarize prompt: %w", err)
	}
	if in.Parts < 0 || in.Part < 0 || in.Part > in.Parts || (in.Parts > 0 && in.Part == 0) {
		return nil, fmt.Errorf("summarize prompt: part %d of %d", in.Part, in.Parts)
	}
	return render("summarize", summarizeView{SummarizeInput: in, Numbered: numbered([]Source{in.Article}, true)})
}

// CombineInput is a set of partial summaries of one long article.
type CombineInput struct {
	// Article gives the header (outlet, title, date); its paragraphs are
	// not shown.
	Article Source
	// Partials are the summaries of consecutive parts, in article order,
	// citing the article's paragraph numbers as Summarize asked them to.
	Partials []string
	Language string
	Now      time.Time
}

// Combine renders messages asking the model to merge partial summaries into
// one summary that keeps their paragraph citations.
func Combine(in CombineInput) ([]Message, error) {
	if len(in.Partials) == 0 {
		return nil, errors.New("combine prompt: no partial summaries")
	}
	in.Article.Paragraphs = nil // the header should not claim a span of paragraphs
	return render("combine", in)
}

// DigestInput is a set of articles to summarize together.
type DigestInput struct {
	// Topic narrows the digest, e.g. "the Ukraine talks"; empty means the
	// main news in the sources.
	Topic string
	// From and To describe the period the articles were chosen from; zero
	// values leave that end open.
	From, To time.Time
	// Sources are numbered as Refs describes.
	Sources  []Source
	Language string
	Now      time.Time
}

type digestView struct {
	DigestInput
	Numbered []numberedSource
}

// Digest renders messages asking for bullet points that summarize what
// several articles report, each bullet citing its paragraphs.
func Digest(in DigestInput) ([]Message, error) {
	if len(in.Sources) == 0 {
		return nil, errors.New("digest prompt: no sources")
	}
	if err := checkSources(in.Sources); err != nil {
		return nil, fmt.Errorf("digest prompt: %w", err)
	}
	return render("digest", digestView{DigestInput: in, Numbered: numbered(in.Sources, false)})
}
