package retrieval

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/newsbot/newsbot/retrieval/sentence"
)

// MaxFileBytes caps the size of one imported file or article file.
const MaxFileBytes = 10 << 20

// ImportText turns text as people paste it from a web page into an article:
// soft-wrapped lines are joined into paragraphs, the headline is found (also
// when it wraps over two lines), and page furniture — the site name and
// tagline, photo captions with credits, "Related article" teasers — is
// dropped. Quotes and typographic characters are kept exactly. The article
// has no id, scope or load time yet; markdown marks headings, list items and
// block quotes when markdown is true.
func ImportText(data []byte, markdown bool) (*Article, error) {
	if err := checkText(data); err != nil {
		return nil, err
	}
	blocks := splitBlocks(string(data), markdown)
	if len(blocks) == 0 {
		return nil, errors.New("the file has no text")
	}
	a := &Article{}
	first := 0
	if firstLineHeadline(blocks) {
		a.Title, first = blocks[0].text, 1
	}
	body := first + bodyStart(blocks[first:])
	head, rest := blocks[first:body], blocks[body:]
	h := readHeader(head, a.Title == "")
	a.Title = cmp.Or(a.Title, h.title)
	a.Source, a.Author, a.PublishedAt = h.source, h.author, h.published
	for _, b := range rest {
		if b.heading && a.Title == "" {
			a.Title = b.text
			continue
		}
		if isFurniture(b) {
			continue
		}
		a.Paragraphs = append(a.Paragraphs, b.text)
	}
	if len(a.Paragraphs) == 0 {
		return nil, errors.New("the text has a headline but no paragraphs")
	}
	a.Paragraphs = SplitLong(a.Paragraphs)
	if a.Title == "" {
		a.Title = FirstWords(a.Paragraphs[0], 12)
	}
	return a, nil
}

// checkText refuses binary data and oversized files.
func checkText(data []byte) error {
	switch {
	case len(data) > MaxFileBytes:
		return fmt.Errorf("the file is %d MB, more than the %d MB allowed", len(data)>>20, MaxFileBytes>>20)
	case bytes.IndexByte(data, 0) >= 0 || !utf8.Valid(data):
		return errors.New("the file is not UTF-8 text")
	case len(bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\ufeff")))) == 0:
		return errors.New("the file is empty")
	}
	return nil
}

// block is a paragraph candidate: soft-wrapped lines joined.
type block struct {
	text     string
	indented bool // its first line started with white space
	heading  bool // a markdown heading
	quote    bool // a markdown block quote
	lines    int
	// raw holds the block's lines before they were joined.
	raw []string
	// blankAfter is true when a blank line (or the end) ends the block.
	blankAfter bool
}

var (
	listItem = regexp.MustCompile(`^([-*+•]|[0-9]{1,3}[.)])\s+`)
	mdHead   = regexp.MustCompile(`^#{1,6}\s+`)
)

// splitBlocks joins soft-wrapped lines. A blank line, or a line that starts
// with white space, starts a new paragraph; so do list items, and in markdown
// headings and block quotes.
func splitBlocks(s string, markdown bool) []block {
	s = strings.TrimPrefix(s, "\ufeff")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	var (
		out []block
		cur *block
		buf strings.Builder
	)
	flush := func() {
		if cur != nil {
			cur.text = buf.String()
			if cur.text != "" {
				out = append(out, *cur)
			}
		}
		cur = nil
		buf.Reset()
	}
	for _, raw := range strings.Split(s, "\n") {
		line := strings.TrimFunc(raw, unicode.IsSpace)
		if line == "" {
			if cur != nil {
				cur.blankAfter = true
			}
			flush()
			continue
		}
		indented := raw != strings.TrimLeftFunc(raw, unicode.IsSpace)
		heading := markdown && mdHead.MatchString(line)
		quote := markdown && strings.HasPrefix(line, ">")
		if heading {
			line = strings.TrimSpace(mdHead.ReplaceAllString(line, ""))
			line = strings.TrimRight(line, "# ")
		}
		if quote {
			line = strings.TrimSpace(strings.TrimLeft(line, ">"))
			if line == "" {
				continue
			}
		}
		starts := cur == nil || indented || heading || cur.heading || quote != cur.quote || listItem.MatchString(line)
		if starts {
			flush()
			cur = &block{indented: indented, heading: heading, quote: quote}
		} else {
			joinSoftWrap(&buf, line)
			cur.lines++
			cur.raw = append(cur.raw, line)
			continue
		}
		buf.WriteString(line)
		cur.lines = 1
		cur.raw = []string{line}
	}
	if cur != nil {
		cur.blankAfter = true
	}
	flush()
	return out
}

// joinSoftWrap appends a wrapped continuation line: a word split by a hyphen
// at the line end joins without a space, anything else with one.
func joinSoftWrap(buf *strings.Builder, line string) {
	prev := buf.String()
	if n := len(prev); n >= 2 && prev[n-1] == '-' && isLetter(prev[n-2]) {
		buf.WriteString(line)
		return
	}
	buf.WriteByte(' ')
	buf.WriteString(line)
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// bodyStart finds the first block that reads like a paragraph of prose:
// everything before it is the page header (site name, headline, byline).
func bodyStart(blocks []block) int {
	for i, b := range blocks {
		if b.heading {
			continue
		}
		n := len(strings.Fields(b.text))
		if n >= 20 || (n >= 8 && sentence.Complete(b.text)) {
			return i
		}
	}
	return 0
}

var leadPunct = regexp.MustCompile(`^[^\p{L}\p{N}]+`)

// firstLineHeadline reports whether the first block is the headline: a
// single line followed by a blank line that reads like a headline, when
// more text follows. The furniture rules say otherwise for a line that is
// furniture (a caption, a teaser, a byline or date, a site logo's
// punctuation as in ". Moscow Times"), and for a short line of at most four
// words followed by a longer headline: that is the outlet's name ("The New
// York Times").
func firstLineHeadline(blocks []block) bool {
	if len(blocks) < 2 {
		return false
	}
	f := blocks[0]
	switch {
	case f.heading || f.quote || f.indented || f.lines != 1 || !f.blankAfter:
		return false
	case leadPunct.MatchString(f.text) && !strings.ContainsAny(f.text[:1], "\"'‘“«(["):
		return false
	case !headlineLike(f.text) || isFurniture(f) || metaBlock(f):
		return false
	case words(f.text) < 3 && (outletName.MatchString(f.text) || allCaps(f.text)):
		return false // "Daily Planet", "REUTERS"
	}
	next := blocks[1]
	if words(f.text) <= 4 && outletName.MatchString(f.text) && !next.heading && titleLike(next.text) && !metaBlock(next) {
		return false
	}
	return true
}

// outletName matches words that name news outlets, which a short first
// line above the headline usually holds ("The Harbour Gazette").
var outletName = regexp.MustCompile(`(?i)\b(?:times|post|news|gazette|journal|herald|tribune|guardian|telegraph|chronicle|daily|weekly|today|press|review|observer|mail|star|sun|independent|express|standard|reuters|ap|afp|bbc|cnn|npr|bloomberg|magazine|radio|tv|media|wire|courier|examiner|inquirer|globe|register|record|bulletin|dispatch|monitor|insider|online)\b|\.(?:com|org|net|co\.uk)\b`)

// headlineLike is titleLike for a line that stands alone at the top: two
// words are enough ("50 States"), and a headline may be cut short with an
// ellipsis, as feeds and search results print them.
func headlineLike(s string) bool {
	if t, cut := strings.CutSuffix(s, "..."); cut {
		s = strings.TrimSpace(t)
	} else if t, cut := strings.CutSuffix(s, "…"); cut {
		s = strings.TrimSpace(t)
	}
	if words(s) == 2 {
		s += " x" // titleLike's other rules, without its three-word floor
	}
	return titleLike(s)
}

// metaBlock reports whether every line of b is a byline or a date line.
func metaBlock(b block) bool {
	var h header
	var outlet string
	return h.readMeta(b.raw, &outlet)
}

// header is what the blocks before the body say about the article.
type header struct {
	title, source, author string
	published             time.Time
}

// readHeader picks the headline, outlet, byline and date out of the blocks
// before the body. The headline (when wantTitle) is the longest title-like
// block; a short block before it is the outlet; bylines and date lines give
// the author, the outlet they name and the date, also when they share a
// block; the rest (taglines, captions) is dropped.
func readHeader(head []block, wantTitle bool) header {
	var h header
	best := -1
	for i, b := range head {
		if !wantTitle {
			break
		}
		if b.heading {
			best = i
			break
		}
		if titleLike(b.text) && !metaBlock(b) && (best < 0 || words(b.text) > words(head[best].text)) {
			best = i
		}
	}
	if best >= 0 {
		h.title = head[best].text
	}
	var bylineOutlet string
	for i, b := range head {
		if i == best {
			continue
		}
		if h.readMeta(b.raw, &bylineOutlet) {
			continue
		}
		if h.source == "" && wantTitle && (best < 0 || i < best) && words(b.text) <= 5 && !allCaps(b.text) {
			h.source = strings.TrimSpace(leadPunct.ReplaceAllString(b.text, ""))
		}
	}
	h.source = cmp.Or(h.source, bylineOutlet)
	return h
}

// readMeta takes the author, outlet and date from lines that are all
// bylines or date lines, and reports whether they were; the first of each
// wins.
func (h *header) readMeta(lines []string, outlet *string) bool {
	type meta struct {
		author, outlet string
		date           time.Time
	}
	var found []meta
	for _, l := range lines {
		if author, o, t, ok := parseByline(l); ok {
			found = append(found, meta{author, o, t})
		} else if t, ok := parseDateLine(l); ok {
			found = append(found, meta{date: t})
		} else {
			return false
		}
	}
	for _, m := range found {
		if h.author == "" {
			h.author = m.author
		}
		if *outlet == "" {
			*outlet = m.outlet
		}
		if h.published.IsZero() {
			h.published = m.date
		}
	}
	return true
}

// titleLike reports whether s reads like a headline: a handful of words,
// mostly capitalised or at least not all caps, and not a sentence.
func titleLike(s string) bool {
	n := words(s)
	if n < 3 || n > 30 || allCaps(s) || strings.HasSuffix(s, ".") {
		return false
	}
	return !creditLike(s)
}

func words(s string) int { return len(strings.Fields(s)) }

func allCaps(s string) bool {
	letters := 0
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsLetter(r) {
			letters++
		}
	}
	return letters > 0
}

var (
	teaser = regexp.MustCompile(`^(?i:related(?: articles?| stories| story| content| reading)?|read (?:more|also)|see also|also read|more on this|recommended|you may also like|watch)\s*[:|—–-]`)
	credit = regexp.MustCompile(`(?i)\b(?:photo|image|picture|credit|foto|illustration)s?\s*(?:by|:)|©|\b(?:getty images|reuters|afp|ap photo|epa|tass|sputnik|ria novosti|press service|press office|kremlin\.ru|shutterstock|unsplash|wikimedia commons)\b`)
	boiler = regexp.MustCompile(`^(?i:advertisement|share (?:this|on)|subscribe(?: now)?|sign up for .*newsletter.*|follow us on .*|copyright .*|all rights reserved\.?|comments?|print|email)$`)
)

// isFurniture reports whether a body block is page furniture rather than
// article text: a teaser for another article, a photo caption with its
// credit, or a sharing or subscription prompt.
func isFurniture(b block) bool {
	t := b.text
	if teaser.MatchString(t) || boiler.MatchString(t) {
		return true
	}
	return creditLike(t) && words(t) <= 30 && !sentence.Complete(t)
}

// creditLike reports whether s names a photo credit or a wire service in the
// way captions do.
func creditLike(s string) bool { return credit.MatchString(s) }

// FirstWords returns the first n words of s, with an ellipsis when it cut
// any: a headline for text that has none.
func FirstWords(s string, n int) string {
	f := strings.Fields(s)
	if len(f) <= n {
		return strings.Join(f, " ")
	}
	return strings.Join(f[:n], " ") + "…"
}
