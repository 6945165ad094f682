package tenants

import (
	"context"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// Login throttling.
//
// Three counters live in login_throttle, each with a window:
//
//   - per (account, IP): after 5 failures in 24 h, each further attempt from
//     that pair must wait 2^(n-5) s after the last failure, capped at 15 min;
//     a success clears the pair. This is what slows a guesser down, and it
//     only ever affects the attacker's own IP.
//   - per IP: more than 100 failures from one IP in 15 min (across all
//     accounts: credential stuffing) blocks that IP for 15 min.
//   - per account: when an account sees more than 20 failures in 15 min
//     from anywhere (a distributed attack), IPs that have never logged in
//     to it successfully get one attempt per 30 s per IP; IPs it has
//     logged in from before (known_logins) are not affected.
//
// Nothing here locks an account: the owner logging in from a known IP is
// never delayed by attacks from elsewhere, and from a new IP at most by
// their own typos and the 30 s pacing. The price is that a botnet with many
// fresh IPs still gets a few guesses per IP per day against one account; the
// password policy (length, breached list) and MFA cover that. A user behind
// the same NAT as a stuffing attacker may share the per-IP block.
//
// Within one process, attempts on one account run one at a time (keyedGate),
// so a burst of parallel guesses cannot all pass the check before the first
// failure is counted; across processes the window is one attempt per
// process.
const (
	pairFreeFailures = 5
	pairMaxDelay     = 15 * time.Minute
	pairWindow       = 24 * time.Hour
	ipMaxFailures    = 100
	ipWindow         = 15 * time.Minute
	ipBlock          = 15 * time.Minute
	acctAttack       = 20
	acctWindow       = 15 * time.Minute
	attackPacing     = 30 * time.Second
)

type throttleRow struct {
	bun.BaseModel `bun:"table:login_throttle"`
	Key           string    `bun:"key,pk"`
	Failures      int       `bun:"failures"`
	WindowStart   time.Time `bun:"window_start"`
	BlockedUntil  time.Time `bun:"blocked_until"`
}

func pairKey(email, ip string) string { return "p:" + hashToken(email+"\x00"+ip) }
func ipKey(ip string) string          { return "i:" + ip }
func acctKey(email string) string     { return "a:" + hashToken(email) }

// checkThrottle refuses an attempt that must wait.
func (s *Service) checkThrottle(ctx context.Context, q bun.IDB, email, ip string, known bool) error {
	now := s.now()
	var rows []throttleRow
	if err := q.NewSelect().Model(&rows).Where("key IN (?)", bun.List([]string{pairKey(email, ip), ipKey(ip), acctKey(email)})).Scan(ctx); err != nil {
		return err
	}
	var pair, ipr, acct *throttleRow
	for i := range rows {
		switch rows[i].Key[0] {
		case 'p':
			pair = &rows[i]
		case 'i':
			ipr = &rows[i]
		case 'a':
			acct = &rows[i]
		}
	}
	if ipr != nil && now.Before(ipr.BlockedUntil) {
		return retryAfter("too many failed logins from your network", ipr.BlockedUntil.Sub(now))
	}
	if pair != nil && now.Before(pair.BlockedUntil) {
		return retryAfter("too many failed logins", pair.BlockedUntil.Sub(now))
	}
	if !known && acct != nil && acct.Failures > acctAttack && now.Sub(acct.WindowStart) < acctWindow &&
		pair != nil && pair.Failures > 0 && now.Sub(pair.WindowStart) < pairWindow {
		// Under attack: unknown IPs are paced. pair.BlockedUntil - delay is
		// not stored, so pace from the last failure recorded in WindowStart
		// of the pair's most recent update (see recordFailure).
		if wait := attackPacing - now.Sub(lastFailure(pair)); wait > 0 {
			return retryAfter("this account is seeing many failed logins", wait)
		}
	}
	return nil
}

func lastFailure(p *throttleRow) time.Time {
	// recordFailure stores the last failure time as BlockedUntil when there
	// is no delay, or BlockedUntil minus the delay otherwise.
	d := pairDelay(p.Failures)
	return p.BlockedUntil.Add(-d)
}

func pairDelay(failures int) time.Duration {
	if failures < pairFreeFailures {
		return 0
	}
	shift := failures - pairFreeFailures
	if shift > 20 {
		return pairMaxDelay
	}
	return min(time.Duration(1<<shift)*time.Second, pairMaxDelay)
}

func retryAfter(msg string, d time.Duration) error {
	secs := int64(d.Round(time.Second) / time.Second)
	if secs < 1 {
		secs = 1
	}
	return &errs.Error{Code: errs.RateLimited, Field: "password", Message: msg + "; try again in " + itoa(secs) + " s"}
}

// recordFailure counts a failed attempt on all three counters.
func (s *Service) recordFailure(ctx context.Context, q bun.IDB, email, ip string) error {
	now := s.now()
	for _, k := range []struct {
		key    string
		window time.Duration
	}{{pairKey(email, ip), pairWindow}, {ipKey(ip), ipWindow}, {acctKey(email), acctWindow}} {
		var failures int
		// Count within the window, atomically on both engines.
		err := q.NewRaw(`UPDATE login_throttle SET failures = failures + 1 WHERE key = ? AND window_start > ? RETURNING failures`,
			k.key, now.Add(-k.window)).Scan(ctx, &failures)
		if err != nil {
			if !store.NoRows(err) {
				return err
			}
			failures = 1
			if _, err := q.NewInsert().Model(&throttleRow{Key: k.key, Failures: 1, WindowStart: now, BlockedUntil: now}).
				On("CONFLICT (key) DO UPDATE").Set("failures = 1, window_start = EXCLUDED.window_start, blocked_until = EXCLUDED.blocked_until").
				Exec(ctx); err != nil {
				return err
			}
		}
		var until time.Time
		switch k.key[0] {
		case 'p':
			until = now.Add(pairDelay(failures))
		case 'i':
			until = now
			if failures > ipMaxFailures {
				until = now.Add(ipBlock)
			}
		default:
			until = now
		}
		if _, err := q.NewUpdate().Model((*throttleRow)(nil)).Set("blocked_until = ?", until).Where("key = ?", k.key).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// recordSuccess clears the (account, IP) counter and remembers the IP as
// known for the account.
func (s *Service) recordSuccess(ctx context.Context, q bun.IDB, userID, email, ip string) error {
	if _, err := q.NewDelete().Model((*throttleRow)(nil)).Where("key = ?", pairKey(email, ip)).Exec(ctx); err != nil {
		return err
	}
	_, err := q.NewRaw(`INSERT INTO known_logins (user_id, ip, last_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id, ip) DO UPDATE SET last_at = EXCLUDED.last_at`, userID, ip, s.now()).Exec(ctx)
	return err
}

func (s *Service) knownIP(ctx context.Context, q bun.IDB, userID, ip string) (bool, error) {
	if userID == "" {
		return false, nil
	}
	n, err := q.NewSelect().Table("known_logins").Where("user_id = ? AND ip = ?", userID, ip).Count(ctx)
	return n > 0, err
}

// keyedGate lets one login attempt per account run at a time in this
// process, so a burst of parallel guesses cannot all pass the throttle
// check before the first failure is counted (and argon2 work per account
// stays serial). Waiters give up when their context ends.
type keyedGate struct {
	mu sync.Mutex
	m  map[string]*gateEntry
}

type gateEntry struct {
	ch   chan struct{}
	refs int
}

func (g *keyedGate) lock(ctx context.Context, key string) (func(), error) {
	g.mu.Lock()
	if g.m == nil {
		g.m = map[string]*gateEntry{}
	}
	e := g.m[key]
	if e == nil {
		e = &gateEntry{ch: make(chan struct{}, 1)}
		g.m[key] = e
	}
	e.refs++
	g.mu.Unlock()
	release := func() {
		g.mu.Lock()
		e.refs--
		if e.refs == 0 {
			delete(g.m, key)
		}
		g.mu.Unlock()
	}
	select {
	case e.ch <- struct{}{}:
		return func() { <-e.ch; release() }, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}
