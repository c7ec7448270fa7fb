package fetch

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"
)

func TestReadHTML(t *testing.T) {
	page := fixture(t, "article.html", "")
	doc, err := ReadHTML(context.Background(), []byte(page), "https://news.example.com/story?utm_source=chat")
	if err != nil {
		t.Fatalf("ReadHTML: %v", err)
	}
	want := Document{
		Title:       "Harbour bridge reopens after two-year repair",
		URL:         "https://news.example.com/2024/03/12/harbour-bridge-reopens",
		FetchedFrom: "https://news.example.com/story?utm_source=chat",
		Source:      "The Daily Example",
		Author:      "Jane Doe",
		PublishedAt: time.Date(2024, 3, 12, 9, 30, 0, 0, time.UTC),
		Paragraphs:  wantArticleParagraphs,
	}
	if diff := cmp.Diff(want, doc); diff != "" {
		t.Errorf("ReadHTML mismatch (-want +got):\n%s", diff)
	}
}

// readPage reads a page in this process, as the parser process does: the tests of what is
// extracted need no process of their own (TestReadHTML and the hostile tests cover that).
func readPage(tb testing.TB, page, pageURL string) (Document, error) {
	tb.Helper()
	var base *url.URL
	if pageURL != "" {
		var err error
		if base, err = url.Parse(pageURL); err != nil {
			tb.Fatal(err)
		}
	}
	return readHTML(context.Background(), []byte(page), "", base, Limits{})
}

func TestReadHTMLMetadataFallbacks(t *testing.T) {
	tests := []struct {
		name, head, pageURL string
		want                Document
	}{
		{
			name:    "og:url without canonical",
			head:    `<meta property="og:url" content="https://example.org/a/1">`,
			pageURL: "https://example.org/a/1?ref=home",
			want:    Document{URL: "https://example.org/a/1", FetchedFrom: "https://example.org/a/1?ref=home", Source: "example.org"},
		},
		{
			name:    "no canonical: the page URL, host as source",
			pageURL: "https://www.example.org/a/2",
			want:    Document{URL: "https://www.example.org/a/2", FetchedFrom: "https://www.example.org/a/2", Source: "example.org"},
		},
		{
			name:    "canonical with a non-web scheme is ignored",
			head:    `<link rel="canonical" href="javascript:alert(1)">`,
			pageURL: "https://example.org/a/3",
			want:    Document{URL: "https://example.org/a/3", FetchedFrom: "https://example.org/a/3", Source: "example.org"},
		},
		{
			name: "date from itemprop, author from meta",
			head: `<meta itemprop="datePublished" content="2023-11-02T07:00:00+01:00"><meta name="author" content="Lee Wong">`,
			want: Document{Author: "Lee Wong", PublishedAt: time.Date(2023, 11, 2, 6, 0, 0, 0, time.UTC)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			paras := longParagraphs("Meta", 3)
			page := strings.Replace(articlePage("A headline", paras...), "<title>", tt.head+"<title>", 1)
			page = strings.Replace(page, `<meta property="og:site_name" content="The Daily Example">`, "", 1)
			doc, err := readPage(t, page, tt.pageURL)
			if err != nil {
				t.Fatalf("ReadHTML: %v", err)
			}
			tt.want.Title, tt.want.Paragraphs = "A headline", paras
			doc.PublishedAt = doc.PublishedAt.UTC()
			if diff := cmp.Diff(tt.want, doc); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBlockParagraphs(t *testing.T) {
	tests := []struct {
		name, html string
		want       []string
	}{
		{"paragraphs and headings", "<h2>Head</h2><p>One.</p><p>Two.</p>", []string{"Head", "One.", "Two."}},
		{"white space collapses", "<p>  a\n\t b   <b>c</b>\n</p>", []string{"a b c"}},
		{"inline elements join", "<p>“Quote,” <em>she</em> said — <a href=x>link</a>.</p>", []string{"“Quote,” she said — link."}},
		{"br keeps one line break", "<p>line one<br>line two<br><br>line three</p>", []string{"line one\nline two\nline three"}},
		{"non-breaking space kept inside, trimmed outside", "<p>&nbsp;10&nbsp;km&nbsp;</p><p>&nbsp;</p>", []string{"10\u00a0km"}},
		{"zero-width only is empty", "<p>\u200b</p><p>x</p>", []string{"x"}},
		{"list items", "<ul><li>a</li><li>b <b>c</b></li></ul>", []string{"a", "b c"}},
		{"nested blockquote", "<blockquote><p>q1</p><p>q2</p></blockquote>", []string{"q1", "q2"}},
		{"text around a block", "<div>before<p>inside</p>after</div>", []string{"before", "inside", "after"}},
		{"table rows", "<table><tr><th>Year</th><th>Cost</th></tr><tr><td>2023</td><td>€4m</td></tr></table>", []string{"Year | Cost", "2023 | €4m"}},
		{"pre keeps lines", "<pre>a  b\n\n  c</pre>", []string{"a b\nc"}},
		{"scripts and media skipped", "<p>x<script>var a=1</script><img alt=photo><button>Share</button></p>", []string{"x"}},
		{"entities decoded", "<p>Fish &amp; chips &mdash; &#8220;yes&#8221;</p>", []string{"Fish & chips — “yes”"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, err := html.Parse(strings.NewReader(tt.html))
			if err != nil {
				t.Fatal(err)
			}
			if got := blockParagraphs(root); !cmp.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFilterParagraphs(t *testing.T) {
	drop := []string{
		"The harbour bridge at dawn. Photograph: John Smith/Reuters",
		"Firefighters at the scene on Monday. (Getty Images)",
		"Workers on the deck. Photo: AP",
		"Image credit: City Council",
		"Photo by Jane Doe for The Daily Example",
		"Related: Bridge repair costs rise again",
		"Read more: How the tunnel coped with twice the traffic",
		"READ MORE | Council approves new budget",
		"See also: the full list of closures",
		"More on this story: What the closure cost the city",
		"Related articles",
		"Watch: The first buses cross the bridge",
		"Most read",
		"Advertisement",
		"We use cookies to improve your experience. By continuing you agree to our cookie policy.",
		"This site uses cookies. Accept all cookies or manage your cookie settings.",
		"Sign up for our newsletter to get the morning’s top stories in your inbox.",
		"Get our Morning Briefing newsletter every weekday.",
		"Subscribe to the Daily Example newsletter",
		"Share this article",
		"Share on Facebook Share on Twitter Email",
		"Facebook Twitter LinkedIn WhatsApp Copy link",
		"By Jane Doe",
		"Published 12 March 2024",
		"Updated 13 March 2024, 09:30 GMT",
		"Harbour bridge reopens", // the headline again
	}
	keep := []string{
		"The council said the photo was taken by a resident on Monday evening.",
		"Reuters reported that the contractor had been paid in full.",
		"“We use cookies in our bakery, not on our website,” joked the mayor, who once ran a café near the bridge and still bakes every Sunday for her neighbours in the old town.",
		"She signed up for the newsletter the council sends to residents.",
		"Read the full report on the council’s website before Friday’s vote.",
		"Share prices of the contractor rose 4% on Tuesday.",
		"By the end of the year the bridge will carry trams as well.",
		"Twitter users posted photos of the first buses.",
		"Email addresses of residents were not affected, the council said.",
		"Related costs rose because steel became more expensive.",
		"Listen — the mayor said — to the people who cross the bridge every day.",
	}
	var in []string
	in = append(in, drop...)
	in = append(in, keep...)
	got, paywall := filterParagraphs(in, "Harbour bridge reopens", "Jane Doe")
	if diff := cmp.Diff(keep, got); diff != "" {
		t.Errorf("filterParagraphs mismatch (-want +got):\n%s", diff)
	}
	if paywall {
		t.Error("paywall reported for a page without a paywall notice")
	}
	for _, notice := range []string{
		"Subscribe to continue reading",
		"SUBSCRIBE TO KEEP READING",
		"To continue reading, please log in.",
		"This article is only available to subscribers.",
		"Already a subscriber? Sign in",
		"You’ve used all your free articles this month.",
		"You have reached your free article limit.",
		"Create a free account to continue reading.",
	} {
		if _, paywall := filterParagraphs([]string{notice}, "", ""); !paywall {
			t.Errorf("paywall notice %q not reported", notice)
		}
	}
}

func TestReadHTMLDropsRepeats(t *testing.T) {
	paras := longParagraphs("Repeat", 3)
	page := articlePage("Repeats", append(paras, paras[1])...)
	doc, err := readPage(t, page, "")
	if err != nil {
		t.Fatalf("ReadHTML: %v", err)
	}
	if !cmp.Equal(doc.Paragraphs, paras) {
		t.Errorf("got %q, want %q", doc.Paragraphs, paras)
	}
}

func TestReadHTMLNotArticle(t *testing.T) {
	for _, page := range []string{"", "<html></html>", "<p>hello</p>", fixture(t, "notarticle.html", "")} {
		if _, err := readPage(t, page, ""); !errors.Is(err, errNotArticle) {
			t.Errorf("ReadHTML(%.40q): got %v, want ErrNotArticle", page, err)
		}
	}
}

// countTags stops the tokenizer at tokens longer than tokenScan; what it counts must not depend
// on that: long attribute values, long text, long comments and long scripts (whose tags are
// text) are counted as one tokenizer reading the whole page counts them, and a long tag is
// refused for its attributes before the tokenizer reads them all.
func TestCountTagsAroundLongTokens(t *testing.T) {
	lim := Limits{Elements: 1000}.withDefaults()
	long := strings.Repeat("x", 3*tokenScan)
	links := func(n int) string { return strings.Repeat(`<a href="/x">link</a>`, n) }
	attrs := func(n int, format string) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, format, i)
		}
		return b.String()
	}
	for _, tc := range []struct {
		name    string
		page    string
		refused bool
	}{
		{"few tags after a long attribute", `<img src="data:` + long + `">` + links(900), false},
		{"too many tags after a long attribute", `<img src="data:` + long + `">` + links(1001), true},
		{"too many tags after long text", "<p>" + long + "</p>" + links(1001), true},
		{"too many tags after a long comment", "<!--" + long + "-->" + links(1001), true},
		{"tags in a long script are text", "<script>" + long + links(5000) + "</script>" + links(900), false},
		{"too many tags after a long script", "<script>" + long + "</script>" + links(1001), true},
		{"tags in a long script after a self-closing script tag are text", "<script/>" + long + links(5000) + "</script>" + links(900), false},
		{"a long tag within the limit", "<div" + attrs(3900, " a%d=x") + " b=" + long + ">" + links(10), false},
		{"a long tag past the attribute limit", "<div" + attrs(4001, " a%d=x") + long + ">", true},
		{"a long tag of quoted and bare values", "<div" + attrs(1001, ` a%d='x y' b="z" c / d`) + long + ">", true},
		{"a long tag of duplicates", "<div" + strings.Repeat(" a=x", 20000) + ">", true},
		{"too many tags after a long text and a long comment with tags", "<p>" + long + "</p><!--" + long + links(5000) + "-->" + links(1001), true},
		{"a long comment with tags", "<!--" + long + links(5000) + "-->" + links(900), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := htmlPage(tc.page)
			err := countTags(body, lim)
			var le *limitError
			if tc.refused != (err != nil) || (err != nil && (!errors.As(err, &le) || le.Limit != limitElements)) {
				t.Errorf("countTags: %v, want refused %v for elements", err, tc.refused)
			}
		})
	}
}
