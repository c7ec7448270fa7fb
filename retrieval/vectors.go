package retrieval

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"sync"
)

// textKey identifies a paragraph's text: the first 16 bytes of its SHA-256.
// Vectors are stored by text, so an unchanged paragraph is never embedded
// twice, whatever article or position it has.
type textKey [16]byte

func keyOf(text string) textKey {
	sum := sha256.Sum256([]byte(text))
	var k textKey
	copy(k[:], sum[:16])
	return k
}

const vectorMagic = "NBVEC1\n"

// vectorStore keeps one embedder's vectors in an append-only file of
// checksummed records. Appends are fsynced before they return; a record torn
// by a crash or damaged later fails its checksum and is dropped at the next
// open (its paragraph is embedded again), and a damaged header is rewritten:
// the file's name already says which embedder made it. The file is the
// project's own because chromem-go's persistence names files by 32 bits of a
// hash and loses documents to collisions.
type vectorStore struct {
	path     string
	info     EmbedderInfo
	readOnly bool

	mu      sync.RWMutex
	f       *os.File // nil for a reader when the file does not exist
	vecs    map[textKey][]float32
	records int // records in the file, live or not
}

// openVectorStore opens or creates the vector file for info in dir. A
// reader (readOnly) never writes: it opens no missing file and repairs
// nothing, it only skips what fails its checksum.
func openVectorStore(dir string, info EmbedderInfo, readOnly bool, logger *slog.Logger) (*vectorStore, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	path := filepath.Join(dir, "vectors-"+info.Key()+".bin")
	s := &vectorStore{path: path, info: info, readOnly: readOnly, vecs: map[textKey][]float32{}}
	flag := os.O_RDWR | os.O_CREATE
	if readOnly {
		flag = os.O_RDONLY
	}
	f, err := os.OpenFile(path, flag, 0o644)
	if readOnly && errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open vectors: %w", err)
	}
	s.f = f
	r, err := s.load()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read vectors %s: %w", path, err)
	}
	if readOnly {
		return s, nil
	}
	if r.badHeader || r.badRecords > 0 {
		logger.Warn("the vector file is damaged: rewriting it with its good records; the paragraphs of the others will be embedded again",
			"file", filepath.Base(path), "header_damaged", r.badHeader, "records_dropped", r.badRecords)
		if err := s.rewrite(func(textKey) bool { return true }); err != nil {
			return nil, err
		}
		return s, nil
	}
	if err := f.Truncate(r.end); err != nil { // drop a torn tail
		f.Close()
		return nil, fmt.Errorf("open vectors: %w", err)
	}
	if _, err := f.Seek(r.end, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

func (s *vectorStore) recordSize() int { return 16 + 4*s.info.Dimensions + 4 }

func (s *vectorStore) header() []byte {
	info, _ := json.Marshal(s.info)
	var b bytes.Buffer
	b.WriteString(vectorMagic)
	binary.Write(&b, binary.LittleEndian, uint32(len(info)))
	b.Write(info)
	return b.Bytes()
}

// loadResult says what load found.
type loadResult struct {
	end        int64 // offset after the last whole record
	badHeader  bool
	badRecords int // whole records that failed their checksum
}

// load reads the file's records into memory, skipping those that fail
// their checksum.
func (s *vectorStore) load() (loadResult, error) {
	st, err := s.f.Stat()
	if err != nil {
		return loadResult{}, err
	}
	head := s.header()
	if st.Size() < int64(len(head)) {
		if s.readOnly {
			return loadResult{}, nil
		}
		if _, err := s.f.WriteAt(head, 0); err != nil {
			return loadResult{}, err
		}
		return loadResult{end: int64(len(head))}, s.f.Sync()
	}
	var res loadResult
	got := make([]byte, len(head))
	if _, err := s.f.ReadAt(got, 0); err != nil {
		return res, err
	}
	res.badHeader = !bytes.Equal(got, head)
	size := s.recordSize()
	n := (st.Size() - int64(len(head))) / int64(size)
	backing := make([]float32, int(n)*s.info.Dimensions)
	s.vecs = make(map[textKey][]float32, n) // load runs once, on a new store
	// Read whole records a megabyte at a time (at least one record) and
	// decode them where they lie.
	r := io.NewSectionReader(s.f, int64(len(head)), n*int64(size))
	chunk := make([]byte, size*int(max(1, min(n, int64(1<<20/size)))))
	for i := 0; i < int(n); {
		buf := chunk[:size*min(int(n)-i, len(chunk)/size)]
		if _, err := io.ReadFull(r, buf); err != nil {
			return res, err
		}
		for ; len(buf) > 0; buf, i = buf[size:], i+1 {
			rec := buf[:size]
			body := rec[:size-4]
			if crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(rec[size-4:]) {
				res.badRecords++ // torn or damaged: its paragraph is embedded again
				continue
			}
			var k textKey
			copy(k[:], body[:16])
			v := backing[i*s.info.Dimensions : (i+1)*s.info.Dimensions : (i+1)*s.info.Dimensions]
			for j := range v {
				v[j] = math.Float32frombits(binary.LittleEndian.Uint32(body[16+4*j:]))
			}
			s.vecs[k] = v
			s.records++
		}
	}
	res.end = int64(len(head)) + n*int64(size)
	return res, nil
}

// get returns the vector stored for key.
func (s *vectorStore) get(k textKey) ([]float32, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.vecs[k]
	return v, ok
}

// put appends vectors and returns once they are on disk.
func (s *vectorStore) put(keys []textKey, vecs [][]float32) error {
	size := s.recordSize()
	buf := make([]byte, 0, len(keys)*size)
	for i, k := range keys {
		if len(vecs[i]) != s.info.Dimensions {
			return fmt.Errorf("vector of %d dimensions, want %d", len(vecs[i]), s.info.Dimensions)
		}
		buf = appendRecord(buf, k, vecs[i])
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.readOnly {
		return errReadOnly
	}
	if _, err := s.f.Write(buf); err != nil {
		return fmt.Errorf("write vectors: %w", err)
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("write vectors: %w", err)
	}
	for i, k := range keys {
		s.vecs[k] = vecs[i]
	}
	s.records += len(keys)
	return nil
}

// appendRecord appends one checksummed record: key, vector, CRC-32.
func appendRecord(buf []byte, k textKey, v []float32) []byte {
	start := len(buf)
	buf = append(buf, k[:]...)
	for _, x := range v {
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(x))
	}
	return binary.LittleEndian.AppendUint32(buf, crc32.ChecksumIEEE(buf[start:]))
}

// compact rewrites the file with only the vectors of live texts when most of
// it is garbage.
func (s *vectorStore) compact(live map[textKey]bool) error {
	s.mu.Lock()
	garbage := s.records >= 1024 && len(live)*2 <= s.records
	s.mu.Unlock()
	if !garbage {
		return nil
	}
	return s.rewrite(func(k textKey) bool { return live[k] })
}

// rewrite replaces the file, atomically, with a fresh header and the
// vectors whose key keep accepts.
func (s *vectorStore) rewrite(keep func(textKey) bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	buf := s.header()
	kept := map[textKey][]float32{}
	for k, v := range s.vecs {
		if keep(k) {
			buf = appendRecord(buf, k, v)
			kept[k] = v
		}
	}
	if err := WriteFileAtomic(s.path, buf); err != nil {
		return fmt.Errorf("rewrite vectors: %w", err)
	}
	f, err := os.OpenFile(s.path, os.O_RDWR, 0o644)
	if err != nil {
		return fmt.Errorf("rewrite vectors: %w", err)
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		f.Close()
		return err
	}
	s.f.Close()
	s.f, s.vecs, s.records = f, kept, len(kept)
	return nil
}

func (s *vectorStore) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}
