package markdown

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"
)

// span is markup a cut should not fall inside: a bold or other pair, code
// or a masked link.
type span struct {
	start, end  int    // s[start:end] holds it
	open, close string // reopen and close it across a cut; empty for a link
}

// findSpans finds the paired markup (** __ ~~ ||), code (one, two or three
// backticks) and masked links in s, skipping escaped characters, ordered by
// start.
func findSpans(s string) []span {
	var spans []span
	open := map[string]int{}
	for i := 0; i < len(s); {
		switch {
		case s[i] == '\\':
			i++
			if i < len(s) {
				_, size := utf8.DecodeRuneInString(s[i:])
				i += size
			}
		case strings.HasPrefix(s[i:], "```"):
			j := strings.Index(s[i+3:], "```")
			if j < 0 {
				i += 3
				break
			}
			end := i + 3 + j + 3
			spans = append(spans, span{i, end, "```" + fenceLang(s[i+3:end-3]) + "\n", "\n```"})
			i = end
		case s[i] == '`':
			n := 1
			if strings.HasPrefix(s[i:], "``") {
				n = 2
			}
			j := closeTicks(s[i+n:], n)
			if j < 0 {
				i += n
				break
			}
			end := i + n + j + n
			spans = append(spans, span{i, end, s[i : i+n], s[i : i+n]})
			i = end
		case s[i] == '[':
			if end := linkEnd(s, i); end > 0 {
				spans = append(spans, span{start: i, end: end})
				i = end
			} else {
				i++
			}
		case len(s) > i+1 && s[i] == s[i+1] && strings.IndexByte("*_~|", s[i]) >= 0:
			tok := s[i : i+2]
			if st, ok := open[tok]; ok {
				spans = append(spans, span{st, i + 2, tok, tok})
				delete(open, tok)
			} else {
				open[tok] = i
			}
			i += 2
		default:
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	return spans
}

// fenceLang returns the language of a code block's content, if its first
// line names one.
func fenceLang(content string) string {
	lang, _, ok := strings.Cut(content, "\n")
	if !ok || len(lang) > 20 {
		return ""
	}
	for _, c := range []byte(lang) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("+-_.#", c) >= 0) {
			return ""
		}
	}
	return lang
}

// closeTicks returns where a run of exactly n backticks starts in s, or -1.
func closeTicks(s string, n int) int {
	for i := 0; i < len(s); {
		if s[i] != '`' {
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] == '`' {
			j++
		}
		if j-i == n {
			return i
		}
		i = j
	}
	return -1
}

// linkEnd returns the end of a masked link "[text](url)" starting at
// s[i], or -1.
func linkEnd(s string, i int) int {
	depth, j := 0, i
	for ; j < len(s) && j-i < 2048; j++ {
		switch s[j] {
		case '\\':
			j++
			continue
		case '\n':
			return -1
		case '[':
			depth++
		case ']':
			depth--
		}
		if depth == 0 {
			break
		}
	}
	if depth != 0 || j+1 >= len(s) || s[j+1] != '(' {
		return -1
	}
	k := j + 2
	if k < len(s) && s[k] == '<' {
		if e := strings.Index(s[k:min(len(s), k+4096)], ">)"); e >= 0 {
			return k + e + 2
		}
		return -1
	}
	for parens := 0; k < len(s) && k-j < 4096; k++ {
		switch s[k] {
		case '(':
			parens++
		case ')':
			if parens == 0 {
				return k + 1
			}
			parens--
		case ' ', '\t', '\n':
			return -1
		}
	}
	return -1
}

// enclosing returns the spans that can be closed and reopened and that a
// cut at at falls inside, outermost first.
func enclosing(spans []span, at int) []span {
	var out []span
	for _, sp := range spans {
		if sp.close != "" && sp.start < at && at < sp.end {
			out = append(out, sp)
		}
	}
	return out
}

// Tail keeps the end of s within limit runes behind a "…", starting at a
// line or word outside any bold pair, code span or link when one is near.
func Tail(s string, limit int) string {
	start := len(s)
	for n := 0; n < limit-2 && start > 0; n++ {
		_, size := utf8.DecodeLastRuneInString(s[:start])
		start -= size
	}
	spans := findSpans(s)
	inside := func(p int) bool {
		return slices.ContainsFunc(spans, func(sp span) bool { return sp.start < p && p < sp.end })
	}
	for p := start; p < min(len(s), start+400); p++ {
		if p > 0 && s[p-1] == '\n' && !inside(p) && strings.TrimSpace(s[p:]) != "" {
			return "…\n" + s[p:]
		}
	}
	for p := start; p < min(len(s), start+100); p++ {
		if s[p] == ' ' && !inside(p+1) && strings.TrimSpace(s[p:]) != "" {
			return "…" + strings.TrimLeft(s[p:], " ")
		}
	}
	return "…" + s[start:]
}
