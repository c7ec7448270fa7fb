//go:build newsbench

package bot

// Studying the bot's judgement of evidence on newsbench takes minutes a
// run on a loaded machine, most of it opening the index and searching. The
// judgement itself reads only the question, its term statistics and the
// hits, so a snapshot of those lets it be re-run in seconds:
//
//	NEWSBENCH_SNAPSHOT=/tmp/nb.json go test -tags newsbench -run NewsbenchSnapshot -v -timeout 60m ./bot/
//	NEWSBENCH_SNAPSHOT=/tmp/nb.json go test -tags newsbench -run NewsbenchReplay -v ./bot/
//
// The replay prints the measures of TestNewsbenchExtractive and
// TestNewsbenchNotAnswerable for retrieval held fixed; NEWSBENCH_DUMP names
// a file to write every question's answer and best candidates to. The
// snapshot holds article ids and numbers, not text, and stays out of the
// repository like everything else of newsbench.

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/retrieval"
)

// nbCase is what the judgement of one question reads.
type nbCase struct {
	Set    string // "ans" (dev), "strict" or "extended" (not answerable)
	Query  retrieval.EvalQuery
	Hits   []nbHit
	IDF    map[string]float64
	Unseen map[string]bool
}

type nbHit struct {
	Article   string
	Paragraph int
	Score     float64
}

func TestNewsbenchSnapshot(t *testing.T) {
	path := os.Getenv("NEWSBENCH_SNAPSHOT")
	if path == "" {
		t.Skip("NEWSBENCH_SNAPSHOT not set")
	}
	dir := cmp.Or(os.Getenv("NEWSBENCH_DIR"), "../../shared/newsbench")
	arts := newsbenchRead(t, filepath.Join(dir, "corpus.jsonl"), retrieval.ReadCorpus)
	qs := newsbenchRead(t, filepath.Join(dir, "queries-dev.jsonl"), retrieval.ReadQueries)
	na := notAnswerable(arts, qs)
	strict := map[string]bool{}
	for _, q := range na.strict {
		strict[q.ID] = true
	}
	idx := os.Getenv("NEWSBENCH_INDEX")
	nogold := ""
	if idx != "" {
		nogold = idx + "-nogold"
	}
	ctx := context.Background()
	var cases []nbCase
	for _, set := range []struct {
		name string
		idx  string
		arts []*retrieval.Article
		qs   []retrieval.EvalQuery
	}{{"ans", idx, arts, qs}, {"extended", nogold, na.rest, na.extended}} {
		b := newsbenchBot(t, set.idx, set.arts)
		for _, q := range set.qs {
			hits, err := b.store.Search(ctx, retrieval.Query{Text: q.Question, K: b.opts.Sources, Scope: retrieval.GlobalScope, Now: nbNow(t, q)})
			if err != nil {
				t.Fatal(err)
			}
			idf, unseen, err := b.store.TermStats(ctx, q.Question)
			if err != nil {
				t.Fatal(err)
			}
			c := nbCase{Set: set.name, Query: q, IDF: idf, Unseen: unseen}
			if set.name == "extended" && strict[q.ID] {
				c.Set = "strict"
			}
			for _, h := range hits {
				c.Hits = append(c.Hits, nbHit{h.Article.ID, h.Paragraph, h.Score})
			}
			cases = append(cases, c)
		}
	}
	data, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d cases written to %s", len(cases), path)
}

func TestNewsbenchReplay(t *testing.T) {
	path := os.Getenv("NEWSBENCH_SNAPSHOT")
	if path == "" {
		t.Skip("NEWSBENCH_SNAPSHOT not set")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skip(err)
	}
	var cases []nbCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	dir := cmp.Or(os.Getenv("NEWSBENCH_DIR"), "../../shared/newsbench")
	arts := newsbenchRead(t, filepath.Join(dir, "corpus.jsonl"), retrieval.ReadCorpus)
	byID := map[string]*retrieval.Article{}
	for _, a := range arts {
		byID[a.ID] = a
	}
	terms := retrieval.NewMemoryIndex(retrieval.NewLocalEmbedder(), retrieval.IndexOptions{}).Terms
	var dump *os.File
	if p := os.Getenv("NEWSBENCH_DUMP"); p != "" {
		if dump, err = os.Create(p); err != nil {
			t.Fatal(err)
		}
		defer dump.Close()
	}
	var feats *os.File
	if p := os.Getenv("NEWSBENCH_FEATURES"); p != "" {
		if feats, err = os.Create(p); err != nil {
			t.Fatal(err)
		}
		defer feats.Close()
		fmt.Fprintln(feats, "set\tqid\tkind\thit\tscore\tself\twindow\ttyped\tfocused\tnovel\tnterms\tage\tans\tgold\tpicked\tpara\torder\tarticle\tanswers\tlead\tslotted\tcounts\ttext")
	}
	nbSetKnobs(t)
	var c newsbenchCounts
	refused := map[string]int{}
	total := map[string]int{}
	start := time.Now()
	for _, k := range cases {
		hits := make([]retrieval.Hit, len(k.Hits))
		for i, h := range k.Hits {
			a := byID[h.Article]
			hits[i] = retrieval.Hit{Article: a, Paragraph: h.Paragraph, Text: a.Paragraphs[h.Paragraph-1], Score: h.Score}
		}
		now := nbNow(t, k.Query)
		q := readQuestion(k.Query.Question, k.IDF, k.Unseen, terms, now)
		cands := sentenceEvidence(q, hits, terms)
		a := judgeExtractive(hits, cands, asksAboutTime(k.Query.Question))
		if feats != nil {
			nbFeatures(feats, k, q, now, a, cands)
		}
		total[k.Set]++
		if k.Set == "ans" {
			r := scoreNewsbench(k.Query, a, hits)
			c.add(r)
			if dump != nil {
				nbDumpCase(dump, k, r.String(), q, a, cands)
			}
			continue
		}
		if a.Abstained {
			refused[k.Set]++
		}
		if dump != nil {
			nbDumpCase(dump, k, fmt.Sprintf("abstained=%v", a.Abstained), q, a, cands)
		}
	}
	t.Logf("replayed %d cases in %s", len(cases), time.Since(start).Round(time.Millisecond))
	for _, row := range []struct {
		name string
		n    int
	}{
		{"abstained (answerable questions refused)", c.abstained},
		{"(a) answer in extractive text (NFKC, quotes, word bounds)", c.inTextFolded},
		{"(a) answer in the FIRST quoted sentence (folded)", c.inFirst},
		{"(b) citations include a gold paragraph", c.citesGold},
		{"ceiling: answer in top-8 retrieved (folded)", c.inTopFolded},
	} {
		t.Logf("%-58s %5d %7.3f", row.name, row.n, float64(row.n)/float64(c.n))
	}
	// The strict set is part of the extended one.
	ext := refused["strict"] + refused["extended"]
	t.Logf("not-answerable refused: strict %d of %d (%.3f), extended %d of %d (%.3f)",
		refused["strict"], total["strict"], float64(refused["strict"])/float64(total["strict"]),
		ext, total["strict"]+total["extended"], float64(ext)/float64(total["strict"]+total["extended"]))
}

// nbDumpCase writes one question, its answer and its best candidates.
func nbDumpCase(f *os.File, k nbCase, result string, q question, a *Answer, cands []candidate) {
	fmt.Fprintf(f, "=== %s %s %s kind=%s focus=%q counted=%q\nQ: %s\nA: %q\n", k.Set, k.Query.ID, result, q.kind, q.focus, q.counted, k.Query.Question, k.Query.Answer)
	type tw struct {
		t string
		w float64
	}
	var ws []tw
	for t, w := range q.weights {
		ws = append(ws, tw{t, w / q.total})
	}
	slices.SortFunc(ws, func(a, b tw) int { return cmp.Compare(b.w, a.w) })
	var b strings.Builder
	for _, x := range ws {
		fmt.Fprintf(&b, " %s:%.2f", x.t, x.w)
	}
	fmt.Fprintf(f, "weights:%s\n", b.String())
	fmt.Fprintf(f, "GOT: %s\n", strings.ReplaceAll(a.Text, "\n", "\n     "))
	ranked := slices.Clone(cands)
	slices.SortStableFunc(ranked, func(a, b candidate) int { return cmp.Compare(b.score, a.score) })
	for i, c := range ranked[:min(8, len(ranked))] {
		mark := " "
		if nbContainsFolded(c.text, k.Query.Answer) {
			mark = "*"
		}
		fmt.Fprintf(f, "  %s%d score=%.3f self=%.2f win=%.2f typed=%v foc=%v nov=%d hit=%d %s#%d/%d %s | %.160s\n",
			mark, i, c.score, c.self, c.window, c.typed, c.focused, c.novel, c.hit, c.article.ID, c.paragraph, c.order,
			c.article.PublishedAt.Format("2006-01-02"), c.text)
	}
	for _, c := range ranked[min(8, len(ranked)):] {
		if nbContainsFolded(c.text, k.Query.Answer) {
			fmt.Fprintf(f, "  *rank=%d score=%.3f self=%.2f win=%.2f typed=%v hit=%d %s | %.160s\n", slices.IndexFunc(ranked, func(x candidate) bool { return x.text == c.text }),
				c.score, c.self, c.window, c.typed, c.hit, c.article.PublishedAt.Format("2006-01-02"), c.text)
			break
		}
	}
	fmt.Fprintln(f)
}

// nbFeatures writes every candidate's features, one line each, for
// studying the rules offline.
func nbFeatures(f *os.File, k nbCase, q question, now time.Time, a *Answer, cands []candidate) {
	gold := map[string]bool{}
	for _, g := range k.Query.Gold {
		gold[retrieval.ParagraphID(g.ArticleID, g.Paragraph)] = true
	}
	first := firstQuote(a.Text)
	if i := strings.LastIndex(first, " ("); i > 0 && strings.HasSuffix(first, ")") {
		first = strings.TrimSpace(first[:i]) // the article's date
	}
	for _, c := range cands {
		age := now.Sub(c.article.PublishedAt).Hours() / 24
		fmt.Fprintf(f, "%s\t%s\t%s\t%d\t%.4f\t%.4f\t%.4f\t%v\t%v\t%d\t%d\t%.1f\t%v\t%v\t%v\t%d\t%d\t%s\t%v\t%.4f\t%v\t%v\t%q\n",
			k.Set, k.Query.ID, q.kind, c.hit, c.score, c.self, c.window, c.typed, c.focused, c.novel, len(c.terms), age,
			nbContainsFolded(c.text, k.Query.Answer), gold[retrieval.ParagraphID(c.article.ID, c.paragraph)], !a.Abstained && c.text == first,
			c.paragraph, c.order, c.article.ID, c.answers(), c.lead(), c.slotted, c.counts, c.text)
	}
}

// nbKnobs are the judgement's parameters a replay may set through
// NEWSBENCH_KNOBS ("slotWeight=0.5,hitDiscount=0.06"), to measure their
// sensitivity.
var nbKnobs = map[string]*float64{
	"minEvidence":     &minEvidence,
	"slotWeight":      &slotWeight,
	"neighbourWeight": &neighbourWeight,
	"hitDiscount":     &hitDiscount,
	"typedBonus":      &typedBonus,
	"novelBonus":      &novelBonus,
	"slotBonus":       &slotBonus,
	"keepRatio":       &keepRatio,
	"supportWeight":   &supportWeight,
	"introWeight":     &introWeight,
	"leadWeight":      &leadWeight,
	"leadParagraphs":  &leadParagraphs,
	"fitSlack":        &fitSlack,
	"fitHalfLife":     &fitHalfLife,
	"recentDays":      &recentDays,
	"afterNow":        &afterNow,
	"recencyHalfLife": &recencyHalfLife,
	"recencyFloor":    &recencyFloor,
}

func nbSetKnobs(t *testing.T) {
	for _, kv := range strings.Split(os.Getenv("NEWSBENCH_KNOBS"), ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		p, ok := nbKnobs[k]
		if !ok {
			t.Fatalf("no knob %q", k)
		}
		if _, err := fmt.Sscan(v, p); err != nil {
			t.Fatalf("knob %s: %v", k, err)
		}
		t.Logf("%s = %v", k, *p)
	}
}
