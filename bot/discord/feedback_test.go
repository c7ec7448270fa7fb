package discord_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/discord"
	"github.com/newsbot/newsbot/bot/discord/discordtest"
)

// press clicks a button under message m as user and returns the private
// reply.
func (e *env) press(m *discordgo.Message, customID, user string) string {
	e.t.Helper()
	i := e.discord.DispatchInteraction(discordtest.ButtonClick(guildA, channel, user, customID, m))
	return e.privateReply(i).Content
}

// Votes on an answer are stored with its question, answer, citations,
// scope and time, voters anonymous; a voter's second vote replaces the
// first; the export is newsbench queries whose gold follows the votes.
func TestFeedbackIsStoredAndExported(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := newEnv(t, discord.Options{}, withStores(t, dir))
	e.model.SetReply(cite("all five permanent members", "Lavrov wants the five permanent members there"))
	first, _ := e.final(e.ask(guildA, "Who should attend Lavrov's conference?").Token)
	if ids := buttons(first); len(ids) != 4 {
		t.Fatalf("buttons %v, want Show quotes, 👍, 👎 and Wrong source", ids)
	}
	const alice, bob = "300000000000000011", "300000000000000012"
	if got := e.press(first, button(t, first, "vote:up:"), alice); !strings.HasPrefix(got, "👍 Thanks") {
		t.Errorf("after 👍: %q", got)
	}
	if got := e.press(first, button(t, first, "vote:down:"), alice); !strings.Contains(got, "replaces your earlier vote") {
		t.Errorf("after changing to 👎: %q", got)
	}
	e.press(first, button(t, first, "vote:wrong_source:"), bob)

	second, _ := e.final(e.ask(guildA, "Which members should come to the UN conference Lavrov wants?").Token)
	e.press(second, button(t, second, "vote:up:"), alice)

	fb := bot.NewFeedback(bot.OpenFeedbackFiles(filepath.Join(dir, "feedback")), bot.FeedbackOptions{})
	all, err := fb.Export(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Fatalf("exported %d rated questions, want 2: %+v", len(all), all)
	}
	q1, q2 := all[0], all[1]
	if q1.Question != "Who should attend Lavrov's conference?" || q1.Votes != (bot.VoteCounts{Down: 1, WrongSource: 1}) || len(q1.Gold) != 0 ||
		q1.Scope != guildA || q1.AskedAt.IsZero() || q1.Answer != "Lavrov wants the five permanent members there." {
		t.Errorf("the first answer's record: %+v", q1)
	}
	if len(q1.Cited) != 1 || q1.Cited[0] != (bot.GoldParagraph{ArticleID: e.seed.ID, Paragraph: 3}) {
		t.Errorf("the first answer's citations: %+v", q1.Cited)
	}
	if q2.Votes.Up != 1 || len(q2.Gold) != 1 || q2.Gold[0] != (bot.GoldParagraph{ArticleID: e.seed.ID, Paragraph: 3}) {
		t.Errorf("the 👍 answer's gold: %+v", q2)
	}
	gold, _ := fb.Export(context.Background(), false)
	if len(gold) != 1 || gold[0].ID != q2.ID {
		t.Errorf("the default export holds %d queries, want the one with gold", len(gold))
	}
	files, _ := filepath.Glob(filepath.Join(dir, "feedback", "*.json"))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		if strings.Contains(string(data), alice) || strings.Contains(string(data), bob) {
			t.Errorf("%s holds a voter's Discord id", f)
		}
	}

	// After a restart the answers are no longer in memory: the button says
	// so, privately.
	again := newEnv(t, discord.Options{}, withStores(t, dir))
	i := again.discord.DispatchInteraction(discordtest.ButtonClick(guildA, channel, alice, button(t, first, "vote:up:"), first))
	if got := again.refusal(i); !strings.Contains(got, "no longer have that answer in memory") {
		t.Errorf("a vote on an answer from before a restart: %q", got)
	}
}
