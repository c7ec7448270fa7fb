package discordtest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot/discord/discordtest"
)

func messages(s *discordgo.Session) <-chan *discordgo.MessageCreate {
	ch := make(chan *discordgo.MessageCreate, 16)
	s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { ch <- m })
	return ch
}

func TestMessageContentFollowsIntents(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	plain := messages(srv.Session(t))
	withContent := messages(srv.Session(t, func(s *discordgo.Session) { s.Identify.Intents |= discordgo.IntentMessageContent }))
	tests := []struct {
		name, guild, channel, content string
		wantPlain                     bool // content visible without the Message Content intent
	}{
		{"guild, no mention", guildID, channelID, "what happened?", false},
		{"guild, mention", guildID, channelID, "<@" + discordtest.DefaultBotID + "> what happened?", true},
		{"DM", "", "444444444444444444", "what happened?", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sent := srv.DispatchMessage(discordtest.Message(tt.guild, tt.channel, userID, tt.content))
			for _, v := range []struct {
				name        string
				got         <-chan *discordgo.MessageCreate
				wantContent bool
			}{
				{"default intents", plain, tt.wantPlain},
				{"message content intent", withContent, true},
			} {
				m := receive(t, v.got)
				if m.ID != sent.ID || m.Author.ID != userID {
					t.Fatalf("%s: got message %s by %s, want %s by %s", v.name, m.ID, m.Author.ID, sent.ID, userID)
				}
				if (m.Content != "") != v.wantContent {
					t.Errorf("%s: content = %q, want content: %v", v.name, m.Content, v.wantContent)
				}
			}
		})
	}
}

func TestNoMessageEventsWithoutIntent(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	s := srv.Session(t, func(s *discordgo.Session) { s.Identify.Intents = discordgo.IntentGuilds })
	got := messages(s)
	ics := interactions(s)
	srv.DispatchMessage(discordtest.Message(guildID, channelID, userID, "<@"+discordtest.DefaultBotID+"> hi"))
	// Interactions need no intent; once this one arrives, a message event
	// sent before it would have arrived too.
	srv.DispatchInteraction(discordtest.SlashCommand(guildID, channelID, userID, "ask"))
	receive(t, ics)
	select {
	case m := <-got:
		t.Errorf("got MESSAGE_CREATE %q without the Guild Messages intent", m.Content)
	default:
	}
}

func TestReplyAndThread(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	s := srv.Session(t, func(s *discordgo.Session) { s.Identify.Intents |= discordgo.IntentMessageContent })
	got := messages(s)

	question := srv.DispatchMessage(discordtest.Message(guildID, channelID, userID, "<@"+discordtest.DefaultBotID+"> who met?"))
	receive(t, got)
	answer, err := s.ChannelMessageSendComplex(channelID, &discordgo.MessageSend{
		Content:         "Lavrov and Blinken [1].",
		Reference:       question.Reference(),
		AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if answer.Type != discordgo.MessageTypeReply || answer.ReferencedMessage == nil || answer.ReferencedMessage.ID != question.ID {
		t.Errorf("bot reply: type %d, referenced %+v; want type 19 referencing %s", answer.Type, answer.ReferencedMessage, question.ID)
	}
	if len(answer.Mentions) != 0 {
		t.Errorf("bot reply pinged %d users with replied_user false, want 0", len(answer.Mentions))
	}
	// Discord echoes the bot's own message back over the gateway.
	if echo := receive(t, got); echo.ID != answer.ID || echo.Author.ID != discordtest.DefaultBotID {
		t.Errorf("echo = %s by %s, want the bot's %s", echo.ID, echo.Author.ID, answer.ID)
	}

	followUp := srv.DispatchMessage(discordtest.Reply(answer, userID, "and then?"))
	m := receive(t, got)
	if m.ID != followUp.ID || m.Type != discordgo.MessageTypeReply || m.ReferencedMessage == nil || m.ReferencedMessage.ID != answer.ID {
		t.Fatalf("reply event %+v, want type 19 referencing %s", m.Message, answer.ID)
	}
	if m.ReferencedMessage.Author == nil || !m.ReferencedMessage.Author.Bot {
		t.Errorf("referenced message author %+v, want the bot", m.ReferencedMessage.Author)
	}
	if len(m.Mentions) != 1 || m.Mentions[0].ID != discordtest.DefaultBotID {
		t.Errorf("reply mentions %v, want the bot (reply ping)", m.Mentions)
	}

	th, err := s.MessageThreadStartComplex(channelID, followUp.ID, &discordgo.ThreadStart{Name: "UN conference", AutoArchiveDuration: 60})
	if err != nil {
		t.Fatal(err)
	}
	if th.ID != followUp.ID || th.Type != discordgo.ChannelTypeGuildPublicThread || th.ParentID != channelID || th.GuildID != guildID {
		t.Errorf("thread = id %s type %d parent %s guild %s; want id %s type 11 parent %s guild %s",
			th.ID, th.Type, th.ParentID, th.GuildID, followUp.ID, channelID, guildID)
	}
	if _, err := s.MessageThreadStartComplex(channelID, followUp.ID, &discordgo.ThreadStart{Name: "again"}); err == nil {
		t.Error("second thread on the same message succeeded, want 400")
	}
	ch, err := s.Channel(th.ID)
	if err != nil || ch.ParentID != channelID {
		t.Fatalf("GET thread channel: %+v, %v; want parent %s", ch, err, channelID)
	}
	if _, err := s.ChannelMessageSend(th.ID, "in the thread"); err != nil {
		t.Errorf("post in thread: %v", err)
	}
	if err := s.ChannelTyping(th.ID); err != nil {
		t.Errorf("typing in thread: %v", err)
	}
	if got := srv.ChannelMessages(th.ID); len(got) != 1 || got[0].Content != "in the thread" {
		t.Errorf("thread messages = %v, want the one post", got)
	}

	private, err := s.ThreadStartComplex(channelID, &discordgo.ThreadStart{Name: "notes"})
	if err != nil || private.Type != discordgo.ChannelTypeGuildPrivateThread || private.ParentID != channelID {
		t.Errorf("ThreadStart = %+v, %v; want a private thread (the default) under %s", private, err, channelID)
	}

	got2, err := s.ChannelMessage(channelID, answer.ID)
	if err != nil || got2.Content != answer.Content {
		t.Errorf("GET message = %+v, %v; want %q", got2, err, answer.Content)
	}
	content := "Lavrov and Blinken met in Geneva [1]."
	edited, err := s.ChannelMessageEditComplex(&discordgo.MessageEdit{ID: answer.ID, Channel: channelID, Content: &content})
	if err != nil || edited.Content != content || edited.EditedTimestamp == nil {
		t.Errorf("edit = %+v, %v; want %q with an edited timestamp", edited, err, content)
	}
	history, err := s.ChannelMessages(channelID, 10, "", "", "")
	if err != nil || len(history) != 3 || history[0].ID != followUp.ID {
		t.Errorf("history = %d messages, %v; want 3, newest first", len(history), err)
	}
	if u := srv.Unmatched(); len(u) != 0 {
		t.Errorf("unknown routes: %+v", u)
	}
}

func TestMessageValidation(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	s := srv.NewSession()
	srv.AddChannel(&discordgo.Channel{ID: channelID, GuildID: guildID, Type: discordgo.ChannelTypeGuildText})
	tests := []struct {
		name     string
		send     *discordgo.MessageSend
		wantCode int
	}{
		{"too long", &discordgo.MessageSend{Content: strings.Repeat("é", discordtest.MaxContent+1)}, 50035},
		{"at the limit", &discordgo.MessageSend{Content: strings.Repeat("é", discordtest.MaxContent)}, 0},
		{"empty", &discordgo.MessageSend{}, 50006},
		{"long embed", &discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Description: strings.Repeat("a", discordtest.MaxEmbedDescription+1)}}}, 50035},
		{"parse users and users list", &discordgo.MessageSend{Content: "hi", AllowedMentions: &discordgo.MessageAllowedMentions{
			Parse: []discordgo.AllowedMentionType{discordgo.AllowedMentionTypeUsers}, Users: []string{userID}}}, 50035},
		{"reply to unknown message", &discordgo.MessageSend{Content: "hi", Reference: &discordgo.MessageReference{MessageID: "42"}}, 50035},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.ChannelMessageSendComplex(channelID, tt.send)
			status, code := restStatus(err)
			if tt.wantCode == 0 {
				if err != nil {
					t.Errorf("got %v, want success", err)
				}
				return
			}
			if status != http.StatusBadRequest || code != tt.wantCode {
				t.Errorf("got status %d code %d (%v), want 400 code %d", status, code, err, tt.wantCode)
			}
		})
	}
	if _, err := s.ChannelMessageSend("999", "hi"); err == nil {
		t.Error("post to an unknown channel succeeded, want 404")
	}
}
