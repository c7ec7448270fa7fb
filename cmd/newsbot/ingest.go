package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/retrieval"
)

func (e *env) ingestCommand() *cobra.Command {
	var scope string
	cmd := &cobra.Command{
		Use:   "ingest [--scope S] PATH|URL...",
		Short: "Load articles from files, folders, article URLs and feed URLs",
		Long: `Load articles into the library. Files may be plain text (.txt) as copied from a
web page, markdown (.md), HTML pages (.html) or PDFs (.pdf); article files
written by newsbot load too. A folder loads every supported file in it. A URL
loads the article page, or the newest items of an RSS or Atom feed. Loading
an article again updates it in place. Files are all checked before anything
is stored: if one has a problem, nothing is loaded.`,
		Args: needArgs(1, "a file, folder or URL to load"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := retrieval.CheckScope(scope); err != nil {
				return err
			}
			var urls, paths []string
			for _, a := range args {
				if isURL(a) {
					urls = append(urls, a)
				} else {
					paths = append(paths, a)
				}
			}
			var docs []input
			if len(paths) > 0 {
				var err error
				if docs, err = e.readInputs(paths); err != nil {
					return err
				}
			}
			b, st, err := e.newBot()
			if err != nil {
				return err
			}
			defer st.Close()
			counts := map[retrieval.AddStatus]int{}
			bar := e.progress("loading")
			for i, d := range docs {
				a, status, err := st.Add(e.ctx, d.article, scope)
				if err != nil {
					bar.Finish()
					return fmt.Errorf("%s: %w", d.name, err)
				}
				counts[status]++
				fmt.Fprintln(e.stdout, receipt(a, status))
				bar.update(i+1, len(docs))
			}
			bar.Finish()
			var failed []string
			for _, u := range urls {
				results, err := b.LoadURL(e.ctx, u, scope)
				for _, r := range results {
					counts[r.Status]++
					fmt.Fprintln(e.stdout, receipt(r.Article, r.Status))
				}
				if err != nil {
					msg := sorry(b, err)
					fmt.Fprintf(e.stderr, "newsbot: %s: %s\n", u, msg)
					failed = append(failed, u)
				}
			}
			if total := counts[retrieval.Added] + counts[retrieval.Updated] + counts[retrieval.Unchanged]; total > 1 {
				fmt.Fprintf(e.stdout, "%d added, %d updated, %d unchanged\n", counts[retrieval.Added], counts[retrieval.Updated], counts[retrieval.Unchanged])
			}
			if len(failed) > 0 {
				return personError{fmt.Sprintf("%s could not be loaded (see above).", plural(len(failed), "web address"))}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&scope, "scope", retrieval.GlobalScope, `"global" or a Discord server id`)
	return cmd
}

// input is one article read from a file, before it is stored.
type input struct {
	name    string
	article *retrieval.Article
}

// readInputs reads and imports every input before anything is stored, so a
// bad input leaves the library unchanged.
func (e *env) readInputs(args []string) ([]input, error) {
	var out []input
	var problems []string
	for _, arg := range args {
		files, err := expandPath(arg)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		for _, f := range files {
			a, err := importFile(f)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", f, err))
				continue
			}
			out = append(out, input{name: f, article: a})
		}
	}
	if len(problems) > 0 {
		for _, p := range problems[:len(problems)-1] {
			fmt.Fprintln(e.stderr, "newsbot:", sentence(errors.New(p)))
		}
		last := errors.New(problems[len(problems)-1])
		if len(problems) > 1 || len(out) > 0 {
			return nil, fmt.Errorf("%s; nothing was loaded", strings.TrimSuffix(sentence(last), "."))
		}
		return nil, last
	}
	if len(out) == 0 {
		return nil, errors.New("no supported files found (use " + strings.Join(bot.FileTypes, ", ") + ")")
	}
	return out, nil
}

// expandPath lists the supported files under a folder, or the file itself.
func expandPath(path string) ([]string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such file or folder", path)
		}
		return nil, fmt.Errorf("%s: cannot be read: %v", path, errors.Unwrap(err))
	}
	if !fi.IsDir() {
		return []string{path}, nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != path && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if !d.IsDir() && slices.Contains(bot.FileTypes, strings.ToLower(filepath.Ext(p))) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: cannot be read: %v", path, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: the folder holds no supported files (%s)", path, strings.Join(bot.FileTypes, ", "))
	}
	return files, nil
}

func importFile(path string) (*retrieval.Article, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot be read: %v", errors.Unwrap(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, retrieval.MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cannot be read: %v", err)
	}
	if len(data) > retrieval.MaxFileBytes {
		return nil, fmt.Errorf("the file is larger than the %d MB allowed", retrieval.MaxFileBytes>>20)
	}
	a, err := bot.ImportFile(path, data)
	if errors.Is(err, bot.ErrUnsupportedFile) {
		return nil, fmt.Errorf("%q files are not supported (use %s)", filepath.Ext(path), strings.Join(bot.FileTypes, ", "))
	}
	return a, err
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// receipt is the line that tells a person what loading did.
func receipt(a *retrieval.Article, status retrieval.AddStatus) string {
	var meta []string
	if a.Source != "" {
		meta = append(meta, a.Source)
	}
	if !a.PublishedAt.IsZero() {
		meta = append(meta, a.PublishedAt.Format("2 Jan 2006"))
	}
	meta = append(meta, plural(len(a.Paragraphs), "paragraph"))
	return fmt.Sprintf("%-9s %s  %q (%s)", status, a.ID, a.Title, strings.Join(meta, ", "))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
