package retrieval

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/itlightning/dateparse"
)

// TimeFrame is what a question says about time, read relative to a moment
// called now: the period it asks about, or that it wants the newest news.
//
// Days are calendar days in now's location, represented as midnight UTC of
// that date, the form article publication dates take.
type TimeFrame struct {
	// Since and Until bound the period the question names, Until
	// exclusive. Either may be zero (open). Both zero: no period.
	Since, Until time.Time
	// Recent marks a question that asks for the newest news ("latest",
	// "recently", "now", or a period that lies after now).
	Recent bool
	// Phrase is the expression the period was read from, as written.
	Phrase string
}

// HasPeriod reports whether the question names a period.
func (f TimeFrame) HasPeriod() bool { return !f.Since.IsZero() || !f.Until.IsZero() }

// Contains reports whether day d lies in the frame's period.
func (f TimeFrame) Contains(d time.Time) bool {
	return (f.Since.IsZero() || !d.Before(f.Since)) && (f.Until.IsZero() || d.Before(f.Until))
}

// ParseTime reads the time expressions of an English question relative to
// now: "this week", "yesterday", "last month", "in March", "in 2023",
// "since Monday", "two weeks ago", "on December 3", "2023-03-05", "latest",
// "recently" and the like. It returns the frame they describe and the text
// without the relative expressions, which match the wrong paragraphs
// ("this week" is in every article that says "this week"). Absolute dates
// stay in the text: an article about March 2020 says "March 2020".
//
// Several expressions: a relative one ("this week") names the frame before
// an absolute one ("after sealing its borders in March 2020"), and the
// first of a kind wins. A bare year or month without a preposition ("the
// 2022 World Cup", "March Madness") is a name, not a period; a period
// after now (asked about "next month") is read as wanting recent news,
// since nothing is published in the future.
func ParseTime(text string, now time.Time) (TimeFrame, string) {
	if now.IsZero() {
		return TimeFrame{}, text
	}
	p := timeParser{text: text, toks: timeTokens(text), today: dayOf(now)}
	matches := p.scan(text)
	var f TimeFrame
	best := 0
	for _, m := range matches {
		if m.recent {
			f.Recent = true
		}
		if m.rank > best {
			best = m.rank
			f.Since, f.Until, f.Phrase = m.since, m.until, strings.TrimSpace(text[m.start:m.end])
		}
	}
	tomorrow := p.today.AddDate(0, 0, 1)
	if !f.Since.IsZero() && f.Until.Sub(f.Since) == 24*time.Hour {
		// A day's news is published that day or the next.
		f.Until = f.Until.AddDate(0, 0, 1)
	}
	switch {
	case !f.Since.IsZero() && !f.Since.Before(tomorrow):
		f.Since, f.Until, f.Recent = time.Time{}, time.Time{}, true
	case !f.Until.IsZero() && f.Until.After(tomorrow):
		f.Until = tomorrow
	}
	return f, strip(text, matches)
}

// dayOf returns the calendar day of t in t's location as midnight UTC.
func dayOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// strip removes the matches marked for removal from text, and the space
// each leaves before punctuation.
func strip(text string, ms []timeMatch) string {
	var b strings.Builder
	last := 0
	for _, m := range ms {
		if !m.strip || m.start < last {
			continue
		}
		b.WriteString(strings.TrimRightFunc(text[last:m.start], unicode.IsSpace))
		if r, _ := utf8.DecodeRuneInString(strings.TrimLeftFunc(text[m.end:], unicode.IsSpace)); unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteByte(' ')
		}
		last = m.end
	}
	if last == 0 {
		return text
	}
	b.WriteString(strings.TrimLeftFunc(text[last:], unicode.IsSpace))
	return strings.TrimSpace(b.String())
}

// timeToken is a word or number of the question, lower-cased, with its byte
// span and whether a comma or a period directly follows it.
type timeToken struct {
	w          string
	start, end int
	num        int // value of a plain number or an ordinal ("3rd"); -1 otherwise
	comma, dot bool
}

// numericDate finds dates written in digits: 2023-03-05, 3/5/2023, 5.3.2023.
var numericDate = regexp.MustCompile(`\b(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})|\d{1,2}\.\d{1,2}\.\d{4})\b`)

// timeTokens splits text into words. Digits joined by ',' or '.' ("2,000",
// "1.58") stay one token, so they are never read as a day and a year;
// dates in digits are one token too.
func timeTokens(text string) []timeToken {
	var out []timeToken
	dates := numericDate.FindAllStringIndex(text, -1)
	i := 0
	for i < len(text) {
		if len(dates) > 0 && dates[0][0] == i {
			out = append(out, timeToken{w: text[i:dates[0][1]], start: i, end: dates[0][1], num: -1})
			i = dates[0][1]
			dates = dates[1:]
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			i += size
			continue
		}
		j := i
		for j < len(text) {
			r, size := utf8.DecodeRuneInString(text[j:])
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				j += size
				continue
			}
			// "2,000" and "1.58": a separator between digits
			if (r == ',' || r == '.') && j > i && isDigit(text[j-1]) && j+1 < len(text) && isDigit(text[j+1]) {
				j++
				continue
			}
			break
		}
		t := timeToken{w: strings.ToLower(text[i:j]), start: i, end: j, num: number(strings.ToLower(text[i:j]))}
		if j < len(text) {
			t.comma, t.dot = text[j] == ',', text[j] == '.'
		}
		out = append(out, t)
		i = j
	}
	return out
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// number reads "12", "3rd" or "21st" as a number, anything else as -1.
func number(w string) int {
	digits := strings.TrimRight(w, "stndrh")
	if len(digits) == 0 || len(digits) > 4 {
		return -1
	}
	if suffix := w[len(digits):]; suffix != "" && suffix != "st" && suffix != "nd" && suffix != "rd" && suffix != "th" {
		return -1
	}
	n, err := strconv.Atoi(digits)
	if err != nil {
		return -1
	}
	return n
}

// timeMatch is one time expression found in the question.
type timeMatch struct {
	start, end   int       // byte span in the question
	since, until time.Time // the period; zero bounds are open
	rank         int       // 0: names no period; higher ranks name the frame first
	strip        bool      // removed from the text used for matching
	recent       bool      // asks for the newest news
}

// Ranks of the expressions that name a period.
const (
	rankAbsolute = 1 // "in March", "on December 3", "in 2023"
	rankRelative = 2 // "this week", "yesterday", "since Monday"
)

type timeParser struct {
	text   string
	toks   []timeToken
	today  time.Time
	second int // token that starts the second half of "between X and Y"; 0: none
}

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

// weekdays are the full names of the days of the week; abbreviations are
// too often other words ("sun", "sat", "wed").
var weekdays = map[string]time.Weekday{
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
	"sundays": time.Sunday, "mondays": time.Monday, "tuesdays": time.Tuesday, "wednesdays": time.Wednesday,
	"thursdays": time.Thursday, "fridays": time.Friday, "saturdays": time.Saturday,
}

// weekday reads "Monday", "last Tuesday", "this Friday": the latest such
// day not after today ("last": before today).
func (p *timeParser) weekday(i int) (timeMatch, int) {
	j := i
	mod := p.word(j)
	if mod == "last" || mod == "this" || mod == "past" || mod == "next" {
		j++
	}
	wd, ok := weekdays[p.word(j)]
	if !ok {
		return timeMatch{}, 0
	}
	back := (int(p.today.Weekday()) - int(wd) + 7) % 7
	if mod == "last" && back == 0 {
		back = 7
	}
	d := p.today.AddDate(0, 0, -back)
	if mod == "next" {
		d = d.AddDate(0, 0, 7)
	}
	n := j + 1 - i
	if p.word(j+1) == "s" { // "Tuesday's"
		n++
	}
	return timeMatch{since: d, until: d.AddDate(0, 0, 1), rank: rankRelative, strip: true}, n
}

// numericDate reads a date written in digits, month first when it is
// ambiguous (3/5/2023 is March 5).
func (p *timeParser) numericDate(i int) (timeMatch, int) {
	if i >= len(p.toks) || !numericDate.MatchString(p.toks[i].w) {
		return timeMatch{}, 0
	}
	t, err := dateparse.ParseIn(p.toks[i].w, time.UTC, dateparse.PreferMonthFirst(true))
	if err != nil {
		return timeMatch{}, 0
	}
	d := dayOf(t)
	return timeMatch{since: d, until: d.AddDate(0, 0, 1), rank: rankAbsolute}, 1
}

// months are month names and their abbreviations; "may", "mar" and "jan"
// are read as months only next to a day, a year or a preposition.
var months = map[string]time.Month{
	"january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
	"may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
	"sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}

// abbreviated month names are months only beside a day or a year.
var abbreviated = map[string]bool{
	"jan": true, "feb": true, "mar": true, "apr": true, "jun": true, "jul": true, "aug": true,
	"sep": true, "sept": true, "oct": true, "nov": true, "dec": true,
}

// framing words make a bare month or year a period: "in March", "since
// 2020".
var framing = map[string]bool{
	"in": true, "on": true, "during": true, "since": true, "from": true, "until": true, "till": true,
	"by": true, "before": true, "after": true, "of": true, "through": true, "throughout": true,
	"between": true, "over": true, "within": true,
}

// framed reports whether the word before token i makes a bare month or
// year at i a period; the second half of "between March and May" is framed
// by the first.
func (p *timeParser) framed(i int) bool {
	return framing[p.word(i-1)] || i == p.second
}

// monthDate reads "March 3", "March 3rd, 2023", "Dec. 3", "3 March 2023",
// "March 2023", "in March", "early March", "last May".
func (p *timeParser) monthDate(i int) (timeMatch, int) {
	j := i
	part := p.word(j)
	if part == "early" || part == "mid" || part == "late" {
		j++
	} else {
		part = ""
	}
	mod := p.word(j)
	if mod == "last" || mod == "this" || mod == "next" {
		j++
	} else {
		mod = ""
	}
	// "3 March 2023", "the 3rd of March"
	day := -1
	if j < len(p.toks) && p.toks[j].num >= 1 && p.toks[j].num <= 31 && part == "" && mod == "" {
		k := j + 1
		if p.word(k) == "of" {
			k++
		}
		if _, ok := months[p.word(k)]; ok {
			day, j = p.toks[j].num, k
		}
	}
	mon, ok := months[p.word(j)]
	if !ok {
		return timeMatch{}, 0
	}
	name := p.word(j)
	end := j + 1
	if day < 0 && end < len(p.toks) && p.toks[end].num >= 1 && p.toks[end].num <= 31 && !p.toks[j].comma {
		day = p.toks[end].num
		end++
	}
	year := 0
	if end < len(p.toks) && p.toks[end].num >= 1000 && len(p.toks[end].w) == 4 {
		year = p.toks[end].num
		end++
	}
	// A month alone is a period only when something frames it ("in
	// March", "early May", "last June"); an abbreviation only beside a day
	// or a year ("Dec. 3"): "March Madness", "what may happen" and
	// "Mar-a-Lago" name no month.
	if day < 0 && year == 0 && (abbreviated[name] || part == "" && mod == "" && !p.framed(i)) {
		return timeMatch{}, 0
	}
	if year == 0 {
		year = p.today.Year()
		switch {
		case mod == "next":
			year++
		case mod == "last" && mon >= p.today.Month():
			year--
		case mod == "" && (mon > p.today.Month() || mon == p.today.Month() && day > p.today.Day()):
			year-- // the latest such month or day not after today
		}
	}
	m := timeMatch{rank: rankAbsolute, strip: mod != ""}
	if day > 0 {
		d := time.Date(year, mon, day, 0, 0, 0, 0, time.UTC)
		if d.Month() != mon {
			return timeMatch{}, 0 // February 30
		}
		m.since, m.until = d, d.AddDate(0, 0, 1)
	} else {
		m.since = time.Date(year, mon, 1, 0, 0, 0, 0, time.UTC)
		m.until = m.since.AddDate(0, 1, 0)
		m.since, m.until = partOf(part, m.since, m.until)
	}
	if mod != "" {
		m.rank = rankRelative
	}
	return m, end - i
}

// partOf narrows a period to its early, middle or late third.
func partOf(part string, since, until time.Time) (time.Time, time.Time) {
	third := until.Sub(since) / 3
	switch part {
	case "early":
		return since, dayOf(since.Add(third))
	case "mid":
		return dayOf(since.Add(third)), dayOf(until.Add(-third))
	case "late":
		return dayOf(until.Add(-third)), until
	}
	return since, until
}

// year reads a year after a framing word: "in 2023", "since 2020", "early
// 2024". A bare year is a name ("the 2022 World Cup").
func (p *timeParser) year(i int) (timeMatch, int) {
	j := i
	part := p.word(j)
	if part == "early" || part == "mid" || part == "late" {
		j++
	} else {
		part = ""
	}
	if j >= len(p.toks) || len(p.toks[j].w) != 4 || p.toks[j].num < 1900 || p.toks[j].num > 2100 {
		return timeMatch{}, 0
	}
	if part == "" && !p.framed(i) {
		return timeMatch{}, 0
	}
	s := time.Date(p.toks[j].num, 1, 1, 0, 0, 0, 0, time.UTC)
	since, until := partOf(part, s, s.AddDate(1, 0, 0))
	return timeMatch{since: since, until: until, rank: rankAbsolute}, j + 1 - i
}
