package fetch

import (
	"fmt"
	"strconv"
	"time"
)

// Limits bound what reading one untrusted document may cost. Documents come from anyone who can
// paste a link, attach a file or publish a feed item, and the parsers behind them (a PDF library
// that cannot be cancelled, readability's many passes over a page) can be made to loop, to
// allocate without end or to take minutes; see the hostile corpus in testdata/hostile.
//
// The structural limits (pages, depth, elements, decoded bytes, filters) are checked as the
// document is read and give a precise reason quickly. Time and memory are enforced from outside:
// each document is read in a child process that has an address-space and CPU rlimit and stops
// at its deadline, so even a loop or an allocation the checks do not foresee costs one
// refusal, never the bot.
type Limits struct {
	// Timeout is the processor time one document may take to read: the parser process's own,
	// so that a busy machine, which keeps it waiting for a processor, slows a document down
	// without refusing it (see cputime.go). Default 10 s.
	Timeout time.Duration
	// Memory caps the parser process's heap, in bytes. Default 512 MB.
	Memory int64
	// Pages caps the pages read from a PDF. Default 300.
	Pages int
	// Depth caps how deeply a PDF page tree or an HTML page may nest. Default 64 for the page
	// tree (real files rarely pass 10) and 4× that for HTML elements.
	Depth int
	// Decoded caps the bytes of PDF content streams and font maps after their filters are
	// applied, over the whole document. Default 48 MB.
	Decoded int64
	// Filters caps the filters one PDF stream may chain. Default 4.
	Filters int
	// Objects caps the objects a PDF may declare, which the library allocates up front.
	// Default 2,000,000.
	Objects int64
	// Elements caps the elements of an HTML page. Default 60,000 (a long news page has a few
	// thousand).
	Elements int
	// Concurrency caps the documents read at once, each in its own process. Default 2.
	Concurrency int
}

// defaultLimits are the limits applied when a Limits field is zero.
var defaultLimits = Limits{
	Timeout:     10 * time.Second,
	Memory:      512 << 20,
	Pages:       300,
	Depth:       64,
	Decoded:     48 << 20,
	Filters:     4,
	Objects:     2_000_000,
	Elements:    60_000,
	Concurrency: 2,
}

// withDefaults fills the zero (or negative) fields of l from defaultLimits.
func (l Limits) withDefaults() Limits {
	d := defaultLimits
	l.Timeout = positiveOr(l.Timeout, d.Timeout)
	l.Memory = positiveOr(l.Memory, d.Memory)
	l.Pages = positiveOr(l.Pages, d.Pages)
	l.Depth = positiveOr(l.Depth, d.Depth)
	l.Decoded = positiveOr(l.Decoded, d.Decoded)
	l.Filters = positiveOr(l.Filters, d.Filters)
	l.Objects = positiveOr(l.Objects, d.Objects)
	l.Elements = positiveOr(l.Elements, d.Elements)
	l.Concurrency = positiveOr(l.Concurrency, d.Concurrency)
	return l
}

// positiveOr is v when it is above zero, else d.
func positiveOr[T int | int64 | time.Duration](v, d T) T {
	if v <= 0 {
		return d
	}
	return v
}

// limitKind names which bound a document broke.
type limitKind string

// The bounds a limitError reports.
const (
	limitTime      limitKind = "time"
	limitMemory    limitKind = "memory"
	limitPages     limitKind = "pages"
	limitDepth     limitKind = "depth"     // page tree or element nesting
	limitLoop      limitKind = "loop"      // a structure that refers back to itself
	limitDecoded   limitKind = "decoded"   // content that inflates past Limits.Decoded
	limitFilters   limitKind = "filters"   // a stream behind too many filters
	limitObjects   limitKind = "objects"   // more objects than Limits.Objects
	limitElements  limitKind = "elements"  // more HTML elements or attributes than allowed
	limitText      limitKind = "text"      // more text than an article could hold
	limitCrash     limitKind = "crash"     // the parser process died
	limitStructure limitKind = "structure" // the document's own structure is broken
)

// limitError reports a document refused because reading it would cost more than Limits allow,
// or because the process reading it failed. Its message is a sentence for people; the error
// that wraps it carries the details for the log.
type limitError struct {
	// Format is "PDF", "page" (HTML) or "feed".
	Format string
	Limit  limitKind
	// Max is the bound that was passed, for the sentence; zero when it has no number.
	Max int64
}

// Error returns the sentence shown to people.
func (e *limitError) Error() string {
	doc := "that " + e.Format
	switch e.Limit {
	case limitTime:
		return doc + " took too long to read and was stopped; it may be damaged or built to stall readers"
	case limitMemory:
		return doc + " needed more memory than the bot allows for one document and was stopped; it may be damaged or built to exhaust readers"
	case limitPages:
		return fmt.Sprintf("%s has more than %s pages, more than the bot reads for one article", doc, thousands(e.Max))
	case limitDepth:
		return fmt.Sprintf("%s is nested more than %d levels deep, which no article needs; it may be damaged or built to trip up readers", doc, e.Max)
	case limitLoop:
		return doc + " refers back to itself in a loop, so it can't be read; it is damaged or built to trip up readers"
	case limitDecoded:
		return fmt.Sprintf("%s expands to more than %d MB when unpacked, more than the bot reads for one article", doc, e.Max>>20)
	case limitFilters:
		return doc + " packs its content in more layers than any real file uses, so it can't be read safely"
	case limitObjects:
		return fmt.Sprintf("%s declares more than %s objects, more than the bot reads for one article", doc, thousands(e.Max))
	case limitElements:
		return fmt.Sprintf("%s has more than %s HTML elements or attributes, more than the bot reads for one article", doc, thousands(e.Max))
	case limitText:
		return doc + " holds far more text than an article, more than the bot reads at once"
	case limitCrash:
		return "reading " + doc + " failed; it may be damaged"
	}
	return doc + " is damaged, so it can't be read"
}

// UserMessage returns the sentence shown to people.
func (e *limitError) UserMessage() string { return e.Error() }

// limitf returns an error for the log that wraps a limitError: detail says what exactly
// happened.
func limitf(format string, limit limitKind, max int64, detail string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(detail, args...), &limitError{Format: format, Limit: limit, Max: max})
}

// thousands writes n with commas between groups of three digits.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
