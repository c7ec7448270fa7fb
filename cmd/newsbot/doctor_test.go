package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/bot/discord/discordtest"
	"github.com/newsbot/newsbot/bot/modeltest"
	"github.com/newsbot/newsbot/retrieval/postgres/pgtest"
)

const guild = "123456789012345678"

const rss = `<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour News</title><link>http://example.com/</link>
<item><title>Ferry Service Resumes</title><link>http://example.com/ferry</link><description>The ferry is back.</description></item>
</channel></rss>`

// followFeeds writes the subscriptions file serve keeps, following urls in guild.
func followFeeds(t *testing.T, dataDir string, urls ...string) {
	t.Helper()
	var subs []string
	for i, u := range urls {
		subs = append(subs, `{"id": "f`+string(rune('0'+i))+`", "url": "`+u+`", "guild_id": "`+guild+`", "channel_id": "1", "added_at": "2026-01-01T00:00:00Z"}`)
	}
	writeFile(t, dataDir, "feeds.json", `{"version": 1, "subscriptions": [`+strings.Join(subs, ",")+`]}`)
}

// doctorLines maps each check's name to its line of doctor's report.
func doctorLines(out string) map[string]string {
	lines := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if m := regexp.MustCompile(`^(ok|warn|FAIL)\s+(\S+(?: \S+)*?)\s{2,}`).FindStringSubmatch(l); m != nil {
			if _, seen := lines[m[2]]; !seen {
				lines[m[2]] = l
			}
		}
	}
	return lines
}

func TestDoctorHealthy(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t, discordtest.WithToken("the-token"), discordtest.WithGuild(guild, "Harbour"))
	model := modeltest.New(t)
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(rss))
	}))
	t.Cleanup(feed.Close)
	c := seededCLI(t)
	c.mustRun("reindex")
	followFeeds(t, c.data, feed.URL+"/rss")
	writeFile(t, c.data, "newsbot.toml", `
discord_api_url = "`+fake.URL()+`"
discord_guild_id = "`+guild+`"
openai_base_url = "`+model.URL()+`"
allow_private_urls = true
`)
	c.env["DISCORD_TOKEN"] = "the-token"

	out, stderr, err := c.run("doctor")
	if err != nil {
		t.Fatalf("doctor: %v\n%s%s", err, out, stderr)
	}
	lines := doctorLines(out)
	for name, want := range map[string]string{
		"config":                 filepath.Join(c.data, "newsbot.toml"),
		"data folder":            "1 article, 13 paragraphs",
		"embedder":               "as the index",
		"chat model":             "gpt-4o-mini at " + model.URL() + " answered a one-token request",
		"discord token":          "the token belongs to the bot newsbot",
		"message content intent": "enabled",
		"invite link":            "https://discord.com/oauth2/authorize?client_id=",
		"discord server":         `the bot is in "Harbour"`,
		"discord shards":         "one connection (Discord recommends 1 shard)",
		"feeds":                  "1 of 1 followed feed answer",
	} {
		if l := lines[name]; !strings.HasPrefix(l, "ok") || !strings.Contains(l, want) {
			t.Errorf("%s: got %q, want ok and %q", name, l, want)
		}
	}
	if !strings.Contains(out, "Everything the bot needs is in place.") {
		t.Errorf("no all-clear:\n%s", out)
	}
	reqs := model.ChatRequests()
	if len(reqs) != 1 || reqs[0].MaxTokens != 1 {
		t.Errorf("the model got %d requests (%+v), want one for one token", len(reqs), reqs)
	}
	if files, _ := filepath.Glob(filepath.Join(c.data, "articles", "*")); len(files) != 1 {
		t.Errorf("doctor changed the library: %v", files)
	}
}

func TestDoctorBroken(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t, discordtest.WithToken("the-token"), discordtest.WithApplicationFlags(0))
	model := modeltest.New(t)
	model.Script(modeltest.Unauthorized())
	model.SetDimensions(24)
	dead := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(dead.Close)
	c := seededCLI(t) // indexed by the built-in embedder
	os.WriteFile(filepath.Join(c.data, "articles", "broken.md"), []byte("---\ntitle: x\n"), 0o644)
	followFeeds(t, c.data, dead.URL+"/gone.xml")
	c.env["NEWSBOT_DISCORD_API_URL"] = fake.URL()
	c.env["DISCORD_TOKEN"] = "the-token"
	c.env["OPENAI_BASE_URL"] = model.URL()
	c.env["NEWSBOT_EMBED_MODEL"] = "fake-embed"
	c.env["NEWSBOT_ALLOW_PRIVATE_URLS"] = "true"

	out, _, err := c.run("doctor")
	if err == nil || exitCode(err) != 1 {
		t.Fatalf("doctor with broken parts: %v\n%s", err, out)
	}
	if msg := sentence(err); !strings.Contains(msg, "2 of ") || !strings.Contains(msg, "chat model, message content intent") {
		t.Errorf("error %q", msg)
	}
	lines := doctorLines(out)
	for name, want := range map[string]string{
		"chat model":             "FAIL  chat model              gpt-4o-mini at " + model.URL() + ": the server refused the API key — fix: check openai_api_key",
		"message content intent": "FAIL  message content intent  off: Discord will refuse serve's connection, which asks for it to read mentions and thread replies — fix: turn on Message Content Intent",
		"embedder":               "warn  embedder                openai fake-embed (24 dimensions); the index was made by local",
		"article files":          "warn  article files           1 file cannot be read and is passed over: broken.md",
		"feed":                   "warn  feed                    " + dead.URL + "/gone.xml (server " + guild + ")",
	} {
		if l := lines[name]; !strings.Contains(l, want) {
			t.Errorf("%s: got %q, want %q", name, l, want)
		}
	}
	if !strings.Contains(lines["embedder"], "dimensions, not 24") || !strings.Contains(lines["embedder"], "re-embeds all 13 paragraphs") {
		t.Errorf("embedder: %q", lines["embedder"])
	}

	// A wrong token stops the Discord checks at the first line.
	c.env["DISCORD_TOKEN"] = "another-token"
	out, _, _ = c.run("doctor")
	if l := doctorLines(out)["discord token"]; !strings.HasPrefix(l, "FAIL") || !strings.Contains(l, "Discord refused the bot token — fix: copy a new one") {
		t.Errorf("discord token: %q", l)
	}
}

// With database_url, doctor checks the PostgreSQL library: its schema
// first, then what it holds.
func TestDoctorDatabase(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.env["NEWSBOT_DATABASE_URL"] = pgtest.URL(t)
	out, _, err := c.run("doctor")
	if err == nil || !strings.Contains(sentence(err), "database") {
		t.Errorf("doctor before migrating: %v\n%s", err, out)
	}
	if l := doctorLines(out)["database"]; !strings.HasPrefix(l, "FAIL") || !strings.Contains(l, "the database is at version 0") || !strings.Contains(l, "fix: run newsbot migrate") {
		t.Errorf("database before migrating: %q", l)
	}
	c.mustRun("migrate")
	c.mustRun("ingest", seedPath)
	out, _, err = c.run("doctor")
	if err != nil {
		t.Fatalf("doctor: %v\n%s", err, out)
	}
	if l := doctorLines(out)["database"]; !strings.HasPrefix(l, "ok") || !strings.Contains(l, "1 article, 13 paragraphs; schema up to date") || strings.Contains(l, "password") {
		t.Errorf("database: %q", l)
	}
}
