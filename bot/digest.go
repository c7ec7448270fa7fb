package bot

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/newsbot/newsbot/prompts"
	"github.com/newsbot/newsbot/retrieval"
	"github.com/newsbot/newsbot/retrieval/sentence"
)

// briefRequest asks what arrived in a library in a period.
type briefRequest struct {
	// Scope is the server whose library (and the shared one) is read.
	Scope string
	// Topic, when set, keeps the articles about it.
	Topic string
	// Since and Until bound when the articles arrived (were loaded):
	// Since included, Until not. A zero Since means a day before Until; a
	// zero Until means now.
	Since, Until time.Time
	// MaxStories caps the stories told; default 6.
	MaxStories int
	// Language, when set, names the language a model writes in.
	Language string
	// Now is when the briefing is made; zero means the bot's clock.
	Now time.Time
}

// Digest is a daily briefing: what arrived in a period, one line per
// story, biggest first, each line cited.
type Digest struct {
	Since, Until time.Time
	Topic        string
	// Mode is ModeLLM when a model wrote the lines, else ModeExtractive:
	// each line is then a story's lead sentence, quoted.
	Mode string
	// Arrived counts the articles that arrived in the period (and are
	// about the topic); Stories groups them, at most MaxStories.
	Arrived int
	Stories []Story
	// Lines tell the stories; their numbers name Citations.
	Lines     []Line
	Citations []Citation
}

// Empty reports whether nothing arrived: the briefing then says nothing.
func (d *Digest) Empty() bool { return len(d.Lines) == 0 }

// answer returns the first n lines (all when n is out of range) as an
// Answer: "- line [1] (also [2][3])", citations renumbered.
func (d *Digest) answer(n int) *Answer {
	if n < 0 || n > len(d.Lines) {
		n = len(d.Lines)
	}
	return linesAnswer(d.Lines[:n], d.Citations, d.Mode, func(int) string { return "- " })
}

// brief builds the briefing of what arrived in r's period: the articles
// loaded then (from followed feeds or by hand), grouped into stories.
// With a chat model each story gets a sentence written from its
// articles' leads; without one, the sentence of its lead article's
// opening that says most of what its reports share, quoted. Nothing
// arrived: an empty Digest.
func (b *Bot) brief(ctx context.Context, r briefRequest) (*Digest, error) {
	r.Now = b.at(r.Now)
	if r.Until.IsZero() {
		r.Until = r.Now
	}
	if r.Since.IsZero() {
		r.Since = r.Until.Add(-24 * time.Hour)
	}
	if r.MaxStories <= 0 {
		r.MaxStories = 6
	}
	d := &Digest{Since: r.Since, Until: r.Until, Topic: r.Topic, Mode: b.mode()}
	arts, err := b.arrived(ctx, r)
	if err != nil || len(arts) == 0 {
		return d, err
	}
	d.Arrived = len(arts)
	stories, err := b.groupStories(ctx, arts)
	if err != nil {
		return nil, err
	}
	d.Stories = stories[:min(len(stories), r.MaxStories)]
	if b.model != nil {
		lines, cites, err := b.modelBrief(ctx, r, d.Stories)
		if err != nil {
			return nil, err
		}
		if len(lines) > 0 {
			d.Lines, d.Citations = lines, cites
			return d, nil
		}
		b.log.Warn("the model's briefing cited nothing; quoting the stories' leads instead", "scope", r.Scope)
		d.Mode = ModeExtractive
	}
	d.Lines, d.Citations = b.extractiveBrief(ctx, d.Stories)
	return d, nil
}

// maxArrived bounds the articles a briefing reads: the newest this many.
// A day of twenty busy feeds stays under it; clustering is quadratic.
const maxArrived = 300

// arrived lists the articles scope sees that were loaded in r's period,
// newest first, those about r.Topic when it is set.
func (b *Bot) arrived(ctx context.Context, r briefRequest) ([]*retrieval.Article, error) {
	var out []*retrieval.Article
	for _, a := range b.store.List(scopeOr(r.Scope)) {
		if !a.LoadedAt.Before(r.Since) && a.LoadedAt.Before(r.Until) && len(a.Paragraphs) > 0 {
			out = append(out, a)
		}
	}
	slices.SortStableFunc(out, func(x, y *retrieval.Article) int { return y.LoadedAt.Compare(x.LoadedAt) })
	out = out[:min(len(out), maxArrived)]
	if strings.TrimSpace(r.Topic) == "" || len(out) == 0 {
		return out, nil
	}
	idf, unseen, err := b.store.TermStats(ctx, r.Topic)
	if err != nil {
		return nil, err
	}
	q := readQuestion(r.Topic, idf, unseen, b.store.Terms, r.Now)
	return slices.DeleteFunc(out, func(a *retrieval.Article) bool { return !about(q, a, b.store.Terms) }), nil
}

// topicCover is the share of a topic's weight (its rare words counting
// more) an article's headline and one of its paragraphs must hold to be
// about the topic.
const topicCover = 0.5

// about reports whether an article is about the topic q.
func about(q question, a *retrieval.Article, terms func(string) []string) bool {
	title := terms(a.Title)
	for _, p := range a.Paragraphs {
		if share, _ := q.cover(title, terms(p)); share >= topicCover {
			return true
		}
	}
	return false
}

// citer numbers the paragraphs that quoted lines cite, from 1 in the order
// they are first cited, each paragraph once.
type citer struct{ cites []Citation }

// cite returns the number of paragraph n of a, numbering it if it is new.
func (c *citer) cite(a *retrieval.Article, n int) int {
	for _, x := range c.cites {
		if x.Article == a && x.Paragraph == n {
			return x.N
		}
	}
	c.cites = append(c.cites, newCitation(len(c.cites)+1, a, n))
	return len(c.cites)
}

// extractiveBrief quotes, for each story, the sentence of its lead
// article's opening paragraphs that holds most of what the story's
// reports share (for a story of one article, most of its headline), cited,
// with the other reports' leads as "also".
func (b *Bot) extractiveBrief(ctx context.Context, stories []Story) ([]Line, []Citation) {
	var lines []Line
	var ct citer
	cite := ct.cite
	for _, st := range stories {
		lead := st.Articles[0]
		n, text := b.leadSentence(ctx, st)
		l := Line{Text: text, Quoted: true, Cites: []int{cite(lead, n)}}
		for _, other := range st.Articles[1:min(len(st.Articles), 3)] {
			l.Also = append(l.Also, cite(other, 1))
		}
		lines = append(lines, l)
	}
	return lines, ct.cites
}

// leadSentence picks the sentence that tells a story best from its lead
// article's first two paragraphs: the one whose terms weigh most among
// the terms the story's headlines share (a lone article: its headline's),
// the earlier on a tie. It returns the paragraph's number and the sentence.
func (b *Bot) leadSentence(ctx context.Context, st Story) (int, string) {
	lead := st.Articles[0]
	shared := map[string]float64{}
	count := map[string]int{}
	for _, a := range st.Articles {
		seen := map[string]bool{}
		for _, t := range b.store.Terms(a.Title + "\n" + a.Paragraphs[0]) {
			if !seen[t] {
				seen[t] = true
				count[t]++
			}
		}
	}
	idf, _ := b.store.TermWeights(ctx, lead.Title+"\n"+leadText(lead))
	need := min(2, len(st.Articles))
	for t, c := range count {
		if c >= need {
			shared[t] = idf[t] * idf[t]
		}
	}
	if len(st.Articles) == 1 {
		shared = map[string]float64{}
		for _, t := range b.store.Terms(lead.Title) {
			shared[t] = idf[t] * idf[t]
		}
	}
	bestN, best, bestScore := 1, firstSentence(lead.Paragraphs[0]), -1.0
	for i, p := range lead.Paragraphs[:min(2, len(lead.Paragraphs))] {
		for _, s := range sentence.Split(strings.Join(strings.Fields(p), " ")) {
			if len(strings.Fields(s)) < 5 {
				continue // a dateline or a fragment
			}
			score := 0.0
			seen := map[string]bool{}
			for _, t := range b.store.Terms(s) {
				if !seen[t] {
					seen[t] = true
					score += shared[t]
				}
			}
			if score > bestScore {
				bestN, best, bestScore = i+1, s, score
			}
		}
	}
	return bestN, best
}

// modelBrief has the model write one cited line per story from the leads
// of its first three articles: every story's lead article first, then
// the second reports, then the third, as far as the prompt's budget goes.
func (b *Bot) modelBrief(ctx context.Context, r briefRequest, stories []Story) ([]Line, []Citation, error) {
	in := prompts.BriefingInput{Topic: r.Topic, From: r.Since, To: r.Until, Now: r.Now, Language: r.Language,
		Stories: [][]prompts.Source{placeholderSources}}
	fixed, err := prompts.Briefing(in)
	if err != nil {
		return nil, nil, err
	}
	var paras []para
	story := map[*retrieval.Article]int{}
	for k := range 3 {
		for i, st := range stories {
			if k >= len(st.Articles) {
				continue
			}
			a := st.Articles[k]
			story[a] = i
			paras = append(paras, para{a, 1})
			if len(a.Paragraphs) > 1 && len(strings.Fields(a.Paragraphs[0])) < 25 {
				paras = append(paras, para{a, 2})
			}
		}
	}
	paras = b.fit(b.tok.countMessages(fixed), paras)
	groups := make([][]para, len(stories))
	for _, p := range paras {
		groups[story[p.article]] = append(groups[story[p.article]], p)
	}
	in.Stories = nil
	var all []prompts.Source
	var arts []*retrieval.Article
	for _, g := range groups {
		if len(g) == 0 {
			continue
		}
		sources, as := groupSources(g)
		in.Stories = append(in.Stories, sources)
		all = append(all, sources...)
		arts = append(arts, as...)
	}
	msgs, err := prompts.Briefing(in)
	if err != nil {
		return nil, nil, err
	}
	reply, err := b.model.Complete(ctx, msgs)
	if err != nil {
		return nil, nil, err
	}
	lines, cites := modelLines(reply, prompts.Refs(all), arts)
	return lines, cites, nil
}

// articleTime is when an article happened as far as the library knows: its
// publication date, else when it was loaded.
func articleTime(a *retrieval.Article) time.Time {
	return cmp.Or(a.PublishedAt, a.LoadedAt)
}
