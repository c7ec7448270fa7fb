package bot

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsbot/newsbot/prompts"
)

// checkedAnswer is a model's answer after its citations were checked.
type checkedAnswer struct {
	// Text is the answer with citations renumbered 1, 2, 3, … in order of
	// first use and written [1][2]; markers that named no source, and URLs
	// that are not the sources' own, are gone.
	Text string
	// Used lists the original source numbers in their new order: [k] in
	// Text cites source Used[k-1].
	Used []int
	// Uncited holds the sentences that state something without citing a
	// source. Short sentences, headings, questions and the abstain sentence
	// do not count; nothing counts in an answer that only abstains.
	Uncited []string
	// Abstained reports that the answer begins with prompts.AbstainPhrase:
	// the model found nothing in the sources to answer with.
	Abstained bool
}

// Private-use runes stand for a kept citation while the text is cleaned,
// so no later step can mistake it for a marker the model wrote.
const (
	placeholderOpen  = '\uE000'
	placeholderClose = '\uE001'
)

// parseCitations checks the citations in a model's answer against the
// nSources sources it was given, numbered from 1. It reads [2], [1, 2],
// [1][2], [1-3], [Source 2] and full-width brackets (［２］, 【2】); drops
// markers that name no source (0, past nSources, placeholders such as [n]);
// renumbers the rest in order of first use; and removes every URL that is
// not in allowedURLs, so an invented link never reaches a person.
func parseCitations(answer string, nSources int, allowedURLs []string) checkedAnswer {
	text := strings.Map(func(r rune) rune {
		if r == placeholderOpen || r == placeholderClose || r == gapMark {
			return -1
		}
		return r
	}, answer)
	text = stripURLs(text, allowedURLs)

	var used []int
	newNumber := map[int]int{} // original source number → new number
	text = rewriteMarkers(text, func(spans []span) string {
		var nums []int
		for _, s := range spans {
			for n := max(s.lo, 1); n <= min(s.hi, nSources); n++ {
				k, ok := newNumber[n]
				if !ok {
					used = append(used, n)
					k = len(used)
					newNumber[n] = k
				}
				nums = append(nums, k)
			}
		}
		if len(nums) == 0 {
			return string(gapMark) // closeGaps decides what goes with it
		}
		slices.Sort(nums)
		var b strings.Builder
		for _, k := range slices.Compact(nums) {
			b.WriteRune(placeholderOpen)
			b.WriteString(strconv.Itoa(k))
			b.WriteRune(placeholderClose)
		}
		return b.String()
	})
	text = closeGaps(text)
	// Dropping a marker or a URL can join its neighbours into a new one,
	// as in "[[9]5]" or "www[9].fake.example". Every marker the model
	// wrote is a placeholder by now, so any marker left is such debris.
	for {
		next := removeGapMarks(stripURLs(rewriteMarkers(text, func([]span) string { return "" }), allowedURLs))
		if next == text {
			break
		}
		text = next
	}
	text = strings.NewReplacer(string(placeholderOpen), "[", string(placeholderClose), "]").Replace(text)
	text = strings.TrimSpace(text)

	c := checkedAnswer{Text: text, Used: used, Abstained: abstained(text)}
	if !c.Abstained || len(used) > 0 {
		c.Uncited = uncitedSentences(text)
	}
	return c
}

// abstained reports whether text begins with the abstain phrase, ignoring
// markdown emphasis, quotes and the apostrophe's shape.
func abstained(text string) bool {
	text = strings.TrimLeft(text, " \t\n*_>#\"'“„«")
	text = strings.ReplaceAll(text, "’", "'")
	n := len(prompts.AbstainPhrase)
	return len(text) >= n && strings.EqualFold(text[:n], prompts.AbstainPhrase)
}

// span is one item of a citation marker: a number (lo == hi) or a range.
type span struct{ lo, hi int }

// rewriteMarkers replaces each group of adjacent citation markers, such as
// "[1][2]" or "[1], [3-4]", by replace(its items). An empty replacement
// removes the group and the space before it where that leaves tidy text.
func rewriteMarkers(text string, replace func([]span) string) string {
	var buf []byte
	last := 0
	for i := 0; ; {
		start, end, spans, ok := nextGroup(text, i)
		if !ok {
			break
		}
		buf = append(buf, text[last:start]...)
		if rep := replace(spans); rep != "" {
			buf = append(buf, rep...)
		} else {
			var skip int
			buf, skip = dropGap(buf, text[end:])
			end += skip
		}
		last, i = end, end
	}
	if last == 0 {
		return text
	}
	return string(append(buf, text[last:]...))
}

// nextGroup finds the first marker at or after from and the markers that
// follow it separated only by spaces or commas.
func nextGroup(text string, from int) (start, end int, spans []span, ok bool) {
	for i := from; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !isOpenBracket(r) {
			i += size
			continue
		}
		e, sp, found := parseMarker(text, i)
		if !found {
			i += size
			continue
		}
		start, end, spans = i, e, sp
		for {
			j := end
			for j < len(text) && (text[j] == ' ' || text[j] == '\t' || text[j] == ',') {
				j++
			}
			e, sp, found := parseMarker(text, j)
			if !found {
				return start, end, spans, true
			}
			end, spans = e, append(spans, sp...)
		}
	}
	return 0, 0, nil, false
}

func isOpenBracket(r rune) bool  { return r == '[' || r == '［' || r == '【' }
func isCloseBracket(r rune) bool { return r == ']' || r == '］' || r == '】' }

// parseMarker reads a citation marker opening at text[pos].
func parseMarker(text string, pos int) (end int, spans []span, ok bool) {
	if pos >= len(text) {
		return 0, nil, false
	}
	r, size := utf8.DecodeRuneInString(text[pos:])
	if !isOpenBracket(r) {
		return 0, nil, false
	}
	for j := pos + size; j < len(text); {
		r, n := utf8.DecodeRuneInString(text[j:])
		switch {
		case isCloseBracket(r):
			spans, ok := parseMarkerContent(text[pos+size : j])
			return j + n, spans, ok
		case isOpenBracket(r), r == '\n':
			return 0, nil, false
		}
		j += n
	}
	return 0, nil, false
}

var (
	// markerPrefixes are words a model may put before the numbers, longest
	// first.
	markerPrefixes = []string{"citations", "citation", "sources", "source", "refs", "ref", "src"}
	// placeholders are markers that stand for a number the model did not
	// fill in; they are dropped.
	placeholders = map[string]bool{"n": true, "?": true, "…": true, "...": true, "#": true, "source": true,
		"sources": true, "citation": true, "citation needed": true, "ref": true, "number": true}
	// dashReplacer writes every dash of a range as "-".
	dashReplacer = strings.NewReplacer("–", "-", "—", "-", "~", "-")
)

// parseMarkerContent reads what is between a marker's brackets. It reports
// false for text that is not a citation marker, such as [sic] or [Reuters].
func parseMarkerContent(content string) ([]span, bool) {
	if n, ok := parseNumber(content); ok { // the common case, [3]
		return []span{{n, n}}, true
	}
	c := strings.ToLower(strings.TrimSpace(strings.Map(foldWidth, content)))
	if placeholders[c] {
		return nil, true
	}
	for _, p := range markerPrefixes {
		if strings.HasPrefix(c, p) {
			c = strings.TrimLeft(c[len(p):], " \t:.")
			break
		}
	}
	tokens := strings.FieldsFunc(joinRanges(dashReplacer.Replace(c)), func(r rune) bool {
		return r == ',' || r == ';' || unicode.IsSpace(r)
	})
	if len(tokens) == 0 {
		return nil, false
	}
	var spans []span
	for _, t := range tokens {
		if placeholders[t] || t == "and" || t == "&" {
			continue
		}
		t = strings.TrimPrefix(t, "#")
		lo, hi, isRange := strings.Cut(t, "-")
		a, okA := parseNumber(lo)
		b := a
		okB := true
		if isRange {
			b, okB = parseNumber(hi)
		}
		if !okA || !okB {
			return nil, false
		}
		spans = append(spans, span{min(a, b), max(a, b)})
	}
	return spans, true
}

// joinRanges removes the spaces around dashes, so "1 - 3" reads as "1-3".
func joinRanges(s string) string {
	if !strings.Contains(s, "-") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' || s[i] == '\t' {
			j := i
			for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
				j++
			}
			if (j < len(s) && s[j] == '-') || (b.Len() > 0 && strings.HasSuffix(b.String(), "-")) {
				i = j - 1
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// parseNumber reads a run of ASCII digits; numbers too long to be a
// source number read as 0, which names no source.
func parseNumber(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	if len(s) > 6 {
		return 0, true
	}
	n, _ := strconv.Atoi(s)
	return n, true
}

// foldWidth maps full-width digits and separators to ASCII.
func foldWidth(r rune) rune {
	switch {
	case r >= '０' && r <= '９':
		return '0' + (r - '０')
	case r == '，' || r == '、':
		return ','
	case r == '；':
		return ';'
	case r == '－':
		return '-'
	}
	return r
}

// dropGap tidies the space where something was removed from the text. The
// space before the gap goes when what follows is space, punctuation or
// the end ("claim [9]." → "claim."); at the start of a line the space after
// it goes instead. It returns the trimmed buffer and how many bytes of
// after to skip.
func dropGap(buf []byte, after string) ([]byte, int) {
	trimmed := len(buf)
	for trimmed > 0 && (buf[trimmed-1] == ' ' || buf[trimmed-1] == '\t') {
		trimmed--
	}
	if trimmed == 0 || buf[trimmed-1] == '\n' {
		return buf, len(after) - len(strings.TrimLeft(after, " \t"))
	}
	r, _ := utf8.DecodeRuneInString(after)
	if after == "" || unicode.IsSpace(r) || (unicode.IsPunct(r) && !isOpenBracket(r) && r != '(') {
		return buf[:trimmed], 0
	}
	return buf, 0
}
