package bot

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/newsbot/newsbot/retrieval"
)

func TestSuggestArticles(t *testing.T) {
	t.Parallel()
	st, _ := testStore(t)
	b, err := New(st, nil, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	add := func(scope string, a *retrieval.Article) *retrieval.Article {
		t.Helper()
		got, _, err := st.Add(context.Background(), a, scope)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	day := func(d int) time.Time { return time.Date(2025, 7, d, 0, 0, 0, 0, time.UTC) }
	// The drought article's headline holds neither typed word; its text does.
	drought := add("1001", &retrieval.Article{Title: "Valley Towns Ban Lawn Sprinklers", Source: "Valley Courier", PublishedAt: day(9),
		Paragraphs: []string{"The drought has left the reservoir at 31 percent, and water officials banned sprinklers."}})
	headline := add("1001", &retrieval.Article{Title: "Drought and Water: What Farmers Face", Source: "Farm Weekly", PublishedAt: day(2),
		Paragraphs: []string{"Tomato growers expect a smaller harvest this year."}})
	other := add("1002", &retrieval.Article{Title: "Drought Water Plan in Another Server", Source: "Elsewhere", PublishedAt: day(20),
		Paragraphs: []string{"The drought water plan of another server."}})
	ids := func(list []*Article) []string {
		var out []string
		for _, a := range list {
			out = append(out, a.ID)
		}
		return out
	}
	tests := []struct {
		name, typed string
		n           int
		want        []string
	}{
		{"headline first, then text", "drought water", 25, []string{headline.ID, drought.ID}},
		{"text alone", "reservoir sprinklers", 25, []string{drought.ID}},
		{"at most n", "drought water", 1, []string{headline.ID}},
		{"empty lists the newest first", "", 25, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := b.SuggestArticles(context.Background(), tt.typed, "1001", tt.n)
			if err != nil {
				t.Fatal(err)
			}
			if slices.Contains(ids(got), other.ID) {
				t.Errorf("another server's article was suggested: %v", ids(got))
			}
			if tt.want == nil {
				want := ids(st.List("1001"))
				if fmt.Sprint(ids(got)) != fmt.Sprint(want) || slices.Index(want, drought.ID) > slices.Index(want, headline.ID) {
					t.Errorf("got %v, want the newest first %v", ids(got), want)
				}
				return
			}
			if fmt.Sprint(ids(got)) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v", ids(got), tt.want)
			}
		})
	}
}
