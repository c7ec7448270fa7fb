package retrieval

import (
	"context"
	"fmt"
	"math"
	"slices"

	index "github.com/blevesearch/bleve_index_api"
)

// BM25 parameters. b is lower than the usual 0.75: news paragraphs vary
// less in length than web pages, and on the newsbench dev split b = 0.4
// beat 0.75 clearly (paragraph MRR@10 0.505 against 0.442) with the other
// settings fixed.
var (
	bm25K1 = 1.2
	bm25B  = 0.4
)

const numFields = 4

// bm25Fields are the indexed text fields and their weights in the score.
// Headline and outlet repeat on every paragraph of an article, so they act
// as an article-level signal; word pairs reward paragraphs that use the
// question's words together.
var bm25Fields = [numFields]struct {
	field, analyzer string
	weight          float64
}{
	{"text", analyzerText, 1},
	{"bigrams", analyzerBigrams, 0.3},
	{"title", analyzerText, 0.6},
	{"source", analyzerText, 0},
}

// lexical is the BM25 leg of search: bleve on disk for the article files,
// memBM25 for a database library.
type lexical interface {
	// search returns up to n paragraph ids of scope (and the global
	// library), or of one article, with their BM25 scores, best first.
	search(ctx context.Context, text string, n int, scope, article string) ([]scored, error)
	// docFreqs returns the number of documents and how many hold each term
	// in their text.
	docFreqs(ctx context.Context, terms []string) (uint64, map[string]uint64, error)
}

// search returns up to n paragraph ids with their BM25 scores, best first.
//
// bleve's own "bm25" scoring is not Okapi BM25: it multiplies by idf twice,
// takes the square root of term frequencies and divides field lengths by the
// number of distinct terms per document instead of the average length, which
// buries long paragraphs. The index is bleve's; the scoring is done here,
// over its posting lists, with the textbook formula.
func (b *bm25Index) search(ctx context.Context, text string, n int, scope, article string) (out []scored, err error) {
	err = b.read("searching the BM25 index", func() (err error) {
		out, err = b.searchPostings(ctx, text, n, scope, article)
		return err
	})
	return out, err
}

func (b *bm25Index) searchPostings(ctx context.Context, text string, n int, scope, article string) ([]scored, error) {
	r, docs, err := b.reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	allowed, err := b.filter(ctx, r, scope, article, docs)
	if err != nil {
		return nil, err
	}
	stats := b.snapshotStats()
	m := b.idx.Mapping()
	scores := map[uint64]float64{}
	pre := &index.TermFieldDoc{}
	for f, fd := range bm25Fields {
		if fd.weight == 0 || stats.docs == 0 {
			continue
		}
		avgLen := max(float64(stats.lengths[f])/float64(stats.docs), 1)
		counts := map[string]float64{}
		for _, tok := range m.AnalyzerNamed(fd.analyzer).Analyze([]byte(text)) {
			counts[string(tok.Term)]++
		}
		for term, qtf := range counts {
			tfr, err := r.TermFieldReader(ctx, []byte(term), fd.field, true, true, false)
			if err != nil {
				return nil, err
			}
			df := float64(tfr.Count())
			idf := math.Log(1 + (float64(docs)-df+0.5)/(df+0.5))
			w := fd.weight * qtf * idf
			for {
				d, err := tfr.Next(pre)
				if err != nil {
					tfr.Close()
					return nil, err
				}
				if d == nil {
					break
				}
				id := d.ID.Value()
				if allowed != nil && !allowed(id) {
					continue
				}
				tf := float64(d.Freq)
				dl := 1 / (d.Norm * d.Norm)
				scores[id] += w * tf * (bm25K1 + 1) / (tf + bm25K1*(1-bm25B+bm25B*dl/avgLen))
			}
			tfr.Close()
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	top := topN(scores, n)
	out := make([]scored, 0, len(top))
	for _, d := range top {
		ext, err := r.ExternalID(index.NewIndexInternalID(nil, d.id))
		if err != nil {
			return nil, fmt.Errorf("bm25 search: %w", err)
		}
		out = append(out, scored{id: ext, score: d.score})
	}
	return out, nil
}

type docScore struct {
	id    uint64
	score float64
}

// worse orders documents by score, then by id, lowest first.
func worse(a, b docScore) bool {
	return a.score < b.score || a.score == b.score && a.id > b.id
}

// topN returns the n best-scored documents, best first, keeping a min-heap
// of n instead of sorting every match.
func topN(scores map[uint64]float64, n int) []docScore {
	h := make([]docScore, 0, n)
	down := func(i int) {
		for {
			l, small := 2*i+1, i
			if l < len(h) && worse(h[l], h[small]) {
				small = l
			}
			if r := l + 1; r < len(h) && worse(h[r], h[small]) {
				small = r
			}
			if small == i {
				return
			}
			h[i], h[small] = h[small], h[i]
			i = small
		}
	}
	for id, s := range scores {
		d := docScore{id, s}
		if len(h) < n {
			h = append(h, d)
			for i := len(h) - 1; i > 0 && worse(h[i], h[(i-1)/2]); i = (i - 1) / 2 {
				h[i], h[(i-1)/2] = h[(i-1)/2], h[i]
			}
		} else if n > 0 && worse(h[0], d) {
			h[0] = d
			down(0)
		}
	}
	slices.SortFunc(h, func(a, b docScore) int {
		if worse(b, a) {
			return -1
		}
		if worse(a, b) {
			return 1
		}
		return 0
	})
	return h
}

// termWeights returns the content terms of text as the BM25 index analyzes
// them (stems, stop words dropped), each with its inverse document
// frequency: rare words weigh more. A term the library has never seen
// weighs as one it has seen once, scaled by unseenWeight: it may be a
// paraphrase ("take" for "took") as much as a sign the question is
// off-topic, and which is likelier depends on the library's size. The bot
// uses it to judge whether anything in the library is about a question.
func (ix *Index) termWeights(ctx context.Context, text string) (map[string]float64, error) {
	w, _, err := ix.TermStats(ctx, text)
	return w, err
}

// DocFreqs returns how many paragraphs the index holds and, for each
// content term of text, how many of them hold it: for callers that weigh
// terms their own way (the bot's grouping of articles into stories
// smooths the weights of small libraries).
func (ix *Index) DocFreqs(ctx context.Context, text string) (docs uint64, dfs map[string]uint64, err error) {
	return ix.lexical().docFreqs(ctx, ix.Terms(text))
}

// TermStats is TermWeights that also says which terms the library has
// never seen.
func (ix *Index) TermStats(ctx context.Context, text string) (weights map[string]float64, unseen map[string]bool, err error) {
	docs, dfs, err := ix.lexical().docFreqs(ctx, ix.Terms(text))
	if err != nil {
		return nil, nil, err
	}
	weights = make(map[string]float64, len(dfs))
	unseen = map[string]bool{}
	for t, n := range dfs {
		df := max(float64(n), 1)
		weights[t] = math.Log(1 + (float64(docs)-df+0.5)/(df+0.5))
		if n == 0 {
			weights[t] *= unseenWeight(docs)
			unseen[t] = true
		}
	}
	return weights, unseen, nil
}

// docFreqs implements lexical: the number of documents and, for each term,
// how many hold it in their text.
func (b *bm25Index) docFreqs(ctx context.Context, terms []string) (docs uint64, dfs map[string]uint64, err error) {
	err = b.read("reading BM25 term weights", func() (err error) {
		docs, dfs, err = b.termCounts(ctx, terms)
		return err
	})
	return docs, dfs, err
}

func (b *bm25Index) termCounts(ctx context.Context, terms []string) (uint64, map[string]uint64, error) {
	r, docs, err := b.reader()
	if err != nil {
		return 0, nil, err
	}
	defer r.Close()
	out := make(map[string]uint64, len(terms))
	for _, t := range terms {
		if _, ok := out[t]; ok {
			continue
		}
		tfr, err := r.TermFieldReader(ctx, []byte(t), "text", false, false, false)
		if err != nil {
			return 0, nil, err
		}
		out[t] = tfr.Count()
		tfr.Close()
	}
	return docs, out, nil
}

// reader opens a snapshot of the index for reading posting lists, with its
// document count. The caller closes it.
func (b *bm25Index) reader() (index.IndexReader, uint64, error) {
	adv, err := b.idx.Advanced()
	if err != nil {
		return nil, 0, err
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, 0, err
	}
	docs, err := r.DocCount()
	if err != nil {
		r.Close()
		return nil, 0, err
	}
	return r, docs, nil
}

// filter returns which documents a search may return: those of scope (and
// the global ones) and, if given, of one article. It returns nil when every
// document may be returned. It collects whichever is smaller, the allowed
// documents or the others.
func (b *bm25Index) filter(ctx context.Context, r index.IndexReader, scope, article string, docs uint64) (func(uint64) bool, error) {
	if article != "" {
		set, err := postings(ctx, r, "article", []string{article})
		if err != nil {
			return nil, err
		}
		return func(id uint64) bool { return set[id] }, nil
	}
	visible := []string{GlobalScope}
	if scope != "" && scope != GlobalScope {
		visible = append(visible, scope)
	}
	var hidden []string
	var hiddenCount uint64
	dict, err := r.FieldDict("scope")
	if err != nil {
		return nil, err
	}
	for {
		e, err := dict.Next()
		if err != nil {
			dict.Close()
			return nil, err
		}
		if e == nil {
			break
		}
		if !slices.Contains(visible, e.Term) {
			hidden = append(hidden, e.Term)
			hiddenCount += e.Count
		}
	}
	dict.Close()
	switch {
	case len(hidden) == 0:
		return nil, nil
	case hiddenCount*2 < docs:
		set, err := postings(ctx, r, "scope", hidden)
		if err != nil {
			return nil, err
		}
		return func(id uint64) bool { return !set[id] }, nil
	default:
		set, err := postings(ctx, r, "scope", visible)
		if err != nil {
			return nil, err
		}
		return func(id uint64) bool { return set[id] }, nil
	}
}

// postings returns the documents that hold any of terms in field.
func postings(ctx context.Context, r index.IndexReader, field string, terms []string) (map[uint64]bool, error) {
	set := map[uint64]bool{}
	pre := &index.TermFieldDoc{}
	for _, t := range terms {
		tfr, err := r.TermFieldReader(ctx, []byte(t), field, false, false, false)
		if err != nil {
			return nil, err
		}
		for {
			d, err := tfr.Next(pre)
			if err != nil {
				tfr.Close()
				return nil, err
			}
			if d == nil {
				break
			}
			set[d.ID.Value()] = true
		}
		tfr.Close()
	}
	return set, nil
}

// unseenWeight scales the weight of a word the library has never seen. A
// library of a few articles lacks most words of any question, so there an
// unseen word says little ("take part" when the article says "include");
// a library of thousands of paragraphs that lacks a word is telling: the
// question is about something else ("Reykjavik"). The scale is the chance
// that a word of the question's topic is in a library of that many
// paragraphs, taking 1,000 paragraphs (some 25 articles) as the size that
// holds a topic's words.
func unseenWeight(docs uint64) float64 {
	return 1 - math.Exp(-float64(docs)/1000)
}
