package fetch

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/ledongthuc/pdf"
)

// The PDF library (github.com/ledongthuc/pdf) trusts the file: it follows /Prev and /Extends
// chains, page tree Kids and Parent links without remembering where it has been, believes /Count
// and /Size, and decodes streams without a cap. It takes no context and cannot be stopped. The
// guard below keeps it on a leash from outside its API:
//
//   - the file is scanned before it is opened for the declared numbers the library allocates
//     from (/Size, /Index, xref subsections), so a file cannot make it allocate gigabytes;
//   - every read the library makes goes through deadlineReader, which aborts the parse once the
//     deadline passes: each loop it can be led into re-reads the file, so none outlives it;
//   - pages are found by our own walk of the page tree, bounded in depth and count, instead of
//     the library's Page(n), which trusts /Count and walks the tree again for every page;
//   - each page's Parent chain, content streams and font maps are measured before the library
//     interprets them, so cycles, long filter chains, decompression bombs and streams that show
//     millions of glyphs are refused with a reason instead of being run.
//
// What slips past these checks is still bounded by the child process that runs every parse of
// an untrusted document (isolate.go): its rlimits and its deadline.

// pdfAbort carries an error out of the PDF library as a panic. It implements runtime.Error so
// that the library's own recover in its content interpreter, which swallows parse errors but
// re-panics runtime errors, lets it through.
type pdfAbort struct{ err error }

func (a pdfAbort) Error() string { return a.err.Error() }
func (a pdfAbort) RuntimeError() {}

// deadlineReader checks the context on every read the library makes of the file.
type deadlineReader struct {
	ctx context.Context
	r   io.ReaderAt
}

func (d deadlineReader) ReadAt(p []byte, off int64) (int, error) {
	if d.ctx.Err() != nil {
		panic(pdfAbort{context.Cause(d.ctx)})
	}
	return d.r.ReadAt(p, off)
}

// prescanPDF refuses, before the library sees the file, numbers the library would allocate or
// loop from and chains it would follow in a circle: more objects than lim.Objects declared by a
// /Size, an /Index, an xref table subsection or an object stream's /N; a /Prev chain of
// cross-reference sections that returns to itself; an object stream that /Extends itself. It
// looks at the bytes with plain searches, not the library, so it cannot hang in the same places.
func prescanPDF(data []byte, lim Limits) error {
	tooMany := func(n int64, where string) error {
		return limitf("PDF", limitObjects, lim.Objects, "pdf declares %d objects in %s", n, where)
	}
	for _, key := range []string{"/Size", "/N"} {
		var err error
		forEachKey(data, key, func(rest []byte) bool {
			if n, ok := leadingInt(rest); ok && n > lim.Objects {
				err = tooMany(n, key)
			}
			return err == nil
		})
		if err != nil {
			return err
		}
	}
	// An object stream's count and offset are read in a loop that reads nothing once the stream
	// ends; given indirectly they escape the check above, and no producer writes them so.
	for _, key := range []string{"/N", "/First"} {
		var err error
		forEachKey(data, key, func(rest []byte) bool {
			if isIndirect(rest) {
				err = limitf("PDF", limitStructure, 0, "%s is an indirect reference", key)
			}
			return err == nil
		})
		if err != nil {
			return err
		}
	}
	var err error
	forEachKey(data, "/Index", func(rest []byte) bool {
		rest = bytes.TrimLeft(rest, " \t\r\n")
		end := bytes.IndexByte(rest, ']')
		if len(rest) == 0 || rest[0] != '[' || end < 0 {
			return true
		}
		f := bytes.Fields(rest[1:end])
		for i := 0; i+1 < len(f); i += 2 {
			if n := atoi64(f[i]) + atoi64(f[i+1]); n > lim.Objects {
				err = tooMany(n, "/Index")
				return false
			}
		}
		return true
	})
	if err != nil {
		return err
	}
	forEachKey(data, "xref", func(rest []byte) bool {
		err = scanXrefTable(rest, lim, tooMany)
		return err == nil
	})
	if err != nil {
		return err
	}
	if err := checkPrevChain(data); err != nil {
		return err
	}
	return checkExtends(data)
}

// forEachKey calls fn with the bytes after each occurrence of key that stands as a token of its
// own (not "/Sizes" for "/Size", not "startxref" for "xref"), until fn returns false.
func forEachKey(data []byte, key string, fn func(rest []byte) bool) {
	k := []byte(key)
	for pos := 0; ; {
		i := bytes.Index(data[pos:], k)
		if i < 0 {
			return
		}
		at, end := pos+i, pos+i+len(k)
		pos = end
		if at > 0 && key[0] != '/' && isRegular(data[at-1]) {
			continue
		}
		if end < len(data) && isRegular(data[end]) {
			continue
		}
		if !fn(data[end:]) {
			return
		}
	}
}

// isRegular reports whether c is a PDF regular character: part of a token, not white space or
// a delimiter.
func isRegular(c byte) bool {
	return !bytes.ContainsRune([]byte(" \t\r\n\f\x00()<>[]{}/%"), rune(c))
}

// leadingInt reads the integer after optional white space at the start of b.
func leadingInt(b []byte) (int64, bool) {
	b = bytes.TrimLeft(b, " \t\r\n\f\x00")
	n := 0
	for n < len(b) && n < 20 && b[n] >= '0' && b[n] <= '9' {
		n++
	}
	if n == 0 {
		return 0, false
	}
	return atoi64(b[:n]), true
}

// isIndirect reports whether b starts with a reference such as "12 0 R".
func isIndirect(b []byte) bool {
	f := bytes.Fields(b[:min(len(b), 64)])
	return len(f) >= 3 && isDigits(f[0]) && isDigits(f[1]) && bytes.HasPrefix(f[2], []byte("R"))
}

// scanXrefTable reads the subsection headers of a cross-reference table ("first count", then
// count entries of three fields) up to its trailer.
func scanXrefTable(data []byte, lim Limits, tooMany func(int64, string) error) error {
	for lines := 0; len(data) > 0 && lines < 1<<22; lines++ {
		var line []byte
		line, data = cutLine(data)
		f := bytes.Fields(line)
		switch {
		case len(f) == 0:
			continue
		case len(f) == 2 && isDigits(f[0]) && isDigits(f[1]):
			if n := atoi64(f[0]); n > lim.Objects {
				return tooMany(n, "an xref subsection")
			}
		case len(f) == 3 && isDigits(f[0]) && isDigits(f[1]):
			// an entry
		default:
			return nil // "trailer", or not a table at all
		}
	}
	return nil
}

func cutLine(data []byte) (line, rest []byte) {
	i := bytes.IndexAny(data, "\r\n")
	if i < 0 {
		return data, nil
	}
	j := i + 1
	if data[i] == '\r' && j < len(data) && data[j] == '\n' {
		j++
	}
	return data[:i], data[j:]
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// atoi64 parses a run of digits, saturating instead of overflowing.
func atoi64(b []byte) int64 {
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return 1 << 62
	}
	return n
}

// checkPrevChain follows the cross-reference sections from the last startxref through their
// /Prev entries and refuses a chain that comes back to a section it has read: the library would
// read them in a circle forever. A section's /Prev is the first one between its offset and the
// next startxref (tables, whose trailer follows them) or the start of its stream's data (xref
// streams, whose dictionary comes first).
func checkPrevChain(data []byte) error {
	i := bytes.LastIndex(data, []byte("startxref"))
	if i < 0 {
		return nil
	}
	off, ok := leadingInt(data[i+len("startxref"):])
	seen := map[int64]bool{}
	for ok && off >= 0 && off < int64(len(data)) {
		if seen[off] || len(seen) > 1000 {
			return limitf("PDF", limitLoop, 0, "xref /Prev chain returns to offset %d", off)
		}
		seen[off] = true
		section := data[off:]
		if j := bytes.Index(section, []byte("startxref")); j >= 0 {
			section = section[:j]
		}
		if !bytes.HasPrefix(bytes.TrimLeft(section, " \t\r\n"), []byte("xref")) {
			if j := bytes.Index(section, []byte("stream")); j >= 0 {
				section = section[:j]
			}
		}
		ok = false
		forEachKey(section, "/Prev", func(rest []byte) bool {
			off, ok = leadingInt(rest)
			return false
		})
	}
	return nil
}

// checkExtends refuses object streams whose /Extends chain comes back to itself, as far as the
// objects written in the file show it: the library would search them in a circle forever.
func checkExtends(data []byte) error {
	extends := map[int64]int64{}
	forEachKey(data, "/Extends", func(rest []byte) bool {
		target, ok := leadingInt(rest)
		at := len(data) - len(rest)
		if owner, found := enclosingObject(data[:at]); ok && found {
			extends[owner] = target
		}
		return true
	})
	for start := range extends {
		seen := map[int64]bool{}
		for id, ok := start, true; ok; id, ok = extends[id] {
			if seen[id] {
				return limitf("PDF", limitLoop, 0, "object stream %d extends itself through %d", start, id)
			}
			seen[id] = true
		}
	}
	return nil
}

// enclosingObject finds the number of the object whose "N G obj" header comes last in before.
func enclosingObject(before []byte) (int64, bool) {
	i := bytes.LastIndex(before, []byte("obj"))
	if i < 0 {
		return 0, false
	}
	f := bytes.Fields(before[max(0, i-32):i])
	if len(f) < 2 || !isDigits(f[len(f)-2]) || !isDigits(f[len(f)-1]) {
		return 0, false
	}
	return atoi64(f[len(f)-2]), true
}

// pdfGuard measures one PDF as it is read, against its limits.
type pdfGuard struct {
	lim     Limits
	decoded int64 // bytes decoded from streams so far
	// shown counts, over the document's content streams, an upper bound on the glyphs the
	// library will make of them (see textCounter).
	shown textCounter
	buf   []byte // for measure's copies: a page may name one stream thousands of times
}

// pages walks the page tree from the catalog's /Pages and returns the page dictionaries in
// order. It does not trust /Count: it stops at lim.Pages pages and lim.Depth levels, which also
// ends a tree whose Kids lead back to an ancestor.
func (g *pdfGuard) pages(root pdf.Value) ([]pdf.Page, error) {
	type frame struct {
		kids pdf.Value
		next int
	}
	var (
		pages []pdf.Page
		stack []frame
		nodes int
	)
	visit := func(v pdf.Value) error {
		nodes++
		if nodes > 2*g.lim.Pages+g.lim.Depth {
			return limitf("PDF", limitPages, int64(g.lim.Pages), "page tree has more than %d nodes", nodes-1)
		}
		switch {
		case v.Key("Type").Name() == "Pages" || v.Key("Kids").Kind() == pdf.Array:
			if len(stack) >= g.lim.Depth {
				return limitf("PDF", limitDepth, int64(g.lim.Depth), "page tree deeper than %d levels", g.lim.Depth)
			}
			stack = append(stack, frame{kids: v.Key("Kids")})
		case v.Kind() == pdf.Dict:
			if len(pages) == g.lim.Pages {
				return limitf("PDF", limitPages, int64(g.lim.Pages), "more than %d pages", g.lim.Pages)
			}
			pages = append(pages, pdf.Page{V: v})
		}
		return nil
	}
	if err := visit(root); err != nil {
		return nil, err
	}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.next >= top.kids.Len() {
			stack = stack[:len(stack)-1]
			continue
		}
		kid := top.kids.Index(top.next)
		top.next++
		if err := visit(kid); err != nil {
			return nil, err
		}
	}
	return pages, nil
}

// checkPage refuses a page whose inherited attributes would be looked up along an endless
// Parent chain, and measures its content streams and font maps before the library runs them.
func (g *pdfGuard) checkPage(p pdf.Page) error {
	v := p.V
	for i := 0; !v.IsNull(); i++ {
		if i > g.lim.Depth {
			return limitf("PDF", limitLoop, 0, "page's Parent chain longer than %d", g.lim.Depth)
		}
		v = v.Key("Parent")
	}
	contents := p.V.Key("Contents")
	if contents.Kind() == pdf.Array {
		for i := range contents.Len() {
			if err := g.measure(contents.Index(i), &g.shown); err != nil {
				return err
			}
		}
	} else if err := g.measure(contents, &g.shown); err != nil {
		return err
	}
	fonts := p.Resources().Key("Font")
	for _, name := range fonts.Keys() {
		if err := g.measure(fonts.Key(name).Key("ToUnicode"), nil); err != nil {
			return err
		}
	}
	return nil
}

// measure decodes a stream to count its bytes, refusing one behind more than lim.Filters
// filters, one that inflates past a quarter of lim.Decoded, or one that takes the document past
// lim.Decoded. A content stream's bytes also go through text, and the document is refused once
// its content streams show more than maxPDFGlyphs glyphs in all.
func (g *pdfGuard) measure(s pdf.Value, text *textCounter) error {
	if s.Kind() != pdf.Stream {
		return nil
	}
	if f := s.Key("Filter"); f.Kind() == pdf.Array && f.Len() > g.lim.Filters {
		return limitf("PDF", limitFilters, int64(g.lim.Filters), "stream behind %d filters", f.Len())
	}
	perStream := g.lim.Decoded / 4
	budget := min(perStream, g.lim.Decoded-g.decoded)
	var w io.Writer = io.Discard
	if text != nil {
		text.reset()
		w = text
	}
	if g.buf == nil {
		g.buf = make([]byte, 32<<10)
	}
	n, err := io.CopyBuffer(w, io.LimitReader(s.Reader(), budget+1), g.buf)
	g.decoded += n
	switch {
	case n > budget && n > perStream:
		return limitf("PDF", limitDecoded, perStream, "a stream inflates past %d bytes", perStream)
	case n > budget:
		return limitf("PDF", limitDecoded, g.lim.Decoded, "streams inflate past %d bytes in all", g.lim.Decoded)
	case err != nil:
		return fmt.Errorf("decode stream: %v: %w", err, &limitError{Format: "PDF", Limit: limitStructure})
	case text != nil && text.end() > maxPDFGlyphs:
		return limitf("PDF", limitText, 0, "content streams show more than %d glyphs", maxPDFGlyphs)
	}
	return nil
}

// textCounter reads content streams as they are decoded and counts an upper bound on the glyphs
// the PDF library makes of them before it makes them: it keeps a record of some hundred bytes
// for each glyph it shows, so a stream of a few megabytes of text could otherwise take
// gigabytes. The library turns each byte of a shown string into at most one glyph (unless a
// font's ToUnicode map expands it into several, which is left to the glyph count after the page
// is read and to the memory limit) and each TJ operator into one more, a line break; the
// counter counts the bytes of every string in the stream, shown or not, and every TJ. It skips
// comments and inline image data, where neither is code.
type textCounter struct {
	n      int64 // over the document
	state  textState
	depth  int  // of parentheses, in a literal string
	escape bool // after a backslash, in a literal string
	lt     bool // after a '<' that may open a hex string or a dictionary
	hex    int  // hex digits in the current hex string
	tok    [3]byte
	tokLen int  // length of the current token; only its first three bytes are kept
	name   bool // the current token is a name (/TJ), not an operator
	image  int  // progress through the white space, "EI", white space that ends inline image data
}

type textState uint8

const (
	inCode textState = iota
	inComment
	inLiteral
	inHex
	inImage
)

// reset starts a new stream; the count goes on.
func (c *textCounter) reset() {
	n := c.n
	*c = textCounter{n: n}
}

// end ends a stream, and the token it ends with, and returns the count so far.
func (c *textCounter) end() int64 {
	if c.state == inCode {
		c.endToken()
	}
	return c.n
}

// endToken counts the token that ends here if it is a TJ operator.
func (c *textCounter) endToken() {
	if !c.name && c.tokLen == 2 && c.tok[0] == 'T' && c.tok[1] == 'J' {
		c.n++
	}
	c.tokLen, c.name = 0, false
}

func (c *textCounter) Write(p []byte) (int, error) {
	if c.n > maxPDFGlyphs {
		return len(p), nil // counted enough; the rest only needs decoding
	}
	for i := 0; i < len(p); i++ {
		if c.state == inCode && !c.lt {
			// Most of a stream: the bytes of numbers and operators, and white space between
			// them, read here in a tight loop; only a two-byte token ending (TJ, ID) and
			// delimiters go on below.
			n := c.tokLen
			for ; i < len(p); i++ {
				if b := p[i]; pdfRegular[b] {
					if n < len(c.tok) {
						c.tok[n] = b
					}
					n++
				} else if !isPDFSpace(b) || n == 2 {
					break
				} else {
					n, c.name = 0, false
				}
			}
			c.tokLen = n
			if i == len(p) {
				break
			}
		}
		b := p[i]
		switch c.state {
		case inComment:
			if b == '\r' || b == '\n' {
				c.state = inCode
			}
		case inLiteral:
			switch {
			case c.escape:
				c.escape = false
			case b == '\\':
				c.escape = true
			case b == '(':
				c.depth++
			case b == ')':
				if c.depth--; c.depth == 0 {
					c.state = inCode
					continue
				}
			}
			c.n++
		case inHex:
			c.readHex(b)
		case inImage:
			// Inline image data ends at "EI" between white space (or at a delimiter after it).
			switch {
			case c.image == 0 || c.image == 1:
				if isPDFSpace(b) {
					c.image = 1
				} else if c.image == 1 && b == 'E' {
					c.image = 2
				} else {
					c.image = 0
				}
			case c.image == 2:
				if b == 'I' {
					c.image = 3
				} else if isPDFSpace(b) {
					c.image = 1
				} else {
					c.image = 0
				}
			case c.image == 3:
				if !pdfRegular[b] {
					c.state, c.image = inCode, 0
					i-- // read the delimiter as code
				} else {
					c.image = 0
				}
			}
		default:
			c.readCode(b)
		}
	}
	return len(p), nil
}

// readCode reads one byte outside strings, comments and images.
func (c *textCounter) readCode(b byte) {
	if c.lt {
		c.lt = false
		if b == '<' {
			return // "<<" opens a dictionary
		}
		c.state, c.hex = inHex, 0
		c.readHex(b)
		return
	}
	if pdfRegular[b] {
		if c.tokLen < len(c.tok) {
			c.tok[c.tokLen] = b
		}
		c.tokLen++
		return
	}
	// A token ends here.
	if !c.name && c.tokLen == 2 && c.tok[0] == 'I' && c.tok[1] == 'D' && isPDFSpace(b) {
		// One white-space byte, this one, separates "ID" from the image data.
		c.state, c.image, c.tokLen = inImage, 0, 0
		return
	}
	c.endToken()
	switch b {
	case '/':
		c.name = true
	case '(':
		c.state, c.depth = inLiteral, 1
	case '%':
		c.state = inComment
	case '<':
		c.lt = true
	}
}

// readHex reads one byte of a hex string: two digits make a byte.
func (c *textCounter) readHex(b byte) {
	switch {
	case b == '>':
		c.state = inCode
	case ('0' <= b && b <= '9') || ('a' <= b && b <= 'f') || ('A' <= b && b <= 'F'):
		if c.hex++; c.hex%2 == 1 {
			c.n++
		}
	}
}

// pdfRegular marks the PDF regular characters: those that are neither white space nor
// delimiters, and so continue a token.
var pdfRegular = func() (t [256]bool) {
	for i := range t {
		t[i] = !bytes.ContainsRune([]byte(" \t\r\n\f\x00()<>[]{}/%"), rune(i))
	}
	return t
}()

func isPDFSpace(b byte) bool {
	switch b {
	case ' ', '\t', '\r', '\n', '\f', 0:
		return true
	}
	return false
}
