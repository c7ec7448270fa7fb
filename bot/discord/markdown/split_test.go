package markdown

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestSplit(t *testing.T) {
	// With a limit of 40, a cut falls within the first 24 characters (16
	// are kept for closing markup).
	const limit = 40
	tests := []struct {
		name, in string
		want     []string
	}{
		{"fits", "  short  ", []string{"short"}},
		{"paragraphs", "One two three four five.\n\nSix seven eight nine ten eleven.",
			[]string{"One two three four five.", "Six seven eight nine ten eleven."}},
		{"sentences", "Alpha beta gamma. Delta epsilon zeta eta theta iota.",
			[]string{"Alpha beta gamma.", "Delta epsilon zeta eta theta iota."}},
		{"not after an abbreviation", "Use e.g. this and that. Then more words to fill it.",
			[]string{"Use e.g. this and that.", "Then more words to fill it."}},
		{"words", "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj",
			[]string{"aaaa bbbb cccc dddd eeee", "ffff gggg hhhh iiii jjjj"}},
		{"a marker stays with its sentence", "aaaa bbbb cccc dddddd [1] eeee ffff gggg hhhh iiii",
			[]string{"aaaa bbbb cccc", "dddddd [1] eeee ffff gggg hhhh iiii"}},
		{"not inside bold", "aaaaaaa **bb cc dd ee ff gg hh** ii jj kk ll mm nn",
			[]string{"aaaaaaa", "**bb cc dd ee ff gg hh**", "ii jj kk ll mm nn"}},
		{"long bold is closed and reopened", "**aa bb cc dd ee ff gg hh ii jj kk ll mm nn**",
			[]string{"**aa bb cc dd ee ff gg**", "**hh ii jj kk ll mm nn**"}},
		{"not inside a link", "read [the full report](<https://x.io/r>) now",
			[]string{"read", "[the full report](<https://x.io/r>) now"}},
		{"not inside code", "aaaaaaa `bb cc dd ee ff gg hh` ii jj kk ll",
			[]string{"aaaaaaa", "`bb cc dd ee ff gg hh` ii jj kk ll"}},
		{"code block is closed and reopened", "```go\nline one\nline two\nline three\nline four\n```",
			[]string{"```go\nline one\nline two\n```", "```go\nline three\nline four\n```"}},
		{"quote keeps its marker", "> Alpha beta gamma. Delta epsilon zeta eta theta iota.",
			[]string{"> Alpha beta gamma.", "> Delta epsilon zeta eta theta iota."}},
		{"a line beats a word", "> Alpha beta gamma\n> Delta epsilon zeta eta theta",
			[]string{"> Alpha beta gamma", "> Delta epsilon zeta eta theta"}},
		{"multi-line quote continues", ">>> aaa bbb ccc ddd\n\neee fff ggg hhh iii jjj",
			[]string{">>> aaa bbb ccc ddd", ">>> eee fff ggg hhh iii jjj"}},
		{"cut line doesn't become a heading", "aaaa bbbb cccc dddd eeee # ffff gggg hhhh",
			[]string{"aaaa bbbb cccc dddd eeee", `\# ffff gggg hhhh`}},
		{"no spaces", strings.Repeat("x", 100),
			[]string{strings.Repeat("x", 24), strings.Repeat("x", 24), strings.Repeat("x", 24), strings.Repeat("x", 28)}},
		{"escape kept whole", strings.Repeat("x", 23) + `\*` + strings.Repeat("y", 30),
			[]string{strings.Repeat("x", 23), `\*` + strings.Repeat("y", 30)}},
		{"emoji sequence kept whole", strings.Repeat("👨\u200d👩\u200d👧", 10),
			[]string{strings.Repeat("👨\u200d👩\u200d👧", 4), strings.Repeat("👨\u200d👩\u200d👧", 6)}},
		{"blank", " \n\n ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Split(tt.in, limit)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Split(%q, %d) mismatch (-want +got):\n%s", tt.in, limit, diff)
			}
			for i, p := range got {
				if n := utf8.RuneCountInString(p); n > limit || strings.TrimSpace(p) == "" {
					t.Errorf("piece %d has %d characters: %q", i, n, p)
				}
			}
		})
	}
}
