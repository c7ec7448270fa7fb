package bot

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// gapMark stands where a citation marker or a URL was removed while the
// citations are checked, so the clause it leaves without an object can be
// found and removed with it ("See also [99] and https://x." is dropped
// whole instead of becoming "See also and.").
const gapMark = '\uE002'

// danglers are words that need what follows them: a clause whose removed
// citation or URL came right after one of them ("see", "at", "via", "and")
// has lost its object. Most are English, the language the prompts ask the
// model to cite in; a few common German, French and Spanish ones are there
// because answers follow the asker's language.
var danglers = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`see also at via in on to from and or visit check read here there including
	like e.g eg i.e ie per by with of for the a an it this that them these those source sources link links url
	website site page article according
	story report details more info information available find found cf
	siehe unter und oder bei voir et ou sur dans ver y o en`) {
		m[w] = true
	}
	return m
}()

// closeGaps removes the clauses that removed markers or URLs left without
// an object, then the gap marks themselves, tidying the space around them.
// A line left with nothing but list markup goes too.
func closeGaps(text string) string {
	if !strings.ContainsRune(text, gapMark) {
		return text
	}
	lines := strings.Split(text, "\n")
	out := lines[:0]
	for _, line := range lines {
		if !strings.ContainsRune(line, gapMark) {
			out = append(out, line)
			continue
		}
		prefix := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		body := line[len(prefix):]
		if m := bullet.FindString(body); m != "" {
			prefix, body = prefix+m, body[len(m):]
		}
		body = removeGapMarks(closeClauses(body))
		if !strings.ContainsFunc(body, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			continue // the whole line was a pointer to something removed
		}
		out = append(out, prefix+body)
	}
	return strings.Join(out, "\n")
}

// closeClauses handles each gap that dangles: the words that pointed at
// what was removed go ("talks, see [9]" → "talks"), and a clause left with
// nothing but such words goes whole ("See also [99] and https://x.").
func closeClauses(s string) string {
	for i := 0; i < len(s); {
		g := strings.IndexRune(s[i:], gapMark)
		if g < 0 {
			break
		}
		g += i
		if !dangles(s, g) {
			i = g + utf8.RuneLen(gapMark)
			continue
		}
		from := pointerStart(s, g)
		s = s[:from] + s[g:]
		g = from
		start, end, opens := clauseAround(s, g)
		if !hasContent(s[start:end]) {
			if opens && end < len(s) && strings.ContainsRune(".!?", rune(s[end])) {
				end++ // the whole sentence goes, full stop and all
			}
			rest := s[end:]
			if opens {
				rest = capitalize(rest)
			}
			s = s[:start] + rest
			g = start
		}
		i = g + 1
		if g < len(s) && strings.HasPrefix(s[g:], string(gapMark)) {
			i = g + utf8.RuneLen(gapMark)
		}
	}
	return tidyClauses(s)
}

// pointerStart returns where the run of pointing words (danglers and a
// colon) before the gap at g begins.
func pointerStart(s string, g int) int {
	from := g
	for {
		before := strings.TrimRight(s[:from], " \t"+string(gapMark))
		if strings.HasSuffix(before, ":") {
			from = len(before) - 1
			continue
		}
		w := lastWord(before)
		if w == "" || !danglers[strings.ToLower(w)] || !strings.HasSuffix(strings.TrimRight(before, "."), w) {
			return from
		}
		from = len(strings.TrimRight(before, ".")) - len(w)
	}
}

// hasContent reports whether a clause holds anything but pointing words,
// gaps and punctuation. A kept citation is content.
func hasContent(clause string) bool {
	for _, f := range strings.FieldsFunc(clause, func(r rune) bool {
		return unicode.IsSpace(r) || r == gapMark || (unicode.IsPunct(r) && r != '.')
	}) {
		if w := strings.Trim(f, "."); w != "" && !danglers[strings.ToLower(w)] {
			return true
		}
	}
	return false
}

// dangles reports whether the gap at g follows a word that needs an
// object (or a colon) and is followed by nothing that could be one.
func dangles(s string, g int) bool {
	before := strings.TrimRight(s[:g], " \t"+string(gapMark))
	after := strings.TrimLeft(s[g+utf8.RuneLen(gapMark):], " \t"+string(gapMark))
	next, _ := utf8.DecodeRuneInString(after)
	ends := after == "" || isClauseEnd(next) || next == '.' || next == '!' || next == '?' ||
		danglers[strings.ToLower(firstWord(after))]
	if !ends {
		return false
	}
	if strings.ContainsRune(".!?", lastRune(before)) || lastRune(before) == placeholderClose {
		return false // a marker after a full stop or beside a kept one cites; it needs no clause
	}
	if strings.HasSuffix(before, ":") {
		return true
	}
	return danglers[strings.ToLower(lastWord(before))]
}

// clauseAround returns the byte range of the clause holding the gap at g:
// from after the delimiter before it to before the delimiter after it. A
// clause that opens a sentence takes the comma after it along; one inside
// a sentence takes the comma before it.
func clauseAround(s string, g int) (start, end int, opens bool) {
	start = strings.LastIndexFunc(s[:g], isClauseDelimiter) + 1
	if start > 0 {
		if r, size := utf8.DecodeLastRuneInString(s[:start]); r == ',' || r == ';' {
			start -= size // ", see https://x" goes with its comma
		}
	}
	end = len(s)
	if k := strings.IndexFunc(s[g:], isClauseDelimiter); k >= 0 {
		end = g + k
	}
	opens = start == 0 || strings.ContainsRune(".!?", lastRune(strings.TrimRight(s[:start], " \t")))
	if opens && end < len(s) && (s[end] == ',' || s[end] == ';') {
		end++ // "According to [9], Lavrov …" loses "According to [9], "
	}
	return start, end, opens
}

// tidyClauses cleans what removed clauses leave: sentences with nothing
// but punctuation, doubled spaces, a space before punctuation, and a
// lowercase letter opening a sentence.
func tidyClauses(s string) string {
	var b strings.Builder
	words := strings.Fields(s)
	for i, w := range words {
		if strings.Trim(w, ".!?;,:"+string(gapMark)) == "" && strings.ContainsAny(w, ".!?") &&
			(i == 0 || strings.ContainsAny(lastByteString(words[i-1]), ".!?")) {
			continue // a sentence emptied down to its full stop
		}
		if b.Len() > 0 && !strings.ContainsAny(w[:1], ".,;:!?") {
			b.WriteByte(' ')
		}
		if strings.ContainsAny(w[:1], ",;") && (b.Len() == 0 || strings.ContainsAny(lastByteString(b.String()), ".!?,;")) {
			w = strings.TrimLeft(w, ",;")
			if w == "" {
				continue
			}
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
		}
		b.WriteString(w)
	}
	return b.String()
}

// removeGapMarks deletes the gap marks left in s, tidying the space
// around each as removing a citation does.
func removeGapMarks(s string) string {
	var ranges [][]int
	for i, r := range s {
		if r == gapMark {
			ranges = append(ranges, []int{i, i + utf8.RuneLen(gapMark)})
		}
	}
	return removeRanges(s, ranges)
}

func isClauseDelimiter(r rune) bool {
	return isClauseEnd(r) || r == '(' || r == '.' || r == '!' || r == '?'
}

func isClauseEnd(r rune) bool {
	return r == ',' || r == ';' || r == ':' || r == ')' || r == '—' || r == '–' || r == '\n'
}

func firstWord(s string) string {
	end := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && r != '.' })
	if end < 0 {
		end = len(s)
	}
	return strings.TrimSuffix(s[:end], ".")
}

func lastWord(s string) string {
	start := strings.LastIndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && r != '.' }) + 1
	return strings.Trim(s[start:], ".")
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

func lastByteString(s string) string {
	if s == "" {
		return ""
	}
	return s[len(s)-1:]
}

// capitalize upper-cases the first letter of s, after any space and
// punctuation.
func capitalize(s string) string {
	i := strings.IndexFunc(s, unicode.IsLetter)
	if i < 0 {
		return s
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	if !unicode.IsLower(r) || strings.ContainsFunc(s[:i], unicode.IsDigit) {
		return s
	}
	return s[:i] + string(unicode.ToUpper(r)) + s[i+size:]
}
