package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/newsbot/newsbot/bot"
)

// RegisterLibrary registers the library's size by scope on reg, read from
// sizes (bot.Bot.LibrarySizes) at each scrape: a gauge kept up to date on
// every load and forget would cost those paths for a number read once a
// minute. A scope is "global" or a Discord server's id.
func RegisterLibrary(reg prometheus.Registerer, sizes func() map[string]bot.LibrarySize) {
	reg.MustRegister(&library{sizes: sizes})
}

var (
	articlesDesc = prometheus.NewDesc(namespace+"_library_articles", "Articles in the library, by scope (global or a Discord server's id).",
		[]string{"scope"}, nil)
	paragraphsDesc = prometheus.NewDesc(namespace+"_library_paragraphs", "Paragraphs in the library, by scope.",
		[]string{"scope"}, nil)
)

type library struct {
	sizes func() map[string]bot.LibrarySize
}

func (l *library) Describe(ch chan<- *prometheus.Desc) {
	ch <- articlesDesc
	ch <- paragraphsDesc
}

func (l *library) Collect(ch chan<- prometheus.Metric) {
	for scope, s := range l.sizes() {
		ch <- prometheus.MustNewConstMetric(articlesDesc, prometheus.GaugeValue, float64(s.Articles), scope)
		ch <- prometheus.MustNewConstMetric(paragraphsDesc, prometheus.GaugeValue, float64(s.Paragraphs), scope)
	}
}
