package retrieval

import (
	"encoding/binary"
	"errors"
	"strings"
	"sync"
	"unicode"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/shingle"
	tokunicode "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/english"
)

// This file is the one place where text becomes terms. There is one
// stemmer, the Snowball (Porter2) English stemmer that bleve ships, and two
// readings built on it:
//
//   - the index analyzer (analyzerText): Unicode word segmentation,
//     possessives, lower case, bleve's English stop words, stems. BM25
//     indexes and scores with it, and Terms hands it to the core, so an
//     extractive answer weighs a sentence's words as search weighed them.
//   - the built-in embedder's words (analyze): runs of letters and digits,
//     a stop list of its own, stems. They stay as they are because every
//     vector the built-in embedder has stored (model hash-v1) was made from
//     them; reading them as the index does would be a new embedder model
//     and re-embed every library.

const (
	analyzerText    = "newsbot_text"
	analyzerBigrams = "newsbot_bigrams"
	filterShingle   = "newsbot_shingle"
	filterDropGaps  = "newsbot_drop_gaps"
)

func init() {
	err := registry.RegisterTokenFilter(filterDropGaps, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		return dropGaps{}, nil
	})
	if err != nil {
		panic(err)
	}
}

// addAnalyzers adds the index analyzer and its word-pair variant to m.
func addAnalyzers(m *mapping.IndexMappingImpl) error {
	if err := m.AddCustomTokenFilter(filterShingle, map[string]any{
		"type": shingle.Name, "min": 2.0, "max": 2.0, "output_original": false, "separator": " ", "filler": "",
	}); err != nil {
		return err
	}
	text := []any{en.PossessiveName, lowercase.Name, en.StopName, en.SnowballStemmerName}
	if err := m.AddCustomAnalyzer(analyzerText, map[string]any{
		"type": custom.Name, "tokenizer": tokunicode.Name, "token_filters": text,
	}); err != nil {
		return err
	}
	return m.AddCustomAnalyzer(analyzerBigrams, map[string]any{
		"type": custom.Name, "tokenizer": tokunicode.Name, "token_filters": append(text, filterShingle, filterDropGaps),
	})
}

// dropGaps removes the word pairs the shingle filter makes across a removed
// stop word ("say ", " war", " "): they are not pairs of words, and " "
// alone is in almost every paragraph, which made BM25 scan them all for any
// question with two stop words in a row.
type dropGaps struct{}

func (dropGaps) Filter(in analysis.TokenStream) analysis.TokenStream {
	out := in[:0]
	for _, t := range in {
		if len(t.Term) > 0 && t.Term[0] != ' ' && t.Term[len(t.Term)-1] != ' ' {
			out = append(out, t)
		}
	}
	return out
}

// Terms analyzes text as the BM25 index does.
func (ix *Index) Terms(text string) []string { return bm25Terms(text) }

// bm25Terms analyzes text as the BM25 index does.
func bm25Terms(text string) []string {
	toks := textAnalyzer().Analyze([]byte(text))
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = string(t.Term)
	}
	return out
}

// analyze splits text into the built-in embedder's words: lowercase runs
// of letters and digits, English stop words dropped, the rest stemmed.
func analyze(text string) []string {
	var out []string
	for _, w := range tokenize(text) {
		if stopWords[w] {
			continue
		}
		out = append(out, stem(w))
	}
	return out
}

// tokenize returns the lowercased runs of letters and digits in text.
func tokenize(text string) []string {
	var out []string
	start := -1
	for i, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, strings.ToLower(text[start:i]))
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, strings.ToLower(text[start:]))
	}
	return out
}

// stemCache maps word → Snowball stem, for the built-in embedder and the
// index analyzer alike. Words with digits and words longer than 30 bytes
// are not cached, which keeps the cache to the bounded vocabulary of the
// language.
var stemCache sync.Map

// stem stems w with the index's Snowball stemmer. Short words, long ones
// and words with digits stay as they are.
func stem(w string) string {
	if len(w) <= 3 || len(w) > 30 || strings.ContainsAny(w, "0123456789") {
		return w
	}
	return snowball(w)
}

// snowball returns the Snowball English stem of w, as bleve's stemmer
// filter makes it, from stemCache when w is a word it keeps.
func snowball(w string) string {
	keep := len(w) <= 30 && !strings.ContainsAny(w, "0123456789")
	if keep {
		if s, ok := stemCache.Load(w); ok {
			return s.(string)
		}
	}
	env := snowballstem.NewEnv(w)
	english.Stem(env)
	s := env.Current()
	if keep {
		stemCache.Store(w, s)
	}
	return s
}

// cachedStemmer is bleve's Snowball English stemmer filter with stemCache
// in front: the same stems, without running the stemmer again for every
// occurrence of a word. Stemming was a third of analysing a paragraph, and
// the index analyzes each paragraph's text twice and its headline and
// outlet with every paragraph.
type cachedStemmer struct{}

func (cachedStemmer) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, t := range in {
		t.Term = []byte(snowball(string(t.Term)))
	}
	return in
}

// cacheStems replaces the Snowball stemmer of m's analyzers with
// cachedStemmer. The mapping stored with an index keeps naming bleve's
// stemmer, so an index reads and writes as before; only the analyzers this
// process built from it change, before anything uses them.
func cacheStems(m mapping.IndexMapping) {
	for _, name := range []string{analyzerText, analyzerBigrams} {
		a, ok := m.AnalyzerNamed(name).(*analysis.DefaultAnalyzer)
		if !ok {
			continue
		}
		for i, f := range a.TokenFilters {
			if _, ok := f.(*en.EnglishStemmerFilter); ok {
				a.TokenFilters[i] = cachedStemmer{}
			}
		}
	}
}

// stopWords are common English words that carry no topic.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about above after again against all am an and any are as at be because been
	before being below between both but by can could did do does doing down during each few for from further had has
	have having he her here hers herself him himself his how i if in into is it its itself just me more most my myself
	no nor not now of off on once only or other our ours ourselves out over own same she should so some such than that
	the their theirs them themselves then there these they this those through to too under until up very was we were
	what when where which while who whom why will with would you your yours yourself yourselves s t said says`) {
		m[w] = true
	}
	return m
}()

// AnalyzerVersion names the analysis that AnalyzeParagraph encodes: stored
// analyses of another version are analyzed again.
const AnalyzerVersion = "bm25-" + bm25Version

// textAnalyzer is the BM25 index's text analyzer (Unicode words,
// possessives, lowercase, stop words, Snowball stems), built once for the
// in-memory index and for query analysis without an open bleve index.
var textAnalyzer = sync.OnceValue(func() analysis.Analyzer {
	m, err := bm25Mapping()
	if err != nil {
		panic(err) // a fixed mapping: fails in every test if broken
	}
	cacheStems(m)
	return m.AnalyzerNamed(analyzerText)
})

// AnalyzeParagraph returns text as the BM25 index analyzes it, encoded
// compactly: each word's position gap and stem. The PostgreSQL library
// stores it beside each paragraph so a process builds its in-memory BM25
// index from the stored terms instead of analyzing 100k paragraphs at
// start-up.
func AnalyzeParagraph(text string) []byte {
	toks := textAnalyzer().Analyze([]byte(text))
	out := make([]byte, 0, len(text))
	last := 0
	for _, t := range toks {
		out = binary.AppendUvarint(out, uint64(t.Position-last))
		out = binary.AppendUvarint(out, uint64(len(t.Term)))
		out = append(out, t.Term...)
		last = t.Position
	}
	return out
}

var errBadTerms = errors.New("bad encoded terms")

// decodeTerms calls fn with each word of an AnalyzeParagraph encoding and
// whether it directly follows the previous word (no stop word between).
func decodeTerms(b []byte, fn func(term []byte, adjacent bool)) error {
	for len(b) > 0 {
		gap, n := binary.Uvarint(b)
		if n <= 0 {
			return errBadTerms
		}
		b = b[n:]
		size, n := binary.Uvarint(b)
		if n <= 0 || uint64(len(b)-n) < size {
			return errBadTerms
		}
		fn(b[n:n+int(size)], gap == 1)
		b = b[n+int(size):]
	}
	return nil
}
