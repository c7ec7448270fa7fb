package markdown

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsbot/newsbot/bot"
)

const (
	// reserve is the room a cut keeps for the markdown it has to close
	// when it falls inside a bold pair or a code block.
	reserve = 16
	// lookahead bounds how far past a message's end the splitter looks
	// for the end of a bold pair, a code span or a link.
	lookahead = 8 << 10
)

// Kinds of places to cut text, best first.
const (
	cutParagraph = iota // before a blank line
	cutLine             // before a line break
	cutSentence         // after a sentence and its [n] markers
	cutWord             // at a space, though not before an [n] marker
	cutKinds
)

// Split cuts s into pieces of at most limit runes, none of them blank.
//
// Each piece ends at the best cut in its last stretch: a paragraph break,
// else a line break, else a sentence end, else a space; a cut that would
// leave a piece under a quarter full gives way to a worse kind of cut
// further on. Cuts avoid bold and other paired markup, code and links. Only
// when no such cut exists does a cut fall inside paired markup or code,
// which is then closed at the end of the piece and reopened in the next;
// text without spaces is cut between characters, keeping escapes, combining
// marks and emoji sequences whole. A quote line cut in two keeps "> " on its
// continuation, and everything after a ">>> " stays in a ">>> " quote.
func Split(s string, limit int) []string {
	text := strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD"))
	prefixLen := 0 // text[:prefixLen] is markup carried over from the last cut
	multiQuote := false
	var out []string
	for strings.TrimSpace(text[prefixLen:]) != "" {
		if runeCount(text) <= limit {
			out = append(out, strings.TrimRightFunc(text, unicode.IsSpace))
			break
		}
		c := chooseCut(text, limit-reserve, prefixLen)
		piece := strings.TrimRight(text[:c.at], " \t\r\n")
		rest := text[c.at:]
		ws := len(rest) - len(strings.TrimLeft(rest, " \t\r\n"))
		midLine := true
		if nl := strings.LastIndexByte(rest[:ws], '\n'); nl >= 0 {
			rest, midLine = rest[nl+1:], false
		} else {
			rest = rest[ws:]
		}
		var opens, closes string
		inCode := false
		for i, sp := range c.enclosing {
			opens += sp.open
			closes += c.enclosing[len(c.enclosing)-1-i].close
			inCode = inCode || strings.HasPrefix(sp.open, "`")
		}
		piece += closes
		if runeCount(piece) > limit { // cannot happen; the limit is a promise
			piece = string([]rune(piece)[:limit])
		}
		out = append(out, piece)

		multiQuote = multiQuote || hasMultiQuote(piece)
		lead := ""
		switch {
		case multiQuote:
			lead = ">>> "
		case midLine && strings.HasPrefix(text[strings.LastIndexByte(text[:c.at], '\n')+1:], "> "):
			lead = "> "
		}
		if midLine && !inCode {
			rest = guardLineStart(rest)
		}
		text = lead + opens + rest
		prefixLen = len(lead) + len(opens)
	}
	return out
}

// cutPoint is where to cut and the paired markup or code it falls inside,
// outermost first.
type cutPoint struct {
	at        int
	enclosing []span
}

// chooseCut picks where to cut s so that s[:at] has at most limit runes
// and s[minCut:at] is not blank.
func chooseCut(s string, limit, minCut int) cutPoint {
	end := byteOffset(s, limit)
	spans := findSpans(s[:min(len(s), end+lookahead)])
	first := minCut + len(s[minCut:]) - len(strings.TrimLeft(s[minCut:], " \t\r\n"))
	// First avoid all markup; then allow cutting paired markup and code,
	// which can be closed and reopened; then links as well.
	for tier := range 3 {
		blocked := make([]bool, end+1)
		for _, sp := range spans {
			if tier == 2 || tier == 1 && sp.close != "" {
				continue
			}
			for p := sp.start + 1; p < sp.end && p <= end; p++ {
				blocked[p] = true
			}
		}
		if at, ok := boundary(s, end, first, blocked, limit/4); ok {
			return cutPoint{at, enclosing(spans, at)}
		}
	}
	at := hardCut(s, end, first)
	return cutPoint{at, enclosing(spans, at)}
}

// boundary finds the best cut in s[first+1:end+1] that blocked allows: the
// last of the best kind that leaves at least floor runes, or failing that
// the last of any kind.
func boundary(s string, end, first int, blocked []bool, floor int) (int, bool) {
	last := [cutKinds]int{-1, -1, -1, -1}
	for p := first + 1; p <= end && p < len(s); p++ {
		switch s[p] {
		case '\n':
			if blocked[p] {
				break
			}
			last[cutLine] = p
			rest := strings.TrimLeft(s[p+1:], " \t\r")
			if rest == "" || rest[0] == '\n' {
				last[cutParagraph] = p
			}
		case ' ', '\t':
			if !blocked[p] && !markerAhead(s[p:]) {
				last[cutWord] = p
			}
		default:
			if q := bot.SentenceEnd(s, p); q > first && q <= end && !blocked[q] {
				last[cutSentence] = max(last[cutSentence], q)
			}
		}
	}
	for _, at := range last {
		if at >= 0 && runeCount(s[:at]) >= floor {
			return at, true
		}
	}
	at := slices.Max(last[:])
	return at, at >= 0
}

// markerAhead reports whether the next word after the spaces at the
// start of s is a citation marker, which must stay with its sentence.
func markerAhead(s string) bool {
	return bot.CitationLen(strings.TrimLeft(s, " \t")) > 0
}

// hardCut cuts s between characters at or before end, backing off so that
// an escape, a combining mark or an emoji sequence is not torn apart.
func hardCut(s string, end, first int) int {
	at := end
	for range 32 {
		if at <= first+1 || at >= len(s) {
			break
		}
		prev, size := utf8.DecodeLastRuneInString(s[:at])
		next, _ := utf8.DecodeRuneInString(s[at:])
		odd := (at-len(strings.TrimRight(s[:at], `\`)))%2 == 1
		if !odd && !joined(prev, next) {
			return at
		}
		at -= size
	}
	if at <= first {
		_, size := utf8.DecodeRuneInString(s[first:])
		return min(len(s), max(end, first+size))
	}
	return at
}

// joined reports whether prev and next belong to one visible character.
func joined(prev, next rune) bool {
	return unicode.In(next, unicode.Mn, unicode.Me, unicode.Mc) ||
		next == '\u200d' || prev == '\u200d' ||
		next >= '\ufe00' && next <= '\ufe0f' ||
		next >= 0x1f3fb && next <= 0x1f3ff || // skin tones
		next >= 0xe0020 && next <= 0xe007f // tag sequences
}

// guardLineStart escapes what would turn the start of a cut-off line into
// a heading, quote or list at the top of the next message.
func guardLineStart(s string) string {
	if s == "" {
		return s
	}
	switch {
	case strings.IndexByte("#>-+", s[0]) >= 0,
		s[0] == '*' && len(s) > 1 && (s[1] == ' ' || s[1] == '\t'):
		return `\` + s
	}
	if n := listNumber(s); n > 0 {
		return s[:n] + `\` + s[n:]
	}
	return s
}

// hasMultiQuote reports whether s has a ">>> " line, which quotes the
// rest of the message.
func hasMultiQuote(s string) bool {
	for line := range strings.Lines(s) {
		if line = strings.TrimRight(line, "\n"); line == ">>>" || strings.HasPrefix(line, ">>> ") {
			return true
		}
	}
	return false
}

// byteOffset returns the length in bytes of the first n runes of s.
func byteOffset(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}

func runeCount(s string) int { return utf8.RuneCountInString(s) }
