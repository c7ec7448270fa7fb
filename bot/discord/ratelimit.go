package discord

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// userLimits is a token bucket per user and server, so one eager user
// cannot starve the others or run up the model bill. Each server may set
// its own rate; a bucket follows a change at its next use.
type userLimits struct {
	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

func newUserLimits() *userLimits {
	return &userLimits{buckets: map[string]*rate.Limiter{}}
}

// allow takes a token from key's bucket, which refills perMinute tokens a
// minute up to burst, or says how long until one is free.
func (l *userLimits) allow(key string, perMinute float64, burst int) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	every := rate.Limit(perMinute / 60)
	if len(l.buckets) > 10000 { // forget full buckets now and then
		for id, b := range l.buckets {
			if b.Tokens() >= float64(b.Burst()) {
				delete(l.buckets, id)
			}
		}
	}
	b, ok := l.buckets[key]
	if !ok {
		b = rate.NewLimiter(every, burst)
		l.buckets[key] = b
	}
	if b.Limit() != every {
		b.SetLimit(every)
	}
	if b.Burst() != burst {
		b.SetBurst(burst)
	}
	r := b.Reserve()
	if d := r.Delay(); d > 0 {
		r.Cancel()
		return false, d
	}
	return true, 0
}
