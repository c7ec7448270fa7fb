package retrieval

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func sampleArticle() *Article {
	return &Article{
		ID:          "storm-hits-coast-0a1b2c3d",
		Title:       "Storm Hits Coast: What We Know",
		URL:         "https://example.com/storm",
		Source:      "Daily Planet",
		Author:      "Lois Lane",
		PublishedAt: time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC),
		LoadedAt:    time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC),
		Scope:       "123456789012345678",
		Paragraphs:  []string{"First — with “quotes”.", "Second: key: value lines stay text.", "---"},
	}
}

func TestArticleFileRoundTrip(t *testing.T) {
	a := sampleArticle()
	data, err := MarshalArticle(a)
	if err != nil {
		t.Fatal(err)
	}
	b, err := unmarshalArticle(data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(data), "\ntitle: Storm Hits Coast: What We Know\n") {
		t.Errorf("file is not human-readable front matter:\n%s", data)
	}
}

func TestUnmarshalArticleErrors(t *testing.T) {
	good := "---\nid: a-1\ntitle: T\nscope: global\n---\n\nText.\n"
	if _, err := unmarshalArticle([]byte(good)); err != nil {
		t.Fatalf("good file: %v", err)
	}
	tests := []struct{ name, in, want string }{
		{"no front matter", "Text only.\n", "line 1"},
		{"unclosed", "---\nid: a-1\ntitle: T\n\nText.\n", "not closed"},
		{"not key value", "---\nid a-1\n---\n\nText.\n", "line 2"},
		{"unknown key", "---\nid: a-1\ntitle: T\ncolour: red\n---\n\nText.\n", `unknown front matter key "colour"`},
		{"duplicate key", "---\nid: a-1\nid: a-2\n---\n\nText.\n", "twice"},
		{"bad date", "---\nid: a-1\ntitle: T\npublished_at: yesterday\n---\n\nText.\n", "not a date"},
		{"bad scope", "---\nid: a-1\ntitle: T\nscope: my-server\n---\n\nText.\n", "unknown scope"},
		{"bad id", "---\nid: A B\ntitle: T\n---\n\nText.\n", "article id"},
		{"no paragraphs", "---\nid: a-1\ntitle: T\n---\n", "no paragraphs"},
		{"no title", "---\nid: a-1\n---\n\nText.\n", "no headline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := unmarshalArticle([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestSlugAndID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Moscow Calls for UN Conference To Solve Israel Conflict ‘Forever’", "moscow-calls-for-un-conference-to-solve-israel-conflict"},
		{"  ¿Qué?  ", "qu"},
		{"Путин", ""},
		{"Supercalifragilisticexpialidocious" + strings.Repeat("x", 80), strings.ToLower("Supercalifragilisticexpialidocious" + strings.Repeat("x", 80))[:60]},
	}
	for _, tt := range tests {
		if got := slugify(tt.in, 60); got != tt.want {
			t.Errorf("Slug(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
	if id := newID("Путин", GlobalScope, "k"); !strings.HasPrefix(id, "article-") || !idPattern.MatchString(id) {
		t.Errorf("NewID for a non-Latin title: got %q", id)
	}
	if newID("T", GlobalScope, "k") == newID("T", "42", "k") {
		t.Error("the same article in two scopes must get two ids")
	}
}

// Where an article was read from is kept in its file; a file written before that was recorded
// reads as before and is written back byte for byte.
func TestArticleFileFetchedFrom(t *testing.T) {
	a := sampleArticle()
	a.FetchedFrom = "https://example.com/storm?utm_source=rss"
	data, err := MarshalArticle(a)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "\nurl: https://example.com/storm\nfetched_from: https://example.com/storm?utm_source=rss\n") {
		t.Errorf("no fetched_from line:\n%s", data)
	}
	b, err := unmarshalArticle(data)
	if err != nil || b.FetchedFrom != a.FetchedFrom {
		t.Fatalf("read back: %v, fetched from %q", err, b.FetchedFrom)
	}

	old := "---\nid: a-1\ntitle: T\nurl: https://example.com/a\nsource: S\nauthor:\npublished_at:\nloaded_at: 2024-01-02\nscope: global\n---\n\nText.\n"
	c, err := unmarshalArticle([]byte(old))
	if err != nil || c.FetchedFrom != "" {
		t.Fatalf("old file: %v, fetched from %q", err, c.FetchedFrom)
	}
	again, err := MarshalArticle(c)
	if err != nil || string(again) != old {
		t.Errorf("old file written back differs (%v):\n%s", err, again)
	}
}
