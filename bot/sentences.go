package bot

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// citation matches a citation as ParseCitations writes them.
var citation = regexp.MustCompile(`\[[0-9]+\]`)

// uncitedSentences returns the sentences of text that make a claim and
// cite nothing.
func uncitedSentences(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if isHeading(line) {
			continue
		}
		for _, s := range sentences(stripBullet(line)) {
			if isClaim(s) && !citation.MatchString(s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// isHeading reports lines that introduce rather than state: markdown
// headings, lines in bold only, and lines ending in a colon.
func isHeading(line string) bool {
	return strings.HasPrefix(line, "#") || strings.HasSuffix(line, ":") ||
		(len(line) > 4 && strings.HasPrefix(line, "**") && strings.HasSuffix(line, "**") && !strings.Contains(line[2:len(line)-2], "**"))
}

// bullet matches the marker of a list item.
var bullet = regexp.MustCompile(`^(?:[-*•+]|[0-9]{1,3}[.)])\s+`)

func stripBullet(line string) string { return bullet.ReplaceAllString(line, "") }

// sentences splits one line into sentences. A sentence ends at ., ! or ?
// followed by space, or at a CJK full stop; citations written after the
// full stop ("… talks. [1]") still belong to it. A full stop after an
// abbreviation or an initial, or before a lowercase word, ends nothing.
func sentences(line string) []string {
	var out []string
	start := 0
	for i := 0; i < len(line); {
		r, size := utf8.DecodeRuneInString(line[i:])
		if !isTerminator(r) {
			i += size
			continue
		}
		j := i + size
		for j < len(line) {
			r2, n := utf8.DecodeRuneInString(line[j:])
			if !isTerminator(r2) && !strings.ContainsRune(`"')]»”’」』`, r2) {
				break
			}
			j += n
		}
		j = skipCitations(line, j)
		cjk := r == '。' || r == '！' || r == '？'
		next, _ := utf8.DecodeRuneInString(line[j:])
		rest := strings.TrimLeft(line[j:], " \t")
		first, _ := utf8.DecodeRuneInString(rest)
		switch {
		case j < len(line) && !cjk && !unicode.IsSpace(next): // 3.5, U.S.A.
		case r == '.' && isAbbreviation(line[start:i]):
		case rest != "" && unicode.IsLower(first):
		default:
			out = append(out, strings.TrimSpace(line[start:j]))
			start = j
		}
		i = j
	}
	if rest := strings.TrimSpace(line[start:]); rest != "" {
		out = append(out, rest)
	}
	return out
}

// skipCitations returns the index after any citations (and the spaces
// before them) that start at line[i:].
func skipCitations(line string, i int) int {
	for {
		j := i
		for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
			j++
		}
		if j >= len(line) || line[j] != '[' {
			return i
		}
		k := j + 1
		for k < len(line) && line[k] >= '0' && line[k] <= '9' {
			k++
		}
		if k == j+1 || k >= len(line) || line[k] != ']' {
			return i
		}
		i = k + 1
	}
}

func isTerminator(r rune) bool {
	return r == '.' || r == '!' || r == '?' || r == '。' || r == '！' || r == '？'
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

// isClaim reports whether a sentence states something a source should
// back: not a question, not the abstain sentence, and not very short.
func isClaim(s string) bool {
	if s == "" || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "？") || strings.HasSuffix(s, ":") || abstained(s) {
		return false
	}
	letters, wide := 0, false
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
		}
		if r >= 0x1100 && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) {
			wide = true
		}
	}
	if wide {
		return letters >= 8 // scripts without spaces: count characters
	}
	return letters > 0 && len(strings.Fields(s)) >= minClaimWords
}

// minClaimWords is the fewest words a sentence needs to count as a claim;
// "Yes, it did." and "In short:" do not.
const minClaimWords = 4
