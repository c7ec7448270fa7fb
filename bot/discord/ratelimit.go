package discord

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
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
