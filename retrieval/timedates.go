package retrieval

// Named days and dates of time expressions: "Monday", "on December 3",
// "in March 2023", "in 2023", "2023-03-05".

import (
	"time"

	"github.com/itlightning/dateparse"
)

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
