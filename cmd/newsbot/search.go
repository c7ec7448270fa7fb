package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsbot/newsbot/retrieval"
)

// dateJSON renders a date for the JSON output: "2006-01-02", or null.
func dateJSON(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.Format(time.DateOnly)
	if !t.Equal(t.Truncate(24 * time.Hour)) {
		s = t.UTC().Format(time.RFC3339)
	}
	return &s
}

// dayJSON renders the day of t, or null.
func dayJSON(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.Format(time.DateOnly)
	return &s
}

func writeJSON(e *env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

type searchResultJSON struct {
	ArticleID   string  `json:"article_id"`
	Paragraph   int     `json:"paragraph"`
	Title       string  `json:"title"`
	URL         string  `json:"url"`
	Source      string  `json:"source"`
	PublishedAt *string `json:"published_at"`
	Text        string  `json:"text"`
	Score       float64 `json:"score"`
}

func (e *env) searchCommand() *cobra.Command {
	var (
		asJSON bool
		k      int
		scope  string
		at     asOf
	)
	cmd := &cobra.Command{
		Use:   "search [--json] [--k N] [--scope S] [--as-of YYYY-MM-DD] QUERY",
		Short: "Show the paragraphs that best match a query (retrieval only)",
		Args:  needArgs(1, "the query"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if k < 1 || k > retrieval.MaxK {
				return usageError{msg: fmt.Sprintf("--k must be between 1 and %d", retrieval.MaxK)}
			}
			q := retrieval.Query{Text: strings.Join(args, " "), K: k, Scope: scope, Now: at.t}
			if err := q.Check(); err != nil {
				return err
			}
			st, done, err := e.openStore(true, "search")
			if err != nil {
				return err
			}
			defer done()
			hits, err := st.Search(e.ctx, q)
			if err != nil {
				return err
			}
			if asJSON {
				out := struct {
					Results []searchResultJSON `json:"results"`
					AsOf    *string            `json:"as_of"`
				}{Results: []searchResultJSON{}, AsOf: dayJSON(q.Now)}
				for _, h := range hits {
					out.Results = append(out.Results, searchResultJSON{
						ArticleID: h.Article.ID, Paragraph: h.Paragraph, Title: h.Article.Title, URL: h.Article.URL,
						Source: h.Article.Source, PublishedAt: dateJSON(h.Article.PublishedAt), Text: h.Text, Score: h.Score,
					})
				}
				return writeJSON(e, out)
			}
			if len(hits) == 0 {
				fmt.Fprintln(e.stdout, "No paragraph matches that query.")
				return nil
			}
			for i, h := range hits {
				fmt.Fprintf(e.stdout, "%d. %s ¶%d  (score %.4f)\n   %s\n\n", i+1, h.Article.Title, h.Paragraph, h.Score, h.Text)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().IntVar(&k, "k", 5, "how many paragraphs (1-50)")
	cmd.Flags().StringVar(&scope, "scope", retrieval.GlobalScope, `"global" or a Discord server id`)
	addAsOf(cmd.Flags(), &at)
	return cmd
}

type articleJSON struct {
	ID          string  `json:"id"`
	Title       string  `json:"title"`
	URL         string  `json:"url"`
	FetchedFrom string  `json:"fetched_from,omitempty"` // where the text was read from
	Source      string  `json:"source"`
	Author      string  `json:"author"`
	PublishedAt *string `json:"published_at"`
	LoadedAt    *string `json:"loaded_at"`
	Scope       string  `json:"scope"`
	Paragraphs  int     `json:"paragraphs"`
}

func (e *env) articlesCommand() *cobra.Command {
	var (
		asJSON bool
		scope  string
	)
	cmd := &cobra.Command{
		Use:   "articles [--json] [--scope S]",
		Short: "List the library",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if scope != "" {
				if err := retrieval.CheckScope(scope); err != nil {
					return err
				}
			}
			list, err := e.allArticles(scope)
			if err != nil {
				return err
			}
			if asJSON {
				out := struct {
					Articles []articleJSON `json:"articles"`
				}{Articles: []articleJSON{}}
				for _, a := range list {
					loaded := a.LoadedAt.UTC().Format(time.RFC3339)
					out.Articles = append(out.Articles, articleJSON{
						ID: a.ID, Title: a.Title, URL: a.URL, FetchedFrom: a.FetchedFrom, Source: a.Source, Author: a.Author,
						PublishedAt: dateJSON(a.PublishedAt), LoadedAt: &loaded, Scope: a.Scope, Paragraphs: len(a.Paragraphs),
					})
				}
				return writeJSON(e, out)
			}
			if len(list) == 0 {
				fmt.Fprintln(e.stdout, "The library is empty. Load articles with: newsbot ingest PATH")
				return nil
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSOURCE\tPUBLISHED\tPARAS\tSCOPE\tTITLE")
			for _, a := range list {
				pub := "-"
				if !a.PublishedAt.IsZero() {
					pub = a.PublishedAt.Format(time.DateOnly)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", a.ID, orDefault(a.Source, "-"), pub, len(a.Paragraphs), a.Scope, a.Title)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&scope, "scope", "", `only what "global" or a Discord server id can see (default: everything)`)
	return cmd
}

func (e *env) reindexCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "reindex",
		Short: "Rebuild the vector and BM25 indexes from the article files",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// Opening for reindex discards the index and builds it anew,
			// whatever state it was in; serve rebuilds its open one.
			st, done, err := e.openStore(false, "reindex")
			if err != nil {
				return err
			}
			defer done()
			if e.cfg.DatabaseURL != "" {
				// What a database library derives is made whole in place;
				// the processes that serve it follow.
				stats, err := st.Reindex(e.ctx)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "Reindexed %s (%s) with the %s embedder: %d embedded, %d analyzed again.\n",
					plural(stats.Articles, "article"), plural(stats.Paragraphs, "paragraph"), st.Embedder(), stats.Embedded, stats.Reindexed)
				return nil
			}
			if e.shared != nil {
				if _, err := st.Reindex(e.ctx); err != nil {
					return err
				}
			}
			arts, paras := 0, 0
			for _, a := range st.List("") {
				arts, paras = arts+1, paras+len(a.Paragraphs)
			}
			fmt.Fprintf(e.stdout, "Reindexed %s (%s) with the %s embedder.\n",
				plural(arts, "article"), plural(paras, "paragraph"), st.Embedder())
			return nil
		},
	}
}
