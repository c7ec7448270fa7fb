package fetch

import (
	"bytes"
	"cmp"
	"compress/flate"
	"compress/lzw"
	"compress/zlib"
	"encoding/ascii85"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

//go:generate go test -run TestHostileCorpus -update .

// The hostile corpus is a set of documents built to hang, exhaust or crash a parser. Each file is
// generated here, so its bytes are reproducible and its intent is written down next to it;
// TestHostileCorpus fails when a checked-in file differs from what its generator makes, and
// rewrites the folder with -update. Other packages' tests read the files to drive the same
// documents through ingest, /load and feeds.

// hostileDir holds the corpus, next to the fetch tests.
var hostileDir = filepath.Join("testdata", "hostile")

// hostileDoc is one file of the corpus and what it attacks.
type hostileDoc struct {
	name string
	why  string
	make func() []byte
	// refusal is the Limit the document must break, or "" for one refused as no article.
	refusal limitKind
}

// hostileCorpus lists every file of testdata/hostile.
func hostileCorpus() []hostileDoc {
	return []hostileDoc{
		// The four the audit reported.
		{"count-2147483647.pdf", "the page tree claims 2,147,483,647 pages", pdfHugeCount, ""},
		{"kids-self.pdf", "a page tree node lists itself as its only kid", pdfKidsSelf, limitDepth},
		{"parent-cycle.pdf", "a page's Parent chain loops between two nodes and never reaches the root", pdfParentCycle, limitLoop},
		{"flate-bomb.pdf", "a 30 MB content stream deflated to about 160 KB", pdfFlateBomb, limitDecoded},
		// Page tree shapes.
		{"parent-self.pdf", "a page is its own Parent", pdfParentSelf, limitLoop},
		{"kids-deep.pdf", "5,000 page tree levels, each with one page and the next level", pdfKidsDeep, limitDepth},
		{"kids-repeat.pdf", "one page listed 200,000 times in Kids", pdfKidsRepeat, limitPages},
		{"contents-repeat.pdf", "a page whose Contents names one stream 200,000 times", pdfContentsRepeat, limitDecoded},
		// Cross-reference sections.
		{"prev-loop.pdf", "the xref table's trailer names itself as /Prev", pdfPrevLoop, limitLoop},
		{"prev-cycle.pdf", "two xref tables name each other as /Prev", pdfPrevCycle, limitLoop},
		{"prev-loop-xrefstream.pdf", "an xref stream names itself as /Prev", pdfPrevLoopXrefStream, limitLoop},
		{"xref-size-huge.pdf", "an xref stream declares 2,147,483,647 objects", pdfXrefSizeHuge, limitObjects},
		{"objstm-extends-loop.pdf", "an object stream /Extends itself while its object is missing", pdfObjStmExtendsLoop, limitLoop},
		{"objstm-n-indirect.pdf", "an object stream's /N is an indirect 2,147,483,647: the library counts to it reading nothing", pdfObjStmNIndirect, limitStructure},
		// Filters.
		{"lzw-bomb.pdf", "13 MB of zeros behind LZWDecode, which the library cannot decode", pdfLZWBomb, ""},
		{"asciihex-flate-bomb.pdf", "a flate bomb wrapped in ASCIIHexDecode", pdfASCIIHexFlateBomb, ""},
		{"ascii85-flate-bomb.pdf", "a flate bomb wrapped in ASCII85Decode", pdfASCII85FlateBomb, limitDecoded},
		{"flate-flate-bomb.pdf", "30 MB deflated twice", pdfFlateFlateBomb, limitDecoded},
		{"filter-chain.pdf", "10,000 FlateDecode filters in one array, each layer a real zlib stream", pdfFilterChain, limitFilters},
		{"cmap-bomb.pdf", "a font's ToUnicode CMap is a 30 MB flate bomb", pdfCMapBomb, limitDecoded},
		{"glyph-bomb.pdf", "one 10 MB string shown in one go: ten million glyphs, counted before the library makes a record of each", pdfGlyphBomb, limitText},
		{"cmap-expansion.pdf", "a ToUnicode CMap turns one byte into 32,768 characters, shown 16,384 times: small by every measure the checks take, so only the memory limit stops it", pdfCMapExpansion, limitMemory},
		// Objects.
		{"deep-arrays.pdf", "an object nested 200,000 arrays deep", pdfDeepArrays, ""},
		// HTML.
		{"deep-text.html", "4 MB of text inside 500 nested elements", htmlDeepText, limitDepth},
		{"many-links.html", "200,000 links in one article", htmlManyLinks, limitElements},
		{"many-breaks.html", "800,000 line breaks", htmlManyBreaks, limitElements},
		{"huge-attribute.html", "two attributes of 250,000 words each", htmlHugeAttribute, ""},
		{"many-attributes.html", "one element with 400,000 attributes", htmlManyAttributes, limitElements},
		{"entities.html", "4 MB of character references that expand as they are decoded", htmlEntities, ""},
		{"deep-text-50.html", "4 MB of text inside 50 nested elements, within the depth limit: readability counts it at every level", htmlDeepText50, limitText},
		{"deep-formatting.html", "formatting elements nested and misnested 100,000 times", htmlDeepFormatting, limitElements},
	}
}

func TestHostileCorpus(t *testing.T) {
	corpus := hostileCorpus()
	if !*update {
		t.Parallel() // generating takes seconds; let the tests that read the files run meanwhile
	}
	if *update {
		if err := os.MkdirAll(hostileDir, 0o755); err != nil {
			t.Fatal(err)
		}
		old, _ := filepath.Glob(filepath.Join(hostileDir, "*.*"))
		for _, p := range old {
			if filepath.Base(p) != "README.md" {
				os.Remove(p)
			}
		}
		var readme strings.Builder
		readme.WriteString("# Hostile documents\n\nGenerated by `go generate ./retrieval/fetch` (see hostile_gen_test.go); do not edit.\n" +
			"Each one must be refused in seconds with bounded memory.\n\n| file | bytes | attack | refused for |\n|---|---|---|---|\n")
		for _, d := range corpus {
			data := d.make()
			if err := os.WriteFile(filepath.Join(hostileDir, d.name), data, 0o644); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&readme, "| %s | %d | %s | %s |\n", d.name, len(data), d.why, cmp.Or(string(d.refusal), "no article"))
		}
		if err := os.WriteFile(filepath.Join(hostileDir, "README.md"), []byte(readme.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	for _, d := range corpus {
		names = append(names, d.name)
		t.Run(d.name, func(t *testing.T) {
			t.Parallel() // each generator takes up to seconds under the race detector
			got, err := os.ReadFile(filepath.Join(hostileDir, d.name))
			if err != nil {
				t.Fatalf("%v (run go generate ./retrieval/fetch)", err)
			}
			if !bytes.Equal(got, d.make()) {
				t.Errorf("%s differs from its generator; run go generate ./retrieval/fetch", d.name)
			}
		})
	}
	files, _ := filepath.Glob(filepath.Join(hostileDir, "*.*"))
	for _, f := range files {
		if b := filepath.Base(f); b != "README.md" && !slices.Contains(names, b) {
			t.Errorf("%s is in the corpus folder but has no generator", f)
		}
	}
}

// pdfObjects writes a PDF whose object n is objs[n-1], with a cross-reference table and a
// trailer holding /Size, /Root 1 0 R and any extra entries.
func pdfObjects(objs []string, extraTrailer string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	writeXrefTable(&b, offsets)
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, extraTrailer, xref)
	return b.Bytes()
}

func writeXrefTable(b *bytes.Buffer, offsets []int) {
	fmt.Fprintf(b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, off := range offsets {
		fmt.Fprintf(b, "%010d 00000 n \n", off)
	}
}

// streamObject is a stream with the given dictionary entries and encoded data.
func streamObject(dict string, data []byte) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// Objects 1 to 4 of most hostile PDFs: catalog, pages, a page, and a Courier font; the
// page's content stream is object 5.
const (
	catalogObj = "<< /Type /Catalog /Pages 2 0 R >>"
	onePages   = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
	plainPage  = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
	courierObj = "<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>"
)

// textContent is a content stream that shows n lines of text.
func textContent(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, "BT /F1 11 Tf 72 %d Td (The harbour bridge reopened to traffic on Tuesday.) Tj ET\n", 700-i%600)
	}
	return b.Bytes()
}

// bombLine is the line bombContent repeats: text-showing operators, the costliest kind of
// content to interpret.
const bombLine = "BT /F1 11 Tf 72 700 Td (All work and no play makes a parser a dull boy.) Tj ET\n"

// bombContent is about 30 MB of bombLine.
func bombContent() []byte {
	return bytes.Repeat([]byte(bombLine), 30<<20/len(bombLine))
}

// deflatedBomb is bombContent deflated, made once: several files wrap it in other filters.
var deflatedBomb = sync.OnceValue(func() []byte {
	n := 30 << 20 / len(bombLine)
	chunk := bytes.Repeat([]byte(bombLine), 1536)
	return zlibRuns(run{chunk, n / 1536}, run{[]byte(bombLine), n % 1536})
})

func deflate(data []byte) []byte {
	var b bytes.Buffer
	w, _ := zlib.NewWriterLevel(&b, zlib.BestCompression)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// run is count copies of data.
type run struct {
	data  []byte
	count int
}

// zlibRuns is a zlib stream of the runs' bytes, one after another, made without deflating them
// all: each run's data is deflated once on its own and its blocks repeated, which is valid
// deflate because they refer to nothing before them. The result is within a few percent of
// deflating the whole, and a 30 MB bomb takes milliseconds instead of seconds (tens of seconds
// under the race detector).
func zlibRuns(runs ...run) []byte {
	out := []byte{0x78, 0xda} // deflate, 32 KB window, best compression
	sum := uint32(1)
	for _, r := range runs {
		if r.count == 0 {
			continue
		}
		var seg bytes.Buffer
		w, _ := flate.NewWriter(&seg, flate.BestCompression)
		w.Write(r.data)
		w.Flush() // ends the blocks, not the stream, on a byte boundary
		for range r.count {
			out = append(out, seg.Bytes()...)
			sum = adler32Update(sum, r.data)
		}
	}
	out = append(out, 0x03, 0x00) // a final, empty block
	return binary.BigEndian.AppendUint32(out, sum)
}

func simplePDF(content string) []byte {
	return pdfObjects([]string{catalogObj, onePages, plainPage, courierObj, content}, "")
}

func pdfHugeCount() []byte {
	return pdfObjects([]string{catalogObj, "<< /Type /Pages /Kids [3 0 R] /Count 2147483647 >>", plainPage, courierObj,
		streamObject("", textContent(3))}, "")
}

func pdfKidsSelf() []byte {
	return pdfObjects([]string{catalogObj, "<< /Type /Pages /Kids [2 0 R] /Count 1 >>", plainPage, courierObj,
		streamObject("", textContent(3))}, "")
}

// pdfParentCycle: the page has no Resources of its own, so a reader looking up inherited
// attributes climbs Parent 6 → 7 → 6 … forever.
func pdfParentCycle() []byte {
	page := "<< /Type /Page /Parent 6 0 R /MediaBox [0 0 612 792] /Contents 5 0 R >>"
	return pdfObjects([]string{catalogObj, onePages, page, courierObj, streamObject("", textContent(3)),
		"<< /Type /Pages /Parent 7 0 R /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Pages /Parent 6 0 R /Kids [6 0 R] /Count 1 >>"}, "")
}

func pdfParentSelf() []byte {
	page := "<< /Type /Page /Parent 3 0 R /MediaBox [0 0 612 792] /Contents 5 0 R >>"
	return pdfObjects([]string{catalogObj, onePages, page, courierObj, streamObject("", textContent(3))}, "")
}

func pdfFlateBomb() []byte {
	return simplePDF(streamObject("/Filter /FlateDecode", deflatedBomb()))
}

// pdfKidsDeep nests the page tree 5,000 levels deep; each level holds one page and the next
// level, so finding page n means walking n levels.
func pdfKidsDeep() []byte {
	const depth = 5000
	objs := []string{catalogObj, "", "", courierObj, streamObject("", textContent(1))}
	// Level i (0-based) is object 6+2i, its page 7+2i; level 0 is the root, reached through 2.
	objs[1] = fmt.Sprintf("<< /Type /Pages /Kids [6 0 R] /Count %d >>", depth)
	objs[2] = "<< /Type /Page /Parent 2 0 R /Contents 5 0 R /Resources << /Font << /F1 4 0 R >> >> >>"
	for i := range depth {
		level, page := 6+2*i, 7+2*i
		parent := 2
		if i > 0 {
			parent = level - 2
		}
		kids := fmt.Sprintf("%d 0 R", page)
		if i < depth-1 {
			kids += fmt.Sprintf(" %d 0 R", level+2)
		}
		objs = append(objs,
			fmt.Sprintf("<< /Type /Pages /Parent %d 0 R /Kids [%s] /Count %d >>", parent, kids, depth-i),
			fmt.Sprintf("<< /Type /Page /Parent %d 0 R /Contents 5 0 R /Resources << /Font << /F1 4 0 R >> >> >>", level))
	}
	return pdfObjects(objs, "")
}

func pdfKidsRepeat() []byte {
	const n = 200000
	kids := strings.TrimSpace(strings.Repeat("3 0 R ", n))
	return pdfObjects([]string{catalogObj, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", kids, n), plainPage, courierObj,
		streamObject("", textContent(20))}, "")
}

// pdfContentsRepeat draws lines rather than show text, so that it is the decoded bytes of the
// whole document that stop it, not the text its streams show.
func pdfContentsRepeat() []byte {
	refs := strings.TrimSpace(strings.Repeat("5 0 R ", 200000))
	page := "<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 4 0 R >> >> /Contents [" + refs + "] >>"
	var lines bytes.Buffer
	for i := range 300 {
		fmt.Fprintf(&lines, "72 %d m 540 %d l S\n", 700-i%600, 700-i%600)
	}
	return pdfObjects([]string{catalogObj, onePages, page, courierObj, streamObject("", lines.Bytes())}, "")
}

// pdfPrevLoop writes a normal file whose trailer's /Prev is the offset of its own xref table.
func pdfPrevLoop() []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	objs := []string{catalogObj, onePages, plainPage, courierObj, streamObject("", textContent(3))}
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	writeXrefTable(&b, offsets)
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref, xref)
	return b.Bytes()
}

// pdfPrevCycle writes two xref sections, each naming the other as /Prev.
func pdfPrevCycle() []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	objs := []string{catalogObj, onePages, plainPage, courierObj, streamObject("", textContent(3))}
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	// Section A is written first and points at B; B's offset is fixed-width so A can name it
	// before B is written.
	first := b.Len()
	writeXrefTable(&b, offsets)
	trailerA := fmt.Sprintf("trailer\n<< /Size %d /Root 1 0 R /Prev %010d >>\n", len(objs)+1, 0)
	second := first + (b.Len() - first) + len(trailerA)
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Prev %010d >>\n", len(objs)+1, second)
	writeXrefTable(&b, offsets)
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Prev %010d >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, first, second)
	return b.Bytes()
}

// xrefStreamRows encodes cross-reference stream rows with /W [1 4 2].
func xrefStreamRows(rows [][3]int) []byte {
	var b bytes.Buffer
	for _, r := range rows {
		b.WriteByte(byte(r[0]))
		binary.Write(&b, binary.BigEndian, uint32(r[1]))
		binary.Write(&b, binary.BigEndian, uint16(r[2]))
	}
	return b.Bytes()
}

// pdfWithXrefStream writes objs followed by a cross-reference stream (object len(objs)+1).
// extra returns more entries for the stream's dictionary given the stream's own offset.
func pdfWithXrefStream(objs []string, size int, extra func(self int) string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n")
	rows := [][3]int{{0, 0, 65535}}
	for i, o := range objs {
		rows = append(rows, [3]int{1, b.Len(), 0})
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	self := b.Len()
	id := len(objs) + 1
	rows = append(rows, [3]int{1, self, 0})
	if size == 0 {
		size = id + 1
	}
	dict := fmt.Sprintf("/Type /XRef /Size %d /W [1 4 2] /Root 1 0 R %s", size, extra(self))
	fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\nstartxref\n%d\n%%%%EOF\n", id, streamObject(dict, xrefStreamRows(rows)), self)
	return b.Bytes()
}

func pdfPrevLoopXrefStream() []byte {
	objs := []string{catalogObj, onePages, plainPage, courierObj, streamObject("", textContent(3))}
	return pdfWithXrefStream(objs, 0, func(self int) string { return fmt.Sprintf("/Prev %d", self) })
}

func pdfXrefSizeHuge() []byte {
	objs := []string{catalogObj, onePages, plainPage, courierObj, streamObject("", textContent(3))}
	return pdfWithXrefStream(objs, 2147483647, func(int) string { return "" })
}

// pdfObjStmExtendsLoop keeps the page (object 3) in object stream 6, whose header says it
// holds only object 4 and /Extends itself, so the search for object 3 never ends.
func pdfObjStmExtendsLoop() []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n")
	objs := []string{catalogObj, onePages, "", courierObj, streamObject("", textContent(3))}
	rows := [][3]int{{0, 0, 65535}}
	for i, o := range objs {
		if o == "" {
			rows = append(rows, [3]int{2, 6, 0}) // object 3 lives in object stream 6
			continue
		}
		rows = append(rows, [3]int{1, b.Len(), 0})
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	stm := "4 0 " + courierObj
	rows = append(rows, [3]int{1, b.Len(), 0})
	fmt.Fprintf(&b, "6 0 obj\n%s\nendobj\n", streamObject("/Type /ObjStm /N 1 /First 4 /Extends 6 0 R", []byte(stm)))
	self := b.Len()
	rows = append(rows, [3]int{1, self, 0})
	dict := "/Type /XRef /Size 8 /W [1 4 2] /Root 1 0 R"
	fmt.Fprintf(&b, "7 0 obj\n%s\nendobj\nstartxref\n%d\n%%%%EOF\n", streamObject(dict, xrefStreamRows(rows)), self)
	return b.Bytes()
}

// pdfObjStmNIndirect keeps the page in object stream 6 whose /N, object 8, is 2,147,483,647:
// the library counts through that many missing entries without reading a byte.
func pdfObjStmNIndirect() []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n")
	objs := []string{catalogObj, onePages, "", courierObj, streamObject("", textContent(3))}
	rows := [][3]int{{0, 0, 65535}}
	for i, o := range objs {
		if o == "" {
			rows = append(rows, [3]int{2, 6, 0})
			continue
		}
		rows = append(rows, [3]int{1, b.Len(), 0})
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	rows = append(rows, [3]int{1, b.Len(), 0})
	fmt.Fprintf(&b, "6 0 obj\n%s\nendobj\n", streamObject("/Type /ObjStm /N 8 0 R /First 4", []byte("4 0 "+courierObj)))
	self := b.Len()
	rows = append(rows, [3]int{1, self, 0})
	xref := streamObject("/Type /XRef /Size 9 /W [1 4 2] /Root 1 0 R", xrefStreamRows(append(rows, [3]int{1, 0, 0})))
	// Object 8 comes after the xref stream; its row is patched in once its offset is known.
	tail := fmt.Sprintf("7 0 obj\n%s\nendobj\n", xref)
	rows = append(rows, [3]int{1, self + len(tail), 0})
	xref = streamObject("/Type /XRef /Size 9 /W [1 4 2] /Root 1 0 R", xrefStreamRows(rows))
	fmt.Fprintf(&b, "7 0 obj\n%s\nendobj\n8 0 obj\n2147483647\nendobj\nstartxref\n%d\n%%%%EOF\n", xref, self)
	return b.Bytes()
}

// pdfGlyphBomb shows one 10 MB string: small enough to pass the decoded-size checks, but the
// library keeps a record of some hundred bytes per glyph.
func pdfGlyphBomb() []byte {
	z := zlibRuns(run{[]byte("BT /F1 1 Tf 0 0 Td ("), 1}, run{bytes.Repeat([]byte("A"), 64<<10), 160}, run{[]byte(") Tj ET\n"), 1})
	return simplePDF(streamObject("/Filter /FlateDecode", z))
}

// pdfCMapExpansion gives the page's font a ToUnicode CMap that maps the byte "A" to 32,768
// characters and shows 16,384 of them: half a billion characters from 16 KB of string, in
// streams of a few hundred kilobytes. The library decodes a whole string before it keeps its
// glyphs, so it runs out of memory inside one show-text operator.
func pdfCMapExpansion() []byte {
	const expansion, shown = 32768, 16384
	cmap := "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n" +
		"1 begincodespacerange <00> <FF> endcodespacerange\n" +
		"1 beginbfchar <41> <" + strings.Repeat("0041", expansion) + "> endbfchar\n" +
		"endcmap CMapName currentdict /CMap defineresource pop end end\n"
	font := "<< /Type /Font /Subtype /Type1 /BaseFont /Courier /ToUnicode 6 0 R >>"
	content := "BT /F1 11 Tf 72 700 Td (" + strings.Repeat("A", shown) + ") Tj ET\n"
	return pdfObjects([]string{catalogObj, onePages, plainPage, font,
		streamObject("/Filter /FlateDecode", deflate([]byte(content))),
		streamObject("/Filter /FlateDecode", deflate([]byte(cmap)))}, "")
}

func pdfLZWBomb() []byte {
	var b bytes.Buffer
	w := lzw.NewWriter(&b, lzw.MSB, 8)
	w.Write(make([]byte, 13<<20))
	w.Close()
	return simplePDF(streamObject("/Filter /LZWDecode /DecodeParms << /EarlyChange 0 >>", b.Bytes()))
}

func pdfASCIIHexFlateBomb() []byte {
	data := []byte(hex.EncodeToString(deflatedBomb()) + ">")
	return simplePDF(streamObject("/Filter [/ASCIIHexDecode /FlateDecode]", data))
}

func pdfASCII85FlateBomb() []byte {
	z := deflatedBomb()
	data := make([]byte, ascii85.MaxEncodedLen(len(z)))
	data = append(data[:ascii85.Encode(data, z)], "~>"...)
	return simplePDF(streamObject("/Filter [/ASCII85Decode /FlateDecode]", data))
}

// pdfFlateFlateBomb deflates the flate bomb again: 2 KB that inflate to 107 KB that inflate to
// 30 MB.
func pdfFlateFlateBomb() []byte {
	return simplePDF(streamObject("/Filter [/FlateDecode /FlateDecode]", deflate(deflatedBomb())))
}

func pdfFilterChain() []byte {
	const layers = 10000
	// Two buffers taken in turn: under the race detector a fresh 100 KB buffer per layer costs
	// seconds of shadow memory.
	data, spare := textContent(3), []byte(nil)
	for range layers {
		data, spare = appendStoredZlib(spare[:0], data), data
	}
	filters := strings.TrimSpace(strings.Repeat("/FlateDecode ", layers))
	return simplePDF(streamObject("/Filter ["+filters+"]", data))
}

// pdfCMapBomb gives the page's font a ToUnicode CMap that inflates to 30 MB.
func pdfCMapBomb() []byte {
	font := "<< /Type /Font /Subtype /Type0 /BaseFont /Courier /Encoding /Identity-H /ToUnicode 6 0 R >>"
	return pdfObjects([]string{catalogObj, onePages, plainPage, font, streamObject("", textContent(3)),
		streamObject("/Filter /FlateDecode", deflatedBomb())}, "")
}

func pdfDeepArrays() []byte {
	const depth = 200000
	deep := strings.Repeat("[", depth) + strings.Repeat("]", depth)
	page := "<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R /Deep " + deep + " >>"
	return pdfObjects([]string{catalogObj, onePages, page, courierObj, streamObject("", textContent(3))}, "")
}

func htmlPage(body string) []byte {
	return []byte("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Hostile</title></head><body>" + body + "</body></html>")
}

func htmlDeepText() []byte {
	return htmlPage(strings.Repeat("<div>", 500) + "<p>" + strings.Repeat("word ", 800000) + "</p>" + strings.Repeat("</div>", 500))
}

func htmlDeepText50() []byte {
	return htmlPage(strings.Repeat("<div>", 50) + "<p>" + strings.Repeat("word ", 800000) + "</p>" + strings.Repeat("</div>", 50))
}

func htmlManyLinks() []byte {
	return htmlPage("<article><p>" + strings.Repeat(`<a href="/x">link</a> `, 200000) + "</p></article>")
}

func htmlManyBreaks() []byte {
	return htmlPage("<article><div>" + strings.Repeat("x<br>", 800000) + "</div></article>")
}

func htmlHugeAttribute() []byte {
	attr := strings.Repeat("comment ", 250000)
	return htmlPage(`<div class="` + attr + `"><p>text</p></div><div id="` + attr + `"><p>text</p></div>`)
}

func htmlManyAttributes() []byte {
	var b strings.Builder
	b.WriteString("<div")
	for i := range 400000 {
		fmt.Fprintf(&b, " a%d=x", i)
	}
	b.WriteString("><p>text</p></div>")
	return htmlPage(b.String())
}

func htmlEntities() []byte {
	return htmlPage("<article><p>" + strings.Repeat("&NotNestedGreaterGreater;&#x1F600;&amp", 4<<20/40) + "</p></article>")
}

func htmlDeepFormatting() []byte {
	return htmlPage("<article>" + strings.Repeat("<b><i><a href=x><u>", 25000) + "text" + strings.Repeat("</b></u></a></i>", 25000) + "</article>")
}

// appendStoredZlib appends to out data wrapped in a zlib stream of uncompressed (stored)
// deflate blocks, as zlib.NoCompression would, without its cost. It runs outside the race
// detector's instrumentation, which would check every byte of the filter chain's 10,000 layers of
// about 55 KB each (seconds, against a fraction of one); one goroutine owns both slices.
//
//go:norace
func appendStoredZlib(out, data []byte) []byte {
	sum := adler32Checksum(data)
	out = slices.Grow(out, len(data)+len(data)/65535*5+11)
	out = append(out, 0x78, 0x01)
	for first := true; first || len(data) > 0; first = false {
		n := min(len(data), 65535)
		final := byte(0)
		if n == len(data) {
			final = 1
		}
		out = append(out, final, byte(n), byte(n>>8), ^byte(n), ^byte(n>>8))
		out = append(out, data[:n]...)
		data = data[n:]
	}
	return binary.BigEndian.AppendUint32(out, sum)
}

// adler32Checksum is hash/adler32's checksum, uninstrumented like appendStoredZlib.
func adler32Checksum(data []byte) uint32 { return adler32Update(1, data) }

// adler32Update is sum, an Adler-32 checksum, continued over data.
//
//go:norace
func adler32Update(sum uint32, data []byte) uint32 {
	const mod = 65521
	const nmax = 5552 // the most bytes before the sums must be reduced to stay in 32 bits
	s1, s2 := sum&0xffff, sum>>16
	for len(data) > 0 {
		n := min(len(data), nmax)
		for _, c := range data[:n] {
			s1 += uint32(c)
			s2 += s1
		}
		s1 %= mod
		s2 %= mod
		data = data[n:]
	}
	return s2<<16 | s1
}
