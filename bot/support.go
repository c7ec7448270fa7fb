package bot

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// answerWords returns the words of s, lowercased and each once, that could
// answer the question and that it lacks: names for "who" and "which
// company", dates for "when", numbers for "how many", and for "what" or
// "which X" of no known kind the words of terms the question lacks
// ("mustard" for "which condiment"). The first word of a sentence is a
// name only if its article writes it as one (names, see nameWords).
func (q question) answerWords(s string, terms func(string) []string, names map[string]bool) []string {
	var out []string
	for i, w := range words(s) {
		lw := possessor(w)
		if q.words[lw] || slices.Contains(out, lw) || !q.answerWord(w, i, terms, names) {
			continue
		}
		out = append(out, lw)
	}
	return out
}

// answerWord reports whether w, the i-th word of a sentence, can be (part
// of) an answer of the asked kind.
func (q question) answerWord(w string, i int, terms func(string) []string, names map[string]bool) bool {
	lw := possessor(w)
	switch q.kind {
	case nameKind:
		r, _ := utf8.DecodeRuneInString(w)
		return unicode.IsUpper(r) && !notNames[lw] && (i > 0 || names[lw])
	case dateKind:
		return datePattern.MatchString(w)
	case numberKind:
		return strings.ContainsAny(w, "0123456789") || numberWords[lw]
	}
	ts := terms(w)
	return len(ts) > 0 && !slices.ContainsFunc(ts, func(t string) bool { _, ok := q.weights[t]; return ok })
}

// supportAnswers sets each candidate's support: how strongly the other
// sentences retrieved back its best answer word. News repeats its central
// fact in the lead, the body and the captions, and other outlets repeat it
// too, so the answer recurs among the sentences that bear on the question,
// while a word used in passing does not: the redundancy that open-domain
// question answering leans on (AskMSR, Brill et al. 2002). Each sentence
// votes for its answer words with the share of the question it and its
// neighbours hold; a candidate's support is the votes its best word got
// from the other sentences, as a share of the most any word got. Only for
// numbers and "what": names are not counted, since in a small library the
// article's own people and places recur in every sentence whether or not
// they answer, and "who" has typed names to go by.
func supportAnswers(q question, cands []candidate) {
	if q.kind != numberKind && q.kind != anyKind {
		return
	}
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

// newMentions returns the names and numbers of s that the question lacks,
// lowercased: the things a sentence tells of, which a later quote should
// add to rather than repeat. The first word of a sentence counts if its
// article writes it as a name (names, known for "who" questions).
func (q question) newMentions(s string, names map[string]bool) []string {
	var out []string
	for i, w := range words(s) {
		lw := possessor(w)
		r, _ := utf8.DecodeRuneInString(w)
		if q.words[lw] || notNames[lw] || slices.Contains(out, lw) {
			continue
		}
		if (i > 0 || names[lw]) && unicode.IsUpper(r) || strings.ContainsAny(w, "0123456789") {
			out = append(out, lw)
		}
	}
	return out
}
