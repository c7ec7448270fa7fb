package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsbot/newsbot/retrieval"
)

func (e *env) evalCommand() *cobra.Command {
	var (
		corpus, queries, fusion string
		k                       int
		asJSON                  bool
		at                      asOf
	)
	cmd := &cobra.Command{
		Use:   "eval --corpus FILE --queries FILE [--k N] [--json] [--as-of YYYY-MM-DD]",
		Short: "Measure retrieval quality on a JSONL benchmark (newsbench format)",
		Long: `Loads a JSONL corpus into a temporary index and reports Hits@1/4/10 and
MRR@10 at paragraph and article level for a JSONL query file. Corpus bodies are
split into paragraphs on blank lines and numbered from 1. Each query is asked as
of its "date" (YYYY-MM-DD) when it has one, else as of --as-of, else today.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if corpus == "" || queries == "" {
				return usageError{msg: "eval needs --corpus FILE and --queries FILE"}
			}
			if k < 1 || k > retrieval.MaxK {
				return usageError{msg: fmt.Sprintf("--k must be between 1 and %d", retrieval.MaxK)}
			}
			f, err := retrieval.ParseFusion(fusion)
			if err != nil {
				return usageError{msg: "--" + err.Error()}
			}
			arts, err := readFile(corpus, retrieval.ReadCorpus)
			if err != nil {
				return err
			}
			qs, err := readFile(queries, retrieval.ReadQueries)
			if err != nil {
				return err
			}
			emb, err := e.embedder()
			if err != nil {
				return err
			}
			dir, err := os.MkdirTemp("", "newsbot-eval-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			bar := e.progress("embedding")
			ix, err := retrieval.OpenIndex(dir, emb, retrieval.IndexOptions{Logger: e.logger, Progress: bar.update, Fusion: f})
			if err != nil {
				return err
			}
			defer ix.Close()
			start := time.Now()
			stats, err := ix.Sync(e.ctx, arts)
			bar.Finish()
			if err != nil {
				return err
			}
			e.logger.Info("indexed corpus", "articles", stats.Articles, "paragraphs", stats.Paragraphs, "took", time.Since(start).Round(time.Millisecond))
			start = time.Now()
			rep, err := retrieval.Evaluate(e.ctx, ix, qs, k, at.t)
			if err != nil {
				return err
			}
			e.logger.Info("evaluated", "queries", rep.Queries, "took", time.Since(start).Round(time.Millisecond))
			if asJSON {
				return writeJSON(e, rep)
			}
			fmt.Fprintf(e.stdout, "%d queries, %s, fusion %s\n", rep.Queries, emb.Info(), fusion)
			fmt.Fprintf(e.stdout, "%-10s %7s %7s %7s %7s\n", "level", "Hits@1", "Hits@4", "Hits@10", "MRR@10")
			for _, l := range []struct {
				name string
				m    retrieval.Metrics
			}{{"paragraph", rep.Paragraph}, {"article", rep.Article}} {
				fmt.Fprintf(e.stdout, "%-10s %7.3f %7.3f %7.3f %7.3f\n", l.name, l.m.Hits1, l.m.Hits4, l.m.Hits10, l.m.MRR10)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&corpus, "corpus", "", "corpus JSONL: id, title, url, source, published_at, body")
	cmd.Flags().StringVar(&queries, "queries", "", "queries JSONL: id, question, gold [{article_id, paragraph}]")
	cmd.Flags().IntVar(&k, "k", retrieval.MaxK, "paragraphs retrieved per query")
	cmd.Flags().StringVar(&fusion, "fusion", "linear", "linear, rrf, bm25 or vectors")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().Var(&at, "as-of", "the day to read queries without a date against (default: today)")
	return cmd
}

func readFile[T any](path string, parse func(io.Reader) (T, error)) (T, error) {
	var zero T
	f, err := os.Open(path)
	if err != nil {
		return zero, fmt.Errorf("%s cannot be read: %w", path, err)
	}
	defer f.Close()
	v, err := parse(f)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}
