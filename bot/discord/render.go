package discord

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/retrieval"
)

// maxMessage is the most characters Discord takes in a message's content.
// Discord counts Unicode code points, so this file counts runes.
const maxMessage = 2000

const (
	// mdMaxLink is the longest deep link written out. A text fragment of a
	// long paragraph can make a link absurd; then the article's URL is used.
	mdMaxLink = 500
	// mdMaxHeadline and mdMaxOutlet clip titles and outlet names in quote
	// headers and "Closest articles" bullets.
	mdMaxHeadline = 300
	mdMaxOutlet   = 100
	// mdReserve is the room a cut keeps for the markdown it has to close
	// when it falls inside a bold pair or a code block.
	mdReserve = 16
	// mdLookahead bounds how far past a message's end the splitter looks
	// for the end of a bold pair, a code span or a link.
	mdLookahead = 8 << 10

	mdSourcesHeader = "**Sources**"
	mdClosestHeader = "Closest articles:"
	mdEmptyAnswer   = "The answer came back empty."
	mdNoQuotes      = "This answer quotes no paragraphs."
	mdEmptyQuote    = "_(The paragraph is empty.)_"
	mdSearching     = "_Searching the articles…_"
	mdZeroWidth     = "\u200b"
)

// renderAnswer lays an answer out as the messages to send, in order: the
// text, its sources as masked deep links, and the closest articles when
// nothing was found. Each message holds 1 to maxMessage characters; long
// answers are split at paragraphs, then lines, sentences and words, and a
// source line is never split.
func renderAnswer(a *bot.Answer) []string {
	if a == nil {
		return []string{mdEmptyAnswer}
	}
	var units []mdUnit
	if body := renderBody(a); body != "" {
		units = append(units, mdUnit{text: body})
	}
	// The header travels with the first line, so it never ends a message.
	lineMax := maxMessage - mdRunes(mdSourcesHeader) - 1
	for i, c := range a.Citations {
		u := mdUnit{text: renderSourceLine(c, lineMax), sep: "\n"}
		if i == 0 {
			u = mdUnit{text: mdSourcesHeader + "\n" + u.text, sep: "\n\n"}
		}
		units = append(units, u)
	}
	first := true
	for _, art := range a.Closest {
		if art == nil {
			continue
		}
		u := mdUnit{text: renderClosestLine(art), sep: "\n"}
		if first {
			u, first = mdUnit{text: mdClosestHeader + "\n" + u.text, sep: "\n\n"}, false
		}
		units = append(units, u)
	}
	if msgs := mdPack(units, maxMessage); len(msgs) > 0 {
		return msgs
	}
	return []string{mdEmptyAnswer}
}

// renderBody is the answer's text made safe to post. A model's light
// markdown is kept; an extractive answer's "> " lines quote articles
// verbatim, so their markdown is escaped.
func renderBody(a *bot.Answer) string {
	text := strings.ReplaceAll(a.Text, "\r\n", "\n")
	if a.Mode != bot.ModeExtractive {
		return strings.TrimSpace(sanitizeModelText(text))
	}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if q, ok := strings.CutPrefix(l, "> "); ok {
			lines[i] = "> " + escapeMarkdown(q)
		} else {
			lines[i] = sanitizeModelText(l)
		}
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// renderSourceLine is one line of the sources list, at most limit runes:
// "[n] [Outlet — Headline (2 Jan 2006), ¶4](<https://…>)". The angle
// brackets keep Discord from embedding a preview of every source. When the
// line is too long the headline is cut, never the link.
func renderSourceLine(c bot.Citation, limit int) string {
	prefix := fmt.Sprintf("[%d] ", c.N)
	label, suffix := mdOneLine(renderLabel(c)), fmt.Sprintf(", ¶%d", c.Paragraph)
	url := ""
	if c.Link != "" {
		if url = mdLinkURL(c.Link); url == "" && c.Article != nil {
			url = mdLinkURL(c.Article.URL)
		}
	}
	if url == "" {
		return prefix + mdFitLabel(label, suffix, limit-mdRunes(prefix), mdEscapeInline)
	}
	room := limit - mdRunes(prefix) - mdRunes(url) - len("[](<>)")
	return prefix + "[" + mdFitLabel(label, suffix, room, mdLinkText) + "](<" + url + ">)"
}

func renderLabel(c bot.Citation) string {
	if c.Article == nil {
		return fmt.Sprintf("unknown article, ¶%d", c.Paragraph)
	}
	return c.Label()
}

// mdFitLabel renders label within limit runes; a label that doesn't fit
// loses the end of its headline but keeps its ", ¶k" suffix.
func mdFitLabel(label, suffix string, limit int, render func(string) string) string {
	if out := render(label); mdRunes(out) <= limit {
		return out
	}
	head, ok := strings.CutSuffix(label, suffix)
	if !ok {
		return mdFit(label, limit, render)
	}
	tail := render(suffix)
	return mdFit(head, limit-mdRunes(tail), render) + tail
}

// mdFit renders the longest start of s, ended with "…", that fits in limit
// runes once rendered.
func mdFit(s string, limit int, render func(string) string) string {
	if out := render(s); mdRunes(out) <= limit {
		return out
	}
	if limit < 1 {
		return ""
	}
	rs := []rune(s)
	fits := func(k int) bool { return mdRunes(render(string(rs[:k])+"…")) <= limit }
	lo, hi := 0, len(rs)
	for lo < hi {
		if mid := (lo + hi + 1) / 2; fits(mid) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return render(strings.TrimRightFunc(string(rs[:lo]), unicode.IsSpace) + "…")
}

// mdLinkURL prepares a link target for "(<…>)": only http(s) links, with
// the characters that could end the target (or spell @everyone)
// percent-encoded, and none longer than mdMaxLink. It returns "" for a link
// that can't be used.
func mdLinkURL(u string) string {
	u = strings.TrimSpace(strings.ToValidUTF8(u, ""))
	lower := strings.ToLower(u)
	if !(strings.HasPrefix(lower, "https://") && len(u) > 8 || strings.HasPrefix(lower, "http://") && len(u) > 7) {
		return ""
	}
	var b strings.Builder
	for i, r := range u {
		switch {
		case strings.ContainsRune(`<>()[]\"`, r) || unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r),
			r == '@' && mdPingAfterAt(u[i+1:]):
			for _, c := range []byte(string(r)) {
				fmt.Fprintf(&b, "%%%02X", c)
			}
		default:
			b.WriteRune(r)
		}
	}
	if mdRunes(b.String()) > mdMaxLink {
		return ""
	}
	return b.String()
}

// mdLinkText escapes the text of a masked link. Discord's link pattern
// accepts brackets in the text only as "[…]" pairs, or a lone "]" with no
// "[" after it, so other brackets become parentheses.
func mdLinkText(s string) string {
	rs := []rune(s)
	pair := make([]bool, len(rs))
	lastOpen := -1
	for i := 0; i < len(rs); i++ {
		if rs[i] != '[' {
			continue
		}
		for j := i + 1; j < len(rs) && rs[j] != '['; j++ {
			if rs[j] == ']' {
				pair[i], pair[j], lastOpen = true, true, i
				i = j
				break
			}
		}
	}
	for i, r := range rs {
		switch {
		case r == '[' && !pair[i]:
			rs[i] = '('
		case r == ']' && !pair[i] && i < lastOpen:
			rs[i] = ')'
		}
	}
	return mdEscapeInline(string(rs))
}

// renderClosestLine is a "- Headline (Outlet)" bullet.
func renderClosestLine(a *retrieval.Article) string {
	title := mdOneLine(a.Title)
	if title == "" {
		title = cmp.Or(mdOneLine(a.URL), mdOneLine(a.ID), "untitled")
	}
	line := "- " + mdEscapeInline(mdClip(title, mdMaxHeadline))
	if src := mdOneLine(a.Source); src != "" {
		line += " (" + mdEscapeInline(mdClip(src, mdMaxOutlet)) + ")"
	}
	return line
}

// renderQuotes lays out the cited paragraphs for the "Show quotes" button:
// per citation a bold "[n] Outlet — Headline, ¶k" and the paragraph as a
// quote. Messages break between citations; a paragraph too long for one
// message is split at sentences, each piece still quoted. It returns at
// least one message.
func renderQuotes(a *bot.Answer) []string {
	if a == nil {
		return []string{mdNoQuotes}
	}
	var units []mdUnit
	for _, c := range a.Citations {
		units = append(units, mdUnit{text: renderQuoteBlock(c), sep: "\n\n"})
	}
	if msgs := mdPack(units, maxMessage); len(msgs) > 0 {
		return msgs
	}
	return []string{mdNoQuotes}
}

func renderQuoteBlock(c bot.Citation) string {
	label := fmt.Sprintf("unknown article, ¶%d", c.Paragraph)
	if art := c.Article; art != nil {
		label = mdClip(cmp.Or(mdOneLine(art.Title), "untitled"), mdMaxHeadline) + fmt.Sprintf(", ¶%d", c.Paragraph)
		if src := mdOneLine(art.Source); src != "" {
			label = mdClip(src, mdMaxOutlet) + " — " + label
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "**[%d] %s**", c.N, mdEscapeInline(label))
	quoted := false
	for _, line := range strings.Split(strings.ToValidUTF8(c.Quote, "\uFFFD"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			b.WriteString("\n> ")
			b.WriteString(escapeMarkdown(line))
			quoted = true
		}
	}
	if !quoted {
		b.WriteString("\n" + mdEmptyQuote)
	}
	return b.String()
}

// renderProgress is the message shown while an answer is written: the
// answer so far, its start dropped for a "…" when it is too long, and a
// status line.
func renderProgress(partial string, elapsed time.Duration) string {
	text := strings.TrimSpace(sanitizeModelText(partial))
	if text == "" {
		return mdSearching
	}
	status := fmt.Sprintf("\n\n_Writing… (%d s)_", max(0, int(elapsed.Round(time.Second)/time.Second)))
	const fence = "\n```" // closes a code block the status line would fall into
	if budget := maxMessage - mdRunes(status) - len(fence); mdRunes(text) > budget {
		text = mdTail(text, budget)
	}
	if strings.Count(text, "```")%2 == 1 {
		text += fence
	}
	return text + status
}

// mdTail keeps the end of s within limit runes behind a "…", starting at a
// line or word outside any bold pair, code span or link when one is near.
func mdTail(s string, limit int) string {
	start := len(s)
	for n := 0; n < limit-2 && start > 0; n++ {
		_, size := utf8.DecodeLastRuneInString(s[:start])
		start -= size
	}
	spans := mdSpans(s)
	inside := func(p int) bool {
		return slices.ContainsFunc(spans, func(sp mdSpan) bool { return sp.start < p && p < sp.end })
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

// escapeMarkdown makes text from articles show as written: it escapes what
// Discord would read as markdown (emphasis, code, spoilers, brackets, and
// quotes, headings and lists at a line's start), leaves bare URLs intact
// (Discord links them before it reads emphasis) and defuses mentions.
func escapeMarkdown(s string) string {
	return mdEscape(s, true)
}

// mdEscapeInline escapes text set inside a line of ours, such as a headline
// in a source line: every markdown character, URLs included.
func mdEscapeInline(s string) string {
	return mdEscape(s, false)
}

func mdEscape(s string, block bool) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	lineStart, inURL := true, false
	for i := 0; i < len(s); {
		if block && lineStart {
			lineStart = false
			j := i + len(s[i:]) - len(strings.TrimLeft(s[i:], " \t"))
			b.WriteString(s[i:j])
			if i = j; i == len(s) {
				break
			}
			if strings.IndexByte("#>-+", s[i]) >= 0 {
				b.WriteByte('\\')
			} else if n := mdListNumber(s[i:]); n > 0 {
				b.WriteString(s[i:i+n] + `\.`)
				i += n + 1
				continue
			}
		}
		if block && !inURL && mdURLAt(s, i) {
			inURL = true
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if inURL && (unicode.IsSpace(r) || r == '<' || r == '>') {
			inURL = false
		}
		switch {
		case r == '\n':
			lineStart = true
			b.WriteByte('\n')
		case !inURL && r < utf8.RuneSelf && strings.IndexByte("\\*_~`|[]", byte(r)) >= 0:
			b.WriteByte('\\')
			b.WriteByte(byte(r))
		case r == '<' && mdMentionAfterLT(s[i+1:]):
			b.WriteString("<" + mdZeroWidth)
		case r == '@' && mdPingAfterAt(s[i+1:]):
			b.WriteString("@" + mdZeroWidth)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// sanitizeModelText keeps a model's light markdown (bold, lists, quotes)
// but defuses mentions by putting a zero-width space inside them, so
// "@everyone", "<@123>" or "<#456>" can't ping or link even if
// allowed_mentions were ever left off a message.
func sanitizeModelText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if !strings.ContainsAny(s, "<@") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		if s[i] == '<' && mdMentionAfterLT(s[i+1:]) || s[i] == '@' && mdPingAfterAt(s[i+1:]) {
			b.WriteString(mdZeroWidth)
		}
	}
	return b.String()
}

// mdMentionAfterLT reports whether "<" followed by rest starts Discord's
// syntax for a user, role or channel mention, a slash command, an emoji or a
// timestamp.
func mdMentionAfterLT(rest string) bool {
	for _, p := range []string{"@", "#", "/", ":", "t:", "a:"} {
		if strings.HasPrefix(rest, p) {
			return true
		}
	}
	return false
}

func mdPingAfterAt(rest string) bool {
	return len(rest) >= 8 && strings.EqualFold(rest[:8], "everyone") ||
		len(rest) >= 4 && strings.EqualFold(rest[:4], "here")
}

// mdURLAt reports whether a bare http(s) URL starts at s[i].
func mdURLAt(s string, i int) bool {
	if i > 0 && (unicode.IsLetter(rune(s[i-1])) || unicode.IsDigit(rune(s[i-1]))) {
		return false
	}
	rest := s[i:min(len(s), i+8)]
	return strings.HasPrefix(strings.ToLower(rest), "https://") || strings.HasPrefix(strings.ToLower(rest), "http://")
}

// mdListNumber returns the number of digits in an ordered list marker
// ("12. ") at the start of s, or 0.
func mdListNumber(s string) int {
	n := 0
	for n < len(s) && n < 9 && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	if n > 0 && n+1 < len(s) && s[n] == '.' && s[n+1] == ' ' {
		return n
	}
	return 0
}

// mdOneLine collapses s to one line with single spaces.
func mdOneLine(s string) string {
	return strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
}

// mdClip cuts s to n runes, the last being "…".
func mdClip(s string, n int) string {
	if mdRunes(s) <= n {
		return s
	}
	rs := []rune(s)
	return strings.TrimRightFunc(string(rs[:n-1]), unicode.IsSpace) + "…"
}

func mdRunes(s string) int { return utf8.RuneCountInString(s) }

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
			if q := mdSentenceEnd(s, p); q > first && q <= end && !blocked[q] {
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

// mdSentenceEnd returns where a sentence ends if its terminator starts at
// s[p] ("." "!" "?" "…" or a CJK full stop), past closing quotes and [n]
// markers, or -1. It is no end when the next word starts in lower case
// ("e.g. this") or no space follows ("3.5").
func mdSentenceEnd(s string, p int) int {
	r, size := utf8.DecodeRuneInString(s[p:])
	cjk := r == '。' || r == '！' || r == '？'
	if !cjk && r != '.' && r != '!' && r != '?' && r != '…' {
		return -1
	}
	q := p + size
	for q < len(s) {
		c, n := utf8.DecodeRuneInString(s[q:])
		if !strings.ContainsRune(`.!?…"')»”’」』*_~|`, c) {
			break
		}
		q += n
	}
	for {
		m := strings.TrimLeft(s[q:], " ")
		if n := mdMarkerLen(m); n > 0 {
			q = len(s) - len(m) + n
			continue
		}
		break
	}
	if q == len(s) || cjk {
		return q
	}
	if s[q] != ' ' && s[q] != '\t' && s[q] != '\n' {
		return -1
	}
	next, _ := utf8.DecodeRuneInString(strings.TrimLeft(s[q:], " \t\n"))
	if unicode.IsLower(next) {
		return -1
	}
	return q
}

// mdMarkerLen returns the length of a citation marker, "[12]" or the
// escaped "\[12\]", at the start of s, or 0.
func mdMarkerLen(s string) int {
	esc := strings.HasPrefix(s, `\[`)
	i := 1
	if esc {
		i = 2
	} else if !strings.HasPrefix(s, "[") {
		return 0
	}
	j := i
	for j < len(s) && j-i < 4 && s[j] >= '0' && s[j] <= '9' {
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

// mdMarkerAhead reports whether the next word after the spaces at the
// start of s is a citation marker, which must stay with its sentence.
func mdMarkerAhead(s string) bool {
	return mdMarkerLen(strings.TrimLeft(s, " \t")) > 0
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

// mdSpan is markup a cut should not fall inside: a bold or other pair, code
// or a masked link.
type mdSpan struct {
	start, end  int    // s[start:end] holds it
	open, close string // reopen and close it across a cut; empty for a link
}

// mdSpans finds the paired markup (** __ ~~ ||), code (one, two or three
// backticks) and masked links in s, skipping escaped characters, ordered by
// start.
func mdSpans(s string) []mdSpan {
	var spans []mdSpan
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
			spans = append(spans, mdSpan{i, end, "```" + mdFenceLang(s[i+3:end-3]) + "\n", "\n```"})
			i = end
		case s[i] == '`':
			n := 1
			if strings.HasPrefix(s[i:], "``") {
				n = 2
			}
			j := mdCloseTicks(s[i+n:], n)
			if j < 0 {
				i += n
				break
			}
			end := i + n + j + n
			spans = append(spans, mdSpan{i, end, s[i : i+n], s[i : i+n]})
			i = end
		case s[i] == '[':
			if end := mdLinkEnd(s, i); end > 0 {
				spans = append(spans, mdSpan{start: i, end: end})
				i = end
			} else {
				i++
			}
		case len(s) > i+1 && s[i] == s[i+1] && strings.IndexByte("*_~|", s[i]) >= 0:
			tok := s[i : i+2]
			if st, ok := open[tok]; ok {
				spans = append(spans, mdSpan{st, i + 2, tok, tok})
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
	slices.SortFunc(spans, func(a, b mdSpan) int { return cmp.Compare(a.start, b.start) })
	return spans
}

// mdFenceLang returns the language of a code block's content, if its first
// line names one.
func mdFenceLang(content string) string {
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

// mdCloseTicks returns where a run of exactly n backticks starts in s, or -1.
func mdCloseTicks(s string, n int) int {
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

// mdLinkEnd returns the end of a masked link "[text](url)" starting at
// s[i], or -1.
func mdLinkEnd(s string, i int) int {
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

// mdEnclosing returns the spans that can be closed and reopened and that a
// cut at at falls inside, outermost first.
func mdEnclosing(spans []mdSpan, at int) []mdSpan {
	var out []mdSpan
	for _, sp := range spans {
		if sp.close != "" && sp.start < at && at < sp.end {
			out = append(out, sp)
		}
	}
	return out
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
