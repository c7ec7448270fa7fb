package bot

// Benchmarks of answering over a synthetic library of 10k paragraphs with
// the built-in embedder. They run on demand:
//
//	go test -run XXX -bench 'PreparePrompt|AskExtractive' -benchtime 50x ./bot/
//
// Each benchmark builds its library in a temp dir first (a few seconds,
// not timed). The model is a fake server on 127.0.0.1 and is never called.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsbot/newsbot/bot/modeltest"
	"github.com/newsbot/newsbot/retrieval"
)

// benchParagraphs is the size of the benchmark library.
const benchParagraphs = 10_000

// BenchmarkPreparePrompt measures the time from a question to a prompt
// ready for the model: retrieval, the relevance check, the token budget
// and rendering ("full"), and the two halves on their own.
func BenchmarkPreparePrompt(b *testing.B) {
	st, qs := benchLibrary(b, benchParagraphs)
	srv := modeltest.New(b)
	bot, err := New(st, NewModel(srv.Client(), "gpt-4o-mini", ModelOptions{}), nil, Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	search := func(q string) []retrieval.Hit {
		hits, err := bot.store.Search(ctx, retrieval.Query{Text: q, K: bot.opts.Sources, Scope: retrieval.GlobalScope})
		if err != nil {
			b.Fatal(err)
		}
		return hits
	}
	prepare := func(q string, hits []retrieval.Hit) int {
		_, cands, err := bot.evidence(ctx, q, hits, time.Time{})
		if err != nil {
			b.Fatal(err)
		}
		relevant := bearing(hits, cands, 0)
		if len(relevant) == 0 {
			b.Fatalf("nothing relevant to %q", q)
		}
		p, err := bot.preparePrompt(q, q, nil, relevant, time.Now(), "")
		if err != nil {
			b.Fatal(err)
		}
		return len(p.refs)
	}
	b.Run("full", func(b *testing.B) {
		paras := 0
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			q := qs[i%len(qs)]
			paras += prepare(q, search(q))
		}
		b.ReportMetric(float64(paras)/float64(b.N), "paragraphs/op")
	})
	b.Run("search", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			search(qs[i%len(qs)])
		}
	})
	b.Run("prompt", func(b *testing.B) {
		hits := make([][]retrieval.Hit, len(qs))
		for i, q := range qs {
			hits[i] = search(q)
		}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			prepare(qs[i%len(qs)], hits[i%len(qs)])
		}
	})
}

// BenchmarkAskExtractive measures a whole Ask without a model: retrieval,
// the evidence check and the quoted answer.
func BenchmarkAskExtractive(b *testing.B) {
	benchAskExtractive(b, benchParagraphs)
}

// BenchmarkAskExtractiveLarge is BenchmarkAskExtractive over a library as
// large as the newsbench corpus (126,574 paragraphs). Building it takes
// minutes:
//
//	go test -run XXX -bench AskExtractiveLarge -benchtime 200x -timeout 60m ./bot/
func BenchmarkAskExtractiveLarge(b *testing.B) {
	benchAskExtractive(b, 126_574)
}

func benchAskExtractive(b *testing.B, paragraphs int) {
	st, qs := benchLibrary(b, paragraphs)
	bot, err := New(st, nil, nil, Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	cited, abstained := 0, 0
	var times []time.Duration
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		a, err := bot.Ask(ctx, Question{Text: qs[i%len(qs)]}, nil)
		times = append(times, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		if len(a.Citations) == 0 {
			b.Fatalf("no quote for %q", qs[i%len(qs)])
		}
		if a.Abstained {
			abstained++ // made-up words spread over sentences: the closest passages are quoted
		}
		cited += len(a.Citations)
	}
	// The median, beside the mean of ns/op: a few slow questions (many
	// candidates, long paragraphs) should not hide the usual one.
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(times[len(times)*9/10].Microseconds())/1000, "p90-ms")
	b.ReportMetric(float64(cited)/float64(b.N), "citations/op")
	b.ReportMetric(float64(abstained)/float64(b.N), "abstained/op")
}

// benchLibrary builds a store of about n synthetic paragraphs in a temp dir
// the way newsbot does, from article files, and returns it with 64
// questions that each have a relevant paragraph in it.
func benchLibrary(b *testing.B, n int) (*retrieval.Store, []string) {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "articles"), 0o755); err != nil {
		b.Fatal(err)
	}
	g := newBenchGen(2026)
	var arts []*retrieval.Article
	for done := 0; done < n; {
		a := g.article(len(arts), min(30+g.r.IntN(21), n-done))
		data, err := retrieval.MarshalArticle(a)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "articles", a.ID+".md"), data, 0o644); err != nil {
			b.Fatal(err)
		}
		arts = append(arts, a)
		done += len(a.Paragraphs)
	}
	st, _, err := retrieval.OpenStore(ctx, dir, retrieval.NewLocalEmbedder(), retrieval.StoreOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if st.Len() != len(arts) {
		b.Fatalf("library holds %d articles, want %d", st.Len(), len(arts))
	}
	qs := make([]string, 64)
	for i := range qs {
		a := arts[g.r.IntN(len(arts))]
		qs[i] = g.question(a.Paragraphs[g.r.IntN(len(a.Paragraphs))], i)
	}
	return st, qs
}

// benchGen makes deterministic English-like news: words follow a Zipf law
// over function words, news words and made-up words, with names, places
// and numbers mixed in, so posting lists and vectors look roughly like a
// real library's.
type benchGen struct {
	r    *rand.Rand
	zipf *rand.Zipf
	v    *benchVocab
}

func newBenchGen(seed uint64) *benchGen {
	r := rand.New(rand.NewPCG(seed, 0x6e657773626f74))
	v := benchVocabulary()
	return &benchGen{r: r, zipf: rand.NewZipf(r, 1.07, 2, uint64(len(v.words)-1)), v: v}
}

var benchSources = []string{"The Daily Ledger", "Northern Herald", "Coastal Times", "The Meridian Post", "Capital Wire"}

// article returns article i with count paragraphs.
func (g *benchGen) article(i, count int) *retrieval.Article {
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	title := g.words(4 + g.r.IntN(6))
	a := &retrieval.Article{
		ID:          fmt.Sprintf("bench-%05d", i),
		Title:       strings.ToUpper(title[:1]) + title[1:],
		URL:         "https://news.example/bench/" + strconv.Itoa(i),
		Source:      benchSources[g.r.IntN(len(benchSources))],
		Author:      g.name(),
		PublishedAt: base.Add(time.Duration(g.r.IntN(2*365*24)) * time.Hour),
		LoadedAt:    base.AddDate(2, 0, 0),
		Scope:       retrieval.GlobalScope,
		Paragraphs:  make([]string, count),
	}
	for j := range a.Paragraphs {
		ss := make([]string, 1+g.r.IntN(4))
		for k := range ss {
			ss[k] = g.sentence()
		}
		a.Paragraphs[j] = strings.Join(ss, " ")
	}
	return a
}

// question asks about a few content words of paragraph p, phrased in one
// of four ways.
func (g *benchGen) question(p string, i int) string {
	terms := strings.Fields(strings.Map(func(r rune) rune {
		if r == '.' || r == ',' {
			return ' '
		}
		return r
	}, p))
	var ws []string
	for _, w := range terms {
		if len(w) > 3 && !g.v.function[strings.ToLower(w)] {
			ws = append(ws, w)
		}
	}
	g.r.Shuffle(len(ws), func(a, b int) { ws[a], ws[b] = ws[b], ws[a] })
	pick := strings.Join(ws[:min(len(ws), 3+g.r.IntN(3))], " ")
	switch i % 4 {
	case 0:
		return pick
	case 1:
		return fmt.Sprintf("What did %s say about %s?", g.name(), pick)
	case 2:
		return fmt.Sprintf("What happened with %s in %s this week?", pick, g.place())
	default:
		return fmt.Sprintf("Why is everyone talking about %s and %s?", pick, g.words(2))
	}
}

func (g *benchGen) name() string {
	return g.v.first[g.r.IntN(len(g.v.first))] + " " + g.v.last[g.r.IntN(len(g.v.last))]
}

func (g *benchGen) place() string { return g.v.places[g.r.IntN(len(g.v.places))] }

// words returns n words that are not function words.
func (g *benchGen) words(n int) string {
	ws := make([]string, 0, n)
	for len(ws) < n {
		if w := g.v.words[g.zipf.Uint64()]; !g.v.function[w] {
			ws = append(ws, w)
		}
	}
	return strings.Join(ws, " ")
}

// sentence returns one sentence of 8 to 30 words.
func (g *benchGen) sentence() string {
	var b strings.Builder
	switch g.r.IntN(6) {
	case 0:
		b.WriteString(g.name() + " said")
	case 1:
		b.WriteString("In " + g.place() + ",")
	}
	for range 8 + g.r.IntN(23) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		switch x := g.r.IntN(100); {
		case x < 5:
			b.WriteString(g.name())
		case x < 8:
			b.WriteString(g.place())
		case x < 10:
			b.WriteString(strconv.Itoa(g.r.IntN(2000) + 1))
		default:
			b.WriteString(g.v.words[g.zipf.Uint64()])
		}
	}
	s := b.String()
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

// benchVocab is the generator's fixed vocabulary; words are in Zipf rank
// order.
type benchVocab struct {
	words, first, last, places []string
	function                   map[string]bool
}

var benchVocabulary = sync.OnceValue(func() *benchVocab {
	function := strings.Fields(`the of and to a in that is for on was with he it as at by from his be have has
		are an not this but they were had been which who their or its will would said after also more one about
		there when we into all other up some out could can her no most only before should may while against under
		during since between told`)
	v := &benchVocab{
		first:    strings.Fields(`Anna Boris Carla Dmitri Elena Farid Greta Hassan Ingrid Jonas Lars Maria Olga Pedro Rosa Sergei Vera Wei Yusuf Zofia`),
		last:     strings.Fields(`Ivanova Petrov Schmidt Garcia Nakamura Okafor Rossi Kowalski Haddad Novak Moreau Silva Tanaka Mensah Fischer Kim`),
		places:   strings.Fields(`Moscow Kyiv Berlin Paris London Washington Beijing Tokyo Delhi Cairo Lagos Nairobi Brussels Geneva Warsaw Ankara Gaza Seoul Ottawa Madrid`),
		function: map[string]bool{},
	}
	for _, w := range function {
		v.function[w] = true
	}
	v.words = slices.Concat(function, strings.Fields(`year years new two first over than last government people percent time
		state country president minister police city week month day former election vote parliament court law
		report war military forces troops attack ceasefire talks peace agreement deal sanctions economy market
		prices inflation bank rates budget tax energy oil gas climate emissions company workers union strike
		health hospital vaccine school students university research data technology security border migrants
		protest opposition party leader campaign voters coalition ministry spokesman statement analysts experts
		investigation charges trial judge prosecutors prison crime victims killed missile drone region national
		international foreign public policy plan funding billion million dollars trade exports growth recession
		jobs housing food water drought flood storm wildfire earthquake disaster aid crisis emergency conference
		summit negotiations ambassador treaty alliance council resolution envoy operation village capital
		residents families children community festival museum film football team season coach players stadium
		record shares investors profit revenue industry factory supply shortage fuel electricity nuclear power
		solar wind coal mining railway airport flights shipping navy coast river bridge traffic accident`))
	seen := map[string]bool{}
	for _, w := range v.words {
		seen[w] = true
	}
	r := rand.New(rand.NewPCG(1, 2))
	onsets := strings.Fields("b br c ch cr d dr f fl g gr h j k l m n p pl pr r s sh st t tr v w z")
	vowels := strings.Fields("a e i o u ai ea io ou")
	codas := []string{"", "", "", "n", "r", "s", "t", "l", "m", "nd", "st", "ck"}
	suffixes := []string{"", "", "", "", "tion", "ment", "ing", "ed", "er", "s", "ity", "al", "ly"}
	for len(v.words) < 3500 { // made-up words for the long tail
		var b strings.Builder
		for range 1 + r.IntN(3) {
			b.WriteString(onsets[r.IntN(len(onsets))] + vowels[r.IntN(len(vowels))] + codas[r.IntN(len(codas))])
		}
		b.WriteString(suffixes[r.IntN(len(suffixes))])
		if w := b.String(); len(w) > 3 && !seen[w] {
			seen[w] = true
			v.words = append(v.words, w)
		}
	}
	return v
})
