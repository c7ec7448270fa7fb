// Package retrievaltest makes synthetic news for tests and benchmarks:
// deterministic English-like articles and questions. Words follow a Zipf
// law over a fixed vocabulary (function words first, then news words, then
// a few thousand made-up words), with people, places and numbers mixed in,
// so that BM25 posting lists and vector sparsity look roughly like a real
// news library's.
//
// It imports none of newsbot's packages, so that retrieval's own tests can
// use it: callers turn a Doc into their article type.
package retrievaltest

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options describe a synthetic corpus.
type Options struct {
	Paragraphs int    // total paragraphs, spread over articles of 30 to 50
	Seed       uint64 // the same seed gives the same corpus
	// GuildShare is the share of articles in a guild's scope (Guilds); the
	// rest are in the shared library.
	GuildShare float64
	// Nonces plants Nonce(n) in paragraph n (counted from 0 over the whole
	// corpus), a word no other paragraph holds.
	Nonces bool
	// IDPrefix starts every article id and URL path; "synth" when empty.
	IDPrefix string
	// Stop reports the words that Gen.Words leaves out; nil means the
	// vocabulary's function words (FunctionWord).
	Stop func(word string) bool
}

// Guilds are the guild scopes of synthetic articles outside the shared
// library.
var Guilds = []string{"100000000000000001", "100000000000000002", "100000000000000003"}

// Doc is one synthetic article.
type Doc struct {
	ID, Title, URL, Source, Author string
	PublishedAt                    time.Time // zero for about one in twenty
	LoadedAt                       time.Time
	Guild                          string // "" for the shared library, else one of Guilds
	Paragraphs                     []string
}

// Corpus returns the articles of the corpus opts describes.
func Corpus(opts Options) []Doc {
	g := NewGen(opts.Seed, opts.Stop)
	var out []Doc
	for n := 0; n < opts.Paragraphs; {
		d := g.Article(opts, len(out), n, min(30+g.r.IntN(21), opts.Paragraphs-n))
		n += len(d.Paragraphs)
		out = append(out, d)
	}
	return out
}

// Size reports the total number of paragraphs in docs.
func Size(docs []Doc) int {
	n := 0
	for _, d := range docs {
		n += len(d.Paragraphs)
	}
	return n
}

// Sources are the outlets of synthetic articles.
var Sources = []string{"The Daily Ledger", "Northern Herald", "Coastal Times", "The Meridian Post", "Capital Wire",
	"Valley Chronicle", "The Harbour Review", "Global Dispatch", "The Evening Standard-Bearer", "Lakeside Observer"}

// Article returns article i of a corpus, with count paragraphs, the first of
// which is paragraph first of the corpus (for Options.Nonces).
func (g *Gen) Article(opts Options, i, first, count int) Doc {
	prefix := cmp.Or(opts.IDPrefix, "synth")
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	d := Doc{
		ID:       fmt.Sprintf("%s-%06d", prefix, i),
		Title:    g.Title(),
		URL:      "https://news.example/" + prefix + "/" + strconv.Itoa(i),
		Source:   Sources[g.r.IntN(len(Sources))],
		Author:   g.Name(),
		LoadedAt: base.AddDate(2, 0, 0),
	}
	if g.r.Float64() < 0.95 {
		d.PublishedAt = base.Add(time.Duration(g.r.IntN(2*365*24)) * time.Hour)
	}
	if g.r.Float64() < opts.GuildShare {
		d.Guild = Guilds[g.r.IntN(len(Guilds))]
	}
	d.Paragraphs = make([]string, count)
	for j := range d.Paragraphs {
		p := g.Paragraph()
		if opts.Nonces {
			p = strings.TrimSuffix(p, ".") + " " + Nonce(first+j) + "."
		}
		d.Paragraphs[j] = p
	}
	return d
}

// Nonce is a word that appears in synthetic paragraph n only. It ends in
// "x" so that no stemmer rule changes it and two nonces never meet.
func Nonce(n int) string { return "zq" + strconv.FormatInt(int64(n), 36) + "x" }

// Queries returns n varied questions drawn from the vocabulary: a few
// keywords, longer questions, names and places, common and rare words.
// stop is as Options.Stop.
func Queries(n int, seed uint64, stop func(string) bool) []string {
	g := NewGen(seed^0x9e3779b97f4a7c15, stop)
	out := make([]string, n)
	for i := range out {
		switch i % 4 {
		case 0: // keywords
			out[i] = g.Words(2 + g.r.IntN(3))
		case 1: // a question about a person
			out[i] = fmt.Sprintf("What did %s say about %s?", g.Name(), g.Words(2+g.r.IntN(3)))
		case 2: // a place and a topic
			out[i] = fmt.Sprintf("%s in %s", g.Words(1+g.r.IntN(3)), g.Place())
		default: // a long question
			out[i] = "Why " + g.Words(6+g.r.IntN(8)) + "?"
		}
	}
	return out
}

// Gen draws text from the vocabulary with its own random source.
type Gen struct {
	r    *rand.Rand
	zipf *rand.Zipf
	v    *vocab
	stop func(string) bool
}

// NewGen returns a generator; the same seed draws the same text. stop is
// as Options.Stop.
func NewGen(seed uint64, stop func(string) bool) *Gen {
	r := rand.New(rand.NewPCG(seed, 0x6e657773626f74)) // "newsbot"
	v := vocabulary()
	if stop == nil {
		stop = FunctionWord
	}
	return &Gen{r: r, zipf: rand.NewZipf(r, 1.07, 2, uint64(len(v.words)-1)), v: v, stop: stop}
}

// Rand is the generator's random source, for a caller's own draws in the
// same sequence.
func (g *Gen) Rand() *rand.Rand { return g.r }

func (g *Gen) word() string { return g.v.words[g.zipf.Uint64()] }

// Name is a person's first and last name.
func (g *Gen) Name() string {
	return g.v.first[g.r.IntN(len(g.v.first))] + " " + g.v.last[g.r.IntN(len(g.v.last))]
}

// Place is a city, country or region.
func (g *Gen) Place() string { return g.v.places[g.r.IntN(len(g.v.places))] }

func (g *Gen) number() string { return strconv.Itoa(g.r.IntN(2000) + 1) }

// Words returns n content words, leaving out the stop words.
func (g *Gen) Words(n int) string {
	ws := make([]string, 0, n)
	for len(ws) < n {
		if w := g.word(); !g.stop(w) {
			ws = append(ws, w)
		}
	}
	return strings.Join(ws, " ")
}

// Title is a headline of 4 to 9 content words, sometimes opened by a place.
func (g *Gen) Title() string {
	t := g.Words(4 + g.r.IntN(6))
	if g.r.IntN(2) == 0 {
		t = g.Place() + " " + t
	}
	return strings.ToUpper(t[:1]) + t[1:]
}

// Sentence returns one sentence of 8 to 30 words, sometimes opened by a
// person or a place.
func (g *Gen) Sentence() string {
	var b strings.Builder
	switch g.r.IntN(6) {
	case 0:
		b.WriteString(g.Name() + " said")
	case 1:
		b.WriteString("In " + g.Place() + ",")
	}
	for range 8 + g.r.IntN(23) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		switch x := g.r.IntN(100); {
		case x < 5:
			b.WriteString(g.Name())
		case x < 8:
			b.WriteString(g.Place())
		case x < 10:
			b.WriteString(g.number())
		default:
			b.WriteString(g.word())
		}
	}
	s := b.String()
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

// Paragraph returns one to four sentences on one line.
func (g *Gen) Paragraph() string {
	ss := make([]string, 1+g.r.IntN(4))
	for i := range ss {
		ss[i] = g.Sentence()
	}
	return strings.Join(ss, " ")
}

// Question asks about a few content words of paragraph p, phrased in one
// of four ways chosen by i: keywords, a person, a place, a long question.
func (g *Gen) Question(p string, i int) string {
	terms := strings.Fields(strings.Map(func(r rune) rune {
		if r == '.' || r == ',' {
			return ' '
		}
		return r
	}, p))
	var ws []string
	for _, w := range terms {
		if len(w) > 3 && !g.stop(strings.ToLower(w)) {
			ws = append(ws, w)
		}
	}
	g.r.Shuffle(len(ws), func(a, b int) { ws[a], ws[b] = ws[b], ws[a] })
	pick := strings.Join(ws[:min(len(ws), 3+g.r.IntN(3))], " ")
	switch i % 4 {
	case 0:
		return pick
	case 1:
		return fmt.Sprintf("What did %s say about %s?", g.Name(), pick)
	case 2:
		return fmt.Sprintf("What happened with %s in %s this week?", pick, g.Place())
	default:
		return fmt.Sprintf("Why is everyone talking about %s and %s?", pick, g.Words(2))
	}
}

// FunctionWord reports whether w is one of the vocabulary's function
// words ("the", "of", "said", …), which carry no topic.
func FunctionWord(w string) bool { return functionWords()[w] }

var functionWords = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`the of and to a in that is for on was with he it as at by from his be have has
		are an not this but they were had been which who their or its will would said after also more one about
		there when we into all other up some out could can her no most only before should may while against under
		during since between told`) {
		m[w] = true
	}
	return m
})

// vocab is the fixed vocabulary, in Zipf rank order.
type vocab struct {
	words, first, last, places []string
}

var vocabulary = sync.OnceValue(func() *vocab {
	v := &vocab{
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
