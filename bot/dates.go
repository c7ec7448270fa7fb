package bot

import (
	"regexp"
	"time"

	"github.com/newsbot/newsbot/retrieval"
)

// Dates matter to news: "the minister resigned" means something else in
// 2019 than this week. An extractive answer shows each quote's publication
// date beside its citation ("… [1] (13 Dec 2023)") when the question is about
// time or the quoted articles were published on different days; otherwise
// the dates stay in the sources list.

// asksWhen matches questions whose answer is a time.
var asksWhen = regexp.MustCompile(`(?i)\b(when|what (year|date|day|month)|which (year|date|day|month)|how long ago)\b`)

// asksAboutTime reports whether a question names a period, asks for the
// latest news or asks when something happened.
func asksAboutTime(question string) bool {
	if asksWhen.MatchString(question) {
		return true
	}
	// Whether the question reads in time does not depend on the day it is
	// read against.
	f, _ := retrieval.ParseTime(question, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	return f.HasPeriod() || f.Recent
}

// datesDiffer reports whether quotes come from articles published on
// different days.
func datesDiffer(quotes []quote) bool {
	days := map[time.Time]bool{}
	for _, q := range quotes {
		if d := q.article.PublishedAt; !d.IsZero() {
			y, m, dd := d.Date()
			days[time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)] = true
		}
	}
	return len(days) > 1
}

// dateNote is " (13 Dec 2023)" for an article with a publication date, as
// Citation.Label writes it, and "" for one without.
func dateNote(a *retrieval.Article) string {
	if a.PublishedAt.IsZero() {
		return ""
	}
	return " (" + a.PublishedAt.Format("2 Jan 2006") + ")"
}
