package markdown

import (
	"strings"
	"testing"
)

func TestLinkURL(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "https://example.com/a", "https://example.com/a"},
		{"trimmed, inner space encoded", "  https://example.com/a b ", "https://example.com/a%20b"},
		{"not http", "javascript:alert(1)", ""},
		{"scheme only", "https://", ""},
		{"parentheses would end the target", "http://e.com/(x)", "http://e.com/%28x%29"},
		{"angle brackets would end the target", "HTTPS://E.com/<>", "HTTPS://E.com/%3C%3E"},
		{"brackets, quotes, backslash", `https://e.com/[a]"q"\`, "https://e.com/%5Ba%5D%22q%22%5C"},
		{"no @everyone", "http://e.com/@everyone", "http://e.com/%40everyone"},
		{"other @ kept", "https://e.com/@user", "https://e.com/@user"},
		{"invisible format character", "https://e.com/\u200bx", "https://e.com/%E2%80%8Bx"},
		{"invalid byte dropped", "https://e.com/\xffa", "https://e.com/a"},
		{"too long", "https://e.com/" + strings.Repeat("x", 500), ""},
		{"just short enough", "https://e.com/" + strings.Repeat("x", 486), "https://e.com/" + strings.Repeat("x", 486)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LinkURL(tt.in); got != tt.want {
				t.Errorf("LinkURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLinkText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"pair kept", "[a] b", `\[a\] b`},
		{"lone open", "a [b", "a (b"},
		{"lone close, open after", "a] b [c", `a\] b (c`},
		{"lone close before a pair", "a] [b]", `a) \[b\]`},
		{"lone close at the end", "[[a]]", `(\[a\]\]`},
		{"markup escaped", "*a* _b_", `\*a\* \_b\_`},
		{"mention defused", "<@1> @here", "<\u200b@1> @\u200bhere"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LinkText(tt.in); got != tt.want {
				t.Errorf("LinkText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestEscapeInline(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"line starts left alone", "# not a heading\n> nor a quote\n1. nor a list", "# not a heading\n> nor a quote\n1. nor a list"},
		{"every markdown character", "a_b *c* ~~d~~ `e` ||f|| [g] \\", `a\_b \*c\* \~\~d\~\~ \` + "`" + `e\` + "`" + ` \|\|f\|\| \[g\] \\`},
		{"URLs too", "https://e.com/a_b", `https://e.com/a\_b`},
		{"mentions", "<@1> <#2> @everyone @here", "<\u200b@1> <\u200b#2> @\u200beveryone @\u200bhere"},
		{"invalid UTF-8", "a\xffb", "a\uFFFDb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EscapeInline(tt.in); got != tt.want {
				t.Errorf("EscapeInline(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTail(t *testing.T) {
	tests := []struct {
		name, in string
		limit    int
		want     string
	}{
		{"from a line start", "line one\nline two\nline three", 14, "…\nline three"},
		{"from a word", "aaaa bbbb cccc dddd eeee", 14, "…dddd eeee"},
		{"not inside bold", "aaaa **bb cc dd** eeee", 14, "…eeee"},
		{"no spaces", strings.Repeat("x", 31), 14, "…" + strings.Repeat("x", 12)},
		{"runes, not bytes", strings.Repeat("ж", 31), 14, "…" + strings.Repeat("ж", 12)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Tail(tt.in, tt.limit)
			if got != tt.want {
				t.Errorf("Tail(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
			}
			if n := runeCount(got); n > tt.limit {
				t.Errorf("Tail(%q, %d) has %d characters", tt.in, tt.limit, n)
			}
		})
	}
}
