package metrics_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	openai "github.com/sashabaranov/go-openai"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/metrics"
	"github.com/newsbot/newsbot/bot/modeltest"
)

// BenchmarkAskObserved measures what the metrics cost a question: the
// same core answering the same question with no Observer and with the
// Prometheus one, extractively (the core's own work alone, where the cost
// shows most) and through the fake model (a streamed answer over HTTP, as
// in production). Compare the pairs' ns/op within one run:
//
//	go test -run '^$' -bench AskObserved -count 5 ./bot/metrics
func BenchmarkAskObserved(b *testing.B) {
	for _, withModel := range []bool{false, true} {
		for _, observed := range []bool{false, true} {
			name := map[bool]string{false: "extractive", true: "model"}[withModel] + "/" + map[bool]string{false: "none", true: "metrics"}[observed]
			b.Run(name, func(b *testing.B) {
				var obs bot.Observer // none: the core's no-op
				if observed {
					obs = metrics.New(prometheus.NewRegistry())
				}
				var model *modeltest.Server
				if withModel {
					model = modeltest.New(b)
					model.SetReply(func(openai.ChatCompletionRequest) string { return "Lavrov called for a UN conference [1]." })
				}
				core := seeded(b, obs, model)
				q := bot.Question{Text: "What did Lavrov call for?"}
				ctx := context.Background()
				b.ResetTimer()
				for b.Loop() {
					if _, err := core.Ask(ctx, q, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkObserveQuestion is the whole of what the metrics add to one
// question answered by the model through Discord: the calls the core and
// the adapter make (outcome, search, first token, ack), run side by side
// as questions are.
func BenchmarkObserveQuestion(b *testing.B) {
	m := metrics.New(prometheus.NewRegistry())
	o := bot.Outcome{Mode: bot.ModeLLM, Took: 2 * time.Second}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Acked(80 * time.Millisecond)
			m.Searched(3 * time.Millisecond)
			m.FirstToken(700 * time.Millisecond)
			m.Asked(o)
		}
	})
}

// BenchmarkAskInterleaved asks the same question of two cores over the
// same kind of library, one without an Observer and one with the metrics,
// alternating every iteration so that a busy machine slows both alike,
// and reports each one's time per question and their ratio
// (metrics/none): the overhead, free of the drift between separate runs.
func BenchmarkAskInterleaved(b *testing.B) {
	for _, withModel := range []bool{false, true} {
		b.Run(map[bool]string{false: "extractive", true: "model"}[withModel], func(b *testing.B) {
			cores := make([]*bot.Bot, 2)
			for i, obs := range []bot.Observer{nil, metrics.New(prometheus.NewRegistry())} {
				var model *modeltest.Server
				if withModel {
					model = modeltest.New(b)
					model.SetReply(func(openai.ChatCompletionRequest) string { return "Lavrov called for a UN conference [1]." })
				}
				cores[i] = seeded(b, obs, model)
			}
			q := bot.Question{Text: "What did Lavrov call for?"}
			ctx := context.Background()
			var took [2]time.Duration
			n := 0
			for b.Loop() {
				for i := range cores {
					j := (i + n) % 2 // who goes first alternates too
					start := time.Now()
					if _, err := cores[j].Ask(ctx, q, nil); err != nil {
						b.Fatal(err)
					}
					took[j] += time.Since(start)
				}
				n++
			}
			b.ReportMetric(float64(took[0].Nanoseconds())/float64(n), "ns-none/op")
			b.ReportMetric(float64(took[1].Nanoseconds())/float64(n), "ns-metrics/op")
			b.ReportMetric(float64(took[1])/float64(took[0]), "metrics/none")
		})
	}
}
