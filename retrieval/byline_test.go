package retrieval

import (
	"testing"
	"time"
)

func TestParseByline(t *testing.T) {
	tests := []struct {
		in             string
		author, outlet string
		date           string
		ok             bool
	}{
		{"By Maria Keller, Reuters", "Maria Keller", "Reuters", "", true},
		{"By Maria Keller", "Maria Keller", "", "", true},
		{"BY Maria Keller, The Associated Press", "Maria Keller", "The Associated Press", "", true},
		{"By Maria Keller and Tom Hale, CNN", "Maria Keller and Tom Hale", "CNN", "", true},
		{"By Maria Keller, Tom Hale and Ann Reed", "Maria Keller, Tom Hale and Ann Reed", "", "", true},
		{"By Maria Keller, Staff Writer", "Maria Keller", "", "", true},
		{"By Maria Keller, USA TODAY | December 14, 2023", "Maria Keller", "USA TODAY", "2023-12-14", true},
		{"By Ludwig van Beethoven", "Ludwig van Beethoven", "", "", true},
		{"Written by Sean O’Neill", "Sean O’Neill", "", "", true},
		{"By the end of the day, the storm had passed.", "", "", "", false},
		{"By 2030 the city will have no cars", "", "", "", false},
		{"Bypass reopens", "", "", "", false},
		{"By Maria Keller, who covers the courts for the paper and writes about many other things", "", "", "", false},
	}
	for _, tt := range tests {
		author, outlet, date, ok := parseByline(tt.in)
		if ok != tt.ok || author != tt.author || outlet != tt.outlet || formatTime(date) != tt.date {
			t.Errorf("parseByline(%q) = %q, %q, %q, %v; want %q, %q, %q, %v", tt.in, author, outlet, formatTime(date), ok, tt.author, tt.outlet, tt.date, tt.ok)
		}
	}
}

func TestParseDateLine(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" for no date line
	}{
		{"December 14, 2023", "2023-12-14"},
		{"Dec. 14, 2023", "2023-12-14"},
		{"14 December 2023", "2023-12-14"},
		{"Thursday, December 14, 2023", "2023-12-14"},
		{"Published: 2023-12-14", "2023-12-14"},
		{"2023-12-14T09:30:00Z", "2023-12-14"},
		{"Updated 10:32 AM EST, Thu December 14, 2023", "2023-12-14"},
		{"Published 5:02 a.m. ET Dec. 14, 2023 | Updated 7:10 a.m. ET Dec. 15, 2023", "2023-12-14"},
		{"Posted on 14/12/2023", "2023-12-14"},
		{"12/14/2023", "2023-12-14"},
		{"05/06/2023", ""}, // May 6 or 5 June: not guessed
		{"February 30, 2023", ""},
		{"The storm hit on December 14, 2023 and left.", ""},
		{"December 2023", ""},
		{"Storm Hits Coast", ""},
	}
	for _, tt := range tests {
		got, ok := parseDateLine(tt.in)
		if want := tt.want != ""; ok != want || (ok && got.Format(time.DateOnly) != tt.want) {
			t.Errorf("parseDateLine(%q) = %v, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

// The first line, followed by a blank line, is the headline unless the
// furniture rules say otherwise; bylines and date lines near the top give
// the author, the outlet and the date, and are not paragraphs.
func TestImportHeadlineAndByline(t *testing.T) {
	const lead = "The council agreed the budget on Thursday after a session that ran past midnight, the mayor said."
	tests := []struct {
		name                        string
		in                          string
		title, source, author, date string
		firstParagraph              string
	}{
		{
			name:           "first line over a longer standfirst",
			in:             "Council Agrees Budget\n\nA marathon session ends with a deal on bins, buses and the town hall roof\n\n" + lead + "\n",
			title:          "Council Agrees Budget",
			firstParagraph: lead,
		},
		{
			name:           "a question headline that reads like a sentence",
			in:             "Can the council really afford a new town hall roof this year?\n\n" + lead + "\n",
			title:          "Can the council really afford a new town hall roof this year?",
			firstParagraph: lead,
		},
		{
			name:           "a headline cut short by a feed",
			in:             "Council agrees budget after marathon session on bins, buses ...\n\n" + lead + "\n",
			title:          "Council agrees budget after marathon session on bins, buses ...",
			firstParagraph: lead,
		},
		{
			name:           "a short first line before a longer headline is the outlet",
			in:             "The Harbour Gazette\n\nCouncil Agrees Budget After a Marathon Session\n\n" + lead + "\n",
			title:          "Council Agrees Budget After a Marathon Session",
			source:         "The Harbour Gazette",
			firstParagraph: lead,
		},
		{
			name:           "byline with outlet and date line",
			in:             "Council Agrees Budget\n\nBy Maria Keller, Reuters\n\nDecember 14, 2023\n\n" + lead + "\n",
			title:          "Council Agrees Budget",
			source:         "Reuters",
			author:         "Maria Keller",
			date:           "2023-12-14",
			firstParagraph: lead,
		},
		{
			name:           "byline and date on two lines of one block",
			in:             "Council Agrees Budget\n\nBy Maria Keller and Tom Hale\nUpdated 10:32 AM EST, Thu December 14, 2023\n\n" + lead + "\n",
			title:          "Council Agrees Budget",
			author:         "Maria Keller and Tom Hale",
			date:           "2023-12-14",
			firstParagraph: lead,
		},
		{
			name:           "the site's name wins over the byline's outlet",
			in:             "Harbour Gazette\n\nCouncil Agrees Budget After a Marathon Session\n\nBy Maria Keller, Reuters\n\n" + lead + "\n",
			title:          "Council Agrees Budget After a Marathon Session",
			source:         "Harbour Gazette",
			author:         "Maria Keller",
			firstParagraph: lead,
		},
		{
			name:           "a date line first is not the headline",
			in:             "December 14, 2023\n\nCouncil Agrees Budget After a Marathon Session\n\n" + lead + "\n",
			title:          "Council Agrees Budget After a Marathon Session",
			date:           "2023-12-14",
			firstParagraph: lead,
		},
		{
			name:           "a first line wrapped into the next is no headline on its own",
			in:             "Council Agrees Budget\nAfter a Marathon Session\n\n" + lead + "\n",
			title:          "Council Agrees Budget After a Marathon Session",
			firstParagraph: lead,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ImportText([]byte(tt.in), false)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{a.Title, a.Source, a.Author, formatTime(a.PublishedAt), a.Paragraphs[0]}
			want := []string{tt.title, tt.source, tt.author, tt.date, tt.firstParagraph}
			for i, what := range []string{"title", "source", "author", "date", "first paragraph"} {
				if got[i] != want[i] {
					t.Errorf("%s: got %q, want %q", what, got[i], want[i])
				}
			}
		})
	}
}

// Front matter works in .txt and .md files; without a title the text after
// it is imported as pasted text, and the front matter's values win.
func TestImportFileFrontMatter(t *testing.T) {
	const body = "Council Agrees Budget\n\nBy Maria Keller, Reuters\n\nThe council agreed the budget on Thursday after a session that ran past midnight.\n"
	tests := []struct {
		name, file, in              string
		title, source, author, date string
		paragraphs                  int
	}{
		{"txt with a title", "a.txt", "---\ntitle: Budget Agreed\nurl: https://example.com/b\npublished_at: 2023-12-14\n---\n\nFirst paragraph.\n\nSecond\nparagraph.\n",
			"Budget Agreed", "", "", "2023-12-14", 2},
		{"md without a title", "a.md", "---\nsource: Harbour Gazette\npublished_at: 2023-12-14\n---\n" + body,
			"Council Agrees Budget", "Harbour Gazette", "Maria Keller", "2023-12-14", 1},
		{"a dashed rule is no front matter", "a.txt", "----------\nCouncil Agrees Budget\n\nThe council agreed the budget on Thursday after a session that ran past midnight.\n",
			"", "", "", "", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ImportFile(tt.file, []byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if tt.paragraphs < 0 {
				return // imported as text, not refused as front matter
			}
			if a.Title != tt.title || a.Source != tt.source || a.Author != tt.author || formatTime(a.PublishedAt) != tt.date || len(a.Paragraphs) != tt.paragraphs {
				t.Errorf("got %q, %q, %q, %s, %d paragraphs", a.Title, a.Source, a.Author, formatTime(a.PublishedAt), len(a.Paragraphs))
			}
		})
	}
	if _, err := ImportFile("a.txt", []byte("---\ntitle: T\ncolour: red\n---\n\nText.\n")); err == nil {
		t.Error("unknown front matter key in a .txt file: no error")
	}
}
