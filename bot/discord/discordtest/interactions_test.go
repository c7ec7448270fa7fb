package discordtest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot/discord/discordtest"
)

func TestButtonClickUpdatesMessage(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	s := srv.Session(t)
	got := interactions(s)

	// The bot answers a command with a button, then someone clicks it.
	cmd := srv.DispatchInteraction(discordtest.SlashCommand(guildID, channelID, userID, "ask"))
	ic := receive(t, got)
	err := s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{
			Content: "Answer [1].",
			Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
				discordgo.Button{Label: "Show quotes", CustomID: "quotes:1", Style: discordgo.SecondaryButton},
			}}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	answer := srv.InteractionResponse(cmd.Token)
	if answer == nil || len(answer.Components) != 1 {
		t.Fatalf("original response = %+v, want one with a button row", answer)
	}
	if _, err := s.InteractionResponseEdit(ic.Interaction, &discordgo.WebhookEdit{}); err != nil {
		t.Errorf("edit after a message response: %v", err)
	}
	if err := s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}); err == nil {
		t.Error("second acknowledgement succeeded, want 400 (already acknowledged)")
	}

	srv.DispatchInteraction(discordtest.ButtonClick(guildID, channelID, userID, "quotes:1", answer))
	click := receive(t, got)
	if click.Type != discordgo.InteractionMessageComponent || click.MessageComponentData().CustomID != "quotes:1" {
		t.Fatalf("click = type %d %+v, want component quotes:1", click.Type, click.Data)
	}
	if click.Message == nil || click.Message.ID != answer.ID || len(click.Message.Components) != 1 {
		t.Fatalf("click.Message = %+v, want the answer %s with its button", click.Message, answer.ID)
	}
	err = s.InteractionRespond(click.Interaction, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseUpdateMessage,
		Data: &discordgo.InteractionResponseData{Content: "Answer [1].\n> quote", Components: []discordgo.MessageComponent{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	msgs := srv.ChannelMessages(channelID)
	if len(msgs) != 1 || msgs[0].Content != "Answer [1].\n> quote" || len(msgs[0].Components) != 0 {
		t.Errorf("channel = %+v, want the answer updated in place without buttons", msgs)
	}
}

func TestAutocomplete(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	s := srv.Session(t)
	got := interactions(s)

	srv.DispatchInteraction(discordtest.Autocomplete(guildID, channelID, userID, "summarize", discordtest.Focused("article", "lav")))
	ic := receive(t, got)
	if ic.Type != discordgo.InteractionApplicationCommandAutocomplete {
		t.Fatalf("type = %d, want autocomplete", ic.Type)
	}
	opt := ic.ApplicationCommandData().Options[0]
	if !opt.Focused || opt.StringValue() != "lav" {
		t.Errorf("option = %+v, want focused \"lav\"", opt)
	}
	choices := make([]*discordgo.ApplicationCommandOptionChoice, discordtest.MaxChoices+1)
	for i := range choices {
		choices[i] = &discordgo.ApplicationCommandOptionChoice{Name: "Lavrov", Value: "a1"}
	}
	err := s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{
		Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: choices},
	})
	if status, _ := restStatus(err); status != http.StatusBadRequest {
		t.Errorf("26 choices: %v, want 400", err)
	}
	err = s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{
		Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: choices[:discordtest.MaxChoices]},
	})
	if err != nil {
		t.Errorf("25 choices: %v", err)
	}
}

func TestMessageCommandAndFollowups(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	s := srv.Session(t)
	got := interactions(s)

	target := srv.DispatchMessage(discordtest.Message(guildID, channelID, userID, "Is this true?"))
	sent := srv.DispatchInteraction(discordtest.MessageCommand(guildID, channelID, userID, "Check facts", target))
	ic := receive(t, got)
	data := ic.ApplicationCommandData()
	if data.CommandType != discordgo.MessageApplicationCommand || data.TargetID != target.ID {
		t.Fatalf("data = type %d target %s, want message command on %s", data.CommandType, data.TargetID, target.ID)
	}
	if m := data.Resolved.Messages[target.ID]; m == nil || m.Content != "Is this true?" {
		t.Fatalf("resolved message = %+v, want the target with its content", m)
	}

	if _, err := s.FollowupMessageCreate(ic.Interaction, true, &discordgo.WebhookParams{Content: "early"}); err == nil {
		t.Error("follow-up before the acknowledgement succeeded, want 404 unknown webhook")
	}
	err := s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral},
	})
	if err != nil {
		t.Fatal(err)
	}
	if m := srv.InteractionResponse(sent.Token); m == nil || m.Flags&discordgo.MessageFlagsEphemeral == 0 || m.Type != discordgo.MessageTypeContextMenuCommand {
		t.Errorf("deferred response = %+v, want an ephemeral type-23 placeholder", m)
	}
	f, err := s.FollowupMessageCreate(ic.Interaction, true, &discordgo.WebhookParams{
		Content: "Sources", Files: []*discordgo.File{{Name: "sources.txt", ContentType: "text/plain", Reader: strings.NewReader("[1] …")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if f.ID == "" || len(f.Attachments) != 1 || f.Attachments[0].Filename != "sources.txt" {
		t.Errorf("follow-up = %+v, want an id and the attachment", f)
	}
	post, err := srv.WaitFor(testContext(t), discordtest.Match("POST", "/webhooks/*/*"))
	if err != nil {
		t.Fatal(err)
	}
	if post.Status == http.StatusOK || len(post.Files) != 0 {
		t.Errorf("first follow-up post = %d with %d files, want the refused one first", post.Status, len(post.Files))
	}
	posts := srv.Filter(discordtest.Match("POST", "/webhooks/*/*"))
	if last := posts[len(posts)-1]; len(last.Files) != 1 || string(last.Files[0].Data) != "[1] …" || last.Query.Get("wait") != "true" {
		t.Errorf("multipart follow-up recorded %+v, want one file and wait=true", last)
	}
	content := "Sources (edited)"
	if _, err := s.FollowupMessageEdit(ic.Interaction, f.ID, &discordgo.WebhookEdit{Content: &content}); err != nil {
		t.Errorf("edit follow-up: %v", err)
	}
	if fs := srv.Followups(sent.Token); len(fs) != 1 || fs[0].Content != content {
		t.Errorf("follow-ups = %+v, want the edited one", fs)
	}
	if err := s.FollowupMessageDelete(ic.Interaction, f.ID); err != nil {
		t.Errorf("delete follow-up: %v", err)
	}
	if err := s.InteractionResponseDelete(ic.Interaction); err != nil {
		t.Errorf("delete original: %v", err)
	}
	if m := srv.InteractionResponse(sent.Token); m != nil {
		t.Errorf("original after delete = %+v, want nil", m)
	}
}

func TestModalSubmit(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	s := srv.Session(t)
	got := interactions(s)

	srv.DispatchInteraction(discordtest.ModalSubmit(guildID, channelID, userID, "load", map[string]string{"url": "https://example.org/a"}))
	ic := receive(t, got)
	data := ic.ModalSubmitData()
	row, ok := data.Components[0].(*discordgo.ActionsRow)
	if data.CustomID != "load" || !ok {
		t.Fatalf("modal data = %+v, want custom id load with a row", data)
	}
	if in, ok := row.Components[0].(*discordgo.TextInput); !ok || in.CustomID != "url" || in.Value != "https://example.org/a" {
		t.Errorf("text input = %+v, want url = https://example.org/a", row.Components[0])
	}
}

func TestCommandsKeepIDs(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t, discordtest.WithGuild(guildID, "News"))
	s := srv.NewSession()
	app := srv.ApplicationID()
	ask := &discordgo.ApplicationCommand{Name: "ask", Description: "Ask"}
	first, err := s.ApplicationCommandBulkOverwrite(app, "", []*discordgo.ApplicationCommand{ask})
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.ApplicationCommandBulkOverwrite(app, "", []*discordgo.ApplicationCommand{
		ask, {Name: "Check facts", Type: discordgo.MessageApplicationCommand},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(second) != 2 || second[0].ID != first[0].ID || second[1].ID == first[0].ID {
		t.Errorf("ids %s then %s, %s; want ask to keep its id", first[0].ID, second[0].ID, second[1].ID)
	}
	list, err := s.ApplicationCommands(app, "")
	if err != nil || len(list) != 2 || len(srv.Commands("")) != 2 {
		t.Errorf("GET commands = %d, %v; want 2", len(list), err)
	}
	if _, err := s.ApplicationCommandBulkOverwrite(app, "999", []*discordgo.ApplicationCommand{ask}); err == nil {
		t.Error("commands in a guild the bot is not in succeeded, want 403")
	}
	if _, err := s.ApplicationCommandBulkOverwrite(app, "", []*discordgo.ApplicationCommand{{Name: "ask"}}); err == nil {
		t.Error("chat command without description succeeded, want 400")
	}
}
