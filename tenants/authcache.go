package tenants

import (
	"context"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/store"
)

// authCache keeps recent session and API-token lookups so most
// authenticated requests cost no query. Entries live at most authCacheTTL;
// any change that could alter a lookup (log out, password change or reset,
// shop switch, membership or platform-role change, token revocation, shop
// status change) clears the affected cache in this process after commit and,
// through the change watcher, in every other process. A lookup that raced
// such a change is not cached (generation check).
type authCache struct {
	mu       sync.Mutex
	sessions map[string]cachedSession
	tokens   map[string]cachedToken
	sgen     uint64
	tgen     uint64
}

type cachedSession struct {
	l       sessionLookup
	expires time.Time
}

type cachedToken struct {
	l       tokenLookup
	expires time.Time
}

const (
	authCacheTTL = 10 * time.Second
	authCacheMax = 100_000
)

func newAuthCache() *authCache {
	return &authCache{sessions: map[string]cachedSession{}, tokens: map[string]cachedToken{}}
}

func (c *authCache) session(hash string, now time.Time) (sessionLookup, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.sessions[hash]
	if !ok || now.After(e.expires) {
		return sessionLookup{}, c.sgen, false
	}
	return e.l, c.sgen, true
}

func (c *authCache) putSession(hash string, l sessionLookup, now time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.sgen {
		return
	}
	if len(c.sessions) >= authCacheMax {
		c.sessions = map[string]cachedSession{}
	}
	c.sessions[hash] = cachedSession{l: l, expires: now.Add(authCacheTTL)}
}

func (c *authCache) dropSession(hash string) {
	c.mu.Lock()
	delete(c.sessions, hash)
	c.mu.Unlock()
}

func (c *authCache) token(hash string, now time.Time) (tokenLookup, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.tokens[hash]
	if !ok || now.After(e.expires) {
		return tokenLookup{}, c.tgen, false
	}
	return e.l, c.tgen, true
}

func (c *authCache) putToken(hash string, l tokenLookup, now time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.tgen {
		return
	}
	if len(c.tokens) >= authCacheMax {
		c.tokens = map[string]cachedToken{}
	}
	c.tokens[hash] = cachedToken{l: l, expires: now.Add(authCacheTTL)}
}

func (c *authCache) clearSessions() {
	c.mu.Lock()
	c.sessions = map[string]cachedSession{}
	c.sgen++
	c.mu.Unlock()
}

func (c *authCache) clearTokens() {
	c.mu.Lock()
	c.tokens = map[string]cachedToken{}
	c.tgen++
	c.mu.Unlock()
}

var (
	sessionsChanged = change{kind: "sessions"}
	tokensChanged   = change{kind: "tokens"}
)

// writeNotify runs fn in a transaction that announces the given changes.
func (s *Service) writeNotify(ctx context.Context, fn store.Func, cs ...change) error {
	return s.write(ctx, func(ctx context.Context, q bun.IDB, changed func(change) error) error {
		if err := fn(ctx, q); err != nil {
			return err
		}
		for _, c := range cs {
			if err := changed(c); err != nil {
				return err
			}
		}
		return nil
	})
}
