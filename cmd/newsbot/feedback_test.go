package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot/discord/discordtest"
	"github.com/newsbot/newsbot/retrieval"
)

// A reader's 👍 in Discord reaches `newsbot feedback export --json` as a
// newsbench query whose gold is the cited paragraph, and `newsbot eval`
// scores retrieval on it: real questions grow the evaluation set.
func TestFeedbackPressedInDiscordIsExported(t *testing.T) {
	t.Parallel()
	// Side by side: each waits mostly on serve, which with a database
	// stops only once its turn to connect to Discord has run out (5 s).
	t.Run("files", func(t *testing.T) {
		t.Parallel()
		feedbackRoundTrip(t, newCLI(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		c := dbCLI(t)
		c.mustRun("migrate")
		feedbackRoundTrip(t, c)
		if _, err := os.Stat(filepath.Join(c.data, "feedback")); err == nil {
			t.Error("with a database the votes went to the data folder")
		}
	})
}

// voter is the reader who votes: a whole Discord user id, which no
// timestamp or hash in the export holds by chance (a short one did: "789"
// in asked_at's microseconds).
const voter = "402975319823450112"

// feedbackRoundTrip serves the fake Discord from c's library, votes on an
// answer and exports the vote.
func feedbackRoundTrip(t *testing.T, c *cli) {
	fake := discordtest.New(t, discordtest.WithToken("the-right-token"), discordtest.WithGuild("123", "G"))
	c.mustRun("ingest", seedPath)
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
	wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer wcancel()
	if _, err := fake.WaitFor(wctx, discordtest.Match("PUT", "/applications/*/guilds/123/commands")); err != nil {
		t.Fatalf("commands not registered: %v\n%s", err, errb.String())
	}
	edited := func(i *discordgo.Interaction) *discordgo.Message {
		t.Helper()
		if _, err := fake.WaitFor(wctx, func(r discordtest.Request) bool {
			return r.Is("PATCH", "/webhooks/*/*/messages/@original") && strings.Contains(r.Path, "/"+i.Token+"/") && !strings.Contains(string(r.Body), "_Searching")
		}); err != nil {
			t.Fatalf("no reply to %s: %v\n%s", i.ID, err, errb.String())
		}
		return fake.InteractionResponse(i.Token)
	}
	ask := fake.DispatchInteraction(discordtest.SlashCommand("123", "456", voter, "ask", discordtest.Arg("question", "Who should attend Lavrov's international conference?")))
	answer := edited(ask)
	var up string
	for _, row := range answer.Components {
		for _, b := range row.(*discordgo.ActionsRow).Components {
			if id := b.(*discordgo.Button).CustomID; strings.HasPrefix(id, "vote:up:") {
				up = id
			}
		}
	}
	if up == "" || !strings.Contains(answer.Content, "¶") {
		t.Fatalf("answer %q has no 👍 button", answer.Content)
	}
	if thanks := edited(fake.DispatchInteraction(discordtest.ButtonClick("123", "456", voter, up, answer))); !strings.Contains(thanks.Content, "Thanks") {
		t.Errorf("after 👍: %q", thanks.Content)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}

	exported := c.mustRun("feedback", "export", "--json")
	qs, err := retrieval.ReadQueries(strings.NewReader(exported))
	if err != nil || len(qs) != 1 {
		t.Fatalf("export %q: %d queries, %v", exported, len(qs), err)
	}
	if q := qs[0]; q.Question != "Who should attend Lavrov's international conference?" || q.Date != time.Now().UTC().Format(time.DateOnly) || len(q.Gold) == 0 {
		t.Errorf("exported query: %+v", q)
	}
	var raw map[string]any
	json.Unmarshal([]byte(strings.SplitN(exported, "\n", 2)[0]), &raw)
	for _, k := range []string{"id", "question", "answer", "date", "gold", "cited", "votes", "scope", "asked_at"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("the exported query lacks %q: %s", k, exported)
		}
	}
	if strings.Contains(exported, voter) {
		t.Errorf("the export names the voter: %s", exported)
	}

	// The library as a newsbench corpus, and eval scores the real question.
	dir := t.TempDir()
	c.mustRun("export", filepath.Join(dir, "library"))
	arts, err := retrieval.ReadArticles(filepath.Join(dir, "library"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var corpus strings.Builder
	for _, a := range arts {
		line, _ := json.Marshal(map[string]any{"id": a.ID, "title": a.Title, "url": a.URL, "source": a.Source, "body": strings.Join(a.Paragraphs, "\n\n")})
		corpus.Write(append(line, '\n'))
	}
	os.WriteFile(filepath.Join(dir, "corpus.jsonl"), []byte(corpus.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "queries.jsonl"), []byte(exported), 0o644)
	var rep struct {
		Queries int `json:"queries"`
		Article struct {
			Hits10 float64 `json:"hits@10"`
		} `json:"article"`
	}
	if err := json.Unmarshal([]byte(c.mustRun("eval", "--corpus", filepath.Join(dir, "corpus.jsonl"), "--queries", filepath.Join(dir, "queries.jsonl"), "--json")), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Queries != 1 || rep.Article.Hits10 != 1 {
		t.Errorf("eval on the exported query: %+v", rep)
	}
	if table := c.mustRun("feedback", "export"); !strings.Contains(table, "Lavrov's international conference") {
		t.Errorf("feedback export as a table: %q", table)
	}
}
