package retrieval

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"
)

// Limits on a query.
const (
	MaxK             = 50
	maxQueryChars    = 2000 // characters (runes), as the refusal says, not bytes
	candidatesPerLeg = 100
)

// Query asks for the paragraphs that bear on Text.
type Query struct {
	Text      string
	K         int       // how many hits; 1..MaxK
	Scope     string    // GlobalScope or a guild id: the guild's articles plus the global ones
	ArticleID string    // optional: search one article only
	Since     time.Time // optional: articles published (or loaded) at or after
	Until     time.Time // optional: articles published (or loaded) before
	// Now is the moment the question is asked, which "this week" and
	// "recently" count from and newer articles are preferred by; zero
	// means the clock. Articles dated after Now are never preferred.
	Now time.Time
	// Lexical searches with BM25 alone, whatever the index's fusion: no
	// embeddings call, so an answer that must come within a deadline
	// (Discord's autocomplete) never waits on an embeddings server.
	Lexical bool
}

// Hit is one paragraph found by Search, with its article's metadata.
type Hit struct {
	Article   *Article
	Paragraph int // 1-based
	Text      string
	Score     float64
	// Similarity is the cosine similarity of the question's vector and the
	// paragraph's: a judge of relevance that needs no shared word when the
	// embedder is a neural model. Zero when the question has no vector.
	Similarity float64
}

// ID returns the hit's paragraph id.
func (h Hit) ID() string { return ParagraphID(h.Article.ID, h.Paragraph) }

// ErrBadQuery marks a query a person must fix; errors.Is matches every
// *QueryError to it.
var ErrBadQuery = errors.New("bad query")

// QueryError is a query a person must fix. Reason says how, as a phrase a
// person reads; Error adds the "bad query" prefix for the log.
type QueryError struct{ Reason string }

func (e *QueryError) Error() string { return ErrBadQuery.Error() + ": " + e.Reason }

// UserMessage returns the reason, for a person.
func (e *QueryError) UserMessage() string { return e.Reason }

// Is makes errors.Is(err, ErrBadQuery) true.
func (e *QueryError) Is(target error) bool { return target == ErrBadQuery }

// Check validates q and fills in defaults.
func (q *Query) Check() error {
	q.Text = strings.TrimSpace(q.Text)
	if q.Scope == "" {
		q.Scope = GlobalScope
	}
	if q.Now.IsZero() {
		q.Now = time.Now()
	}
	switch {
	case q.Text == "":
		return &QueryError{"the question is empty"}
	case utf8.RuneCountInString(q.Text) > maxQueryChars:
		return &QueryError{fmt.Sprintf("the question is longer than %d characters", maxQueryChars)}
	case q.K < 1 || q.K > MaxK:
		return &QueryError{fmt.Sprintf("k must be between 1 and %d", MaxK)}
	case !validScope(q.Scope):
		return &QueryError{fmt.Sprintf("unknown scope %q: use %q or a Discord server id", q.Scope, GlobalScope)}
	}
	return nil
}

// scored is a paragraph id with a score from one leg of the search.
type scored struct {
	id    string
	score float64
}

// Fusion chooses how the BM25 and vector rankings are combined.
type Fusion int

// The fusion methods. fusionLinear is the default.
const (
	fusionLinear  Fusion = iota // BM25 share of the best score plus weighted cosine similarity
	fusionRRF                   // weighted reciprocal rank fusion
	fusionBM25                  // BM25 alone
	fusionVectors               // vectors alone
)

// ParseFusion reads a fusion method's name: linear, rrf, bm25 or vectors.
func ParseFusion(s string) (Fusion, error) {
	for f, name := range fusionNames {
		if name == s {
			return Fusion(f), nil
		}
	}
	return 0, fmt.Errorf("fusion must be linear, rrf, bm25 or vectors, not %q", s)
}

var fusionNames = []string{"linear", "rrf", "bm25", "vectors"}

func (f Fusion) String() string {
	if int(f) < len(fusionNames) {
		return fusionNames[f]
	}
	return fmt.Sprintf("Fusion(%d)", int(f))
}

// rrfK damps the weight of top ranks in reciprocal rank fusion; 60 is the
// value of the original paper and works across collections.
const rrfK = 60

// fusionWeights weigh the two legs in reciprocal rank fusion. With the
// built-in lexical embedder BM25 is the stronger leg.
var fusionWeights = struct{ bm25, vectors float64 }{1, 0.5}

// Search returns the top-k paragraphs for q from the fusion of BM25 and
// vector rankings, limited to what q.Scope may see.
//
// A BM25 index that turns out damaged while open (bleve panicked or failed
// on its files) is rebuilt from the articles and the search run again.
func (ix *Index) Search(ctx context.Context, q Query) ([]Hit, error) {
	hits, err := ix.search(ctx, q)
	if errors.Is(err, errIndexDamaged) && !ix.opts.ReadOnly && ix.mem == nil {
		if herr := ix.healBM25(ctx, err); herr != nil {
			return nil, fmt.Errorf("%w (rebuilding it failed: %w)", err, herr)
		}
		return ix.search(ctx, q)
	}
	return hits, err
}

func (ix *Index) search(ctx context.Context, q Query) ([]Hit, error) {
	if err := q.Check(); err != nil {
		return nil, err
	}
	if q.ArticleID != "" {
		ix.mu.RLock()
		a, ok := ix.articles[q.ArticleID]
		ix.mu.RUnlock()
		if !ok || !visibleTo(a.Scope, q.Scope) {
			return nil, fmt.Errorf("article %s: %w", q.ArticleID, ErrNotFound)
		}
	}
	// Time words are read, not matched: "this week" names a period and
	// would otherwise match every paragraph that says "this week".
	frame, text := TimeFrame{}, q.Text
	if readTime {
		frame, text = ParseTime(q.Text, q.Now)
		if strings.TrimSpace(text) == "" {
			text = q.Text
		}
	}
	n := candidatesPerLeg
	if !q.Since.IsZero() || !q.Until.IsZero() {
		n *= 5 // the date filter is applied after retrieval
	}
	var (
		lex, vec []scored
		qvec     []float32
		cover    map[string]float64
	)
	fusion := ix.opts.Fusion
	if q.Lexical {
		fusion = fusionBM25
	}
	g, gctx := errgroup.WithContext(ctx)
	if fusion != fusionVectors {
		g.Go(func() (err error) {
			if lex, err = ix.lexical().search(gctx, text, n, q.Scope, q.ArticleID); err != nil {
				return err
			}
			// Coverage needs only BM25's ranking: measured here, it
			// overlaps a neural embedder's scan instead of following it.
			lex = ix.contextBoost(lex)
			cover, err = ix.coverage(gctx, lex, text)
			return err
		})
	}
	if fusion != fusionBM25 {
		g.Go(func() error {
			v, err := ix.emb.Embed(gctx, []string{text})
			if err != nil {
				return fmt.Errorf("embed query: %w", err)
			}
			qvec = v[0]
			if fusion == fusionLinear && !ix.scan {
				return nil // candidates come from BM25; fuseLinear scores their vectors
			}
			vec, err = ix.vectorSearch(gctx, qvec, q, n)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if len(lex) == 0 && vec == nil && qvec != nil {
		// No word in common: the nearest vectors are still the closest
		// paragraphs there are.
		var err error
		if vec, err = ix.vectorSearch(ctx, qvec, q, n); err != nil {
			return nil, err
		}
	}
	lex = coordinate(lex, cover)
	var fused []scored
	switch fusion {
	case fusionLinear:
		fused = ix.fuseLinear(ctx, lex, vec, qvec)
	case fusionRRF:
		fused = fuseRRF(lex, vec)
	case fusionBM25:
		fused = lex
	case fusionVectors:
		fused = vec
	}
	if readTime {
		fused = ix.applyTime(fused, newTimePrior(q.Now, frame), cover)
	}
	return ix.hits(fused, q, qvec), nil
}

// vectorSearch ranks the paragraphs visible from q.Scope by cosine
// similarity to the query's vector.
func (ix *Index) vectorSearch(ctx context.Context, qvec []float32, q Query, n int) ([]scored, error) {
	if isZero(qvec) {
		return nil, nil
	}
	var where map[string]string
	if q.ArticleID != "" {
		where = map[string]string{"article": q.ArticleID}
	}
	ix.mu.RLock()
	colls := []string{GlobalScope}
	if q.Scope != GlobalScope {
		colls = append(colls, q.Scope)
	}
	var out []scored
	for _, name := range colls {
		c := ix.colls[name]
		if c == nil || c.Count() == 0 {
			continue
		}
		res, err := c.QueryEmbedding(ctx, qvec, min(n, c.Count()), where, nil)
		if err != nil {
			ix.mu.RUnlock()
			return nil, fmt.Errorf("vector search: %w", err)
		}
		for _, r := range res {
			out = append(out, scored{id: r.ID, score: float64(r.Similarity)})
		}
	}
	ix.mu.RUnlock()
	sortScored(out)
	if len(out) > n {
		out = out[:n]
	}
	return out, nil
}

// fuseRRF combines rankings by weighted reciprocal rank fusion.
func fuseRRF(lex, vec []scored) []scored {
	sum := map[string]float64{}
	for i, s := range lex {
		sum[s.id] += fusionWeights.bm25 / float64(rrfK+i+1)
	}
	for i, s := range vec {
		sum[s.id] += fusionWeights.vectors / float64(rrfK+i+1)
	}
	out := make([]scored, 0, len(sum))
	for id, s := range sum {
		out = append(out, scored{id: id, score: s})
	}
	sortScored(out)
	return out
}

// Weights of cosine similarity beside BM25 scores scaled to the best one.
// With the built-in lexical embedder, weights from 0 to 0.1 score the same on
// the newsbench dev split (paragraph MRR@10 0.503-0.506) and higher ones
// lose (0.479 at 0.5): its vectors add little that BM25 lacks. A neural
// embedder finds paraphrases BM25 misses, so it gets a larger say.
const (
	localVectorWeight  = 0.1
	neuralVectorWeight = 0.5
)

// fuseLinear scores every candidate of either leg as its BM25 score divided
// by the best BM25 score, plus VectorWeight times its cosine similarity to
// the query, from its vector in the chromem-go collection. Unlike rank
// fusion it keeps BM25's margins: a weak vector leg nudges close calls
// instead of reordering confident ones.
func (ix *Index) fuseLinear(ctx context.Context, lex, vec []scored, qvec []float32) []scored {
	return ix.fuseLinearFetching(ctx, lex, vec, qvec, true)
}

// fuseLinearFetching is fuseLinear; reuse false fetches every candidate's
// vector, as a test compares.
func (ix *Index) fuseLinearFetching(ctx context.Context, lex, vec []scored, qvec []float32, reuse bool) []scored {
	if len(lex) == 0 {
		return vec
	}
	top := lex[0].score
	sum := make(map[string]float64, len(lex)+len(vec))
	for _, s := range lex {
		sum[s.id] = s.score / top
	}
	for _, s := range vec {
		if _, ok := sum[s.id]; !ok {
			sum[s.id] = 0
		}
	}
	// The vector leg's similarities are dot(qvec, v) already, computed the
	// same way, when chromem-go took qvec as it is (unit length); fetching
	// those candidates' vectors again would copy each one to recompute it.
	var known map[string]float64
	if reuse && len(vec) > 0 && unitLength(qvec) {
		known = make(map[string]float64, len(vec))
		for _, s := range vec {
			known[s.id] = s.score
		}
	}
	ix.mu.RLock()
	for id := range sum {
		a, _, err := parseParagraphID(id)
		if err != nil {
			continue
		}
		art, ok := ix.articles[a]
		if !ok || ix.colls[art.Scope] == nil {
			continue
		}
		if sim, ok := known[id]; ok {
			sum[id] += ix.opts.VectorWeight * sim
		} else if doc, err := ix.colls[art.Scope].GetByID(ctx, id); err == nil {
			sum[id] += ix.opts.VectorWeight * float64(dot(qvec, doc.Embedding))
		}
	}
	ix.mu.RUnlock()
	out := make([]scored, 0, len(sum))
	for id, s := range sum {
		out = append(out, scored{id: id, score: s})
	}
	sortScored(out)
	return out
}

// unitLength reports whether chromem-go queries with v as it is: its
// isNormalized, tolerance and all (otherwise it normalizes a copy, and its
// similarities are not dot(v, ·)).
func unitLength(v []float32) bool {
	var sq float64
	for _, x := range v {
		sq += float64(x) * float64(x)
	}
	return math.Abs(math.Sqrt(sq)-1) < 1e-6
}

// dot is the cosine similarity of two normalised vectors.
func dot(a, b []float32) float32 {
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// Context weights: a paragraph's BM25 score is raised by a share of its best
// neighbour's and of its article's best paragraph's. News paragraphs lean on
// their neighbours ("He said …") and a question's words are often spread over
// two adjacent paragraphs.
var contextWeights = struct{ neighbour, article float64 }{0.1, 0.1}

// contextBoost rescores ranked paragraphs with their context.
func (ix *Index) contextBoost(ranked []scored) []scored {
	if len(ranked) == 0 || (contextWeights.neighbour == 0 && contextWeights.article == 0) {
		return ranked
	}
	score := make(map[string]float64, len(ranked))
	best := map[string]float64{}
	for _, s := range ranked {
		score[s.id] = s.score
		if a, _, err := parseParagraphID(s.id); err == nil {
			best[a] = max(best[a], s.score)
		}
	}
	out := make([]scored, 0, len(ranked))
	for _, s := range ranked {
		a, n, err := parseParagraphID(s.id)
		if err != nil {
			continue
		}
		nb := max(score[ParagraphID(a, n-1)], score[ParagraphID(a, n+1)])
		out = append(out, scored{id: s.id, score: s.score + contextWeights.neighbour*nb + contextWeights.article*best[a]})
	}
	sortScored(out)
	return out
}

func sortScored(s []scored) {
	slices.SortFunc(s, func(a, b scored) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
}

// hits turns ranked paragraph ids into hits, applying the date filter and
// dropping anything the index no longer holds; qvec, the question's vector,
// gives each hit its similarity.
func (ix *Index) hits(ranked []scored, q Query, qvec []float32) []Hit {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	out := make([]Hit, 0, q.K)
	seen := map[string]bool{}
	for _, s := range ranked {
		if len(out) == q.K {
			break
		}
		id, n, err := parseParagraphID(s.id)
		if err != nil {
			continue
		}
		a, ok := ix.articles[id]
		if !ok || n > len(a.Paragraphs) || !visibleTo(a.Scope, q.Scope) {
			continue
		}
		d := a.date()
		if (!q.Since.IsZero() && d.Before(q.Since)) || (!q.Until.IsZero() && !d.Before(q.Until)) {
			continue
		}
		text := a.Paragraphs[n-1]
		if seen[a.ID+"\x00"+text] {
			continue // the same caption or line repeated in one article
		}
		seen[a.ID+"\x00"+text] = true
		out = append(out, Hit{Article: a, Paragraph: n, Text: text, Score: s.score, Similarity: ix.similarity(qvec, a, s.id)})
	}
	return out
}

// similarity returns the cosine similarity of qvec and the vector of
// paragraph id of article a, or 0 when either is missing. The caller holds
// ix.mu.
func (ix *Index) similarity(qvec []float32, a *Article, id string) float64 {
	c := ix.colls[a.Scope]
	if isZero(qvec) || c == nil {
		return 0
	}
	doc, err := c.GetByID(context.Background(), id)
	if err != nil || len(doc.Embedding) != len(qvec) {
		return 0
	}
	return float64(dot(qvec, doc.Embedding))
}

// Article returns an indexed article by id, if scope may see it.
func (ix *Index) Article(id, scope string) (*Article, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	a, ok := ix.articles[id]
	if !ok || (scope != "" && !visibleTo(a.Scope, scope)) {
		return nil, fmt.Errorf("article %s: %w", id, ErrNotFound)
	}
	return a, nil
}
