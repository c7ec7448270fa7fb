package discordtest_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/newsbot/newsbot/bot/discord/discordtest"
)

func TestSessionConnectsAndGetsReady(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t, discordtest.WithGuild(guildID, "News"))
	guilds := make(chan *discordgo.GuildCreate, 1)
	s := srv.Session(t, func(s *discordgo.Session) {
		s.AddHandler(func(_ *discordgo.Session, g *discordgo.GuildCreate) { guilds <- g })
	})

	if got, want := s.State.User.ID, discordtest.DefaultBotID; got != want {
		t.Errorf("State.User.ID = %q, want %q", got, want)
	}
	if !s.State.User.Bot {
		t.Error("State.User.Bot = false, want true")
	}
	if got, want := s.State.Application.ID, srv.ApplicationID(); got != want {
		t.Errorf("State.Application.ID = %q, want %q", got, want)
	}
	if g := receive(t, guilds); g.ID != guildID || g.Name != "News" {
		t.Errorf("GUILD_CREATE = %s %q, want %s %q", g.ID, g.Name, guildID, "News")
	}
	ids := srv.Identifies()
	if len(ids) != 1 {
		t.Fatalf("got %d IDENTIFYs, want 1", len(ids))
	}
	if got, want := ids[0].Token, srv.Token(); got != want {
		t.Errorf("IDENTIFY token = %q, want %q", got, want)
	}
	if got, want := ids[0].Intents, discordgo.IntentsAllWithoutPrivileged; got != want {
		t.Errorf("IDENTIFY intents = %d, want %d", got, want)
	}
	if err := srv.WaitReady(testContext(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.User("@me"); err != nil {
		t.Errorf("GET /users/@me: %v", err)
	}
	if len(srv.Unmatched()) != 0 {
		t.Errorf("unknown routes called: %+v", srv.Unmatched())
	}
}

func TestDropConnectionResumes(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	s := srv.Session(t)
	msgs := make(chan *discordgo.MessageCreate, 4)
	s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { msgs <- m })

	srv.DropConnection()
	// Dispatched while the bot is away: Discord replays it on RESUME.
	missed := srv.DispatchMessage(discordtest.Message(guildID, channelID, userID, "hello <@"+discordtest.DefaultBotID+">"))

	ctx := testContext(t)
	if err := srv.WaitResumed(ctx); err != nil {
		t.Fatalf("wait for RESUMED: %v", err)
	}
	if m := receive(t, msgs); m.ID != missed.ID || m.Content != missed.Content {
		t.Errorf("replayed message %s %q, want %s %q", m.ID, m.Content, missed.ID, missed.Content)
	}
	st := srv.GatewayStats()
	if st.Identifies != 1 || st.Resumes != 1 || st.Connections != 2 {
		t.Errorf("stats = %+v, want 1 identify, 1 resume, 2 connections", st)
	}
	// The resumed session still gets new events.
	after := srv.DispatchMessage(discordtest.Message(guildID, channelID, userID, "again <@"+discordtest.DefaultBotID+">"))
	if m := receive(t, msgs); m.ID != after.ID {
		t.Errorf("message after resume = %s, want %s", m.ID, after.ID)
	}
}

func TestBadToken(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t, discordtest.WithToken("right"))
	s, err := discordgo.New("Bot wrong")
	if err != nil {
		t.Fatal(err)
	}
	s.Client = srv.Client()
	s.LogLevel = -1
	s.ShouldReconnectOnError = false

	err = s.Open()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != discordtest.CloseAuthenticationFailed {
		t.Errorf("Open with a bad token: %v, want close code 4004", err)
	}
	_, err = s.User("@me")
	if status, _ := restStatus(err); status != http.StatusUnauthorized {
		t.Errorf("REST with a bad token: %v, want 401", err)
	}
	if r := srv.Requests(); r[len(r)-1].Status != http.StatusUnauthorized {
		t.Errorf("recorded status %d, want 401", r[len(r)-1].Status)
	}
}

func TestDisallowedIntents(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t, discordtest.WithDisallowedIntents(discordgo.IntentMessageContent))
	s, err := discordgo.New(srv.Token())
	if err != nil {
		t.Fatal(err)
	}
	s.Client = srv.Client()
	s.LogLevel = -1
	s.Identify.Intents |= discordgo.IntentMessageContent
	err = s.Open()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != discordtest.CloseDisallowedIntents {
		t.Errorf("Open with a privileged intent: %v, want close code 4014", err)
	}
}
