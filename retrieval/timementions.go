package retrieval

import (
	"regexp"
	"time"
)

// DateMention is a day or a calendar month that a text names.
type DateMention struct {
	// Since and Until bound the day or the month, Until exclusive, as
	// midnight UTC of those dates (the form TimeFrame and publication dates
	// take).
	Since, Until time.Time
	// Month is set when the text names a whole month ("in March 2023",
	// "last month") rather than a day.
	Month bool
	// Phrase is the expression as written, and Start and End its byte
	// span in the text.
	Phrase     string
	Start, End int
}

// DatesIn finds the days and months a text names, read relative to the
// day it was written: "on March 3", "last Tuesday", "yesterday", "two days
// ago", "2023-03-05", "in March 2023", "last month". It reads them with
// ParseTime's grammar, so a text and a question agree on what "last
// Tuesday" means.
//
// Only what dates an event is kept: periods longer than a day that are not
// one calendar month ("this week", "early March", "in 2023", "since
// Monday"), reference points ("compared with a year ago"), dates after
// written (plans, not events), and a date without a year that would lie
// more than half a year before written ("on April 3" in March is more
// likely the coming April than the last) are left out.
func DatesIn(text string, written time.Time) []DateMention {
	if written.IsZero() {
		return nil
	}
	p := timeParser{text: text, toks: timeTokens(text), today: dayOf(written)}
	var out []DateMention
	for _, m := range p.scan(text) {
		if m.rank == 0 || m.since.IsZero() || m.since.After(p.today) {
			continue
		}
		d := DateMention{Since: m.since, Until: m.until, Phrase: text[m.start:m.end], Start: m.start, End: m.end}
		switch {
		case m.until.Equal(m.since.AddDate(0, 0, 1)):
		case m.since.Day() == 1 && m.until.Equal(m.since.AddDate(0, 1, 0)):
			d.Month = true
		default:
			continue
		}
		if !hasYear.MatchString(d.Phrase) && m.rank == rankAbsolute && m.since.Before(p.today.AddDate(0, -6, 0)) {
			continue
		}
		out = append(out, d)
	}
	return out
}

// hasYear matches a phrase that states its year.
var hasYear = regexp.MustCompile(`\b(1[89]|2[01])\d\d\b|\b\d{1,2}/\d{1,2}/\d{2}\b`)
