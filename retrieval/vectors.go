package retrieval

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
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
// by a crash fails its checksum and is cut off at the next open. The file
// is the project's own because chromem-go's persistence names files by 32
// bits of a hash and loses documents to collisions.
type vectorStore struct {
	path string
	info EmbedderInfo

	mu      sync.RWMutex
	f       *os.File
	vecs    map[textKey][]float32
	records int // records in the file, live or not
}

// openVectorStore opens or creates the vector file for info in dir.
func openVectorStore(dir string, info EmbedderInfo) (*vectorStore, error) {
	path := filepath.Join(dir, "vectors-"+info.Key()+".bin")
	s := &vectorStore{path: path, info: info, vecs: map[textKey][]float32{}}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open vectors: %w", err)
	}
	s.f = f
	good, err := s.load()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read vectors %s: %w", path, err)
	}
	if err := f.Truncate(good); err != nil { // drop a torn tail
		f.Close()
		return nil, fmt.Errorf("open vectors: %w", err)
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
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

// load reads the file and returns the offset after the last good record.
func (s *vectorStore) load() (int64, error) {
	st, err := s.f.Stat()
	if err != nil {
		return 0, err
	}
	head := s.header()
	if st.Size() < int64(len(head)) {
		if _, err := s.f.WriteAt(head, 0); err != nil {
			return 0, err
		}
		return int64(len(head)), s.f.Sync()
	}
	got := make([]byte, len(head))
	if _, err := s.f.ReadAt(got, 0); err != nil {
		return 0, err
	}
	if !bytes.Equal(got, head) {
		return 0, errors.New("the file belongs to another embedder or format")
	}
	size := s.recordSize()
	n := (st.Size() - int64(len(head))) / int64(size)
	backing := make([]float32, int(n)*s.info.Dimensions)
	r := bufio.NewReaderSize(io.NewSectionReader(s.f, int64(len(head)), n*int64(size)), 1<<20)
	rec := make([]byte, size)
	off := int64(len(head))
	for i := 0; i < int(n); i++ {
		if _, err := io.ReadFull(r, rec); err != nil {
			return 0, err
		}
		body := rec[:size-4]
		if crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(rec[size-4:]) {
			break // torn or corrupt: everything from here is dropped
		}
		var k textKey
		copy(k[:], body[:16])
		v := backing[i*s.info.Dimensions : (i+1)*s.info.Dimensions : (i+1)*s.info.Dimensions]
		for j := range v {
			v[j] = math.Float32frombits(binary.LittleEndian.Uint32(body[16+4*j:]))
		}
		s.vecs[k] = v
		s.records++
		off += int64(size)
	}
	return off, nil
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
	defer s.mu.Unlock()
	if s.records < 1024 || len(live)*2 > s.records {
		return nil
	}
	buf := s.header()
	kept := map[textKey][]float32{}
	for k, v := range s.vecs {
		if live[k] {
			buf = appendRecord(buf, k, v)
			kept[k] = v
		}
	}
	if err := writeFileAtomic(s.path, buf); err != nil {
		return fmt.Errorf("compact vectors: %w", err)
	}
	f, err := os.OpenFile(s.path, os.O_RDWR, 0o644)
	if err != nil {
		return fmt.Errorf("compact vectors: %w", err)
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
	return s.f.Close()
}
