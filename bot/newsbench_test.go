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
	"slices"
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

	b := newsbenchBot(t, os.Getenv("NEWSBENCH_INDEX"), arts)
	t.Logf("evidence needed to answer: %.2f of the question's weight", minEvidence)
	ctx := context.Background()
	detail := os.Getenv("NEWSBENCH_DETAIL") != ""
	var c newsbenchCounts
	var times []time.Duration
	for _, q := range qs {
		now := nbNow(t, q)
		hits, err := b.store.Search(ctx, retrieval.Query{Text: q.Question, K: b.opts.Sources, Scope: retrieval.GlobalScope, Now: now})
		if err != nil {
			t.Fatalf("search %s: %v", q.ID, err)
		}
		start := time.Now()
		a, err := b.Ask(ctx, Question{Text: q.Question, Now: now}, nil)
		times = append(times, time.Since(start))
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
	for i, q := range offTopic {
		// Asked on the dates of the dev questions, spread over the corpus.
		a, err := b.Ask(ctx, Question{Text: q, Now: nbNow(t, qs[i*len(qs)/len(offTopic)])}, nil)
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
	slices.Sort(times)
	t.Logf("%d questions, Ask p50 %s, p90 %s, top %d paragraphs retrieved", c.n,
		times[len(times)/2].Round(time.Microsecond), times[len(times)*9/10].Round(time.Microsecond), b.opts.Sources)
	t.Logf("%-58s %5s %7s", "measure", "count", "share")
	for _, row := range []struct {
		name string
		n    int
	}{
		{"abstained (answerable questions refused)", c.abstained},
		{"(a) answer in extractive text (case + whitespace)", c.inText},
		{"(a) answer in extractive text (NFKC, quotes, word bounds)", c.inTextFolded},
		{"(a) answer in the FIRST quoted sentence (folded)", c.inFirst},
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

// TestNewsbenchNotAnswerable measures refusals on questions the library
// cannot answer. It indexes the corpus without the gold articles of every
// dev question and keeps the questions whose answer string then appears in
// no paragraph or headline: for those the library holds related news but
// not the answer (the strict set). Most quiz answers are common words
// ("Climate change"), so the strict set is small; the extended set also
// leaves out every article holding the answer of a question whose answer
// appears in at most two other articles (follow-up stories that answer the
// same question), and keeps the questions whose answer then appears
// nowhere. A good bot refuses them and still names the closest articles.
// NEWSBENCH_INDEX, when set, keeps this index in $NEWSBENCH_INDEX-nogold.
func TestNewsbenchNotAnswerable(t *testing.T) {
	dir := os.Getenv("NEWSBENCH_DIR")
	if dir == "" {
		dir = "../../shared/newsbench"
	}
	arts := newsbenchRead(t, filepath.Join(dir, "corpus.jsonl"), retrieval.ReadCorpus)
	qs := newsbenchRead(t, filepath.Join(dir, "queries-dev.jsonl"), retrieval.ReadQueries)
	na := notAnswerable(arts, qs)
	t.Logf("strict set: %d of %d dev questions have an answer that appears nowhere once the %d dev gold articles are left out",
		len(na.strict), len(qs), na.gold)
	t.Logf("extended set: %d questions have an answer that appears nowhere once %d more articles holding rare answers are left out too (%d articles indexed)",
		len(na.extended), na.more, len(na.rest))

	idx := os.Getenv("NEWSBENCH_INDEX")
	if idx != "" {
		idx += "-nogold"
	}
	b := newsbenchBot(t, idx, na.rest)
	ctx := context.Background()
	detail := os.Getenv("NEWSBENCH_DETAIL") != ""
	for _, set := range []struct {
		name string
		qs   []retrieval.EvalQuery
	}{{"strict", na.strict}, {"extended", na.extended}} {
		refused, closest := 0, 0
		for _, q := range set.qs {
			a, err := b.Ask(ctx, Question{Text: q.Question, Now: nbNow(t, q)}, nil)
			if err != nil {
				t.Fatalf("ask %s: %v", q.ID, err)
			}
			if a.Abstained {
				refused++
				if len(a.Closest) > 0 || len(a.Citations) > 0 {
					closest++
				}
			}
			if detail && set.name == "extended" {
				t.Logf("%-14s abstained %-5v %q | %q", q.ID, a.Abstained, q.Answer, firstQuote(a.Text))
			}
		}
		t.Logf("%s set: not-answerable questions refused: %d of %d (%.3f); refusals naming the closest articles: %d",
			set.name, refused, len(set.qs), float64(refused)/float64(len(set.qs)), closest)
	}
}

// notAnswerableSets are the articles left once answers are taken out, and
// the questions they cannot answer.
type notAnswerableSets struct {
	rest             []*retrieval.Article
	strict, extended []retrieval.EvalQuery
	gold, more       int // articles left out: dev gold, and others holding a rare answer
}

// notAnswerable builds the not-answerable sets TestNewsbenchNotAnswerable
// describes.
func notAnswerable(arts []*retrieval.Article, qs []retrieval.EvalQuery) notAnswerableSets {
	gold := map[string]bool{}
	for _, q := range qs {
		for _, g := range q.Gold {
			gold[g.ArticleID] = true
		}
	}
	texts := map[string]string{}
	for _, a := range arts {
		if !gold[a.ID] {
			texts[a.ID] = nbFold(a.Title + "\n" + strings.Join(a.Paragraphs, "\n"))
		}
	}
	holding := func(q retrieval.EvalQuery) []string {
		var ids []string
		for id, text := range texts {
			if nbContainsPrefolded(text, q.Answer) {
				ids = append(ids, id)
			}
		}
		return ids
	}
	na := notAnswerableSets{gold: len(gold)}
	drop := map[string]bool{}
	for _, q := range qs {
		ids := holding(q)
		if len(ids) == 0 {
			na.strict = append(na.strict, q)
		}
		if len(ids) <= 2 {
			for _, id := range ids {
				drop[id] = true
			}
		}
	}
	na.more = len(drop)
	for id := range drop {
		delete(texts, id)
	}
	for _, q := range qs {
		if len(holding(q)) == 0 {
			na.extended = append(na.extended, q)
		}
	}
	for _, a := range arts {
		if _, ok := texts[a.ID]; ok {
			na.rest = append(na.rest, a)
		}
	}
	return na
}

// newsbenchBot indexes arts with the built-in embedder in idxDir (a temp
// dir when empty; an existing index there is reused and brought up to
// date) and returns a bot without a model over it.
func newsbenchBot(t *testing.T, idxDir string, arts []*retrieval.Article) *Bot {
	t.Helper()
	if v, err := strconv.ParseFloat(os.Getenv("NEWSBENCH_MIN_EVIDENCE"), 64); err == nil {
		minEvidence = v // to study the refusal threshold
	}
	ctx := context.Background()
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
	store, err := retrieval.JoinStore(ix, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(store, nil, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// nbNow is when q was asked: its date, as eval and --as-of read it. A
// question with no date is asked now.
func nbNow(t testing.TB, q retrieval.EvalQuery) time.Time {
	t.Helper()
	if q.Date == "" {
		return time.Time{}
	}
	d, err := time.Parse(time.DateOnly, q.Date)
	if err != nil {
		t.Fatalf("query %s: date %q is not YYYY-MM-DD", q.ID, q.Date)
	}
	return d
}

// firstQuote returns the first quoted sentence of an extractive answer,
// without its citation.
func firstQuote(text string) string {
	for _, line := range strings.Split(text, "\n") {
		if q, ok := strings.CutPrefix(line, "> "); ok {
			return strings.TrimSpace(citation.ReplaceAllString(q, ""))
		}
	}
	return ""
}

// newsbenchResult is what one question scored.
type newsbenchResult struct {
	abstained, inText, inTextFolded, inFirst, citesGold, inCited, inQuoted, inTop, inTopFolded, goldInTop bool
}

func (r newsbenchResult) String() string {
	mark := func(ok bool, s string) string {
		if ok {
			return s
		}
		return "-"
	}
	return mark(r.abstained, "A") + mark(r.inFirst, "F") + mark(r.inTextFolded, "T") + mark(r.citesGold, "G") +
		mark(r.inCited, "C") + mark(r.inQuoted, "Q") + mark(r.inTopFolded, "R") + mark(r.goldInTop, "P")
}

type newsbenchCounts struct {
	n, abstained, inText, inTextFolded, inFirst, citesGold, inCited, inQuoted, inTop, inTopFolded, goldInTop int
}

func (c *newsbenchCounts) add(r newsbenchResult) {
	c.n++
	for _, f := range []struct {
		ok bool
		n  *int
	}{
		{r.abstained, &c.abstained}, {r.inText, &c.inText}, {r.inTextFolded, &c.inTextFolded}, {r.inFirst, &c.inFirst},
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
		r.inFirst = nbContainsFolded(firstQuote(a.Text), q.Answer)
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
			if g.Paragraph < 1 || g.Paragraph > len(a.Paragraphs) {
				t.Fatalf("query %s: paragraph %d of %s: not found", q.ID, g.Paragraph, a.ID)
			}
			p := a.Paragraphs[g.Paragraph-1]
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
	return nbContainsPrefolded(nbFold(text), answer)
}

// nbContainsPrefolded is nbContainsFolded for a text already folded.
func nbContainsPrefolded(text, answer string) bool {
	answer = strings.TrimFunc(nbFold(answer), func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) })
	if answer == "" {
		return false
	}
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
