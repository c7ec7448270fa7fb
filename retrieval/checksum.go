package retrieval

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// errIndexDamaged marks a derived file that failed its checksum, could not
// be parsed, or made its library panic. The cure is always the same: build
// it again from the article files.
var errIndexDamaged = errors.New("index damaged")

// sumsFile lists the checksum of every file of a closed BM25 index. bleve's
// segment files carry no checksum of their own: a flipped byte near the end
// of a .zap file panics bleve, one in the middle silently changes results.
// The list is written when the index is closed cleanly and removed before
// the index is opened for writing, so its absence also says that the last
// writer stopped without closing (a crash): its segments are unverified and
// the index is rebuilt.
const sumsFile = "checksums"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// fileSum is what the checksum list records of one file.
type fileSum struct {
	size int64
	crc  uint32
}

// writeSums records the checksum of every file under dir.
func writeSums(dir string) error {
	sums, err := computeSums(dir)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(sums))
	for name := range sums {
		names = append(names, name)
	}
	slices.Sort(names)
	var b bytes.Buffer
	for _, name := range names {
		fmt.Fprintf(&b, "%08x %d %s\n", sums[name].crc, sums[name].size, name)
	}
	return WriteFileAtomic(filepath.Join(dir, sumsFile), b.Bytes())
}

// verifySums checks every file under dir against the checksum list: same
// files, same sizes, same CRC-32C. It returns an error wrapping
// errIndexDamaged that names the first difference.
func verifySums(dir string) error {
	want, err := readSums(filepath.Join(dir, sumsFile))
	if err != nil {
		return err
	}
	got, err := computeSums(dir)
	if err != nil {
		return fmt.Errorf("%w: %w", errIndexDamaged, err)
	}
	for name, w := range want {
		g, ok := got[name]
		switch {
		case !ok:
			return fmt.Errorf("%w: %s is missing", errIndexDamaged, name)
		case g != w:
			return fmt.Errorf("%w: %s fails its checksum", errIndexDamaged, name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			return fmt.Errorf("%w: %s is not in the checksum list", errIndexDamaged, name)
		}
	}
	return nil
}

// errNoSums says the index was not closed cleanly (or predates checksums).
var errNoSums = fmt.Errorf("%w: the last process to write it did not close it cleanly", errIndexDamaged)

func readSums(path string) (map[string]fileSum, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errNoSums
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errIndexDamaged, err)
	}
	sums := map[string]fileSum{}
	for line := range strings.Lines(string(data)) {
		f := strings.SplitN(strings.TrimSuffix(line, "\n"), " ", 3)
		if len(f) != 3 {
			return nil, fmt.Errorf("%w: the checksum list is unreadable", errIndexDamaged)
		}
		crc, err1 := strconv.ParseUint(f[0], 16, 32)
		size, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 != nil || err2 != nil || len(f[0]) != 8 {
			return nil, fmt.Errorf("%w: the checksum list is unreadable", errIndexDamaged)
		}
		sums[f[2]] = fileSum{size: size, crc: uint32(crc)}
	}
	return sums, nil
}

// computeSums checksums every regular file under dir but the list itself,
// by slash-separated path relative to dir.
func computeSums(dir string) (map[string]fileSum, error) {
	sums := map[string]fileSum{}
	var buf []byte // as large as the largest file read so far, up to 1 MiB
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() || rel == sumsFile || strings.HasPrefix(d.Name(), ".tmp-") {
			return nil
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s is not a regular file", rel)
		}
		if info, err := d.Info(); err == nil {
			if want := min(int(info.Size())+1, 1<<20); len(buf) < want {
				buf = make([]byte, want)
			}
		}
		if len(buf) == 0 {
			buf = make([]byte, 1<<20)
		}
		s, err := sumFile(path, buf)
		if err != nil {
			return err
		}
		sums[filepath.ToSlash(rel)] = s
		return nil
	})
	return sums, err
}

func sumFile(path string, buf []byte) (fileSum, error) {
	f, err := os.Open(path)
	if err != nil {
		return fileSum{}, err
	}
	defer f.Close()
	var s fileSum
	for {
		n, err := f.Read(buf)
		s.crc = crc32.Update(s.crc, castagnoli, buf[:n])
		s.size += int64(n)
		if err == io.EOF {
			return s, nil
		}
		if err != nil {
			return fileSum{}, err
		}
	}
}

// protect runs f and turns a panic inside it into an error wrapping
// errIndexDamaged: bleve panics on some damaged segments instead of
// returning an error.
func protect(what string, f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %s panicked: %v", errIndexDamaged, what, r)
		}
	}()
	return f()
}
