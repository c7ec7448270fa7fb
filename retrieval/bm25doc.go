package retrieval

import (
	"fmt"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/mapping"
)

// docAnalyzer turns articles into the bleve documents of their paragraphs,
// analyzed ahead of the batch. bleve's own path (Batch.Index) analyzes
// every text field of every document separately: a paragraph's words were
// segmented and stemmed three times (text, word pairs, and once more here
// for the manifest's field lengths) and its article's headline and outlet
// once per paragraph. docAnalyzer segments a paragraph once, makes the word
// pairs from those words with the pair analyzer's own filters, and reads
// the headline and outlet once per article; bleve then indexes exactly the
// tokens its analyzers would have made (TestPreAnalyzedDocsMatchBleve).
type docAnalyzer struct {
	m     mapping.IndexMapping
	text  analysis.Analyzer
	pairs []analysis.TokenFilter // applied to the text tokens; nil: let bleve analyze the pairs
}

func newDocAnalyzer(m mapping.IndexMapping) *docAnalyzer {
	return &docAnalyzer{m: m, text: m.AnalyzerNamed(analyzerText), pairs: pairFilters(m)}
}

// pairFilters returns the token filters that the word-pair analyzer runs
// after those of the text analyzer, when the two share their tokenizer and
// first filters (as addAnalyzers makes them); otherwise nil.
func pairFilters(m mapping.IndexMapping) []analysis.TokenFilter {
	text, ok1 := m.AnalyzerNamed(analyzerText).(*analysis.DefaultAnalyzer)
	pairs, ok2 := m.AnalyzerNamed(analyzerBigrams).(*analysis.DefaultAnalyzer)
	if !ok1 || !ok2 || len(text.CharFilters) > 0 || len(pairs.CharFilters) > 0 ||
		len(pairs.TokenFilters) <= len(text.TokenFilters) ||
		reflect.TypeOf(text.Tokenizer) != reflect.TypeOf(pairs.Tokenizer) {
		return nil
	}
	for i, f := range text.TokenFilters {
		if !reflect.DeepEqual(f, pairs.TokenFilters[i]) {
			return nil
		}
	}
	return pairs.TokenFilters[len(text.TokenFilters):]
}

// tokens is an analyzer that returns tokens made beforehand, whatever it is
// given: the document's field then analyzes, inside bleve's batch, to
// exactly those tokens.
type tokens analysis.TokenStream

func (t tokens) Analyze([]byte) analysis.TokenStream { return analysis.TokenStream(t) }

// articles returns the documents of each article's paragraphs and its
// manifest entry, analyzing the articles on all processors.
func (d *docAnalyzer) articles(add []*Article) ([][]*document.Document, []manifestEntry, error) {
	docs := make([][]*document.Document, len(add))
	entries := make([]manifestEntry, len(add))
	errs := make([]error, len(add))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(add)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(add); i = int(next.Add(1) - 1) {
				docs[i], entries[i], errs[i] = d.article(add[i])
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, nil, fmt.Errorf("index %s: %w", add[i].ID, err)
		}
	}
	return docs, entries, nil
}

// article returns the documents of a's paragraphs and a's manifest entry.
func (d *docAnalyzer) article(a *Article) ([]*document.Document, manifestEntry, error) {
	e := manifestEntry{Hash: indexHash(a), Paragraphs: len(a.Paragraphs)}
	title, source := tokens(d.text.Analyze([]byte(a.Title))), tokens(d.text.Analyze([]byte(a.Source)))
	out := make([]*document.Document, len(a.Paragraphs))
	for i, p := range a.Paragraphs {
		words := d.text.Analyze([]byte(p))
		doc := document.NewDocument(ParagraphID(a.ID, i+1))
		if err := d.m.MapDocument(doc, bm25Doc{Text: p, Bigrams: p, Title: a.Title, Source: a.Source, Scope: a.Scope, Article: a.ID}); err != nil {
			return nil, e, err
		}
		for j, f := range doc.Fields {
			tf, ok := f.(*document.TextField)
			if !ok {
				continue
			}
			var toks tokens
			switch tf.Name() {
			case "text":
				toks = tokens(words)
			case "bigrams":
				if d.pairs == nil {
					continue
				}
				toks = tokens(d.pairTokens(words))
			case "title":
				toks = title
			case "source":
				toks = source
			default:
				continue
			}
			doc.Fields[j] = document.NewTextFieldCustom(tf.Name(), tf.ArrayPositions(), tf.Value(), tf.Options(), toks)
		}
		out[i] = doc
		// Field lengths for BM25's averages; the pair count is taken as
		// one less than the word count (gaps make it a little less).
		n := len(words)
		e.Lengths[0] += n
		e.Lengths[1] += max(n-1, 0)
		e.Lengths[2] += len(title)
		e.Lengths[3] += len(source)
	}
	return out, e, nil
}

// pairTokens runs the pair analyzer's own filters over a paragraph's text
// tokens. The filters make new tokens and leave words as they were.
func (d *docAnalyzer) pairTokens(words analysis.TokenStream) analysis.TokenStream {
	in := make(analysis.TokenStream, len(words))
	copy(in, words)
	for _, f := range d.pairs {
		in = f.Filter(in)
	}
	return in
}
