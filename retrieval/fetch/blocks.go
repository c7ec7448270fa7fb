package fetch

import (
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// blockTags end one paragraph and start another: text inside a <p>, a heading, a list item or a
// blockquote becomes a paragraph of its own, as the page laid it out.
var blockTags = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true, atom.Body: true,
	atom.Caption: true, atom.Center: true, atom.Dd: true, atom.Details: true, atom.Dialog: true,
	atom.Dir: true, atom.Div: true, atom.Dl: true, atom.Dt: true, atom.Fieldset: true,
	atom.Figcaption: true, atom.Figure: true, atom.Footer: true, atom.Form: true, atom.H1: true,
	atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true, atom.Header: true,
	atom.Hgroup: true, atom.Hr: true, atom.Html: true, atom.Legend: true, atom.Li: true,
	atom.Main: true, atom.Menu: true, atom.Nav: true, atom.Ol: true, atom.P: true, atom.Pre: true,
	atom.Section: true, atom.Summary: true, atom.Table: true, atom.Tbody: true, atom.Tfoot: true,
	atom.Thead: true, atom.Tr: true, atom.Ul: true,
}

// skipTags hold no article text: scripts, media, form controls.
var skipTags = map[atom.Atom]bool{
	atom.Audio: true, atom.Button: true, atom.Canvas: true, atom.Embed: true, atom.Head: true,
	atom.Iframe: true, atom.Img: true, atom.Input: true, atom.Link: true, atom.Math: true,
	atom.Meta: true, atom.Noscript: true, atom.Object: true, atom.Option: true, atom.Picture: true,
	atom.Script: true, atom.Select: true, atom.Source: true, atom.Style: true, atom.Svg: true,
	atom.Template: true, atom.Textarea: true, atom.Title: true, atom.Video: true,
}

// blockParagraphs lists the text of root's blocks in reading order. White space collapses as a
// browser collapses it; <br> keeps a line break; table cells of one row are joined with " | ".
// Characters are otherwise kept as they are: curly quotes, dashes and non-breaking spaces survive.
func blockParagraphs(root *html.Node) []string {
	var (
		out     []string
		buf     strings.Builder
		preDeep int
	)
	flush := func() {
		if p := tidyParagraph(buf.String()); p != "" {
			out = append(out, p)
		}
		buf.Reset()
	}
	enter := func(n *html.Node) bool {
		switch n.Type {
		case html.TextNode:
			if preDeep > 0 {
				buf.WriteString(n.Data)
			} else {
				writeCollapsed(&buf, n.Data)
			}
			return false
		case html.ElementNode:
		default:
			return n.Type == html.DocumentNode
		}
		if skipTags[n.DataAtom] || (n.DataAtom == 0 && isForeignSkip(n.Data)) {
			return false
		}
		switch n.DataAtom {
		case atom.Br:
			buf.WriteByte('\n')
		case atom.Td, atom.Th:
			if strings.TrimSpace(buf.String()) != "" {
				buf.WriteString(" | ")
			}
		case atom.Pre:
			preDeep++
		}
		if blockTags[n.DataAtom] {
			flush()
		}
		return true
	}
	leave := func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		if n.DataAtom == atom.Pre && preDeep > 0 {
			preDeep--
		}
		if blockTags[n.DataAtom] {
			flush()
		}
	}
	traverse(root, enter, leave)
	flush()
	return out
}

// isForeignSkip catches unknown elements that still carry no text, such as <amp-ad>.
func isForeignSkip(tag string) bool {
	tag = strings.ToLower(tag)
	return strings.HasSuffix(tag, "-ad") || strings.HasPrefix(tag, "amp-ad")
}

// isHTMLSpace reports the white space HTML collapses; U+00A0 is not among it.
func isHTMLSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f'
}

// writeCollapsed writes s with each run of HTML white space turned into one space.
func writeCollapsed(b *strings.Builder, s string) {
	space := false
	for _, r := range s {
		if isHTMLSpace(r) {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	if space {
		b.WriteByte(' ')
	}
}

// tidyParagraph collapses spaces inside each line, trims each line and drops empty lines, so the
// result is trimmed and holds no blank line.
func tidyParagraph(s string) string {
	if s == "" {
		return ""
	}
	lines := strings.Split(s, "\n")
	kept := lines[:0]
	for _, line := range lines {
		var b strings.Builder
		writeCollapsed(&b, line)
		line = strings.TrimFunc(b.String(), isBlank)
		if line != "" {
			kept = append(kept, line)
		}
	}
	return strings.Join(kept, "\n")
}

// isBlank reports characters that print nothing: white space (including non-breaking space) and
// format characters such as zero-width spaces, joiners, soft hyphens and byte order marks.
func isBlank(r rune) bool {
	return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r)
}
