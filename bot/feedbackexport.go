package bot

import (
	"cmp"
	"context"
	"regexp"
	"strings"
	"time"
)

// FeedbackQuery is a rated question in newsbench's query format (id,
// question, answer, date, gold), so that `newsbot eval --queries` reads it,
// with what the votes said beside it.
//
// Gold follows the votes: the paragraphs an answer cited are gold when
// more readers found it right (👍) than wrong (👎) or badly sourced
// ("wrong source"), it cited any and did not abstain. Otherwise gold is
// empty and the question waits for a person to label it: a 👎 says the
// answer failed but not which paragraph would have answered, and a "wrong
// source" says the cited paragraphs don't hold the answer (they are
// listed under "cited", hard negatives for retrieval).
type FeedbackQuery struct {
	ID string `json:"id"`
	// Question is the question the sources were searched for: a
	// follow-up's rewritten, stand-alone form.
	Question string          `json:"question"`
	Answer   string          `json:"answer"`
	Date     string          `json:"date"` // YYYY-MM-DD, the day it was asked
	Gold     []GoldParagraph `json:"gold"`

	Asked     string          `json:"asked"` // as the person asked it
	Cited     []GoldParagraph `json:"cited"`
	Votes     VoteCounts      `json:"votes"`
	Mode      string          `json:"mode"`
	Abstained bool            `json:"abstained"`
	Scope     string          `json:"scope"`
	AskedAt   time.Time       `json:"asked_at"`
}

// GoldParagraph names a paragraph; Paragraph is 1-based.
type GoldParagraph struct {
	ArticleID string `json:"article_id"`
	Paragraph int    `json:"paragraph"`
}

// VoteCounts count an answer's votes by kind.
type VoteCounts struct {
	Up          int `json:"up"`
	Down        int `json:"down"`
	WrongSource int `json:"wrong_source"`
}

// Export returns the rated questions as evaluation queries, oldest first:
// those with gold paragraphs, or with all every rated question (summaries
// and digests are not questions and are left out).
func (f *Feedback) Export(ctx context.Context, all bool) ([]FeedbackQuery, error) {
	rated, err := f.store.RatedAnswers(ctx)
	if err != nil {
		return nil, err
	}
	out := []FeedbackQuery{}
	for _, a := range rated {
		if a.Kind != KindQuestion {
			continue
		}
		q := feedbackQuery(a)
		if len(q.Gold) > 0 || all {
			out = append(out, q)
		}
	}
	return out, nil
}

func feedbackQuery(a RatedAnswer) FeedbackQuery {
	q := FeedbackQuery{
		ID: "feedback-" + a.ID, Question: cmp.Or(a.Standalone, a.Question), Asked: a.Question,
		Answer: uncite(a.Answer), Date: a.AskedAt.Format(time.DateOnly), Gold: []GoldParagraph{}, Cited: []GoldParagraph{},
		Mode: a.Mode, Abstained: a.Abstained, Scope: a.Scope, AskedAt: a.AskedAt,
	}
	for _, c := range a.Citations {
		q.Cited = append(q.Cited, GoldParagraph{ArticleID: c.ArticleID, Paragraph: c.Paragraph})
	}
	for _, v := range a.Votes {
		switch v.Vote {
		case VoteUp:
			q.Votes.Up++
		case VoteDown:
			q.Votes.Down++
		case VoteWrongSource:
			q.Votes.WrongSource++
		}
	}
	if q.Votes.Up > q.Votes.Down+q.Votes.WrongSource && !a.Abstained && len(q.Cited) > 0 {
		q.Gold = q.Cited
	}
	return q
}

var citationMarker = regexp.MustCompile(`\s*\[\d+\]`)

// uncite removes an answer's [n] markers, which mean nothing without its
// list of sources.
func uncite(s string) string {
	return strings.TrimSpace(citationMarker.ReplaceAllString(s, ""))
}
