package discord

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/retrieval"
)

var renderDate = time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)

// renderCitation cites the only paragraph of a made-up article.
func renderCitation(n int, source, title, url, quote string) bot.Citation {
	a := &retrieval.Article{ID: fmt.Sprintf("a%d", n), Title: title, Source: source, URL: url, PublishedAt: renderDate, Paragraphs: []string{quote}}
	return bot.Citation{N: n, Article: a, Paragraph: 1, Quote: quote, Link: bot.DeepLink(url, quote)}
}

// checkRendered asserts what Discord demands of every message: valid UTF-8,
// not blank, at most maxMessage characters.
func checkRendered(t testing.TB, msgs []string) {
	t.Helper()
	if len(msgs) == 0 {
		t.Fatal("got no messages, want at least one")
	}
	for i, m := range msgs {
		if !utf8.ValidString(m) {
			t.Errorf("message %d is not valid UTF-8: %q", i, m)
		}
		if strings.TrimSpace(m) == "" {
			t.Errorf("message %d is blank: %q", i, m)
		}
		if n := utf8.RuneCountInString(m); n > maxMessage {
			t.Errorf("message %d has %d characters, want at most %d", i, n, maxMessage)
		}
	}
}

// renderPingPattern matches whatever could still ping or mention someone.
var renderPingPattern = regexp.MustCompile(`(?i)@everyone|@here|<@|<#|<t:`)

func checkRenderedNoPings(t testing.TB, msgs ...string) {
	t.Helper()
	for i, m := range msgs {
		if loc := renderPingPattern.FindStringIndex(m); loc != nil {
			t.Errorf("message %d still mentions: %q", i, m[loc[0]:])
		}
	}
}

// renderSentences makes n distinct sentences of about 50 characters.
func renderSentences(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "Sentence %d says something about the talks [%d].", i, i%3+1)
	}
	return b.String()
}

func TestRenderAnswerLayout(t *testing.T) {
	mt := renderCitation(1, "The Moscow Times", "Lavrov calls for talks", "https://example.com/lavrov", "Lavrov asked for a UN conference on the war.")
	kyiv := renderCitation(2, "Kyiv Independent", "Kyiv says no", "", "Kyiv refused.")
	longLink := renderCitation(3, "Reuters", "Long", "https://example.com/long", "x")
	longLink.Link = "https://example.com/long#:~:text=" + strings.Repeat("a", 600)
	ftp := renderCitation(4, "Archive", "Old", "ftp://example.com/old", "x")
	nothing := &retrieval.Article{Title: "Grain deal *collapses*", Source: "BBC"}
	untitled := &retrieval.Article{URL: "https://example.com/u"}

	tests := []struct {
		name string
		a    *bot.Answer
		want []string
	}{
		{"nil", nil, []string{emptyAnswer}},
		{"empty", &bot.Answer{Text: " \n "}, []string{emptyAnswer}},
		{
			"text and sources",
			&bot.Answer{Text: "Lavrov asked for a UN conference [1]. Kyiv refused [2].\n", Citations: []bot.Citation{mt, kyiv}},
			[]string{"Lavrov asked for a UN conference [1]. Kyiv refused [2].\n\n**Sources**\n" +
				"[1] [The Moscow Times — Lavrov calls for talks (5 Mar 2024), ¶1](<" + mt.Link + ">)\n" +
				"[2] Kyiv Independent — Kyiv says no (5 Mar 2024), ¶1"},
		},
		{
			"too long a deep link falls back to the article",
			&bot.Answer{Text: "See [3].", Citations: []bot.Citation{longLink}},
			[]string{"See [3].\n\n**Sources**\n[3] [Reuters — Long (5 Mar 2024), ¶1](<https://example.com/long>)"},
		},
		{
			"only web links are links",
			&bot.Answer{Text: "See [4].", Citations: []bot.Citation{ftp}},
			[]string{"See [4].\n\n**Sources**\n[4] Archive — Old (5 Mar 2024), ¶1"},
		},
		{
			"nothing found",
			&bot.Answer{Text: "I can't find anything about that in the loaded articles.", Abstained: true, Closest: []*retrieval.Article{nothing, nil, untitled}},
			[]string{"I can't find anything about that in the loaded articles.\n\nClosest articles:\n- Grain deal \\*collapses\\* (BBC)\n- https://example.com/u"},
		},
		{
			"model markdown kept, mentions defused",
			&bot.Answer{Text: "**Yes.** @everyone see <@123>:\n- one [1]", Mode: bot.ModeLLM},
			[]string{"**Yes.** @\u200beveryone see <\u200b@123>:\n- one [1]"},
		},
		{
			"extractive quotes are escaped and open neutrally, without the operator's note",
			&bot.Answer{Text: bot.ExtractiveNote + "\n> Prices *rose* by 5% [1]\n> - not a list [1]", Mode: bot.ModeExtractive},
			[]string{"From the articles:\n> Prices \\*rose\\* by 5% \\[1\\]\n> \\- not a list \\[1\\]"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := renderAnswer(tt.a, "")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("renderAnswer mismatch (-want +got):\n%s", diff)
			}
			checkRendered(t, got)
		})
	}
}

func TestRenderAnswerSplitsLongAnswers(t *testing.T) {
	var paras []string
	for i := range 6 {
		paras = append(paras, fmt.Sprintf("Paragraph %d. ", i)+renderSentences(11))
	}
	text := strings.Join(paras, "\n\n")
	if n := utf8.RuneCountInString(text); n < 3000 {
		t.Fatalf("test text has %d characters, want at least 3000", n)
	}
	var cites []bot.Citation
	for i := 1; i <= 12; i++ {
		cites = append(cites, renderCitation(i, "The Moscow Times", fmt.Sprintf("Headline number %d about the talks", i), fmt.Sprintf("https://example.com/%d", i), "Lavrov asked for a UN conference on the war in Ukraine, his ministry said."))
	}
	msgs := renderAnswer(&bot.Answer{Text: text, Citations: cites}, "")
	checkRendered(t, msgs)
	if len(msgs) < 2 {
		t.Fatalf("got %d messages, want at least 2", len(msgs))
	}

	lineMax := maxMessage - utf8.RuneCountInString(sourcesHeader) - 1
	var lines []string
	for _, c := range cites {
		lines = append(lines, renderSourceLine(c, lineMax))
	}
	for _, line := range lines {
		found := 0
		for _, m := range msgs {
			for l := range strings.Lines(m) {
				if strings.TrimSuffix(l, "\n") == line {
					found++
				}
			}
		}
		if found != 1 {
			t.Errorf("source line %q appears whole in %d messages, want 1", line, found)
		}
	}
	full := text + "\n\n" + sourcesHeader + "\n" + strings.Join(lines, "\n")
	if got, want := strings.Fields(strings.Join(msgs, " ")), strings.Fields(full); !cmp.Equal(got, want) {
		t.Errorf("messages don't add up to the answer:\n%s", cmp.Diff(want, got))
	}
	for i, m := range msgs[:len(msgs)-1] {
		if !strings.HasSuffix(m, ".") && !strings.HasSuffix(m, ")") {
			t.Errorf("message %d ends mid-sentence: …%q", i, m[max(0, len(m)-40):])
		}
	}
}

func TestRenderAnswerCountsCharactersNotBytes(t *testing.T) {
	tests := []struct {
		name string
		text string
		want int // messages
	}{
		{"Cyrillic fits one message", strings.Repeat("Лавров ", 285), 1}, // 1995 characters, 3990 bytes
		{"emoji", strings.Repeat("🎉", 2500), 2},
		{"Cyrillic words", strings.Repeat("переговоры ", 400), 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs := renderAnswer(&bot.Answer{Text: tt.text}, "")
			checkRendered(t, msgs)
			if len(msgs) != tt.want {
				t.Errorf("got %d messages, want %d", len(msgs), tt.want)
			}
			if got, want := strings.Join(strings.Fields(strings.Join(msgs, " ")), ""), strings.Join(strings.Fields(tt.text), ""); got != want {
				t.Errorf("messages lost characters: got %d, want %d", utf8.RuneCountInString(got), utf8.RuneCountInString(want))
			}
		})
	}
}

func TestRenderAnswerQuoteBlocksStayQuoted(t *testing.T) {
	text := bot.ExtractiveNote + "\n> " + renderSentences(60)
	msgs := renderAnswer(&bot.Answer{Text: text, Mode: bot.ModeExtractive}, "")
	checkRendered(t, msgs)
	if len(msgs) < 2 {
		t.Fatalf("got %d messages, want at least 2", len(msgs))
	}
	for i, m := range msgs[1:] {
		if !strings.HasPrefix(m, "> ") {
			t.Errorf("message %d doesn't continue the quote: %q", i+1, m[:min(len(m), 40)])
		}
	}
}

// parseRenderedLink reads "[n] [text](<url>)" the way Discord's link rule
// (simple-markdown's) does: inside the text, "[" opens a group that the next
// "]" closes, and a lone "]" is allowed only when the next bracket is "]".
// It returns the text as displayed, with escapes removed.
func parseRenderedLink(t testing.TB, line string) (text, url string) {
	t.Helper()
	m := regexp.MustCompile(`^\[\d+\] \[(.*)\]\(<([^\s<>\\]+)>\)$`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("%q is not a masked link line", line)
	}
	inside := m[1]
	for i := 0; i < len(inside); i++ {
		switch inside[i] {
		case '[':
			j := strings.IndexByte(inside[i:], ']')
			if j < 0 {
				t.Fatalf("link text %q: '[' at %d is never closed, so the link breaks", inside, i)
			}
			i += j
		case ']':
			if k := strings.IndexAny(inside[i+1:], "[]"); k >= 0 && inside[i+1+k] == '[' {
				t.Fatalf("link text %q: ']' at %d is followed by '[', so the link breaks", inside, i)
			}
		}
	}
	unescaped := regexp.MustCompile(`\\([^0-9A-Za-z\s])`).ReplaceAllString(inside, "$1")
	return unescaped, m[2]
}

func TestRenderSourceLineMaskedLink(t *testing.T) {
	tests := []struct {
		name, title string
		wantText    string // as displayed
	}{
		{"emphasis and a lone bracket", "*Bold* claims ] about _the_ talks", "*Bold* claims ] about _the_ talks"},
		{"bracket pair", "[Video] Lavrov speaks", "[Video] Lavrov speaks"},
		{"lone opening bracket", "Lavrov [interview", "Lavrov (interview"},
		{"closing bracket before a pair", "Oops] [Live] updates", "Oops) [Live] updates"},
		{"nested", "[a [b] c]", "(a [b] c]"},
		{"link syntax", "[click](https://evil.example)", "[click](https://evil.example)"},
		{"backslashes and code", "C:\\ and `rm` ||spoiler||", "C:\\ and `rm` ||spoiler||"},
		{"mention", "<@123> @everyone", "<\u200b@123> @\u200beveryone"},
		{"Cyrillic and emoji", "Лавров 🎉 *говорит*", "Лавров 🎉 *говорит*"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := renderCitation(7, "Outlet", tt.title, "https://example.com/a(1)", "Some paragraph text here.")
			line := renderSourceLine(c, 1000)
			text, url := parseRenderedLink(t, line)
			if want := "Outlet — " + tt.wantText + " (5 Mar 2024), ¶1"; text != want {
				t.Errorf("link text shows %q, want %q (line %q)", text, want, line)
			}
			if want := strings.NewReplacer("(", "%28", ")", "%29").Replace(c.Link); url != want {
				t.Errorf("link goes to %q, want %q", url, want)
			}
		})
	}
}

func TestRenderSourceLineTruncatesTheLabelNotTheLink(t *testing.T) {
	c := renderCitation(3, "Outlet", strings.Repeat("Очень длинный *заголовок* ", 200), "https://example.com/a", "Paragraph text.")
	line := renderSourceLine(c, 1988)
	if n := utf8.RuneCountInString(line); n > 1988 {
		t.Fatalf("line has %d characters, want at most 1988", n)
	}
	text, url := parseRenderedLink(t, line)
	if url != c.Link {
		t.Errorf("link goes to %q, want %q", url, c.Link)
	}
	if !strings.HasSuffix(text, "…, ¶1") {
		t.Errorf("label ends %q, want it cut before \", ¶1\"", text[max(0, len(text)-30):])
	}

	msgs := renderAnswer(&bot.Answer{Text: "Long.", Citations: []bot.Citation{c, c}}, "")
	checkRendered(t, msgs)
	if got := strings.Count(strings.Join(msgs, "\n"), "(<"+c.Link+">)"); got != 2 {
		t.Errorf("the answer has %d links to the paragraph, want 2", got)
	}
}

func TestRenderQuotes(t *testing.T) {
	mt := renderCitation(1, "The Moscow Times", "Lavrov *calls*", "https://example.com/a", "Lavrov asked for a UN conference.\n\n- Kyiv @everyone said <@1> no.")
	bare := bot.Citation{N: 2, Paragraph: 4}
	t.Run("layout", func(t *testing.T) {
		got := renderQuotes(&bot.Answer{Citations: []bot.Citation{mt, bare}})
		want := []string{"**[1] The Moscow Times — Lavrov \\*calls\\*, ¶1**\n> Lavrov asked for a UN conference.\n> \\- Kyiv @\u200beveryone said <\u200b@1> no.\n\n" +
			"**[2] unknown article, ¶4**\n" + emptyQuote}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("renderQuotes mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("no citations", func(t *testing.T) {
		if got, want := renderQuotes(&bot.Answer{}), []string{noQuotes}; !cmp.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("split between citations", func(t *testing.T) {
		var cites []bot.Citation
		for i := 1; i <= 3; i++ {
			cites = append(cites, renderCitation(i, "Outlet", fmt.Sprintf("Headline %d", i), "", renderSentences(18)))
		}
		msgs := renderQuotes(&bot.Answer{Citations: cites})
		checkRendered(t, msgs)
		if len(msgs) != 2 {
			t.Fatalf("got %d messages, want 2", len(msgs))
		}
		for _, c := range cites {
			block := renderQuoteBlock(c)
			if !strings.Contains(msgs[0], block) && !strings.Contains(msgs[1], block) {
				t.Errorf("the quote of [%d] is split across messages", c.N)
			}
		}
	})
	t.Run("a long quote is split at sentences", func(t *testing.T) {
		c := renderCitation(1, "Outlet", "Headline", "", renderSentences(100))
		msgs := renderQuotes(&bot.Answer{Citations: []bot.Citation{c}})
		checkRendered(t, msgs)
		if len(msgs) < 3 {
			t.Fatalf("got %d messages, want at least 3", len(msgs))
		}
		for i, m := range msgs {
			for j, line := range strings.Split(m, "\n") {
				if i == 0 && j == 0 {
					if !strings.HasPrefix(line, "**[1] Outlet — Headline, ¶1**") {
						t.Errorf("first line is %q, want the header", line)
					}
					continue
				}
				if !strings.HasPrefix(line, "> ") {
					t.Errorf("message %d line %d is not quoted: %q", i, j, line)
				}
			}
			if !strings.HasSuffix(m, `\].`) {
				t.Errorf("message %d ends mid-sentence: …%q", i, m[max(0, len(m)-30):])
			}
		}
	})
}

func TestRenderProgress(t *testing.T) {
	tests := []struct {
		name    string
		partial string
		elapsed time.Duration
		want    string
	}{
		{"nothing yet", "", time.Second, searching},
		{"only spaces", " \n ", time.Second, searching},
		{"writing", "Lavrov said [1]", 4200 * time.Millisecond, "Lavrov said [1]\n\n_Writing… (4 s)_"},
		{"mentions", "@everyone <@1>", 0, "@\u200beveryone <\u200b@1>\n\n_Writing… (0 s)_"},
		{"open code block", "```go\nx := 1", 2 * time.Second, "```go\nx := 1\n```\n\n_Writing… (2 s)_"},
		{"clock skew", "Hi", -time.Second, "Hi\n\n_Writing… (0 s)_"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := renderProgress("", tt.partial, tt.elapsed); got != tt.want {
				t.Errorf("renderProgress(%q, %v) = %q, want %q", tt.partial, tt.elapsed, got, tt.want)
			}
		})
	}
	t.Run("long answers keep their end", func(t *testing.T) {
		partial := strings.Repeat("слово ", 800) + "the very latest words"
		got := renderProgress("", partial, 12*time.Second)
		checkRendered(t, []string{got})
		if !strings.HasPrefix(got, "…") {
			t.Errorf("got %q…, want a leading …", got[:20])
		}
		if want := "the very latest words\n\n_Writing… (12 s)_"; !strings.HasSuffix(got, want) {
			t.Errorf("got …%q, want it to end with %q", got[len(got)-60:], want)
		}
		if strings.Contains(got, "…сло") && !strings.Contains(got, "…слово") {
			t.Errorf("the cut starts mid-word: %q", got[:30])
		}
	})
}

func FuzzRenderAnswer(f *testing.F) {
	f.Add("Lavrov asked [1].", "Headline *x* ]", "Outlet", "Quote @everyone.", "https://e.com/a", false)
	f.Add(strings.Repeat("**bold** `code` [l](<https://x>) > q\n\n", 80), "[", "]", renderSentences(90), "https://e.com/"+strings.Repeat("(", 600), true)
	f.Add(strings.Repeat("🎉👨\u200d👩\u200d👧\u0301", 700), strings.Repeat("ж", 2500), "", strings.Repeat("x", 5000), "", false)
	f.Add("```go\n"+strings.Repeat("line\n", 500)+"```", "<@1>", "@here", ">>> q\n\n"+renderSentences(60), "http://e.com/@everyone", true)
	f.Add("\xff\xfe"+strings.Repeat(`\`, 3000), "\n\t", " ", " ", "javascript:alert(1)", false)
	f.Fuzz(func(t *testing.T, text, title, source, quote, link string, extractive bool) {
		art := &retrieval.Article{ID: "a", Title: title, Source: source, URL: link, PublishedAt: renderDate, Paragraphs: []string{quote}}
		c1 := bot.Citation{N: 1, Article: art, Paragraph: 1, Quote: quote, Link: link}
		c2 := bot.Citation{N: 2, Article: art, Paragraph: 2, Quote: text, Link: bot.DeepLink(link, quote)}
		a := &bot.Answer{Text: text, Citations: []bot.Citation{c1, c2, {N: 3}}, Closest: []*retrieval.Article{art, nil}}
		if extractive {
			a.Mode = bot.ModeExtractive
		}
		msgs := renderAnswer(a, "")
		checkRendered(t, msgs)
		checkRenderedNoPings(t, msgs...)
		lineMax := maxMessage - utf8.RuneCountInString(sourcesHeader) - 1
		all := strings.Join(msgs, "\n")
		for _, c := range a.Citations {
			if line := renderSourceLine(c, lineMax); !strings.Contains(all, line) {
				t.Errorf("source line %q was cut", line)
			}
		}

		quotes := renderQuotes(a)
		checkRendered(t, quotes)
		checkRenderedNoPings(t, quotes...)

		progress := renderProgress("", text, time.Duration(len(title))*time.Second)
		checkRendered(t, []string{progress})
		checkRenderedNoPings(t, progress)
	})
}

func BenchmarkRenderAnswer(b *testing.B) {
	var cites []bot.Citation
	for i := 1; i <= 8; i++ {
		cites = append(cites, renderCitation(i, "The Moscow Times", "Lavrov calls for talks", "https://example.com/a", renderSentences(4)))
	}
	for _, size := range []int{40, 400} { // sentences: about 2 kB and 20 kB of answer
		a := &bot.Answer{Text: "**Summary.** " + renderSentences(size), Citations: cites}
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			for b.Loop() {
				renderAnswer(a, "")
			}
		})
	}
}

// A public answer opens with its question, quoted, shortened, escaped and
// unable to mention anyone, in its first message only; the progress shows
// it too.
func TestRenderAnswerOpensWithTheQuestion(t *testing.T) {
	question := "Did *Lavrov* ping @everyone and <@123> about the `conference`? " + strings.Repeat("And more words. ", 30)
	header := questionHeader(question, nil)
	if !strings.HasPrefix(header, "> Did \\*Lavrov\\* ping @\u200beveryone and <\u200b@123> about the \\`conference\\`?") {
		t.Errorf("header %q: want the question quoted and escaped", header)
	}
	// Escapes may lengthen it; the question itself is cut to maxHeaderRunes.
	if n := utf8.RuneCountInString(header); n > 2*maxHeaderRunes || n >= utf8.RuneCountInString(question) || !strings.HasSuffix(header, "…") {
		t.Errorf("header of %d characters %q: want the question shortened to %d with an ellipsis", n, header, maxHeaderRunes)
	}
	checkRenderedNoPings(t, header)
	long := &bot.Answer{Text: renderSentences(80), Mode: bot.ModeLLM}
	msgs := renderAnswer(long, header)
	checkRendered(t, msgs)
	if len(msgs) < 2 || !strings.HasPrefix(msgs[0], header+"\n\n") {
		t.Fatalf("first message %q: want the header, a blank line, then the answer", msgs[0])
	}
	for _, m := range msgs[1:] {
		if strings.Contains(m, "Lavrov") {
			t.Errorf("the header repeats in a later message: %q", m)
		}
	}
	p := renderProgress(header, renderSentences(80), 3*time.Second)
	if !strings.HasPrefix(p, header+"\n\n") || utf8.RuneCountInString(p) > maxMessage {
		t.Errorf("progress %q: want the header first, within %d characters", p, maxMessage)
	}
	article := &retrieval.Article{Title: "Moscow Calls for UN Conference"}
	if h := questionHeader("Who goes?", article); h != "> Who goes?\n> _about “Moscow Calls for UN Conference”_" {
		t.Errorf("header with an article: %q", h)
	}
}
