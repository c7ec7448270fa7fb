package bot

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/newsbot/newsbot/prompts"
	"github.com/newsbot/newsbot/retrieval/sentence"
)

func TestParseCitations(t *testing.T) {
	urls := []string{"https://www.reuters.com/world/lavrov-un/", "https://bbc.co.uk/news/123"}
	tests := []struct {
		name     string
		answer   string
		n        int
		want     string
		wantUsed []int
	}{
		{"single", "Lavrov asked for a UN conference [1].", 3, "Lavrov asked for a UN conference [1].", []int{1}},
		{"renumbered by first use", "Talks start in April [3]. Lavrov asked for them [1]. Kyiv refused [3].", 3,
			"Talks start in April [1]. Lavrov asked for them [2]. Kyiv refused [1].", []int{3, 1}},
		{"list in one bracket", "Both outlets agree [2, 1].", 2, "Both outlets agree [1][2].", []int{2, 1}},
		{"semicolons and spaces", "Both agree [1;2] and [ 2 ].", 2, "Both agree [1][2] and [2].", []int{1, 2}},
		{"adjacent brackets", "Both agree [1][2].", 2, "Both agree [1][2].", []int{1, 2}},
		{"adjacent with space and comma", "Both agree [1], [2] [1].", 2, "Both agree [1][2].", []int{1, 2}},
		{"range", "Three reports [1-3].", 4, "Three reports [1][2][3].", []int{1, 2, 3}},
		{"en dash range reversed", "Reports [3–2].", 4, "Reports [1][2].", []int{2, 3}},
		{"range clipped to sources", "Reports [2-9].", 3, "Reports [1][2].", []int{2, 3}},
		{"year range is not a source", "Prices rose [2019-2024].", 3, "Prices rose.", nil},
		{"full width", "Lavrov asked ［２］ and 【1】.", 2, "Lavrov asked [1] and [2].", []int{2, 1}},
		{"full width digits and comma", "Both ［１，２］.", 2, "Both [1][2].", []int{1, 2}},
		{"source prefix", "Lavrov asked [Source 2] and [source: 1].", 2, "Lavrov asked [1] and [2].", []int{2, 1}},
		{"hash", "Lavrov asked [#2].", 2, "Lavrov asked [1].", []int{2}},
		{"zero dropped", "Lavrov asked for talks [0].", 2, "Lavrov asked for talks.", nil},
		{"past the end dropped", "Lavrov asked [1][7]. Kyiv refused [9] outright.", 2, "Lavrov asked [1]. Kyiv refused outright.", []int{1}},
		{"placeholder dropped", "Lavrov asked for talks [n].", 2, "Lavrov asked for talks.", nil},
		{"mixed list keeps valid", "Lavrov asked [2, 5, n].", 2, "Lavrov asked [1].", []int{2}},
		{"huge number dropped", "Claim [99999999999999999999].", 2, "Claim.", nil},
		{"dropped at line start", "[8] Claim here.\n[1] Another.", 2, "Claim here.\n[1] Another.", []int{1}},
		{"not a marker", "He said [sic] the rate [was] low [1].", 1, "He said [sic] the rate [was] low [1].", []int{1}},
		{"markdown checkbox", "- [x] done [1]", 1, "- [x] done [1]", []int{1}},
		{"no sources", "Lavrov asked [1].", 0, "Lavrov asked.", nil},
		{"debris of dropped marker", "Odd [[9]5] text [1].", 1, "Odd text [1].", []int{1}},
		{"invented URL removed", "Read it at https://fake.example.com/story. Lavrov asked [1].", 1,
			"Lavrov asked [1].", []int{1}},
		{"clause left empty goes", "See also [99] and https://x.example/a", 1, "", nil},
		{"sentence left empty goes", "Lavrov asked [1]. See also [99] and https://x.example/a.", 1, "Lavrov asked [1].", []int{1}},
		{"pointer clause goes with its comma", "Lavrov asked for talks [1], see https://fake.example.com/x.", 1, "Lavrov asked for talks [1].", []int{1}},
		{"opening clause goes", "According to [7], the talks failed [1].", 1, "The talks failed [1].", []int{1}},
		{"pointing word goes, claim stays", "Lavrov called for a ceasefire at [9].", 1, "Lavrov called for a ceasefire.", nil},
		{"colon left empty", "Lavrov asked [1].\nMore here: https://fake.example.com/x\nKyiv refused [1].", 1, "Lavrov asked [1].\nKyiv refused [1].", []int{1}},
		{"bullet left empty goes", "- Lavrov asked [1]\n- Source: https://fake.example.com/x", 1, "- Lavrov asked [1]", []int{1}},
		{"kept citation keeps its clause", "Ranges [1] and [7].", 1, "Ranges [1].", []int{1}},
		{"object after the gap stays", "He spoke on [9] Wednesday [1].", 1, "He spoke on Wednesday [1].", []int{1}},
		{"invented URL in parens", "Lavrov asked [1] (source: https://fake.example.com/x).", 1, "Lavrov asked [1].", []int{1}},
		{"allowed URL kept", "See https://reuters.com/world/lavrov-un for more [1].", 1,
			"See https://reuters.com/world/lavrov-un for more [1].", []int{1}},
		{"allowed URL with www and slash", "See http://www.bbc.co.uk/news/123/.", 1, "See http://www.bbc.co.uk/news/123/.", nil},
		{"invented markdown link keeps label", "Read [the story](https://fake.example.com/a) [1].", 1, "Read the story [1].", []int{1}},
		{"allowed markdown link kept", "Read [the story](https://bbc.co.uk/news/123) [1].", 1,
			"Read [the story](https://bbc.co.uk/news/123) [1].", []int{1}},
		{"marker as link keeps marker", "Lavrov asked [2](https://fake.example.com/a).", 2, "Lavrov asked [1].", []int{2}},
		{"glued URL removed", "Seehttps://fake.example.com [1].", 1, "See [1].", []int{1}},
		{"URL joined by a dropped marker", "More at www[9].fake.example now [1].", 1, "More at now [1].", []int{1}},
		{"www alone is no URL", "Say www. Lavrov asked [1].", 1, "Say www. Lavrov asked [1].", []int{1}},
		{"www URL removed", "More on www.fake-news.example now [1].", 1, "More on now [1].", []int{1}},
		{"placeholder runes removed", "Claim \uE0005\uE001 here [1].", 1, "Claim 5 here [1].", []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseCitations(tt.answer, tt.n, urls)
			if got.Text != tt.want {
				t.Errorf("got text %q, want %q", got.Text, tt.want)
			}
			if diff := cmp.Diff(tt.wantUsed, got.Used, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("used (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseCitationsUncited(t *testing.T) {
	tests := []struct {
		name   string
		answer string
		want   []string
	}{
		{"all cited", "Lavrov called for a UN conference [1]. Kyiv dismissed the proposal [2].", nil},
		{"one uncited", "Lavrov called for a UN conference [1]. The war has lasted two years. Kyiv dismissed it [2].",
			[]string{"The war has lasted two years."}},
		{"citation after full stop", "Lavrov called for a UN conference. [1] Kyiv dismissed the proposal. [2]", nil},
		{"dropped marker leaves claim uncited", "Lavrov called for a UN conference [9].", []string{"Lavrov called for a UN conference."}},
		{"short sentences ignored", "Yes. In short, no. Lavrov called for talks [1].", nil},
		{"questions ignored", "Did Lavrov call for a conference at all? He did [1].", nil},
		{"headings and bullets", "## What happened\nKey points:\n- Lavrov called for a UN conference [1]\n- Kyiv dismissed the whole proposal\n**Summary**",
			[]string{"Kyiv dismissed the whole proposal"}},
		{"abbreviations", "Mr. Lavrov met U.S. officials on Friday [1].", nil},
		{"decimals", "Inflation rose to 3.5 percent in March [1].", nil},
		{"abstain sentence ignored", "Lavrov called for talks [1]. The articles don't cover what Kyiv said about it.", nil},
		{"CJK", "拉夫罗夫呼吁召开联合国会议【1】。基辅拒绝了这一提议并称其为拖延战术。", []string{"基辅拒绝了这一提议并称其为拖延战术。"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseCitations(tt.answer, 2, nil)
			if diff := cmp.Diff(tt.want, got.Uncited, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("uncited (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseCitationsAbstained(t *testing.T) {
	tests := []struct {
		answer      string
		want        bool
		wantUncited int
	}{
		{prompts.AbstainPhrase + " the final vote count.", true, 0},
		{"**The articles don’t cover** the vote. Die Artikel behandeln die Abstimmung nicht.", true, 0},
		{"the articles don't cover this.", true, 0},
		{"Lavrov asked for talks [1]. The articles don't cover Kyiv's reply.", false, 0},
		{"The articles don't cover the vote, but Lavrov asked for talks [1]. The talks would start in April.", true, 1},
		{"Lavrov asked for talks [1].", false, 0},
		{"", false, 0},
	}
	for _, tt := range tests {
		got := parseCitations(tt.answer, 1, nil)
		if got.Abstained != tt.want {
			t.Errorf("parseCitations(%q).Abstained = %v, want %v", tt.answer, got.Abstained, tt.want)
		}
		if len(got.Uncited) != tt.wantUncited {
			t.Errorf("parseCitations(%q).Uncited = %q, want %d sentences", tt.answer, got.Uncited, tt.wantUncited)
		}
	}
}

func TestCitationSentences(t *testing.T) {
	got := sentence.Split(`He said "never." Then he left [1]. Prices hit $3.50 on Jan. 5! Really? J. K. Rowling wrote it. Done`)
	want := []string{`He said "never."`, "Then he left [1].", "Prices hit $3.50 on Jan. 5!", "Really?", "J. K. Rowling wrote it.", "Done"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sentences (-want +got):\n%s", diff)
	}
}

func BenchmarkParseCitations(b *testing.B) {
	answer := strings.Repeat("Lavrov called for a UN conference on the war [1][3]. Kyiv dismissed it as a stalling tactic [2, 4]. "+
		"The Kremlin said talks could start in April [5-6] (see https://fake.example.com/x). ", 4)
	urls := []string{"https://example.com/a", "https://example.com/b"}
	b.SetBytes(int64(len(answer)))
	b.ReportAllocs()
	for b.Loop() {
		parseCitations(answer, 5, urls)
	}
}
