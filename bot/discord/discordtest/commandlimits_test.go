package discordtest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot/discord/discordtest"
)

func str(n int) string { return strings.Repeat("x", n) }

func opt(typ discordgo.ApplicationCommandOptionType, name string, children ...*discordgo.ApplicationCommandOption) *discordgo.ApplicationCommandOption {
	return &discordgo.ApplicationCommandOption{Type: typ, Name: name, Description: "d", Options: children}
}

func TestCommandRegistrationFollowsDiscordsLimits(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t, discordtest.WithGuild(guildID, "News"))
	s := srv.NewSession()
	app := srv.ApplicationID()
	sub, group := discordgo.ApplicationCommandOptionSubCommand, discordgo.ApplicationCommandOptionSubCommandGroup
	text, integer, channel := discordgo.ApplicationCommandOptionString, discordgo.ApplicationCommandOptionInteger, discordgo.ApplicationCommandOptionChannel
	min5, many := 5.0, make([]*discordgo.ApplicationCommandOptionChoice, 26)
	for i := range many {
		many[i] = &discordgo.ApplicationCommandOptionChoice{Name: fmt.Sprint("c", i), Value: fmt.Sprint(i)}
	}
	valid := &discordgo.ApplicationCommand{Name: "settings", Description: "Server settings", Options: []*discordgo.ApplicationCommandOption{
		opt(sub, "show"),
		opt(group, "channels", opt(sub, "add", &discordgo.ApplicationCommandOption{Type: channel, Name: "channel", Description: "d", Required: true,
			ChannelTypes: []discordgo.ChannelType{discordgo.ChannelTypeGuildText}})),
		opt(sub, "rate", &discordgo.ApplicationCommandOption{Type: integer, Name: "per-minute", Description: "d", MinValue: &min5, MaxValue: 60}),
	}}
	if _, err := s.ApplicationCommandBulkOverwrite(app, guildID, []*discordgo.ApplicationCommand{valid, {Name: "Ask newsbot about this", Type: discordgo.MessageApplicationCommand}}); err != nil {
		t.Fatalf("a valid command with groups and sub-commands was refused: %v", err)
	}
	tests := []struct {
		name string
		cmd  *discordgo.ApplicationCommand
		path string
	}{
		{"upper-case name", &discordgo.ApplicationCommand{Name: "Ask", Description: "d"}, "0.name"},
		{"space in name", &discordgo.ApplicationCommand{Name: "ask me", Description: "d"}, "0.name"},
		{"long description", &discordgo.ApplicationCommand{Name: "ask", Description: str(101)}, "0.description"},
		{"menu command with description", &discordgo.ApplicationCommand{Name: "Ask", Type: discordgo.MessageApplicationCommand, Description: "d"}, "0.description"},
		{"long option description", &discordgo.ApplicationCommand{Name: "ask", Description: "d", Options: []*discordgo.ApplicationCommandOption{
			{Type: text, Name: "q", Description: str(101)}}}, "0.options.0.description"},
		{"empty option description", &discordgo.ApplicationCommand{Name: "ask", Description: "d", Options: []*discordgo.ApplicationCommandOption{
			{Type: text, Name: "q"}}}, "0.options.0.description"},
		{"26 options", &discordgo.ApplicationCommand{Name: "ask", Description: "d", Options: func() []*discordgo.ApplicationCommandOption {
			var out []*discordgo.ApplicationCommandOption
			for i := range 26 {
				out = append(out, opt(text, fmt.Sprint("o", i)))
			}
			return out
		}()}, "0.options"},
		{"26 choices", &discordgo.ApplicationCommand{Name: "ask", Description: "d", Options: []*discordgo.ApplicationCommandOption{
			{Type: text, Name: "q", Description: "d", Choices: many}}}, "0.options.0.choices"},
		{"long choice name", &discordgo.ApplicationCommand{Name: "ask", Description: "d", Options: []*discordgo.ApplicationCommandOption{
			{Type: text, Name: "q", Description: "d", Choices: []*discordgo.ApplicationCommandOptionChoice{{Name: str(101), Value: "v"}}}}}, "0.options.0.choices.0.name"},
		{"autocomplete with choices", &discordgo.ApplicationCommand{Name: "ask", Description: "d", Options: []*discordgo.ApplicationCommandOption{
			{Type: text, Name: "q", Description: "d", Autocomplete: true, Choices: many[:2]}}}, "0.options.0.autocomplete"},
		{"required after optional", &discordgo.ApplicationCommand{Name: "ask", Description: "d", Options: []*discordgo.ApplicationCommandOption{
			opt(text, "a"), {Type: text, Name: "b", Description: "d", Required: true}}}, "0.options.1.required"},
		{"sub-command beside an option", &discordgo.ApplicationCommand{Name: "ask", Description: "d", Options: []*discordgo.ApplicationCommandOption{
			opt(sub, "a"), opt(text, "b")}}, "0.options"},
		{"group in a group", &discordgo.ApplicationCommand{Name: "ask", Description: "d", Options: []*discordgo.ApplicationCommandOption{
			opt(group, "a", opt(group, "b", opt(sub, "c")))}}, "0.options.0.options.0.type"},
		{"sub-command in a sub-command", &discordgo.ApplicationCommand{Name: "ask", Description: "d", Options: []*discordgo.ApplicationCommandOption{
			opt(sub, "a", opt(sub, "b"))}}, "0.options.0.options.0.type"},
		{"duplicate option", &discordgo.ApplicationCommand{Name: "ask", Description: "d", Options: []*discordgo.ApplicationCommandOption{
			opt(text, "a"), opt(text, "a")}}, "0.options.1.name"},
		{"min_value on a string", &discordgo.ApplicationCommand{Name: "ask", Description: "d", Options: []*discordgo.ApplicationCommandOption{
			{Type: text, Name: "a", Description: "d", MinValue: &min5}}}, "0.options.0.min_value"},
		{"max_length over 6000", &discordgo.ApplicationCommand{Name: "ask", Description: "d", Options: []*discordgo.ApplicationCommandOption{
			{Type: text, Name: "a", Description: "d", MaxLength: 6001}}}, "0.options.0.max_length"},
		{"channel types on a string", &discordgo.ApplicationCommand{Name: "ask", Description: "d", Options: []*discordgo.ApplicationCommandOption{
			{Type: text, Name: "a", Description: "d", ChannelTypes: []discordgo.ChannelType{discordgo.ChannelTypeGuildText}}}}, "0.options.0.channel_types"},
		{"over 4000 characters", &discordgo.ApplicationCommand{Name: "ask", Description: "d", Options: func() []*discordgo.ApplicationCommandOption {
			var out []*discordgo.ApplicationCommandOption
			for i := range 25 {
				o := opt(sub, fmt.Sprint("s", i), &discordgo.ApplicationCommandOption{Type: text, Name: "a", Description: str(100)}, &discordgo.ApplicationCommandOption{Type: text, Name: "b", Description: str(100)})
				o.Description = str(100)
				out = append(out, o)
			}
			return out
		}()}, "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.ApplicationCommandBulkOverwrite(app, guildID, []*discordgo.ApplicationCommand{tt.cmd})
			var re *discordgo.RESTError
			if !asREST(err, &re) || re.Response.StatusCode != http.StatusBadRequest {
				t.Fatalf("got %v, want 400 Invalid Form Body", err)
			}
			var body struct {
				Errors map[string]any `json:"errors"`
			}
			json.Unmarshal(re.ResponseBody, &body)
			if !hasPath(body.Errors, strings.Split(tt.path, ".")) {
				t.Errorf("errors %s, want one at %s", re.ResponseBody, tt.path)
			}
		})
	}
	if got := len(srv.Commands(guildID)); got != 2 {
		t.Errorf("after refused overwrites the guild has %d commands, want the 2 valid ones", got)
	}
}

func asREST(err error, re **discordgo.RESTError) bool {
	r, ok := err.(*discordgo.RESTError)
	*re = r
	return ok && r.Response != nil
}

func hasPath(tree map[string]any, path []string) bool {
	node := tree
	for _, k := range path {
		next, ok := node[k].(map[string]any)
		if !ok {
			return false
		}
		node = next
	}
	_, ok := node["_errors"]
	return ok
}

// recordingTB keeps the fake's complaints instead of failing the test.
type recordingTB struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recordingTB) complaints() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errs...)
}

// The fake refuses to dispatch what no Discord client sends: options the
// registered command lacks, a missing required option or sub-command, a
// click on a button the message doesn't have.
func TestDispatchFollowsTheRegisteredCommand(t *testing.T) {
	t.Parallel()
	rec := &recordingTB{TB: t}
	srv := discordtest.New(rec, discordtest.WithGuild(guildID, "News"))
	s := srv.Session(t)
	_, err := s.ApplicationCommandBulkOverwrite(srv.ApplicationID(), guildID, []*discordgo.ApplicationCommand{{
		Name: "summarize", Description: "d", Options: []*discordgo.ApplicationCommandOption{
			opt(discordgo.ApplicationCommandOptionSubCommand, "article", &discordgo.ApplicationCommandOption{
				Type: discordgo.ApplicationCommandOptionString, Name: "article", Description: "d", Required: true, Autocomplete: true}),
			opt(discordgo.ApplicationCommandOptionSubCommand, "topic", &discordgo.ApplicationCommandOption{
				Type: discordgo.ApplicationCommandOptionString, Name: "topic", Description: "d", Required: true, MaxLength: 200}),
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		i    *discordgo.Interaction
		want string
	}{
		{"valid", discordtest.SlashCommand(guildID, channelID, userID, "summarize", discordtest.Subcommand("topic", discordtest.Arg("topic", "drought"))), ""},
		{"valid autocomplete", discordtest.Autocomplete(guildID, channelID, userID, "summarize", discordtest.Subcommand("article", discordtest.Focused("article", "dr"))), ""},
		{"no sub-command", discordtest.SlashCommand(guildID, channelID, userID, "summarize", discordtest.Arg("topic", "drought")), "exactly one sub-command"},
		{"missing required", discordtest.SlashCommand(guildID, channelID, userID, "summarize", discordtest.Subcommand("topic")), `needs option "topic"`},
		{"unknown option", discordtest.SlashCommand(guildID, channelID, userID, "summarize", discordtest.Subcommand("topic", discordtest.Arg("topic", "x"), discordtest.Arg("days", 3))), `no option "days"`},
		{"wrong type", discordtest.SlashCommand(guildID, channelID, userID, "summarize", discordtest.Subcommand("topic", discordtest.Arg("topic", 3))), "is of type 3, not 4"},
		{"over max_length", discordtest.SlashCommand(guildID, channelID, userID, "summarize", discordtest.Subcommand("topic", discordtest.Arg("topic", strings.Repeat("x", 201)))), "longer than its max_length"},
		{"focus without autocomplete", discordtest.Autocomplete(guildID, channelID, userID, "summarize", discordtest.Subcommand("topic", discordtest.Focused("topic", "x"))), "does not autocomplete"},
	}
	for _, tt := range tests {
		before := len(rec.complaints())
		srv.DispatchInteraction(tt.i)
		got := rec.complaints()[before:]
		switch {
		case tt.want == "" && len(got) > 0:
			t.Errorf("%s: the fake complained: %v", tt.name, got)
		case tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)):
			t.Errorf("%s: complaints %v, want one saying %q", tt.name, got, tt.want)
		}
	}
	msg := srv.DispatchMessage(discordtest.Message(guildID, channelID, userID, "no buttons here"))
	before := len(rec.complaints())
	srv.DispatchInteraction(discordtest.ButtonClick(guildID, channelID, userID, "vote:up:1", msg))
	if got := rec.complaints()[before:]; len(got) != 1 || !strings.Contains(got[0], `no component "vote:up:1"`) {
		t.Errorf("a click on a button the message lacks: complaints %v", got)
	}
}
