package retrieval

// The grammar of relative time expressions: "this week", "the past two
// days", "since Monday", "two weeks ago", "latest". Each rule reads tokens
// from position i and returns its match and how many tokens it took (0: no
// match). Dates and named days are in timedates.go.

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// scan finds the time expressions of text, left to right, longest first.
func (p *timeParser) scan(text string) []timeMatch {
	var out []timeMatch
	for i := 0; i < len(p.toks); {
		m, n := p.at(i)
		if n == 0 {
			i++
			continue
		}
		m.start, m.end = p.toks[i].start, p.toks[i+n-1].end
		if p.comparison(i) {
			m.rank = 0 // "compared to a year ago" is a reference point, not the frame
		}
		out = append(out, m)
		i += n
	}
	return out
}

// comparison reports whether the expression at token i follows "than" or
// "compared to/with".
func (p *timeParser) comparison(i int) bool {
	w := func(k int) string {
		if k < 0 {
			return ""
		}
		return p.toks[k].w
	}
	return w(i-1) == "than" || w(i-1) == "versus" || w(i-1) == "vs" || w(i-1) == "from" ||
		(w(i-1) == "to" || w(i-1) == "with") && w(i-2) == "compared"
}

// name reports whether token i is capitalized in mid-sentence, as in a
// name ("the “Today” show").
func (p *timeParser) name(i int) bool {
	if i < 0 || i >= len(p.toks) {
		return false
	}
	t := p.toks[i]
	r, _ := utf8.DecodeRuneInString(p.text[t.start:])
	if !unicode.IsUpper(r) {
		return false
	}
	before := strings.TrimRightFunc(p.text[:t.start], func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune("\"“‘'(", r) })
	return before != "" && !strings.ContainsAny(before[len(before)-1:], ".?!:")
}

// word returns token i, or "" past the end.
func (p *timeParser) word(i int) string {
	if i < 0 || i >= len(p.toks) {
		return ""
	}
	return p.toks[i].w
}

// at tries every expression at token i and returns the longest match and
// its length in tokens, or length 0.
func (p *timeParser) at(i int) (timeMatch, int) {
	switch w := p.word(i); w {
	case "since", "after", "before", "until", "till", "through", "between", "from":
		return p.bounded(i)
	case "in", "on", "during", "over", "within", "for", "throughout", "at", "by", "of":
		// a preposition belongs to the expression it introduces, which
		// then leaves the text whole ("in the past two weeks")
		m, n := p.expr(i + 1)
		if n == 0 {
			return m, 0
		}
		return m, n + 1
	}
	return p.expr(i)
}

// bounded reads "since X", "after X", "before X", "until X", "between X
// and Y" and "from X to Y".
func (p *timeParser) bounded(i int) (timeMatch, int) {
	kw := p.word(i)
	m, n := p.expr(i + 1)
	if n == 0 || m.rank == 0 && !m.recent {
		return timeMatch{}, 0
	}
	tomorrow := p.today.AddDate(0, 0, 1)
	rank := max(m.rank, rankRelative)
	// "since Monday" goes from the text; "since 1999" stays, as a name
	// the articles use.
	out := timeMatch{rank: rank, strip: m.strip}
	switch kw {
	case "since":
		out.since, out.until = m.since, tomorrow
	case "after":
		out.since, out.until = m.until, tomorrow
	case "before":
		out.until = m.since
	case "until", "till", "through":
		out.until = m.until
	}
	if kw == "between" || kw == "from" {
		if j := i + 1 + n; p.word(j) == "and" || p.word(j) == "to" || p.word(j) == "until" || p.word(j) == "through" {
			p.second = j + 1
			m2, n2 := p.expr(j + 1)
			p.second = 0
			if n2 > 0 && m2.rank > 0 {
				return timeMatch{since: m.since, until: m2.until, rank: rank, strip: m.strip && m2.strip}, n + n2 + 2
			}
		}
		return timeMatch{}, 0 // "from a year ago" alone is a reference point
	}
	if out.since.IsZero() && out.until.IsZero() {
		return timeMatch{}, 0
	}
	return out, n + 1
}

// expr reads one time expression at token i.
func (p *timeParser) expr(i int) (timeMatch, int) {
	for _, try := range []func(int) (timeMatch, int){p.recentWord, p.casualDay, p.unitPhrase, p.ago, p.weekday, p.numericDate, p.monthDate, p.year} {
		if m, n := try(i); n > 0 {
			return m, n
		}
	}
	return timeMatch{}, 0
}

// recentWords ask for the newest news without naming a period.
var recentWords = map[string]bool{
	"latest": true, "recent": true, "recently": true, "lately": true, "newest": true,
	"currently": true, "nowadays": true, "now": true,
}

func (p *timeParser) recentWord(i int) (timeMatch, int) {
	w := p.word(i)
	switch {
	case recentWords[w]:
		return timeMatch{recent: true, strip: true}, 1
	case w == "so" && p.word(i+1) == "far", w == "these" && p.word(i+1) == "days",
		w == "right" && p.word(i+1) == "now":
		return timeMatch{recent: true, strip: true}, 2
	case w == "the" && p.word(i+1) == "moment", w == "the" && p.word(i+1) == "latest":
		return timeMatch{recent: true, strip: true}, 2
	}
	return timeMatch{}, 0
}

// casualDay reads "today", "yesterday", "tonight", "this morning", "the day
// before yesterday".
func (p *timeParser) casualDay(i int) (timeMatch, int) {
	day := func(offset, n int) (timeMatch, int) {
		d := p.today.AddDate(0, 0, offset)
		return timeMatch{since: d, until: d.AddDate(0, 0, 1), rank: rankRelative, strip: true}, n
	}
	if p.name(i) {
		return timeMatch{}, 0 // "Today" in mid-sentence is the show
	}
	switch w := p.word(i); {
	case w == "today" || w == "tonight":
		return day(0, 1)
	case w == "yesterday":
		return day(-1, 1)
	case w == "tomorrow":
		return day(1, 1)
	case w == "this" && (p.word(i+1) == "morning" || p.word(i+1) == "afternoon" || p.word(i+1) == "evening"):
		return day(0, 2)
	case w == "last" && p.word(i+1) == "night":
		return day(-1, 2)
	case w == "the" && p.word(i+1) == "day" && p.word(i+2) == "before" && p.word(i+3) == "yesterday":
		return day(-2, 4)
	}
	return timeMatch{}, 0
}

// units are the lengths a relative expression counts in.
var units = map[string]string{
	"day": "day", "days": "day", "week": "week", "weeks": "week", "weekend": "weekend",
	"month": "month", "months": "month", "year": "year", "years": "year", "decade": "decade", "decades": "decade",
}

// countWords are the spelled-out counts of "two weeks ago" and "the past
// three days".
var countWords = map[string]int{
	"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
	"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "few": 3, "several": 4, "couple": 2,
}

// count reads a count at token i ("two", "3", "a few", "a couple of") and
// its length in tokens.
func (p *timeParser) count(i int) (int, int) {
	w := p.word(i)
	if (w == "a" || w == "the") && (p.word(i+1) == "few" || p.word(i+1) == "couple") {
		if p.word(i+2) == "of" {
			return countWords[p.word(i+1)], 3
		}
		return countWords[p.word(i+1)], 2
	}
	if w == "couple" && p.word(i+1) == "of" {
		return 2, 2
	}
	if n, ok := countWords[w]; ok {
		return n, 1
	}
	if i < len(p.toks) && p.toks[i].num > 0 && p.toks[i].num < 1000 && p.toks[i].w == strconv.Itoa(p.toks[i].num) {
		return p.toks[i].num, 1
	}
	return 0, 0
}

// unitPhrase reads "this week", "last month", "next year", "the past two
// weeks", "the last 12 months", "earlier this year", "the start of the year".
func (p *timeParser) unitPhrase(i int) (timeMatch, int) {
	j := i
	the := p.word(j) == "the"
	if the {
		j++
	}
	if w := p.word(j); w == "start" || w == "beginning" {
		if p.word(j+1) == "of" && (p.word(j+2) == "the" || p.word(j+2) == "this") {
			if u := units[p.word(j+3)]; u == "week" || u == "month" || u == "year" {
				s, _ := p.calendar(u, 0)
				return timeMatch{since: s, until: s.AddDate(0, 0, 1), rank: rankRelative, strip: true}, j + 4 - i
			}
		}
		return timeMatch{}, 0
	}
	if w := p.word(j); (w == "earlier" || w == "later") && !the {
		if m, n := p.unitPhrase(j + 1); n > 0 && p.word(j+1) == "this" {
			return m, n + 1
		}
		return timeMatch{}, 0
	}
	mod := p.word(j)
	switch mod {
	case "this", "current", "last", "past", "previous", "next", "coming":
	default:
		return timeMatch{}, 0
	}
	if (the || p.word(i-1) == "the") && mod != "last" && mod != "past" {
		return timeMatch{}, 0 // "the next day" counts from the story, not from now
	}
	j++
	if mod == "this" && p.word(j) == "past" { // "this past weekend"
		mod = "past"
		j++
	}
	n, cn := p.count(j)
	if cn == 0 {
		n = 0
	}
	u := units[p.word(j+cn)]
	if u == "" || p.word(j+cn+1) == "of" {
		return timeMatch{}, 0 // "the last day of Carnival" is not counted from now
	}
	end := j + cn + 1
	tomorrow := p.today.AddDate(0, 0, 1)
	m := timeMatch{rank: rankRelative, strip: true}
	weekend := p.today.Weekday() == time.Saturday || p.today.Weekday() == time.Sunday
	switch {
	case u == "weekend" && n == 0:
		// "this weekend" is the one under way or coming; "last weekend"
		// and "the past weekend" the last one that ended.
		offset := 0
		switch {
		case (mod == "this" || mod == "current") && !weekend, mod == "next" || mod == "coming":
			offset = 1
		case mod != "this" && mod != "current" && weekend:
			offset = -1
		}
		m.since, m.until = p.calendar(u, offset)
	case n > 0 && (mod == "next" || mod == "coming"):
		m.since, m.until = tomorrow, add(tomorrow, u, n)
	case n > 0: // "the past two weeks", "last 3 days"
		m.since, m.until = add(tomorrow, u, -n), tomorrow
	case u == "week" && mod == "this" || u == "week" && mod == "current":
		// On a Monday "this week" is still the news of the last few days:
		// read it as the last seven days.
		m.since, m.until = p.today.AddDate(0, 0, -6), tomorrow
	case mod == "this" || mod == "current":
		m.since, _ = p.calendar(u, 0)
		m.until = tomorrow
	case the || mod == "past":
		// "the last month", "the past year": a rolling period
		m.since, m.until = add(tomorrow, u, -1), tomorrow
	case mod == "next" || mod == "coming":
		m.since, m.until = p.calendar(u, 1)
	default: // "last week", "previous month": the calendar period before this one
		m.since, m.until = p.calendar(u, -1)
	}
	return m, end - i
}

// calendar returns the calendar week (from Monday), weekend, month, year or
// decade that is offset periods from today's.
func (p *timeParser) calendar(u string, offset int) (time.Time, time.Time) {
	t := p.today
	switch u {
	case "day":
		s := t.AddDate(0, 0, offset)
		return s, s.AddDate(0, 0, 1)
	case "week":
		s := t.AddDate(0, 0, -((int(t.Weekday())+6)%7)+7*offset)
		return s, s.AddDate(0, 0, 7)
	case "weekend":
		// the weekend that ended last, or is under way
		back := (int(t.Weekday()) + 1) % 7 // days since Saturday
		s := t.AddDate(0, 0, -back+7*offset)
		return s, s.AddDate(0, 0, 2)
	case "month":
		s := time.Date(t.Year(), t.Month()+time.Month(offset), 1, 0, 0, 0, 0, time.UTC)
		return s, s.AddDate(0, 1, 0)
	case "decade":
		s := time.Date(t.Year()-t.Year()%10+10*offset, 1, 1, 0, 0, 0, 0, time.UTC)
		return s, s.AddDate(10, 0, 0)
	default: // year
		s := time.Date(t.Year()+offset, 1, 1, 0, 0, 0, 0, time.UTC)
		return s, s.AddDate(1, 0, 0)
	}
}

// add moves t by n units.
func add(t time.Time, u string, n int) time.Time {
	switch u {
	case "day":
		return t.AddDate(0, 0, n)
	case "week":
		return t.AddDate(0, 0, 7*n)
	case "weekend":
		return t.AddDate(0, 0, 7*n)
	case "month":
		return t.AddDate(0, n, 0)
	case "decade":
		return t.AddDate(10*n, 0, 0)
	}
	return t.AddDate(n, 0, 0)
}

// ago reads "two weeks ago", "a year ago", "3 days ago": a period one unit
// long around that point.
func (p *timeParser) ago(i int) (timeMatch, int) {
	n, cn := p.count(i)
	if cn == 0 {
		return timeMatch{}, 0
	}
	u := units[p.word(i+cn)]
	if u == "" || u == "weekend" || p.word(i+cn+1) != "ago" {
		return timeMatch{}, 0
	}
	at := add(p.today, u, -n)
	var since, until time.Time
	switch u {
	case "day":
		since, until = at, at.AddDate(0, 0, 1)
	case "week":
		since, until = at.AddDate(0, 0, -3), at.AddDate(0, 0, 4)
	default: // half a unit either side
		since, until = add(at, u, -1), add(at, u, 1)
		half := until.Sub(since) / 4
		since, until = dayOf(since.Add(half)), dayOf(until.Add(-half))
	}
	return timeMatch{since: since, until: until, rank: rankRelative, strip: true}, cn + 2
}
