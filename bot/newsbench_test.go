//go:build newsbench

package bot

// The extractive newsbench measurement runs on demand, not in every
// "go test":
//
//	go test -tags newsbench -run Newsbench -v -timeout 60m ./bot/
//
// It reads ../../shared/newsbench (NEWSBENCH_DIR overrides), indexes the
// corpus with the built-in embedder in a temp dir (NEWSBENCH_INDEX names a
// folder to keep the index in and reuse), asks every dev question with no
// model and prints how often the quoted answer holds the gold answer and
// cites a gold paragraph. NEWSBENCH_DETAIL=1 adds one line per question.
//
// The articles go to the index as newsbench numbers them, not through
// article files: 11 corpus articles have no headline and 2 have a paragraph
// over MaxParagraphBytes, so Article.Validate would keep them out of a
// library, and 9 of them hold dev gold. Ask reads only the index, so the
// library is an empty folder.

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/newsbot/newsbot/retrieval"
)

func TestNewsbenchExtractive(t *testing.T) {
	dir := os.Getenv("NEWSBENCH_DIR")
	if dir == "" {
		dir = "../../shared/newsbench"
	}
	arts := newsbenchRead(t, filepath.Join(dir, "corpus.jsonl"), retrieval.ReadCorpus)
	qs := newsbenchRead(t, filepath.Join(dir, "queries-dev.jsonl"), retrieval.ReadQueries)
	checkNewsbenchGold(t, arts, qs)

	invalid, invalidGold := 0, 0
	goldArticles := map[string]bool{}
	for _, q := range qs {
		for _, g := range q.Gold {
			goldArticles[g.ArticleID] = true
		}
	}
	for _, a := range arts {
		if err := a.Validate(); err != nil {
			invalid++
			if goldArticles[a.ID] {
				invalidGold++
			}
		}
	}
	t.Logf("%d articles, %d questions; %d articles would fail Article.Validate (%d of them hold dev gold) and are indexed anyway",
		len(arts), len(qs), invalid, invalidGold)

	ctx := context.Background()
	idxDir := os.Getenv("NEWSBENCH_INDEX")
	if idxDir == "" {
		idxDir = t.TempDir()
	}
	ix, err := retrieval.OpenIndex(idxDir, retrieval.NewLocalEmbedder(), retrieval.IndexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	start := time.Now()
	st, err := ix.Sync(ctx, arts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("indexed %d paragraphs in %s (%d embedded, %d articles written to BM25)",
		st.Paragraphs, time.Since(start).Round(time.Millisecond), st.Embedded, st.Reindexed)
	lib, err := retrieval.OpenLibrary(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(&retrieval.Store{Library: lib, Index: ix}, nil, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}

	detail := os.Getenv("NEWSBENCH_DETAIL") != ""
	if v, err := strconv.ParseFloat(os.Getenv("NEWSBENCH_MIN_COVERAGE"), 64); err == nil {
		minCoverage = v // to study the refusal threshold
	}
	t.Logf("refusal threshold: %.2f of the question's weighted words", minCoverage)
	var c newsbenchCounts
	var askTime time.Duration
	for _, q := range qs {
		hits, err := b.store.Search(ctx, retrieval.Query{Text: q.Question, K: b.opts.Sources, Scope: retrieval.GlobalScope})
		if err != nil {
			t.Fatalf("search %s: %v", q.ID, err)
		}
		start := time.Now()
		a, err := b.Ask(ctx, Question{Text: q.Question}, nil)
		askTime += time.Since(start)
		if err != nil {
			t.Fatalf("ask %s: %v", q.ID, err)
		}
		if a.Mode != ModeExtractive {
			t.Fatalf("ask %s: mode %q, want %q", q.ID, a.Mode, ModeExtractive)
		}
		r := scoreNewsbench(q, a, hits)
		c.add(r)
		if detail {
			t.Logf("%-14s %s gold %s | cited %s | %q", q.ID, r, nbGoldIDs(q), nbCitedIDs(a), q.Answer)
		}
	}
	// Questions the corpus has nothing on: the bot should say so.
	offTopic := []string{
		"Who is the mayor of Reykjavik?",
		"What is the price of bananas in Peru?",
		"How tall is the Eiffel Tower in meters?",
		"What did the Icelandic parliament decide about whaling quotas?",
		"Which team won the 1998 Bundesliga title?",
		"What is the boiling point of liquid nitrogen?",
		"Who painted the ceiling of the Sistine Chapel?",
		"What does the Mongolian state airline charge for checked baggage?",
		"How many moons does Neptune have?",
		"What recipe did the chef at Noma publish for fermented plums?",
	}
	refused := 0
	for _, q := range offTopic {
		a, err := b.Ask(ctx, Question{Text: q}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if a.Abstained {
			refused++
		} else if detail {
			t.Logf("answered off-topic %q with %q", q, a.Text)
		}
	}
	t.Logf("off-topic questions refused: %d of %d", refused, len(offTopic))
	t.Logf("%d questions, %s per Ask, top %d paragraphs retrieved", c.n, (askTime / time.Duration(c.n)).Round(time.Microsecond), b.opts.Sources)
	t.Logf("%-58s %5s %7s", "measure", "count", "share")
	for _, row := range []struct {
		name string
		n    int
	}{
		{"abstained (nothing relevant)", c.abstained},
		{"(a) answer in extractive text (case + whitespace)", c.inText},
		{"(a) answer in extractive text (NFKC, quotes, word bounds)", c.inTextFolded},
		{"(b) citations include a gold paragraph", c.citesGold},
		{"    answer in a cited paragraph (folded)", c.inCited},
		{"    answer in the hits quoted from (folded)", c.inQuoted},
		{"ceiling: answer in top-8 retrieved (case + whitespace)", c.inTop},
		{"ceiling: answer in top-8 retrieved (folded)", c.inTopFolded},
		{"ceiling: gold paragraph in top-8 retrieved", c.goldInTop},
	} {
		t.Logf("%-58s %5d %7.3f", row.name, row.n, float64(row.n)/float64(c.n))
	}
}

// newsbenchResult is what one question scored.
type newsbenchResult struct {
	abstained, inText, inTextFolded, citesGold, inCited, inQuoted, inTop, inTopFolded, goldInTop bool
}

func (r newsbenchResult) String() string {
	mark := func(ok bool, s string) string {
		if ok {
			return s
		}
		return "-"
	}
	return mark(r.abstained, "A") + mark(r.inTextFolded, "T") + mark(r.citesGold, "G") +
		mark(r.inCited, "C") + mark(r.inQuoted, "Q") + mark(r.inTopFolded, "R") + mark(r.goldInTop, "P")
}

type newsbenchCounts struct {
	n, abstained, inText, inTextFolded, citesGold, inCited, inQuoted, inTop, inTopFolded, goldInTop int
}

func (c *newsbenchCounts) add(r newsbenchResult) {
	c.n++
	for _, f := range []struct {
		ok bool
		n  *int
	}{
		{r.abstained, &c.abstained}, {r.inText, &c.inText}, {r.inTextFolded, &c.inTextFolded},
		{r.citesGold, &c.citesGold}, {r.inCited, &c.inCited}, {r.inQuoted, &c.inQuoted},
		{r.inTop, &c.inTop}, {r.inTopFolded, &c.inTopFolded}, {r.goldInTop, &c.goldInTop},
	} {
		if f.ok {
			*f.n++
		}
	}
}

// scoreNewsbench scores the answer a to q, given the hits Ask retrieved.
func scoreNewsbench(q retrieval.EvalQuery, a *Answer, hits []retrieval.Hit) newsbenchResult {
	gold := map[string]bool{}
	for _, g := range q.Gold {
		gold[retrieval.ParagraphID(g.ArticleID, g.Paragraph)] = true
	}
	r := newsbenchResult{abstained: a.Abstained}
	if !a.Abstained {
		quoted := strings.TrimPrefix(a.Text, ExtractiveNote)
		r.inText = nbContainsPlain(quoted, q.Answer)
		r.inTextFolded = nbContainsFolded(quoted, q.Answer)
		for _, c := range a.Citations {
			r.citesGold = r.citesGold || gold[retrieval.ParagraphID(c.Article.ID, c.Paragraph)]
			r.inCited = r.inCited || nbContainsFolded(c.Quote, q.Answer)
		}
		for _, h := range hits { // extractive answers quote from every relevant hit
			r.inQuoted = r.inQuoted || nbContainsFolded(h.Text, q.Answer)
		}
	}
	for _, h := range hits {
		r.inTop = r.inTop || nbContainsPlain(h.Text, q.Answer)
		r.inTopFolded = r.inTopFolded || nbContainsFolded(h.Text, q.Answer)
		r.goldInTop = r.goldInTop || gold[h.ID()]
	}
	return r
}

// checkNewsbenchGold fails the test when the gold labels do not line up
// with the paragraphs as read: every gold paragraph exists and, as the
// newsbench README promises, contains the answer.
func checkNewsbenchGold(t *testing.T, arts []*retrieval.Article, qs []retrieval.EvalQuery) {
	t.Helper()
	byID := make(map[string]*retrieval.Article, len(arts))
	for _, a := range arts {
		byID[a.ID] = a
	}
	for _, q := range qs {
		for _, g := range q.Gold {
			a, ok := byID[g.ArticleID]
			if !ok {
				t.Fatalf("query %s: gold article %s is not in the corpus", q.ID, g.ArticleID)
			}
			p, err := a.Paragraph(g.Paragraph)
			if err != nil {
				t.Fatalf("query %s: %v", q.ID, err)
			}
			if !nbContainsFolded(p, q.Answer) {
				t.Errorf("query %s: gold paragraph %s#%d does not hold the answer %q: paragraph numbering is off",
					q.ID, g.ArticleID, g.Paragraph, q.Answer)
			}
		}
	}
}

// nbContainsPlain reports whether text contains answer, ignoring case and
// differences in white space.
func nbContainsPlain(text, answer string) bool {
	answer = nbCollapseSpace(strings.ToLower(answer))
	return answer != "" && strings.Contains(nbCollapseSpace(strings.ToLower(text)), answer)
}

// nbContainsFolded reports whether text contains answer at word boundaries
// after the newsbench normalisation: NFKC, curly quotes and dashes to
// ASCII, lower case, white space collapsed, and the answer's surrounding
// quotes and punctuation stripped.
func nbContainsFolded(text, answer string) bool {
	answer = strings.TrimFunc(nbFold(answer), func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) })
	if answer == "" {
		return false
	}
	text = nbFold(text)
	first, last := nbFirstRune(answer), nbLastRune(answer)
	for i := 0; ; {
		j := strings.Index(text[i:], answer)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(answer)
		before, after := nbLastRune(text[:start]), nbFirstRune(text[end:])
		if (!nbIsWordRune(first) || !nbIsWordRune(before)) && (!nbIsWordRune(last) || !nbIsWordRune(after)) {
			return true
		}
		i = start + len(string(first))
	}
}

var nbQuoteFolder = strings.NewReplacer(
	"‘", "'", "’", "'", "‚", "'", "‛", "'", "′", "'",
	"“", `"`, "”", `"`, "„", `"`, "‟", `"`, "″", `"`,
	"‐", "-", "‑", "-", "‒", "-", "–", "-", "—", "-", "―", "-", "−", "-",
)

func nbFold(s string) string {
	return nbCollapseSpace(strings.ToLower(nbQuoteFolder.Replace(norm.NFKC.String(s))))
}

func nbCollapseSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

func nbIsWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

func nbFirstRune(s string) rune {
	if s == "" {
		return ' '
	}
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

func nbLastRune(s string) rune {
	if s == "" {
		return ' '
	}
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

func nbGoldIDs(q retrieval.EvalQuery) string {
	var ids []string
	for _, g := range q.Gold {
		ids = append(ids, retrieval.ParagraphID(g.ArticleID, g.Paragraph))
	}
	return strings.Join(ids, ",")
}

func nbCitedIDs(a *Answer) string {
	var ids []string
	for _, c := range a.Citations {
		ids = append(ids, retrieval.ParagraphID(c.Article.ID, c.Paragraph))
	}
	return strings.Join(ids, ",")
}

// newsbenchRead parses the file at path, skipping the test when the
// benchmark is not there.
func newsbenchRead[T any](t *testing.T, path string, parse func(io.Reader) (T, error)) T {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("newsbench not available: %v", err)
	}
	defer f.Close()
	v, err := parse(f)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return v
}
