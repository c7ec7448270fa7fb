package bot

import (
	"slices"
	"strings"
)

// answerWords returns the words of s, lowercased and each once, that could
// answer the question and that it lacks: numbers for "how many", and for
// "what" or "which X" of no known kind the words of terms the question
// lacks ("mustard" for "which condiment"). Names are not counted: in a
// small library the article's own names (its people, its places) recur in
// every sentence whether or not they answer, and "who" has typed names to
// go by.
func (q question) answerWords(s string, terms func(string) []string) []string {
	var out []string
	for _, w := range words(s) {
		lw := strings.ToLower(w)
		if q.words[lw] || slices.Contains(out, lw) || !q.answerWord(w, terms) {
			continue
		}
		out = append(out, lw)
	}
	return out
}

// answerWord reports whether w can be (part of) an answer of the asked
// kind.
func (q question) answerWord(w string, terms func(string) []string) bool {
	switch q.kind {
	case numberKind:
		return strings.ContainsAny(w, "0123456789") || numberWords[strings.ToLower(w)]
	case anyKind:
		ts := terms(w)
		return len(ts) > 0 && !slices.ContainsFunc(ts, func(t string) bool { _, ok := q.weights[t]; return ok })
	}
	return false
}

// supportAnswers sets each candidate's support: how strongly the other
// sentences retrieved back its best answer word. News repeats its central
// fact in the lead, the body and the captions, and other outlets repeat it
// too, so the answer recurs among the sentences that bear on the question,
// while a word used in passing does not: the redundancy that open-domain
// question answering leans on (AskMSR, Brill et al. 2002). Each sentence
// votes for its answer words with the share of the question it and its
// neighbours hold; a candidate's support is the votes its best word got
// from the other sentences, as a share of the most any word got.
func supportAnswers(cands []candidate) {
	votes := map[string]float64{}
	for _, c := range cands {
		for _, w := range c.answerWords {
			votes[w] += c.window
		}
	}
	top := 0.0
	for _, v := range votes {
		top = max(top, v)
	}
	if top == 0 {
		return
	}
	for i, c := range cands {
		for _, w := range c.answerWords {
			cands[i].support = max(cands[i].support, (votes[w]-c.window)/top)
		}
	}
}
