package main

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/retrieval"
	"github.com/newsbot/newsbot/retrieval/postgres"
)

// export and import move a library between the data folder's files and
// PostgreSQL, either way, through a folder of article files: the format of
// data/articles, ids, dates and scopes included. Both print the same
// checksum, the SHA-256 of the article files concatenated in the byte
// order of their names, so a person can check the two agree, and also
// with `LC_ALL=C cat DIR/*.md | sha256sum`.

// allArticles returns the articles scope may see ("" for all) from the
// configured library, without opening its index or its embedder.
func (e *env) allArticles(scope string) ([]*retrieval.Article, error) {
	if e.cfg.DatabaseURL != "" {
		lib, err := postgres.Open(e.ctx, e.cfg.DatabaseURL, nil, postgres.Options{Logger: e.logger})
		if err != nil {
			return nil, err
		}
		defer lib.Close()
		return retrieval.NewStore(lib).ListAll(e.ctx, scope)
	}
	// Article files are replaced atomically: listing them needs no lock
	// and writes nothing, whoever else is at work.
	if _, err := os.Stat(e.cfg.DataDir); errors.Is(err, fs.ErrNotExist) {
		return nil, noDataFolder(e.cfg.DataDir)
	}
	return retrieval.ReadArticles(filepath.Join(e.cfg.DataDir, "articles"), scope, e.logger)
}

// articleFile is an article as a file of a transfer folder.
type articleFile struct {
	name string
	data []byte
}

// articleFiles renders articles as files, in the byte order of their names.
func articleFiles(arts []*retrieval.Article) ([]articleFile, error) {
	out := make([]articleFile, 0, len(arts))
	for _, a := range arts {
		data, err := retrieval.MarshalArticle(a)
		if err != nil {
			return nil, fmt.Errorf("article %s: %w", a.ID, err)
		}
		out = append(out, articleFile{a.ID + ".md", data})
	}
	slices.SortFunc(out, func(a, b articleFile) int { return cmp.Compare(a.name, b.name) })
	return out, nil
}

// checksum is the SHA-256 of the files concatenated in order.
func checksum(files []articleFile) string {
	h := sha256.New()
	for _, f := range files {
		h.Write(f.data)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

func paragraphCount(arts []*retrieval.Article) int {
	n := 0
	for _, a := range arts {
		n += len(a.Paragraphs)
	}
	return n
}

func (e *env) exportCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "export DIR",
		Short: "Write the whole library to DIR as article files",
		Long: `Writes every article of the library (the data folder's, or the PostgreSQL
library when NEWSBOT_DATABASE_URL is set) to DIR as one article file each, in the
format of data/articles: front matter with the id, dates and scope, then the
paragraphs. DIR must be empty or new. It prints the count and a checksum that
"newsbot import DIR" checks against the library it loads them into. The feeds
the servers follow, with what the poller has seen of each, go to
DIR/feeds.json.`,
		Args: needArgs(1, "the folder to write to"),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
				return fmt.Errorf("%s is not empty: export into a new or empty folder", dir)
			}
			arts, err := e.allArticles("")
			if err != nil {
				return err
			}
			files, err := articleFiles(arts)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("create %s: %w", dir, err)
			}
			for _, f := range files {
				if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
					return fmt.Errorf("write %s: %w", f.name, err)
				}
			}
			fmt.Fprintf(e.stdout, "Exported %s (%s) to %s.\nChecksum %s\n",
				plural(len(arts), "article"), plural(paragraphCount(arts), "paragraph"), dir, checksum(files))
			return e.exportFeeds(dir)
		},
	}
}

func (e *env) importCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "import DIR",
		Short: "Load a folder of article files, as written by export, into the library",
		Long: `Loads every article file (*.md, the format of data/articles) in DIR into the
configured library, the data folder's or the PostgreSQL one, keeping each
article's id, dates and scope. An article with the same URL in its scope is
replaced. Every file is read and checked before anything is stored: if one is
bad, nothing is loaded. Afterwards the library is read back and its copy of
the articles is checked against the files, by count and checksum. Into a
PostgreSQL library, the followed feeds in DIR/feeds.json are added too (a feed
a server already follows is left as it is).`,
		Args: needArgs(1, "the folder to read"),
		RunE: func(cmd *cobra.Command, args []string) error {
			arts, files, err := readArticleFolder(args[0])
			if err != nil {
				return err
			}
			st, done, err := e.openStore(false, "import")
			if err != nil {
				return err
			}
			defer done()
			var texts []string
			for _, a := range arts {
				texts = append(texts, a.Paragraphs...)
			}
			bar := e.progress("embedding")
			if _, err := st.Prepare(e.ctx, texts); err != nil {
				bar.Finish()
				return err
			}
			bar.Finish()
			counts := map[retrieval.AddStatus]int{}
			bar = e.progress("importing")
			for i, a := range arts {
				_, status, err := st.Import(e.ctx, a)
				if err != nil {
					bar.Finish()
					return fmt.Errorf("%s: %w (the articles before it are loaded)", a.ID+".md", err)
				}
				counts[status]++
				bar.update(i+1, len(arts))
			}
			bar.Finish()
			fmt.Fprintf(e.stdout, "Imported %s: %d added, %d updated, %d unchanged.\n",
				plural(len(arts), "article"), counts[retrieval.Added], counts[retrieval.Updated], counts[retrieval.Unchanged])
			if err := e.verifyImport(st, arts, files); err != nil {
				return err
			}
			return e.importFeeds(args[0])
		},
	}
}

// readArticleFolder reads and checks every article file in dir; any bad
// file is named and nothing is returned.
func readArticleFolder(dir string) ([]*retrieval.Article, []articleFile, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("%s cannot be read: %w", dir, err)
	}
	var arts []*retrieval.Article
	var problems []string
	seen := map[string]string{}
	for _, en := range entries {
		if en.IsDir() || !strings.HasSuffix(en.Name(), ".md") || !en.Type().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, en.Name()))
		if err == nil && len(data) > retrieval.MaxFileBytes {
			err = fmt.Errorf("larger than %d MB", retrieval.MaxFileBytes>>20)
		}
		var a *retrieval.Article
		if err == nil {
			a, err = retrieval.ReadArticle(bytes.NewReader(data))
		}
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("%s: %v", en.Name(), err))
		case seen[a.ID] != "":
			problems = append(problems, fmt.Sprintf("%s: article id %s is also in %s", en.Name(), a.ID, seen[a.ID]))
		default:
			seen[a.ID] = en.Name()
			arts = append(arts, a)
		}
	}
	if len(problems) > 0 {
		return nil, nil, fmt.Errorf("nothing was imported: %s", strings.Join(problems, "; "))
	}
	if len(arts) == 0 {
		return nil, nil, fmt.Errorf("%s holds no article files (*.md)", dir)
	}
	files, err := articleFiles(arts)
	return arts, files, err
}

// verifyImport reads the imported articles back from the library and
// checks them against the files.
func (e *env) verifyImport(st *retrieval.Store, arts []*retrieval.Article, files []articleFile) error {
	stored, err := st.ListAll(e.ctx, "")
	if err != nil {
		return fmt.Errorf("read the library back: %w", err)
	}
	want := map[string]bool{}
	for _, a := range arts {
		want[a.ID] = true
	}
	var got []*retrieval.Article
	for _, a := range stored {
		if want[a.ID] {
			got = append(got, a)
		}
	}
	back, err := articleFiles(got)
	if err != nil {
		return err
	}
	sum, wantSum := checksum(back), checksum(files)
	if len(got) != len(arts) || sum != wantSum {
		return fmt.Errorf("the library holds %d of the %d articles imported and their checksum is %s, not the files' %s", len(got), len(arts), sum, wantSum)
	}
	fmt.Fprintf(e.stdout, "Verified: the library holds all %s (%s); checksum %s matches the files.\n",
		plural(len(got), "article"), plural(paragraphCount(got), "paragraph"), sum)
	return nil
}

// exportFeeds writes the followed feeds, if any, to dir/feeds.json in the
// data folder's format, with what the poller has seen of each, so an
// import does not announce a feed's old items again.
func (e *env) exportFeeds(dir string) error {
	subs, err := e.followedFeeds()
	if err != nil || len(subs) == 0 {
		return err
	}
	out, err := bot.OpenFeedFile(filepath.Join(dir, "feeds.json"))
	if err != nil {
		return err
	}
	for _, s := range subs {
		if _, err := out.Add(e.ctx, s); err != nil {
			return fmt.Errorf("export the followed feeds: %w", err)
		}
	}
	fmt.Fprintf(e.stdout, "Exported %s to %s.\n", plural(len(subs), "followed feed"), filepath.Join(dir, "feeds.json"))
	return nil
}

// importFeeds adds the followed feeds of dir/feeds.json to the PostgreSQL
// library's. Into the data folder, which a running serve rewrites, the
// file is copied by hand while serve is stopped.
func (e *env) importFeeds(dir string) error {
	path := filepath.Join(dir, "feeds.json")
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if e.library == nil {
		fmt.Fprintf(e.stdout, "%s holds followed feeds: to keep them, stop serve and copy it to %s.\n", path, filepath.Join(e.cfg.DataDir, "feeds.json"))
		return nil
	}
	in, err := bot.OpenFeedFile(path)
	if err != nil {
		return err
	}
	subs, err := in.All(e.ctx)
	if err != nil {
		return err
	}
	store, _, err := e.feedStores()
	if err != nil {
		return err
	}
	added, had := 0, 0
	for _, s := range subs {
		_, err := store.Add(e.ctx, s)
		switch {
		case errors.Is(err, bot.ErrDuplicateSubscription):
			had++
		case err != nil:
			return fmt.Errorf("import the followed feeds: %w (%d added before it)", err, added)
		default:
			added++
		}
	}
	fmt.Fprintf(e.stdout, "Followed feeds: %d added, %d already followed.\n", added, had)
	return nil
}
