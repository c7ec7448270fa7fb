package bot

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/newsbot/newsbot/retrieval/sentence"
)

// citation matches a citation as parseCitations writes them.
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
		for _, s := range sentence.Split(stripBullet(line)) {
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
