package discord_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/discord"
	"github.com/newsbot/newsbot/bot/discord/discordtest"
	"github.com/newsbot/newsbot/bot/modeltest"
	"github.com/newsbot/newsbot/retrieval"
)

// A public answer opens with its question, quoted, shortened and escaped,
// so the channel reads what was asked; it pings nobody.
func TestPublicAnswerOpensWithItsQuestion(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.Options{})
	e.model.SetReply(cite("all five permanent members", "Lavrov wants the five permanent members there"))
	question := "Who should attend *Lavrov's* conference, <@" + userID + "> and @everyone?"
	i := e.ask(guildA, question)
	msg, _ := e.final(i.Token)
	want := `> Who should attend \*Lavrov's\* conference, <` + "\u200b" + `@` + userID + `> and @` + "\u200b" + `everyone?` + "\n\n"
	if !strings.HasPrefix(msg.Content, want) {
		t.Errorf("the answer opens %q, want the question quoted and escaped: %q", msg.Content, want)
	}
	if msg.Flags&discordgo.MessageFlagsEphemeral != 0 || !strings.Contains(msg.Content, "five permanent members there [1]") {
		t.Errorf("answer %q (flags %d), want it public", msg.Content, msg.Flags)
	}
	if len(msg.Mentions) > 0 || msg.MentionEveryone {
		t.Errorf("the quoted question pinged: %+v", msg.Mentions)
	}

	e.model.Script(modeltest.Text("- Lavrov called for a UN conference [3]."))
	i = e.discord.DispatchInteraction(discordtest.SlashCommand(guildA, channel, userID, "summarize", discordtest.Subcommand("article", discordtest.Arg("article", e.seed.ID))))
	if msg, _ := e.final(i.Token); !strings.HasPrefix(msg.Content, "> Summary of “Moscow Calls for UN Conference") || !strings.Contains(msg.Content, "[1]") {
		t.Errorf("summary: %q", msg.Content)
	}
}

// Without a chat model the answer opens with "From the articles:", not with
// the operator's configuration hint, which goes to the log and to /help
// for admins; "Show quotes" is not offered, since the answer is quotes.
func TestExtractiveAnswerIsNeutralAndHintGoesToAdmins(t *testing.T) {
	t.Parallel()
	logs := &logBuffer{}
	e := newEnvModel(t, false, discord.Options{Logger: slog.New(slog.NewTextHandler(logs, nil))}, withStores(t, t.TempDir()))
	i := e.ask(guildA, "Who should attend Lavrov's conference?")
	msg, _ := e.final(i.Token)
	if !strings.HasPrefix(msg.Content, "> Who should attend Lavrov's conference?\n\nFrom the articles:\n> ") || strings.Contains(msg.Content, "No chat model") {
		t.Errorf("extractive answer: %q", msg.Content)
	}
	for _, id := range buttons(msg) {
		if strings.HasPrefix(id, "quotes:") {
			t.Errorf("an extractive answer offers Show quotes, which would repeat it")
		}
	}
	if ids := buttons(msg); len(ids) != 3 {
		t.Errorf("buttons %v, want 👍, 👎 and Wrong source", ids)
	}
	if !strings.Contains(logs.String(), "no chat model is configured") {
		t.Errorf("the log does not say that no chat model is configured:\n%s", logs)
	}
	help := e.discord.DispatchInteraction(discordtest.SlashCommand(guildA, channel, userID, "help"))
	if text := e.refusal(help); strings.Contains(text, "No chat model") || !strings.Contains(text, "/ask question:") {
		t.Errorf("/help for a member: %q", text)
	}
	help = e.discord.DispatchInteraction(admin(discordtest.SlashCommand(guildA, channel, userID, "help")))
	if text := e.refusal(help); !strings.Contains(text, "No chat model is configured") || !strings.Contains(text, "/settings") {
		t.Errorf("/help for an admin: %q", text)
	}
}

// Mistakes and missing permissions are answered at once and privately:
// no public "thinking…", nothing in the channel.
func TestValidationAndPermissionErrorsArePrivate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.Options{}, withStores(t, t.TempDir()), func(core *bot.Bot, opts *discord.Options) {
		feeds, err := bot.OpenFeeds(t.TempDir()+"/feeds.json", core, bot.FeedOptions{})
		if err != nil {
			t.Fatal(err)
		}
		opts.Feeds = feeds
	})
	cmd := func(name string, opts ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.Interaction {
		return discordtest.SlashCommand(guildA, channel, userID, name, opts...)
	}
	tests := []struct {
		name string
		i    *discordgo.Interaction
		want string
	}{
		{"a typo in the article", cmd("ask", discordtest.Arg("question", "What did he say?"), discordtest.Arg("article", "moskow calls")),
			"I can't find that article in the library — check the name with /articles."},
		{"an empty question", cmd("ask", discordtest.Arg("question", "   ")), "Please ask a question — the message was empty."},
		{"an unknown article to summarize", cmd("summarize", discordtest.Subcommand("article", discordtest.Arg("article", "no such thing"))),
			"I can't find that article in the library — check the name with /articles."},
		{"load without permission", cmd("load", discordtest.Arg("url", "https://example.com/a")),
			"Only members with Manage Server, or one of the bot's admin roles, can change this server's library."},
		{"load with nothing to load", admin(cmd("load")), "Give a link with url: or attach a file with file:."},
		{"forget a shared article", admin(cmd("forget", discordtest.Arg("article", "Moscow Calls"))),
			"That article is in the shared library, which only the bot's owner can change."},
		{"add a feed without permission", cmd("feed", discordtest.Subcommand("add", discordtest.Arg("url", "https://example.com/feed"))),
			"Only members with Manage Server, or one of the bot's admin roles, can change the feeds this server follows."},
		{"settings without permission", cmd("settings", discordtest.Subcommand("show")),
			"Only members with Manage Server, or one of the bot's admin roles, can change this server's settings."},
		{"an unknown language", admin(cmd("settings", discordtest.Subcommand("language", discordtest.Arg("language", "Klingon")))),
			`"Klingon" is not a language I can answer in; pick one from the list.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := e.refusal(e.discord.DispatchInteraction(tt.i))
			if got != "⚠️ "+tt.want {
				t.Errorf("got %q, want %q", got, "⚠️ "+tt.want)
			}
		})
	}
	for _, m := range e.discord.ChannelMessages(channel) {
		if m.Flags&discordgo.MessageFlagsEphemeral == 0 {
			t.Errorf("a public message: %q", m.Content)
		}
	}
	if n := len(e.model.ChatRequests()); n != 0 {
		t.Errorf("the model was called %d times for refused commands", n)
	}
}

// A failure after the work began (here the model refuses the key) takes
// the public "thinking…" away and tells the asker alone.
func TestFailureAfterDeferralIsPrivate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.Options{})
	e.model.Script(modeltest.Response{Status: 401, Error: &modeltest.APIError{Message: "bad key", Type: "invalid_request_error", Code: "invalid_api_key"}})
	got := e.privateFailure(e.ask(guildA, "What conference did Lavrov call for?"))
	if !strings.HasPrefix(got, "⚠️") || !strings.Contains(got, "API key") || strings.Contains(got, "status code") {
		t.Errorf("error message %q", got)
	}
}

// /summarize has two sub-commands: article, and topic with days. The topic
// digest says what it digests.
func TestSummarizeSubcommands(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.Options{})
	e.model.SetReply(cite("all five permanent members", "Lavrov wants a conference of the five permanent members"))
	i := e.discord.DispatchInteraction(discordtest.SlashCommand(guildA, channel, userID, "summarize",
		discordtest.Subcommand("topic", discordtest.Arg("topic", "Lavrov's UN conference"))))
	msg, _ := e.final(i.Token)
	if !strings.HasPrefix(msg.Content, "> Digest: Lavrov's UN conference\n\n") || !strings.Contains(msg.Content, "[1]") {
		t.Errorf("topic digest: %q", msg.Content)
	}
}

// Everyone may list the feeds; adding stays with moderators (tested with
// the other refusals).
func TestFeedListIsOpenToEveryone(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.Options{}, func(core *bot.Bot, opts *discord.Options) {
		feeds, err := bot.OpenFeeds(t.TempDir()+"/feeds.json", core, bot.FeedOptions{})
		if err != nil {
			t.Fatal(err)
		}
		opts.Feeds = feeds
	})
	var feed *discordgo.ApplicationCommand
	for _, c := range e.discord.Commands("") {
		if c.Name == "feed" {
			feed = c
		}
	}
	if feed == nil || feed.DefaultMemberPermissions != nil {
		t.Fatalf("/feed is registered as %+v, want it visible to every member", feed)
	}
	i := e.discord.DispatchInteraction(discordtest.SlashCommand(guildA, channel, userID, "feed", discordtest.Subcommand("list")))
	if m := e.privateReply(i); !strings.Contains(m.Content, "This server follows no feeds yet") {
		t.Errorf("/feed list for a member: %q", m.Content)
	}
}

// Autocomplete finds articles by headline first, then by their text, and
// lists the newest when nothing is typed, within Discord's limits (which
// the fake enforces: at most 25 choices of at most 100 characters).
func TestAutocompleteFindsArticlesByContent(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("A Very Long Headline About Water Rights ", 5)
	arts := []*retrieval.Article{
		{Title: "Valley Towns Ban Lawn Sprinklers", Source: "Valley Courier",
			Paragraphs: []string{"The drought left the reservoir at 31 percent, and water officials banned sprinklers."}},
		{Title: long + "in the Drought", Source: strings.Repeat("Courier ", 10),
			Paragraphs: []string{"Farmers expect a smaller tomato harvest."}},
	}
	// With the two above, one article more than the 25 choices Discord
	// shows: the cap is what the count shows.
	for n := range 24 {
		arts = append(arts, &retrieval.Article{Title: fmt.Sprintf("Harbor Report %02d", n), Paragraphs: []string{fmt.Sprintf("Ships came in %d times.", n)}})
	}
	e, stored := newEnvArticles(t, guildA, arts)
	byText, byTitle := stored[0], stored[1]
	choices := func(typed string) []*discordgo.ApplicationCommandOptionChoice {
		t.Helper()
		i := e.discord.DispatchInteraction(discordtest.Autocomplete(guildA, channel, userID, "ask",
			discordtest.Arg("question", "x"), discordtest.Focused("article", typed)))
		r, err := e.discord.WaitFor(e.ctx(), func(r discordtest.Request) bool {
			return r.Is("POST", "/interactions/*/*/callback") && strings.Contains(r.Path, i.ID)
		})
		if err != nil || r.Status != 204 {
			t.Fatalf("autocomplete %q: %v, status %d: %s", typed, err, r.Status, r.Body)
		}
		var cb struct {
			Data struct {
				Choices []*discordgo.ApplicationCommandOptionChoice `json:"choices"`
			} `json:"data"`
		}
		if err := r.Decode(&cb); err != nil {
			t.Fatal(err)
		}
		return cb.Data.Choices
	}
	got := choices("drought water")
	if len(got) < 2 || got[0].Value != byTitle.ID || got[1].Value != byText.ID {
		t.Fatalf("\"drought water\": %v, want the headline match, then the article whose text matches", got)
	}
	if n := utf8.RuneCountInString(got[0].Name); n > 100 || !strings.HasSuffix(got[0].Name, "…") && !strings.Contains(got[0].Name, "Courier") {
		t.Errorf("a long headline's choice: %q (%d characters)", got[0].Name, n)
	}
	newest := choices("")
	if len(newest) != 25 {
		t.Fatalf("empty input: %d choices, want 25", len(newest))
	}
	list := e.store.List(guildA)
	for k, c := range newest {
		if c.Value != list[k].ID {
			t.Errorf("empty input: choice %d is %s, want %s (newest first)", k, c.Value, list[k].ID)
			break
		}
	}
}

// Every command reads well in Discord's command picker: a description that
// starts with a capital and ends without a full stop, for the command and
// every sub-command and option. (The fake refuses registrations over
// Discord's limits; newEnv registered them all.)
func TestCommandsReadWellInThePicker(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.Options{}, withStores(t, t.TempDir()), func(core *bot.Bot, opts *discord.Options) {
		feeds, err := bot.OpenFeeds(t.TempDir()+"/feeds.json", core, bot.FeedOptions{})
		if err != nil {
			t.Fatal(err)
		}
		opts.Feeds = feeds
	})
	cmds := e.discord.Commands("")
	names := map[string]bool{}
	var check func(where, desc string, opts []*discordgo.ApplicationCommandOption)
	check = func(where, desc string, opts []*discordgo.ApplicationCommandOption) {
		r, _ := utf8.DecodeRuneInString(desc)
		if !unicode.IsUpper(r) || strings.HasSuffix(desc, ".") || len(strings.Fields(desc)) < 2 {
			t.Errorf("%s: description %q should be a phrase that starts with a capital and has no full stop", where, desc)
		}
		for _, o := range opts {
			check(where+" "+o.Name, o.Description, o.Options)
		}
	}
	for _, c := range cmds {
		names[c.Name] = true
		if c.Type == discordgo.MessageApplicationCommand {
			continue
		}
		check("/"+c.Name, c.Description, c.Options)
	}
	for _, want := range []string{"ask", "summarize", "articles", "help", "load", "forget", "feed", "settings", "Ask newsbot about this"} {
		if !names[want] {
			t.Errorf("%s is not registered", want)
		}
	}
}

// /forget suggests only the server's own articles: the shared library is
// not the server's to change.
func TestForgetSuggestsOnlyTheServersArticles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.Options{})
	own, _, err := e.store.Add(context.Background(), &retrieval.Article{Title: "Moscow Ferry Timetable", Paragraphs: []string{"Ferries leave at nine."}}, guildA)
	if err != nil {
		t.Fatal(err)
	}
	i := e.discord.DispatchInteraction(admin(discordtest.Autocomplete(guildA, channel, userID, "forget", discordtest.Focused("article", "moscow"))))
	r, err := e.discord.WaitFor(e.ctx(), func(r discordtest.Request) bool {
		return r.Is("POST", "/interactions/*/*/callback") && strings.Contains(r.Path, i.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	var cb struct {
		Data struct {
			Choices []*discordgo.ApplicationCommandOptionChoice `json:"choices"`
		} `json:"data"`
	}
	r.Decode(&cb)
	if len(cb.Data.Choices) != 1 || cb.Data.Choices[0].Value != own.ID {
		t.Errorf("forget suggests %+v, want only the server's own %s (not the shared seed)", cb.Data.Choices, own.ID)
	}
}
