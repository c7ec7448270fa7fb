package discord_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/discord"
	"github.com/newsbot/newsbot/bot/discord/discordtest"
	"github.com/newsbot/newsbot/retrieval"
)

// briefingDay is the first day of the briefing tests: Thursday 7 March
// 2024, when the test news (bot/testdata/news) had arrived.
var briefingDay = time.Date(2024, 3, 7, 0, 0, 0, 0, time.UTC)

// loadNews adds the fictional test articles to guildA's library, each
// loaded at loadedAt(name).
func (e *env) loadNews(loadedAt func(name string) time.Time) map[string]*retrieval.Article {
	e.t.Helper()
	paths, err := filepath.Glob("../testdata/news/*.md")
	if err != nil || len(paths) < 2 {
		e.t.Fatalf("no test news: %v", err)
	}
	out := map[string]*retrieval.Article{}
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".md")
		if name == "README" {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			e.t.Fatal(err)
		}
		a, err := retrieval.ImportFile(filepath.Base(p), data)
		if err != nil {
			e.t.Fatal(err)
		}
		a.LoadedAt = loadedAt(name)
		if out[name], _, err = e.store.Add(context.Background(), a, guildA); err != nil {
			e.t.Fatal(err)
		}
	}
	return out
}

// clock is the briefings' fake clock. The briefing loop calls after
// when a round is done and it starts to wait: step moves the clock, wakes
// the loop and returns once the loop has finished that round.
type clock struct {
	mu      sync.Mutex
	now     time.Time
	ticks   chan time.Time
	waiting chan struct{}
}

func newClock(now time.Time) *clock {
	return &clock{now: now, ticks: make(chan time.Time), waiting: make(chan struct{}, 1)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) after(time.Duration) <-chan time.Time {
	c.waiting <- struct{}{}
	return c.ticks
}

// idle waits until the loop waits on the clock, its round done.
func (c *clock) idle(t testing.TB) {
	t.Helper()
	select {
	case <-c.waiting:
	case <-time.After(90 * time.Second):
		t.Fatal("the briefing loop never finished its round")
	}
}

// step sets the clock to now and runs one round of the loop at it.
func (c *clock) step(t testing.TB, now time.Time) {
	t.Helper()
	c.mu.Lock()
	c.now = now
	c.mu.Unlock()
	c.ticks <- now
	c.idle(t)
}

// briefingStores are a data folder's settings and briefing records,
// opened as serve opens them.
type briefingStores struct {
	dir      string
	settings *bot.SettingsFile
	records  bot.BriefingLog
}

func openBriefingStores(t testing.TB, dir string) briefingStores {
	t.Helper()
	s, err := bot.OpenSettingsFile(filepath.Join(dir, "settings.json"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := bot.OpenBriefingFile(filepath.Join(dir, "briefings.json"))
	if err != nil {
		t.Fatal(err)
	}
	return briefingStores{dir: dir, settings: s, records: r}
}

// withBriefings gives the adapter daily briefings over the stores, on the
// clock.
func withBriefings(st briefingStores, c *clock) func(*bot.Bot, *discord.Options) {
	return func(core *bot.Bot, opts *discord.Options) {
		opts.Settings = st.settings
		opts.Briefings = bot.NewBriefings(core, st.settings, st.records, bot.BriefingOptions{Now: c.Now, After: c.after})
	}
}

// runBriefings starts the adapter's briefing loop until the test ends and
// waits for its first round.
func runBriefings(t testing.TB, b *discord.Bot, c *clock) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.RunBriefings(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	c.idle(t)
}

// restart stops the adapter and starts another over a new session, core
// and the same data folder, as a new serve process would.
func (e *env) restart(setup func(*bot.Bot, *discord.Options)) {
	e.t.Helper()
	e.bot.Shutdown()
	var opts discord.Options
	setup(e.core, &opts)
	e.discord.Session(e.t, func(s *discordgo.Session) { e.bot = discord.New(s, e.core, opts) })
	if err := e.bot.Register(); err != nil {
		e.t.Fatal(err)
	}
}

// briefingPosts are the bot's requests to post a message in the
// briefing channel.
func (e *env) briefingPosts() []discordtest.Request {
	return e.discord.Filter(func(r discordtest.Request) bool {
		return r.Is("POST", "/channels/"+channel+"/messages")
	})
}

// setBriefing schedules guildA's briefing in the test channel as a
// moderator and returns the private reply.
func (e *env) setBriefing(at string, extra ...*discordgo.ApplicationCommandInteractionDataOption) string {
	e.t.Helper()
	args := append([]*discordgo.ApplicationCommandInteractionDataOption{discordtest.ChannelArg("channel", channel), discordtest.Arg("time", at)}, extra...)
	i := e.discord.DispatchInteraction(admin(discordtest.SlashCommand(guildA, channel, userID, "briefing", discordtest.Subcommand("set", args...))))
	return e.privateReply(i).Content
}

// A briefing is posted at its time by the clock, exactly once: not a
// minute early, not again later that day, not again after a restart;
// the next day's tells only what arrived since. It is one message with
// the day in its header, a cited line per story, its sources, a nonce
// with enforce_nonce, and no mentions.
func TestBriefingPostedAtItsTimeOnceAcrossRestart(t *testing.T) {
	t.Parallel()
	c := newClock(briefingDay.Add(7 * time.Hour))
	stores := openBriefingStores(t, t.TempDir())
	e := newEnvModel(t, false, discord.Options{}, withBriefings(stores, c))
	e.loadNews(func(name string) time.Time {
		if strings.HasPrefix(name, "harbour") {
			return briefingDay.Add(30 * time.Hour) // the next morning
		}
		return briefingDay.Add(6 * time.Hour)
	})
	runBriefings(t, e.bot, c)
	if got := e.setBriefing("8:00"); !strings.HasPrefix(got, "✅ Saved.") || !strings.Contains(got, "<#"+channel+"> at 08:00 (UTC)") {
		t.Fatalf("/briefing set: %q", got)
	}

	c.step(t, briefingDay.Add(7*time.Hour+59*time.Minute))
	if n := len(e.briefingPosts()); n != 0 {
		t.Fatalf("%d briefings before their time", n)
	}
	c.step(t, briefingDay.Add(8*time.Hour))
	posts := e.briefingPosts()
	if len(posts) != 1 {
		t.Fatalf("%d briefings at their time, want 1", len(posts))
	}
	var body struct {
		Content         string `json:"content"`
		Nonce           string `json:"nonce"`
		EnforceNonce    bool   `json:"enforce_nonce"`
		AllowedMentions *struct {
			Parse []string `json:"parse"`
		} `json:"allowed_mentions"`
	}
	if err := json.Unmarshal(posts[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	if body.Nonce == "" || len(body.Nonce) > 25 || !body.EnforceNonce {
		t.Errorf("nonce %q enforce %v, want a key of at most 25 characters, enforced", body.Nonce, body.EnforceNonce)
	}
	if body.AllowedMentions == nil || body.AllowedMentions.Parse == nil || len(body.AllowedMentions.Parse) != 0 {
		t.Errorf("the briefing may mention people: %s", posts[0].Body)
	}
	msg := body.Content
	if !strings.HasPrefix(msg, "📰 **Daily briefing — Thursday 7 March 2024**") {
		t.Errorf("header: %q", msg)
	}
	if !strings.Contains(msg, "Arlen Valley") || !strings.Contains(msg, "Lindqvist") || strings.Contains(msg, "Portmere") {
		t.Errorf("the first briefing should tell the drought and the museum, not the next day's harbour story: %q", msg)
	}
	checkCitedLines(t, msg, "• ")

	c.step(t, briefingDay.Add(9*time.Hour))
	e.restart(withBriefings(openBriefingStores(t, stores.dir), c))
	runBriefings(t, e.bot, c)
	c.step(t, briefingDay.Add(9*time.Hour+30*time.Minute))
	if n := len(e.briefingPosts()); n != 1 {
		t.Fatalf("after a restart the same day: %d briefings, want 1", n)
	}
	c.step(t, briefingDay.Add(32*time.Hour))
	posts = e.briefingPosts()
	if len(posts) != 2 {
		t.Fatalf("the next day: %d briefings, want 2", len(posts))
	}
	json.Unmarshal(posts[1].Body, &body)
	if !strings.HasPrefix(body.Content, "📰 **Daily briefing — Friday 8 March 2024**") || !strings.Contains(body.Content, "Portmere") || strings.Contains(body.Content, "Arlen") {
		t.Errorf("the second briefing should tell the harbour story alone: %q", body.Content)
	}
	if got := e.discord.ChannelMessages(channel); len(got) != 2 {
		t.Errorf("%d messages in the channel, want the 2 briefings", len(got))
	}
}

// killedLog is a briefing log whose first Finish fails: the process died
// after Discord took the briefing and before it was recorded.
type killedLog struct {
	bot.BriefingLog
	killed atomic.Bool
}

func (k *killedLog) Finish(ctx context.Context, rec bot.BriefingRecord, holder string) error {
	if k.killed.CompareAndSwap(false, true) {
		return context.Canceled
	}
	return k.BriefingLog.Finish(ctx, rec, holder)
}

// A crash between posting and recording: the next process looks in the
// channel, finds the day's briefing by its header and records it, posting
// nothing. The fake's nonce window is off, so only the look can save the
// day from a second briefing.
func TestBriefingCrashBetweenSendAndRecord(t *testing.T) {
	t.Parallel()
	c := newClock(briefingDay.Add(7 * time.Hour))
	dir := t.TempDir()
	stores := openBriefingStores(t, dir)
	stores.records = &killedLog{BriefingLog: stores.records}
	e := newEnvWith(t, false, []discordtest.Option{discordtest.WithNonceWindow(0)}, discord.Options{}, withBriefings(stores, c))
	e.loadNews(func(string) time.Time { return briefingDay.Add(6 * time.Hour) })
	runBriefings(t, e.bot, c)
	e.setBriefing("08:00")
	c.step(t, briefingDay.Add(8*time.Hour))
	if n := len(e.briefingPosts()); n != 1 {
		t.Fatalf("%d briefings posted before the crash, want 1", n)
	}
	first := e.discord.ChannelMessages(channel)[0]

	after := openBriefingStores(t, dir)
	e.restart(withBriefings(after, c))
	runBriefings(t, e.bot, c)
	c.step(t, briefingDay.Add(8*time.Hour+time.Minute))
	if n := len(e.briefingPosts()); n != 1 {
		t.Errorf("after the restart: %d briefings posted, want 1", n)
	}
	looked := e.discord.Filter(func(r discordtest.Request) bool { return r.Is("GET", "/channels/"+channel+"/messages") })
	if len(looked) == 0 {
		t.Error("the new process did not look for the briefing")
	}
	rec, ok, err := after.records.Record(context.Background(), guildA, "2024-03-07")
	if err != nil || !ok || rec.State != bot.BriefingSent || rec.MessageID != first.ID {
		t.Errorf("record %+v, want sent as %s", rec, first.ID)
	}
}

// citedLine is a line of a briefing or timeline: "…text [1] _(also
// [2][3])_".
var citedLine = regexp.MustCompile(`\[(\d+)\](?: _\(also ((?:\[\d+\])+)\)_)?$`)

// checkCitedLines checks that every line starting with prefix ends with
// citations that the message's sources list holds, and returns the
// lines.
func checkCitedLines(t *testing.T, msg, prefix string) []string {
	t.Helper()
	sources := map[string]bool{}
	for _, m := range label.FindAllStringSubmatch(msg, -1) {
		sources[m[1]] = true
	}
	var lines []string
	for _, l := range strings.Split(msg, "\n") {
		if !strings.HasPrefix(l, prefix) || l == "**Sources**" {
			continue
		}
		lines = append(lines, l)
		m := citedLine.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("line without a citation: %q", l)
			continue
		}
		for _, n := range append([]string{m[1]}, regexp.MustCompile(`\d+`).FindAllString(m[2], -1)...) {
			if !sources[n] {
				t.Errorf("line %q cites [%s], which the sources do not list: %q", l, n, msg)
			}
		}
	}
	if len(lines) == 0 {
		t.Errorf("no lines starting %q: %q", prefix, msg)
	}
	return lines
}

// Moderators set, show and stop the briefing and the server's zone;
// members see it and preview it privately; mistakes are refused at once
// and privately.
func TestBriefingCommands(t *testing.T) {
	t.Parallel()
	c := newClock(briefingDay.Add(7 * time.Hour))
	e := newEnvModel(t, false, discord.Options{}, withBriefings(openBriefingStores(t, t.TempDir()), c))
	e.loadNews(func(string) time.Time { return briefingDay.Add(6 * time.Hour) })
	member := func(sub string, args ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.Interaction {
		return e.discord.DispatchInteraction(discordtest.SlashCommand(guildA, channel, userID, "briefing", discordtest.Subcommand(sub, args...)))
	}
	if got := e.privateReply(member("show")).Content; !strings.Contains(got, "no daily briefing") {
		t.Errorf("show without a briefing: %q", got)
	}
	set := member("set", discordtest.ChannelArg("channel", channel), discordtest.Arg("time", "08:00"))
	if got := e.refusal(set); !strings.Contains(got, "Manage Server") {
		t.Errorf("a member setting the briefing: %q", got)
	}
	bad := e.discord.DispatchInteraction(admin(discordtest.SlashCommand(guildA, channel, userID, "briefing",
		discordtest.Subcommand("set", discordtest.ChannelArg("channel", channel), discordtest.Arg("time", "25:00")))))
	if got := e.refusal(bad); got != `⚠️ "25:00" is not a time of day; write it like 07:30 or 7:30 pm.` {
		t.Errorf("a bad time: %q", got)
	}

	zone := func(z string) *discordgo.Interaction {
		return e.discord.DispatchInteraction(admin(discordtest.SlashCommand(guildA, channel, userID, "settings",
			discordtest.Subcommand("timezone", discordtest.Arg("zone", z)))))
	}
	if got := e.refusal(zone("Mars/Olympus")); !strings.Contains(got, "not a time zone I know") {
		t.Errorf("a bad zone: %q", got)
	}
	if got := e.privateReply(zone("europe/berlin")).Content; !strings.Contains(got, "Time zone: Europe/Berlin") {
		t.Errorf("setting the zone: %q", got)
	}
	ac := e.discord.DispatchInteraction(discordtest.Autocomplete(guildA, channel, userID, "settings",
		discordtest.Subcommand("timezone", discordtest.Focused("zone", "berl"))))
	if r, err := e.discord.WaitFor(e.ctx(), func(r discordtest.Request) bool {
		return r.Is("POST", "/interactions/*/*/callback") && strings.Contains(r.Path, "/"+ac.ID+"/")
	}); err != nil || !strings.Contains(string(r.Body), `"Europe/Berlin"`) {
		t.Errorf("zone autocomplete: %s %v", r.Body, err)
	}

	got := e.setBriefing("7:30 pm", discordtest.Arg("topic", "the Arlen Valley drought"))
	for _, want := range []string{"✅ Saved.", "<#" + channel + "> at 19:30 (Europe/Berlin)", "Only about: the Arlen Valley drought", "<t:"} {
		if !strings.Contains(got, want) {
			t.Errorf("/briefing set reply lacks %q: %q", want, got)
		}
	}
	if got := e.privateReply(member("show")).Content; !strings.Contains(got, "at 19:30 (Europe/Berlin)") {
		t.Errorf("show: %q", got)
	}
	// The preview is the member's alone and tells only the topic's story.
	now := member("now")
	preview := e.privateReply(now).Content
	if !strings.HasPrefix(preview, "📰 **Briefing preview**") || !strings.Contains(preview, "Arlen") || strings.Contains(preview, "Lindqvist") {
		t.Errorf("preview: %q", preview)
	}
	checkCitedLines(t, preview, "• ")
	if n := len(e.discord.ChannelMessages(channel)); n != 0 {
		t.Errorf("the preview posted %d messages in the channel", n)
	}

	off := e.discord.DispatchInteraction(admin(discordtest.SlashCommand(guildA, channel, userID, "briefing", discordtest.Subcommand("off"))))
	if got := e.privateReply(off).Content; !strings.Contains(got, "stopped") {
		t.Errorf("off: %q", got)
	}
	again := e.discord.DispatchInteraction(admin(discordtest.SlashCommand(guildA, channel, userID, "briefing", discordtest.Subcommand("off"))))
	if got := e.privateReply(again).Content; !strings.Contains(got, "no daily briefing to stop") {
		t.Errorf("a second off: %q", got)
	}
}

// A timeline answers in public, opened by its story: one line per event,
// oldest first, each dated and cited, and the paragraph each cites holds
// its date (in its text, or as its article's date).
func TestTimeline(t *testing.T) {
	t.Parallel()
	e := newEnvModel(t, false, discord.Options{})
	arts := e.loadNews(func(string) time.Time { return briefingDay })
	i := e.discord.DispatchInteraction(discordtest.SlashCommand(guildA, channel, userID, "timeline", discordtest.Arg("topic", "Arlen Valley drought")))
	msg, _ := e.final(i.Token)
	if !strings.HasPrefix(msg.Content, "> Timeline: Arlen Valley drought\n") {
		t.Errorf("header: %q", msg.Content)
	}
	lines := checkCitedLines(t, msg.Content, "**")
	if len(lines) < 4 {
		t.Fatalf("%d events, want at least 4: %q", len(lines), msg.Content)
	}
	sources := map[string]string{}
	for _, m := range label.FindAllStringSubmatch(msg.Content, -1) {
		sources[m[1]] = m[2]
	}
	dated := regexp.MustCompile(`^\*\*(\d{1,2} \w{3} \d{4})\*\* — (.*) \[(\d+)\]`)
	byTitle := map[string]*retrieval.Article{}
	for _, a := range arts {
		byTitle[a.Title] = a
	}
	var prev time.Time
	for _, l := range lines {
		m := dated.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("line %q is not dated", l)
			continue
		}
		day, err := time.Parse("2 Jan 2006", m[1])
		if err != nil {
			t.Fatal(err)
		}
		if day.Before(prev) {
			t.Errorf("%q comes after %s", l, prev.Format("2 Jan 2006"))
		}
		prev = day
		// The source line names the article's headline and paragraph:
		// "[Outlet — Headline (date), ¶k](<…>)".
		src := sources[m[3]]
		var a *retrieval.Article
		for title, art := range byTitle {
			if strings.Contains(src, title) {
				a = art
			}
		}
		k := regexp.MustCompile(`¶(\d+)`).FindStringSubmatch(src)
		if a == nil || k == nil {
			t.Errorf("source [%s] %q names no test article and paragraph", m[3], src)
			continue
		}
		n := 0
		for _, ch := range k[1] {
			n = n*10 + int(ch-'0')
		}
		para := a.Paragraphs[n-1]
		holds := a.PublishedAt.Equal(day) || slices.ContainsFunc(retrieval.DatesIn(para, a.PublishedAt), func(d retrieval.DateMention) bool { return d.Since.Equal(day) })
		if !holds {
			t.Errorf("%q cites ¶%d of %q, which holds no %s: %q", l, n, a.Title, m[1], para)
		}
	}
	if !strings.Contains(msg.Content, "**12 Jan 2024** — “The Arlen County board declared a drought emergency on January 12") {
		t.Errorf("the timeline does not open with the emergency of 12 January: %q", msg.Content)
	}
}
