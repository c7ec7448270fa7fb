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
)

// maxMessage is the most characters Discord takes in a message's content.
// Discord counts Unicode code points, so the rendering code counts runes.
const maxMessage = 2000

const (
	// mdMaxHeadline and mdMaxOutlet clip titles and outlet names in quote
	// headers and "Closest articles" bullets.
	mdMaxHeadline = 300
	mdMaxOutlet   = 100

	mdSourcesHeader = "**Sources**"
	mdClosestHeader = "Closest articles:"
	mdEmptyAnswer   = "The answer came back empty."
	mdNoQuotes      = "This answer quotes no paragraphs."
	mdEmptyQuote    = "_(The paragraph is empty.)_"
	mdSearching     = "_Searching the articles…_"
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

// renderClosestLine is a "- Headline (Outlet)" bullet.
func renderClosestLine(a *bot.Article) string {
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
