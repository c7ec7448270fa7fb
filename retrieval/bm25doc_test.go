package retrieval

import (
	"reflect"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	index "github.com/blevesearch/bleve_index_api"
)

// The documents docAnalyzer analyzes ahead of the batch index exactly what
// bleve's own analysis of the same paragraphs would: every field the same
// length and the same terms at the same positions, and the manifest's field
// lengths as the text analyzer counts them.
func TestPreAnalyzedDocsMatchBleve(t *testing.T) {
	m, err := bm25Mapping()
	if err != nil {
		t.Fatal(err)
	}
	cacheStems(m)
	an := newDocAnalyzer(m)
	if an.pairs == nil {
		t.Fatal("the word pairs are not made from the text tokens: the pair analyzer no longer extends the text analyzer")
	}
	arts := synthCorpus(t, synthOptions{Paragraphs: 60, Seed: 5, Nonces: true, GuildShare: 0.3})
	arts = append(arts, &Article{ID: "odd", Title: "The Mayor's Office: a “Review” of 2024", Source: "Le Monde — édition", Scope: GlobalScope,
		Paragraphs: []string{
			"It is the one that was said to be in the war, and then it was over.",
			"The council's vote (11–4) on the mayor's plan: naïve? Perhaps — but cafés, co-ops and e-mail won't wait.",
			"of the and to a in", // stop words only
			"Ünïcödé wörds, 数字 123 and 4.5% rates; don't split U.S. or ad-hoc.",
			"word",
		}})
	docs, entries, err := an.articles(arts)
	if err != nil {
		t.Fatal(err)
	}
	text := m.AnalyzerNamed(analyzerText)
	for i, a := range arts {
		if len(docs[i]) != len(a.Paragraphs) {
			t.Fatalf("%s: %d documents for %d paragraphs", a.ID, len(docs[i]), len(a.Paragraphs))
		}
		var want manifestEntry
		want.Hash, want.Paragraphs = indexHash(a), len(a.Paragraphs)
		titleLen, sourceLen := len(text.Analyze([]byte(a.Title))), len(text.Analyze([]byte(a.Source)))
		for j, p := range a.Paragraphs {
			n := len(text.Analyze([]byte(p)))
			want.Lengths[0] += n
			want.Lengths[1] += max(n-1, 0)
			want.Lengths[2] += titleLen
			want.Lengths[3] += sourceLen

			ref := document.NewDocument(ParagraphID(a.ID, j+1))
			if err := m.MapDocument(ref, bm25Doc{Text: p, Bigrams: p, Title: a.Title, Source: a.Source, Scope: a.Scope, Article: a.ID}); err != nil {
				t.Fatal(err)
			}
			got := docs[i][j]
			if got.ID() != ref.ID() || len(got.Fields) != len(ref.Fields) || len(got.CompositeFields) != len(ref.CompositeFields) {
				t.Fatalf("%s: document %q with %d fields, want %q with %d", a.ID, got.ID(), len(got.Fields), ref.ID(), len(ref.Fields))
			}
			for k, f := range ref.Fields { // before analysis, which lowercases a field's value in place
				g := got.Fields[k]
				if g.Name() != f.Name() || g.Options() != f.Options() || string(g.Value()) != string(f.Value()) ||
					g.NumPlainTextBytes() != f.NumPlainTextBytes() || !reflect.DeepEqual(g.ArrayPositions(), f.ArrayPositions()) {
					t.Fatalf("%s ¶%d: field %d is %s (%s), want %s (%s)", a.ID, j+1, k, g.Name(), g.Options(), f.Name(), f.Options())
				}
			}
			analyzeDoc(got)
			analyzeDoc(ref)
			for k, f := range ref.Fields {
				g := got.Fields[k]
				if g.AnalyzedLength() != f.AnalyzedLength() {
					t.Errorf("%s ¶%d %s: %d tokens, want %d", a.ID, j+1, f.Name(), g.AnalyzedLength(), f.AnalyzedLength())
				}
				if !reflect.DeepEqual(g.AnalyzedTokenFrequencies(), f.AnalyzedTokenFrequencies()) {
					t.Errorf("%s ¶%d %s: terms\n%v\nwant\n%v", a.ID, j+1, f.Name(), g.AnalyzedTokenFrequencies(), f.AnalyzedTokenFrequencies())
				}
			}
			for k, cf := range ref.CompositeFields {
				if !reflect.DeepEqual(got.CompositeFields[k].AnalyzedTokenFrequencies(), cf.AnalyzedTokenFrequencies()) {
					t.Errorf("%s ¶%d: composite %s differs", a.ID, j+1, cf.Name())
				}
			}
		}
		if entries[i] != want {
			t.Errorf("%s: manifest entry %+v, want %+v", a.ID, entries[i], want)
		}
	}
	// The text tokens are shared with the pairs and survive them.
	words := text.Analyze([]byte("the mayor's plan was voted down by the council"))
	before := analysis.TokenStream{}
	for _, w := range words {
		c := *w
		before = append(before, &c)
	}
	an.pairTokens(words)
	if !reflect.DeepEqual(words, before) {
		t.Errorf("making the pairs changed the words: %v, was %v", words, before)
	}
}

// analyzeDoc analyzes d's fields as scorch does before indexing it.
func analyzeDoc(d *document.Document) {
	d.VisitFields(func(f index.Field) {
		if f.Options().IsIndexed() {
			f.Analyze()
			d.VisitComposite(func(cf index.CompositeField) {
				cf.Compose(f.Name(), f.AnalyzedLength(), f.AnalyzedTokenFrequencies())
			})
		}
	})
}
