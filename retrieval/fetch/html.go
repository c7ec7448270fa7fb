package fetch

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	readability "codeberg.org/readeck/go-readability/v2"
	"github.com/itlightning/dateparse"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
)

// ReadHTML reads an untrusted web page, such as a saved page or an attachment, in a child process
// bounded by defaultLimits (see Limits). pageURL is where the page came from, used to resolve
// relative links, to check what the page says about itself (see provenance.go) and as the
// Document's URL when the page declares no canonical one; it may be empty. A page without a readable article fails with an error matching errNotArticle; one that
// breaks a limit with a *limitError.
func ReadHTML(ctx context.Context, data []byte, pageURL string) (Document, error) {
	if pageURL != "" {
		if _, err := url.Parse(pageURL); err != nil {
			return Document{}, fmt.Errorf("parse page url: %w", ErrInvalidURL)
		}
	}
	return defaultIsolator().html(ctx, data, "", pageURL)
}

// ReadHTML is the package's ReadHTML within the client's Limits.
func (c *Client) ReadHTML(ctx context.Context, data []byte, pageURL string) (Document, error) {
	if pageURL != "" {
		if _, err := url.Parse(pageURL); err != nil {
			return Document{}, fmt.Errorf("parse page url: %w", ErrInvalidURL)
		}
	}
	return c.iso.html(ctx, data, "", pageURL)
}

// readHTML turns an HTML page into a Document in this process, within lim: metadata from the
// whole page, paragraphs from the article body that readability finds after the obvious
// boilerplate is cut away. Readability cannot be interrupted, so the context is checked between
// its steps; the child process's deadline bounds the steps themselves.
func readHTML(ctx context.Context, body []byte, contentType string, pageURL *url.URL, lim Limits) (Document, error) {
	lim = lim.withDefaults()
	if err := countTags(body, lim); err != nil {
		return Document{}, err
	}
	root, err := parseHTML(body, contentType)
	if err != nil {
		return Document{}, fmt.Errorf("%v: %w", err, &NotArticleError{Reason: "the page's HTML could not be parsed"})
	}
	if err := checkHTML(root, lim); err != nil {
		return Document{}, err
	}
	meta := readPageMeta(root, pageURL)
	meta.paywalled = meta.paywalled || hasPaywallNotice(root)
	removeBoilerplate(root)
	if ctx.Err() != nil {
		return Document{}, context.Cause(ctx)
	}

	parser := readability.NewParser()
	parser.CharThresholds = 200
	art, err := parser.ParseAndMutate(root, pageURL)
	if err != nil {
		return Document{}, fmt.Errorf("readability: %v: %w", err, &NotArticleError{Reason: "no readable text was found on the page"})
	}
	if ctx.Err() != nil {
		return Document{}, context.Cause(ctx)
	}

	doc := Document{
		Title:  cleanInline(art.Title()),
		Author: cleanByline(art.Byline()),
	}
	if pageURL != nil {
		doc.FetchedFrom = pageURL.String()
	}
	declared := cmp.Or(cleanInline(art.SiteName()), meta.siteName)
	doc.URL, doc.Source = pageIdentity(meta.canonical, declared, pageURL)
	doc.Title = trimSiteName(trimSiteName(doc.Title, declared), doc.Source)
	if t, err := art.PublishedTime(); err == nil {
		doc.PublishedAt = t
	} else {
		doc.PublishedAt = meta.published
	}

	var paras []string
	if art.Node != nil {
		paras = blockParagraphs(art.Node)
	}
	var sawPaywall bool
	doc.Paragraphs, sawPaywall = filterParagraphs(paras, doc.Title, doc.Author)
	if err := checkArticle(doc.Paragraphs, meta.paywalled || sawPaywall); err != nil {
		return Document{}, err
	}
	return doc, nil
}

// parseHTML decodes body to UTF-8 and parses it. The charset comes from a byte order mark, the
// Content-Type header or a <meta> declaration; without one, valid UTF-8 is taken as UTF-8 and
// anything else as Windows-1252, as browsers do.
func parseHTML(body []byte, contentType string) (*html.Node, error) {
	enc, _, certain := charset.DetermineEncoding(body, contentType)
	if !certain && utf8.Valid(body) {
		enc = encoding.Nop
	}
	var r io.Reader = bytes.NewReader(body)
	if enc != encoding.Nop {
		r = enc.NewDecoder().Reader(r)
	}
	root, err := html.Parse(r)
	if err != nil {
		return nil, fmt.Errorf("parse html: %w", err)
	}
	return root, nil
}

// maxAttrBytes is the longest attribute value kept. Article text never lives in attributes, and
// readability runs regular expressions over class and id values, so a megabyte-long one costs
// seconds.
const maxAttrBytes = 2048

// maxNestedText caps a page's text weighted by how deeply it is nested: the sum over its text of
// each byte's count of enclosing elements. Readability counts the characters under every element
// it weighs, so its time grows with this sum: 4 MB of text 50 elements deep (200 MB) takes it
// some ten seconds, a long article (100 KB, 20 deep: 2 MB) a few milliseconds.
const maxNestedText = 64 << 20

// countTags refuses a page with more start tags than lim.Elements or more attributes than four
// times that, by tokenizing it before it is parsed: the tokenizer is fast and keeps no tree, and
// the parser spends seconds and hundreds of megabytes on a page of half a million elements.
//
// The tokenizer reads a whole tag before it says what the tag holds, and spends a microsecond
// and a map entry on each attribute, so one tag of 400,000 attributes would cost half a second
// before it could be counted. It is therefore stopped at any token longer than tokenScan; a tag
// that long has its attributes counted from its bytes first, and then it, or any other long
// token, is read again, on its own, by a tokenizer started where it begins.
func countTags(body []byte, lim Limits) error {
	maxAttrs := 4 * lim.Elements
	z := html.NewTokenizer(bytes.NewReader(body))
	z.SetMaxBuf(tokenScan)
	limited := true
	tags, attrs := 0, 0
	offset := 0      // where the current token starts in body
	rawText := false // whether the last token opened an element whose content is raw text
	for {
		tt := z.Next()
		// A token cut short is an error (tags) or comes out partial (text, comments): a token
		// read whole is shorter than the buffer.
		if limited && ((tt == html.ErrorToken && z.Err() == html.ErrBufferExceeded) || (tt != html.ErrorToken && len(z.Raw()) >= tokenScan)) {
			token := body[offset:]
			if len(token) > 1 && token[0] == '<' && isASCIILetter(token[1]) && !rawText {
				if n := tagAttrs(token, maxAttrs-attrs); attrs+n > maxAttrs {
					return limitf("page", limitElements, int64(lim.Elements), "page has a tag with more than %d attributes", maxAttrs-attrs)
				}
			}
			if rawText {
				// Raw text is read as such only after its element's start tag: count again, from
				// the start, without stopping.
				z = html.NewTokenizer(bytes.NewReader(body))
				tags, attrs, offset, limited = 0, 0, 0, false
				tt = z.Next()
			} else {
				z = html.NewTokenizer(bytes.NewReader(token))
				tt = z.Next()
				z.SetMaxBuf(tokenScan)
			}
		}
		if tt == html.ErrorToken {
			return nil
		}
		offset += len(z.Raw())
		rawText = false
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			tags++
			name, more := z.TagName()
			for ; more; attrs++ {
				_, _, more = z.TagAttr()
			}
			if tags > lim.Elements || attrs > maxAttrs {
				return limitf("page", limitElements, int64(lim.Elements), "page has more than %d tags or %d attributes", lim.Elements, maxAttrs)
			}
			rawText = rawTextElements[string(name)] // self-closing or not, as the tokenizer does
		}
	}
}

// tokenScan is the longest token countTags lets the tokenizer read in one go: some thousands of
// attributes, longer than the tags of real pages but for inline data (data: URLs), which are read
// again.
const tokenScan = 64 << 10

// rawTextElements are the elements whose content the tokenizer reads as text, tags and all.
var rawTextElements = map[string]bool{"iframe": true, "noembed": true, "noframes": true, "noscript": true,
	"plaintext": true, "script": true, "style": true, "textarea": true, "title": true, "xmp": true}

func isASCIILetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// tagAttrs counts the attributes of the start tag at the start of tag ("<name k=v ...>") as the
// tokenizer reads them, duplicates and all, up to max+1.
func tagAttrs(tag []byte, max int) int {
	space := func(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' }
	skip := func(i int) int {
		for i < len(tag) && space(tag[i]) {
			i++
		}
		return i
	}
	i := 1
	for i < len(tag) && !space(tag[i]) && tag[i] != '/' && tag[i] != '>' {
		i++ // the name
	}
	for n := 0; ; n++ {
		if i = skip(i); i >= len(tag) || tag[i] == '>' || n > max {
			return n
		}
		// The key: up to white space, '/', '>' or a '=' that is not its first byte.
		j := i + 1
		for j < len(tag) && !space(tag[j]) && tag[j] != '/' && tag[j] != '>' && tag[j] != '=' {
			j++
		}
		if i = skip(j); i >= len(tag) || tag[i] != '=' {
			if i < len(tag) && tag[i] == '/' {
				i++
			}
			continue
		}
		// The value, quoted or not.
		if i = skip(i + 1); i >= len(tag) {
			continue
		}
		switch q := tag[i]; q {
		case '>':
		case '"', '\'':
			if k := bytes.IndexByte(tag[i+1:], q); k >= 0 {
				i += k + 2
			} else {
				i = len(tag)
			}
		default:
			for i < len(tag) && !space(tag[i]) && tag[i] != '>' {
				i++
			}
		}
	}
}

// checkHTML refuses a page with more elements or attributes than lim.Elements, nested deeper
// than 4×lim.Depth, or with more nested text than maxNestedText, and drops attribute values
// longer than maxAttrBytes, before readability, whose passes over the tree grow with all of
// them.
func checkHTML(root *html.Node, lim Limits) error {
	elements, attrs, depth, deepest, nested := 0, 0, 0, 0, 0
	maxDepth := 4 * lim.Depth
	traverse(root, func(n *html.Node) bool {
		if n.Type == html.TextNode {
			nested += len(n.Data) * depth
		}
		if n.Type != html.ElementNode {
			return true
		}
		elements++
		attrs += len(n.Attr)
		depth++
		deepest = max(deepest, depth)
		n.Attr = slices.DeleteFunc(n.Attr, func(a html.Attribute) bool { return len(a.Val) > maxAttrBytes })
		return elements <= lim.Elements && attrs <= 4*lim.Elements && depth <= maxDepth
	}, func(n *html.Node) {
		if n.Type == html.ElementNode {
			depth--
		}
	})
	switch {
	case elements > lim.Elements || attrs > 4*lim.Elements:
		return limitf("page", limitElements, int64(lim.Elements), "page has more than %d elements or %d attributes", lim.Elements, 4*lim.Elements)
	case deepest > maxDepth:
		return limitf("page", limitDepth, int64(maxDepth), "page nests elements more than %d deep", maxDepth)
	case nested > maxNestedText:
		return limitf("page", limitText, 0, "page's text weighted by nesting is %d bytes", nested)
	}
	return nil
}

// pageMeta is what readability does not report: the canonical URL, fallbacks for the date and
// the outlet, and whether the page says it is for subscribers only.
type pageMeta struct {
	canonical string
	siteName  string
	published time.Time
	paywalled bool
}

var rxNotFree = regexp.MustCompile(`(?i)"isAccessibleForFree"\s*:\s*"?false`)

func readPageMeta(root *html.Node, pageURL *url.URL) pageMeta {
	var m pageMeta
	var ogURL, dateText string
	walk(root, func(n *html.Node) bool {
		if n.Type != html.ElementNode {
			return true
		}
		switch n.DataAtom {
		case atom.Link:
			if m.canonical == "" && hasToken(attr(n, "rel"), "canonical") {
				m.canonical = absoluteWebURL(attr(n, "href"), pageURL)
			}
		case atom.Meta:
			key := strings.ToLower(attr(n, "property") + attr(n, "name") + attr(n, "itemprop"))
			content := strings.TrimSpace(attr(n, "content"))
			switch key {
			case "og:url":
				ogURL = absoluteWebURL(content, pageURL)
			case "og:site_name", "application-name":
				if m.siteName == "" {
					m.siteName = cleanInline(content)
				}
			case "datepublished", "date", "pubdate", "publishdate", "dc.date.issued", "dcterms.issued",
				"sailthru.date", "parsely-pub-date", "article.published":
				if dateText == "" {
					dateText = content
				}
			}
		case atom.Time:
			if dateText == "" && (attr(n, "itemprop") == "datePublished" || hasAttr(n, "pubdate")) {
				dateText = attr(n, "datetime")
			}
		case atom.Script:
			if strings.Contains(attr(n, "type"), "ld+json") && n.FirstChild != nil &&
				rxNotFree.MatchString(n.FirstChild.Data) {
				m.paywalled = true
			}
		}
		return true
	})
	if m.canonical == "" {
		m.canonical = ogURL
	}
	if dateText != "" {
		if t, err := dateparse.ParseAny(dateText); err == nil {
			m.published = t
		}
	}
	return m
}

// absoluteWebURL resolves ref against base and keeps it only if it is an http or https URL.
func absoluteWebURL(ref string, base *url.URL) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if checkScheme(u) != nil {
		return ""
	}
	return withoutUserinfo(u).String()
}

// siteFromURL names the outlet after the host when the page does not name itself.
func siteFromURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	return strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
}

var rxByPrefix = regexp.MustCompile(`(?i)^(by|von|par|por|door)\s+`)

// cleanByline turns "By Jane Doe" into "Jane Doe".
func cleanByline(s string) string {
	return rxByPrefix.ReplaceAllString(cleanInline(s), "")
}

// cleanInline collapses runs of white space into one space and trims the ends.
func cleanInline(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// walk visits n and its descendants in document order; fn returns false to skip a node's children.
// It does not recurse, so hostile nesting depth cannot exhaust the stack. fn must not detach nodes.
func walk(root *html.Node, fn func(*html.Node) bool) {
	traverse(root, fn, func(*html.Node) {})
}

// traverse visits root's subtree in document order, calling enter before a node's children and
// leave after them. When enter returns false the children are skipped, but leave is still called.
func traverse(root *html.Node, enter func(*html.Node) bool, leave func(*html.Node)) {
	n := root
	for {
		if enter(n) && n.FirstChild != nil {
			n = n.FirstChild
			continue
		}
		for {
			leave(n)
			if n == root {
				return
			}
			if n.NextSibling != nil {
				n = n.NextSibling
				break
			}
			n = n.Parent
		}
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func hasToken(list, token string) bool {
	for _, f := range strings.Fields(list) {
		if strings.EqualFold(f, token) {
			return true
		}
	}
	return false
}

// trimSiteName removes the site name that <title> elements often append to
// the headline: "Ferry Service Resumes | Island Post" → "Ferry Service
// Resumes".
func trimSiteName(title, site string) string {
	if site == "" {
		return title
	}
	for _, sep := range []string{" | ", " - ", " – ", " — ", " :: ", " · "} {
		if head, ok := strings.CutSuffix(title, sep+site); ok && strings.TrimSpace(head) != "" {
			return strings.TrimSpace(head)
		}
	}
	return title
}
