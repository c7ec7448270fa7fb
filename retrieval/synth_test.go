package retrieval

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/newsbot/newsbot/retrieval/retrievaltest"
)

// The synthetic corpus of the benchmarks and the large-library tests is
// retrievaltest's, drawn with this package's stop words so that its
// content words are the ones the index keeps.

// synthOptions describe a synthetic corpus (retrievaltest.Options).
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
var synthGuilds = retrievaltest.Guilds

// isStopWord is this package's stop list, as retrievaltest asks for it.
func isStopWord(w string) bool { return stopWords[w] }

// synthCorpus returns the articles of the corpus opts describes, valid and
// ready for Library.Put, Index.Sync or Store.Add.
func synthCorpus(tb testing.TB, opts synthOptions) []*Article {
	tb.Helper()
	docs := retrievaltest.Corpus(opts.options())
	out := make([]*Article, len(docs))
	for i, d := range docs {
		out[i] = synthArticle(d)
		if err := out[i].Validate(); err != nil {
			tb.Fatalf("synthetic article %d: %v", i, err)
		}
	}
	return out
}

// options are opts as retrievaltest takes them.
func (opts synthOptions) options() retrievaltest.Options {
	return retrievaltest.Options{Paragraphs: opts.Paragraphs, Seed: opts.Seed, GuildShare: opts.GuildShare,
		Nonces: opts.Nonces, IDPrefix: opts.IDPrefix, Stop: isStopWord}
}

// synthArticle is a synthetic document as an article.
func synthArticle(d retrievaltest.Doc) *Article {
	a := &Article{ID: d.ID, Title: d.Title, URL: d.URL, Source: d.Source, Author: d.Author,
		PublishedAt: d.PublishedAt, LoadedAt: d.LoadedAt, Scope: GlobalScope, Paragraphs: d.Paragraphs}
	if d.Guild != "" {
		a.Scope = d.Guild
	}
	return a
}

// newSynthGen draws synthetic text with this package's stop words.
func newSynthGen(seed uint64) *retrievaltest.Gen { return retrievaltest.NewGen(seed, isStopWord) }

// synthNonce is a word that appears in synthetic paragraph n only.
func synthNonce(n int) string { return retrievaltest.Nonce(n) }

// synthQueries returns n varied questions drawn from the corpus vocabulary.
func synthQueries(n int, seed uint64) []string { return retrievaltest.Queries(n, seed, isStopWord) }

// synthSize reports the total number of paragraphs in articles.
func synthSize(articles []*Article) int {
	n := 0
	for _, a := range articles {
		n += len(a.Paragraphs)
	}
	return n
}

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
