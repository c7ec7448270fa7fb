package fetch

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite generated testdata files")

// pdfText is one line of text placed on a page, in PDF points from the bottom left.
type pdfText struct {
	x, y, size float64
	text       string // Windows-1252 bytes, as WinAnsiEncoding expects
}

// buildPDF writes a minimal valid PDF: Courier with explicit widths, one content stream per page,
// an information dictionary and a cross-reference table with exact offsets.
func buildPDF(info map[string]string, pages [][]pdfText) []byte {
	var objs []string // objs[i] is object i+1
	add := func(s string) int { objs = append(objs, s); return len(objs) }

	widths := strings.TrimSpace(strings.Repeat("600 ", 224)) // codes 32..255
	font := add("<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding " +
		"/FirstChar 32 /LastChar 255 /Widths [" + widths + "] >>")
	pagesID := len(objs) + 1 + 2*len(pages) // the Pages object comes after every page and stream
	var kids []string
	for _, lines := range pages {
		var cs strings.Builder
		for _, l := range lines {
			fmt.Fprintf(&cs, "BT /F1 %g Tf %g %g Td (%s) Tj ET\n", l.size, l.x, l.y, pdfEscape(l.text))
		}
		stream := add(fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", cs.Len(), cs.String()))
		page := add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] "+
			"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>", pagesID, font, stream))
		kids = append(kids, fmt.Sprintf("%d 0 R", page))
	}
	add(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids)))
	catalog := add(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pagesID))
	var infoEntries []string
	for _, k := range []string{"Title", "Author", "CreationDate"} {
		if v, ok := info[k]; ok {
			infoEntries = append(infoEntries, fmt.Sprintf("/%s (%s)", k, pdfEscape(v)))
		}
	}
	infoID := add("<< " + strings.Join(infoEntries, " ") + " >>")

	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n",
		len(objs)+1, catalog, infoID, xref)
	return b.Bytes()
}

func pdfEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`)
	return r.Replace(s)
}

// articlePDF is the fixture in testdata/article.pdf: a headline, paragraphs separated by a blank
// gap and by a first-line indent, a word hyphenated across lines, curly quotes and an em dash in
// Windows-1252, page numbers, and a paragraph that runs over the page break.
func articlePDF() []byte {
	const body, lead = 11, 14
	lines := func(x, y float64, ss ...string) []pdfText {
		var out []pdfText
		for i, s := range ss {
			xi := 72.0
			if i == 0 {
				xi = x
			}
			out = append(out, pdfText{xi, y - float64(i)*lead, body, s})
		}
		return out
	}
	var page1 []pdfText
	page1 = append(page1, pdfText{72, 740, 18, "Harbour bridge reopens"})
	page1 = append(page1, lines(72, 700,
		"The harbour bridge reopened to traffic on Tuesday morning, two",
		"years after engineers closed it when inspectors found corrosion in",
		"the cables that hold up its main span.")...)
	page1 = append(page1, lines(72, 648, // a blank line's gap before it
		"\x93We promised the city a safer bridge,\x94 said the mayor, Ana",
		"Lopez \x97 and the recon-",
		"struction kept every one of its 112 cables.")...)
	page1 = append(page1, lines(90, 606, // no gap, first-line indent
		"For the 40,000 people who crossed the river each day before the",
		"closure, the reopening ends a long detour through the tunnel and",
		"the well-")...)
	page1 = append(page1, pdfText{300, 40, 9, "1"})
	page2 := lines(72, 740,
		"Known ring road, which had carried twice its usual traffic since",
		"the spring of 2022.")
	page2 = append(page2, lines(72, 698,
		"The council will review the weight limit in September, after a",
		"second round of load tests.")...)
	page2 = append(page2, pdfText{300, 40, 9, "2"})
	return buildPDF(map[string]string{
		"Title":        "Harbour bridge reopens",
		"Author":       "Jane Doe",
		"CreationDate": "D:20240312093000Z",
	}, [][]pdfText{page1, page2})
}

func TestArticlePDFFixture(t *testing.T) {
	path := filepath.Join("testdata", "article.pdf")
	want := articlePDF()
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./retrieval/fetch -run TestArticlePDFFixture -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale; rerun with -update", path)
	}
}

func TestReadPDF(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "article.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := ReadPDF(context.Background(), data)
	if err != nil {
		t.Fatalf("ReadPDF: %v", err)
	}
	want := Document{
		Title:       "Harbour bridge reopens",
		Author:      "Jane Doe",
		PublishedAt: time.Date(2024, 3, 12, 9, 30, 0, 0, time.UTC),
		Paragraphs: []string{
			"The harbour bridge reopened to traffic on Tuesday morning, two years after engineers closed it when inspectors found corrosion in the cables that hold up its main span.",
			"“We promised the city a safer bridge,” said the mayor, Ana Lopez — and the reconstruction kept every one of its 112 cables.",
			"For the 40,000 people who crossed the river each day before the closure, the reopening ends a long detour through the tunnel and the well-Known ring road, which had carried twice its usual traffic since the spring of 2022.",
			"The council will review the weight limit in September, after a second round of load tests.",
		},
	}
	if diff := cmp.Diff(want, doc); diff != "" {
		t.Errorf("ReadPDF mismatch (-want +got):\n%s", diff)
	}
}

func TestReadPDFBroken(t *testing.T) {
	tests := map[string][]byte{
		"not a pdf": []byte("hello, world"),
		"truncated": articlePDF()[:400],
		"no text":   buildPDF(nil, [][]pdfText{{}}),
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := readPDF(context.Background(), data, Limits{})
			if !errors.Is(err, errNotArticle) {
				t.Errorf("got %v, want ErrNotArticle", err)
			}
		})
	}
}

// The text counter counts the bytes of a content stream's strings and its TJ operators, however
// the stream is cut into writes, and nothing in comments, dictionaries, names or inline images.
func TestTextCounter(t *testing.T) {
	for _, tc := range []struct {
		stream string
		want   int64
	}{
		{"BT /F1 11 Tf 72 700 Td (Hello) Tj ET", 5},
		{"(a(b)c) Tj (d\\)e) Tj", 5 + 4},           // nested parentheses; an escape is counted as written
		{"<48656c6c6f> Tj <4 8 6> Tj", 5 + 2},      // hex digits in pairs, white space between them
		{"[(He) -20 (llo)] TJ [] TJ 1 TJ", 5 + 3},  // each TJ is a line break too
		{"% (not shown) TJ\n(x) Tj", 1},            // a comment
		{"<< /TJ (ab) >> BDC /TJx (c) Tj EMC", 3},  // a dictionary's strings count; a name is no TJ
		{"BI /W 4 /H 1 ID (((( TJ\nEI (ok) Tj", 2}, // inline image data is skipped to EI
		{"BI /W 4 /H 1 ID x EIx (y TJ\n EI\n", 0},  // "EIx" does not end the data
		{"/TJ TJ TJTJ", 1},
	} {
		for _, step := range []int{1, 3, len(tc.stream)} {
			var c textCounter
			for s := tc.stream; len(s) > 0; {
				n := min(step, len(s))
				if _, err := c.Write([]byte(s[:n])); err != nil {
					t.Fatal(err)
				}
				s = s[n:]
			}
			if n := c.end(); n != tc.want {
				t.Errorf("%q in writes of %d: counted %d, want %d", tc.stream, step, n, tc.want)
			}
		}
	}
}
