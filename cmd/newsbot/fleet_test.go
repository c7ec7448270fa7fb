package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot/discord/discordtest"
)

// Servers of a fleet of two shards: (id >> 22) % 2 puts the first two on
// shard 0 and the third on shard 1.
const (
	serverA = "175928847299117063"  // shard 0
	serverC = "1100000000004194304" // shard 0
	serverB = "111111111111111111"  // shard 1
)

// fleet is newsbot as a fleet runs it: one PostgreSQL library, the fake
// Discord, and `serve` processes (the test binary standing in for newsbot)
// each running some of the shards.
type fleet struct {
	t       *testing.T
	discord *discordtest.Server
	cli     *cli // the command line against the fleet's database
	env     []string
	ctx     context.Context
	asks    atomic.Int64 // a new asker per question keeps clear of the per-user rate limit
}

// newFleet makes a fleet of two shards whose (fake) Discord lets both
// identify at once (max_concurrency 2), unless opts say otherwise.
func newFleet(t *testing.T, opts ...discordtest.Option) *fleet {
	t.Helper()
	if testing.Short() {
		t.Skip("starts processes")
	}
	c := dbCLI(t)
	c.mustRun("migrate")
	fake := discordtest.New(t, append([]discordtest.Option{discordtest.WithToken("fleet-token"), discordtest.WithShards(2), discordtest.WithMaxConcurrency(2),
		discordtest.WithGuild(serverA, "A"), discordtest.WithGuild(serverB, "B"), discordtest.WithGuild(serverC, "C")}, opts...)...)
	for _, g := range []string{serverA, serverB, serverC} {
		fake.AddChannel(&discordgo.Channel{ID: channelOf(g), GuildID: g, Type: discordgo.ChannelTypeGuildText, Name: "news"})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return &fleet{t: t, discord: fake, cli: c, ctx: ctx, env: []string{
		"DISCORD_TOKEN=fleet-token",
		"NEWSBOT_DISCORD_API_URL=" + fake.URL(),
		"NEWSBOT_DATABASE_URL=" + c.env["NEWSBOT_DATABASE_URL"],
		"NEWSBOT_ALLOW_PRIVATE_URLS=true",
		"NEWSBOT_LOG_LEVEL=debug",
	}}
}

// channelOf is the id of a server's news channel: the server's id + 1.
func channelOf(guildID string) string {
	var n uint64
	fmt.Sscan(guildID, &n)
	return fmt.Sprint(n + 1)
}

// server is one `serve` process of the fleet; its log goes to a file so the
// test can read it while the process runs.
type server struct {
	cmd      *exec.Cmd
	log      string
	done     chan error
	killOnce sync.Once
}

// serve starts a `serve` process for shards (NEWSBOT_SHARDS) and waits
// until Discord has sent it READY: its library is loaded by then.
func (f *fleet) serve(shards string) *server {
	f.t.Helper()
	ready := f.discord.GatewayStats().Ready
	s := f.start(shards)
	f.waitReady(ready+1, s)
	return s
}

// start starts a `serve` process for shards without waiting for it.
func (f *fleet) start(shards string) *server {
	f.t.Helper()
	dir := f.t.TempDir()
	s := &server{log: filepath.Join(dir, "serve.log"), done: make(chan error, 1)}
	logf, err := os.Create(s.log)
	if err != nil {
		f.t.Fatal(err)
	}
	s.cmd = exec.Command(newsbotProgram(), "serve")
	s.cmd.Env = append(append(os.Environ(), "NEWSBOT_TEST_BE_MAIN=1", noExitSleep, "NEWSBOT_DATA_DIR="+filepath.Join(dir, "data"), "NEWSBOT_SHARDS="+shards), f.env...)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		f.t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait(); logf.Close() }()
	f.t.Cleanup(func() { s.kill() })
	return s
}

// serveBoth starts the processes of shards 0/2 and 1/2 together and waits
// until Discord has sent each its READY.
func (f *fleet) serveBoth() (shard0, shard1 *server) {
	f.t.Helper()
	ready := f.discord.GatewayStats().Ready
	shard0, shard1 = f.start("0/2"), f.start("1/2")
	f.waitReady(ready+2, shard0, shard1)
	return shard0, shard1
}

// waitReady waits until Discord has sent n READYs in all.
func (f *fleet) waitReady(n int, servers ...*server) {
	f.t.Helper()
	if err := f.discord.WaitGateway(f.ctx, func(g discordtest.GatewayStats) bool { return g.Ready >= n }); err != nil {
		var logs strings.Builder
		for _, s := range servers {
			logs.WriteString(s.output())
		}
		f.t.Fatalf("serve never connected: %v\n%s", err, logs.String())
	}
}

// kill ends the process with SIGKILL, as a crash or an OOM killer would.
func (s *server) kill() {
	s.killOnce.Do(func() {
		s.cmd.Process.Kill()
		<-s.done
	})
}

func (s *server) output() string {
	b, _ := os.ReadFile(s.log)
	return string(b)
}

// interact sends i and returns what the bot finally said: the edited
// response once it no longer shows work in progress, or an immediate or
// follow-up message.
func (f *fleet) interact(i *discordgo.Interaction) string {
	f.t.Helper()
	i = f.discord.DispatchInteraction(i)
	mine := func(r discordtest.Request) bool {
		return strings.Contains(r.Path, "/"+i.Token) || strings.Contains(r.Path, "/"+i.ID+"/")
	}
	for n := 1; ; n++ {
		if _, err := f.discord.WaitForN(f.ctx, n, mine); err != nil {
			f.t.Fatalf("no answer to %s in server %s: %v", i.ID, i.GuildID, err)
		}
		if typ, ok := f.discord.InteractionResponseType(i.Token); ok && typ == discordgo.InteractionResponseChannelMessageWithSource {
			r, _ := f.discord.WaitFor(f.ctx, func(r discordtest.Request) bool { return r.Is("POST", "/interactions/*/*/callback") && mine(r) })
			var cb struct {
				Data struct {
					Content string `json:"content"`
				} `json:"data"`
			}
			r.Decode(&cb)
			return cb.Data.Content
		}
		if m := f.discord.InteractionResponse(i.Token); m != nil && m.Content != "" && !inProgress(m.Content) {
			return m.Content
		}
		if fs := f.discord.Followups(i.Token); len(fs) > 0 {
			return fs[len(fs)-1].Content
		}
	}
}

func inProgress(content string) bool {
	return strings.Contains(content, "_Writing…") || strings.Contains(content, "_Searching") || strings.Contains(content, "_Loading")
}

// ask asks a question in a server as a new member and returns the answer.
func (f *fleet) ask(guildID, question string) string {
	f.t.Helper()
	user := fmt.Sprint(500000000000000000 + f.asks.Add(1))
	return f.interact(discordtest.SlashCommand(guildID, channelOf(guildID), user, "ask", discordtest.Arg("question", question)))
}

// load has an admin of the server /load the page at url.
func (f *fleet) load(guildID, url string) string {
	f.t.Helper()
	i := discordtest.SlashCommand(guildID, channelOf(guildID), "600000000000000001", "load", discordtest.Arg("url", url))
	i.Member.Permissions |= discordgo.PermissionManageGuild
	return f.interact(i)
}

// answerable asks question in each server until every answer holds fact,
// and returns how long after start each first did. The ask that found it
// counts from when it was sent, not from when it was answered: the time is
// the library's, not the answer's. Past deadline it fails the test.
func (f *fleet) answerable(start time.Time, deadline time.Duration, question, fact string, servers ...string) map[string]time.Duration {
	f.t.Helper()
	found := map[string]time.Duration{}
	for {
		for _, g := range servers {
			if _, ok := found[g]; ok {
				continue
			}
			sent := time.Since(start)
			if strings.Contains(f.ask(g, question), fact) {
				found[g] = sent
			}
		}
		if len(found) == len(servers) {
			return found
		}
		if time.Since(start) > deadline {
			f.t.Fatalf("%q not answered with %q within %s in every server: found in %v", question, fact, deadline, found)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// article writes a plain-text article and returns its path.
func article(t *testing.T, title, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), strings.ToLower(strings.ReplaceAll(title, " ", "-"))+".txt")
	if err := os.WriteFile(p, []byte(title+"\n\n"+body+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// page serves an article as a web page on 127.0.0.1.
func page(t *testing.T, title, outlet string, paragraphs ...string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><title>%s | %s</title><meta property="og:site_name" content="%s"></head><body><article><h1>%s</h1>`, title, outlet, outlet, title)
		for _, p := range paragraphs {
			fmt.Fprintf(w, "<p>%s</p>\n", p)
		}
		fmt.Fprint(w, "</article></body></html>")
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/" + strings.ToLower(strings.ReplaceAll(title, " ", "-"))
}

// loaded finds how many articles a process loaded into memory at start.
var loaded = regexp.MustCompile(`msg="library loaded" articles=(\d+)`)

// fleetDeadline is how soon an article ingested from the command line must
// be answerable in every running process (issue 11).
const fleetDeadline = 2 * time.Second

// TestFleet runs newsbot as a fleet: two `serve` processes as shards 0 and
// 1 of 2, one PostgreSQL library, one (fake) Discord. A server's /load
// stays in that server; an article ingested from the command line is
// answered on both shards within fleetDeadline; a process killed with
// SIGKILL and restarted has lost nothing and follows the library again;
// and the commands are registered once, by the process of shard 0.
//
// It alone of the package's tests runs by itself, not in parallel: it
// asserts fleetDeadline, which the other tests' load would eat into.
func TestFleet(t *testing.T) {
	f := newFleet(t)
	commands := discordtest.Match("PUT", "/applications/*/commands")
	shard0, shard1 := f.serveBoth()
	if _, err := f.discord.WaitFor(f.ctx, commands); err != nil {
		t.Fatalf("commands not registered: %v\n%s", err, shard0.output())
	}

	// A /load in server A (shard 0) is answered there, and nowhere else.
	ferry := page(t, "Ferry Service Resumes", "Island Post",
		"The island ferry resumed service on Friday after three weeks of repairs to its engine, the operator said.",
		"Passengers who bought tickets for cancelled crossings can claim a refund until the end of the month.",
		"The operator said a second boat would join the route in the spring, doubling the number of daily crossings.",
		"Local shops, which lost most of their summer trade while the ferry was out of service, welcomed the news on Friday morning.")
	if got := f.load(serverA, ferry); !strings.Contains(got, "Added “Ferry Service Resumes”") {
		t.Fatalf("/load in server A: %q\n%s", got, shard0.output())
	}
	const ferryQ, ferryFact = "Why was the island ferry out of service?", "three weeks of repairs"
	if got := f.ask(serverA, ferryQ); !strings.Contains(got, ferryFact) {
		t.Errorf("server A, which loaded the ferry article: %q", got)
	}

	// A global article from the command line reaches both shards.
	glacier := article(t, "Glacier Observatory Opens", "A glacier observatory opened on Tuesday at the foot of the Morteratsch glacier in the Engadine valley, the park service said.\n\nVisitors can watch the ice retreat through a window forty metres wide.")
	f.cli.mustRun("ingest", glacier)
	took := f.answerable(time.Now(), fleetDeadline, "Where did the glacier observatory open?", "Morteratsch", serverA, serverB)
	t.Logf("the CLI's article was answerable on shard 0 after %s, on shard 1 after %s", took[serverA], took[serverB])

	// Both processes have followed the change log past the /load by now
	// (it is read in order), and neither server B (shard 1) nor server C
	// (shard 0, the same process as A) sees server A's article.
	for _, g := range []string{serverB, serverC} {
		if got := f.ask(g, ferryQ); strings.Contains(got, ferryFact) {
			t.Errorf("server %s (shard %d) sees server A's article: %q", g, discordtest.ShardOf(g, 2), got)
		}
	}

	// Server B loads an article, then its process is killed. While it is
	// down, shard 0 answers on, and the library changes: a global article
	// and one for server B alone.
	lighthouse := page(t, "Lighthouse Restored", "Harbour News",
		"The lighthouse lamp was restored with brass fittings salvaged from the old harbour master's office, the trust said.",
		"The light will shine again from the first of May, when the trust opens the tower to visitors for the summer.",
		"Volunteers spent two winters cleaning the lens and repainting the iron stairs that lead up to the lantern room.",
		"The trust still needs money for a new roof over the keeper's cottage, which it hopes to turn into a small museum.")
	if got := f.load(serverB, lighthouse); !strings.Contains(got, "Added “Lighthouse Restored”") {
		t.Fatalf("/load in server B: %q\n%s", got, shard1.output())
	}
	shard1.kill()
	if got := f.ask(serverA, ferryQ); !strings.Contains(got, ferryFact) {
		t.Errorf("server A while shard 1 is down: %q", got)
	}
	f.cli.mustRun("ingest", article(t, "Orchard Harvest Sets a Record", "The cider orchards of Valdemora harvested a record 4,000 tonnes of apples this autumn, the growers association said.\n\nThe previous record, set in 2019, was 3,100 tonnes."))
	f.cli.mustRun("ingest", "--scope", serverB, article(t, "Halvorsen Bridge to Close", "The Halvorsen bridge will close for repairs from March 3, the city engineer said on Monday.\n\nBuses will take a detour over the old harbour road."))

	// Restarted, shard 1 has everything: what it had, and what changed
	// while it was down; shard 0 got the global article too.
	shard1 = f.serve("1/2")
	for _, c := range []struct{ server, question, fact string }{
		{serverB, "What was the lighthouse lamp restored with?", "brass fittings"},
		{serverB, "Where did the glacier observatory open?", "Morteratsch"},
		{serverB, "How many tonnes of apples did Valdemora harvest?", "4,000 tonnes"},
		{serverB, "When will the Halvorsen bridge close?", "March 3"},
		{serverA, "How many tonnes of apples did Valdemora harvest?", "4,000 tonnes"},
	} {
		if got := f.ask(c.server, c.question); !strings.Contains(got, c.fact) {
			t.Errorf("after the restart, server %s: %q answered %q, want %q in it\n%s", c.server, c.question, got, c.fact, shard1.output())
		}
	}
	if got := f.ask(serverA, "When will the Halvorsen bridge close?"); strings.Contains(got, "March 3") {
		t.Errorf("server A sees server B's article: %q", got)
	}
	// Shard 1's process holds the global articles and server B's, not
	// server A's: it keeps in memory only the scopes of its shards.
	if m := loaded.FindStringSubmatch(shard1.output()); m == nil || m[1] != "4" {
		t.Errorf("the restarted shard 1 loaded %v articles, want 4 (2 global, 2 of server B)\n%s", m, shard1.output())
	}
	// And it follows the library again.
	f.cli.mustRun("ingest", article(t, "Tram Line Extended", "The tram line to Oberwil was extended by four stops on Sunday, the transport authority said.\n\nThe first trams on the new stretch ran full."))
	took = f.answerable(time.Now(), fleetDeadline, "How many stops was the Oberwil tram line extended by?", "four stops", serverA, serverB)
	t.Logf("after the restart, the CLI's article was answerable on shard 0 after %s, on shard 1 after %s", took[serverA], took[serverB])

	if n := len(f.discord.Filter(commands)); n != 1 {
		t.Errorf("the commands were registered %d times, want once (by shard 0's process)", n)
	}
	if !strings.Contains(shard1.output(), "commands are registered by the process that runs shard 0") {
		t.Errorf("shard 1's process does not say who registers the commands:\n%s", shard1.output())
	}
}

// TestFleetFetchesAFeedOnce: a feed followed in a server of each shard
// (/feed add, answered by each shard's process) is fetched once per
// interval by the fleet, whichever processes poll, and its new article is
// loaded into both servers' libraries and announced once in each server's
// channel. Both processes are killed after the /feed adds and started
// again, so both poll at start, the second once the first has polled.
func TestFleetFetchesAFeedOnce(t *testing.T) {
	t.Parallel()
	f := newFleet(t)
	var feedHits, pageHits atomic.Int64
	mux := http.NewServeMux()
	var site *httptest.Server
	mux.HandleFunc("/feed.xml", func(w http.ResponseWriter, r *http.Request) {
		feedHits.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Portmere Gazette</title><link>%[1]s/</link>
<item><title>Harbour board opens its books</title><link>%[1]s/news/1</link><guid>gazette-1</guid><pubDate>Thu, 07 Mar 2024 08:00:00 GMT</pubDate></item>
</channel></rss>`, site.URL)
	})
	mux.HandleFunc("/news/1", func(w http.ResponseWriter, r *http.Request) {
		pageHits.Add(1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!DOCTYPE html><html><head><title>Harbour board opens its books</title></head><body><article><h1>Harbour board opens its books</h1>
<p>The Portmere harbour board agreed on Thursday to publish its accounts every quarter, after a long debate that ran late into the evening and drew a crowd of fishermen to the town hall.</p>
<p>Fishermen had asked for years how the harbour dues were spent, the chair said, and the board had until now answered only in the annual report, which few of them read.</p>
<p>The first quarterly accounts will appear in June, and the board will hold an open meeting after each one, where anyone who pays dues may ask questions about the figures.</p>
<p>Members who opposed the change said it would cost the board's small staff several days of work each quarter, but they accepted the decision once the vote was taken.</p></article></body></html>`)
	})
	site = httptest.NewServer(mux)
	t.Cleanup(site.Close)
	feed := site.URL + "/feed.xml"

	shard0, shard1 := f.serveBoth()
	for _, c := range []struct {
		server  string
		process *server
	}{{serverA, shard0}, {serverB, shard1}} {
		i := discordtest.SlashCommand(c.server, channelOf(c.server), "600000000000000001", "feed", discordtest.Subcommand("add", discordtest.Arg("url", feed)))
		i.Member.Permissions |= discordgo.PermissionManageGuild
		if got := f.interact(i); !strings.Contains(got, "Following “Portmere Gazette”") {
			t.Fatalf("/feed add in server %s: %q\n%s", c.server, got, c.process.output())
		}
	}
	checked := feedHits.Load() // /feed add reads the feed to check it is one

	// Both processes stop, then start one after the other: each polls the
	// feeds that are due as it starts, the second after the first has
	// fetched the feed, loaded its article and announced it.
	shard0.kill()
	shard1.kill()
	polled := func(s *server) {
		t.Helper()
		for !strings.Contains(s.output(), "polled the feeds that were due") {
			if f.ctx.Err() != nil {
				t.Fatalf("the process never polled\n%s", s.output())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	shard0 = f.serve("0/2")
	polled(shard0)
	shard1 = f.serve("1/2")
	polled(shard1)
	const title = "Harbour board opens its books"
	for _, g := range []string{serverA, serverB} {
		if !slices.ContainsFunc(f.discord.ChannelMessages(channelOf(g)), func(m *discordgo.Message) bool { return strings.Contains(m.Content, title) }) {
			t.Errorf("the feed's article was not announced in server %s\n%s\n%s", g, shard0.output(), shard1.output())
		}
	}
	if n := feedHits.Load() - checked; n != 1 {
		t.Errorf("two processes fetched the feed %d times at start, want once", n)
	}
	if n := pageHits.Load(); n != 1 {
		t.Errorf("the feed's article was read %d times for two servers, want once", n)
	}
	for _, g := range []string{serverA, serverB} {
		n := 0
		for _, m := range f.discord.ChannelMessages(channelOf(g)) {
			if strings.Contains(m.Content, title) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("the article was announced %d times in server %s, want once", n, g)
		}
		if got := f.ask(g, "How often will the Portmere harbour board publish its accounts?"); !strings.Contains(got, "every quarter") {
			t.Errorf("server %s on the feed's article: %q", g, got)
		}
	}
}

// TestFleetTakesTurnsToConnect: with one identify per five seconds for the
// whole bot (max_concurrency 1), as Discord allows most bots, two processes
// started at once take turns through the database: Discord refuses
// neither's IDENTIFY, and both connect.
func TestFleetTakesTurnsToConnect(t *testing.T) {
	t.Parallel()
	f := newFleet(t, discordtest.WithMaxConcurrency(1), discordtest.WithIdentifyLimit(5*time.Second))
	ready := f.discord.GatewayStats().Ready
	shard0, shard1 := f.start("0/2"), f.start("1/2")
	f.waitReady(ready+2, shard0, shard1)
	if st := f.discord.GatewayStats(); st.InvalidSessions != 0 || st.Identifies != 2 {
		t.Errorf("Discord refused %d of %d IDENTIFYs for coming too soon, want 2 IDENTIFYs and none refused\n%s\n%s", st.InvalidSessions, st.Identifies, shard0.output(), shard1.output())
	}
	for _, g := range []string{serverA, serverB} {
		if got := f.interact(discordtest.SlashCommand(g, channelOf(g), "700000000000000001", "help")); !strings.Contains(got, "/ask") {
			t.Errorf("/help in server %s: %q", g, got)
		}
	}
}
