package markdown

import (
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// pingPattern matches whatever could still ping or mention someone.
var pingPattern = regexp.MustCompile(`(?i)@everyone|@here|<@|<#|<t:|</|<:|<a:`)

// unescape undoes escape for text without URLs: it drops the backslash
// before an escaped character and the zero-width space inside a mention.
func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\\*_~`|[]#>-+.", s[i+1]) >= 0:
			i++
			b.WriteByte(s[i])
		case strings.HasPrefix(s[i:], zeroWidth) && i > 0 && (s[i-1] == '<' && mentionAfterLT(s[i+len(zeroWidth):]) || s[i-1] == '@' && pingAfterAt(s[i+len(zeroWidth):])):
			i += len(zeroWidth) - 1
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"*a* _b_ ~~c~~ `d` ||e||", "# T\n> q\n- i\n12. x", "<@1> <t:1:R> @everyone @here", `back\slash [x](y)`, "Привет *мир* 🎉", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		valid := strings.ToValidUTF8(s, "\uFFFD")
		for name, esc := range map[string]func(string) string{"Escape": Escape, "EscapeInline": EscapeInline} {
			got := esc(s)
			if !utf8.ValidString(got) {
				t.Fatalf("%s(%q) = %q, not valid UTF-8", name, s, got)
			}
			if loc := pingPattern.FindStringIndex(got); loc != nil {
				t.Errorf("%s(%q) = %q still mentions at %d", name, s, got, loc[0])
			}
			// A URL is left as written by Escape, and a zero-width space of
			// the input's own can't be told from one added.
			if name == "Escape" && strings.Contains(strings.ToLower(valid), "http") || strings.Contains(valid, zeroWidth) {
				continue
			}
			if back := unescape(got); back != valid {
				t.Errorf("%s(%q) = %q, which reads back as %q", name, s, got, back)
			}
		}
		if got := DefuseMentions(s); pingPattern.MatchString(got) {
			t.Errorf("DefuseMentions(%q) = %q still mentions", s, got)
		}
	})
}

func FuzzLinkURL(f *testing.F) {
	for _, s := range []string{"https://e.com/a", "http://e.com/(x) <y>", "https://e.com/@everyone", "javascript:x", "https://e.com/" + strings.Repeat("(", 600)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, u string) {
		got := LinkURL(u)
		if got == "" {
			return
		}
		lower := strings.ToLower(got)
		if !strings.HasPrefix(lower, "https://") && !strings.HasPrefix(lower, "http://") {
			t.Errorf("LinkURL(%q) = %q, not an http(s) link", u, got)
		}
		if strings.ContainsAny(got, "<>()[]\\\" \t\n") || pingPattern.MatchString(got) {
			t.Errorf("LinkURL(%q) = %q could end the link target or ping", u, got)
		}
		if n := runeCount(got); n > maxLink {
			t.Errorf("LinkURL(%q) has %d characters, want at most %d", u, n, maxLink)
		}
	})
}

func FuzzSplit(f *testing.F) {
	f.Add("Alpha beta gamma. Delta epsilon zeta eta theta iota.", 40)
	f.Add("**aa bb cc dd ee ff gg hh ii jj kk ll mm nn**", 40)
	f.Add("```go\nline one\nline two\nline three\nline four\n```", 40)
	f.Add(">>> aaa bbb ccc ddd\n\neee fff ggg hhh iii jjj", 30)
	f.Add(strings.Repeat("👨\u200d👩\u200d👧", 30)+`\*\*`+strings.Repeat("x", 50), 25)
	f.Add("read [the full report](<https://x.io/r>) now and `code span` then [1] [2]. More.", 33)
	f.Fuzz(func(t *testing.T, s string, limit int) {
		limit = 24 + int(uint(limit)%2000)
		pieces := Split(s, limit)
		for i, p := range pieces {
			if n := runeCount(p); n > limit {
				t.Fatalf("Split(%q, %d): piece %d has %d characters", s, limit, i, n)
			}
			if strings.TrimSpace(p) == "" || !utf8.ValidString(p) {
				t.Fatalf("Split(%q, %d): piece %d is blank or not UTF-8: %q", s, limit, i, p)
			}
		}
		// Nothing is lost: the text's visible characters all appear, in
		// order, among the pieces' (which may add markup).
		joined := []rune(strings.Join(pieces, ""))
		j := 0
		for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
			if unicode.IsSpace(r) {
				continue
			}
			for j < len(joined) && joined[j] != r {
				j++
			}
			if j == len(joined) {
				t.Fatalf("Split(%q, %d) = %q lost %q", s, limit, pieces, r)
			}
			j++
		}
	})
}
