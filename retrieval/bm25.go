package retrieval

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"
)

// bm25Version changes whenever the mapping or the indexed fields change; an
// index of another version is rebuilt from the article files.
const bm25Version = "4"

// manifestKey is the internal key under which the manifest is stored.
const manifestKey = "manifest"

// bm25Index is the lexical leg of hybrid search: a bleve scorch index on disk
// scored with BM25. Each paragraph is a document with its text, its word
// pairs (a proximity signal), and its article's headline and outlet.
type bm25Index struct {
	idx      bleve.Index
	dir      string
	readOnly bool

	// broken is set once bleve has failed in a way that says its files are
	// damaged; the index is then not given a checksum list when it closes,
	// so the next open rebuilds it.
	broken atomic.Bool

	mu    sync.Mutex
	stats fieldStats // for the average field lengths of BM25
}

// fieldStats sums field lengths over every indexed paragraph.
type fieldStats struct {
	docs    int
	lengths [numFields]int
}

func (s *fieldStats) add(e manifestEntry, sign int) {
	s.docs += sign * e.Paragraphs
	for i, l := range e.Lengths {
		s.lengths[i] += sign * l
	}
}

// bm25Doc is the indexed form of one paragraph.
type bm25Doc struct {
	Text    string `json:"text"`
	Bigrams string `json:"bigrams"`
	Title   string `json:"title"`
	Source  string `json:"source"`
	Scope   string `json:"scope"`
	Article string `json:"article"`
}

// manifestEntry records what the index holds of one article, written in the
// same batch as the article's documents so the two never disagree.
type manifestEntry struct {
	Hash       string         `json:"hash"`
	Paragraphs int            `json:"paragraphs"`
	Lengths    [numFields]int `json:"lengths"` // tokens per field, summed over paragraphs
}

func bm25Mapping() (mapping.IndexMapping, error) {
	m := bleve.NewIndexMapping()
	m.ScoringModel = "bm25"
	if err := addAnalyzers(m); err != nil {
		return nil, err
	}
	field := func(analyzer string) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = false
		return f
	}
	doc := bleve.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt("text", field(analyzerText))
	doc.AddFieldMappingsAt("bigrams", field(analyzerBigrams))
	doc.AddFieldMappingsAt("title", field(analyzerText))
	doc.AddFieldMappingsAt("source", field(analyzerText))
	doc.AddFieldMappingsAt("scope", field(keyword.Name))
	doc.AddFieldMappingsAt("article", field(keyword.Name))
	m.DefaultMapping = doc
	m.DefaultAnalyzer = analyzerText
	return m, nil
}

// openBM25 opens the index in dir for writing. An index that is missing,
// of another version, fails its checksums, cannot be opened or panics bleve
// is replaced by an empty one, and the reason is logged: Sync then fills it
// from the article files.
func openBM25(dir string, logger *slog.Logger) (*bm25Index, error) {
	b, err := openVerifiedBM25(dir, false)
	if err == nil {
		return b, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		logger.Warn("rebuilding the BM25 index from the article files", "reason", err)
	}
	return createBM25(dir)
}

// openVerifiedBM25 opens the index in dir after checking its files against
// their checksums. A reader (readOnly) changes nothing on disk; a writer
// removes the checksum list first, since its files change from then on.
func openVerifiedBM25(dir string, readOnly bool) (*bm25Index, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, err
	}
	if err := verifySums(dir); err != nil {
		return nil, err
	}
	if !readOnly {
		if err := os.Remove(filepath.Join(dir, sumsFile)); err != nil {
			return nil, err
		}
		if err := syncDir(dir); err != nil {
			return nil, err
		}
	}
	var idx bleve.Index
	err := protect("opening the BM25 index", func() (err error) {
		// bolt, under bleve, waits forever for its file lock by default;
		// the data folder's lock keeps processes apart, this is a backstop.
		idx, err = bleve.OpenUsing(dir, map[string]any{"read_only": readOnly, "bolt_timeout": "10s"})
		return err
	})
	if err != nil {
		return nil, damaged(err)
	}
	b := &bm25Index{idx: idx, dir: dir, readOnly: readOnly}
	err = protect("reading the BM25 manifest", func() error {
		v, err := idx.GetInternal([]byte("version"))
		if err != nil {
			return err
		}
		if string(v) != bm25Version {
			return fmt.Errorf("%w: it is of version %q, not %q", errOldIndex, v, bm25Version)
		}
		man, err := b.manifest()
		if err != nil {
			return err
		}
		for _, e := range man {
			b.stats.add(e, 1)
		}
		// bleve skips a segment it cannot load, logs it and carries on.
		n, err := idx.DocCount()
		if err != nil {
			return err
		}
		if n != uint64(b.stats.docs) {
			return fmt.Errorf("%w: it holds %d paragraphs where its manifest lists %d", errIndexDamaged, n, b.stats.docs)
		}
		cacheStems(idx.Mapping())
		return nil
	})
	if err != nil {
		idx.Close()
		return nil, damaged(err)
	}
	return b, nil
}

// errOldIndex marks an index made by another version of newsbot.
var errOldIndex = errors.New("the index was made by another version of newsbot")

// damaged wraps err in errIndexDamaged unless it says so already.
func damaged(err error) error {
	if errors.Is(err, errIndexDamaged) || errors.Is(err, errOldIndex) {
		return err
	}
	return fmt.Errorf("%w: %w", errIndexDamaged, err)
}

// createBM25 replaces whatever is in dir with a new, empty index.
func createBM25(dir string) (*bm25Index, error) {
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("reset bm25 index: %w", err)
	}
	m, err := bm25Mapping()
	if err != nil {
		return nil, fmt.Errorf("bm25 mapping: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, err
	}
	idx, err := bleve.NewUsing(dir, m, bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore, map[string]any{"bolt_timeout": "10s"}) // scorch on disk: bleve's in-memory index ignores BM25
	if err != nil {
		return nil, fmt.Errorf("create bm25 index: %w", err)
	}
	if err := idx.SetInternal([]byte("version"), []byte(bm25Version)); err != nil {
		idx.Close()
		return nil, err
	}
	cacheStems(idx.Mapping())
	return &bm25Index{idx: idx, dir: dir}, nil
}

func (b *bm25Index) manifest() (map[string]manifestEntry, error) {
	m := map[string]manifestEntry{}
	var raw []byte
	err := b.read("reading the BM25 manifest", func() (err error) {
		raw, err = b.idx.GetInternal([]byte(manifestKey))
		return err
	})
	if err != nil || len(raw) == 0 {
		return m, err
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		b.broken.Store(true)
		return nil, fmt.Errorf("%w: bm25 manifest: %w", errIndexDamaged, err)
	}
	return m, nil
}

// apply removes the documents of the articles in remove, indexes the
// articles in add and records the new manifest, all in one batch.
func (b *bm25Index) apply(man map[string]manifestEntry, remove []string, add []*Article) error {
	batch := b.idx.NewBatch()
	stats := b.snapshotStats()
	for _, id := range remove {
		if e, ok := man[id]; ok {
			for n := 1; n <= e.Paragraphs; n++ {
				batch.Delete(ParagraphID(id, n))
			}
			stats.add(e, -1)
			delete(man, id)
		}
	}
	an := newDocAnalyzer(b.idx.Mapping())
	docs, entries, err := an.articles(add)
	if err != nil {
		return err
	}
	ev, _ := b.idx.(index.EventIndex)
	for i, a := range add {
		if e, ok := man[a.ID]; ok {
			for n := len(a.Paragraphs) + 1; n <= e.Paragraphs; n++ {
				batch.Delete(ParagraphID(a.ID, n))
			}
			stats.add(e, -1)
		}
		for _, d := range docs[i] {
			if ev != nil {
				ev.FireIndexEvent() // as Batch.Index does
			}
			if err := batch.IndexAdvanced(d); err != nil {
				return fmt.Errorf("index %s: %w", a.ID, err)
			}
		}
		stats.add(entries[i], 1)
		man[a.ID] = entries[i]
	}
	raw, err := json.Marshal(man)
	if err != nil {
		return err
	}
	batch.SetInternal([]byte(manifestKey), raw)
	if err := b.check("writing to the BM25 index", func() error { return b.idx.Batch(batch) }); err != nil {
		return err
	}
	b.mu.Lock()
	b.stats = stats
	b.mu.Unlock()
	return nil
}

func (b *bm25Index) snapshotStats() fieldStats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stats
}

// mergeSegments asks bleve to merge the many small segments a bulk import
// leaves behind, in the background: until they merge, every query
// allocates per segment (measured: 284k allocations a query at 100k
// paragraphs, 4k after merging).
func (b *bm25Index) mergeSegments(logger *slog.Logger) {
	adv, err := b.idx.Advanced()
	if err != nil {
		return
	}
	sc, ok := adv.(*scorch.Scorch)
	if !ok {
		return
	}
	go func() {
		opts := mergeplan.DefaultMergePlanOptions
		start := time.Now()
		if err := sc.ForceMerge(context.Background(), &opts); err != nil {
			logger.Debug("bm25 segment merge stopped", "err", err)
			return
		}
		logger.Debug("bm25 segments merged", "took", time.Since(start))
	}()
}

// check turns a panic or a damaged-file error of f into errIndexDamaged
// and remembers that the index is broken.
func (b *bm25Index) check(what string, f func() error) error {
	err := protect(what, f)
	if errors.Is(err, errIndexDamaged) {
		b.broken.Store(true)
	}
	return err
}

// read is check for reads: any failure but a cancellation means bleve
// could not read its own files.
func (b *bm25Index) read(what string, f func() error) error {
	err := b.check(what, f)
	if err != nil && !errors.Is(err, errIndexDamaged) && ctxErr(err) == nil {
		b.broken.Store(true)
		err = fmt.Errorf("%w: %s: %w", errIndexDamaged, what, err)
	}
	return err
}

// ctxErr returns err if it is a cancellation or a deadline.
func ctxErr(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// close closes the index; a writer then records the checksums of its files,
// unless bleve failed on them.
func (b *bm25Index) close() error {
	if err := b.check("closing the BM25 index", b.idx.Close); err != nil {
		return err
	}
	if b.readOnly || b.broken.Load() {
		return nil
	}
	return writeSums(b.dir)
}
