package bot

import (
	"cmp"
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/newsbot/newsbot/prompts"
	"github.com/newsbot/newsbot/retrieval"
)

// A timeline tells how a story developed across the library's articles:
// one line per event, oldest first, each dated and cited. An event is
// dated by the date its own sentence states, read relative to its
// article's date ("on March 3", "last Tuesday", "yesterday":
// retrieval.DatesIn, the grammar questions are read with), so a report
// published on Friday about Tuesday's vote puts the vote on Tuesday.
// A sentence that states no date is an event only when it opens its
// article (the lede, where news says what just happened) and is not about
// the future ("will"); it is dated by the article's publication date.
// Deeper undated sentences are background, quotes or plans. The cited
// paragraph therefore always holds the date: in its text, or in its
// article's date beside the citation. An article without a publication
// date dates an event only by a date that states its year: "on
// Wednesday" means nothing without knowing when it was written.

// TimelineRequest asks for the chronology of a story.
type TimelineRequest struct {
	Topic string
	Scope string
	// MaxEvents caps the lines; default 12.
	MaxEvents int
	// Language, when set, names the language a model writes in.
	Language string
	// Now is when it is asked; zero means the bot's clock.
	Now time.Time
	// Status, when not nil, hears phaseSearching, then phaseWriting when
	// a model starts writing.
	Status func(phase string)
}

// Event is one line of a timeline.
type Event struct {
	Line
	// Date is the event's day, or the first day of its month (Month set),
	// as midnight UTC.
	Date  time.Time
	Month bool
	// Stated marks a date written in the cited paragraph (Phrase, as
	// written); otherwise it is the cited article's publication date.
	Stated bool
	Phrase string
}

// DateLabel writes the event's date as the bot's sources do: "3 Mar
// 2024", or "March 2024" for a month.
func (e Event) DateLabel() string {
	if e.Month {
		return e.Date.Format("January 2006")
	}
	return dayLabel(e.Date)
}

// Timeline is a dated, cited chronology of a story.
type Timeline struct {
	Topic  string
	Mode   string
	Events []Event // oldest first
	// Citations are the paragraphs the events cite, numbered from 1.
	Citations []Citation
	// Abstained is set when the library has nothing on the story; Closest
	// then names the articles that came nearest.
	Abstained bool
	Closest   []*retrieval.Article
	AsOf      time.Time
}

// Answer returns the first n events (all when n is out of range) as an
// Answer, one "3 Mar 2024 — event [1]" line each, citations renumbered.
func (t *Timeline) Answer(n int) *Answer {
	if n < 0 || n > len(t.Events) {
		n = len(t.Events)
	}
	lines := make([]Line, n)
	for i := range n {
		lines[i] = t.Events[i].Line
	}
	a := linesAnswer(lines, t.Citations, t.Mode, func(i int) string { return t.Events[i].DateLabel() + " — " })
	a.Question, a.AsOf, a.Abstained, a.Closest = t.Topic, t.AsOf, t.Abstained, t.Closest
	if t.Abstained {
		a.Text = "I can't find dated events of that story in the loaded articles."
	}
	return a
}

// timelineHits is how many paragraphs a timeline searches; the most a
// search returns.
const timelineHits = retrieval.MaxK

// Timeline tells how the story r.Topic developed, from the articles scope
// sees. With a chat model, the model writes the events from the
// paragraphs found, told the dates the bot read in each, and the bot
// checks each line's date against its citations; without one, the events
// are the sentences themselves, quoted.
func (b *Bot) Timeline(ctx context.Context, r TimelineRequest) (*Timeline, error) {
	if err := b.CheckQuestion(r.Topic); err != nil {
		return nil, err
	}
	r.Now = b.at(r.Now)
	if r.MaxEvents <= 0 {
		r.MaxEvents = 12
	}
	status := report(r.Status)
	status(phaseSearching)
	t := &Timeline{Topic: r.Topic, Mode: b.mode(), AsOf: r.Now}
	hits, err := b.store.Search(ctx, retrieval.Query{Text: r.Topic, K: timelineHits, Scope: r.Scope, Now: r.Now})
	if err != nil {
		return nil, err
	}
	_, cands, err := b.evidence(ctx, r.Topic, hits, r.Now)
	if err != nil {
		return nil, err
	}
	events := timelineEvents(cands, r.MaxEvents)
	if len(events) == 0 {
		t.Abstained = true
		for _, h := range hits {
			if !slices.Contains(t.Closest, h.Article) && len(t.Closest) < 3 {
				t.Closest = append(t.Closest, h.Article)
			}
		}
		return t, nil
	}
	if b.model != nil {
		status(phaseWriting)
		ok, err := b.modelTimeline(ctx, r, t, events, cands)
		if err != nil {
			return nil, err
		}
		if ok {
			return t, nil
		}
		b.log.Warn("the model's timeline had no dated, cited line; quoting the events instead", "topic", r.Topic)
		t.Mode = ModeExtractive
	}
	t.Events, t.Citations = quotedEvents(events)
	return t, nil
}

// eventCandidate is a sentence that may be an event of the timeline.
type eventCandidate struct {
	candidate
	Event
	also []candidate // the same event reported elsewhere
}

// timelineEvents picks up to n events from the sentences judged as
// evidence on the topic: sentences that hold most of the topic (with
// their neighbours) and a date, or lead sentences dated by their article.
// Reports of one event (same date, mostly the same words) become one,
// citing each. The best n, by evidence and by stating their date, are
// returned oldest first.
func timelineEvents(cands []candidate, n int) []eventCandidate {
	var evs []eventCandidate
	for _, c := range cands {
		if c.window < topicCover {
			continue
		}
		ev := eventCandidate{candidate: c, Event: Event{Line: Line{Text: c.text, Quoted: true}}}
		written := c.article.PublishedAt
		if ds := statedDates(c.text, c.article); len(ds) > 0 {
			ev.Date, ev.Month, ev.Stated, ev.Phrase = ds[0].Since, ds[0].Month, true, ds[0].Phrase
		} else if c.paragraph == 1 && c.order == 0 && !future.MatchString(c.text) && !written.IsZero() {
			y, m, d := written.Date()
			ev.Date = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		} else {
			continue
		}
		evs = append(evs, ev)
	}
	rank := func(e eventCandidate) float64 {
		if e.Stated {
			return e.score + typedBonus
		}
		return e.score
	}
	slices.SortStableFunc(evs, func(x, y eventCandidate) int { return cmp.Compare(rank(y), rank(x)) })
	var out []eventCandidate
	for _, e := range evs {
		i := slices.IndexFunc(out, func(o eventCandidate) bool {
			return o.Date.Equal(e.Date) && (o.article == e.article || nearDuplicate(o.terms, e.terms))
		})
		switch {
		case i < 0 && len(out) < n:
			out = append(out, e)
		case i >= 0 && out[i].article != e.article && len(out[i].also) < 2:
			out[i].also = append(out[i].also, e.candidate)
		}
	}
	slices.SortStableFunc(out, func(x, y eventCandidate) int {
		if c := x.Date.Compare(y.Date); c != 0 {
			return c
		}
		if c := articleTime(x.article).Compare(articleTime(y.article)); c != 0 {
			return c
		}
		return cmp.Compare(x.paragraph*100+x.order, y.paragraph*100+y.order)
	})
	return out
}

// statedDates returns the dates text of article a states: read from its
// publication date, or, for an article without one, only those that
// state their year.
func statedDates(text string, a *retrieval.Article) []retrieval.DateMention {
	if !a.PublishedAt.IsZero() {
		return retrieval.DatesIn(text, a.PublishedAt)
	}
	ds := retrieval.DatesIn(text, a.LoadedAt)
	return slices.DeleteFunc(ds, func(d retrieval.DateMention) bool { return !statedYear.MatchString(d.Phrase) })
}

// statedYear matches a date that states its year.
var statedYear = regexp.MustCompile(`\b(1[89]|2[01])\d\d\b`)

// future matches a sentence about what is to come.
var future = regexp.MustCompile(`(?i)\b(will|won't|shall|is (set|due|expected|scheduled) to|plans? to)\b`)

// quotedEvents turns event candidates into events citing their
// paragraphs.
func quotedEvents(evs []eventCandidate) ([]Event, []Citation) {
	var ct citer
	cite := ct.cite
	out := make([]Event, len(evs))
	for i, e := range evs {
		out[i] = e.Event
		out[i].Cites = []int{cite(e.article, e.paragraph)}
		for _, o := range e.also {
			out[i].Also = append(out[i].Also, cite(o.article, o.paragraph))
		}
	}
	return out, ct.cites
}

// modelTimeline has the model write the timeline from the paragraphs of
// the events found and of the other sentences that bear on the topic, and
// keeps the lines whose dates check out. It reports false when no line
// does.
func (b *Bot) modelTimeline(ctx context.Context, r TimelineRequest, t *Timeline, events []eventCandidate, cands []candidate) (bool, error) {
	in := prompts.TimelineInput{Topic: r.Topic, Now: r.Now, Language: r.Language, Sources: placeholderSources}
	fixed, err := prompts.Timeline(in)
	if err != nil {
		return false, err
	}
	var paras []para
	seen := map[string]bool{}
	add := func(a *retrieval.Article, n int) {
		if id := retrieval.ParagraphID(a.ID, n); !seen[id] {
			seen[id] = true
			paras = append(paras, para{a, n})
		}
	}
	for _, e := range events {
		add(e.article, e.paragraph)
		for _, o := range e.also {
			add(o.article, o.paragraph)
		}
	}
	for _, c := range cands {
		if c.window >= topicCover {
			add(c.article, c.paragraph)
		}
	}
	sources, arts := groupSources(b.fit(b.tok.countMessages(fixed), paras))
	in.Sources = sources
	refs := prompts.Refs(sources)
	for _, ref := range refs {
		a := arts[ref.Source]
		var notes []string
		for _, d := range statedDates(a.Paragraphs[ref.Paragraph-1], a) {
			layout := time.DateOnly
			if d.Month {
				layout = "2006-01"
			}
			notes = append(notes, d.Phrase+" = "+d.Since.Format(layout))
		}
		in.Dates = append(in.Dates, notes)
	}
	msgs, err := prompts.Timeline(in)
	if err != nil {
		return false, err
	}
	reply, err := b.model.Complete(ctx, msgs)
	if err != nil {
		return false, err
	}
	evs, cites := modelEvents(reply, refs, arts)
	if len(evs) == 0 {
		return false, nil
	}
	if len(evs) > r.MaxEvents {
		evs = evs[:r.MaxEvents]
	}
	t.Events, t.Citations = evs, cites
	return true, nil
}

// datedLine matches a model's timeline line: "2024-03-03 — event [2]".
var datedLine = regexp.MustCompile(`^\s*[-•*]?\s*(\d{4})-(\d{2})(?:-(\d{2}))?\s*[—–:-]+\s*(.+)$`)

// modelEvents reads a model's timeline. A line's date must be stated in a
// paragraph it cites (as retrieval.DatesIn reads it) or be a cited
// article's date; otherwise the line is dated by its first cited
// article, so every date shown can be checked in its citation. Lines
// without a date or a citation are dropped; the rest are put in date
// order.
func modelEvents(reply string, refs []prompts.Ref, arts []*retrieval.Article) ([]Event, []Citation) {
	var dated []string
	var dates []time.Time
	var months []bool
	for _, l := range strings.Split(reply, "\n") {
		m := datedLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		d, month := 1, m[3] == ""
		if !month {
			d, _ = strconv.Atoi(m[3])
		}
		date := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
		if mo < 1 || mo > 12 || date.Month() != time.Month(mo) || date.Day() != d {
			continue
		}
		dated = append(dated, m[4])
		dates = append(dates, date)
		months = append(months, month)
	}
	lines, cites := citeLines(dated, refs, arts)
	var evs []Event
	for _, l := range lines {
		if e, ok := checkDate(Event{Line: l.Line, Date: dates[l.src], Month: months[l.src]}, cites); ok {
			evs = append(evs, e)
		}
	}
	slices.SortStableFunc(evs, func(x, y Event) int { return x.Date.Compare(y.Date) })
	return evs, cites
}

// checkDate finds the model's date for e in the paragraphs it cites: a
// date stated there, or a cited article's publication date; failing both,
// e takes the first cited article's publication date, and without one it
// cannot be dated (false).
func checkDate(e Event, cites []Citation) (Event, bool) {
	var first time.Time
	for _, n := range e.Cites {
		c := cites[n-1]
		for _, d := range statedDates(c.Quote, c.Article) {
			if d.Since.Equal(e.Date) && d.Month == e.Month || e.Month && !d.Month && d.Since.Year() == e.Date.Year() && d.Since.Month() == e.Date.Month() {
				e.Stated, e.Phrase = true, d.Phrase
				return e, true
			}
		}
		p := c.Article.PublishedAt
		if p.IsZero() {
			continue
		}
		day := time.Date(p.Year(), p.Month(), p.Day(), 0, 0, 0, 0, time.UTC)
		if !e.Month && day.Equal(e.Date) {
			return e, true
		}
		if first.IsZero() {
			first = day
		}
	}
	if first.IsZero() {
		return e, false
	}
	e.Date, e.Month, e.Stated, e.Phrase = first, false, false, ""
	return e, true
}
