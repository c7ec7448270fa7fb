package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/retrieval"
	"github.com/newsbot/newsbot/retrieval/fetch"
)

func (e *env) ingestCommand() *cobra.Command {
	var (
		scope  string
		reload bool
	)
	cmd := &cobra.Command{
		Use:   "ingest [--scope S] PATH|URL...",
		Short: "Load articles from files, folders, article URLs and feed URLs",
		Long: `Load articles into the library. Files may be plain text (.txt) as copied from a
web page, markdown (.md), HTML pages (.html) or PDFs (.pdf); article files
written by newsbot load too. A folder loads every supported file in it. A URL
loads the article page, or the newest items of an RSS or Atom feed. Loading
an article again updates it in place, when the new text comes from the
article's own site (or, for a file, the same file name); text that only
claims a stored article's address is refused unless --reload asks for it to
replace that article. Every file that can be read is loaded; the others are
listed at the end, each with its reason, and the command then exits 1.`,
		Args: needArgs(1, "a file, folder or URL to load"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := retrieval.CheckScope(scope); err != nil {
				return err
			}
			var (
				urls, paths []string
				refusedURLs []problem
			)
			for _, a := range args {
				switch s := fetch.Scheme(a); s {
				case "":
					paths = append(paths, a)
				case "http", "https":
					urls = append(urls, a)
				case "file":
					refusedURLs = append(refusedURLs, problem{fetch.Redact(a), "Newsbot reads files by their path: give it without file://."})
				default:
					refusedURLs = append(refusedURLs, problem{fetch.Redact(a), bot.UserMessage(&fetch.SchemeError{Scheme: s})})
				}
			}
			// A command handed to serve arrives with the files already read
			// by the process that was given them.
			docs, problems := e.inputs, e.problems
			if e.shared == nil {
				docs, problems = e.readInputs(paths)
				problems = append(problems, refusedURLs...)
				e.inputs, e.problems = docs, problems
			}
			if len(docs) == 0 && len(urls) == 0 {
				return e.reportProblems(problems, 0)
			}
			b, st, done, err := e.newBot(false, "ingest")
			if err != nil {
				return err
			}
			defer done()
			counts := map[retrieval.AddStatus]int{}
			bar := e.progress("loading")
			add := st.Add
			if reload {
				add = st.Replace
			}
			refused := 0
			for i, d := range docs {
				a, status, err := add(e.ctx, d.article, scope)
				if errors.Is(err, bot.ErrClaimed) {
					problems = append(problems, problem{d.name, reloadHint(reason(err), err)})
					refused++
					continue
				}
				if err != nil {
					bar.Finish()
					return fmt.Errorf("%s: %w", d.name, err)
				}
				counts[status]++
				fmt.Fprintln(e.stdout, receipt(a, status))
				bar.update(i+1, len(docs))
			}
			bar.Finish()
			load := b.LoadURL
			if reload {
				load = b.ReloadURL
			}
			for _, u := range urls {
				results, err := load(e.ctx, u, scope)
				for _, r := range results {
					counts[r.Status]++
					fmt.Fprintln(e.stdout, receipt(r.Article, r.Status))
				}
				if err != nil {
					problems = append(problems, problem{name: fetch.Redact(u), reason: reloadHint(e.sorry(b, err), err)})
				}
			}
			if total := counts[retrieval.Added] + counts[retrieval.Updated] + counts[retrieval.Unchanged]; total > 1 {
				fmt.Fprintf(e.stdout, "%d added, %d updated, %d unchanged\n", counts[retrieval.Added], counts[retrieval.Updated], counts[retrieval.Unchanged])
			}
			return e.reportProblems(problems, len(docs)-refused)
		},
	}
	cmd.Flags().StringVar(&scope, "scope", retrieval.GlobalScope, `"global" or a Discord server id`)
	cmd.Flags().BoolVar(&reload, "reload", false, "let what is loaded replace stored articles with the same address, wherever those were read from")
	return cmd
}

// reloadHint adds the flag that a refusal to replace a stored article asks
// for to its sentence.
func reloadHint(msg string, err error) string {
	if !errors.Is(err, bot.ErrClaimed) {
		return msg
	}
	return strings.TrimSuffix(msg, ".") + " (newsbot ingest --reload)."
}

// input is one article read from a file, before it is stored.
type input struct {
	name    string
	article *retrieval.Article
}

// problem is an input that was not loaded, and why: the name exactly as
// given or found in a folder, the reason a sentence for a person.
type problem struct{ name, reason string }

// readInputs reads and imports every file under paths. Files that cannot
// be loaded are returned as problems and loaded files are not held back by
// them; files of types newsbot does not read, found in a folder, are noted
// and passed over.
func (e *env) readInputs(paths []string) ([]input, []problem) {
	var (
		out      []input
		problems []problem
		other    []string
	)
	for _, arg := range paths {
		files, skipped, err := expandPath(arg)
		other = append(other, skipped...)
		if err != nil {
			problems = append(problems, problem{arg, err.Error()})
			continue
		}
		for _, f := range files {
			a, err := importFile(e.ctx, f)
			if err != nil {
				problems = append(problems, problem{f, reason(err)})
				continue
			}
			out = append(out, input{name: f, article: a})
		}
	}
	if len(other) > 0 {
		fmt.Fprintf(e.stderr, "newsbot: passed over %s of other types (newsbot reads %s): %s\n",
			plural(len(other), "file"), strings.Join(bot.FileTypes, ", "), listSome(other, 5))
	}
	return out, problems
}

// reportProblems lists what was not loaded, one line each with its reason,
// and returns the error that makes the exit code say so; nil when every
// input loaded.
func (e *env) reportProblems(problems []problem, loaded int) error {
	if len(problems) == 0 {
		return nil
	}
	if len(problems) == 1 && loaded == 0 {
		p := problems[0]
		return personError{p.name + ": " + withStop(p.reason)}
	}
	for _, p := range problems {
		fmt.Fprintf(e.stderr, "newsbot: not loaded: %s: %s\n", p.name, withStop(p.reason))
	}
	return personError{fmt.Sprintf("%d of %s could not be loaded (listed above)", len(problems), plural(len(problems)+loaded, "input"))}
}

// listSome names up to n items and counts the rest.
func listSome(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" and %d more", len(items)-n)
}

// expandPath lists the supported files under a folder, or the file
// itself; skipped are the folder's files of other types.
func expandPath(path string) (files, skipped []string, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, errors.New("no such file or folder")
		}
		return nil, nil, fmt.Errorf("cannot be read: %v", errors.Unwrap(err))
	}
	if !fi.IsDir() {
		if err := checkRegular(fi.Mode()); err != nil {
			return nil, nil, err
		}
		return []string{path}, nil, nil
	}
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != path && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		if slices.Contains(bot.FileTypes, strings.ToLower(filepath.Ext(p))) {
			// Not checked for being a regular file here: importFile does, with
			// the file open, and lists a named pipe or a device as a problem.
			files = append(files, p)
		} else {
			skipped = append(skipped, p)
		}
		return nil
	})
	if err != nil {
		return nil, skipped, fmt.Errorf("cannot be read: %v", err)
	}
	if len(files) == 0 {
		return nil, skipped, fmt.Errorf("the folder holds no supported files (%s)", strings.Join(bot.FileTypes, ", "))
	}
	return files, skipped, nil
}

// importFile reads one file and imports its article. Only regular files are
// read: a named pipe or a device could block the command for ever or never
// end. The file is opened without blocking and checked once open, so one
// swapped in after the folder was listed is refused too.
func importFile(ctx context.Context, path string) (*retrieval.Article, error) {
	if fi, err := os.Stat(path); err == nil {
		if err := checkRegular(fi.Mode()); err != nil {
			return nil, err // a socket cannot even be opened
		}
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("cannot be read: %v", errors.Unwrap(err))
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot be read: %v", errors.Unwrap(err))
	}
	if err := checkRegular(fi.Mode()); err != nil {
		return nil, err
	}
	data, err := readUpTo(f, fi.Size(), retrieval.MaxFileBytes+1)
	if err != nil {
		return nil, fmt.Errorf("cannot be read: %v", err)
	}
	if len(data) > retrieval.MaxFileBytes {
		return nil, fmt.Errorf("the file is larger than the %d MB allowed", retrieval.MaxFileBytes>>20)
	}
	a, err := bot.ImportFile(ctx, path, data)
	if errors.Is(err, bot.ErrUnsupportedFile) {
		return nil, fmt.Errorf("%q files are not supported (use %s)", filepath.Ext(path), strings.Join(bot.FileTypes, ", "))
	}
	if err != nil {
		return nil, err
	}
	if a.FetchedFrom == "" { // an article file says where it came from
		a.FetchedFrom = bot.FileOrigin(path)
	}
	// Check now what storing would check, so one bad file is reported
	// with the others instead of stopping the ones after it.
	check := *a
	check.ID, check.Scope = "placeholder", retrieval.GlobalScope
	if err := check.Validate(); err != nil {
		return nil, err
	}
	return a, nil
}

// readUpTo reads at most limit bytes of f into one buffer of the size f
// says it has, as os.ReadFile does: io.ReadAll would start small and grow
// and copy its buffer a dozen times over for a file of megabytes. A file
// that grows while it is read still reads to its end or to limit.
func readUpTo(f *os.File, size int64, limit int64) ([]byte, error) {
	// One byte more than the size, for the read that finds the end.
	data := make([]byte, 0, min(max(size, 0), limit)+1)
	r := io.LimitReader(f, limit)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// checkRegular refuses anything but a regular file, naming what it is.
func checkRegular(m fs.FileMode) error {
	what := "not a regular file"
	switch {
	case m.IsRegular():
		return nil
	case m&fs.ModeNamedPipe != 0:
		what = "a named pipe, not a regular file"
	case m&fs.ModeSocket != 0:
		what = "a socket, not a regular file"
	case m&fs.ModeDevice != 0:
		what = "a device, not a regular file"
	case m.IsDir():
		what = "a folder"
	}
	return errors.New("it is " + what + "; newsbot reads only regular files")
}

// reason is the sentence for a file that could not be read: the one its
// error carries for a person, else its text.
func reason(err error) string {
	if s := bot.UserMessage(err); s != "" {
		return s
	}
	return err.Error()
}

// receipt is the line that tells a person what loading did.
func receipt(a *retrieval.Article, status retrieval.AddStatus) string {
	return fmt.Sprintf("%-9s %s  %q (%s)", status, a.ID, a.Title, bot.ArticleFacts(a, nil))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
