package bot

import (
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsbot/newsbot/prompts"
)

// CitedAnswer is a model's answer after its citations were checked.
type CitedAnswer struct {
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

// ParseCitations checks the citations in a model's answer against the
// nSources sources it was given, numbered from 1. It reads [2], [1, 2],
// [1][2], [1-3], [Source 2] and full-width brackets (［２］, 【2】); drops
// markers that name no source (0, past nSources, placeholders such as [n]);
// renumbers the rest in order of first use; and removes every URL that is
// not in allowedURLs, so an invented link never reaches a person.
func ParseCitations(answer string, nSources int, allowedURLs []string) CitedAnswer {
	text := strings.Map(func(r rune) rune {
		if r == placeholderOpen || r == placeholderClose {
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
		slices.Sort(nums)
		var b strings.Builder
		for _, k := range slices.Compact(nums) {
			b.WriteRune(placeholderOpen)
			b.WriteString(strconv.Itoa(k))
			b.WriteRune(placeholderClose)
		}
		return b.String()
	})
	// Dropping a marker or a URL can join its neighbours into a new one,
	// as in "[[9]5]" or "www[9].fake.example". Every marker the model
	// wrote is a placeholder by now, so any marker left is such debris.
	for {
		next := stripURLs(rewriteMarkers(text, func([]span) string { return "" }), allowedURLs)
		if next == text {
			break
		}
		text = next
	}
	text = strings.NewReplacer(string(placeholderOpen), "[", string(placeholderClose), "]").Replace(text)
	text = strings.TrimSpace(text)

	c := CitedAnswer{Text: text, Used: used, Abstained: abstained(text)}
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

var (
	// markdownLink matches [label](target).
	markdownLink = regexp.MustCompile(`\[([^\[\]\n]*)\]\(\s*<?([^()\s<>]*)>?\s*\)`)
)

// stripURLs removes links and URLs that are not in allowed. A link whose
// label is a citation marker keeps only the marker: citations get their
// links from the sources, not from the model.
func stripURLs(text string, allowed []string) string {
	ok := make(map[string]bool, len(allowed))
	for _, u := range allowed {
		ok[normalizeURL(u)] = true
	}
	if strings.Contains(text, "](") {
		text = markdownLink.ReplaceAllStringFunc(text, func(m string) string {
			sub := markdownLink.FindStringSubmatch(m)
			label, target := sub[1], sub[2]
			if _, isMarker := parseMarkerContent(label); isMarker {
				return "[" + label + "]"
			}
			if ok[normalizeURL(target)] {
				return m
			}
			return label
		})
	}
	var drop [][]int
	for _, loc := range findURLs(text) {
		if !ok[normalizeURL(text[loc[0]:loc[1]])] {
			drop = append(drop, loc)
		}
	}
	if len(drop) == 0 {
		return text
	}
	text = removeRanges(text, drop)
	return removeRanges(text, findEmptyParens(text))
}

// emptyParenWords are what is left inside "(source: URL)" once the URL
// is gone.
var emptyParenWords = map[string]bool{"": true, "source": true, "sources": true, "see": true, "via": true, "link": true, "url": true}

// findEmptyParens returns the byte ranges of parentheses and angle brackets
// left empty by removing URLs from them.
func findEmptyParens(text string) [][]int {
	var locs [][]int
	for i := 0; i < len(text); i++ {
		switch {
		case text[i] == '<' && i+1 < len(text) && text[i+1] == '>':
			locs = append(locs, []int{i, i + 2})
			i++
		case text[i] == '(':
			j := strings.IndexAny(text[i+1:], "()")
			if j < 0 || text[i+1+j] != ')' {
				continue
			}
			inner := strings.ToLower(strings.TrimRight(strings.TrimSpace(text[i+1:i+1+j]), " \t:"))
			if emptyParenWords[inner] {
				locs = append(locs, []int{i, i + j + 2})
				i += j + 1
			}
		}
	}
	return locs
}

// findURLs returns the byte ranges of the URLs written out in text: from
// "http://" or "https://" anywhere, or "www." at the start of a word, up to
// the next space, bracket or quote.
func findURLs(text string) [][]int {
	var locs [][]int
	for i := 0; i < len(text); i++ {
		if c := text[i] | 0x20; c != 'h' && c != 'w' {
			continue
		}
		rest := text[i:]
		var prefix int
		switch {
		case hasPrefixFold(rest, "https://"):
			prefix = len("https://")
		case hasPrefixFold(rest, "http://"):
			prefix = len("http://")
		case hasPrefixFold(rest, "www.") && (i == 0 || !isWordByte(text[i-1])):
			prefix = len("www.")
		default:
			continue
		}
		end := i
		for end < len(text) {
			r, size := utf8.DecodeRuneInString(text[end:])
			if unicode.IsSpace(r) || strings.ContainsRune("<>[]()\"'`", r) || isOpenBracket(r) || isCloseBracket(r) ||
				r == placeholderOpen || r == placeholderClose {
				break
			}
			end += size
		}
		end = i + len(strings.TrimRight(text[i:end], ".,;:!?"))
		if end-i <= prefix {
			continue // "www." alone names nothing
		}
		locs = append(locs, []int{i, end})
		i = end - 1
	}
	return locs
}

func isWordByte(b byte) bool {
	return b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// removeRanges cuts the given sorted, disjoint byte ranges out of text,
// tidying the space around each gap.
func removeRanges(text string, ranges [][]int) string {
	if len(ranges) == 0 {
		return text
	}
	var buf []byte
	last := 0
	for _, r := range ranges {
		if r[0] < last {
			continue
		}
		buf = append(buf, text[last:r[0]]...)
		var skip int
		buf, skip = dropGap(buf, text[r[1]:])
		last = r[1] + skip
	}
	return string(append(buf, text[last:]...))
}

// normalizeURL reduces a URL to what identifies the page: host without
// "www." and scheme, path without a final slash, and query; no fragment.
func normalizeURL(raw string) string {
	raw = strings.TrimSpace(raw)
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	s := strings.TrimPrefix(strings.ToLower(u.Host), "www.") + strings.TrimSuffix(u.EscapedPath(), "/")
	if u.RawQuery != "" {
		s += "?" + u.RawQuery
	}
	return s
}

// citation matches a citation as ParseCitations writes them.
var citation = regexp.MustCompile(`\[[0-9]+\]`)

// uncitedSentences returns the sentences of text that make a claim and
// cite nothing.
func uncitedSentences(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if isHeading(line) {
			continue
		}
		for _, s := range sentences(stripBullet(line)) {
			if isClaim(s) && !citation.MatchString(s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// isHeading reports lines that introduce rather than state: markdown
// headings, lines in bold only, and lines ending in a colon.
func isHeading(line string) bool {
	return strings.HasPrefix(line, "#") || strings.HasSuffix(line, ":") ||
		(len(line) > 4 && strings.HasPrefix(line, "**") && strings.HasSuffix(line, "**") && !strings.Contains(line[2:len(line)-2], "**"))
}

// bullet matches the marker of a list item.
var bullet = regexp.MustCompile(`^(?:[-*•+]|[0-9]{1,3}[.)])\s+`)

func stripBullet(line string) string { return bullet.ReplaceAllString(line, "") }

// sentences splits one line into sentences. A sentence ends at ., ! or ?
// followed by space, or at a CJK full stop; citations written after the
// full stop ("… talks. [1]") still belong to it. A full stop after an
// abbreviation or an initial, or before a lowercase word, ends nothing.
func sentences(line string) []string {
	var out []string
	start := 0
	for i := 0; i < len(line); {
		r, size := utf8.DecodeRuneInString(line[i:])
		if !isTerminator(r) {
			i += size
			continue
		}
		j := i + size
		for j < len(line) {
			r2, n := utf8.DecodeRuneInString(line[j:])
			if !isTerminator(r2) && !strings.ContainsRune(`"')]»”’」』`, r2) {
				break
			}
			j += n
		}
		j = skipCitations(line, j)
		cjk := r == '。' || r == '！' || r == '？'
		next, _ := utf8.DecodeRuneInString(line[j:])
		rest := strings.TrimLeft(line[j:], " \t")
		first, _ := utf8.DecodeRuneInString(rest)
		switch {
		case j < len(line) && !cjk && !unicode.IsSpace(next): // 3.5, U.S.A.
		case r == '.' && isAbbreviation(line[start:i]):
		case rest != "" && unicode.IsLower(first):
		default:
			out = append(out, strings.TrimSpace(line[start:j]))
			start = j
		}
		i = j
	}
	if rest := strings.TrimSpace(line[start:]); rest != "" {
		out = append(out, rest)
	}
	return out
}

// skipCitations returns the index after any citations (and the spaces
// before them) that start at line[i:].
func skipCitations(line string, i int) int {
	for {
		j := i
		for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
			j++
		}
		if j >= len(line) || line[j] != '[' {
			return i
		}
		k := j + 1
		for k < len(line) && line[k] >= '0' && line[k] <= '9' {
			k++
		}
		if k == j+1 || k >= len(line) || line[k] != ']' {
			return i
		}
		i = k + 1
	}
}

func isTerminator(r rune) bool {
	return r == '.' || r == '!' || r == '?' || r == '。' || r == '！' || r == '？'
}

// abbreviations end in a full stop that does not end a sentence.
var abbreviations = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "st": true, "jr": true, "sr": true,
	"gen": true, "sen": true, "rep": true, "gov": true, "lt": true, "col": true, "sgt": true, "capt": true,
	"no": true, "vs": true, "etc": true, "e.g": true, "i.e": true, "approx": true, "inc": true, "ltd": true,
	"co": true, "corp": true, "u.s": true, "u.k": true, "u.n": true, "jan": true, "feb": true, "mar": true,
	"apr": true, "jun": true, "jul": true, "aug": true, "sep": true, "sept": true, "oct": true, "nov": true,
	"dec": true, "fig": true, "pp": true,
}

// isAbbreviation reports whether before ends in an abbreviation or an
// initial such as the "J" of "J. Smith".
func isAbbreviation(before string) bool {
	if len(before) > 16 {
		before = before[len(before)-16:] // no abbreviation is longer
	}
	i := strings.LastIndexFunc(before, func(r rune) bool { return !unicode.IsLetter(r) && r != '.' })
	word := strings.ToLower(before[i+1:])
	return utf8.RuneCountInString(word) == 1 || abbreviations[word]
}

// isClaim reports whether a sentence states something a source should
// back: not a question, not the abstain sentence, and not very short.
func isClaim(s string) bool {
	if s == "" || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "？") || strings.HasSuffix(s, ":") || abstained(s) {
		return false
	}
	letters, wide := 0, false
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
		}
		if r >= 0x1100 && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) {
			wide = true
		}
	}
	if wide {
		return letters >= 8 // scripts without spaces: count characters
	}
	return letters > 0 && len(strings.Fields(s)) >= minClaimWords
}

// minClaimWords is the fewest words a sentence needs to count as a claim;
// "Yes, it did." and "In short:" do not.
const minClaimWords = 4
