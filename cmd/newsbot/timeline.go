package main

import (
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/retrieval"
)

// timelineJSON is `timeline --json`: the events, oldest first, and the
// paragraphs they cite, numbered as in ask --json.
type timelineJSON struct {
	Topic     string         `json:"topic"`
	Mode      string         `json:"mode"`
	Abstained bool           `json:"abstained"`
	Events    []eventJSON    `json:"events"`
	Citations []citationJSON `json:"citations"`
	Closest   []string       `json:"closest,omitempty"`
	AsOf      *string        `json:"as_of"`
}

type eventJSON struct {
	// Date is "2006-01-02", or "2006-01" for a month.
	Date string `json:"date"`
	// Stated is true when the cited paragraph states the date (Phrase, as
	// written); otherwise it is the cited article's publication date.
	Stated bool   `json:"stated"`
	Phrase string `json:"phrase,omitempty"`
	Text   string `json:"text"`
	// Quoted is true when Text is a sentence of the article, verbatim.
	Quoted    bool  `json:"quoted"`
	Citations []int `json:"citations"`
	Also      []int `json:"also,omitempty"`
}

func (e *env) timelineCommand() *cobra.Command {
	var (
		asJSON bool
		scope  string
		at     asOf
	)
	cmd := &cobra.Command{
		Use:   "timeline [--json] [--scope S] [--as-of YYYY-MM-DD] TOPIC",
		Short: "How a story developed: its events, oldest first, each dated and cited",
		Long: `Tells how a story developed across the library's articles: one line per
event, oldest first, each with its date and the paragraph it comes from.
An event is dated by the date its sentence states ("on March 3", "last
Tuesday", read from its article's date), else by its article's date.`,
		Args: needArgs(1, "the story"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := retrieval.CheckScope(scope); err != nil {
				return err
			}
			b, _, done, err := e.newBot(true, "timeline")
			if err != nil {
				return err
			}
			defer done()
			term := e.newTerminalAnswer(asJSON)
			tl, err := b.Timeline(e.ctx, bot.TimelineRequest{Topic: strings.Join(args, " "), Scope: scope, Now: at.t, Status: term.Status})
			if err != nil {
				term.Abort()
				return personError{e.sorry(b, err)}
			}
			a := tl.Answer(-1)
			if !asJSON {
				term.Finish(a, e.stdout)
				writeSources(e.stdout, a)
				return nil
			}
			lines := make([]bot.Line, len(tl.Events))
			for i, ev := range tl.Events {
				lines[i] = ev.Line
			}
			lines, cites := bot.CitedLines(lines, tl.Citations)
			out := timelineJSON{Topic: tl.Topic, Mode: tl.Mode, Abstained: tl.Abstained, Events: []eventJSON{}, Citations: []citationJSON{}, AsOf: dayJSON(tl.AsOf)}
			for i, ev := range tl.Events {
				layout := time.DateOnly
				if ev.Month {
					layout = "2006-01"
				}
				out.Events = append(out.Events, eventJSON{Date: ev.Date.Format(layout), Stated: ev.Stated, Phrase: ev.Phrase,
					Text: ev.Text, Quoted: ev.Quoted, Citations: lines[i].Cites, Also: lines[i].Also})
			}
			for _, c := range cites {
				out.Citations = append(out.Citations, citationJSON{
					N: c.N, ArticleID: c.Article.ID, Paragraph: c.Paragraph, Title: c.Article.Title, URL: c.Article.URL,
					Source: c.Article.Source, PublishedAt: dateJSON(c.Article.PublishedAt), Quote: c.Quote, Link: c.Link,
				})
			}
			for _, art := range tl.Closest {
				out.Closest = append(out.Closest, art.Title)
			}
			return writeJSON(e, out)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&scope, "scope", retrieval.GlobalScope, `"global" or a Discord server id`)
	addAsOf(cmd.Flags(), &at)
	return cmd
}
