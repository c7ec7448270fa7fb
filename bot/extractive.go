package bot

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
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
	order     int     // position of the sentence in its paragraph
	coverage  float64 // share of the question's weighted words it holds
}

// extractiveAnswer quotes the sentences of the relevant paragraphs that
// best match the question, verbatim, each with its citation. Question words
// count by their rarity (weights); a sentence that also brings words the
// question lacks is preferred, since it more likely holds the answer than
// one that merely restates the question; when the best sentence does restate
// it, the sentence after it is quoted too.
func extractiveAnswer(question string, hits []retrieval.Hit, weights map[string]float64, terms func(string) []string) *Answer {
	wantsNumber := asksForNumber.MatchString(question)
	total := 0.0
	for _, w := range weights {
		total += w
	}
	var cands []quote
	for rank, h := range hits {
		discount := max(1-0.1*float64(rank), 0.3) // the retriever's order counts too
		for i, s := range sentence.Split(h.Text) {
			cov, novel, n := sentenceMatch(weights, terms(s))
			if cov == 0 {
				continue
			}
			sc := cov / total / math.Sqrt(float64(n)+4) * (1 + 0.3*float64(min(novel, 5))/5) * discount
			if wantsNumber && strings.ContainsAny(s, "0123456789") {
				sc *= 1.5 // "how many", "when": the answer is a number or a date
			}
			cands = append(cands, quote{h.Article, h.Paragraph, s, sc, i, cov / total})
		}
	}
	picked := pickQuotes(cands, 3, 2)
	if len(picked) == 0 { // no sentence shares a word: quote the best paragraph's opening
		h := hits[0]
		picked = []quote{{article: h.Article, paragraph: h.Paragraph, text: firstSentence(h.Text)}}
	} else if best := picked[0]; best.coverage >= 0.8 {
		if next := nextSentence(best); next != "" && !slices.ContainsFunc(picked, func(q quote) bool { return q.text == next }) {
			follow := quote{best.article, best.paragraph, next, best.score, best.order + 1, 0}
			picked = slices.Insert(picked, 1, follow)
			picked = picked[:min(len(picked), 4)]
		}
	}
	return quotedAnswer(picked)
}

// asksForNumber matches questions whose answer is a number or a date.
var asksForNumber = regexp.MustCompile(`(?i)\b(how (many|much|long|old|far|often)|what (number|percentage|share|year|date|time)|when|which year)\b`)

// sentenceMatch sums the weights of the question's words in a sentence and
// counts its other content words.
func sentenceMatch(weights map[string]float64, terms []string) (cov float64, novel, n int) {
	seen := map[string]bool{}
	for _, t := range terms {
		if seen[t] {
			continue
		}
		seen[t] = true
		if w, ok := weights[t]; ok {
			cov += w
		} else {
			novel++
		}
	}
	return cov, novel, len(terms)
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
// paragraph once.
func quotedAnswer(quotes []quote) *Answer {
	a := &Answer{Mode: ModeExtractive}
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
		fmt.Fprintf(&b, "\n> %s [%d]", q.text, n)
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
			cands = append(cands, quote{a, i + 1, s, sum / math.Sqrt(float64(len(ts))), j, 0})
		}
	}
	if len(cands) == 0 {
		return quotedAnswer([]quote{{article: a, paragraph: 1, text: firstSentence(a.Paragraphs[0])}})
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
	return quotedAnswer(picked)
}
