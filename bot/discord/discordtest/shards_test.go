package discordtest_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/newsbot/newsbot/bot/discord/discordtest"
)

// A server on each of two shards: 175928847299117063 >> 22 is even,
// 111111111111111111 >> 22 odd.
const (
	guildOn0 = "175928847299117063"
	guildOn1 = guildID
)

func TestShardOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		guild     string
		count     int
		wantShard int
	}{
		{guildOn0, 2, 0},
		{guildOn1, 2, 1},
		{"4194303", 2, 0}, // the last id whose top bits are 0
		{"4194304", 2, 1}, // 1 << 22
		{"12582912", 4, 3},
		{guildOn1, 1, 0},
		{"", 4, 0}, // direct messages go to shard 0
	}
	for _, tt := range tests {
		if got := discordtest.ShardOf(tt.guild, tt.count); got != tt.wantShard {
			t.Errorf("ShardOf(%q, %d) = %d, want %d", tt.guild, tt.count, got, tt.wantShard)
		}
	}
}

// Two sessions identify as shards 0 and 1 of 2: each is told of its own
// server only, and hears only its server's events; direct messages go to
// shard 0. Events are handled in order (SyncEvents), so a session that got
// an event for the other shard's server would see it before its own.
func TestShardedSessionsHearTheirServers(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t, discordtest.WithGuild(guildOn0, "Zero"), discordtest.WithGuild(guildOn1, "One"), discordtest.WithShards(2))
	type heard struct {
		shard int
		what  string
	}
	got := make(chan heard, 32)
	listen := func(s *discordgo.Session) {
		s.SyncEvents = true
		s.AddHandler(func(s *discordgo.Session, g *discordgo.GuildCreate) { got <- heard{s.ShardID, "guild " + g.ID} })
		s.AddHandler(func(s *discordgo.Session, i *discordgo.InteractionCreate) {
			got <- heard{s.ShardID, "ask " + i.GuildID}
		})
		s.AddHandler(func(s *discordgo.Session, m *discordgo.MessageCreate) {
			got <- heard{s.ShardID, "message " + m.GuildID}
		})
	}
	s0 := srv.Session(t, discordtest.Shard(0, 2), listen)
	s1 := srv.Session(t, discordtest.Shard(1, 2), listen)

	ids := srv.Identifies()
	if len(ids) != 2 || ids[0].Shard == nil || *ids[0].Shard != [2]int{0, 2} || ids[1].Shard == nil || *ids[1].Shard != [2]int{1, 2} {
		t.Fatalf("IDENTIFYs name shards %v, want [0 2] then [1 2]", shardsOf(ids))
	}
	for _, c := range []struct {
		s     *discordgo.Session
		guild string
	}{{s0, guildOn0}, {s1, guildOn1}} {
		c.s.State.RLock()
		if n := len(c.s.State.Guilds); n != 1 || c.s.State.Guilds[0].ID != c.guild {
			t.Errorf("shard %d knows %d servers, want only %s", c.s.ShardID, n, c.guild)
		}
		c.s.State.RUnlock()
	}

	srv.DispatchInteraction(discordtest.SlashCommand(guildOn0, channelID, userID, "ask", discordtest.Arg("question", "zero?")))
	srv.DispatchInteraction(discordtest.SlashCommand(guildOn1, channelID, userID, "ask", discordtest.Arg("question", "one?")))
	dm := discordtest.Message("", channelID, userID, "a direct message")
	srv.DispatchMessage(dm)
	srv.DispatchMessage(discordtest.Message(guildOn1, channelID, userID, "in one"))

	want := map[int][]string{
		0: {"guild " + guildOn0, "ask " + guildOn0, "message "},
		1: {"guild " + guildOn1, "ask " + guildOn1, "message " + guildOn1},
	}
	seen := map[int][]string{}
	for range 6 {
		h := receive(t, got)
		seen[h.shard] = append(seen[h.shard], h.what)
	}
	for shard, w := range want {
		if !slices.Equal(seen[shard], w) {
			t.Errorf("shard %d heard %q, want %q", shard, seen[shard], w)
		}
	}
}

func shardsOf(ids []discordgo.Identify) [][2]int {
	var out [][2]int
	for _, id := range ids {
		if id.Shard != nil {
			out = append(out, *id.Shard)
		}
	}
	return out
}

// An IDENTIFY for a shard that does not exist is closed with 4010, and
// GET /gateway/bot recommends the configured count.
func TestInvalidShardAndRecommendedCount(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t, discordtest.WithShards(4), discordtest.WithMaxConcurrency(16))
	s := srv.NewSession()
	gw, err := s.GatewayBot()
	if err != nil {
		t.Fatal(err)
	}
	if gw.Shards != 4 || gw.SessionStartLimit.MaxConcurrency != 16 {
		t.Errorf("GET /gateway/bot: %d shards, max_concurrency %d, want 4 and 16", gw.Shards, gw.SessionStartLimit.MaxConcurrency)
	}
	// discordgo itself refuses an id at or past the count, so send one
	// that passes its check but not Discord's: a negative id.
	s.ShouldReconnectOnError = false
	s.ShardID, s.ShardCount = -1, 2
	err = s.Open()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != discordtest.CloseInvalidShard {
		t.Errorf("Open as shard -1 of 2: %v, want close code 4010", err)
	}
}
