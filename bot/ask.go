package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/newsbot/newsbot/prompts"
	"github.com/newsbot/newsbot/retrieval"
)

// Question is one question put to the bot.
type Question struct {
	Text string
	// Scope is GlobalScope or the guild the question comes from; it sees
	// its own articles and the global ones.
	Scope string
	// ArticleID, when set, restricts the answer to one article.
	ArticleID string
	// History holds the earlier turns of the conversation, oldest first; a
	// follow-up question is rewritten with them before retrieval.
	History []Turn
	// Now is when the question is asked: "this week" and "latest" count
	// from it, and newer articles are preferred. Zero means the bot's
	// clock; the terminal's --as-of sets it.
	Now time.Time
	// Status, when not nil, hears what the bot is doing: PhaseSearching,
	// then PhaseWriting when a model starts writing the answer.
	Status func(phase string)
}

// Phases of an answer, as Question.Status and SummaryRequest.Status hear
// them; a terminal shows them while it waits.
const (
	PhaseSearching = "searching"
	PhaseWriting   = "writing"
)

// report returns status, or a func that does nothing.
func report(status func(string)) func(string) {
	if status == nil {
		return func(string) {}
	}
	return status
}

// Turn is one earlier exchange of a conversation: a question and the
// answer it got.
type Turn struct {
	Question string
	Answer   string
}

// promptTurns copies turns into the prompts' own type, which keeps prompts
// free of our other packages.
func promptTurns(turns []Turn) []prompts.Turn {
	out := make([]prompts.Turn, len(turns))
	for i, t := range turns {
		out[i] = prompts.Turn(t)
	}
	return out
}

// Errors a person can fix by asking differently.
var (
	ErrEmptyQuestion = errors.New("the question is empty")
	ErrLongQuestion  = errors.New("the question is too long")
)

// minCoverage is the share of a question's content words, weighted by
// rarity, that the best paragraph must contain for the bot to answer at
// all. Below it the library has nothing on the question and the model is
// not asked to make something up.
var minCoverage = 0.35

// Ask answers q from the articles q.Scope can see. progress, when not nil,
// receives the answer so far while a model writes it.
func (b *Bot) Ask(ctx context.Context, q Question, progress func(partial string)) (*Answer, error) {
	now := b.at(q.Now)
	a, err := b.ask(ctx, q, now, progress)
	if a != nil {
		a.AsOf = now
	}
	return a, err
}

// at returns now, or the bot's clock when now is zero.
func (b *Bot) at(now time.Time) time.Time {
	if now.IsZero() {
		return b.now()
	}
	return now
}

func (b *Bot) ask(ctx context.Context, q Question, now time.Time, progress func(partial string)) (*Answer, error) {
	text := strings.TrimSpace(q.Text)
	switch {
	case text == "":
		return nil, ErrEmptyQuestion
	case utf8.RuneCountInString(text) > b.opts.MaxQuestion:
		return nil, fmt.Errorf("%w: %d characters, at most %d", ErrLongQuestion, utf8.RuneCountInString(text), b.opts.MaxQuestion)
	}
	history := promptTurns(q.History)
	status := report(q.Status)
	status(PhaseSearching)
	standalone := b.standalone(ctx, text, history, now)
	hits, err := b.store.Search(ctx, retrieval.Query{Text: standalone, K: b.opts.Sources, Scope: q.Scope, ArticleID: q.ArticleID, Now: now})
	if err != nil {
		return nil, err
	}
	relevant, weights, err := b.relevantHits(ctx, standalone, hits)
	if err != nil {
		return nil, err
	}
	if len(relevant) == 0 {
		return b.nothingFound(hits, standalone), nil
	}
	if b.model == nil {
		a := extractiveAnswer(standalone, relevant, weights, b.store.Terms)
		a.Question = standalone
		return a, nil
	}
	status(PhaseWriting)
	return b.modelAnswer(ctx, text, standalone, history, relevant, now, progress)
}

// standalone rewrites a follow-up into a question that stands on its own.
// Without a model, or if the model fails, the previous question is
// prepended, which keeps its topic words for retrieval.
func (b *Bot) standalone(ctx context.Context, text string, history []prompts.Turn, now time.Time) string {
	if len(history) == 0 {
		return text
	}
	if b.model != nil {
		msgs, err := prompts.Rewrite(prompts.RewriteInput{Question: text, History: history, Now: now})
		if err == nil {
			var out string
			if out, err = b.model.Complete(ctx, msgs); err == nil && strings.TrimSpace(out) != "" {
				return strings.TrimSpace(out)
			}
		}
		b.log.Warn("could not rewrite the follow-up question; using the conversation as is", "err", err)
	}
	return history[len(history)-1].Question + " " + text
}

// relevantHits keeps the hits that share content words with the question,
// or none when even the best covers less than minCoverage of them. Words
// count by their rarity in the library, so a question whose telling words
// ("Reykjavik", "bananas") appear nowhere is not answered on the strength
// of its common ones ("mayor", "price").
func (b *Bot) relevantHits(ctx context.Context, question string, hits []retrieval.Hit) ([]retrieval.Hit, map[string]float64, error) {
	if len(hits) == 0 {
		return nil, nil, nil
	}
	weights, err := b.store.TermWeights(ctx, question)
	if err != nil {
		return nil, nil, err
	}
	total := 0.0
	for _, w := range weights {
		total += w
	}
	if total == 0 {
		return nil, weights, nil
	}
	relevant := false
	var out []retrieval.Hit
	for _, h := range hits {
		c := 0.0
		seen := map[string]bool{}
		for _, t := range b.store.Terms(h.Text + " " + h.Article.Title) {
			if w, ok := weights[t]; ok && !seen[t] {
				seen[t] = true
				c += w
			}
		}
		c /= total
		// Enough of the question's weight, or two of its words together
		// with a fair share of it: "how many hostages did Hamas take" is
		// answered by "Hamas … took around 240 hostages".
		if c >= minCoverage || len(seen) >= 2 && c >= minCoverage*0.6 {
			relevant = true
		}
		if c > 0 {
			out = append(out, h)
		}
	}
	if !relevant {
		return nil, weights, nil
	}
	return out, weights, nil
}

// nothingFound is the honest answer when the library has nothing on the
// question: it says so and names the closest articles.
func (b *Bot) nothingFound(hits []retrieval.Hit, question string) *Answer {
	a := &Answer{Abstained: true, Mode: b.mode(), Question: question,
		Text: "I can't find anything about that in the loaded articles."}
	for _, h := range hits {
		if !slices.Contains(a.Closest, h.Article) && len(a.Closest) < 3 {
			a.Closest = append(a.Closest, h.Article)
		}
	}
	return a
}

func (b *Bot) mode() string {
	if b.model == nil {
		return ModeExtractive
	}
	return ModeLLM
}

// modelAnswer asks the model to answer from the prepared prompt and checks
// the citations of its reply.
func (b *Bot) modelAnswer(ctx context.Context, question, standalone string, history []prompts.Turn, hits []retrieval.Hit, now time.Time, progress func(string)) (*Answer, error) {
	p, err := b.preparePrompt(question, standalone, history, hits, now)
	if err != nil {
		return nil, err
	}
	reply, err := b.model.Stream(ctx, p.msgs, citedProgress(progress, len(p.refs)))
	if err != nil {
		return nil, err
	}
	return citedAnswer(reply, p.refs, p.arts, standalone), nil
}

// prompt is an answer prompt ready for the model, with what its citation
// numbers name.
type prompt struct {
	msgs []prompts.Message
	refs []prompts.Ref
	arts []*retrieval.Article // arts[ref.Source] is the article of a ref
}

// preparePrompt fits the best paragraphs into the model's window and
// renders the answer prompt.
func (b *Bot) preparePrompt(question, standalone string, history []prompts.Turn, hits []retrieval.Hit, now time.Time) (prompt, error) {
	in := prompts.AnswerInput{Question: question, History: history, Now: now, Sources: placeholderSources}
	if standalone != question {
		in.Question = standalone
	}
	fixed, err := prompts.Answer(in)
	if err != nil {
		return prompt{}, err
	}
	paras := b.fit(b.tok.CountMessages(fixed), contextParagraphs(hits))
	sources, arts := groupSources(paras)
	in.Sources = sources
	msgs, err := prompts.Answer(in)
	if err != nil {
		return prompt{}, err
	}
	return prompt{msgs: msgs, refs: prompts.Refs(sources), arts: arts}, nil
}

// citedAnswer checks a model's reply against the numbered paragraphs it
// was given and attaches the cited paragraphs.
func citedAnswer(reply string, refs []prompts.Ref, arts []*retrieval.Article, question string) *Answer {
	cited := ParseCitations(reply, len(refs), nil)
	a := &Answer{Text: cited.Text, Mode: ModeLLM, Abstained: cited.Abstained, Uncited: cited.Uncited, Question: question}
	for i, orig := range cited.Used {
		ref := refs[orig-1]
		a.Citations = append(a.Citations, newCitation(i+1, arts[ref.Source], ref.Paragraph))
	}
	return a
}

// placeholderSources stand in for the real ones when the fixed cost of a
// prompt (instructions, question, history) is measured.
var placeholderSources = []prompts.Source{{Title: "x", Paragraphs: []prompts.Paragraph{{N: 1, Text: "x"}}}}

// para is one paragraph offered to the model.
type para struct {
	article *retrieval.Article
	n       int
}

// contextParagraphs lists the hits' paragraphs in rank order, each of the
// top three followed by the paragraph before it, which often names who is
// speaking ("He said …").
func contextParagraphs(hits []retrieval.Hit) []para {
	var out []para
	seen := map[string]bool{}
	add := func(a *retrieval.Article, n int) {
		id := retrieval.ParagraphID(a.ID, n)
		if n >= 1 && n <= len(a.Paragraphs) && !seen[id] {
			seen[id] = true
			out = append(out, para{a, n})
		}
	}
	for i, h := range hits {
		add(h.Article, h.Paragraph)
		if i < 3 {
			add(h.Article, h.Paragraph-1)
		}
	}
	return out
}

// fit keeps the longest prefix of paras that fits the prompt budget. A
// paragraph costs its tokens and its "[n] " label; the first paragraph of
// an article also pays for the article's header line.
func (b *Bot) fit(fixed int, paras []para) []para {
	costs := make([]int, len(paras))
	headed := map[*retrieval.Article]bool{}
	for i, p := range paras {
		costs[i] = b.tok.CountTokens(p.article.Paragraphs[p.n-1]) + 6
		if !headed[p.article] {
			headed[p.article] = true
			costs[i] += b.tok.CountTokens(p.article.Source+p.article.Title) + 24
		}
	}
	n := b.budget.Fit(fixed, costs)
	return paras[:max(n, min(1, len(paras)))]
}

// groupSources turns paragraphs into prompt sources: one per article, in
// order of each article's best paragraph, paragraphs in reading order.
func groupSources(paras []para) ([]prompts.Source, []*retrieval.Article) {
	var arts []*retrieval.Article
	byArticle := map[*retrieval.Article][]int{}
	for _, p := range paras {
		if _, ok := byArticle[p.article]; !ok {
			arts = append(arts, p.article)
		}
		byArticle[p.article] = append(byArticle[p.article], p.n)
	}
	sources := make([]prompts.Source, len(arts))
	for i, a := range arts {
		ns := byArticle[a]
		slices.Sort(ns)
		sources[i] = promptSource(a, ns)
		sources[i].N = i + 1
	}
	return sources, arts
}

// promptSource copies an article's header and the paragraphs ns into the
// prompts package's plain struct.
func promptSource(a *retrieval.Article, ns []int) prompts.Source {
	s := prompts.Source{Outlet: a.Source, Title: a.Title, URL: a.URL}
	if !a.PublishedAt.IsZero() {
		s.Date = a.PublishedAt.Format("2006-01-02")
	}
	for _, n := range ns {
		s.Paragraphs = append(s.Paragraphs, prompts.Paragraph{N: n, Text: a.Paragraphs[n-1]})
	}
	return s
}
