// Package markdown writes Discord's flavour of markdown safely: it escapes
// text from articles so it shows as written, defuses mentions in a model's
// text, builds masked links, and cuts long text into messages without
// breaking markup, citations or characters. It knows nothing of discordgo;
// the adapter decides what goes into which message.
package markdown

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	// maxLink is the longest deep link written out. A text fragment of a
	// long paragraph can make a link absurd; then the article's URL is used.
	maxLink   = 500
	zeroWidth = "\u200b"
)

// Escape makes text from articles show as written: it escapes what
// Discord would read as markdown (emphasis, code, spoilers, brackets, and
// quotes, headings and lists at a line's start), leaves bare URLs intact
// (Discord links them before it reads emphasis) and defuses mentions.
func Escape(s string) string {
	return escape(s, true)
}

// EscapeInline escapes text set inside a line of ours, such as a headline
// in a source line: every markdown character, URLs included.
func EscapeInline(s string) string {
	return escape(s, false)
}

func escape(s string, block bool) string {
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
			} else if n := listNumber(s[i:]); n > 0 {
				b.WriteString(s[i:i+n] + `\.`)
				i += n + 1
				continue
			}
		}
		if block && !inURL && urlAt(s, i) {
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
		case r == '<' && mentionAfterLT(s[i+1:]):
			b.WriteString("<" + zeroWidth)
		case r == '@' && pingAfterAt(s[i+1:]):
			b.WriteString("@" + zeroWidth)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// DefuseMentions keeps a model's light markdown (bold, lists, quotes)
// but defuses mentions by putting a zero-width space inside them, so
// "@everyone", "<@123>" or "<#456>" can't ping or link even if
// allowed_mentions were ever left off a message.
func DefuseMentions(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if !strings.ContainsAny(s, "<@") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		if s[i] == '<' && mentionAfterLT(s[i+1:]) || s[i] == '@' && pingAfterAt(s[i+1:]) {
			b.WriteString(zeroWidth)
		}
	}
	return b.String()
}

// mentionAfterLT reports whether "<" followed by rest starts Discord's
// syntax for a user, role or channel mention, a slash command, an emoji or a
// timestamp.
func mentionAfterLT(rest string) bool {
	for _, p := range []string{"@", "#", "/", ":", "t:", "a:"} {
		if strings.HasPrefix(rest, p) {
			return true
		}
	}
	return false
}

func pingAfterAt(rest string) bool {
	return len(rest) >= 8 && strings.EqualFold(rest[:8], "everyone") ||
		len(rest) >= 4 && strings.EqualFold(rest[:4], "here")
}

// urlAt reports whether a bare http(s) URL starts at s[i].
func urlAt(s string, i int) bool {
	if i > 0 && (unicode.IsLetter(rune(s[i-1])) || unicode.IsDigit(rune(s[i-1]))) {
		return false
	}
	rest := s[i:min(len(s), i+8)]
	return strings.HasPrefix(strings.ToLower(rest), "https://") || strings.HasPrefix(strings.ToLower(rest), "http://")
}

// listNumber returns the number of digits in an ordered list marker
// ("12. ") at the start of s, or 0.
func listNumber(s string) int {
	n := 0
	for n < len(s) && n < 9 && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	if n > 0 && n+1 < len(s) && s[n] == '.' && s[n+1] == ' ' {
		return n
	}
	return 0
}

// LinkURL prepares a link target for "(<…>)": only http(s) links, with
// the characters that could end the target (or spell @everyone)
// percent-encoded, and none longer than maxLink. It returns "" for a link
// that can't be used.
func LinkURL(u string) string {
	u = strings.TrimSpace(strings.ToValidUTF8(u, ""))
	lower := strings.ToLower(u)
	if !(strings.HasPrefix(lower, "https://") && len(u) > 8 || strings.HasPrefix(lower, "http://") && len(u) > 7) {
		return ""
	}
	var b strings.Builder
	for i, r := range u {
		switch {
		case strings.ContainsRune(`<>()[]\"`, r) || unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r),
			r == '@' && pingAfterAt(u[i+1:]):
			for _, c := range []byte(string(r)) {
				fmt.Fprintf(&b, "%%%02X", c)
			}
		default:
			b.WriteRune(r)
		}
	}
	if runeCount(b.String()) > maxLink {
		return ""
	}
	return b.String()
}

// LinkText escapes the text of a masked link. Discord's link pattern
// accepts brackets in the text only as "[…]" pairs, or a lone "]" with no
// "[" after it, so other brackets become parentheses.
func LinkText(s string) string {
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
	return EscapeInline(string(rs))
}
