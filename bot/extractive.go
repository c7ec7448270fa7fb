package bot

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/newsbot/newsbot/retrieval"
	"github.com/newsbot/newsbot/retrieval/sentence"
)

// ExtractiveNote heads every extractive answer, so nobody mistakes quotes
// for the bot's own words.
const ExtractiveNote = "No chat model is configured, so here are the most relevant sentences, quoted from the articles:"

// quote is a sentence picked from a paragraph.
type quote struct {
	article   *retrieval.Article
	paragraph int
	text      string
	score     float64
	order     int // position of the sentence in its paragraph
}

// closestNote heads an extractive answer when no sentence is evidence
// enough: the quotes are the nearest the library has, not an answer.
const closestNote = "I can't find an answer to that in the loaded articles. The closest passages, which may not answer this:"

// Limits of an extractive answer: at most maxQuotes sentences, each
// scoring at least keepRatio of the best (a weaker one is padding, not
// evidence), at most two from one paragraph, none repeating another.
var keepRatio = 0.6 // a variable so that the newsbench replay can vary it

const (
	maxQuotes     = 3
	maxClosest    = 2
	duplicateJacc = 0.6 // share of content words two sentences share to count as one
)

// extractiveAnswer quotes, verbatim and cited, the sentences that best
// answer q: ranked by the evidence they hold, not by their paragraph's
// rank. When none is evidence enough it abstains and shows the closest
// passages under closestNote. When the best sentence restates the question
// (most of its weight, few words of its own), the one after it is quoted
// too, since that is where the answer usually is. A digest of a topic
// (mayAbstain false) quotes the best sentences whatever they hold.
func extractiveAnswer(cands []candidate, mayAbstain, aboutTime bool) *Answer {
	ranked := slices.Clone(cands)
	slices.SortStableFunc(ranked, func(a, b candidate) int { return cmp.Compare(b.score, a.score) })
	answers := func(c candidate) bool { return c.answers() || !mayAbstain }
	if !slices.ContainsFunc(ranked, answers) {
		var picked []quote
		for _, c := range pickCandidates(ranked, maxClosest, 0) {
			picked = append(picked, c.quote())
		}
		a := quotedAnswer(picked, aboutTime)
		a.Abstained = true
		a.Text = closestNote + strings.TrimPrefix(a.Text, ExtractiveNote)
		for _, p := range picked {
			if !slices.Contains(a.Closest, p.article) {
				a.Closest = append(a.Closest, p.article)
			}
		}
		return a
	}
	// The best sentence leads, its place in its article counting too;
	// others follow on their score. Once one sentence is evidence enough
	// to answer, the lead may be any that holds an answer of the asked
	// kind: the one that answers often holds less of the question's
	// wording than one that restates it ("Rains hit this year's Burning
	// Man, stranding tens of thousands" against "As thousands of people
	// were stranded at the festival grounds, …"), and its score weighs
	// the answer it holds.
	leads := func(c candidate) bool { return answers(c) || c.typed && c.focused }
	best := ranked[slices.IndexFunc(ranked, answers)]
	for _, c := range ranked {
		if leads(c) && c.score*c.lead() > best.score*best.lead() {
			best = c
		}
	}
	rest := slices.DeleteFunc(slices.Clone(ranked), func(c candidate) bool {
		return c.text == best.text && c.paragraph == best.paragraph && c.article == best.article
	})
	picked := pickCandidates(append([]candidate{best}, rest...), maxQuotes, keepRatio*best.score)
	quotes := make([]quote, 0, len(picked)+1)
	for _, c := range picked {
		quotes = append(quotes, c.quote())
	}
	if lead := quotes[0]; best.self >= 0.8 && best.novel < 4 {
		if next := nextSentence(lead); next != "" && !slices.ContainsFunc(quotes, func(q quote) bool { return q.text == next }) {
			quotes = slices.Insert(quotes, 1, quote{article: lead.article, paragraph: lead.paragraph, text: next, order: lead.order + 1})
			quotes = quotes[:min(len(quotes), maxQuotes)]
		}
	}
	return quotedAnswer(quotes, aboutTime)
}

// pickCandidates takes up to n candidates in order, skipping those below
// floor, a third from one paragraph, and near-duplicates of one taken. After
// the first it prefers sentences that name someone or something the ones
// taken do not (mentions): when three sentences say "Biden tested
// positive", the fourth that says "US President Joe Biden" tells more, and
// when the lead names the wrong candidate a later quote may name the right
// one. Sentences that name nothing new come after, in order.
func pickCandidates(ranked []candidate, n int, floor float64) []candidate {
	var out []candidate
	perParagraph := map[string]int{}
	shown := map[string]bool{}
	taken := map[int]bool{}
	for pass := 0; pass < 2; pass++ {
		for i, c := range ranked {
			if len(out) == n {
				break
			}
			if taken[i] || c.score < floor {
				continue
			}
			id := retrieval.ParagraphID(c.article.ID, c.paragraph)
			if perParagraph[id] >= 2 || slices.ContainsFunc(out, func(o candidate) bool { return nearDuplicate(o.terms, c.terms) }) {
				continue
			}
			if pass == 0 && len(out) > 0 && len(c.mentions) > 0 && !slices.ContainsFunc(c.mentions, func(w string) bool { return !shown[w] }) {
				continue
			}
			taken[i] = true
			perParagraph[id]++
			out = append(out, c)
			for _, w := range c.mentions {
				shown[w] = true
			}
		}
	}
	return out
}

// nearDuplicate reports whether two sentences share most of their content
// words, as syndicated copies and photo captions of one story do.
func nearDuplicate(a, b []string) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	inA := map[string]bool{}
	for _, t := range a {
		inA[t] = true
	}
	union, shared := len(inA), 0
	seen := map[string]bool{}
	for _, t := range b {
		if seen[t] {
			continue
		}
		seen[t] = true
		if inA[t] {
			shared++
		} else {
			union++
		}
	}
	return float64(shared) >= duplicateJacc*float64(union)
}

func (c candidate) quote() quote {
	return quote{article: c.article, paragraph: c.paragraph, text: c.text, score: c.score, order: c.order}
}

// nextSentence returns the sentence after q in its paragraph, if any.
func nextSentence(q quote) string {
	ss := sentence.Split(q.article.Paragraphs[q.paragraph-1])
	if q.order+1 < len(ss) {
		return ss[q.order+1]
	}
	return ""
}

func firstSentence(text string) string {
	if ss := sentence.Split(text); len(ss) > 0 {
		return ss[0]
	}
	return text
}

// pickQuotes takes the best n quotes, at most perParagraph from any one
// paragraph.
func pickQuotes(cands []quote, n, perParagraph int) []quote {
	slices.SortStableFunc(cands, func(a, b quote) int { return cmp.Compare(b.score, a.score) })
	count := map[string]int{}
	var out []quote
	for _, c := range cands {
		id := retrieval.ParagraphID(c.article.ID, c.paragraph)
		if count[id] >= perParagraph {
			continue
		}
		count[id]++
		out = append(out, c)
		if len(out) == n {
			break
		}
	}
	return out
}

// quotedAnswer renders quotes as a block of cited quotations, citing each
// paragraph once, with their articles' dates when the question is about time
// (aboutTime) or the quotes come from different days.
func quotedAnswer(quotes []quote, aboutTime bool) *Answer {
	a := &Answer{Mode: ModeExtractive}
	dated := aboutTime || datesDiffer(quotes)
	number := map[string]int{}
	var b strings.Builder
	b.WriteString(ExtractiveNote)
	for _, q := range quotes {
		id := retrieval.ParagraphID(q.article.ID, q.paragraph)
		n, ok := number[id]
		if !ok {
			n = len(a.Citations) + 1
			number[id] = n
			a.Citations = append(a.Citations, newCitation(n, q.article, q.paragraph))
		}
		note := ""
		if dated {
			note = dateNote(q.article)
		}
		fmt.Fprintf(&b, "\n> %s [%d]%s", q.text, n, note)
	}
	a.Text = b.String()
	return a
}

// extractiveSummary summarizes an article without a model: the opening
// sentence and the sentences most central to the article (those whose words
// recur most across it), in reading order, each cited.
func extractiveSummary(a *retrieval.Article, n int, terms func(string) []string) *Answer {
	freq := map[string]float64{}
	for _, p := range a.Paragraphs {
		for _, t := range terms(p) {
			freq[t]++
		}
	}
	var cands []quote
	for i, p := range a.Paragraphs {
		for j, s := range sentence.Split(p) {
			ts := terms(s)
			if len(ts) < 4 {
				continue
			}
			var sum float64
			for _, t := range ts {
				sum += math.Log1p(freq[t] - 1) // words that appear once say nothing about centrality
			}
			cands = append(cands, quote{a, i + 1, s, sum / math.Sqrt(float64(len(ts))), j})
		}
	}
	if len(cands) == 0 {
		return quotedAnswer([]quote{{article: a, paragraph: 1, text: firstSentence(a.Paragraphs[0])}}, false)
	}
	lead := cands[0]
	rest := pickQuotes(slices.Clone(cands[1:]), n-1, 1)
	picked := append([]quote{lead}, rest...)
	slices.SortFunc(picked, func(x, y quote) int {
		if c := cmp.Compare(x.paragraph, y.paragraph); c != 0 {
			return c
		}
		return cmp.Compare(x.order, y.order)
	})
	return quotedAnswer(picked, false)
}
