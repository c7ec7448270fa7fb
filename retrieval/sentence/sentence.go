// Package sentence is the project's one idea of where a sentence ends. The
// importer uses it to tell a headline from prose, the PDF reader to tell a
// finished line from a wrapped one, the core to quote and check sentences,
// and the Discord adapter to cut long messages between sentences: one rule,
// so a sentence the core quotes is the sentence a message keeps whole.
//
// It reads plain text and Discord markdown alike: closing markup (*, _, ~,
// |) and escaped citation markers (\[3\]) after a full stop belong to the
// sentence they close.
package sentence

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// End returns where the sentence whose terminator starts at s[p] ends, or
// -1 if the terminator ends none. A terminator is ., !, ?, … or a CJK full
// stop; the sentence takes with it any further terminators, closing quotes,
// brackets and markup, and the citation markers after them ("… talks. [1]").
// A full stop ends nothing when no space follows it ("3.5", "U.S.A."), when
// it follows an abbreviation or an initial ("Mr.", "J. Smith"), or when the
// next word starts in lower case ("e.g. this"). The end of s ends any
// sentence, and a CJK full stop needs no space after it.
func End(s string, p int) int {
	r, size := utf8.DecodeRuneInString(s[p:])
	cjk := r == '。' || r == '！' || r == '？'
	if !strings.ContainsRune(terminators, r) {
		return -1
	}
	q := skipCitations(s, skipClosers(s, p+size))
	if q == len(s) || cjk {
		return q
	}
	next, _ := utf8.DecodeRuneInString(s[q:])
	first, _ := utf8.DecodeRuneInString(strings.TrimLeftFunc(s[q:], unicode.IsSpace))
	switch {
	case !unicode.IsSpace(next):
		return -1
	case r == '.' && isAbbreviation(s[:p]):
		return -1
	case unicode.IsLower(first):
		return -1
	}
	return q
}

const (
	// terminators end sentences.
	terminators = ".!?…。！？"
	// closers may follow a terminator and still belong to its sentence:
	// more terminators, closing quotes and brackets, and markdown that
	// closes.
	closers = terminators + `"')]»”’」』*_~|`
)

// Split cuts one line of text into sentences at every End, trimmed of the
// spaces between them.
func Split(line string) []string {
	var out []string
	start := 0
	for i := 0; i < len(line); {
		r, size := utf8.DecodeRuneInString(line[i:])
		j := End(line, i)
		if j < 0 {
			i += size
			if strings.ContainsRune(terminators, r) {
				i = skipClosers(line, i) // "?!" that ends nothing ends nothing twice
			}
			continue
		}
		out = append(out, strings.TrimSpace(line[start:j]))
		start, i = j, j
	}
	if rest := strings.TrimSpace(line[start:]); rest != "" {
		out = append(out, rest)
	}
	return out
}

// Complete reports whether s ends with a finished sentence: its last
// terminator ends a sentence, and only closers and citations follow it.
func Complete(s string) bool {
	s = strings.TrimRightFunc(s, unicode.IsSpace)
	i := strings.LastIndexAny(s, terminators)
	return i >= 0 && End(s, i) == len(s)
}

// CitationLen returns the length of a citation marker at the start of s,
// "[12]" or its markdown escape "\[12\]", or 0.
func CitationLen(s string) int {
	esc := strings.HasPrefix(s, `\[`)
	i := 1
	if esc {
		i = 2
	} else if !strings.HasPrefix(s, "[") {
		return 0
	}
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	switch {
	case j == i:
		return 0
	case esc && strings.HasPrefix(s[j:], `\]`):
		return j + 2
	case !esc && strings.HasPrefix(s[j:], "]"):
		return j + 1
	}
	return 0
}

// skipClosers returns the index after the closers that start at s[i:].
func skipClosers(s string, i int) int {
	for i < len(s) {
		c, n := utf8.DecodeRuneInString(s[i:])
		if !strings.ContainsRune(closers, c) {
			break
		}
		i += n
	}
	return i
}

// skipCitations returns the index after any citation markers, and the
// spaces before them, that start at s[i:].
func skipCitations(s string, i int) int {
	for {
		rest := strings.TrimLeft(s[i:], " \t")
		n := CitationLen(rest)
		if n == 0 {
			return i
		}
		i = len(s) - len(rest) + n
	}
}

// abbreviations end in a full stop that does not end a sentence.
var abbreviations = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "st": true, "jr": true, "sr": true,
	"gen": true, "sen": true, "rep": true, "gov": true, "lt": true, "col": true, "sgt": true, "capt": true,
	"no": true, "vs": true, "etc": true, "e.g": true, "i.e": true, "approx": true, "inc": true, "ltd": true,
	"co": true, "corp": true, "u.s": true, "u.k": true, "u.n": true, "jan": true, "feb": true, "mar": true,
	"apr": true, "jun": true, "jul": true, "aug": true, "sep": true, "sept": true, "oct": true, "nov": true,
	"dec": true, "fig": true, "pp": true,
}

// isAbbreviation reports whether before ends in an abbreviation or an
// initial such as the "J" of "J. Smith".
func isAbbreviation(before string) bool {
	if len(before) > 16 {
		before = before[len(before)-16:] // no abbreviation is longer
	}
	i := strings.LastIndexFunc(before, func(r rune) bool { return !unicode.IsLetter(r) && r != '.' })
	word := strings.ToLower(before[i+1:])
	return utf8.RuneCountInString(word) == 1 || abbreviations[word]
}
