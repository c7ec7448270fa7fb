package prompts

import (
	"errors"
	"fmt"
	"time"
)

// BriefingInput is the articles that arrived in a period, grouped by the
// story they tell, for a daily briefing.
type BriefingInput struct {
	// Topic, when set, is what the briefing is kept to.
	Topic string
	// From and To bound when the articles arrived.
	From, To time.Time
	// Stories hold each story's sources, the biggest story first. The
	// paragraphs are numbered across all stories, in order, as Refs
	// numbers the stories' sources joined.
	Stories  [][]Source
	Language string
	Now      time.Time
}

type briefingView struct {
	BriefingInput
	Numbered [][]numberedSource
}

// Briefing renders messages asking for one cited line per story: a daily
// briefing. Refs of the stories' sources joined, in order, gives the
// numbers it cites.
func Briefing(in BriefingInput) ([]Message, error) {
	if len(in.Stories) == 0 {
		return nil, errors.New("briefing prompt: no stories")
	}
	v := briefingView{BriefingInput: in}
	next := 0
	for i, st := range in.Stories {
		if len(st) == 0 {
			return nil, fmt.Errorf("briefing prompt: story %d has no sources", i+1)
		}
		if err := checkSources(st); err != nil {
			return nil, fmt.Errorf("briefing prompt: %w", err)
		}
		ns := numbered(st, false)
		for k := range ns {
			for j := range ns[k].Labels {
				ns[k].Labels[j] += next
			}
		}
		next = ns[len(ns)-1].Labels[len(ns[len(ns)-1].Labels)-1]
		v.Numbered = append(v.Numbered, ns)
	}
	return render("briefing", v)
}

// TimelineInput is the paragraphs that tell how a story developed, for a
// dated chronology.
type TimelineInput struct {
	Topic   string
	Sources []Source
	// Dates lists, for the paragraph Refs numbers k, the dates the bot read
	// in it as "phrase = 2006-01-02" (or "= 2006-01" for a month), at
	// Dates[k-1]; it may be shorter than the paragraphs.
	Dates    [][]string
	Language string
	Now      time.Time
}

type timelineView struct {
	TimelineInput
	Numbered []timelineSource
}

type timelineSource struct {
	Source
	Items []timelineItem
}

type timelineItem struct {
	Label int
	Text  string
	Dates []string
}

// Timeline renders messages asking for a chronology: one dated, cited line
// per event, oldest first, each line "2006-01-02 — event [n]".
func Timeline(in TimelineInput) ([]Message, error) {
	if in.Topic == "" {
		return nil, errors.New("timeline prompt: no topic")
	}
	if len(in.Sources) == 0 {
		return nil, errors.New("timeline prompt: no sources")
	}
	if err := checkSources(in.Sources); err != nil {
		return nil, fmt.Errorf("timeline prompt: %w", err)
	}
	v := timelineView{TimelineInput: in}
	for _, ns := range numbered(in.Sources, false) {
		ts := timelineSource{Source: ns.Source}
		for i, p := range ns.Paragraphs {
			item := timelineItem{Label: ns.Labels[i], Text: p.Text}
			if k := ns.Labels[i] - 1; k < len(in.Dates) {
				item.Dates = in.Dates[k]
			}
			ts.Items = append(ts.Items, item)
		}
		v.Numbered = append(v.Numbered, ts)
	}
	return render("timeline", v)
}
