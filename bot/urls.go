package bot

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

var (
	// markdownLink matches [label](target).
	markdownLink = regexp.MustCompile(`\[([^\[\]\n]*)\]\(\s*<?([^()\s<>]*)>?\s*\)`)
)

// stripURLs removes links and URLs that are not in allowed. A link whose
// label is a citation marker keeps only the marker: citations get their
// links from the sources, not from the model.
func stripURLs(text string, allowed []string) string {
	ok := make(map[string]bool, len(allowed))
	for _, u := range allowed {
		ok[normalizeURL(u)] = true
	}
	if strings.Contains(text, "](") {
		text = markdownLink.ReplaceAllStringFunc(text, func(m string) string {
			sub := markdownLink.FindStringSubmatch(m)
			label, target := sub[1], sub[2]
			if _, isMarker := parseMarkerContent(label); isMarker {
				return "[" + label + "]"
			}
			if ok[normalizeURL(target)] {
				return m
			}
			return label
		})
	}
	var drop [][]int
	for _, loc := range findURLs(text) {
		if !ok[normalizeURL(text[loc[0]:loc[1]])] {
			drop = append(drop, loc)
		}
	}
	if len(drop) == 0 {
		return text
	}
	text = markRanges(text, drop)
	return markRanges(text, findEmptyParens(text))
}

// emptyParenWords are what is left inside "(source: URL)" once the URL
// is gone.
var emptyParenWords = map[string]bool{"": true, "source": true, "sources": true, "see": true, "via": true, "link": true, "url": true}

// findEmptyParens returns the byte ranges of parentheses and angle brackets
// left empty by removing URLs from them.
func findEmptyParens(text string) [][]int {
	var locs [][]int
	for i := 0; i < len(text); i++ {
		switch {
		case text[i] == '<' && strings.HasPrefix(text[i+1:], string(gapMark)+">"):
			n := 2 + utf8.RuneLen(gapMark)
			locs = append(locs, []int{i, i + n})
			i += n - 1
		case text[i] == '(':
			j := strings.IndexAny(text[i+1:], "()")
			if j < 0 || text[i+1+j] != ')' {
				continue
			}
			inner := strings.ToLower(strings.TrimRight(strings.TrimSpace(strings.ReplaceAll(text[i+1:i+1+j], string(gapMark), "")), " \t:"))
			if emptyParenWords[inner] {
				locs = append(locs, []int{i, i + j + 2})
				i += j + 1
			}
		}
	}
	return locs
}

// findURLs returns the byte ranges of the URLs written out in text: from
// "http://" or "https://" anywhere, or "www." at the start of a word, up to
// the next space, bracket or quote.
func findURLs(text string) [][]int {
	var locs [][]int
	for i := 0; i < len(text); i++ {
		if c := text[i] | 0x20; c != 'h' && c != 'w' {
			continue
		}
		rest := text[i:]
		var prefix int
		switch {
		case hasPrefixFold(rest, "https://"):
			prefix = len("https://")
		case hasPrefixFold(rest, "http://"):
			prefix = len("http://")
		case hasPrefixFold(rest, "www.") && (i == 0 || !isWordByte(text[i-1])):
			prefix = len("www.")
		default:
			continue
		}
		end := i
		for end < len(text) {
			r, size := utf8.DecodeRuneInString(text[end:])
			if unicode.IsSpace(r) || strings.ContainsRune("<>[]()\"'`", r) || isOpenBracket(r) || isCloseBracket(r) ||
				r == placeholderOpen || r == placeholderClose {
				break
			}
			end += size
		}
		end = i + len(strings.TrimRight(text[i:end], ".,;:!?"))
		if end-i <= prefix {
			continue // "www." alone names nothing
		}
		locs = append(locs, []int{i, end})
		i = end - 1
	}
	return locs
}

func isWordByte(b byte) bool {
	return b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// markRanges replaces the given sorted, disjoint byte ranges of text by
// gap marks, for closeGaps to tidy.
func markRanges(text string, ranges [][]int) string {
	var b strings.Builder
	last := 0
	for _, r := range ranges {
		if r[0] < last {
			continue
		}
		b.WriteString(text[last:r[0]])
		b.WriteRune(gapMark)
		last = r[1]
	}
	b.WriteString(text[last:])
	return b.String()
}

// removeRanges cuts the given sorted, disjoint byte ranges out of text,
// tidying the space around each gap.
func removeRanges(text string, ranges [][]int) string {
	if len(ranges) == 0 {
		return text
	}
	var buf []byte
	last := 0
	for _, r := range ranges {
		if r[0] < last {
			continue
		}
		buf = append(buf, text[last:r[0]]...)
		var skip int
		buf, skip = dropGap(buf, text[r[1]:])
		last = r[1] + skip
	}
	return string(append(buf, text[last:]...))
}

// normalizeURL reduces a URL to what identifies the page: host without
// "www." and scheme, path without a final slash, and query; no fragment.
func normalizeURL(raw string) string {
	raw = strings.TrimSpace(raw)
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	s := strings.TrimPrefix(strings.ToLower(u.Host), "www.") + strings.TrimSuffix(u.EscapedPath(), "/")
	if u.RawQuery != "" {
		s += "?" + u.RawQuery
	}
	return s
}
