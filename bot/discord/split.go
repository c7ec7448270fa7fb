package discord

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsbot/newsbot/bot"
)

const (
	// mdReserve is the room a cut keeps for the markdown it has to close
	// when it falls inside a bold pair or a code block.
	mdReserve = 16
	// mdLookahead bounds how far past a message's end the splitter looks
	// for the end of a bold pair, a code span or a link.
	mdLookahead = 8 << 10
)

// mdUnit is a piece of a layout: a source line, which is never split, or
// text, which is split when it can't fit a message by itself.
type mdUnit struct {
	text string
	sep  string // goes before text when it joins a message
}

// mdPack fills messages of at most limit runes with units, in order.
func mdPack(units []mdUnit, limit int) []string {
	var msgs []string
	cur, curRunes := "", 0
	for _, u := range units {
		if strings.TrimSpace(u.text) == "" {
			continue
		}
		n := mdRunes(u.text)
		if cur != "" && curRunes+mdRunes(u.sep)+n <= limit {
			cur, curRunes = cur+u.sep+u.text, curRunes+mdRunes(u.sep)+n
			continue
		}
		if cur != "" {
			msgs = append(msgs, cur)
		}
		if n <= limit {
			cur, curRunes = u.text, n
			continue
		}
		pieces := mdSplit(u.text, limit)
		if len(pieces) == 0 {
			cur, curRunes = "", 0
			continue
		}
		msgs = append(msgs, pieces[:len(pieces)-1]...)
		cur = pieces[len(pieces)-1]
		curRunes = mdRunes(cur)
	}
	if cur != "" {
		msgs = append(msgs, cur)
	}
	return msgs
}

// Kinds of places to cut text, best first.
const (
	mdCutParagraph = iota // before a blank line
	mdCutLine             // before a line break
	mdCutSentence         // after a sentence and its [n] markers
	mdCutWord             // at a space, though not before an [n] marker
	mdCutKinds
)

// mdSplit cuts s into pieces of at most limit runes, none of them blank.
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
func mdSplit(s string, limit int) []string {
	text := strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD"))
	prefixLen := 0 // text[:prefixLen] is markup carried over from the last cut
	multiQuote := false
	var out []string
	for strings.TrimSpace(text[prefixLen:]) != "" {
		if mdRunes(text) <= limit {
			out = append(out, strings.TrimRightFunc(text, unicode.IsSpace))
			break
		}
		c := mdChooseCut(text, limit-mdReserve, prefixLen)
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
		if mdRunes(piece) > limit { // cannot happen; the limit is a promise
			piece = string([]rune(piece)[:limit])
		}
		out = append(out, piece)

		multiQuote = multiQuote || mdHasMultiQuote(piece)
		lead := ""
		switch {
		case multiQuote:
			lead = ">>> "
		case midLine && strings.HasPrefix(text[strings.LastIndexByte(text[:c.at], '\n')+1:], "> "):
			lead = "> "
		}
		if midLine && !inCode {
			rest = mdGuardLineStart(rest)
		}
		text = lead + opens + rest
		prefixLen = len(lead) + len(opens)
	}
	return out
}

// mdCut is where to cut and the paired markup or code it falls inside,
// outermost first.
type mdCut struct {
	at        int
	enclosing []mdSpan
}

// mdChooseCut picks where to cut s so that s[:at] has at most limit runes
// and s[minCut:at] is not blank.
func mdChooseCut(s string, limit, minCut int) mdCut {
	end := mdByteOffset(s, limit)
	spans := mdSpans(s[:min(len(s), end+mdLookahead)])
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
		if at, ok := mdBoundary(s, end, first, blocked, limit/4); ok {
			return mdCut{at, mdEnclosing(spans, at)}
		}
	}
	at := mdHardCut(s, end, first)
	return mdCut{at, mdEnclosing(spans, at)}
}

// mdBoundary finds the best cut in s[first+1:end+1] that blocked allows: the
// last of the best kind that leaves at least floor runes, or failing that
// the last of any kind.
func mdBoundary(s string, end, first int, blocked []bool, floor int) (int, bool) {
	last := [mdCutKinds]int{-1, -1, -1, -1}
	for p := first + 1; p <= end && p < len(s); p++ {
		switch s[p] {
		case '\n':
			if blocked[p] {
				break
			}
			last[mdCutLine] = p
			rest := strings.TrimLeft(s[p+1:], " \t\r")
			if rest == "" || rest[0] == '\n' {
				last[mdCutParagraph] = p
			}
		case ' ', '\t':
			if !blocked[p] && !mdMarkerAhead(s[p:]) {
				last[mdCutWord] = p
			}
		default:
			if q := bot.SentenceEnd(s, p); q > first && q <= end && !blocked[q] {
				last[mdCutSentence] = max(last[mdCutSentence], q)
			}
		}
	}
	for _, at := range last {
		if at >= 0 && mdRunes(s[:at]) >= floor {
			return at, true
		}
	}
	at := slices.Max(last[:])
	return at, at >= 0
}

// mdMarkerAhead reports whether the next word after the spaces at the
// start of s is a citation marker, which must stay with its sentence.
func mdMarkerAhead(s string) bool {
	return bot.CitationLen(strings.TrimLeft(s, " \t")) > 0
}

// mdHardCut cuts s between characters at or before end, backing off so that
// an escape, a combining mark or an emoji sequence is not torn apart.
func mdHardCut(s string, end, first int) int {
	at := end
	for range 32 {
		if at <= first+1 || at >= len(s) {
			break
		}
		prev, size := utf8.DecodeLastRuneInString(s[:at])
		next, _ := utf8.DecodeRuneInString(s[at:])
		odd := (at-len(strings.TrimRight(s[:at], `\`)))%2 == 1
		if !odd && !mdJoined(prev, next) {
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

// mdJoined reports whether prev and next belong to one visible character.
func mdJoined(prev, next rune) bool {
	return unicode.In(next, unicode.Mn, unicode.Me, unicode.Mc) ||
		next == '\u200d' || prev == '\u200d' ||
		next >= '\ufe00' && next <= '\ufe0f' ||
		next >= 0x1f3fb && next <= 0x1f3ff || // skin tones
		next >= 0xe0020 && next <= 0xe007f // tag sequences
}

// mdGuardLineStart escapes what would turn the start of a cut-off line into
// a heading, quote or list at the top of the next message.
func mdGuardLineStart(s string) string {
	if s == "" {
		return s
	}
	switch {
	case strings.IndexByte("#>-+", s[0]) >= 0,
		s[0] == '*' && len(s) > 1 && (s[1] == ' ' || s[1] == '\t'):
		return `\` + s
	}
	if n := mdListNumber(s); n > 0 {
		return s[:n] + `\` + s[n:]
	}
	return s
}

// mdHasMultiQuote reports whether s has a ">>> " line, which quotes the
// rest of the message.
func mdHasMultiQuote(s string) bool {
	for line := range strings.Lines(s) {
		if line = strings.TrimRight(line, "\n"); line == ">>>" || strings.HasPrefix(line, ">>> ") {
			return true
		}
	}
	return false
}

// mdByteOffset returns the length in bytes of the first n runes of s.
func mdByteOffset(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}
