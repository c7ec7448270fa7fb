package discord

import (
	"cmp"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/discord/markdown"
)

// maxMessage is the most characters Discord takes in a message's content.
// Discord counts Unicode code points, so the rendering code counts runes.
const maxMessage = 2000

const (
	// maxHeadline and maxOutlet clip titles and outlet names in quote
	// headers and "Closest articles" bullets.
	maxHeadline = 300
	maxOutlet   = 100

	sourcesHeader = "**Sources**"
	closestHeader = "Closest articles:"
	emptyAnswer   = "The answer came back empty."
	noQuotes      = "This answer quotes no paragraphs."
	emptyQuote    = "_(The paragraph is empty.)_"
	searching     = "_Searching the articles…_"
)

// renderAnswer lays an answer out as the messages to send, in order: the
// header (the question, for a public answer), the text, its sources as
// masked deep links, and the closest articles when nothing was found. Each
// message holds 1 to maxMessage characters; long answers are split at
// paragraphs, then lines, sentences and words, and a source line is never
// split.
func renderAnswer(a *bot.Answer, header string) []string {
	if a == nil {
		return []string{emptyAnswer}
	}
	var units []unit
	body := renderBody(a)
	if header != "" {
		// One unit with the body, so the header never stands alone in a
		// message of its own.
		body = strings.TrimSpace(header + "\n\n" + body)
	}
	if body != "" {
		units = append(units, unit{text: body})
	}
	// The header travels with the first line, so it never ends a message.
	lineMax := maxMessage - runeCount(sourcesHeader) - 1
	for i, c := range a.Citations {
		u := unit{text: renderSourceLine(c, lineMax), sep: "\n"}
		if i == 0 {
			u = unit{text: sourcesHeader + "\n" + u.text, sep: "\n\n"}
		}
		units = append(units, u)
	}
	first := true
	for _, art := range a.Closest {
		if art == nil {
			continue
		}
		u := unit{text: renderClosestLine(art), sep: "\n"}
		if first {
			u, first = unit{text: closestHeader + "\n" + u.text, sep: "\n\n"}, false
		}
		units = append(units, u)
	}
	if msgs := pack(units, maxMessage); len(msgs) > 0 {
		return msgs
	}
	return []string{emptyAnswer}
}

// extractiveLead opens an extractive answer in Discord. The core's note
// says why the answer is quotes (no chat model), which is for whoever runs
// the bot: it goes to the log at start-up and to /help for admins.
const extractiveLead = "From the articles:"

// renderBody is the answer's text made safe to post. A model's light
// markdown is kept; an extractive answer's "> " lines quote articles
// verbatim, so their markdown is escaped.
func renderBody(a *bot.Answer) string {
	text := strings.ReplaceAll(a.Text, "\r\n", "\n")
	if a.Mode != bot.ModeExtractive {
		return strings.TrimSpace(markdown.DefuseMentions(text))
	}
	if rest, ok := strings.CutPrefix(text, bot.ExtractiveNote); ok {
		text = extractiveLead + rest
	}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if q, ok := strings.CutPrefix(l, "> "); ok {
			lines[i] = "> " + markdown.Escape(q)
		} else {
			lines[i] = markdown.DefuseMentions(l)
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
	label, suffix := oneLine(renderLabel(c)), fmt.Sprintf(", ¶%d", c.Paragraph)
	url := ""
	if c.Link != "" {
		if url = markdown.LinkURL(c.Link); url == "" && c.Article != nil {
			url = markdown.LinkURL(c.Article.URL)
		}
	}
	if url == "" {
		return prefix + fitLabel(label, suffix, limit-runeCount(prefix), markdown.EscapeInline)
	}
	room := limit - runeCount(prefix) - runeCount(url) - len("[](<>)")
	return prefix + "[" + fitLabel(label, suffix, room, markdown.LinkText) + "](<" + url + ">)"
}

func renderLabel(c bot.Citation) string {
	if c.Article == nil {
		return fmt.Sprintf("unknown article, ¶%d", c.Paragraph)
	}
	return c.Label()
}

// fitLabel renders label within limit runes; a label that doesn't fit
// loses the end of its headline but keeps its ", ¶k" suffix.
func fitLabel(label, suffix string, limit int, render func(string) string) string {
	if out := render(label); runeCount(out) <= limit {
		return out
	}
	head, ok := strings.CutSuffix(label, suffix)
	if !ok {
		return fit(label, limit, render)
	}
	tail := render(suffix)
	return fit(head, limit-runeCount(tail), render) + tail
}

// fit renders the longest start of s, ended with "…", that fits in limit
// runes once rendered.
func fit(s string, limit int, render func(string) string) string {
	if out := render(s); runeCount(out) <= limit {
		return out
	}
	if limit < 1 {
		return ""
	}
	rs := []rune(s)
	fits := func(k int) bool { return runeCount(render(string(rs[:k])+"…")) <= limit }
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
	title := oneLine(a.Title)
	if title == "" {
		title = cmp.Or(oneLine(a.URL), oneLine(a.ID), "untitled")
	}
	line := "- " + markdown.EscapeInline(clip(title, maxHeadline))
	if src := oneLine(a.Source); src != "" {
		line += " (" + markdown.EscapeInline(clip(src, maxOutlet)) + ")"
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
		return []string{noQuotes}
	}
	var units []unit
	for _, c := range a.Citations {
		units = append(units, unit{text: renderQuoteBlock(c), sep: "\n\n"})
	}
	if msgs := pack(units, maxMessage); len(msgs) > 0 {
		return msgs
	}
	return []string{noQuotes}
}

func renderQuoteBlock(c bot.Citation) string {
	label := fmt.Sprintf("unknown article, ¶%d", c.Paragraph)
	if art := c.Article; art != nil {
		label = clip(cmp.Or(oneLine(art.Title), "untitled"), maxHeadline) + fmt.Sprintf(", ¶%d", c.Paragraph)
		if src := oneLine(art.Source); src != "" {
			label = clip(src, maxOutlet) + " — " + label
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "**[%d] %s**", c.N, markdown.EscapeInline(label))
	quoted := false
	for _, line := range strings.Split(strings.ToValidUTF8(c.Quote, "\uFFFD"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			b.WriteString("\n> ")
			b.WriteString(markdown.Escape(line))
			quoted = true
		}
	}
	if !quoted {
		b.WriteString("\n" + emptyQuote)
	}
	return b.String()
}

// renderProgress is the message shown while an answer is written: the
// header, the answer so far, its start dropped for a "…" when it is too
// long, and a status line.
func renderProgress(header, partial string, elapsed time.Duration) string {
	if header != "" {
		header += "\n\n"
	}
	text := strings.TrimSpace(markdown.DefuseMentions(partial))
	if text == "" {
		return header + searching
	}
	status := fmt.Sprintf("\n\n_Writing… (%d s)_", max(0, int(elapsed.Round(time.Second)/time.Second)))
	const fence = "\n```" // closes a code block the status line would fall into
	if budget := maxMessage - runeCount(header) - runeCount(status) - len(fence); runeCount(text) > budget {
		text = markdown.Tail(text, budget)
	}
	if strings.Count(text, "```")%2 == 1 {
		text += fence
	}
	return header + text + status
}

// oneLine collapses s to one line with single spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
}

// clip cuts s to n runes, the last being "…".
func clip(s string, n int) string {
	if runeCount(s) <= n {
		return s
	}
	rs := []rune(s)
	return strings.TrimRightFunc(string(rs[:n-1]), unicode.IsSpace) + "…"
}

func runeCount(s string) int { return utf8.RuneCountInString(s) }

// unit is a piece of a layout: a source line, which is never split, or
// text, which is split when it can't fit a message by itself.
type unit struct {
	text string
	sep  string // goes before text when it joins a message
}

// pack fills messages of at most limit runes with units, in order.
func pack(units []unit, limit int) []string {
	var msgs []string
	cur, curRunes := "", 0
	for _, u := range units {
		if strings.TrimSpace(u.text) == "" {
			continue
		}
		n := runeCount(u.text)
		if cur != "" && curRunes+runeCount(u.sep)+n <= limit {
			cur, curRunes = cur+u.sep+u.text, curRunes+runeCount(u.sep)+n
			continue
		}
		if cur != "" {
			msgs = append(msgs, cur)
		}
		if n <= limit {
			cur, curRunes = u.text, n
			continue
		}
		pieces := markdown.Split(u.text, limit)
		if len(pieces) == 0 {
			cur, curRunes = "", 0
			continue
		}
		msgs = append(msgs, pieces[:len(pieces)-1]...)
		cur = pieces[len(pieces)-1]
		curRunes = runeCount(cur)
	}
	if cur != "" {
		msgs = append(msgs, cur)
	}
	return msgs
}
