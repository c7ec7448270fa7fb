package retrieval

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const seedText = "../data/seed/moscow-times-un-conference.txt"

// The seed article as the owner supplied it, imported: headline from two
// wrapped lines, outlet from the site name, furniture gone, typography kept.
func TestImportSeedArticle(t *testing.T) {
	data, err := os.ReadFile(seedText)
	if err != nil {
		t.Fatal(err)
	}
	a, err := ImportText(data, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Moscow Calls for UN Conference To Solve Israel Conflict ‘Forever’"; a.Title != want {
		t.Errorf("title: got %q, want %q", a.Title, want)
	}
	if a.Source != "Moscow Times" {
		t.Errorf("source: got %q, want %q", a.Source, "Moscow Times")
	}
	want := []string{
		"The Russian foreign minister on Wednesday called on UN chief Antonio Guterres to organize an international conference to find a lasting solution to the war between Israel and the Palestinians.",
		"Moscow has repeatedly called for the creation of a Palestinian state and has working relations with both Hamas — which it does not recognize as a terrorist organization — and Israel.",
		`"The only way for this problem to be solved forever, and to be solved in a just way, is to hold an international conference with all five permanent members of the UN Security Council," Russian Foreign Minister Sergei Lavrov told Russian senators.`,
		"He said the conference should include representatives of countries from the Arab League, the Organization of Islamic Cooperation and the Gulf Cooperation Council.",
		`"The UN should play a leading role in convening such an event,' he said, adding: "I trust that the UN Secretary-General is quite capable of such an initiative."`,
		"Russia is one of five permanent UN Security Council members, along with China, France, the U.K. and the U.S.",
		`Lavrov said that the ""continuing injustice against the Palestinian people, to whom the creation of a Palestinian state was promised... fuels very serious terrorist and extremist sentiments."`,
		"He also ensured that Moscow was doing everything in its power to release hostages Hamas took during its unprecedented attack on Israel in October.",
		"Hamas has in recent weeks released three Russian citizens that it held hostage in a deal outside of agreements with Israel.",
		`Russia has been increasingly critical of Israel during its military operation in Gaza, with President Vladimir Putin denouncing the "catastrophic" humanitarian situation.`,
		"The bloodiest-ever Gaza war broke out after Hamas gunmen attacked Israel on Oct. 7, killed around 1,200 people, mostly civilians, and took around 240 hostages, according to Israeli authorities.",
		"Israel, determined to destroy Hamas and bring the hostages home, launched a devastating aerial and ground offensive on Gaza.",
		"According to the Hamas-run health ministry, the war has killed more than 18,400 people, mostly women and children.",
	}
	if diff := cmp.Diff(want, a.Paragraphs); diff != "" {
		t.Errorf("paragraphs (-want +got):\n%s", diff)
	}
}

// The shipped library file is what the importer makes of the seed text.
func TestShippedSeedMatchesImporter(t *testing.T) {
	data, err := os.ReadFile(seedText)
	if err != nil {
		t.Fatal(err)
	}
	imported, err := ImportText(data, false)
	if err != nil {
		t.Fatal(err)
	}
	lib, err := openLibrary("../data/articles", nil)
	if err != nil {
		t.Fatal(err)
	}
	list := lib.List(GlobalScope)
	if len(list) == 0 {
		t.Fatal("the shipped library is empty")
	}
	var shipped *Article
	for _, a := range list {
		if a.Title == imported.Title {
			shipped = a
		}
	}
	if shipped == nil {
		t.Fatalf("no shipped article titled %q", imported.Title)
	}
	if diff := cmp.Diff(imported.Paragraphs, shipped.Paragraphs); diff != "" {
		t.Errorf("shipped paragraphs differ from the importer's (-importer +shipped):\n%s", diff)
	}
	if shipped.Source != imported.Source || shipped.Scope != GlobalScope {
		t.Errorf("shipped source %q scope %q, want %q global", shipped.Source, shipped.Scope, imported.Source)
	}
	if want := newID(imported.Title, GlobalScope, ContentHash(imported.Paragraphs)); shipped.ID != want {
		t.Errorf("shipped id %q, want %q", shipped.ID, want)
	}
}

func TestImportText(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		markdown  bool
		title     string
		source    string
		author    string
		published string
		want      []string
	}{
		{
			name:  "wrapped lines join into paragraphs",
			in:    "Storm Hits Coast\n\nA storm hit the coast on Monday, flooding roads\nand cutting power to thousands of homes across the region overnight.\n\nOfficials said repairs\nwould take days.\n",
			title: "Storm Hits Coast",
			want: []string{
				"A storm hit the coast on Monday, flooding roads and cutting power to thousands of homes across the region overnight.",
				"Officials said repairs would take days.",
			},
		},
		{
			name:  "an indented line starts a paragraph",
			in:    "Storm Hits Coast\n\nA storm hit the coast on Monday, flooding roads and cutting power to thousands of homes.\n  \"We have never seen this,\" a resident said, standing in\nknee-deep water.\n",
			title: "Storm Hits Coast",
			want: []string{
				"A storm hit the coast on Monday, flooding roads and cutting power to thousands of homes.",
				"\"We have never seen this,\" a resident said, standing in knee-deep water.",
			},
		},
		{
			name:  "CRLF line ends",
			in:    "Storm Hits Coast\r\n\r\nA storm hit the coast on Monday, flooding roads and cutting\r\npower to thousands of homes.\r\n",
			title: "Storm Hits Coast",
			want:  []string{"A storm hit the coast on Monday, flooding roads and cutting power to thousands of homes."},
		},
		{
			name:  "a word hyphenated at a line end is rejoined",
			in:    "Storm Hits Coast\n\nThe storm left a long-\nlasting mark on the coast and on thousands of homes along it.\n",
			title: "Storm Hits Coast",
			want:  []string{"The storm left a long-lasting mark on the coast and on thousands of homes along it."},
		},
		{
			name:     "markdown headline, subheading, list and quote",
			markdown: true,
			in:       "# Storm Hits Coast\n\nA storm hit the coast on Monday, flooding roads and cutting power to thousands.\n\n## What to do\n- Stay indoors\n- Charge your phone\n\n> \"Stay safe,\" the mayor\n> said on Monday.\n",
			title:    "Storm Hits Coast",
			want: []string{
				"A storm hit the coast on Monday, flooding roads and cutting power to thousands.",
				"What to do",
				"- Stay indoors",
				"- Charge your phone",
				"\"Stay safe,\" the mayor said on Monday.",
			},
		},
		{
			name:      "byline, date and site name in the header",
			in:        "Daily Planet\n\nStorm Hits Coast, Cutting Power to Thousands\n\nBy Lois Lane\n\nMarch 3, 2025\n\nA storm hit the coast on Monday, flooding roads and cutting power to thousands of homes.\n",
			title:     "Storm Hits Coast, Cutting Power to Thousands",
			source:    "Daily Planet",
			author:    "Lois Lane",
			published: "2025-03-03",
			want:      []string{"A storm hit the coast on Monday, flooding roads and cutting power to thousands of homes."},
		},
		{
			name:  "teasers, captions and prompts are furniture",
			in:    "Storm Hits Coast\n\nA storm hit the coast on Monday, flooding roads and cutting power to thousands of homes.\n\nRead more: Why storms are getting stronger\n\n Residents wade through water in Seaside. Photo: John Smith / Reuters\n\nOfficials said repairs would take days.\n\nAdvertisement\n",
			title: "Storm Hits Coast",
			want: []string{
				"A storm hit the coast on Monday, flooding roads and cutting power to thousands of homes.",
				"Officials said repairs would take days.",
			},
		},
		{
			name:  "typography is kept exactly",
			in:    "Storm Hits Coast\n\n“It’s over,” she said — and left… for good, with €5 and 10°C.\n",
			title: "Storm Hits Coast",
			want:  []string{"“It’s over,” she said — and left… for good, with €5 and 10°C."},
		},
		{
			name:  "no headline: the first words stand in",
			in:    "A storm hit the coast on Monday, flooding roads and cutting power to thousands of homes across the region.\n",
			title: "A storm hit the coast on Monday, flooding roads and cutting power…",
			want:  []string{"A storm hit the coast on Monday, flooding roads and cutting power to thousands of homes across the region."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ImportText([]byte(tt.in), tt.markdown)
			if err != nil {
				t.Fatal(err)
			}
			if a.Title != tt.title {
				t.Errorf("title: got %q, want %q", a.Title, tt.title)
			}
			if a.Source != tt.source || a.Author != tt.author {
				t.Errorf("source, author: got %q, %q, want %q, %q", a.Source, a.Author, tt.source, tt.author)
			}
			if got := formatTime(a.PublishedAt); got != tt.published {
				t.Errorf("published: got %q, want %q", got, tt.published)
			}
			if diff := cmp.Diff(tt.want, a.Paragraphs); diff != "" {
				t.Errorf("paragraphs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestImportTextRefusesBadInput(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "empty"},
		{"only white space", " \n\t\n", "empty"},
		{"binary", "PK\x03\x04\x00\x00binary", "not UTF-8 text"},
		{"invalid UTF-8", "Caf\xe9 au lait", "not UTF-8 text"},
		{"too large", strings.Repeat("word ", MaxFileBytes/5+1), "allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ImportText([]byte(tt.in), false)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func FuzzImportText(f *testing.F) {
	seed, _ := os.ReadFile(seedText)
	f.Add(seed, false)
	f.Add([]byte("# T\n\n- a\n- b\n> q\n"), true)
	f.Add([]byte("Title Here Now\r\n\r\n  indented\r\nline-\r\nbreak"), false)
	f.Fuzz(func(t *testing.T, data []byte, markdown bool) {
		a, err := ImportText(data, markdown)
		if err != nil {
			return
		}
		if strings.TrimSpace(a.Title) == "" {
			t.Fatal("empty title")
		}
		for i, p := range a.Paragraphs {
			if strings.TrimSpace(p) == "" || strings.ContainsAny(p, "\r\n") {
				t.Fatalf("paragraph %d is empty or spans lines: %q", i+1, p)
			}
		}
	})
}
