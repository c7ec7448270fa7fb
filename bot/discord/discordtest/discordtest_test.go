package discordtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot/discord/discordtest"
)

const (
	guildID   = "111111111111111111"
	channelID = "222222222222222222"
	userID    = "333333333333333333"
)

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// receive waits for one value from ch.
func receive[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %T", *new(T))
		panic("unreachable")
	}
}

// interactions registers a handler that forwards every interaction.
func interactions(s *discordgo.Session) <-chan *discordgo.InteractionCreate {
	ch := make(chan *discordgo.InteractionCreate, 16)
	s.AddHandler(func(_ *discordgo.Session, ic *discordgo.InteractionCreate) { ch <- ic })
	return ch
}

func restStatus(err error) (status, code int) {
	var re *discordgo.RESTError
	if !errors.As(err, &re) {
		return 0, 0
	}
	if re.Message != nil {
		code = re.Message.Code
	}
	return re.Response.StatusCode, code
}

func TestSlashCommandReachesHandler(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t, discordtest.WithGuild(guildID, "News"))
	s := srv.Session(t)
	got := interactions(s)

	cmds, err := s.ApplicationCommandBulkOverwrite(srv.ApplicationID(), guildID, []*discordgo.ApplicationCommand{{
		Name:        "ask",
		Description: "Ask about the news",
		Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionString, Name: "question", Description: "?", Required: true},
			{Type: discordgo.ApplicationCommandOptionInteger, Name: "k", Description: "sources"},
			{Type: discordgo.ApplicationCommandOptionBoolean, Name: "exact", Description: "exact words only"},
		},
	}})
	if err != nil {
		t.Fatalf("bulk overwrite: %v", err)
	}
	if len(cmds) != 1 || cmds[0].ID == "" || cmds[0].GuildID != guildID {
		t.Fatalf("bulk overwrite returned %+v, want one command with an id in guild %s", cmds, guildID)
	}

	sent := srv.DispatchInteraction(discordtest.SlashCommand(guildID, channelID, userID, "ask",
		discordtest.Arg("question", "What did Lavrov say?"), discordtest.Arg("k", 4), discordtest.Arg("exact", false)))
	ic := receive(t, got)

	if ic.Type != discordgo.InteractionApplicationCommand {
		t.Fatalf("Type = %v, want application command", ic.Type)
	}
	if ic.ID != sent.ID || ic.Token != sent.Token || ic.AppID != srv.ApplicationID() {
		t.Errorf("id, token, app = %q %q %q, want %q %q %q", ic.ID, ic.Token, ic.AppID, sent.ID, sent.Token, srv.ApplicationID())
	}
	data := ic.ApplicationCommandData()
	if data.Name != "ask" || data.ID != cmds[0].ID {
		t.Errorf("data = %q id %q, want %q id %q (the registered command)", data.Name, data.ID, "ask", cmds[0].ID)
	}
	if got, want := data.GetOption("question").StringValue(), "What did Lavrov say?"; got != want {
		t.Errorf("question = %q, want %q", got, want)
	}
	if got := data.GetOption("k").IntValue(); got != 4 {
		t.Errorf("k = %d, want 4", got)
	}
	if got := data.GetOption("exact").BoolValue(); got {
		t.Errorf("exact = %v, want false", got)
	}
	if ic.Member == nil || ic.Member.User == nil || ic.Member.User.ID != userID {
		t.Fatalf("Member = %+v, want member with user %s", ic.Member, userID)
	}
	if ic.Member.Permissions != discordtest.MemberPermissions {
		t.Errorf("member permissions = %d, want %d", ic.Member.Permissions, discordtest.MemberPermissions)
	}
	if ic.AppPermissions != discordtest.BotPermissions {
		t.Errorf("app permissions = %d, want %d", ic.AppPermissions, discordtest.BotPermissions)
	}
	if ic.GuildID != guildID || ic.ChannelID != channelID {
		t.Errorf("guild, channel = %s %s, want %s %s", ic.GuildID, ic.ChannelID, guildID, channelID)
	}
}

func TestDeferredResponseThenEdit(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	s := srv.Session(t)
	done := make(chan error, 1)
	s.AddHandler(func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
		err := s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		})
		if err == nil {
			content := "Lavrov asked for a UN conference [1]."
			_, err = s.InteractionResponseEdit(ic.Interaction, &discordgo.WebhookEdit{Content: &content})
		}
		done <- err
	})

	sent := srv.DispatchInteraction(discordtest.SlashCommand(guildID, channelID, userID, "ask", discordtest.Arg("question", "UN?")))
	if err := receive(t, done); err != nil {
		t.Fatalf("handler: %v", err)
	}

	var order []string
	reqs := srv.Filter(func(r discordtest.Request) bool { return r.Path != "/gateway" })
	for _, r := range reqs {
		order = append(order, r.Method+" "+r.Path)
	}
	want := []string{
		"POST /interactions/" + sent.ID + "/" + sent.Token + "/callback",
		"PATCH /webhooks/" + srv.ApplicationID() + "/" + sent.Token + "/messages/@original",
	}
	if strings.Join(order, "\n") != strings.Join(want, "\n") {
		t.Fatalf("requests:\n%s\nwant:\n%s", strings.Join(order, "\n"), strings.Join(want, "\n"))
	}
	var cb discordgo.InteractionResponse
	if err := reqs[0].Decode(&cb); err != nil {
		t.Fatal(err)
	}
	if cb.Type != discordgo.InteractionResponseDeferredChannelMessageWithSource {
		t.Errorf("callback type = %d, want 5 (deferred)", cb.Type)
	}
	if typ, ok := srv.InteractionResponseType(sent.Token); !ok || typ != discordgo.InteractionResponseDeferredChannelMessageWithSource {
		t.Errorf("InteractionResponseType = %d, %v; want 5, true", typ, ok)
	}
	m := srv.InteractionResponse(sent.Token)
	if m == nil || m.Content != "Lavrov asked for a UN conference [1]." || m.Flags&(1<<7) != 0 {
		t.Fatalf("original response = %+v, want the edited content without the loading flag", m)
	}
	if m.Type != discordgo.MessageTypeChatInputCommand || m.Author == nil || !m.Author.Bot {
		t.Errorf("original response type %d author %+v, want type 20 by the bot", m.Type, m.Author)
	}
}

func TestResponseEditBeforeAckIsUnknownMessage(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	s := srv.Session(t)
	errs := make(chan error, 1)
	s.AddHandler(func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
		content := "too early"
		_, err := s.InteractionResponseEdit(ic.Interaction, &discordgo.WebhookEdit{Content: &content})
		errs <- err
	})
	srv.DispatchInteraction(discordtest.SlashCommand(guildID, channelID, userID, "ask"))
	status, _ := restStatus(receive(t, errs))
	if status != http.StatusNotFound {
		t.Errorf("edit before ack: status %d, want 404", status)
	}
}

func TestAllowedMentions(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	s := srv.NewSession()
	srv.AddChannel(&discordgo.Channel{ID: channelID, GuildID: guildID, Type: discordgo.ChannelTypeGuildText})
	content := "@everyone look <@" + userID + ">"

	tests := []struct {
		name         string
		allowed      *discordgo.MessageAllowedMentions
		wantParse    string // allowed_mentions.parse as sent
		wantEveryone bool
		wantMentions int
	}{
		{"empty parse", &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}, "[]", false, 0},
		// A nil Parse is sent as null, not []: set an empty slice.
		{"zero value", &discordgo.MessageAllowedMentions{}, "null", false, 0},
		{"users only", &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{discordgo.AllowedMentionTypeUsers}}, `["users"]`, false, 1},
		{"default pings everyone", nil, "absent", true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := s.ChannelMessageSendComplex(channelID, &discordgo.MessageSend{Content: content, AllowedMentions: tt.allowed})
			if err != nil {
				t.Fatal(err)
			}
			if m.MentionEveryone != tt.wantEveryone || len(m.Mentions) != tt.wantMentions {
				t.Errorf("mention_everyone %v, %d mentions; want %v, %d", m.MentionEveryone, len(m.Mentions), tt.wantEveryone, tt.wantMentions)
			}
			if m.ID == "" || m.ChannelID != channelID || m.Content != content || m.Author.ID != discordtest.DefaultBotID || m.Timestamp.IsZero() {
				t.Errorf("returned message %+v lacks id, channel, content, author or timestamp", m)
			}
			reqs := srv.Filter(discordtest.Match("POST", "/channels/"+channelID+"/messages"))
			if got := parseField(reqs[len(reqs)-1]); got != tt.wantParse {
				t.Errorf("allowed_mentions.parse sent as %s, want %s", got, tt.wantParse)
			}
		})
	}
	if got := len(srv.ChannelMessages(channelID)); got != len(tests) {
		t.Errorf("channel holds %d messages, want %d", got, len(tests))
	}
}

// parseField renders allowed_mentions.parse of a request as JSON, or "absent".
func parseField(r discordtest.Request) string {
	var body struct {
		AllowedMentions *struct {
			Parse json.RawMessage `json:"parse"`
		} `json:"allowed_mentions"`
	}
	if r.Decode(&body) != nil || body.AllowedMentions == nil {
		return "absent"
	}
	return string(body.AllowedMentions.Parse)
}

func TestRateLimitedEditIsRetried(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	s := srv.Session(t)
	limited := make(chan *discordgo.RateLimit, 1)
	s.AddHandler(func(_ *discordgo.Session, rl *discordgo.RateLimit) { limited <- rl })
	done := make(chan error, 1)
	s.AddHandler(func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
		err := s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource})
		if err == nil {
			content := "after the limit"
			_, err = s.InteractionResponseEdit(ic.Interaction, &discordgo.WebhookEdit{Content: &content})
		}
		done <- err
	})
	srv.RateLimitNext("PATCH", "/webhooks/*/*/messages/@original", 50*time.Millisecond, 1)

	sent := srv.DispatchInteraction(discordtest.SlashCommand(guildID, channelID, userID, "ask"))
	if err := receive(t, done); err != nil {
		t.Fatalf("edit failed despite retry: %v", err)
	}
	if rl := receive(t, limited); rl.RetryAfter != 50*time.Millisecond {
		t.Errorf("RateLimit.RetryAfter = %v, want 50ms", rl.RetryAfter)
	}
	edits := srv.Filter(discordtest.Match("PATCH", "/webhooks/*/*/messages/@original"))
	if len(edits) != 2 || edits[0].Status != http.StatusTooManyRequests || !edits[0].Injected || edits[1].Status != http.StatusOK {
		t.Fatalf("edits = %d, statuses %v; want a 429 then a 200", len(edits), statuses(edits))
	}
	if m := srv.InteractionResponse(sent.Token); m == nil || m.Content != "after the limit" {
		t.Errorf("original response = %+v, want the retried edit", m)
	}
}

func TestBadGatewayIsRetried(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	s := srv.NewSession()
	srv.FailNext("GET", "/users/@me", http.StatusBadGateway, 2)
	if _, err := s.User("@me"); err != nil {
		t.Fatalf("GET /users/@me after two 502s: %v", err)
	}
	if got := statuses(srv.Filter(discordtest.Match("GET", "/users/@me"))); len(got) != 3 || got[2] != http.StatusOK {
		t.Errorf("statuses = %v, want 502, 502, 200", got)
	}
	srv.FailNext("*", "/users/*", http.StatusForbidden, 1)
	if status, _ := restStatus(func() error { _, err := s.User("@me"); return err }()); status != http.StatusForbidden {
		t.Errorf("injected 403 gave status %d", status)
	}
}

func statuses(rs []discordtest.Request) []int {
	var out []int
	for _, r := range rs {
		out = append(out, r.Status)
	}
	return out
}

func TestUnknownRouteIsRecorded(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	s := srv.NewSession()
	_, err := s.GuildRoles(guildID)
	if status, _ := restStatus(err); status != http.StatusNotFound {
		t.Errorf("GuildRoles: %v, want 404", err)
	}
	if u := srv.Unmatched(); len(u) != 1 || u[0].Path != "/guilds/"+guildID+"/roles" {
		t.Errorf("Unmatched = %+v, want the roles request", u)
	}
}

func TestDelayAndRateLimitWithoutRetry(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	s := srv.NewSession()
	srv.AddChannel(&discordgo.Channel{ID: channelID, GuildID: guildID, Type: discordgo.ChannelTypeGuildText})

	srv.Delay("POST", "/channels/*/typing", time.Minute)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if err := s.ChannelTyping(channelID, discordgo.WithContext(ctx)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("typing with a delayed answer: %v, want the context deadline", err)
	}
	srv.Delay("POST", "/channels/*/typing", 0)
	if err := s.ChannelTyping(channelID); err != nil {
		t.Errorf("typing after the delay was removed: %v", err)
	}

	srv.InjectFault("POST", "/channels/*/messages", 1, discordtest.RateLimited(2*time.Second, true))
	_, err := s.ChannelMessageSend(channelID, "hi", discordgo.WithRetryOnRatelimit(false))
	var rl *discordgo.RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter != 2*time.Second {
		t.Fatalf("send without retry: %v, want a RateLimitError asking for 2s", err)
	}
	posts := srv.Filter(discordtest.Match("POST", "/channels/*/messages"))
	if len(posts) != 1 || posts[0].Status != http.StatusTooManyRequests {
		t.Errorf("posts = %v, want one 429", statuses(posts))
	}
}
