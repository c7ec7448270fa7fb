package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/discord/discordtest"
	botdb "github.com/newsbot/newsbot/bot/postgres"
)

// Two serve processes on one PostgreSQL library, both polling feeds at
// start: the feed two servers follow is fetched once and its article
// announced once in each server's channel; nothing goes to feeds.json.
func TestServeFleetPollsAFeedOnce(t *testing.T) {
	t.Parallel()
	const guild1, guild2, chan1, chan2 = "1000000000000000101", "1000000000000000102", "2000000000000000101", "2000000000000000102"
	fake := discordtest.New(t, discordtest.WithToken("the-right-token"), discordtest.WithGuild(guild1, "One"), discordtest.WithGuild(guild2, "Two"))
	fake.AddChannel(&discordgo.Channel{ID: chan1, GuildID: guild1, Type: discordgo.ChannelTypeGuildText, Name: "news"})
	fake.AddChannel(&discordgo.Channel{ID: chan2, GuildID: guild2, Type: discordgo.ChannelTypeGuildText, Name: "news"})

	var feedHits atomic.Int64
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
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!DOCTYPE html><html><head><title>Harbour board opens its books</title></head><body><article><h1>Harbour board opens its books</h1>
<p>The Portmere harbour board agreed on Thursday to publish its accounts every quarter, after a long debate that ran late into the evening and drew a crowd of fishermen to the town hall.</p>
<p>Fishermen had asked for years how the harbour dues were spent, the chair said, and the board had until now answered only in the annual report, which few of them read.</p>
<p>The first quarterly accounts will appear in June, and the board will hold an open meeting after each one, where anyone who pays dues may ask questions about the figures.</p>
<p>Members who opposed the change said it would cost the board's small staff several days of work each quarter, but they accepted the decision once the vote was taken.</p></article></body></html>`)
	})
	site = httptest.NewServer(mux)
	t.Cleanup(site.Close)

	c := dbCLI(t)
	c.mustRun("migrate")
	pool, err := pgxpool.New(context.Background(), c.env["NEWSBOT_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	feeds := botdb.New(pool).Feeds()
	for _, s := range []bot.Subscription{{Scope: guild1, Channel: chan1}, {Scope: guild2, Channel: chan2}} {
		s.URL = site.URL + "/feed.xml"
		if _, err := feeds.Add(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
	c.env["DISCORD_TOKEN"] = "the-right-token"
	c.env["NEWSBOT_DISCORD_API_URL"] = fake.URL()
	c.env["NEWSBOT_ALLOW_PRIVATE_URLS"] = "1"
	c.env["NEWSBOT_LOG_LEVEL"] = "debug" // each round of polls is logged

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 2)
	var logs [2]syncBuffer
	for i := range 2 {
		go func() {
			var out bytes.Buffer
			done <- run(ctx, []string{"--data", c.data, "serve"}, func(k string) string { return c.env[k] }, strings.NewReader(""), &out, &logs[i])
		}()
	}
	wctx, wcancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer wcancel()
	for _, ch := range []string{chan1, chan2} {
		if _, err := fake.WaitFor(wctx, discordtest.Match("POST", "/channels/"+ch+"/messages")); err != nil {
			t.Fatalf("no announcement in %s: %v\n%s\n%s", ch, err, logs[0].String(), logs[1].String())
		}
	}
	// Both processes have polled: each claimed what was due at its start.
	for i := range logs {
		for !strings.Contains(logs[i].String(), "polled the feeds that were due") {
			if wctx.Err() != nil {
				t.Fatalf("serve %d never polled the feeds\n%s", i, logs[i].String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	cancel()
	for range 2 {
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not stop")
		}
	}
	if n := feedHits.Load(); n != 1 {
		t.Errorf("the feed was fetched %d times by two processes at start, want once", n)
	}
	for _, ch := range []string{chan1, chan2} {
		n := 0
		for _, m := range fake.ChannelMessages(ch) {
			if strings.Contains(m.Content, "Harbour board opens its books") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("the article was announced %d times in %s, want once", n, ch)
		}
	}
	if _, err := os.Stat(filepath.Join(c.data, "feeds.json")); err == nil {
		t.Error("serve wrote feeds.json beside a PostgreSQL library")
	}
}
