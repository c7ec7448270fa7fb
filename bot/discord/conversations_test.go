package discord

import (
	"fmt"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
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

func TestConversationsKeepTheLastTurns(t *testing.T) {
	c := newConversations(2, 3)
	for n := range 5 {
		c.add("a", bot.Turn{Question: fmt.Sprint(n)})
	}
	h := c.history("a")
	if len(h) != 3 || h[0].Question != "2" || h[2].Question != "4" {
		t.Errorf("history %+v, want turns 2 to 4", h)
	}
	c.add("b", bot.Turn{})
	c.add("c", bot.Turn{}) // pushes out a
	if h := c.history("a"); h != nil {
		t.Errorf("a forgotten conversation still has %d turns", len(h))
	}
}
