package retrieval

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// The time prior weighs a paragraph's score by its article's publication
// date, relative to now and to the period the question names. Each weight
// has the same shape,
//
//	w(d) = floor + (1 − floor) · 2^(−d / halfLife)
//
// where d is a distance in days: the article's age for the recency prior,
// its distance outside the named period for the period prior; the two
// multiply. An article dated after now (or of unknown date) gets the lowest
// weight there is: it is never preferred.
//
// Time decides between paragraphs that answer about equally well, not
// between one that answers and one that merely shares a word: a paragraph
// loses weight only as far as a better-dated paragraph covers the
// question's words as well as it does (coverage: the share of the
// question's word weight, by rarity, found in the paragraph and its
// headline). So a three-year-old article that alone names "Lavrov" is still
// first for "What did Lavrov call for this week?", while this week's
// article about the harbour budget beats January's for "What did the
// council approve for the harbour this week?".
type timePrior struct {
	today  time.Time // now's calendar day, as midnight UTC
	frame  TimeFrame
	age    decay // recency, always
	period decay // distance outside the frame, when the question names a period
}

// decay is one weight curve: halfLife in days, floor in (0, 1].
type decay struct{ halfLife, floor float64 }

func (c decay) at(days float64) float64 {
	if days <= 0 || c.halfLife <= 0 {
		return 1
	}
	return c.floor + (1-c.floor)*math.Exp2(-days/c.halfLife)
}

// The prior's curves. News questions are mostly about the last few days
// (143 of the 171 newsbench dev questions have gold published within a week
// of the quiz date), but the library keeps years of articles whose answers
// stay true, so the recency prior is gentle: half its effect is spent after
// two weeks and the oldest article keeps half its score. "Latest" and
// "recently" make it steeper. A named period is nearly a filter, with a few
// days' slack for articles dated a day or two off.
var (
	recencyPrior = decay{halfLife: 14, floor: 0.5}
	latestPrior  = decay{halfLife: 7, floor: 0.35}
	periodPrior  = decay{halfLife: 3, floor: 0.2}
)

// readTime turns the reading of time in questions and the time prior on;
// the newsbench evaluation turns it off to measure what they bring.
var readTime = true

// newTimePrior returns the prior for a question with frame f asked at now.
func newTimePrior(now time.Time, f TimeFrame) timePrior {
	p := timePrior{today: dayOf(now), frame: f, age: recencyPrior, period: periodPrior}
	if f.Recent && !f.HasPeriod() {
		p.age = latestPrior
	}
	return p
}

// weight returns the factor for a paragraph of an article published at
// published (zero: unknown).
func (p timePrior) weight(published time.Time) float64 {
	if published.IsZero() {
		return p.lowest()
	}
	d := dayOf(published.UTC())
	age := p.today.Sub(d).Hours() / 24
	if age < -1 { // a day of grace for time zones
		return p.lowest()
	}
	w := p.age.at(age)
	if p.frame.HasPeriod() {
		w *= p.period.at(p.outside(d))
	}
	return w
}

// lowest is the weight of an article of unknown date or dated after now.
func (p timePrior) lowest() float64 {
	if p.frame.HasPeriod() {
		return p.age.floor * p.period.floor
	}
	return p.age.floor
}

// outside returns how many days d lies outside the frame's period.
func (p timePrior) outside(d time.Time) float64 {
	f := p.frame
	switch {
	case !f.Since.IsZero() && d.Before(f.Since):
		return f.Since.Sub(d).Hours() / 24
	case !f.Until.IsZero() && !d.Before(f.Until):
		return d.Sub(f.Until).Hours()/24 + 1
	}
	return 0
}

// applyTime multiplies each ranked paragraph's score by its time weight,
// relieved as far as no better-dated paragraph covers the question as well
// (cover: the coverage of the paragraphs measured, by id), and sorts again.
func (ix *Index) applyTime(ranked []scored, p timePrior, cover map[string]float64) []scored {
	cands := make([]candidate, 0, len(ranked))
	ix.mu.RLock()
	for _, s := range ranked {
		id, _, err := parseParagraphID(s.id)
		if err != nil {
			continue
		}
		c := candidate{id: s.id, score: s.score, weight: p.lowest(), cover: cover[s.id]}
		if a, ok := ix.articles[id]; ok {
			c.weight = p.weight(a.date())
		}
		cands = append(cands, c)
	}
	ix.mu.RUnlock()
	relieve(cands)
	out := make([]scored, len(cands))
	for i, c := range cands {
		out[i] = scored{id: c.id, score: c.score * c.weight}
	}
	sortScored(out)
	return out
}

// candidate is a ranked paragraph with its time weight and coverage.
type candidate struct {
	id            string
	score, weight float64
	cover         float64 // share of the question's word weight it holds; 0: not measured
}

// relieve lifts the time weight of each candidate by the share of its
// coverage that no better-dated candidate matches: with w its weight, c its
// coverage and b the best coverage among candidates of higher weight, its
// weight becomes 1 − (1 − w) · min(1, b / c).
func relieve(cands []candidate) {
	order := make([]int, len(cands))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(cands[b].weight, cands[a].weight) })
	best := 0.0 // best coverage among strictly better-dated candidates
	for i := 0; i < len(order); {
		j := i
		groupBest := 0.0
		for ; j < len(order) && cands[order[j]].weight == cands[order[i]].weight; j++ {
			c := &cands[order[j]]
			groupBest = max(groupBest, c.cover)
			if c.cover > 0 {
				c.weight = 1 - (1-c.weight)*min(1, best/c.cover)
			}
		}
		best = max(best, groupBest)
		i = j
	}
}
