package discord_test

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/bot/discord"
	"github.com/newsbot/newsbot/bot/discord/discordtest"
)

func TestParseShards(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		want  discord.Shards
		valid bool
	}{
		{"", discord.Shards{}, true},
		{"auto", discord.Shards{Auto: true}, true},
		{"AUTO", discord.Shards{Auto: true}, true},
		{"0-1/4", discord.Shards{IDs: []int{0, 1}, Count: 4}, true},
		{"3/4", discord.Shards{IDs: []int{3}, Count: 4}, true},
		{" 0, 2-3 / 8 ", discord.Shards{IDs: []int{0, 2, 3}, Count: 8}, true},
		{"1,0,1/2", discord.Shards{IDs: []int{0, 1}, Count: 2}, true},
		{"0/1", discord.Shards{IDs: []int{0}, Count: 1}, true},
		{"4/4", discord.Shards{}, false}, // ids run 0 to 3
		{"0-4/4", discord.Shards{}, false},
		{"2-1/4", discord.Shards{}, false},
		{"-1/4", discord.Shards{}, false},
		{"0/0", discord.Shards{}, false},
		{"3", discord.Shards{}, false},
		{"/4", discord.Shards{}, false},
		{"0-/4", discord.Shards{}, false},
		{"a/4", discord.Shards{}, false},
		{"0/4/8", discord.Shards{}, false},
		{"all", discord.Shards{}, false},
	}
	for _, tt := range tests {
		got, err := discord.ParseShards(tt.in)
		switch {
		case tt.valid && err != nil:
			t.Errorf("ParseShards(%q): %v", tt.in, err)
		case !tt.valid && !errors.Is(err, discord.ErrShards):
			t.Errorf("ParseShards(%q) = %+v, %v; want ErrShards", tt.in, got, err)
		case tt.valid && (!slices.Equal(got.IDs, tt.want.IDs) || got.Count != tt.want.Count || got.Auto != tt.want.Auto):
			t.Errorf("ParseShards(%q) = %+v, want %+v", tt.in, got, tt.want)
		case tt.valid && tt.in != "" && !tt.want.Auto:
			if again, _ := discord.ParseShards(got.String()); !slices.Equal(again.IDs, got.IDs) || again.Count != got.Count {
				t.Errorf("ParseShards(%q).String() = %q reads back as %+v", tt.in, got.String(), again)
			}
		}
	}
}

// Holds agrees with the fake Discord on which shard hears a server.
func TestShardsHold(t *testing.T) {
	t.Parallel()
	for _, g := range []string{"175928847299117063", "111111111111111111", "4194304", "12582912", "100000000000000001", ""} {
		for _, count := range []int{1, 2, 3, 4, 16} {
			shard := discordtest.ShardOf(g, count)
			if got := discord.ShardOf(g, count); got != shard {
				t.Errorf("ShardOf(%q, %d) = %d, the fake says %d", g, count, got, shard)
			}
			for id := range count {
				sh := discord.Shards{IDs: []int{id}, Count: count}
				if got, want := sh.Holds(g), id == shard || count == 1; got != want {
					t.Errorf("%s holds %q: %v, want %v", sh, g, got, want)
				}
			}
		}
	}
	if !(discord.Shards{}).Holds("111111111111111111") || !(discord.Shards{IDs: []int{0, 1}, Count: 2}).Holds("111111111111111111") {
		t.Error("a process with every shard does not hold every server")
	}
}

// One process runs two shards: each shard's session identifies as its
// shard and answers its own server, the commands are registered once, and
// a process with shard 1 alone does not register them again. auto runs
// the count Discord recommends.
func TestShardsInOneProcess(t *testing.T) {
	t.Parallel()
	const on0, on1 = "175928847299117063", "111111111111111111"
	fake := discordtest.New(t, discordtest.WithGuild(on0, "Zero"), discordtest.WithGuild(on1, "One"),
		discordtest.WithShards(2), discordtest.WithMaxConcurrency(2))
	api, _ := url.Parse(fake.URL())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	sh, err := discord.ResolveShards(ctx, fake.Token(), api, discord.Shards{Auto: true})
	if err != nil || sh.String() != "0-1/2" {
		t.Fatalf("auto resolved to %s, %v; want 0-1/2", sh, err)
	}
	logs := &logBuffer{}
	run := func(sh discord.Shards) (stop func()) {
		sessions, err := discord.NewSessions(fake.Token(), api, sh)
		if err != nil {
			t.Fatal(err)
		}
		b := discord.NewSharded(sessions, emptyCore(t), discord.Options{Logger: slog.New(slog.NewTextHandler(logs, nil))})
		runCtx, stopRun := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- b.Run(runCtx) }()
		return func() {
			stopRun()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		}
	}
	stop := run(sh)
	defer func() { stop() }()
	if _, err := fake.WaitFor(ctx, discordtest.Match("PUT", "/applications/*/commands")); err != nil {
		t.Fatalf("commands not registered: %v", err)
	}
	if got := fake.Identifies(); len(got) != 2 || got[0].Shard == nil || got[1].Shard == nil || *got[0].Shard != [2]int{0, 2} || *got[1].Shard != [2]int{1, 2} {
		t.Fatalf("identified %d sessions, want shards 0 and 1 of 2", len(got))
	}
	for _, g := range []string{on0, on1} {
		i := fake.DispatchInteraction(discordtest.SlashCommand(g, "222222222222222222", "333333333333333333", "help"))
		if _, err := fake.WaitFor(ctx, func(r discordtest.Request) bool {
			return r.Is("POST", "/interactions/*/*/callback") && strings.Contains(r.Path, "/"+i.ID+"/")
		}); err != nil {
			t.Errorf("/help in server %s (shard %d) was not answered: %v", g, discordtest.ShardOf(g, 2), err)
		}
	}

	// Another process with shard 1 alone connects without registering.
	stop1 := run(discord.Shards{IDs: []int{1}, Count: 2})
	if err := fake.WaitGateway(ctx, func(g discordtest.GatewayStats) bool { return g.Ready == 3 }); err != nil {
		t.Fatal(err)
	}
	stop1()
	if n := len(fake.Filter(discordtest.Match("PUT", "/applications/*/commands"))); n != 1 {
		t.Errorf("commands registered %d times, want once (by shard 0's process)", n)
	}
	if !strings.Contains(logs.String(), "commands are registered by the process that runs shard 0") {
		t.Errorf("the process without shard 0 does not say who registers:\n%s", logs.String())
	}
}
