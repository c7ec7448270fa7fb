package discord_test

import (
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot/discord"
	"github.com/newsbot/newsbot/bot/discord/discordtest"
)

const otherChannel = "200000000000000002"

// settings runs /settings as a moderator and returns the private reply.
func (e *env) settings(sub ...*discordgo.ApplicationCommandInteractionDataOption) string {
	e.t.Helper()
	i := e.discord.DispatchInteraction(admin(discordtest.SlashCommand(guildA, channel, userID, "settings", sub...)))
	return e.privateReply(i).Content
}

// Moderators limit the bot to some channels: a question elsewhere is
// refused privately, naming where to ask; a mention elsewhere gets no
// reply; a thread of a listed channel counts as the channel.
func TestSettingsChannels(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.Options{}, withStores(t, t.TempDir()))
	e.discord.AddChannel(&discordgo.Channel{ID: otherChannel, GuildID: guildA, Type: discordgo.ChannelTypeGuildText, Name: "chat"})
	e.model.SetReply(cite("all five permanent members", "Lavrov wants the five permanent members there"))
	if got := e.settings(discordtest.Subcommand("show")); !strings.Contains(got, "Answers in: every channel") {
		t.Errorf("default settings: %q", got)
	}
	got := e.settings(discordtest.SubcommandGroup("channels", discordtest.Subcommand("add", discordtest.ChannelArg("channel", channel))))
	if !strings.HasPrefix(got, "✅ Saved.") || !strings.Contains(got, "Answers in: <#"+channel+">") {
		t.Fatalf("after adding a channel: %q", got)
	}
	elsewhere := e.discord.DispatchInteraction(discordtest.SlashCommand(guildA, otherChannel, userID, "ask", discordtest.Arg("question", "Who should attend?")))
	if got := e.refusal(elsewhere); got != "⚠️ On this server I answer in <#"+channel+"> — ask me there." {
		t.Errorf("a question in another channel: %q", got)
	}
	// A mention in the other channel is left alone; one in the listed
	// channel is answered. Gateway events arrive in order, so the first
	// was handled (and ignored) before the second.
	me := e.discord.BotUser().ID
	e.discord.DispatchMessage(discordtest.Message(guildA, otherChannel, userID, "<@"+me+"> Who should attend Lavrov's conference?"))
	answered := e.dispatchMention("<@" + me + "> Who should attend Lavrov's conference?")
	e.waitChannelAnswer(answered)
	for _, m := range e.discord.ChannelMessages(otherChannel) {
		if m.Author != nil && m.Author.ID == me {
			t.Errorf("the bot spoke in a channel it was kept out of: %q", m.Content)
		}
	}
	// A thread under the listed channel counts as the channel.
	thread := &discordgo.Channel{ID: "200000000000000009", GuildID: guildA, ParentID: channel, Type: discordgo.ChannelTypeGuildPublicThread, Name: "talk", OwnerID: userID}
	e.discord.AddChannel(thread)
	e.discord.Dispatch("THREAD_CREATE", thread)
	i := e.discord.DispatchInteraction(discordtest.SlashCommand(guildA, thread.ID, userID, "ask", discordtest.Arg("question", "Who should attend Lavrov's conference?")))
	if msg, _ := e.final(i.Token); !strings.Contains(msg.Content, "[1]") {
		t.Errorf("a question in a thread of the listed channel: %q", msg.Content)
	}
	got = e.settings(discordtest.SubcommandGroup("channels", discordtest.Subcommand("all")))
	if !strings.Contains(got, "Answers in: every channel") {
		t.Errorf("after /settings channels all: %q", got)
	}
}

// The rate limit, threads and language are each a setting; every value
// survives a restart (a new adapter over the same data folder).
func TestSettingsRateThreadsLanguageSurviveRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := newEnv(t, discord.Options{}, withStores(t, dir))
	e.model.SetReply(cite("all five permanent members", "Lavrov wants the five permanent members there"))

	if got := e.settings(discordtest.Subcommand("rate-limit", discordtest.Arg("per-minute", 1), discordtest.Arg("burst", 1))); !strings.Contains(got, "Each member may ask 1 question a minute, 1 at once") {
		t.Errorf("after setting the rate: %q", got)
	}
	first := e.ask(guildA, "Who should attend Lavrov's conference?")
	e.final(first.Token)
	if got := e.refusal(e.ask(guildA, "And when?")); !strings.Contains(got, "try again in") {
		t.Errorf("a second question within the minute: %q", got)
	}

	// The asker's Discord language, until the server picks one.
	french := discordtest.SlashCommand(guildA, channel, "300000000000000003", "ask", discordtest.Arg("question", "Who should attend Lavrov's conference?"))
	french.Locale = discordgo.French
	e.final(e.discord.DispatchInteraction(french).Token)
	if got := e.settings(discordtest.Subcommand("language", discordtest.Arg("language", "german"))); !strings.Contains(got, "Answer language: German") {
		t.Errorf("after choosing German: %q", got)
	}
	french.Member.User = discordtest.User("300000000000000004")
	e.final(e.discord.DispatchInteraction(french).Token)
	reqs := e.model.ChatRequests()
	if len(reqs) != 3 {
		t.Fatalf("the model was asked %d times, want 3", len(reqs))
	}
	for k, want := range []string{"Answer in English.", "Answer in French.", "Answer in German."} {
		if !strings.Contains(reqs[k].Messages[0].Content, want) {
			t.Errorf("answer %d: the model was not told %q", k+1, want)
		}
	}

	if got := e.settings(discordtest.Subcommand("threads", discordtest.Arg("open", false))); !strings.Contains(got, "A mention is answered with a reply in its channel") {
		t.Errorf("after turning threads off: %q", got)
	}
	m := e.discord.DispatchMessage(discordtest.Message(guildA, channel, "300000000000000005", "<@"+e.discord.BotUser().ID+"> Who should attend Lavrov's conference?"))
	reply := e.waitChannelAnswer(m)
	if th := e.discord.Channel(m.ID); th != nil {
		t.Errorf("a mention opened a thread with threads off")
	}
	if reply[0].ChannelID != channel || reply[0].MessageReference == nil || reply[0].MessageReference.MessageID != m.ID {
		t.Errorf("the answer to a mention is not a reply in the channel: %+v", reply[0])
	}

	// A restart: a new adapter over the same folder keeps every setting.
	again := newEnv(t, discord.Options{}, withStores(t, dir))
	got := again.settings(discordtest.Subcommand("show"))
	for _, want := range []string{"1 question a minute, 1 at once", "reply in its channel", "Answer language: German"} {
		if !strings.Contains(got, want) {
			t.Errorf("after a restart the settings say %q, want %q", got, want)
		}
	}
	if got := again.settings(discordtest.Subcommand("reset")); !strings.Contains(got, "(default)") || strings.Contains(got, "German") {
		t.Errorf("after /settings reset: %q", got)
	}
}

// Language autocomplete offers Automatic and the languages, within
// Discord's limits.
func TestSettingsLanguageAutocomplete(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.Options{}, withStores(t, t.TempDir()))
	i := e.discord.DispatchInteraction(admin(discordtest.Autocomplete(guildA, channel, userID, "settings",
		discordtest.Subcommand("language", discordtest.Focused("language", "")))))
	r, err := e.discord.WaitFor(e.ctx(), func(r discordtest.Request) bool {
		return r.Is("POST", "/interactions/*/*/callback") && strings.Contains(r.Path, i.ID)
	})
	if err != nil || r.Status != 204 {
		t.Fatalf("autocomplete: %v, %d", err, r.Status)
	}
	var cb struct {
		Data struct {
			Choices []*discordgo.ApplicationCommandOptionChoice `json:"choices"`
		} `json:"data"`
	}
	r.Decode(&cb)
	if len(cb.Data.Choices) != 25 || cb.Data.Choices[0].Name != "Automatic" {
		t.Errorf("choices: %d, first %+v", len(cb.Data.Choices), cb.Data.Choices[0])
	}
}
