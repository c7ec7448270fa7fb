package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/newsbot/newsbot/bot"
)

// Turns checks a TurnStore: a conversation's newest turns, oldest first,
// apart from every other conversation, none lost when two processes add
// at once. open returns a store over the same storage each time it is
// called (for memory, the same store).
func Turns(t *testing.T, open func() bot.TurnStore) {
	ctx := context.Background()
	t.Run("the newest turns, oldest first", func(t *testing.T) {
		st := open()
		if h, err := st.Turns(ctx, "3000000000000000001"); err != nil || len(h) != 0 {
			t.Fatalf("a new conversation: %+v, %v; want no turns", h, err)
		}
		for n := range 5 {
			if err := st.AddTurn(ctx, "3000000000000000001", bot.Turn{Question: fmt.Sprint("q", n), Answer: fmt.Sprint("a", n)}, 3); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.AddTurn(ctx, "3000000000000000002", bot.Turn{Question: "other"}, 3); err != nil {
			t.Fatal(err)
		}
		h, err := open().Turns(ctx, "3000000000000000001")
		if err != nil || len(h) != 3 || h[0] != (bot.Turn{Question: "q2", Answer: "a2"}) || h[2] != (bot.Turn{Question: "q4", Answer: "a4"}) {
			t.Errorf("turns: %+v, %v; want q2 to q4", h, err)
		}
		if h, _ := open().Turns(ctx, "3000000000000000002"); len(h) != 1 || h[0].Question != "other" {
			t.Errorf("another conversation: %+v", h)
		}
	})
	t.Run("two processes adding at once", func(t *testing.T) {
		a, b := open(), open()
		var wg sync.WaitGroup
		for i, st := range []bot.TurnStore{a, b} {
			wg.Go(func() {
				for n := range 5 {
					if err := st.AddTurn(ctx, "3000000000000000003", bot.Turn{Question: fmt.Sprintf("%d%d", i, n)}, 20); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		h, err := open().Turns(ctx, "3000000000000000003")
		if err != nil || len(h) != 10 {
			t.Fatalf("%d of 10 turns kept, %v", len(h), err)
		}
		last := map[byte]byte{}
		for _, turn := range h {
			p, n := turn.Question[0], turn.Question[1]
			if l, ok := last[p]; ok && n <= l {
				t.Errorf("turns of one process out of order: %+v", h)
			}
			last[p] = n
		}
	})
}
