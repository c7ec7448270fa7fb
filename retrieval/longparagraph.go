package retrieval

import (
	"strings"
	"unicode/utf8"

	"github.com/newsbot/newsbot/retrieval/sentence"
)

// SplitLong returns the paragraphs with every one longer than
// MaxParagraphBytes cut into parts of about equal size between sentences,
// so that an article with one enormous paragraph (a transcript, a live
// blog flattened by an extractor) loads instead of being refused. Where no
// sentence ends in reach, a part ends at a space, and as a last resort
// between two characters. Paragraphs within the limit are kept as they are.
func SplitLong(paragraphs []string) []string {
	var out []string
	for i, p := range paragraphs {
		if len(p) <= MaxParagraphBytes {
			if out != nil {
				out = append(out, p)
			}
			continue
		}
		if out == nil {
			out = append(make([]string, 0, len(paragraphs)+1), paragraphs[:i]...)
		}
		out = append(out, splitParagraph(p)...)
	}
	if out == nil {
		return paragraphs
	}
	return out
}

// splitParagraph cuts p into parts of at most MaxParagraphBytes, aiming at
// equal parts.
func splitParagraph(p string) []string {
	var out []string
	for len(p) > MaxParagraphBytes {
		parts := (len(p) + MaxParagraphBytes - 1) / MaxParagraphBytes
		cut := cutPoint(p, len(p)/parts, MaxParagraphBytes)
		out = append(out, strings.TrimSpace(p[:cut]))
		p = strings.TrimSpace(p[cut:])
	}
	return append(out, p)
}

// cutPoint chooses where the first part of p ends: the sentence end nearest
// target and at most limit bytes in; failing one at least half the target
// in, the last space before limit; failing that, the last character
// boundary before limit.
func cutPoint(p string, target, limit int) int {
	best := -1
	for i := 0; i < limit && i < len(p); {
		j := sentence.End(p, i)
		if j < 0 {
			_, size := utf8.DecodeRuneInString(p[i:])
			i += size
			continue
		}
		if j > limit || j >= len(p) {
			break
		}
		if best < 0 || distance(j, target) < distance(best, target) {
			best = j
		}
		if j >= target {
			break // later ends are further from the target
		}
		i = j
	}
	if best >= target/2 {
		return best
	}
	if sp := strings.LastIndexByte(p[:limit], ' '); sp >= limit/2 {
		return sp
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(p[cut]) {
		cut--
	}
	return cut
}

func distance(a, b int) int {
	if a > b {
		return a - b
	}
	return b - a
}
