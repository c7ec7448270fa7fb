package discord

import (
	"context"
	"fmt"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/storetest"
)

func TestThreadsAreBounded(t *testing.T) {
	th := newThreads(3)
	for _, id := range []string{"1", "2", "3"} {
		th.add(id)
	}
	th.has("1") // spoken in again: now the most recent
	th.add("4") // pushes out 2, the least recently spoken in
	for id, want := range map[string]bool{"1": true, "2": false, "3": true, "4": true} {
		if got := th.has(id); got != want {
			t.Errorf("has(%s) = %v, want %v", id, got, want)
		}
	}
	for n := range 100 {
		th.add(fmt.Sprint(100 + n))
	}
	if n := th.len(); n != 3 {
		t.Errorf("remembers %d threads, want at most 3", n)
	}
}

func TestBotRemembersBoundedThreads(t *testing.T) {
	s, err := discordgo.New("Bot test")
	if err != nil {
		t.Fatal(err)
	}
	b := New(s, nil, Options{})
	for n := range maxThreads + 50 {
		b.threads.add(fmt.Sprint(n))
	}
	if n := b.threads.len(); n != maxThreads {
		t.Errorf("the bot remembers %d threads, want %d", n, maxThreads)
	}
	if !b.threads.has(fmt.Sprint(maxThreads+49)) || b.threads.has("0") {
		t.Error("the newest thread is forgotten or the oldest kept")
	}
}

func TestConversationsContract(t *testing.T) {
	c := newConversations(10)
	storetest.Turns(t, func() bot.TurnStore { return c })
}

func TestConversationsForgetTheLeastRecent(t *testing.T) {
	ctx := context.Background()
	c := newConversations(2)
	for _, ch := range []string{"a", "b", "c"} { // c pushes out a
		if err := c.AddTurn(ctx, ch, bot.Turn{Question: ch}, 6); err != nil {
			t.Fatal(err)
		}
	}
	if h, _ := c.Turns(ctx, "a"); h != nil {
		t.Errorf("a forgotten conversation still has %d turns", len(h))
	}
	if h, _ := c.Turns(ctx, "c"); len(h) != 1 {
		t.Errorf("the newest conversation has %d turns, want 1", len(h))
	}
}
