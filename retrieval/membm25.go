package retrieval

import (
	"context"
	"math"
	"slices"
	"sync"
)

// memBM25 is the lexical leg held wholly in memory, for a library that
// lives in a database: a process builds it at start-up from the terms
// stored beside each paragraph (AnalyzeParagraph) in well under a second
// for 100k paragraphs, where bleve takes a minute and a half to index them,
// and keeps it current as changes arrive.
//
// It scores exactly as bm25Index does (bm25score.go), over the same
// fields: the paragraph's words, its word pairs and its article's headline.
// Word pairs are not indexed: a pair's documents are those of its rarer
// word in which the two words stand side by side, checked against each
// document's word sequence, which also serves to take a document out.
type memBM25 struct {
	mu    sync.RWMutex
	dict  map[string]uint32 // term → term id
	post  [][]memPosting    // term id → documents with the term in the text, by document
	df    []int             // term id → live documents with the term in the text
	title [][]memPosting    // term id → articles (slots) with the term in the headline

	docs     []memDoc
	arts     []memArticle
	artSlot  map[string]int32 // article id → slot in arts
	live     int              // live documents
	dead     int              // documents taken out but still in posting lists
	textLen  int              // words in live documents
	pairLen  int              // word pairs in live documents
	titleLen int              // headline words summed over live documents
}

type memPosting struct {
	doc uint32 // a document, or an article slot in title postings
	tf  uint32
}

// memDoc is one paragraph.
type memDoc struct {
	art     int32    // article slot
	n       int32    // paragraph number
	seq     []uint32 // term ids in order, gapTerm where stop words were dropped; nil once removed
	textLen int32
	pairLen int32 // as the average takes it (see putLocked)
	pairs   int32 // word pairs: the length of the pair field
}

// memArticle is one article's slot.
type memArticle struct {
	id       string
	scope    string
	docs     []uint32
	titleLen int32
	titleTF  []memPosting // its headline's terms, to take it out
}

const gapTerm = math.MaxUint32

func newMemBM25() *memBM25 {
	return &memBM25{dict: map[string]uint32{}, artSlot: map[string]int32{}}
}

// memInput is what the in-memory index needs of one article.
type memInput struct {
	id, scope, title string
	terms            [][]byte // AnalyzeParagraph of each paragraph
}

// put adds or replaces articles.
func (m *memBM25) put(arts []memInput) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, a := range arts {
		if err := m.putLocked(a); err != nil {
			return err
		}
	}
	m.maybeCompact()
	return nil
}

func (m *memBM25) putLocked(in memInput) error {
	if slot, ok := m.artSlot[in.id]; ok {
		m.removeLocked(slot)
	}
	slot := int32(len(m.arts))
	a := memArticle{id: in.id, scope: in.scope}
	titleCounts := map[uint32]uint32{}
	for _, t := range textAnalyzer().Analyze([]byte(in.title)) {
		titleCounts[m.termID(t.Term)]++
		a.titleLen++
	}
	for id, tf := range titleCounts {
		a.titleTF = append(a.titleTF, memPosting{id, tf})
		m.title[id] = append(m.title[id], memPosting{uint32(slot), tf})
	}
	counts := map[uint32]uint32{}
	for i, enc := range in.terms {
		d := memDoc{art: slot, n: int32(i + 1)}
		prevWord := false
		err := decodeTerms(enc, func(term []byte, adjacent bool) {
			if !adjacent && len(d.seq) > 0 {
				d.seq = append(d.seq, gapTerm)
			}
			if prevWord && adjacent && len(term) > 0 {
				d.pairs++
			}
			prevWord = len(term) > 0
			id := m.termID(term)
			d.seq = append(d.seq, id)
			d.textLen++
			counts[id]++
		})
		if err != nil {
			return err
		}
		// The pair field's length as bm25Index.apply takes it, one less
		// than the word count, for the same scores; the pairs across stop
		// words it counts are not there.
		d.pairLen = max(d.textLen-1, 0)
		doc := uint32(len(m.docs))
		for id, tf := range counts {
			m.post[id] = append(m.post[id], memPosting{doc, tf})
			m.df[id]++
		}
		clear(counts)
		m.docs = append(m.docs, d)
		a.docs = append(a.docs, doc)
		m.live++
		m.textLen += int(d.textLen)
		m.pairLen += int(d.pairLen)
		m.titleLen += int(a.titleLen)
	}
	m.arts = append(m.arts, a)
	m.artSlot[in.id] = slot
	return nil
}

func (m *memBM25) termID(term []byte) uint32 {
	if id, ok := m.dict[string(term)]; ok {
		return id
	}
	id := uint32(len(m.post))
	m.dict[string(term)] = id
	m.post = append(m.post, nil)
	m.df = append(m.df, 0)
	m.title = append(m.title, nil)
	return id
}

// drop takes articles out; unknown ids are ignored.
func (m *memBM25) drop(ids []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range ids {
		if slot, ok := m.artSlot[id]; ok {
			m.removeLocked(slot)
		}
	}
	m.maybeCompact()
}

func (m *memBM25) removeLocked(slot int32) {
	a := &m.arts[slot]
	for _, doc := range a.docs {
		d := &m.docs[doc]
		seen := map[uint32]bool{}
		for _, id := range d.seq {
			if id != gapTerm && !seen[id] {
				seen[id] = true
				m.df[id]--
			}
		}
		m.live--
		m.dead++
		m.textLen -= int(d.textLen)
		m.pairLen -= int(d.pairLen)
		m.titleLen -= int(a.titleLen)
		d.seq = nil
		d.art = -1
	}
	for _, p := range a.titleTF {
		m.title[p.doc] = slices.DeleteFunc(m.title[p.doc], func(q memPosting) bool { return q.doc == uint32(slot) })
	}
	delete(m.artSlot, a.id)
	*a = memArticle{}
}

// maybeCompact drops removed documents from the posting lists once they
// are a fifth of them. Document numbers stay as they are.
func (m *memBM25) maybeCompact() {
	if m.dead == 0 || m.dead*5 < m.live+m.dead {
		return
	}
	for id, ps := range m.post {
		m.post[id] = slices.DeleteFunc(ps, func(p memPosting) bool { return m.docs[p.doc].art < 0 })
	}
	m.dead = 0
}

// search implements lexical.
func (m *memBM25) search(ctx context.Context, text string, n int, scope, article string) ([]scored, error) {
	q := textAnalyzer().Analyze([]byte(text))
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.live == 0 {
		return nil, nil
	}
	allowed := m.filter(scope, article)
	docs := float64(m.live)
	scores := map[uint64]float64{}
	add := func(weight, qtf, df, avgLen float64, each func(yield func(doc uint32, tf, dl float64))) {
		idf := math.Log(1 + (docs-df+0.5)/(df+0.5))
		w := weight * qtf * idf
		each(func(doc uint32, tf, dl float64) {
			if allowed(doc) {
				scores[uint64(doc)] += w * tf * (bm25K1 + 1) / (tf + bm25K1*(1-bm25B+bm25B*dl/avgLen))
			}
		})
	}
	// The paragraph's words.
	words := map[uint32]float64{}
	for _, t := range q {
		if id, ok := m.dict[string(t.Term)]; ok {
			words[id]++
		}
	}
	if w := bm25Fields[0].weight; w > 0 {
		avg := max(float64(m.textLen)/docs, 1)
		for id, qtf := range words {
			add(w, qtf, float64(m.df[id]), avg, func(yield func(uint32, float64, float64)) {
				for _, p := range m.post[id] {
					if d := &m.docs[p.doc]; d.art >= 0 {
						yield(p.doc, float64(p.tf), fieldLength(int(d.textLen)))
					}
				}
			})
		}
	}
	// Word pairs, as the bigram analyzer makes them: neighbours with no
	// stop word between.
	if w := bm25Fields[1].weight; w > 0 {
		avg := max(float64(m.pairLen)/docs, 1)
		pairs := map[[2]uint32]float64{}
		for i := 1; i < len(q); i++ {
			a, b := q[i-1], q[i]
			if b.Position != a.Position+1 || len(a.Term) == 0 || len(b.Term) == 0 {
				continue
			}
			ia, ok1 := m.dict[string(a.Term)]
			ib, ok2 := m.dict[string(b.Term)]
			if ok1 && ok2 {
				pairs[[2]uint32{ia, ib}]++
			}
		}
		for pair, qtf := range pairs {
			found := m.pairPostings(pair)
			add(w, qtf, float64(len(found)), avg, func(yield func(uint32, float64, float64)) {
				for _, p := range found {
					yield(p.doc, float64(p.tf), fieldLength(int(m.docs[p.doc].pairs)))
				}
			})
		}
	}
	// The headline, the same for every paragraph of an article.
	if w := bm25Fields[2].weight; w > 0 {
		avg := max(float64(m.titleLen)/docs, 1)
		for id := range words {
			df := 0
			for _, p := range m.title[id] {
				df += len(m.arts[p.doc].docs)
			}
			add(w, words[id], float64(df), avg, func(yield func(uint32, float64, float64)) {
				for _, p := range m.title[id] {
					a := &m.arts[p.doc]
					dl := fieldLength(int(a.titleLen))
					for _, doc := range a.docs {
						yield(doc, float64(p.tf), dl)
					}
				}
			})
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	top := topN(scores, n)
	out := make([]scored, len(top))
	for i, d := range top {
		doc := &m.docs[d.id]
		out[i] = scored{id: ParagraphID(m.arts[doc.art].id, int(doc.n)), score: d.score}
	}
	return out, nil
}

// pairPostings finds the documents where term pair[0] is directly followed
// by pair[1], with how often, by walking the documents of the rarer term.
func (m *memBM25) pairPostings(pair [2]uint32) []memPosting {
	rare := pair[0]
	if m.df[pair[1]] < m.df[rare] {
		rare = pair[1]
	}
	var out []memPosting
	for _, p := range m.post[rare] {
		d := &m.docs[p.doc]
		if d.art < 0 {
			continue
		}
		var tf uint32
		for i := 1; i < len(d.seq); i++ {
			if d.seq[i-1] == pair[0] && d.seq[i] == pair[1] {
				tf++
			}
		}
		if tf > 0 {
			out = append(out, memPosting{p.doc, tf})
		}
	}
	return out
}

// filter says which documents a search may return: those of scope and the
// global ones, or those of one article.
func (m *memBM25) filter(scope, article string) func(uint32) bool {
	if article != "" {
		slot, ok := m.artSlot[article]
		return func(doc uint32) bool { return ok && m.docs[doc].art == slot }
	}
	return func(doc uint32) bool {
		art := m.docs[doc].art
		return art >= 0 && visibleTo(m.arts[art].scope, scope)
	}
}

// docFreqs implements lexical.
func (m *memBM25) docFreqs(ctx context.Context, terms []string) (uint64, map[string]uint64, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make(map[string]uint64, len(terms))
	for _, t := range terms {
		if id, ok := m.dict[t]; ok {
			out[t] = uint64(m.df[id])
		} else {
			out[t] = 0
		}
	}
	return uint64(m.live), out, ctx.Err()
}

// fieldLength is a field's length as bleve's BM25 sees it: through its
// float32 norm, 1/sqrt(length), so the in-memory index scores exactly as
// the bleve one.
func fieldLength(n int) float64 {
	norm := float64(float32(1 / math.Sqrt(float64(n))))
	return 1 / (norm * norm)
}
