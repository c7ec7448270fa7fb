package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/retrieval"
)

func (e *env) forgetCommand() *cobra.Command {
	var scope string
	cmd := &cobra.Command{
		Use:   "forget [--scope S] ARTICLE",
		Short: "Remove an article (id, URL or headline words) from the library",
		Long: `Removes one article from the library and its index. ARTICLE is the article's
id (as "newsbot articles" lists it), its URL, or words of its headline that
match no other article. An id finds the article in any scope; a URL or
headline words look in --scope (default: the global library).`,
		Args: needArgs(1, "the article to forget"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := retrieval.CheckScope(scope); err != nil {
				return err
			}
			ref := strings.TrimSpace(strings.Join(args, " "))
			b, st, done, err := e.newBot(false, "forget")
			if err != nil {
				return err
			}
			defer done()
			if a, err := st.Get(ref); err == nil && !cmd.Flags().Changed("scope") {
				scope = a.Scope
			}
			a, err := b.Forget(e.ctx, ref, scope)
			if errors.Is(err, bot.ErrNotYours) {
				return usageError{msg: fmt.Sprintf("%q is in the global library, not in %s: add --scope global", ref, scope)}
			}
			if err != nil {
				return personError{e.sorry(b, err)}
			}
			fmt.Fprintf(e.stdout, "forgot    %s  %q (%s)\n", a.ID, a.Title, a.Scope)
			return nil
		},
	}
	cmd.Flags().StringVar(&scope, "scope", retrieval.GlobalScope, `"global" or a Discord server id`)
	return cmd
}
