package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/newsbot/newsbot/bot"
	botdb "github.com/newsbot/newsbot/bot/postgres"
	"github.com/newsbot/newsbot/retrieval/postgres"
)

func (e *env) feedbackCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "feedback",
		Short: "What readers thought of the bot's answers in Discord",
		Args:  unknownCommand,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
	var asJSON, all bool
	export := &cobra.Command{
		Use:   "export [--json] [--all]",
		Short: "Write rated questions as evaluation queries (newsbench's format)",
		Long: `Writes the questions readers rated with 👍, 👎 or "Wrong source" in Discord.
With --json, one JSON object a line in newsbench's query format, which
"newsbot eval --queries" reads: id, question, answer, date and gold
[{article_id, paragraph}], plus asked, cited, votes {up, down, wrong_source},
mode, abstained, scope and asked_at.

Gold follows the votes: an answer's cited paragraphs are gold when more
readers gave it 👍 than 👎 and "Wrong source" together, and it cited any and
did not abstain. Other rated questions have empty gold and wait for a person
to label them; --all includes them (eval refuses queries without gold).
Voters are stored as keyed hashes unless NEWSBOT_FEEDBACK_USER_IDS is set;
the export holds no voter at all. The votes are read from the data folder,
or with NEWSBOT_DATABASE_URL from PostgreSQL.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			votes := bot.FeedbackStore(bot.OpenFeedbackFiles(feedbackDir(e.cfg)))
			if e.cfg.DatabaseURL != "" {
				lib, err := postgres.Open(e.ctx, e.cfg.DatabaseURL, nil, postgres.Options{Logger: e.logger})
				if err != nil {
					return err
				}
				defer lib.Close()
				votes = botdb.New(lib.Pool())
			}
			queries, err := bot.NewFeedback(votes, bot.FeedbackOptions{}).Export(e.ctx, all)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetEscapeHTML(false)
				for _, q := range queries {
					if err := enc.Encode(q); err != nil {
						return err
					}
				}
				return nil
			}
			if len(queries) == 0 {
				what := "no rated question has gold paragraphs yet (--all lists every rated question)"
				if all {
					what = "no answer has been rated yet"
				}
				fmt.Fprintln(e.stdout, what)
				return nil
			}
			w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "DATE\t👍\t👎\tWRONG\tGOLD\tQUESTION")
			for _, q := range queries {
				fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%s\n", q.Date, q.Votes.Up, q.Votes.Down, q.Votes.WrongSource, len(q.Gold), oneLine(q.Question, 80))
			}
			return w.Flush()
		},
	}
	export.Flags().BoolVar(&asJSON, "json", false, "one JSON query a line, newsbench's format")
	export.Flags().BoolVar(&all, "all", false, "include rated questions without gold paragraphs")
	cmd.AddCommand(export)
	return cmd
}

// oneLine collapses s to one line of at most n characters.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return s
}
