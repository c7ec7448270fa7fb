package retrieval

import (
	"encoding/binary"
	"errors"
	"sync"

	"github.com/blevesearch/bleve/v2/analysis"
)

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
