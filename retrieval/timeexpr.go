package retrieval

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
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
