package discord

import (
	"container/list"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/newsbot/newsbot/bot"
)

// userLimits is a token bucket per user, so one eager user cannot starve
// the others or run up the model bill.
type userLimits struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	buckets map[string]*rate.Limiter
}

func newUserLimits(every rate.Limit, burst int) *userLimits {
	return &userLimits{every: every, burst: burst, buckets: map[string]*rate.Limiter{}}
}

// allow takes a token for user, or says how long until one is free.
func (l *userLimits) allow(user string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buckets) > 10000 { // forget full buckets now and then
		for id, b := range l.buckets {
			if b.Tokens() >= float64(l.burst) {
				delete(l.buckets, id)
			}
		}
	}
	b, ok := l.buckets[user]
	if !ok {
		b = rate.NewLimiter(l.every, l.burst)
		l.buckets[user] = b
	}
	r := b.Reserve()
	if d := r.Delay(); d > 0 {
		r.Cancel()
		return false, d
	}
	return true, 0
}

// lru is a small least-recently-used map.
type lru[V any] struct {
	mu    sync.Mutex
	max   int
	order *list.List // of keys, most recent at the front
	items map[string]lruItem[V]
}

type lruItem[V any] struct {
	v  V
	el *list.Element
}

func newLRU[V any](max int) *lru[V] {
	return &lru[V]{max: max, order: list.New(), items: map[string]lruItem[V]{}}
}

func (c *lru[V]) get(k string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	it, ok := c.items[k]
	if ok {
		c.order.MoveToFront(it.el)
	}
	return it.v, ok
}

func (c *lru[V]) put(k string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(k, v)
}

// update replaces the value of k with fn of the old one, atomically.
func (c *lru[V]) update(k string, fn func(old V) V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(k, fn(c.items[k].v))
}

func (c *lru[V]) putLocked(k string, v V) {
	if it, ok := c.items[k]; ok {
		c.order.MoveToFront(it.el)
		c.items[k] = lruItem[V]{v, it.el}
		return
	}
	c.items[k] = lruItem[V]{v, c.order.PushFront(k)}
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(string))
	}
}

// answerCache keeps recent answers for their "Show quotes" buttons.
type answerCache struct{ *lru[*bot.Answer] }

func newAnswerCache(max int) *answerCache { return &answerCache{newLRU[*bot.Answer](max)} }

// add stores a and returns the id its button carries.
func (c *answerCache) add(a *bot.Answer) string {
	var b [6]byte
	rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	c.put(id, a)
	return id
}

// conversations keeps the last turns of each conversation, by channel (a
// thread) id.
type conversations struct {
	*lru[[]bot.Turn]
	turns int
}

func newConversations(max, turns int) *conversations {
	return &conversations{newLRU[[]bot.Turn](max), turns}
}

func (c *conversations) history(channel string) []bot.Turn {
	h, _ := c.get(channel)
	return h
}

func (c *conversations) add(channel string, t bot.Turn) {
	c.update(channel, func(h []bot.Turn) []bot.Turn {
		h = append(append([]bot.Turn(nil), h...), t)
		return h[max(0, len(h)-c.turns):]
	})
}
