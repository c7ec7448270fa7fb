package sentence

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"plain", "One. Two! Three? Four", []string{"One.", "Two!", "Three?", "Four"}},
		{"quotes and citations", `He said "never." Then he left [1]. Next [2][3]. End`,
			[]string{`He said "never."`, "Then he left [1].", "Next [2][3].", "End"}},
		{"escaped citations", `Talks failed. \[1\] Kyiv said no.`, []string{`Talks failed. \[1\]`, "Kyiv said no."}},
		{"decimals and initials", "Prices hit $3.50 on Jan. 5! J. K. Rowling wrote it. U.S.A. won.",
			[]string{"Prices hit $3.50 on Jan. 5!", "J. K. Rowling wrote it.", "U.S.A. won."}},
		{"lower case goes on", "It rose, e.g. by half. They left the U.S. Army base.", []string{"It rose, e.g. by half.", "They left the U.S. Army base."}},
		{"ellipsis", "He paused… Then spoke.", []string{"He paused…", "Then spoke."}},
		{"cjk", "会谈失败。基辅拒绝了。", []string{"会谈失败。", "基辅拒绝了。"}},
		{"markdown closers", "It is **done.** Next one.", []string{"It is **done.**", "Next one."}},
		{"repeated terminators", "Really?! Yes.", []string{"Really?!", "Yes."}},
		{"empty", "  ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Split(tt.in)); diff != "" {
				t.Errorf("Split(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestEnd(t *testing.T) {
	tests := []struct {
		in   string
		p    int
		want int
	}{
		{"Done. Next", 4, 5},
		{"Done.\nNext", 4, 5},
		{"Done. [1] Next", 4, 9},
		{`Done. \[12\] Next`, 4, 12},
		{"Done.", 4, 5},
		{"3.5 m", 1, -1},
		{"Mr. Smith", 2, -1},
		{"Done. next", 4, -1},
		{"Done, next", 4, -1},
	}
	for _, tt := range tests {
		if got := End(tt.in, tt.p); got != tt.want {
			t.Errorf("End(%q, %d) = %d, want %d", tt.in, tt.p, got, tt.want)
		}
	}
}

func TestComplete(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"It ended.", true},
		{`He said "no."  `, true},
		{"(See above.)", true},
		{"Is it? [2]", true},
		{"Wait…", true},
		{"A headline without a stop", false},
		{"Version 3.5", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := Complete(tt.in); got != tt.want {
			t.Errorf("Complete(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestCitationLen(t *testing.T) {
	for in, want := range map[string]int{"[1] x": 3, "[123]": 5, `\[7\] y`: 5, "[]": 0, "[a]": 0, `\[7]`: 0, "x[1]": 0, "[12": 0} {
		if got := CitationLen(in); got != want {
			t.Errorf("CitationLen(%q) = %d, want %d", in, got, want)
		}
	}
}

// FuzzSplit checks that Split loses no text and cuts only at sentence ends.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{"One. Two! Three?", `He said "no." [1] Then… 会谈。`, "Mr. J. Smith, e.g. this. 3.5", `\[1\] **a.** _b?_`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || strings.ContainsAny(s, "\n") {
			return
		}
		got := Split(s)
		if strings.Join(strings.Fields(strings.Join(got, " ")), " ") != strings.Join(strings.Fields(s), " ") {
			t.Fatalf("Split(%q) = %q loses or adds text", s, got)
		}
		for _, piece := range got[:max(len(got)-1, 0)] {
			if !Complete(piece) {
				t.Errorf("Split(%q): piece %q ends no sentence", s, piece)
			}
		}
	})
}
