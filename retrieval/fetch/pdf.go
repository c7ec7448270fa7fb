package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"

	"github.com/newsbot/newsbot/retrieval/sentence"
)

// ReadPDF reads the text of an untrusted PDF file into paragraphs, in a child process bounded by
// defaultLimits (see Limits). Errors match errNotArticle or are a *limitError, whose message is a
// sentence for people, or the context's error.
func ReadPDF(ctx context.Context, data []byte) (Document, error) {
	return defaultIsolator().pdf(ctx, data)
}

// ReadPDF is the package's ReadPDF within the client's Limits.
func (c *Client) ReadPDF(ctx context.Context, data []byte) (Document, error) {
	return c.iso.pdf(ctx, data)
}

// maxPDFGlyphs caps the glyphs kept from one PDF: about 200 MB of the library's per-glyph records,
// and a few hundred times the text of a long article. The content streams are measured against
// it before the library reads them (textCounter), and the glyphs it makes after each page.
const maxPDFGlyphs = 2_000_000

// readPDF reads a PDF in this process within lim; see pdfguard.go for what it checks. The PDF
// library reports each glyph with its position; readPDF rebuilds lines from glyphs that share a
// baseline and paragraphs from the vertical gaps, indentation and font size changes between
// lines, joining words hyphenated across a line break. Title, author and date come from the
// document information dictionary.
func readPDF(ctx context.Context, data []byte, lim Limits) (doc Document, err error) {
	lim = lim.withDefaults()
	ctx, cancel := withCPUDeadline(ctx, lim.Timeout,
		limitf("PDF", limitTime, 0, "no result after %s of processor time", lim.Timeout))
	defer cancel()
	unreadable := &NotArticleError{Reason: "the PDF file could not be read"}
	defer func() {
		// The library panics on malformed files; the guard aborts it by panicking too.
		if p := recover(); p != nil {
			doc = Document{}
			if a, ok := p.(pdfAbort); ok {
				err = fmt.Errorf("read pdf: %w", a.err)
			} else {
				err = fmt.Errorf("read pdf: malformed content: %v: %w", p, unreadable)
			}
		}
	}()
	if err := prescanPDF(data, lim); err != nil {
		return Document{}, err
	}
	pr, err := pdf.NewReader(deadlineReader{ctx, bytes.NewReader(data)}, int64(len(data)))
	if err != nil {
		var a pdfAbort
		if errors.As(err, &a) {
			return Document{}, fmt.Errorf("open pdf: %w", a.err)
		}
		return Document{}, fmt.Errorf("open pdf: %v: %w", err, unreadable)
	}
	info := pr.Trailer().Key("Info")
	doc.Title = cleanInline(info.Key("Title").Text())
	doc.Author = cleanInline(info.Key("Author").Text())
	doc.PublishedAt = parsePDFDate(info.Key("CreationDate").Text())

	g := &pdfGuard{lim: lim}
	pages, err := g.pages(pr.Trailer().Key("Root").Key("Pages"))
	if err != nil {
		return Document{}, err
	}
	var lines []pdfLine
	glyphs := 0
	for i, page := range pages {
		if err := g.checkPage(page); err != nil {
			return Document{}, err
		}
		text := page.Content().Text
		if glyphs += len(text); glyphs > maxPDFGlyphs {
			return Document{}, limitf("PDF", limitText, 0, "more than %d glyphs", maxPDFGlyphs)
		}
		lines = append(lines, glyphLines(text, i+1)...)
	}
	paras := linesToParagraphs(lines)
	if doc.Title == "" && len(paras) > 0 && len(lines) > 0 && wordCount(paras[0]) <= 20 && lines[0].size > medianSize(lines)*1.15 {
		doc.Title = paras[0] // a first line set larger than the body is the headline
	}
	doc.Paragraphs, _ = filterParagraphs(paras, doc.Title, doc.Author)
	if err := checkArticle(doc.Paragraphs, false); err != nil {
		return Document{}, err
	}
	return doc, nil
}

// pdfLine is a run of glyphs on one baseline.
type pdfLine struct {
	page   int
	y      float64 // baseline, growing upwards
	x0, x1 float64 // left and right ends
	size   float64 // font size
	text   string
}

// glyphLines groups a page's glyphs, in content-stream order, into lines. A glyph starts a new line
// when its baseline moves by more than half the font size; a gap wider than a fraction of the font
// size between two glyphs becomes a space.
func glyphLines(glyphs []pdf.Text, page int) []pdfLine {
	var (
		lines []pdfLine
		cur   *pdfLine
		b     strings.Builder
		space bool
	)
	finish := func() {
		if cur != nil {
			cur.text = strings.TrimSpace(b.String())
			if cur.text != "" {
				lines = append(lines, *cur)
			}
		}
		cur, space = nil, false
		b.Reset()
	}
	for _, g := range glyphs {
		if g.S == "" || !utf8.ValidString(g.S) {
			continue
		}
		size := g.FontSize
		if size <= 0 {
			size = 10
		}
		if strings.TrimSpace(g.S) == "" {
			space = cur != nil
			continue
		}
		if cur != nil && math.Abs(g.Y-cur.y) > 0.5*math.Max(size, cur.size) {
			finish()
		}
		if cur == nil {
			cur = &pdfLine{page: page, y: g.Y, x0: g.X, x1: g.X, size: size}
		} else if space || g.X-cur.x1 > 0.2*size {
			b.WriteByte(' ')
		}
		space = false
		b.WriteString(g.S)
		w := g.W
		if w <= 0 {
			w = 0.5 * size // fonts without widths: guess half an em
		}
		cur.x0 = math.Min(cur.x0, g.X)
		cur.x1 = math.Max(cur.x1, g.X+w)
		cur.size = math.Max(cur.size, size)
	}
	finish()
	return lines
}

var rxPageNumber = regexp.MustCompile(`(?i)^(page\s+)?\d{1,4}(\s+(of|/)\s+\d{1,4})?$`)

// linesToParagraphs joins lines into paragraphs. A paragraph ends at a vertical gap clearly wider
// than the usual line spacing, at a first-line indent, at a change of font size (headings), or at a
// short line that ends a sentence. A paragraph that runs over a page break stays whole.
func linesToParagraphs(lines []pdfLine) []string {
	kept := lines[:0:0]
	for _, l := range lines {
		if !rxPageNumber.MatchString(l.text) {
			kept = append(kept, l)
		}
	}
	lines = kept
	if len(lines) == 0 {
		return nil
	}
	lead := typicalLead(lines)
	left, right := margins(lines)

	var (
		paras []string
		b     strings.Builder
	)
	flush := func() {
		if p := strings.TrimSpace(b.String()); p != "" {
			paras = append(paras, p)
		}
		b.Reset()
	}
	for i, l := range lines {
		if i > 0 && startsParagraph(lines[i-1], l, lead, left[l.page], right[lines[i-1].page]) {
			flush()
		}
		appendLine(&b, l.text)
	}
	flush()
	return paras
}

func startsParagraph(prev, cur pdfLine, lead, left, right float64) bool {
	ended := sentence.Complete(prev.text) || strings.HasSuffix(prev.text, ":") // a colon opens a list or a quote
	if math.Abs(cur.size-prev.size) > 0.15*math.Max(cur.size, prev.size) {
		return true // heading or caption
	}
	if cur.x0-math.Max(prev.x0, left) > 0.8*cur.size {
		return true // first-line indent
	}
	if cur.page != prev.page || cur.y > prev.y {
		return ended // new page or column: only a finished sentence ends the paragraph
	}
	if prev.y-cur.y > 1.4*lead {
		return true
	}
	width := right - left
	return ended && width > 0 && right-prev.x1 > 0.3*width
}

// appendLine adds a line to a paragraph, rejoining a word hyphenated across the break.
func appendLine(b *strings.Builder, line string) {
	cur := b.String()
	switch {
	case cur == "":
	case strings.HasSuffix(cur, "\u00ad"):
		b.Reset()
		b.WriteString(strings.TrimSuffix(cur, "\u00ad"))
	case brokenAtHyphen(cur):
		if next, _ := utf8.DecodeRuneInString(line); unicode.IsLower(next) {
			b.Reset() // "recon-" + "struction": a word split for the line
			b.WriteString(strings.TrimSuffix(cur, "-"))
		} // else "well-" + "Known": a compound, keep the hyphen, add no space
	default:
		b.WriteByte(' ')
	}
	b.WriteString(line)
}

// brokenAtHyphen reports whether a line ends in a hyphen right after a letter, so the next
// line continues the same word.
func brokenAtHyphen(prev string) bool {
	if !strings.HasSuffix(prev, "-") || len(prev) < 2 {
		return false
	}
	before, _ := utf8.DecodeLastRuneInString(prev[:len(prev)-1])
	return unicode.IsLetter(before)
}

// typicalLead is the most common distance between consecutive baselines of body text.
func typicalLead(lines []pdfLine) float64 {
	var gaps []float64
	for i := 1; i < len(lines); i++ {
		p, c := lines[i-1], lines[i]
		if p.page == c.page && p.y > c.y && math.Abs(p.size-c.size) < 0.5 {
			gaps = append(gaps, p.y-c.y)
		}
	}
	if len(gaps) == 0 {
		return 1.2 * medianSize(lines)
	}
	sort.Float64s(gaps)
	return gaps[len(gaps)/4] // lower quartile: paragraph gaps must not pull it up
}

// margins finds, per page, the left edge most lines start at and the right edge of full lines.
func margins(lines []pdfLine) (left, right map[int]float64) {
	left, right = map[int]float64{}, map[int]float64{}
	counts := map[int]map[int]int{}
	for _, l := range lines {
		if counts[l.page] == nil {
			counts[l.page] = map[int]int{}
		}
		counts[l.page][int(math.Round(l.x0))]++
		right[l.page] = math.Max(right[l.page], l.x1)
	}
	for page, c := range counts {
		best, n := 0, -1
		for x, k := range c {
			if k > n || (k == n && x < best) {
				best, n = x, k
			}
		}
		left[page] = float64(best)
	}
	return left, right
}

func medianSize(lines []pdfLine) float64 {
	sizes := make([]float64, len(lines))
	for i, l := range lines {
		sizes[i] = l.size
	}
	sort.Float64s(sizes)
	return sizes[len(sizes)/2]
}

// parsePDFDate reads a PDF date such as "D:20240312093000+01'00'"; it returns zero when it cannot.
func parsePDFDate(s string) time.Time {
	s = strings.TrimPrefix(strings.TrimSpace(s), "D:")
	s = strings.ReplaceAll(s, "'", "")
	for _, layout := range []string{"20060102150405-0700", "20060102150405Z0700", "20060102150405Z", "20060102150405", "200601021504", "20060102"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}
