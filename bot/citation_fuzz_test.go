package bot

import (
	"regexp"
	"strconv"
	"testing"
	"unicode/utf8"
)

var outputCitation = regexp.MustCompile(`\[([0-9]+)\]`)

func FuzzParseCitations(f *testing.F) {
	for _, seed := range []string{
		"Lavrov asked for talks [1]. Kyiv refused [2, 3].",
		"Ranges [1-3] and [3–1] and [2019-2024].",
		"Full width ［２］【1】［１，２］.",
		"Debris [[9]5] and [1[2]] and [[1]].",
		"[Source 2](https://fake.example.com) www.fake.example https://bbc.co.uk/news/1.",
		"[n] [?] [0] [99999999999999999999] [#3] [1,,2] [-1] [1-] [-]",
		"The articles don't cover this. \uE0007\uE001",
		"WWW［２］. www[9].fake.example [1[https://x.y]] http://",
		"Mr. Smith met U.S. officials. 3.5 percent. 拉夫罗夫【1】。",
	} {
		f.Add(seed, 3)
	}
	f.Fuzz(func(t *testing.T, answer string, n int) {
		n = n % 20
		allowed := "https://bbc.co.uk/news/1"
		got := parseCitations(answer, n, []string{allowed})
		for _, loc := range findURLs(got.Text) {
			u := got.Text[loc[0]:loc[1]]
			if normalizeURL(u) != normalizeURL(allowed) {
				t.Errorf("output keeps URL %q that is not a source's\ninput:  %q\noutput: %q", u, answer, got.Text)
			}
		}
		if utf8.ValidString(answer) && !utf8.ValidString(got.Text) {
			t.Errorf("valid input gave invalid UTF-8 %q", got.Text)
		}
		seen := map[int]bool{}
		for _, u := range got.Used {
			if u < 1 || u > n {
				t.Errorf("Used holds %d, outside 1..%d", u, n)
			}
			if seen[u] {
				t.Errorf("Used holds %d twice: %v", u, got.Used)
			}
			seen[u] = true
		}
		cited := map[int]bool{}
		for _, m := range outputCitation.FindAllStringSubmatch(got.Text, -1) {
			k, err := strconv.Atoi(m[1])
			if err != nil || k < 1 || k > len(got.Used) {
				t.Fatalf("output cites [%s], want 1..%d\ninput:  %q\noutput: %q", m[1], len(got.Used), answer, got.Text)
			}
			cited[k] = true
		}
		if len(cited) != len(got.Used) {
			t.Errorf("output cites %d sources, Used lists %d\ninput:  %q\noutput: %q", len(cited), len(got.Used), answer, got.Text)
		}
	})
}
