package discord_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/discord"
	"github.com/newsbot/newsbot/bot/discord/discordtest"
)

// checkNoMentions fails the test if any message the bot sent or edited,
// through a channel, a webhook or an interaction response, could have
// pinged anyone: allowed_mentions must be present with an empty parse list.
// newEnv runs it when each test ends.
func (e *env) checkNoMentions() {
	for _, r := range e.discord.Requests() {
		if (r.Method != "POST" && r.Method != "PATCH") || len(r.Body) == 0 {
			continue
		}
		body := r.JSON()
		switch {
		case r.Is("POST", "/interactions/*/*/callback"):
			if typ := fmt.Sprint(body["type"]); typ != "4" && typ != "7" {
				continue // a deferral or autocomplete choices: no message
			}
			body, _ = body["data"].(map[string]any)
		case r.Is("POST", "/channels/*/messages"), r.Is("PATCH", "/channels/*/messages/*"),
			r.Is("POST", "/webhooks/*/*"), r.Is("PATCH", "/webhooks/*/*/messages/*"):
		default:
			continue
		}
		am, _ := body["allowed_mentions"].(map[string]any)
		parse, isList := am["parse"].([]any)
		if am == nil || !isList || len(parse) != 0 {
			e.t.Errorf("%s %s sent without allowed_mentions.parse = []: %s", r.Method, r.Path, r.Body)
		}
	}
}

// callback waits for the bot's acknowledgement of interaction i and
// returns its type, and for a message response its content and flags.
func (e *env) callback(i *discordgo.Interaction) (typ int, content string, flags int) {
	e.t.Helper()
	r, err := e.discord.WaitFor(e.ctx(), func(r discordtest.Request) bool {
		return r.Is("POST", "/interactions/*/*/callback") && strings.Contains(r.Path, "/"+i.ID+"/")
	})
	if err != nil {
		e.t.Fatalf("interaction %s was never acknowledged: %v", i.ID, err)
	}
	var cb struct {
		Type int `json:"type"`
		Data struct {
			Content string `json:"content"`
			Flags   int    `json:"flags"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.Body, &cb); err != nil {
		e.t.Fatal(err)
	}
	return cb.Type, cb.Data.Content, cb.Data.Flags
}

// refusal returns what the bot said to an interaction it refused: at
// once (no deferral, so no public "thinking…") and privately.
func (e *env) refusal(i *discordgo.Interaction) string {
	e.t.Helper()
	typ, content, flags := e.callback(i)
	if typ != int(discordgo.InteractionResponseChannelMessageWithSource) || flags&int(discordgo.MessageFlagsEphemeral) == 0 {
		e.t.Errorf("refusal of interaction %s: response type %d, flags %d, want an ephemeral message (type 4, flag 64): %q", i.ID, typ, flags, content)
	}
	return content
}

// privateFailure returns the error the bot showed for a public command
// that failed once work began: the public "thinking…" is deleted and the
// sentence comes in a follow-up only the asker sees.
func (e *env) privateFailure(i *discordgo.Interaction) string {
	e.t.Helper()
	if typ, _, flags := e.callback(i); typ != int(discordgo.InteractionResponseDeferredChannelMessageWithSource) || flags != 0 {
		e.t.Fatalf("interaction %s: response type %d flags %d, want a public deferral", i.ID, typ, flags)
	}
	ctx := e.ctx()
	del, err := e.discord.WaitFor(ctx, func(r discordtest.Request) bool {
		return r.Is("DELETE", "/webhooks/*/*/messages/@original") && strings.Contains(r.Path, "/"+i.Token+"/")
	})
	if err != nil {
		e.t.Fatalf("the public reply to %s was never deleted: %v", i.ID, err)
	}
	follow, err := e.discord.WaitFor(ctx, func(r discordtest.Request) bool {
		return r.Is("POST", "/webhooks/*/*") && strings.HasSuffix(r.Path, "/"+i.Token) && r.Time.After(del.Time)
	})
	if err != nil {
		e.t.Fatalf("no private follow-up for %s: %v", i.ID, err)
	}
	var body struct {
		Content string `json:"content"`
		Flags   int    `json:"flags"`
	}
	json.Unmarshal(follow.Body, &body)
	if body.Flags&int(discordgo.MessageFlagsEphemeral) == 0 {
		e.t.Errorf("the follow-up for %s is public: %s", i.ID, follow.Body)
	}
	if m := e.discord.InteractionResponse(i.Token); m != nil {
		e.t.Errorf("a public reply to %s remains: %q", i.ID, m.Content)
	}
	return body.Content
}

// privateReply returns the final text of a command answered privately
// after a deferral (settings, votes).
func (e *env) privateReply(i *discordgo.Interaction) *discordgo.Message {
	e.t.Helper()
	if typ, _, flags := e.callback(i); typ != int(discordgo.InteractionResponseDeferredChannelMessageWithSource) || flags&int(discordgo.MessageFlagsEphemeral) == 0 {
		e.t.Fatalf("interaction %s: response type %d flags %d, want a private deferral", i.ID, typ, flags)
	}
	if _, err := e.discord.WaitFor(e.ctx(), func(r discordtest.Request) bool {
		return r.Is("PATCH", "/webhooks/*/*/messages/@original") && strings.Contains(r.Path, "/"+i.Token+"/")
	}); err != nil {
		e.t.Fatalf("no reply to %s: %v", i.ID, err)
	}
	m := e.discord.InteractionResponse(i.Token)
	if m == nil || m.Flags&discordgo.MessageFlagsEphemeral == 0 {
		e.t.Fatalf("reply to %s: %+v, want a private message", i.ID, m)
	}
	return m
}

// withStores gives the adapter settings and feedback kept in dir, as
// serve keeps them in the data folder.
func withStores(t testing.TB, dir string) func(*bot.Bot, *discord.Options) {
	return func(core *bot.Bot, opts *discord.Options) {
		s, err := bot.OpenSettingsFile(filepath.Join(dir, "settings.json"))
		if err != nil {
			t.Fatal(err)
		}
		opts.Settings = s
		opts.Feedback = bot.NewFeedback(bot.OpenFeedbackFiles(filepath.Join(dir, "feedback")), bot.FeedbackOptions{})
	}
}

// admin makes an interaction come from a member with Manage Server.
func admin(i *discordgo.Interaction) *discordgo.Interaction {
	i.Member.Permissions |= discordgo.PermissionManageGuild
	return i
}

// buttons lists the custom ids of a message's buttons.
func buttons(m *discordgo.Message) []string {
	var out []string
	for _, r := range m.Components {
		if row, ok := r.(*discordgo.ActionsRow); ok {
			for _, c := range row.Components {
				if b, ok := c.(*discordgo.Button); ok {
					out = append(out, b.CustomID)
				}
			}
		}
	}
	return out
}

// button returns the custom id of m's button that starts with prefix.
func button(t testing.TB, m *discordgo.Message, prefix string) string {
	t.Helper()
	for _, id := range buttons(m) {
		if strings.HasPrefix(id, prefix) {
			return id
		}
	}
	t.Fatalf("no %s… button on %q (buttons %v)", prefix, m.Content, buttons(m))
	return ""
}
