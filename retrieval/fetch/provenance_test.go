package fetch

import (
	"strings"
	"testing"
)

// A page is stored under what it says about itself only when that is about the site that served
// it: the audit's spoof, a page from one host declaring a Reuters address and name, is stored
// under the address it came from and named after its host.
func TestPageIdentity(t *testing.T) {
	tests := []struct {
		name, head, pageURL string
		wantURL, wantSource string
	}{
		{
			name:    "another site's canonical and name",
			head:    `<link rel="canonical" href="https://www.reuters.com/world/exclusive-2024"><meta property="og:site_name" content="Reuters">`,
			pageURL: "https://news.evil.example/story",
			wantURL: "https://news.evil.example/story", wantSource: "news.evil.example",
		},
		{
			name:    "another site's og:url",
			head:    `<meta property="og:url" content="https://www.reuters.com/world/exclusive-2024">`,
			pageURL: "https://evil.example/story",
			wantURL: "https://evil.example/story", wantSource: "evil.example",
		},
		{
			name:    "its own canonical, another outlet's name",
			head:    `<link rel="canonical" href="https://evil.example/s"><meta property="og:site_name" content="Reuters">`,
			pageURL: "https://evil.example/story?utm_source=x",
			wantURL: "https://evil.example/s", wantSource: "evil.example",
		},
		{
			name:    "its own site's canonical on another host of the site",
			head:    `<link rel="canonical" href="https://www.bbc.co.uk/news/articles/c1"><meta property="og:site_name" content="BBC News">`,
			pageURL: "https://m.bbc.co.uk/news/articles/c1?at_medium=RSS",
			wantURL: "https://www.bbc.co.uk/news/articles/c1", wantSource: "BBC News",
		},
		{
			name:    "a canonical on a lookalike host",
			head:    `<link rel="canonical" href="https://www.bbc.co.uk.evil.example/a">`,
			pageURL: "https://www.bbc.co.uk/a",
			wantURL: "https://www.bbc.co.uk/a", wantSource: "bbc.co.uk",
		},
		{
			name:    "sibling user sites of a shared suffix",
			head:    `<link rel="canonical" href="https://alice.github.io/post">`,
			pageURL: "https://mallory.github.io/post",
			wantURL: "https://mallory.github.io/post", wantSource: "mallory.github.io",
		},
		{
			name:    "a saved page keeps its canonical, with a name that fits it",
			head:    `<link rel="canonical" href="https://www.theguardian.com/a"><meta property="og:site_name" content="The Guardian">`,
			wantURL: "https://www.theguardian.com/a", wantSource: "The Guardian",
		},
		{
			name:    "a saved page's name that does not fit its canonical",
			head:    `<link rel="canonical" href="https://evil.example/a"><meta property="og:site_name" content="Reuters">`,
			wantURL: "https://evil.example/a", wantSource: "evil.example",
		},
		{
			name:    "an intranet page's name is taken as it comes",
			head:    `<meta property="og:site_name" content="Staff News">`,
			pageURL: "http://10.1.2.3/news/1",
			wantURL: "http://10.1.2.3/news/1", wantSource: "Staff News",
		},
		{
			name:    "a public IP address names no outlet",
			head:    `<meta property="og:site_name" content="Reuters">`,
			pageURL: "http://203.0.114.7/news/1",
			wantURL: "http://203.0.114.7/news/1", wantSource: "203.0.114.7",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := strings.Replace(articlePage("A headline", longParagraphs("Spoof", 3)...), "<title>", tt.head+"<title>", 1)
			page = strings.Replace(page, `<meta property="og:site_name" content="The Daily Example">`, "", 1)
			doc, err := readPage(t, page, tt.pageURL)
			if err != nil {
				t.Fatal(err)
			}
			if doc.URL != tt.wantURL || doc.Source != tt.wantSource {
				t.Errorf("stored as %q from %q, want %q from %q", doc.URL, doc.Source, tt.wantURL, tt.wantSource)
			}
			if doc.FetchedFrom != tt.pageURL {
				t.Errorf("FetchedFrom %q, want %q", doc.FetchedFrom, tt.pageURL)
			}
		})
	}
}

// A feed item whose text the feed carries records the feed as its origin, and the feed's title
// names the outlet only if it names the feed's site.
func TestItemDocumentProvenance(t *testing.T) {
	it := Item{Title: "Bridge", Link: "https://www.reuters.com/a"}
	for _, tt := range []struct{ feedURL, title, want string }{
		{"https://feeds.example.com/rss", "Example News", "Example News"},
		{"https://feeds.evil.example/rss", "Reuters", "feeds.evil.example"},
	} {
		doc := itemDocument(Feed{URL: tt.feedURL, Title: tt.title}, it, []string{"Text."})
		if doc.Source != tt.want || doc.FetchedFrom != tt.feedURL || doc.URL != it.Link {
			t.Errorf("feed %q titled %q: source %q, fetched from %q, url %q", tt.feedURL, tt.title, doc.Source, doc.FetchedFrom, doc.URL)
		}
	}
}
