package discord_test

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/discord"
	"github.com/newsbot/newsbot/bot/discord/discordtest"
	"github.com/newsbot/newsbot/bot/metrics"
)

// sample reads one series' value from reg: a counter's or gauge's value, a
// histogram's sample count; -1 when there is no such series.
func sample(t testing.TB, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.Metric {
			if label != "" && (len(m.Label) == 0 || m.Label[0].GetValue() != label) {
				continue
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue()
			case m.Gauge != nil:
				return m.Gauge.GetValue()
			case m.Histogram != nil:
				return float64(m.Histogram.GetSampleCount())
			}
		}
	}
	return -1
}

// Questions the adapter refuses before the core sees them reach the
// metrics by reason, from a command and from a mention alike; every
// command's acknowledgement is timed; the gateway's state shows.
func TestAdapterReportsRefusalsAndAcks(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	e := newEnv(t, discord.Options{RatePerMinute: 1, Burst: 1, Observer: m})
	e.model.SetReply(cite("all five permanent members", "Lavrov wants the five permanent members there"))
	first := e.ask(guildA, "Who should attend Lavrov's conference?")
	e.final(first.Token)
	second := e.ask(guildA, "And when?")
	if _, err := e.discord.WaitFor(e.ctx(), func(r discordtest.Request) bool {
		return r.Is("POST", "/interactions/*/*/callback") && strings.Contains(r.Path, second.ID) && strings.Contains(string(r.Body), "try again in")
	}); err != nil {
		t.Fatal(err)
	}
	e.discord.DispatchMessage(discordtest.Message(guildA, channel, userID, "<@"+e.discord.BotUser().ID+"> and who refused?"))
	want := map[[2]string]float64{
		{"newsbot_refusals_total", "rate_limited"}:      2, // the second command and the mention
		{"newsbot_questions_total", ""}:                 2, // the core, unobserved here, counts the answered one
		{"newsbot_ack_seconds", ""}:                     2,
		{"newsbot_discord_gateway_connected", ""}:       1,
		{"newsbot_answers_total", bot.ModeLLM}:          0,
		{"newsbot_discord_rate_limit_wait_seconds", ""}: 0,
	}
	deadline := time.Now().Add(60 * time.Second)
	for sample(t, reg, "newsbot_refusals_total", "rate_limited") < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	for k, v := range want {
		if got := sample(t, reg, k[0], k[1]); got != v {
			t.Errorf("%s{%s} = %v, want %v", k[0], k[1], got, v)
		}
	}
	if !e.bot.Connected() {
		t.Error("the adapter says it is not connected while it answers")
	}
}
