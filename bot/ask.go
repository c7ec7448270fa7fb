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
	// Status, when not nil, hears what the bot is doing: phaseSearching,
	// then phaseWriting when a model starts writing the answer.
	Status func(phase string)
	// Language, when set, names the language a model answers in ("German");
	// otherwise it answers in the question's language. An extractive answer
	// quotes the articles as written whatever it says.
	Language string
}

// Phases of an answer, as Question.Status and SummaryRequest.Status hear
// them; a terminal shows them while it waits.
const (
	phaseSearching = "searching"
	phaseWriting   = "writing"
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

// TurnStore keeps the last turns of each conversation (a Discord thread
// or channel), so that a follow-up is read with what came before. The
// Discord adapter keeps them in memory for the most recent conversations
// by default; a fleet keeps them in PostgreSQL (bot/postgres), so that
// any process can continue any conversation.
type TurnStore interface {
	// Turns returns conversation's kept turns, oldest first; none for a
	// conversation it does not know.
	Turns(ctx context.Context, conversation string) ([]Turn, error)
	// AddTurn appends t to conversation and keeps its newest keep turns.
	AddTurn(ctx context.Context, conversation string, t Turn, keep int) error
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
	errLongQuestion  = errors.New("the question is too long")
)

// Ask answers q from the articles q.Scope can see. progress, when not nil,
// receives the answer so far while a model writes it.
func (b *Bot) Ask(ctx context.Context, q Question, progress func(partial string)) (*Answer, error) {
	start := time.Now()
	now := b.at(q.Now)
	a, err := b.ask(ctx, q, now, progress)
	if a != nil {
		a.AsOf = now
	}
	b.observeAsk(ctx, a, err, time.Since(start))
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
	if err := b.CheckQuestion(q.Text); err != nil {
		return nil, err
	}
	text := strings.TrimSpace(q.Text)
	history := promptTurns(q.History)
	status := report(q.Status)
	status(phaseSearching)
	// A follow-up, or a question in another language than the library's,
	// is rewritten before retrieval (one model call). With a model, a
	// question that shares no word with the library gets that one rewrite
	// too before the bot gives up: it may be a paraphrase.
	standalone, rewritten := text, false
	if len(history) > 0 || b.model != nil && !looksEnglish(text) {
		standalone, rewritten = b.standalone(ctx, text, history, now), true
	}
	hits, cands, err := b.retrieve(ctx, standalone, q, now)
	if err != nil {
		return nil, err
	}
	relevant := bearing(hits, cands, b.minSimilarity())
	if len(relevant) == 0 && b.model != nil && !rewritten {
		if again := b.standalone(ctx, text, history, now); again != text {
			standalone = again
			if hits, cands, err = b.retrieve(ctx, standalone, q, now); err != nil {
				return nil, err
			}
			relevant = bearing(hits, cands, b.minSimilarity())
		}
	}
	if b.model == nil {
		a := judgeExtractive(hits, cands, asksAboutTime(standalone))
		a.Question = standalone
		return a, nil
	}
	if len(relevant) == 0 {
		a := nothingFound(hits, b.mode())
		a.Question = standalone
		return a, nil
	}
	status(phaseWriting)
	return b.modelAnswer(ctx, text, standalone, history, relevant, now, q.Language, progress)
}

// CheckQuestion reports what Ask would refuse in a question before any
// search: an empty one or one too long. An adapter calls it to refuse at
// once, privately, instead of after a public "thinking…".
func (b *Bot) CheckQuestion(text string) error {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return ErrEmptyQuestion
	case utf8.RuneCountInString(text) > b.opts.MaxQuestion:
		return fmt.Errorf("%w: %d characters, at most %d", errLongQuestion, utf8.RuneCountInString(text), b.opts.MaxQuestion)
	}
	return nil
}

// ModelConfigured reports whether a chat model writes the answers; without
// one they are quoted sentences, and the operator may want to know why.
func (b *Bot) ModelConfigured() bool { return b.model != nil }

// retrieve searches for the question and judges the sentences found as
// evidence.
func (b *Bot) retrieve(ctx context.Context, text string, q Question, now time.Time) ([]retrieval.Hit, []candidate, error) {
	start := time.Now()
	hits, err := b.store.Search(ctx, retrieval.Query{Text: text, K: b.opts.Sources, Scope: q.Scope, ArticleID: q.ArticleID, Now: now})
	if err != nil {
		return nil, nil, err
	}
	b.obs.Searched(time.Since(start))
	_, cands, err := b.evidence(ctx, text, hits, now)
	return hits, cands, err
}

// libraryLanguage is the language the index reads: its stop words and
// stems are English, so questions are searched in English.
const libraryLanguage = "English"

// englishWords are function words nearly every English question holds.
var englishWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`the a an of to in on for with at by from about what who whom whose which when
	where why how did does do is are was were has have had will would can could should shall may might be been
	this that these those it its they their he she his her and or not than any many much`) {
		m[w] = true
	}
	return m
}()

// looksEnglish reports whether a question reads as English: at least two
// of its words, and a fifth of them, are English function words. "Was
// forderte Lawrow?" shares "was" with English and no more.
func looksEnglish(text string) bool {
	ws := words(text)
	n := 0
	for _, w := range ws {
		if englishWords[strings.ToLower(w)] {
			n++
		}
	}
	return n >= min(2, len(ws)) && float64(n) >= 0.2*float64(len(ws))
}

// standalone rewrites a question into one that stands on its own, in the
// library's language. Without a model, or if the model fails, a follow-up
// gets the previous question prepended, which keeps its topic words for
// retrieval.
func (b *Bot) standalone(ctx context.Context, text string, history []prompts.Turn, now time.Time) string {
	if b.model != nil {
		msgs, err := prompts.Rewrite(prompts.RewriteInput{Question: text, History: history, Language: libraryLanguage, Now: now})
		if err == nil {
			var out string
			if out, err = b.model.Complete(ctx, msgs); err == nil && strings.TrimSpace(out) != "" {
				return strings.TrimSpace(out)
			}
		}
		b.log.WarnContext(ctx, "could not rewrite the question; searching it as asked", "err", err)
	}
	if len(history) == 0 {
		return text
	}
	return history[len(history)-1].Question + " " + text
}

// evidence reads the question and judges every sentence of the hits as
// evidence for it.
func (b *Bot) evidence(ctx context.Context, text string, hits []retrieval.Hit, now time.Time) (question, []candidate, error) {
	if len(hits) == 0 {
		return question{}, nil, nil
	}
	idf, unseen, err := b.store.TermStats(ctx, text)
	if err != nil {
		return question{}, nil, err
	}
	q := readQuestion(text, idf, unseen, b.store.Terms, now)
	return q, sentenceEvidence(q, hits, b.store.Terms), nil
}

// judgeExtractive answers without a model from the sentences judged as
// evidence: quoted when one is evidence enough, the closest passages when
// none is, and nothing but the closest articles when no sentence holds a
// word of the question.
func judgeExtractive(hits []retrieval.Hit, cands []candidate, aboutTime bool) *Answer {
	if len(bearing(hits, cands, 0)) == 0 {
		return nothingFound(hits, ModeExtractive)
	}
	return extractiveAnswer(cands, true, aboutTime)
}

// bearing keeps the hits that hold any of the question's words in a
// sentence or its neighbours, or, when minSim is above 0, whose vector is
// at least that similar to the question's: a neural embedder knows a
// paraphrase or another language when no word is shared. A model reads
// them all and may abstain; with none, the library has nothing on the
// question and the model is not asked to make something up.
func bearing(hits []retrieval.Hit, cands []candidate, minSim float64) []retrieval.Hit {
	keep := make([]bool, len(hits))
	for _, c := range cands {
		if c.window > 0 {
			keep[c.hit] = true
		}
	}
	var out []retrieval.Hit
	for i, h := range hits {
		if keep[i] || minSim > 0 && h.Similarity >= minSim {
			out = append(out, h)
		}
	}
	return out
}

// minSimilarity is the similarity from which a hit bears on a question on
// its vector alone: 0 (never) with the built-in embedder.
func (b *Bot) minSimilarity() float64 {
	if b.store.Embedder().Lexical() {
		return 0
	}
	return b.opts.MinSimilarity
}

// nothingFound is the honest answer when the library has nothing on the
// question: it says so and names the closest articles.
func nothingFound(hits []retrieval.Hit, mode string) *Answer {
	a := &Answer{Abstained: true, Mode: mode, Text: "I can't find anything about that in the loaded articles."}
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
func (b *Bot) modelAnswer(ctx context.Context, question, standalone string, history []prompts.Turn, hits []retrieval.Hit, now time.Time, language string, progress func(string)) (*Answer, error) {
	p, err := b.preparePrompt(question, standalone, history, hits, now, language)
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
func (b *Bot) preparePrompt(question, standalone string, history []prompts.Turn, hits []retrieval.Hit, now time.Time, language string) (prompt, error) {
	in := prompts.AnswerInput{Question: question, History: history, Now: now, Language: language, Sources: placeholderSources}
	if standalone != question && looksEnglish(question) {
		// A rewritten follow-up reads better than "and him?"; a question in
		// another language stays as asked, so the answer comes in it.
		in.Question = standalone
	}
	fixed, err := prompts.Answer(in)
	if err != nil {
		return prompt{}, err
	}
	paras := b.fit(b.tok.countMessages(fixed), contextParagraphs(hits))
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
	cited := parseCitations(reply, len(refs), nil)
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
		costs[i] = b.tok.countTokens(p.article.Paragraphs[p.n-1]) + 6
		if !headed[p.article] {
			headed[p.article] = true
			costs[i] += b.tok.countTokens(p.article.Source+p.article.Title) + 24
		}
	}
	n := b.budget.fit(fixed, costs)
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
