package retrieval

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The synthetic corpus: deterministic English-like news for the benchmarks
// and the large-library test. Words follow a Zipf law over a fixed
// vocabulary (function words first, then news words, then a few thousand
// made-up words), with people, places and numbers mixed in, so that BM25
// posting lists and vector sparsity look roughly like a real news library.

// synthOptions describe a synthetic corpus.
type synthOptions struct {
	Paragraphs int    // total paragraphs, spread over articles of about 40
	Seed       uint64 // the same seed gives the same corpus
	// GuildShare is the share of articles in guild scopes (synthGuilds);
	// the rest are in GlobalScope.
	GuildShare float64
	// Nonces plants synthNonce(n) in paragraph n (counted from 0 over the
	// whole corpus), a word no other paragraph holds.
	Nonces bool
	// IDPrefix starts every article id and URL path; "synth" when empty.
	IDPrefix string
}

// synthGuilds are the guild scopes of synthetic articles outside GlobalScope.
var synthGuilds = []string{"100000000000000001", "100000000000000002", "100000000000000003"}

// synthCorpus returns the articles of the corpus opts describes, valid and
// ready for Library.Put, Index.Sync or Store.Add.
func synthCorpus(tb testing.TB, opts synthOptions) []*Article {
	tb.Helper()
	g := newSynthGen(opts.Seed)
	var out []*Article
	for n := 0; n < opts.Paragraphs; {
		a := g.article(opts, len(out), n, min(30+g.r.IntN(21), opts.Paragraphs-n))
		if err := a.Validate(); err != nil {
			tb.Fatalf("synthetic article %d: %v", len(out), err)
		}
		n += len(a.Paragraphs)
		out = append(out, a)
	}
	return out
}

var synthSources = []string{"The Daily Ledger", "Northern Herald", "Coastal Times", "The Meridian Post", "Capital Wire",
	"Valley Chronicle", "The Harbour Review", "Global Dispatch", "The Evening Standard-Bearer", "Lakeside Observer"}

// article returns article i of a corpus, with count paragraphs, the first of
// which is paragraph first of the corpus.
func (g *synthGen) article(opts synthOptions, i, first, count int) *Article {
	prefix := cmp.Or(opts.IDPrefix, "synth")
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	a := &Article{
		ID:       fmt.Sprintf("%s-%06d", prefix, i),
		Title:    g.title(),
		URL:      "https://news.example/" + prefix + "/" + strconv.Itoa(i),
		Source:   synthSources[g.r.IntN(len(synthSources))],
		Author:   g.name(),
		LoadedAt: base.AddDate(2, 0, 0),
		Scope:    GlobalScope,
	}
	if g.r.Float64() < 0.95 {
		a.PublishedAt = base.Add(time.Duration(g.r.IntN(2*365*24)) * time.Hour)
	}
	if g.r.Float64() < opts.GuildShare {
		a.Scope = synthGuilds[g.r.IntN(len(synthGuilds))]
	}
	a.Paragraphs = make([]string, count)
	for j := range a.Paragraphs {
		p := g.paragraph()
		if opts.Nonces {
			p = strings.TrimSuffix(p, ".") + " " + synthNonce(first+j) + "."
		}
		a.Paragraphs[j] = p
	}
	return a
}

// synthNonce is a word that appears in synthetic paragraph n only. It ends
// in "x" so that no stemmer rule changes it and two nonces never meet.
func synthNonce(n int) string { return "zq" + strconv.FormatInt(int64(n), 36) + "x" }

// synthQueries returns n varied questions drawn from the corpus vocabulary:
// a few keywords, longer questions, names and places, common and rare words.
func synthQueries(n int, seed uint64) []string {
	g := newSynthGen(seed ^ 0x9e3779b97f4a7c15)
	out := make([]string, n)
	for i := range out {
		switch i % 4 {
		case 0: // keywords
			out[i] = g.words(2 + g.r.IntN(3))
		case 1: // a question about a person
			out[i] = fmt.Sprintf("What did %s say about %s?", g.name(), g.words(2+g.r.IntN(3)))
		case 2: // a place and a topic
			out[i] = fmt.Sprintf("%s in %s", g.words(1+g.r.IntN(3)), g.place())
		default: // a long question
			out[i] = "Why " + g.words(6+g.r.IntN(8)) + "?"
		}
	}
	return out
}

// synthSize reports the total number of paragraphs in articles.
func synthSize(articles []*Article) int {
	n := 0
	for _, a := range articles {
		n += len(a.Paragraphs)
	}
	return n
}

// synthGen draws text from the vocabulary with its own random source.
type synthGen struct {
	r    *rand.Rand
	zipf *rand.Zipf
	v    *synthVocab
}

func newSynthGen(seed uint64) *synthGen {
	r := rand.New(rand.NewPCG(seed, 0x6e657773626f74)) // "newsbot"
	v := synthVocabulary()
	return &synthGen{r: r, zipf: rand.NewZipf(r, 1.07, 2, uint64(len(v.words)-1)), v: v}
}

func (g *synthGen) word() string { return g.v.words[g.zipf.Uint64()] }
func (g *synthGen) name() string {
	return g.v.first[g.r.IntN(len(g.v.first))] + " " + g.v.last[g.r.IntN(len(g.v.last))]
}
func (g *synthGen) place() string  { return g.v.places[g.r.IntN(len(g.v.places))] }
func (g *synthGen) number() string { return strconv.Itoa(g.r.IntN(2000) + 1) }

// words returns n content words, skipping function words.
func (g *synthGen) words(n int) string {
	ws := make([]string, 0, n)
	for len(ws) < n {
		if w := g.word(); !stopWords[w] {
			ws = append(ws, w)
		}
	}
	return strings.Join(ws, " ")
}

func (g *synthGen) title() string {
	t := g.words(4 + g.r.IntN(6))
	if g.r.IntN(2) == 0 {
		t = g.place() + " " + t
	}
	return strings.ToUpper(t[:1]) + t[1:]
}

// sentence returns one sentence of 8 to 30 words, sometimes opened by a
// person or a place.
func (g *synthGen) sentence() string {
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
			b.WriteString(g.number())
		default:
			b.WriteString(g.word())
		}
	}
	s := b.String()
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

// paragraph returns one to four sentences on one line.
func (g *synthGen) paragraph() string {
	ss := make([]string, 1+g.r.IntN(4))
	for i := range ss {
		ss[i] = g.sentence()
	}
	return strings.Join(ss, " ")
}

// synthVocab is the fixed vocabulary, in Zipf rank order.
type synthVocab struct {
	words, first, last, places []string
}

var synthVocabulary = sync.OnceValue(func() *synthVocab {
	v := &synthVocab{
		first: strings.Fields(`Anna Boris Carla Dmitri Elena Farid Greta Hassan Ingrid Jonas Kamala Lars Maria Nikolai
			Olga Pedro Quentin Rosa Sergei Tanja Ulrich Vera Wei Ximena Yusuf Zofia Ahmed Beatriz Chen Daria Emeka
			Fatima Giorgio Hana Ivan Julia Kenji Leila Mateo Nadia Omar Priya Rafael Sofia Tomas Amara Bruno Clara`),
		last: strings.Fields(`Ivanova Petrov Schmidt Garcia Nakamura Okafor Rossi Kowalski Haddad Lindqvist Novak
			Moreau Silva Tanaka Mensah Fischer Romero Horvath Jensen Popescu Kaya Abadi Dubois Costa Murphy Kim
			Nguyen Santos Weber Yilmaz Bauer Ortega Larsen Adeyemi Volkov Ferreira Sato Lopez Meyer Hughes Clarke
			Bianchi Ahmadi Patel Rahman Sokolov Varga Eriksen Mahmoud Castillo Brandt Quinn Okonkwo Zhang`),
		places: strings.Fields(`Moscow Kyiv Berlin Paris London Washington Beijing Tokyo Delhi Cairo Lagos Nairobi Brussels
			Geneva Vienna Warsaw Ankara Tehran Riyadh Jerusalem Gaza Damascus Baghdad Kabul Islamabad Dhaka Jakarta
			Manila Seoul Canberra Ottawa Mexico Brasilia Lima Bogota Santiago Havana Madrid Rome Athens Lisbon Dublin
			Oslo Stockholm Helsinki Tallinn Riga Vilnius Minsk Tbilisi Yerevan Baku Astana Tashkent Kharkiv Odesa
			Donetsk Crimea Siberia Texas California Bavaria Catalonia Scotland Sahel Arctic Balkans`),
	}
	v.words = strings.Fields(`the of and to a in that is for on was with he it as at by from his be have has
		are an not this but they were had been which who their or its will would said after also more new one
		about there two first over than when we into all other up some out could last year can her years no
		most only before government people says should time may percent while against under during since
		between told officials state country president minister police city week month day former`)
	v.words = append(v.words, strings.Fields(`election vote parliament court law report war military forces troops
		attack ceasefire talks peace agreement deal sanctions economy market prices inflation bank rates budget
		tax energy oil gas climate emissions company companies workers union strike health hospital virus
		vaccine school students university research scientists data technology internet social media security
		border migrants refugees protest protesters opposition party leader campaign candidates voters coalition
		ministry spokesman spokeswoman statement interview analysts experts investigation charges trial judge
		prosecutors prison sentence crime victims killed wounded missile drone strike region regional local
		national international global foreign domestic public private policy plan program funding billion
		million dollars euros trade exports imports growth recession jobs unemployment housing rent food
		water drought flood storm wildfire earthquake disaster aid humanitarian crisis emergency conference
		summit meeting negotiations delegation ambassador embassy treaty alliance nato united nations council
		resolution secretary general envoy mission operation offensive frontline village town capital province
		district residents families children women men community church mosque festival museum film music
		football match team season championship coach players fans stadium record sales shares investors
		profit loss quarter revenue industry factory production supply chain shortage fuel electricity grid
		nuclear plant reactor power solar wind renewable coal mining minerals gold copper railway airport
		flights airline port shipping cargo vessel navy coast sea river bridge road traffic accident`)...)
	seen := map[string]bool{}
	for _, w := range v.words {
		seen[w] = true
	}
	r := rand.New(rand.NewPCG(1, 2))
	onsets := strings.Fields("b br c ch cr d dr f fl g gr h j k l m n p pl pr r s sh st t tr v w z")
	vowels := strings.Fields("a e i o u ai ea io ou")
	codas := []string{"", "", "", "n", "r", "s", "t", "l", "m", "nd", "st", "ck"}
	suffixes := []string{"", "", "", "", "tion", "ment", "ing", "ed", "er", "s", "ity", "al", "ly"}
	for len(v.words) < 3500 {
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

// synthEmbedder is a cheap test embedder: a unit vector of a few dimensions
// drawn from the SHA-256 of the text. It keeps the vector file of a large
// library small; similar texts get unrelated vectors, so it only proves
// that vectors are stored and found, not that search is any good.
type synthEmbedder struct{ dims int }

func (e synthEmbedder) Info() EmbedderInfo {
	return EmbedderInfo{Provider: "test", Model: "sha256", Dimensions: e.dims}
}

func (e synthEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = e.vector(t)
	}
	return out, ctx.Err()
}

func (e synthEmbedder) vector(text string) []float32 {
	sum := sha256.Sum256([]byte(text))
	r := rand.New(rand.NewPCG(binary.LittleEndian.Uint64(sum[:8]), binary.LittleEndian.Uint64(sum[8:16])))
	v := make([]float32, e.dims)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	normalize(v)
	return v
}

// sameVector reports whether a and b are equal up to float32 rounding
// (chromem-go renormalizes vectors that are not unit length to 1e-6).
func sameVector(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > 1e-5 {
			return false
		}
	}
	return true
}
