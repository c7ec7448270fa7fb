package discord_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/discord"
	"github.com/newsbot/newsbot/bot/discord/discordtest"
)

func TestDoctorChecks(t *testing.T) {
	const guild = "100000000000000009"
	type want struct {
		name   string
		status bot.CheckStatus
		text   string
	}
	tests := []struct {
		name  string
		opts  []discordtest.Option
		token string
		guild string
		want  []want
	}{
		{"healthy", []discordtest.Option{discordtest.WithGuild(guild, "Harbour News")}, "right", guild, []want{
			{"discord token", bot.CheckOK, "the token belongs to the bot newsbot"},
			{"message content intent", bot.CheckOK, "enabled"},
			{"invite link", bot.CheckOK, "https://discord.com/oauth2/authorize?client_id=" + discordtest.DefaultBotID},
			{"discord server", bot.CheckOK, `the bot is in "Harbour News"`},
		}},
		{"a wrong token", nil, "wrong", "", []want{
			{"discord token", bot.CheckFail, "Discord refused the bot token"},
		}},
		{"intent off", []discordtest.Option{discordtest.WithApplicationFlags(0)}, "right", "", []want{
			{"discord token", bot.CheckOK, ""},
			{"message content intent", bot.CheckFail, "Discord will refuse serve's connection"},
			{"invite link", bot.CheckOK, ""},
		}},
		{"a code grant and a server the bot is not in", []discordtest.Option{discordtest.WithCodeGrant()}, "right", guild, []want{
			{"discord token", bot.CheckOK, ""},
			{"message content intent", bot.CheckOK, ""},
			{"invite link", bot.CheckFail, "scopes bot and applications.commands"},
			{"discord server", bot.CheckFail, "the bot is not in the server " + guild},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := discordtest.New(t, append(tt.opts, discordtest.WithToken("right"))...)
			api, _ := url.Parse(fake.URL())
			s, err := discord.NewSession(tt.token, api)
			if err != nil {
				t.Fatal(err)
			}
			checks := discord.Checks(context.Background(), s, tt.guild)
			if len(checks) != len(tt.want) {
				t.Fatalf("got %d checks, want %d: %+v", len(checks), len(tt.want), checks)
			}
			for i, w := range tt.want {
				c := checks[i]
				if c.Name != w.name || c.Status != w.status || !strings.Contains(c.Detail, w.text) {
					t.Errorf("check %d: got %s %s %q, want %s %s containing %q", i, c.Status, c.Name, c.Detail, w.status, w.name, w.text)
				}
				if (c.Status == bot.CheckFail) != (c.Fix != "") {
					t.Errorf("check %s: status %s with fix %q", c.Name, c.Status, c.Fix)
				}
			}
		})
	}
}

func TestInviteAsksForEveryPermission(t *testing.T) {
	names := strings.Split(discord.PermissionNames(), ", ")
	if n := popcount(discord.Permissions); len(names) != n {
		t.Errorf("the invite asks for %d permissions, the list names %d: %v", n, len(names), names)
	}
}

func popcount(v int64) int {
	n := 0
	for ; v != 0; v &= v - 1 {
		n++
	}
	return n
}

// The shard check compares NEWSBOT_SHARDS with the count Discord
// recommends.
func TestShardCheck(t *testing.T) {
	tests := []struct {
		name      string
		recommend int
		shards    string
		status    bot.CheckStatus
		text      string
	}{
		{"one connection, one recommended", 1, "", bot.CheckOK, "one connection (Discord recommends 1 shard)"},
		{"one connection, four recommended", 4, "", bot.CheckWarn, "one connection holds at most 2,500 servers"},
		{"auto", 4, "auto", bot.CheckOK, "auto: serve runs all 4"},
		{"too few", 4, "0/2", bot.CheckWarn, "the fleet runs 2 shards and Discord recommends 4"},
		{"part of a fleet", 4, "0-1/4", bot.CheckOK, "serve runs shards 0-1/4 (Discord recommends 4 shards); the others need processes"},
		{"all in one", 2, "0-1/2", bot.CheckOK, "serve runs all 2 shards in this process"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := discordtest.New(t, discordtest.WithShards(tt.recommend))
			api, _ := url.Parse(fake.URL())
			s, err := discord.NewSession(fake.Token(), api)
			if err != nil {
				t.Fatal(err)
			}
			sh, err := discord.ParseShards(tt.shards)
			if err != nil {
				t.Fatal(err)
			}
			c := discord.ShardCheck(context.Background(), s, sh)
			if c.Name != "discord shards" || c.Status != tt.status || !strings.Contains(c.Detail, tt.text) {
				t.Errorf("got %s %q, want %s containing %q", c.Status, c.Detail, tt.status, tt.text)
			}
			if (c.Status == bot.CheckOK) != (c.Fix == "") {
				t.Errorf("status %s with fix %q", c.Status, c.Fix)
			}
		})
	}
}
