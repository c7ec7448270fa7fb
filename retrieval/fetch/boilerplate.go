package fetch

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Cutting boilerplate happens twice. Before readability looks for the article, elements whose tag,
// role, class or id mark them as navigation, captions, teasers, banners or share bars are removed
// from the page. After it, paragraphs whose text reads like such boilerplate are dropped.

// boilerTags never hold article text.
var boilerTags = map[atom.Atom]bool{
	atom.Nav: true, atom.Aside: true, atom.Footer: true, atom.Form: true, atom.Button: true,
	atom.Dialog: true, atom.Figcaption: true, atom.Iframe: true, atom.Svg: true, atom.Noscript: true,
	atom.Select: true, atom.Template: true,
}

var boilerRoles = map[string]bool{
	"navigation": true, "banner": true, "contentinfo": true, "complementary": true, "dialog": true,
	"alertdialog": true, "search": true, "menu": true, "menubar": true, "toolbar": true,
}

// rxBoilerName matches class and id values of boilerplate containers by substring; rxBoilerToken
// matches single tokens of them, for words too short to match safely inside longer names.
var (
	rxBoilerName = regexp.MustCompile(`cookie|consent|gdpr|newsletter|signup|sign-up|social|sharing|` +
		`sharebar|share-(bar|tools|buttons?|links?|menu|icons?)|related|recommend|promo|outbrain|taboola|` +
		`advert|sponsor|caption|credit|breadcrumb|popup|modal|trending|most-?read|most-?popular|` +
		`more-?stories|read-?more|also-?read|toolbar|skip-?link|visually-?hidden|sr-only|screen-reader`)
	rxBoilerToken = regexp.MustCompile(`^(ad|ads|adslot|share|shares|comments?|disqus|tags|nav|navbar|` +
		`menu|sidebar|widget|masthead|subscribe|subscription|tools)$`)
	rxTokenSplit = regexp.MustCompile(`[^a-z0-9]+`)
)

// removeBoilerplate detaches boilerplate elements from the page. An element that holds the
// article, or most of the page's text, is never removed, whatever its name says.
func removeBoilerplate(root *html.Node) {
	total := textLen(root)
	var doomed []*html.Node
	walk(root, func(n *html.Node) bool {
		if n.Type != html.ElementNode || !isBoilerElement(n) || holdsArticle(n, total) {
			return true
		}
		doomed = append(doomed, n)
		return false
	})
	for _, n := range doomed {
		n.Parent.RemoveChild(n)
	}
}

func isBoilerElement(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Html, atom.Body, atom.Main, atom.Article, atom.Head:
		return false
	}
	if boilerTags[n.DataAtom] {
		return true
	}
	if hasAttr(n, "hidden") || attr(n, "aria-hidden") == "true" || boilerRoles[strings.ToLower(attr(n, "role"))] {
		return true
	}
	names := strings.ToLower(attr(n, "class") + " " + attr(n, "id"))
	if strings.TrimSpace(names) == "" {
		return false
	}
	if rxBoilerName.MatchString(names) {
		return true
	}
	for _, tok := range rxTokenSplit.Split(names, -1) {
		if rxBoilerToken.MatchString(tok) {
			return true
		}
	}
	return false
}

// holdsArticle reports whether n contains the article body or at least 40% of the page's text.
func holdsArticle(n *html.Node, total int) bool {
	found := false
	walk(n, func(d *html.Node) bool {
		if found {
			return false
		}
		if d != n && d.Type == html.ElementNode &&
			(d.DataAtom == atom.Article || d.DataAtom == atom.Main || attr(d, "itemprop") == "articleBody") {
			found = true
		}
		return true
	})
	return found || (total > 0 && textLen(n)*10 >= total*4)
}

// textLen counts the bytes of visible text under n.
func textLen(n *html.Node) int {
	count := 0
	walk(n, func(d *html.Node) bool {
		switch d.Type {
		case html.TextNode:
			count += len(strings.TrimSpace(d.Data))
		case html.ElementNode:
			return d.DataAtom != atom.Script && d.DataAtom != atom.Style && d.DataAtom != atom.Template
		}
		return true
	})
	return count
}

// hasPaywallNotice reports whether any short block of the page asks the reader to subscribe to
// read on. It runs before boilerplate removal, which may take the notice away. Only blocks whose
// text holds a paywall keyword are rebuilt and matched.
func hasPaywallNotice(root *html.Node) bool {
	checked := map[*html.Node]bool{}
	found := false
	walk(root, func(n *html.Node) bool {
		if found {
			return false
		}
		if n.Type == html.ElementNode && skipTags[n.DataAtom] {
			return false
		}
		if n.Type != html.TextNode || !containsAny(n.Data, paywallKeys...) {
			return true
		}
		block := n.Parent
		for block != nil && block.Parent != nil && !blockTags[block.DataAtom] {
			block = block.Parent
		}
		if block == nil || checked[block] {
			return true
		}
		checked[block] = true
		for _, p := range blockParagraphs(block) {
			if isPaywallNotice(p, wordCount(p)) {
				found = true
			}
		}
		return true
	})
	return found
}

// Paragraph-level patterns. Most apply only to short paragraphs, so a long paragraph that merely
// mentions a cookie or a newsletter is kept.
var (
	rxTeaser = regexp.MustCompile(`(?i)^(related( articles?| stories| story| coverage| content| reading| links?)?|` +
		`read (more|also|next)|see also|also read|more (on this( story)?|from [^:]{1,40}|about [^:]{1,40})|` +
		`recommended( for you| reading)?|you (may|might) also like|most (read|popular)|trending( now)?|` +
		`further reading|explore more)\s*[:：|»›>–—-]|^(watch|listen|video|audio|gallery)\s*:`)
	rxTeaserHeading = regexp.MustCompile(`(?i)^(related( articles?| stories| content| coverage| links)?|read more|` +
		`more stories|more on this story|most (read|popular)|you (may|might) also like|recommended( for you)?|` +
		`advertisement|skip advertisement|story continues below advertisement|share this (article|story|page)|` +
		`share|comments?|sign up|subscribe|topics|tags|listen to (this )?article|skip to (main )?content)[.:!]?$`)
	rxCredit = regexp.MustCompile(`(?i)((photo(graph)?s?|image|picture|illustration|video|credit|foto)\s*:\s*\S|` +
		`\b(photo(graph)?|image|picture|illustration)\s+(by|credit|courtesy)\b|` +
		`/\s*(getty( images)?|reuters|ap|afp|epa|epa-efe|shutterstock|alamy|bloomberg|pa( media| wire)?)\)?\.?$|` +
		`\((getty images|reuters|ap|afp|epa|shutterstock|alamy|ap photo[^)]*)\)\.?$|^©)`)
	rxCookie = regexp.MustCompile(`(?i)\b(we|this (web)?site|our (web)?site) uses? cookies\b|\bcookie (policy|settings|preferences|notice)\b|` +
		`\baccept (all )?cookies\b|\bmanage (your )?(cookie|consent|privacy) (settings|preferences|choices)\b`)
	rxCookieContext = regexp.MustCompile(`(?i)experience|browsing|consent|privacy|polic(y|ies)|accept|settings|` +
		`preferences|partners|personali[sz]|advertis|analytics|continuing`)
	rxNewsletter = regexp.MustCompile(`(?i)\b(sign up|subscribe|register)\b.{0,60}\bnewsletters?\b|` +
		`\bnewsletters?\b.{0,40}\b(sign up|subscribe|inbox)\b|\bget (our|the) .{0,40}(newsletter|briefing)\b`)
	rxPaywall = regexp.MustCompile(`(?i)subscribe (now )?to (continue|keep) reading|` +
		`to (continue|keep) reading,? (please )?(subscribe|log in|sign in|register)|` +
		`this (article|story|content) is (only )?(available|reserved|exclusive) (only )?(to|for) (paying )?(subscribers|members)|` +
		`already a (subscriber|member)\?|you(['’]ve| have) (reached|used( up)?) (your|all( of)? your|the)( \w+){0,3} (free )?(articles?|stories|limit)|` +
		`create a free account to (continue|keep) reading|subscribe for full access|for subscribers only`)
	rxDateline = regexp.MustCompile(`(?i)^(published|updated|last updated|posted|first published)\b`)
	shareWords = map[string]bool{"share": true, "this": true, "article": true, "story": true, "on": true,
		"via": true, "facebook": true, "twitter": true, "x": true, "linkedin": true, "whatsapp": true,
		"email": true, "e-mail": true, "mail": true, "print": true, "copy": true, "link": true,
		"reddit": true, "pinterest": true, "telegram": true, "messenger": true, "tweet": true,
		"save": true, "gift": true, "flipboard": true, "bluesky": true, "threads": true, "|": true, "·": true}
	shareCore = map[string]bool{"share": true, "facebook": true, "twitter": true, "linkedin": true,
		"whatsapp": true, "email": true, "e-mail": true, "print": true, "reddit": true, "pinterest": true,
		"telegram": true, "tweet": true, "flipboard": true, "bluesky": true}
)

// filterParagraphs drops boilerplate paragraphs, a repeated headline or byline, and exact
// repeats. It reports whether a paywall notice was among the dropped text.
func filterParagraphs(paras []string, title, author string) (kept []string, paywall bool) {
	seen := make(map[string]bool, len(paras))
	for _, p := range paras {
		words := wordCount(p)
		switch {
		case seen[p]:
		case title != "" && strings.EqualFold(p, title):
		case isBylineLine(p, author, words):
		case words <= 12 && rxDateline.MatchString(p):
		case isPaywallNotice(p, words):
			paywall = true
		case isBoilerText(p, words):
		default:
			seen[p] = true
			kept = append(kept, p)
		}
	}
	return kept, paywall
}

// The regular expressions are slow on long text, so each runs only when a cheap keyword test on
// the lowercased paragraph says it could match.

func isPaywallNotice(p string, words int) bool {
	if words > 60 {
		return false
	}
	return containsAny(p, paywallKeys...) && rxPaywall.MatchString(p)
}

// paywallKeys are fragments, lowercase and without first letters, one of which every paywall
// notice rxPaywall matches contains.
var paywallKeys = []string{"ubscri", "eading", "ember", "ree account", "ccess", "rticle", "tories", "imit",
	"SUBSCRI", "READING", "MEMBER"}

// isBoilerText reports a paragraph that reads like a caption credit, a teaser, a cookie banner,
// a newsletter box or a row of share buttons.
func isBoilerText(p string, words int) bool {
	if words > 80 {
		return false
	}
	lower := strings.ToLower(p)
	switch {
	case words <= 8 && rxTeaserHeading.MatchString(p):
		return true
	case words <= 40 && rxTeaser.MatchString(p):
		return true
	case words <= 60 && mayBeCredit(lower) && rxCredit.MatchString(p):
		return true
	case strings.Contains(lower, "cookie") && rxCookie.MatchString(p) && rxCookieContext.MatchString(p):
		return true
	case words <= 60 && containsAny(lower, "newsletter", "briefing") && rxNewsletter.MatchString(p):
		return true
	}
	return isShareRow(p)
}

func mayBeCredit(lower string) bool {
	if containsAny(lower, "photo", "image", "picture", "illustration", "video", "credit", "foto", "©") {
		return true
	}
	tail := lower[max(0, len(lower)-40):]
	return strings.Contains(tail, "/") || strings.HasSuffix(lower, ")") || strings.HasSuffix(lower, ").")
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func isShareRow(p string) bool {
	fields := strings.Fields(strings.ToLower(p))
	if len(fields) == 0 || len(fields) > 12 {
		return false
	}
	core := false
	for _, f := range fields {
		f = strings.Trim(f, ",.:;!")
		if f == "" {
			continue
		}
		if !shareWords[f] {
			return false
		}
		core = core || shareCore[f]
	}
	return core
}

// isBylineLine reports a short "By Jane Doe" line, which the Document carries as Author.
func isBylineLine(p, author string, words int) bool {
	if words > 12 || !rxByPrefix.MatchString(p) {
		return false
	}
	if author != "" && strings.Contains(strings.ToLower(p), strings.ToLower(author)) {
		return true
	}
	// Without a known author, accept "By Name Name" where every word after "By" is capitalised.
	for _, f := range strings.Fields(p)[1:] {
		r := []rune(f)
		if !(strings.ToUpper(string(r[0])) == string(r[0])) && f != "and" && f != "in" {
			return false
		}
	}
	return true
}

// Thresholds below which a page's text is not taken as an article.
const (
	minParagraphs   = 2
	minWords        = 60
	minPaywallWords = 150 // a page that shows a paywall notice needs this much text to count
)

// checkArticle decides whether the extracted paragraphs make an article.
func checkArticle(paras []string, paywalled bool) error {
	words := 0
	for _, p := range paras {
		words += wordCount(p)
	}
	switch {
	case paywalled && words < minPaywallWords:
		return &NotArticleError{Reason: "it looks like a paywall stub; the full text is for subscribers"}
	case len(paras) == 0:
		return &NotArticleError{Reason: "no readable text was found on the page"}
	case words == 1:
		return &NotArticleError{Reason: "only 1 word of text was found, too few for an article"}
	case words < minWords:
		return &NotArticleError{Reason: fmt.Sprintf("only %d words of text were found, too few for an article", words)}
	case len(paras) < minParagraphs:
		return &NotArticleError{Reason: "all its text is one block, not the paragraphs of an article"}
	}
	return nil
}

// wordCount counts runs of non-space characters, like len(strings.Fields(s)) without allocating.
func wordCount(s string) int {
	n, in := 0, false
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size
		if r == ' ' || r == '\n' || r == '\t' || r == '\r' || (r >= utf8.RuneSelf && unicode.IsSpace(r)) || r == '\v' || r == '\f' {
			in = false
		} else if !in {
			in, n = true, n+1
		}
	}
	return n
}
