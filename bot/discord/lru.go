package discord

import (
	"container/list"
	"sync"
)

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

// len returns the number of keys held.
func (c *lru[V]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items)
}
