package sandbox

import (
	"sync"
	"time"
)

// BreakerConfig tunes the per-installation circuit breaker.
type BreakerConfig struct {
	Failures int           // consecutive failures that open it; default 5
	Cooldown time.Duration // open → half-open after this; default 30 s
}

// BreakerState is closed, open or half-open.
type BreakerState string

// Breaker states.
const (
	BreakerClosed   BreakerState = "closed"
	BreakerOpen     BreakerState = "open"
	BreakerHalfOpen BreakerState = "half-open"
)

// breaker is a consecutive-failure circuit breaker. While open it refuses
// calls; after the cool-down it lets one trial call through (half-open): a
// success closes it, a failure opens it again for another cool-down.
type breaker struct {
	mu       sync.Mutex
	cfg      BreakerConfig
	failures int
	state    BreakerState
	openedAt time.Time
	trial    bool // a half-open trial call is running
}

func newBreaker(cfg BreakerConfig) *breaker {
	return &breaker{cfg: cfg, state: BreakerClosed}
}

// allow reports whether a call may run now.
func (b *breaker) allow(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case BreakerClosed:
		return true
	case BreakerOpen:
		if now.Sub(b.openedAt) < b.cfg.Cooldown {
			return false
		}
		b.state = BreakerHalfOpen
		b.trial = true
		return true
	default: // half-open: one trial at a time
		if b.trial {
			return false
		}
		b.trial = true
		return true
	}
}

// done records the outcome of an allowed call. Failures that are the
// caller's (canceled) or the host's (capacity) are not counted.
func (b *breaker) done(now time.Time, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if ok {
		b.failures = 0
		b.state = BreakerClosed
		b.trial = false
		return
	}
	b.failures++
	if b.state == BreakerHalfOpen || b.failures >= b.cfg.Failures {
		b.state = BreakerOpen
		b.openedAt = now
		b.trial = false
	}
}

// release ends a call whose outcome does not count.
func (b *breaker) release() {
	b.mu.Lock()
	if b.state == BreakerHalfOpen {
		b.trial = false
	}
	b.mu.Unlock()
}

func (b *breaker) snapshot(now time.Time) (BreakerState, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == BreakerOpen && now.Sub(b.openedAt) >= b.cfg.Cooldown {
		return BreakerHalfOpen, b.failures
	}
	return b.state, b.failures
}
