package discordtest_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot/discord/discordtest"
)

// sendWithNonce posts content with a nonce, as discordgo v0.29's
// MessageSend cannot, and returns the message Discord answers with.
func sendWithNonce(t *testing.T, s *discordgo.Session, content, nonce string, enforce bool) (*discordgo.Message, error) {
	t.Helper()
	body := map[string]any{"content": content, "nonce": nonce, "enforce_nonce": enforce}
	resp, err := s.RequestWithBucketID("POST", discordgo.EndpointChannelMessages(channelID), body, discordgo.EndpointChannelMessages(channelID))
	if err != nil {
		return nil, err
	}
	var m discordgo.Message
	if err := json.Unmarshal(resp, &m); err != nil {
		t.Fatal(err)
	}
	return &m, nil
}

// An enforced nonce makes a second send of one message return the first
// instead of posting it twice; without enforce_nonce, or after the
// window, a nonce dedupes nothing; a nonce over 25 characters is refused.
func TestMessageNonce(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	s := srv.NewSession()
	srv.AddChannel(&discordgo.Channel{ID: channelID, GuildID: guildID, Type: discordgo.ChannelTypeGuildText})
	first, err := sendWithNonce(t, s, "briefing", "b20240307-abc", true)
	if err != nil {
		t.Fatal(err)
	}
	again, err := sendWithNonce(t, s, "briefing, again", "b20240307-abc", true)
	if err != nil || again.ID != first.ID || again.Content != "briefing" {
		t.Errorf("second send with the enforced nonce: %+v, %v; want the first message back", again, err)
	}
	if n := len(srv.ChannelMessages(channelID)); n != 1 {
		t.Errorf("%d messages in the channel, want 1", n)
	}
	if _, err := sendWithNonce(t, s, "not enforced", "b20240307-abc", false); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.ChannelMessages(channelID)); n != 2 {
		t.Errorf("a nonce without enforce_nonce deduped: %d messages, want 2", n)
	}
	_, err = sendWithNonce(t, s, "x", "a-nonce-of-twenty-six-char", true)
	if status, code := restStatus(err); status != http.StatusBadRequest || code != 50035 {
		t.Errorf("a 26-character nonce: status %d code %d, want 400 50035", status, code)
	}

	closed := discordtest.New(t, discordtest.WithNonceWindow(0))
	closed.AddChannel(&discordgo.Channel{ID: channelID, GuildID: guildID, Type: discordgo.ChannelTypeGuildText})
	cs := closed.NewSession()
	sendWithNonce(t, cs, "one", "k", true)
	sendWithNonce(t, cs, "two", "k", true)
	if n := len(closed.ChannelMessages(channelID)); n != 2 {
		t.Errorf("after the window: %d messages, want 2", n)
	}
}
