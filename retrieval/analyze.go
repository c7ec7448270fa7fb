package retrieval

import (
	"strings"
	"sync"
	"unicode"

	"github.com/kljensen/snowball/english"
)

// analyze splits text into lowercase, stemmed content words: runs of letters
// and digits, English stop words dropped, Snowball (Porter2) stems.
func analyze(text string) []string {
	var out []string
	for _, w := range tokenize(text) {
		if stopWords[w] {
			continue
		}
		out = append(out, stem(w))
	}
	return out
}

// tokenize returns the lowercased runs of letters and digits in text.
func tokenize(text string) []string {
	var out []string
	start := -1
	for i, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, strings.ToLower(text[start:i]))
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, strings.ToLower(text[start:]))
	}
	return out
}

// stemCache maps word → stem. Words with digits are not cached, which keeps
// the cache to the bounded vocabulary of the language.
var stemCache sync.Map

func stem(w string) string {
	if len(w) <= 3 || len(w) > 30 || strings.ContainsAny(w, "0123456789") {
		return w
	}
	if s, ok := stemCache.Load(w); ok {
		return s.(string)
	}
	s := english.Stem(w, false)
	stemCache.Store(w, s)
	return s
}

// stopWords are common English words that carry no topic.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about above after again against all am an and any are as at be because been
	before being below between both but by can could did do does doing down during each few for from further had has
	have having he her here hers herself him himself his how i if in into is it its itself just me more most my myself
	no nor not now of off on once only or other our ours ourselves out over own same she should so some such than that
	the their theirs them themselves then there these they this those through to too under until up very was we were
	what when where which while who whom why will with would you your yours yourself yourselves s t said says`) {
		m[w] = true
	}
	return m
}()
