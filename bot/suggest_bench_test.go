package bot

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkSuggestArticles measures article autocomplete (Discord wants it
// within 3 s) over synthetic libraries of 10k and 100k paragraphs: the
// newest articles for an empty field, and headline then BM25 text matches
// for two typed words. The 100k library takes about two minutes to build.
//
//	go test -run XXX -bench 'SuggestArticles/10k' -benchtime 200x ./bot/
func BenchmarkSuggestArticles(b *testing.B) {
	for _, size := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("%dk", size/1000), func(b *testing.B) {
			st, qs := benchLibrary(b, size)
			bot, err := New(st, nil, nil, Options{})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			typed := make([]string, len(qs))
			for i, q := range qs {
				w := strings.Fields(q)
				k := max(0, len(w)/2-1)
				typed[i] = strings.Join(w[k:min(k+2, len(w))], " ")
			}
			for _, bc := range []struct {
				name string
				text func(i int) string
			}{
				{"empty", func(int) string { return "" }},
				{"two words", func(i int) string { return typed[i%len(typed)] }},
			} {
				b.Run(bc.name, func(b *testing.B) {
					found := 0
					for i := 0; b.Loop(); i++ {
						list, err := bot.SuggestArticles(ctx, bc.text(i), GlobalScope, 25)
						if err != nil {
							b.Fatal(err)
						}
						found += len(list)
					}
					b.ReportMetric(float64(found)/float64(b.N), "choices/op")
				})
			}
		})
	}
}
