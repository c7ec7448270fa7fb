package bot

import (
	"math"
	"time"
)

// News questions live in time. A question that names a period ("this
// week", "in March", "this year's Oscars") or asks for the latest news
// ("recently") is about what happened then: a sentence from an article
// published long before is about an earlier event of the same kind (last
// year's word of the year, last season's final), so it counts for less as
// evidence, and from far enough outside the period not at all. Retrieval
// already prefers well-dated paragraphs (retrieval's time prior); this is
// the judgement of whether what it found answers.
//
// An article is given slack outside the period before its evidence loses
// weight, since news about an event is published over the days around it
// (the quiz of a Friday asks "this week" about the weekend before), and
// then loses half its weight every fitHalfLife days. A question that only
// asks for the latest news reads as asking about the last recentDays.
var (
	fitSlack    = 7.0  // days
	fitHalfLife = 7.0  // days
	recentDays  = 90.0 // the period "recently" and "latest" name
)

// timeFit returns how far evidence from an article published at published
// fits the time the question asks about: 1 from the period's start on (or
// for a question that names none), falling towards 0 the longer before the
// period the article was published. An article cannot report what
// happened after it was written; one written later may look back ("On July
// 4, 1776, …" is answered by articles of any year since). An article of
// unknown date fits.
func (q question) timeFit(published time.Time) float64 {
	if published.IsZero() {
		return 1
	}
	d := dayOf(published)
	if !q.now.IsZero() && afterNow > 0 {
		// Asked as of a day in the past (--as-of), the library may hold
		// later articles: they tell what happened after the question was
		// asked, next year's winner rather than this year's.
		if after := d.Sub(dayOf(q.now)).Hours()/24 - 1; after > 0 {
			return math.Exp2(-after / afterNow)
		}
	}
	since, _, ok := q.period()
	if !ok || since.IsZero() || !d.Before(since) {
		return 1
	}
	before := since.Sub(d).Hours() / 24
	return math.Exp2(-max(before-fitSlack, 0) / fitHalfLife)
}

// afterNow is the half-life in days of the weight of evidence from an
// article dated after now; 0 turns it off.
var afterNow = 7.0

// period returns the days the question asks about, Until exclusive, and
// false when it names no time.
func (q question) period() (since, until time.Time, ok bool) {
	f := q.frame
	switch {
	case f.HasPeriod():
		return f.Since, f.Until, true
	case f.Recent && !q.now.IsZero():
		today := dayOf(q.now)
		return today.AddDate(0, 0, -int(recentDays)), today.AddDate(0, 0, 1), true
	}
	return time.Time{}, time.Time{}, false
}

// Recency among sentences that answer about equally well: news questions
// are mostly about the last days, so a sentence from an older article
// loses weight, at most recencyFloor of it, half of that after
// recencyHalfLife days. The oldest article that alone answers still
// answers.
var (
	recencyHalfLife = 90.0 // days
	recencyFloor    = 0.5
)

// recency returns the weight of a sentence from an article published at
// published, asked at q.now: 1 when new (or either date unknown), down to
// 1 − recencyFloor when old. An article dated after now gets the least.
func (q question) recency(published time.Time) float64 {
	if published.IsZero() || q.now.IsZero() {
		return 1
	}
	age := dayOf(q.now).Sub(dayOf(published)).Hours() / 24
	if age < -1 {
		return 1 - recencyFloor
	}
	return 1 - recencyFloor + recencyFloor*math.Exp2(-max(age, 0)/recencyHalfLife)
}

func dayOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
