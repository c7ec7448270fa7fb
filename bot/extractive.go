package bot

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/newsbot/newsbot/retrieval"
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

// extractiveAnswer quotes the sentences of the top paragraphs that best
// match the question, verbatim, each with its citation.
func extractiveAnswer(question string, hits []retrieval.Hit) *Answer {
	q := termSet(question)
	var cands []quote
	for rank, h := range hits[:min(len(hits), 4)] {
		for i, s := range sentences(h.Text) {
			sc := sentenceScore(q, s)
			if sc == 0 {
				continue
			}
			sc *= 1 - 0.1*float64(rank) // the retriever's order counts too
			cands = append(cands, quote{h.Article, h.Paragraph, s, sc, i})
		}
	}
	picked := pickQuotes(cands, 3, 2)
	if len(picked) == 0 { // no sentence shares a word: quote the best paragraph's opening
		h := hits[0]
		picked = []quote{{article: h.Article, paragraph: h.Paragraph, text: sentences(h.Text)[0]}}
	}
	return quotedAnswer(picked)
}

// sentenceScore rates a sentence by the question words it contains,
// preferring short sentences that hold many of them.
func sentenceScore(q map[string]bool, s string) float64 {
	terms := retrieval.Terms(s)
	seen := map[string]bool{}
	for _, t := range terms {
		if q[t] {
			seen[t] = true
		}
	}
	if len(seen) == 0 {
		return 0
	}
	return float64(len(seen)) / math.Sqrt(float64(len(terms))+4)
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
func extractiveSummary(a *retrieval.Article, n int) *Answer {
	freq := map[string]float64{}
	for _, p := range a.Paragraphs {
		for _, t := range retrieval.Terms(p) {
			freq[t]++
		}
	}
	var cands []quote
	for i, p := range a.Paragraphs {
		for j, s := range sentences(p) {
			terms := retrieval.Terms(s)
			if len(terms) < 4 {
				continue
			}
			var sum float64
			for _, t := range terms {
				sum += math.Log1p(freq[t] - 1) // words that appear once say nothing about centrality
			}
			cands = append(cands, quote{a, i + 1, s, sum / math.Sqrt(float64(len(terms))), j})
		}
	}
	if len(cands) == 0 {
		return quotedAnswer([]quote{{article: a, paragraph: 1, text: sentences(a.Paragraphs[0])[0]}})
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
