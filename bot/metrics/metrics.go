// Package metrics turns what newsbot's core and its Discord adapter report
// into Prometheus series, and serves them with /healthz and /readyz.
//
// The core (bot.Observer) and the adapter (discord.Observer) declare what
// they report in their own terms and import nothing of Prometheus; Metrics
// implements both, and cmd/newsbot wires it when NEWSBOT_HTTP_ADDR is set.
// Every series is registered on the registry given to New, never on
// Prometheus's global one: each process (and each test) has its own.
package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/newsbot/newsbot/bot"
)

// namespace prefixes every series name.
const namespace = "newsbot"

// Latency buckets, in seconds. Acks must come within Discord's 3 s;
// searches take milliseconds; a model's first token and a whole answer
// take seconds, up to the answer timeout.
var (
	fastBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}
	ackBuckets  = []float64{.05, .1, .25, .5, 1, 2, 3, 5}
	slowBuckets = []float64{.1, .25, .5, 1, 2, 4, 8, 15, 30, 60, 120}
	waitBuckets = []float64{.1, .5, 1, 2, 5, 10, 30, 60}
	modeLabels  = []string{bot.ModeLLM, bot.ModeExtractive}
	pollResults = []string{bot.PollNew, bot.PollNothingNew, bot.PollNotModified, bot.PollError}
	modelKinds  = []string{"auth", "not_found", "context_length", "rate_limited", "unavailable", "timeout", "bad_response", "rejected"}
)

// Metrics holds newsbot's series. Its methods are safe for concurrent use
// and cost a few atomic adds.
type Metrics struct {
	questions   prometheus.Counter
	answers     *prometheus.CounterVec // by mode
	abstentions *prometheus.CounterVec // by mode
	refusals    *prometheus.CounterVec // by reason

	ack        prometheus.Histogram
	search     prometheus.Histogram
	firstToken prometheus.Histogram
	answer     *prometheus.HistogramVec // by mode

	modelErrors   *prometheus.CounterVec // by kind
	embedRequests prometheus.Counter
	embedErrors   *prometheus.CounterVec // by kind

	feedPolls *prometheus.CounterVec // by result
	feedItems prometheus.Counter

	rateLimitWaits prometheus.Histogram
	gateway        prometheus.Gauge
}

// New makes the series and registers them on reg.
func New(reg prometheus.Registerer) *Metrics {
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help})
	}
	counterVec := func(name, help, label string, values []string) *prometheus.CounterVec {
		v := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help}, []string{label})
		for _, l := range values {
			v.WithLabelValues(l) // a series at 0 from the start, so rate() sees the first one
		}
		return v
	}
	histogram := func(name, help string, buckets []float64) prometheus.Histogram {
		return prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: namespace, Name: name, Help: help, Buckets: buckets})
	}
	m := &Metrics{
		questions:   counter("questions_total", "Questions asked, answered or not."),
		answers:     counterVec("answers_total", "Questions answered from the articles, by mode (llm, extractive).", "mode", modeLabels),
		abstentions: counterVec("abstentions_total", "Questions answered with \"nothing in the articles\", by mode.", "mode", modeLabels),
		refusals: counterVec("refusals_total", "Questions that got no answer, by reason (rate_limited, empty_question, model_timeout, …).",
			"reason", []string{"rate_limited"}),

		ack:        histogram("ack_seconds", "Time from a Discord command to its acknowledgement.", ackBuckets),
		search:     histogram("search_seconds", "Time of one search of the library for a question.", fastBuckets),
		firstToken: histogram("model_first_token_seconds", "Time from sending a prompt to the model's first words.", slowBuckets),
		answer: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Name: "answer_seconds",
			Help: "Time from a question to its whole answer, by mode.", Buckets: slowBuckets}, []string{"mode"}),

		modelErrors:   counterVec("model_errors_total", "Failed chat model calls, by kind.", "kind", modelKinds),
		embedRequests: counter("embedding_requests_total", "Requests to the embeddings endpoint."),
		embedErrors:   counterVec("embedding_errors_total", "Failed requests to the embeddings endpoint, by kind.", "kind", embedKinds),

		feedPolls: counterVec("feed_polls_total", "Polls of followed feeds, by result.", "result", pollResults),
		feedItems: counter("feed_items_total", "New feed items loaded."),

		rateLimitWaits: histogram("discord_rate_limit_wait_seconds", "Waits Discord's REST rate limits imposed (429 answers).", waitBuckets),
		gateway: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Name: "discord_gateway_connected",
			Help: "Gateway sessions (one per shard this process runs) that are connected."}),
	}
	for _, mode := range modeLabels {
		m.answer.WithLabelValues(mode)
	}
	reg.MustRegister(m.questions, m.answers, m.abstentions, m.refusals, m.ack, m.search, m.firstToken, m.answer,
		m.modelErrors, m.embedRequests, m.embedErrors, m.feedPolls, m.feedItems, m.rateLimitWaits, m.gateway)
	return m
}

// Asked implements bot.Observer and discord.Observer: every question
// counts once, as answered, abstained or refused.
func (m *Metrics) Asked(o bot.Outcome) {
	m.questions.Inc()
	switch {
	case o.Refused != "":
		m.refusals.WithLabelValues(o.Refused).Inc()
		return
	case o.Abstained:
		m.abstentions.WithLabelValues(o.Mode).Inc()
	default:
		m.answers.WithLabelValues(o.Mode).Inc()
	}
	m.answer.WithLabelValues(o.Mode).Observe(o.Took.Seconds())
}

// Searched implements bot.Observer.
func (m *Metrics) Searched(d time.Duration) { m.search.Observe(d.Seconds()) }

// FirstToken implements bot.Observer.
func (m *Metrics) FirstToken(d time.Duration) { m.firstToken.Observe(d.Seconds()) }

// ModelFailed implements bot.Observer.
func (m *Metrics) ModelFailed(kind string) { m.modelErrors.WithLabelValues(kind).Inc() }

// Polled implements bot.Observer.
func (m *Metrics) Polled(result string, items int) {
	m.feedPolls.WithLabelValues(result).Inc()
	m.feedItems.Add(float64(items))
}

// Acked implements discord.Observer.
func (m *Metrics) Acked(d time.Duration) { m.ack.Observe(d.Seconds()) }

// RateLimited implements discord.Observer.
func (m *Metrics) RateLimited(wait time.Duration) { m.rateLimitWaits.Observe(wait.Seconds()) }

// Connected implements discord.Observer.
func (m *Metrics) Connected(sessions int) { m.gateway.Set(float64(sessions)) }
