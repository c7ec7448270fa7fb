package retrieval

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
)

// The index analyzers with the cached stemmer make exactly the tokens of
// bleve's own, for words the cache keeps and words it does not, the first
// time and from the cache.
func TestCachedStemmerStemsAsBleve(t *testing.T) {
	plain, err := bm25Mapping()
	if err != nil {
		t.Fatal(err)
	}
	cached, err := bm25Mapping()
	if err != nil {
		t.Fatal(err)
	}
	cacheStems(cached)
	texts := []string{
		"The ministers' generously funded harbours: dying, lying, skies, news, agreed, feed, proceedings.",
		"Ünïcödé naïve café façades, Ærøskøbing's ﬁnances and Москва's mayor; 北京 said so.",
		"In the 1990s, 3rd-quarter sales of COVID19 tests rose 45%; ies sky ski a I'd ok.",
		"Pneumonoultramicroscopicsilicovolcanoconiosis and " + strings.Repeat("overdetermination", 3) + " are long words.",
	}
	for _, a := range synthCorpus(t, synthOptions{Paragraphs: 80, Seed: 5}) {
		texts = append(texts, a.Title)
		texts = append(texts, a.Paragraphs...)
	}
	for _, name := range []string{analyzerText, analyzerBigrams} {
		if !usesCachedStemmer(cached.AnalyzerNamed(name)) {
			t.Fatalf("%s: the stemmer is not the cached one", name)
		}
		for _, text := range texts {
			want := plain.AnalyzerNamed(name).Analyze([]byte(text))
			for range 2 { // stemmed, then from the cache
				got := cached.AnalyzerNamed(name).Analyze([]byte(text))
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s of %q:\ngot  %v\nwant %v", name, text, got, want)
				}
			}
		}
	}
}

// A new index and one opened from its files both analyze with the cached
// stemmer.
func TestIndexesUseCachedStemmer(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, what := range []string{"a new index", "an index opened again"} {
		st, _, err := OpenStore(context.Background(), dir, NewLocalEmbedder(), StoreOptions{})
		if err != nil {
			t.Fatal(err)
		}
		m := st.ix.bm25.idx.Mapping()
		for _, name := range []string{analyzerText, analyzerBigrams} {
			if !usesCachedStemmer(m.AnalyzerNamed(name)) {
				t.Errorf("%s: %s does not use the cached stemmer", what, name)
			}
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func usesCachedStemmer(a analysis.Analyzer) bool {
	d, ok := a.(*analysis.DefaultAnalyzer)
	if !ok {
		return false
	}
	for _, f := range d.TokenFilters {
		if _, ok := f.(cachedStemmer); ok {
			return true
		}
	}
	return false
}
