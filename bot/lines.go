package bot

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/newsbot/newsbot/prompts"
	"github.com/newsbot/newsbot/retrieval"
)

// Line is one line of a briefing or a timeline: a sentence and the
// paragraphs that support it.
type Line struct {
	// Text is the sentence, without citation markers.
	Text string
	// Quoted marks a sentence copied verbatim from an article (no chat
	// model); otherwise a model wrote it from the sources.
	Quoted bool
	// Cites are the numbers of the citations that support Text, and Also
	// those of other reports of the same story, 1-based.
	Cites, Also []int
}

// citeMarkers writes citation numbers as "[1][2]".
func citeMarkers(ns []int) string {
	var b strings.Builder
	for _, n := range ns {
		b.WriteString("[" + strconv.Itoa(n) + "]")
	}
	return b.String()
}

// CitedLines returns lines with their citations renumbered 1, 2, 3, … in
// order of use, and the citations they use, in that order: a part of a
// briefing or a timeline lists only its own sources.
func CitedLines(lines []Line, cites []Citation) ([]Line, []Citation) {
	var used []Citation
	renumber := map[int]int{}
	use := func(ns []int) []int {
		var out []int
		for _, n := range ns {
			if n < 1 || n > len(cites) {
				continue
			}
			k, ok := renumber[n]
			if !ok {
				c := cites[n-1]
				k = len(used) + 1
				c.N = k
				renumber[n] = k
				used = append(used, c)
			}
			out = append(out, k)
		}
		return out
	}
	out := make([]Line, len(lines))
	for i, l := range lines {
		l.Cites, l.Also = use(l.Cites), use(l.Also)
		out[i] = l
	}
	return out, used
}

// linesAnswer is lines as one Answer: one line each, prefixed by
// prefix(i), citations renumbered (CitedLines). It is how a briefing or a
// timeline reads in the terminal and how it is kept with a vote.
func linesAnswer(lines []Line, cites []Citation, mode string, prefix func(i int) string) *Answer {
	lines, used := CitedLines(lines, cites)
	a := &Answer{Mode: mode, Citations: used}
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(prefix(i) + l.Text + " " + citeMarkers(l.Cites))
		if len(l.Also) > 0 {
			b.WriteString(" (also " + citeMarkers(l.Also) + ")")
		}
	}
	a.Text = b.String()
	return a
}

// modelLines reads a model's reply of one cited sentence per line ("- …
// [2][3]"): citations are checked against refs (the numbered paragraphs
// it was shown) and turned into Citations; a line that cites nothing is
// dropped, since each line must be checkable. It returns the lines and
// their citations.
func modelLines(reply string, refs []prompts.Ref, arts []*retrieval.Article) ([]Line, []Citation) {
	cited, cites := citeLines(strings.Split(reply, "\n"), refs, arts)
	lines := make([]Line, len(cited))
	for i, l := range cited {
		lines[i] = l.Line
	}
	return lines, cites
}

// sourcedLine is a line of a model's reply and its index among the
// reply's lines.
type sourcedLine struct {
	Line
	src int
}

// citeLines checks the citations of each raw line against refs and
// numbers the paragraphs cited 1, 2, 3, … in order of first use across
// the lines. Lines that cite nothing are dropped.
func citeLines(raw []string, refs []prompts.Ref, arts []*retrieval.Article) ([]sourcedLine, []Citation) {
	var cites []Citation
	number := map[int]int{} // ref number → citation number
	var out []sourcedLine
	for i, l := range raw {
		l = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(l), "-•*"))
		cited := parseCitations(l, len(refs), nil)
		if len(cited.Used) == 0 {
			continue
		}
		var ns []int
		for _, orig := range cited.Used {
			n, ok := number[orig]
			if !ok {
				ref := refs[orig-1]
				n = len(cites) + 1
				cites = append(cites, newCitation(n, arts[ref.Source], ref.Paragraph))
				number[orig] = n
			}
			ns = append(ns, n)
		}
		text := strings.TrimSpace(markers.ReplaceAllString(cited.Text, ""))
		text = spaceBeforeStop.ReplaceAllString(text, "$1")
		if text == "" {
			continue
		}
		out = append(out, sourcedLine{Line: Line{Text: text, Cites: ns}, src: i})
	}
	return out, cites
}

var (
	// markers matches a run of markers with the space before it.
	markers = regexp.MustCompile(`\s*(\[\d+\])+`)
	// spaceBeforeStop matches the space a removed marker leaves before
	// punctuation ("the budget [2]." → "the budget .").
	spaceBeforeStop = regexp.MustCompile(`\s+([.,;:!?])`)
)

// dayLabel writes a day as the bot's sources do, "2 Jan 2006".
func dayLabel(t time.Time) string { return t.Format("2 Jan 2006") }
