package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"github.com/spf13/cobra"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/retrieval"
	"github.com/newsbot/newsbot/retrieval/fetch"
)

// newBot opens the store (see openStore) and builds the bot core with the
// configured chat model, if any, and a web fetcher. done releases both.
func (e *env) newBot(readOnly bool, command string) (b *bot.Bot, st *retrieval.Store, done func(), err error) {
	if e.shared != nil {
		return e.shared.bot, e.shared.store, func() {}, nil
	}
	st, done, err = e.openStore(readOnly, command)
	if err != nil {
		return nil, nil, nil, err
	}
	b, err = bot.New(st, e.chatModel(), e.fetcher(), bot.Options{Logger: e.logger, Observer: e.observer()})
	if err != nil {
		done()
		return nil, nil, nil, err
	}
	return b, st, done, nil
}

// chatModel is the configured chat model, or nil for extractive answers.
// Its requests retry through the model endpoints' one retrying transport.
func (e *env) chatModel() *bot.Model { return e.chatModelOver(e.modelTransport()) }

// chatModelOver is the configured chat model sending its requests through
// rt, or nil for extractive answers.
func (e *env) chatModelOver(rt http.RoundTripper) *bot.Model {
	if e.cfg.OpenAIKey == "" && e.cfg.OpenAIBaseURL == "" {
		return nil
	}
	cfg := openai.DefaultConfig(orDefault(e.cfg.OpenAIKey, "none"))
	if e.cfg.OpenAIBaseURL != "" {
		cfg.BaseURL = e.cfg.OpenAIBaseURL
	}
	cfg.HTTPClient = &http.Client{Transport: rt}
	return bot.NewModel(openai.NewClientWithConfig(cfg), e.cfg.ChatModel, bot.ModelOptions{Timeout: e.cfg.AnswerTimeout, Logger: e.logger, Observer: e.observer()})
}

// fetcher is the web client for articles and feeds.
func (e *env) fetcher() *fetch.Client {
	return fetch.NewClient(fetch.Options{AllowPrivate: e.cfg.AllowPrivateURLs})
}

type citationJSON struct {
	N           int     `json:"n"`
	ArticleID   string  `json:"article_id"`
	Paragraph   int     `json:"paragraph"`
	Title       string  `json:"title"`
	URL         string  `json:"url"`
	Source      string  `json:"source"`
	PublishedAt *string `json:"published_at"`
	Quote       string  `json:"quote"`
	Link        string  `json:"link"`
}

type answerJSON struct {
	Answer    string         `json:"answer"`
	Mode      string         `json:"mode"`
	Abstained bool           `json:"abstained"`
	Citations []citationJSON `json:"citations"`
	Uncited   []string       `json:"uncited,omitempty"`
	Closest   []string       `json:"closest,omitempty"`
	AsOf      *string        `json:"as_of"` // the day the question was read against
}

// printAnswer writes an answer as JSON or as text followed by its sources.
// A terminal that streamed the text gets only what it has not seen.
func (e *env) printAnswer(a *bot.Answer, asJSON bool, term *terminalAnswer) error {
	if asJSON {
		out := answerJSON{Answer: a.Text, Mode: a.Mode, Abstained: a.Abstained, Citations: []citationJSON{}, Uncited: a.Uncited, AsOf: dayJSON(a.AsOf)}
		for _, c := range a.Citations {
			out.Citations = append(out.Citations, citationJSON{
				N: c.N, ArticleID: c.Article.ID, Paragraph: c.Paragraph, Title: c.Article.Title, URL: c.Article.URL,
				Source: c.Article.Source, PublishedAt: dateJSON(c.Article.PublishedAt), Quote: c.Quote, Link: c.Link,
			})
		}
		for _, art := range a.Closest {
			out.Closest = append(out.Closest, art.Title)
		}
		return writeJSON(e, out)
	}
	term.Finish(a, e.stdout)
	writeSources(e.stdout, a)
	return nil
}

// writeSources lists the closest articles of a refusal, or the answer's
// sources.
func writeSources(w io.Writer, a *bot.Answer) {
	if len(a.Closest) > 0 {
		fmt.Fprintln(w, "\nClosest articles:")
		for _, art := range a.Closest {
			fmt.Fprintf(w, "- %s\n", art.Title)
		}
	}
	if len(a.Citations) == 0 {
		return
	}
	fmt.Fprintln(w, "\nSources")
	for _, c := range a.Citations {
		fmt.Fprintf(w, "[%d] %s\n", c.N, c.Label())
		if c.Link != "" {
			fmt.Fprintf(w, "    %s\n", c.Link)
		}
	}
}

func (e *env) askCommand() *cobra.Command {
	var (
		asJSON bool
		scope  string
		at     asOf
	)
	cmd := &cobra.Command{
		Use:   "ask [--json] [--scope S] [--as-of YYYY-MM-DD] QUESTION",
		Short: "Answer a question from the library, citing paragraphs",
		Args:  needArgs(1, "the question"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := retrieval.CheckScope(scope); err != nil {
				return err
			}
			b, _, done, err := e.newBot(true, "ask")
			if err != nil {
				return err
			}
			defer done()
			term := e.newTerminalAnswer(asJSON)
			a, err := b.Ask(e.ctx, bot.Question{Text: strings.Join(args, " "), Scope: scope, Now: at.t, Status: term.Status}, term.Progress)
			if err != nil {
				term.Abort()
				return personError{e.sorry(b, err)}
			}
			return e.printAnswer(a, asJSON, term)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&scope, "scope", retrieval.GlobalScope, `"global" or a Discord server id`)
	addAsOf(cmd.Flags(), &at)
	return cmd
}

func (e *env) summarizeCommand() *cobra.Command {
	var (
		asJSON       bool
		scope, topic string
		days         int
		at           asOf
	)
	cmd := &cobra.Command{
		Use:   "summarize [--json] [--scope S] [--as-of YYYY-MM-DD] ARTICLE | --topic TEXT [--days N]",
		Short: "Summarize an article (id, URL or headline words) or a topic, with citations",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := retrieval.CheckScope(scope); err != nil {
				return err
			}
			req := bot.SummaryRequest{Article: strings.Join(args, " "), Topic: topic, Scope: scope, Now: at.t}
			if req.Article == "" && topic == "" && days == 0 {
				return usageError{msg: "name an article, or give --topic or --days (usage: " + cmd.UseLine() + ")"}
			}
			if days < 0 || days > 3650 {
				return usageError{msg: "--days must be between 1 and 3650"}
			}
			if days > 0 {
				now := time.Now()
				if !at.t.IsZero() {
					now = at.t
					req.Until = at.t.AddDate(0, 0, 1) // the days up to and including --as-of
				}
				req.Since = now.AddDate(0, 0, -days)
			}
			b, _, done, err := e.newBot(true, "summarize")
			if err != nil {
				return err
			}
			defer done()
			term := e.newTerminalAnswer(asJSON)
			req.Status = term.Status
			a, err := b.Summarize(e.ctx, req, term.Progress)
			if err != nil {
				term.Abort()
				return personError{e.sorry(b, err)}
			}
			return e.printAnswer(a, asJSON, term)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&scope, "scope", retrieval.GlobalScope, `"global" or a Discord server id`)
	cmd.Flags().StringVar(&topic, "topic", "", "digest what the library says about a topic instead")
	cmd.Flags().IntVar(&days, "days", 0, "with --topic: only articles from the last N days")
	addAsOf(cmd.Flags(), &at)
	return cmd
}

// personError is an error already turned into a sentence for a person.
type personError struct{ msg string }

func (e personError) Error() string { return e.msg }
