package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot/discord/discordtest"
)

func TestServeNeedsAToken(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	_, _, err := c.run("serve")
	if err == nil || !strings.Contains(sentence(err), "DISCORD_TOKEN is not set") {
		t.Errorf("got %v", err)
	}
}

func TestServeWithBadToken(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t, discordtest.WithToken("the-right-token"))
	c := newCLI(t)
	c.env["DISCORD_TOKEN"] = "a-wrong-token"
	c.env["NEWSBOT_DISCORD_API_URL"] = fake.URL()
	_, _, err := c.run("serve")
	if err == nil || !strings.Contains(sentence(err), "Discord refused the bot token") {
		t.Errorf("got %v", err)
	}
}

// serve connects through NEWSBOT_DISCORD_API_URL, registers its commands in
// the configured guild and stops cleanly when interrupted.
func TestServeStartsAndStops(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t, discordtest.WithToken("the-right-token"), discordtest.WithGuild("123", "G"))
	c := seededCLI(t)
	c.env["DISCORD_TOKEN"] = "the-right-token"
	c.env["NEWSBOT_DISCORD_API_URL"] = fake.URL()
	c.env["NEWSBOT_DISCORD_GUILD_ID"] = "123"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	var out, errb bytes.Buffer
	go func() {
		done <- run(ctx, []string{"--data", c.data, "serve"}, func(k string) string { return c.env[k] }, strings.NewReader(""), &out, &errb)
	}()
	wctx, wcancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer wcancel()
	if _, err := fake.WaitFor(wctx, discordtest.Match("PUT", "/applications/*/guilds/123/commands")); err != nil {
		t.Fatalf("commands not registered: %v\n%s", err, errb.String())
	}
	cmds := fake.Commands("123")
	if len(cmds) < 6 {
		t.Errorf("registered %d commands", len(cmds))
	}
	for _, want := range []string{"briefing", "timeline", "settings"} {
		if !slices.ContainsFunc(cmds, func(c *discordgo.ApplicationCommand) bool { return c.Name == want }) {
			t.Errorf("serve did not register /%s", want)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	if !strings.Contains(errb.String(), "oauth2/authorize") {
		t.Errorf("no invite URL logged:\n%s", errb.String())
	}
}

// A server that is not Discord behind NEWSBOT_DISCORD_API_URL gets one
// clean line naming it, not its HTML page and not discord.com.
func TestServeAgainstAnotherServer(t *testing.T) {
	t.Parallel()
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte("<html><body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>"))
	}))
	t.Cleanup(page.Close)
	c := newCLI(t)
	c.env["DISCORD_TOKEN"] = "a-token"
	c.env["NEWSBOT_DISCORD_API_URL"] = page.URL
	_, _, err := c.run("serve")
	want := "Cannot connect to Discord at " + page.URL + ": GET /api/v9/gateway answered 404 Not Found with an HTML page, not Discord's API."
	if err == nil || sentence(err) != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

// NEWSBOT_SHARDS=auto runs every shard Discord recommends in this process,
// one session each, and registers the commands once.
func TestServeAutoShards(t *testing.T) {
	t.Parallel()
	const on0, on1 = "175928847299117063", "111111111111111111" // shards 0 and 1 of 2
	fake := discordtest.New(t, discordtest.WithToken("the-right-token"), discordtest.WithGuild(on0, "Zero"), discordtest.WithGuild(on1, "One"),
		discordtest.WithShards(2), discordtest.WithMaxConcurrency(2))
	c := newCLI(t)
	c.env["DISCORD_TOKEN"] = "the-right-token"
	c.env["NEWSBOT_DISCORD_API_URL"] = fake.URL()
	c.env["NEWSBOT_SHARDS"] = "auto"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	var out, errb bytes.Buffer
	go func() {
		done <- run(ctx, []string{"--data", c.data, "serve"}, func(k string) string { return c.env[k] }, strings.NewReader(""), &out, &errb)
	}()
	wctx, wcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer wcancel()
	if _, err := fake.WaitFor(wctx, discordtest.Match("PUT", "/applications/*/commands")); err != nil {
		t.Fatalf("commands not registered: %v\n%s", err, errb.String())
	}
	var shards [][2]int
	for _, id := range fake.Identifies() {
		if id.Shard != nil {
			shards = append(shards, *id.Shard)
		}
	}
	if !slices.Equal(shards, [][2]int{{0, 2}, {1, 2}}) {
		t.Errorf("identified as shards %v, want 0 and 1 of 2", shards)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	if !strings.Contains(errb.String(), "shards=0-1/2") {
		t.Errorf("the log does not name the shards:\n%s", errb.String())
	}
}

// A process that runs part of the bot must share its library with the
// others: without a database it is refused in one sentence.
func TestServePartOfTheShardsNeedsADatabase(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.env["DISCORD_TOKEN"] = "a-token"
	c.env["NEWSBOT_SHARDS"] = "1/2"
	_, _, err := c.run("serve")
	if err == nil || !strings.Contains(sentence(err), "NEWSBOT_SHARDS=1/2 runs part of the bot") || !strings.Contains(sentence(err), "NEWSBOT_DATABASE_URL") {
		t.Errorf("got %v", err)
	}
}
