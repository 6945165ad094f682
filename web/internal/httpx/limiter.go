package httpx

import (
	"hash/maphash"
	"sync"
	"time"
)

// Limiter is an in-process sliding-window rate limiter keyed by string (an
// IP, a tenant id). Each key's limit is given per call, so one limiter can
// serve plans with different quotas.
type Limiter struct {
	window time.Duration
	seed   maphash.Seed
	shards [32]limiterShard
}

type limiterShard struct {
	mu   sync.Mutex
	keys map[string]*window
}

// window counts requests in the current and previous fixed windows; the
// estimate weights the previous one by how much of it still overlaps.
type window struct {
	start     time.Time
	cur, prev int
}

// NewLimiter returns a limiter counting requests per window per.
func NewLimiter(limit int, per time.Duration) *Limiter {
	l := &Limiter{window: per, seed: maphash.MakeSeed()}
	for i := range l.shards {
		l.shards[i].keys = map[string]*window{}
	}
	return l
}

// Allow counts one request for key and reports whether it is within limit
// requests per window; when not, it says how long until it would be.
func (l *Limiter) Allow(key string, limit int) (bool, time.Duration) {
	if limit <= 0 {
		return true, 0
	}
	now := time.Now()
	sh := &l.shards[maphash.String(l.seed, key)%uint64(len(l.shards))]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	w := sh.keys[key]
	if w == nil {
		if len(sh.keys) > 100_000 {
			l.sweep(sh, now)
		}
		w = &window{start: now.Truncate(l.window)}
		sh.keys[key] = w
	}
	switch elapsed := now.Sub(w.start); {
	case elapsed >= 2*l.window:
		w.start, w.prev, w.cur = now.Truncate(l.window), 0, 0
	case elapsed >= l.window:
		w.start, w.prev, w.cur = w.start.Add(l.window), w.cur, 0
	}
	overlap := 1 - float64(now.Sub(w.start))/float64(l.window)
	if float64(w.prev)*overlap+float64(w.cur) >= float64(limit) {
		return false, w.start.Add(l.window).Sub(now)
	}
	w.cur++
	return true, 0
}

func (l *Limiter) sweep(sh *limiterShard, now time.Time) {
	for k, w := range sh.keys {
		if now.Sub(w.start) >= 2*l.window {
			delete(sh.keys, k)
		}
	}
}
