package retrieval

import (
	"context"
	"hash/fnv"
	"math"
	"runtime"
	"sync"

	"golang.org/x/sync/errgroup"
)

// localDimensions is the size of the built-in embedder's vectors.
const localDimensions = 512

// localEmbedder is the built-in embedder: it needs no key, no model file and
// no network, so newsbot works on a fresh machine. It is lexical, not
// neural: stemmed words, word pairs and word-piece trigrams are hashed into a
// fixed-size vector with sublinear term weights. It finds paragraphs that
// share words and word forms with the question; BM25 carries most of the
// ranking quality beside it.
type localEmbedder struct {
	dims int
}

// NewLocalEmbedder returns the built-in embedder.
func NewLocalEmbedder() Embedder { return &localEmbedder{dims: localDimensions} }

// Info implements Embedder.
func (e *localEmbedder) Info() EmbedderInfo {
	return EmbedderInfo{Provider: "local", Model: "hash-v1", Dimensions: e.dims}
}

// Embed implements Embedder. It spreads large batches over the CPUs.
func (e *localEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	if len(texts) < 64 {
		for i, t := range texts {
			out[i] = e.embed(t)
		}
		return out, ctx.Err()
	}
	g, ctx := errgroup.WithContext(ctx)
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		g.Go(func() error {
			for i := w; i < len(texts); i += workers {
				if i%256 == 0 && ctx.Err() != nil {
					return ctx.Err()
				}
				out[i] = e.embed(texts[i])
			}
			return nil
		})
	}
	return out, g.Wait()
}

var hashPool = sync.Pool{New: func() any { return fnv.New64a() }}

func (e *localEmbedder) embed(text string) []float32 {
	counts := map[string]float32{}
	terms := analyze(text)
	for i, t := range terms {
		counts[t] += 1
		if i > 0 {
			counts[terms[i-1]+" "+t] += 0.6
		}
		if len(t) > 4 {
			w := "^" + t + "$"
			for j := 0; j+3 <= len(w); j++ {
				counts["#"+w[j:j+3]] += 0.25
			}
		}
	}
	v := make([]float32, e.dims)
	h := hashPool.Get().(interface {
		Reset()
		Write([]byte) (int, error)
		Sum64() uint64
	})
	defer hashPool.Put(h)
	for f, c := range counts {
		h.Reset()
		h.Write([]byte(f))
		s := h.Sum64()
		w := float32(1 + math.Log(float64(1+c)))
		if s>>63 == 1 {
			w = -w
		}
		v[s%uint64(e.dims)] += w
	}
	normalize(v)
	return v
}

func normalize(v []float32) {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 {
		return
	}
	n := float32(1 / math.Sqrt(sum))
	for i := range v {
		v[i] *= n
	}
}
