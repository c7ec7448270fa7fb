package bot

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/newsbot/newsbot/prompts"
	"github.com/newsbot/newsbot/retrieval"
)

// SummaryRequest asks for a summary of one article, or a digest of what the
// library says about a topic in a period.
type SummaryRequest struct {
	// Article names one article: its id, its URL or a fragment of its
	// headline.
	Article string
	// Topic, when Article is empty, asks for a digest across articles; an
	// empty topic digests the newest articles of the period.
	Topic        string
	Since, Until time.Time
	Scope        string
	// Now is when the summary is asked for; zero means the bot's clock.
	Now time.Time
	// Status, when not nil, hears what the bot is doing: phaseSearching,
	// then phaseWriting when a model starts writing.
	Status func(phase string)
	// Language, when set, names the language a model writes in; otherwise
	// that of the article or articles.
	Language string
}

// errAmbiguous is returned when a headline fragment matches several
// articles; its message lists them.
var errAmbiguous = errors.New("several articles match")

// Summarize summarizes an article in a few cited bullet points, or digests a
// topic across articles. progress receives the text so far.
func (b *Bot) Summarize(ctx context.Context, r SummaryRequest, progress func(string)) (*Answer, error) {
	r.Now = b.at(r.Now)
	var (
		a   *Answer
		err error
	)
	if strings.TrimSpace(r.Article) != "" {
		var art *retrieval.Article
		if art, err = b.FindArticle(r.Article, r.Scope); err != nil {
			return nil, err
		}
		a, err = b.summarizeArticle(ctx, art, r.Now, r.Language, report(r.Status), progress)
	} else {
		a, err = b.digest(ctx, r, progress)
	}
	if a != nil {
		a.AsOf = r.Now
	}
	return a, err
}

// FindArticle finds the article ref names in scope: by id, by URL, or by a
// fragment of its headline that matches only one article.
func (b *Bot) FindArticle(ref, scope string) (*retrieval.Article, error) {
	ref = strings.TrimSpace(ref)
	if scope == "" {
		scope = retrieval.GlobalScope
	}
	if a, err := b.store.Article(ref, scope); err == nil {
		return a, nil
	}
	list := b.store.List(scope)
	if u, err := url.Parse(ref); err == nil && u.Host != "" {
		for _, a := range list {
			if a.URL == ref {
				return a, nil
			}
		}
	}
	var matches []*retrieval.Article
	frag := strings.ToLower(ref)
	for _, a := range list {
		if strings.Contains(strings.ToLower(a.Title), frag) {
			matches = append(matches, a)
		}
	}
	switch len(matches) {
	case 0:
		return nil, fmt.Errorf("no article matches %q: %w", ref, retrieval.ErrNotFound)
	case 1:
		return matches[0], nil
	}
	var titles []string
	for _, a := range matches[:min(3, len(matches))] {
		titles = append(titles, a.Title)
	}
	return nil, &ambiguousError{Ref: ref, Titles: titles}
}

// summarizeArticle asks the model for cited bullet points; an article too
// long for one prompt is summarized in parts that are then combined.
func (b *Bot) summarizeArticle(ctx context.Context, a *retrieval.Article, now time.Time, language string, status func(string), progress func(string)) (*Answer, error) {
	if b.model == nil {
		return extractiveSummary(a, 4, b.store.Terms), nil
	}
	all := make([]int, len(a.Paragraphs))
	for i := range all {
		all[i] = i + 1
	}
	parts := b.splitForPrompt(a, all, now)
	status(phaseWriting)
	onDelta := citedProgress(progress, len(a.Paragraphs))
	var reply string
	var err error
	if len(parts) == 1 {
		msgs, perr := prompts.Summarize(prompts.SummarizeInput{Article: promptSource(a, all), Now: now, Language: language})
		if perr != nil {
			return nil, perr
		}
		reply, err = b.model.Stream(ctx, msgs, onDelta)
	} else {
		partials := make([]string, len(parts))
		for i, ns := range parts {
			msgs, perr := prompts.Summarize(prompts.SummarizeInput{Article: promptSource(a, ns), Part: i + 1, Parts: len(parts), Now: now, Language: language})
			if perr != nil {
				return nil, perr
			}
			if partials[i], err = b.model.Complete(ctx, msgs); err != nil {
				return nil, err
			}
		}
		msgs, perr := prompts.Combine(prompts.CombineInput{Article: promptSource(a, nil), Partials: partials, Now: now, Language: language})
		if perr != nil {
			return nil, perr
		}
		reply, err = b.model.Stream(ctx, msgs, onDelta)
	}
	if err != nil {
		return nil, err
	}
	// Summaries cite the article's own paragraph numbers.
	cited := parseCitations(reply, len(a.Paragraphs), nil)
	ans := &Answer{Text: cited.Text, Mode: ModeLLM, Abstained: cited.Abstained, Uncited: cited.Uncited}
	for i, n := range cited.Used {
		ans.Citations = append(ans.Citations, newCitation(i+1, a, n))
	}
	return ans, nil
}

// splitForPrompt splits paragraphs ns into consecutive runs that each fit
// one prompt.
func (b *Bot) splitForPrompt(a *retrieval.Article, ns []int, now time.Time) [][]int {
	fixed, _ := prompts.Summarize(prompts.SummarizeInput{Article: promptSource(a, ns[:1]), Part: 1, Parts: 2, Now: now})
	left := b.budget.available(b.tok.countMessages(fixed) + 64)
	var parts [][]int
	var cur []int
	used := 0
	for _, n := range ns {
		c := b.tok.countTokens(a.Paragraphs[n-1]) + 8
		if len(cur) > 0 && used+c > left {
			parts = append(parts, cur)
			cur, used = nil, 0
		}
		cur = append(cur, n)
		used += c
	}
	return append(parts, cur)
}

// digest summarizes what the library says about a topic, or the newest
// articles of a period when there is no topic.
func (b *Bot) digest(ctx context.Context, r SummaryRequest, progress func(string)) (*Answer, error) {
	status := report(r.Status)
	status(phaseSearching)
	var hits []retrieval.Hit
	var cands []candidate
	if strings.TrimSpace(r.Topic) != "" {
		var err error
		hits, err = b.store.Search(ctx, retrieval.Query{Text: r.Topic, K: 12, Scope: r.Scope, Since: r.Since, Until: r.Until, Now: r.Now})
		if err != nil {
			return nil, err
		}
		if _, cands, err = b.evidence(ctx, r.Topic, hits, r.Now); err != nil {
			return nil, err
		}
		hits = bearing(hits, cands, b.minSimilarity())
	} else {
		hits = b.recentLeads(r)
	}
	if len(hits) == 0 {
		return &Answer{Abstained: true, Mode: b.mode(), Question: r.Topic, Text: "I can't find any articles about that in the loaded library" + period(r) + "."}, nil
	}
	if b.model == nil {
		if r.Topic == "" {
			var qs []quote
			for _, h := range hits[:min(5, len(hits))] {
				qs = append(qs, quote{article: h.Article, paragraph: h.Paragraph, text: firstSentence(h.Text)})
			}
			return quotedAnswer(qs, false), nil
		}
		return extractiveAnswer(cands, false, asksAboutTime(r.Topic)), nil
	}
	in := prompts.DigestInput{Topic: r.Topic, From: r.Since, To: r.Until, Now: r.Now, Language: r.Language, Sources: placeholderSources}
	fixed, err := prompts.Digest(in)
	if err != nil {
		return nil, err
	}
	var paras []para
	for _, h := range hits {
		paras = append(paras, para{h.Article, h.Paragraph})
	}
	sources, arts := groupSources(b.fit(b.tok.countMessages(fixed), paras))
	in.Sources = sources
	msgs, err := prompts.Digest(in)
	if err != nil {
		return nil, err
	}
	refs := prompts.Refs(sources)
	status(phaseWriting)
	reply, err := b.model.Stream(ctx, msgs, citedProgress(progress, len(refs)))
	if err != nil {
		return nil, err
	}
	return citedAnswer(reply, refs, arts, r.Topic), nil
}

// recentLeads returns the opening paragraphs of the newest articles in the
// request's period.
func (b *Bot) recentLeads(r SummaryRequest) []retrieval.Hit {
	var out []retrieval.Hit
	for _, a := range b.store.List(scopeOr(r.Scope)) {
		d := a.PublishedAt
		if d.IsZero() {
			d = a.LoadedAt
		}
		if (!r.Since.IsZero() && d.Before(r.Since)) || (!r.Until.IsZero() && !d.Before(r.Until)) {
			continue
		}
		out = append(out, retrieval.Hit{Article: a, Paragraph: 1, Text: a.Paragraphs[0]})
		if len(out) == 8 {
			break
		}
	}
	return out
}

func scopeOr(s string) string {
	if s == "" {
		return retrieval.GlobalScope
	}
	return s
}

func period(r SummaryRequest) string {
	switch {
	case !r.Since.IsZero() && !r.Until.IsZero():
		return fmt.Sprintf(" between %s and %s", r.Since.Format("2 Jan 2006"), r.Until.Format("2 Jan 2006"))
	case !r.Since.IsZero():
		return " since " + r.Since.Format("2 Jan 2006")
	case !r.Until.IsZero():
		return " before " + r.Until.Format("2 Jan 2006")
	}
	return ""
}

// citedProgress passes partial model output to progress with its citations
// checked, so a person never sees a marker that names no source.
func citedProgress(progress func(string), n int) func(string) {
	if progress == nil {
		return nil
	}
	return func(partial string) { progress(parseCitations(partial, n, nil).Text) }
}
