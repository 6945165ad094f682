package tenants

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/loginguard"
	"github.com/wasmart/wasmart/core/store"
)

// Login throttling.
//
// Two counters live in login_throttle, each with a window:
//
//   - per (account, IP): after 5 failures in 24 h, each further attempt from
//     that pair must wait 2^(n-5) s after the last failure, capped at 15 min;
//     a success clears the pair. This is what slows a guesser down, and it
//     only ever affects the attacker's own IP.
//   - per IP: more than 100 failures from one IP in 15 min (across all
//     accounts: credential stuffing) blocks that IP for 15 min.
//
// The per-account limit is package loginguard's: after 10 failures on an
// account in 24 h from anywhere (a distributed attack from many IPs),
// devices that have not signed in to it before wait 30 s after the latest
// failure, doubling up to 15 min, while known devices (a cookie issued at a
// past sign-in) are not slowed by it. A password reset makes the browser
// that used the link a known device. An IP is no evidence of a device: many
// people share one behind a NAT, a carrier's CGNAT or a proxy.
//
// Nothing here locks an account: the owner on a known device is never
// delayed by attacks from elsewhere, and on a new one by at most their own
// typos and 15 min. A user behind the same NAT as a stuffing attacker may
// share the per-IP block.
//
// Within one process, attempts on one account run one at a time
// (loginguard.Gate), so a burst of parallel guesses cannot all pass the
// check before the first failure is counted; across processes the window is
// one attempt per process.
const (
	pairFreeFailures = 5
	pairMaxDelay     = 15 * time.Minute
	pairWindow       = 24 * time.Hour
	ipMaxFailures    = 100
	ipWindow         = 15 * time.Minute
	ipBlock          = 15 * time.Minute
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

// guardAccount names a staff account to loginguard: the user, or the e-mail
// typed when no user has it (so a missing account behaves like a real one).
func guardAccount(userID, email string) string {
	if userID != "" {
		return "staff:" + userID
	}
	return "staff-email:" + email
}

// Under attack, this is what a person on a new device is told.
const pacedMessage = "Many wrong passwords have been tried for this account recently, so sign-ins from devices it has not used before are paused. " +
	"Try again in %s, sign in from a device you have used before, or use \"Forgot your password?\" to get a link by e-mail that lets this device in."

// checkThrottle refuses an attempt that must wait: its IP or (account, IP)
// pair is blocked, or the account is under attack (loginguard) and known
// says neither the device nor the IP signed in to it before.
func (s *Service) checkThrottle(ctx context.Context, q bun.IDB, email, ip, account string, known bool) error {
	now := s.now()
	var rows []throttleRow
	if err := q.NewSelect().Model(&rows).Where("key IN (?)", bun.List([]string{pairKey(email, ip), ipKey(ip)})).Scan(ctx); err != nil {
		return err
	}
	for _, r := range rows {
		if !now.Before(r.BlockedUntil) {
			continue
		}
		if r.Key[0] == 'i' {
			return retryAfter("too many failed logins from your network", r.BlockedUntil.Sub(now))
		}
		return retryAfter("too many failed logins", r.BlockedUntil.Sub(now))
	}
	wait, err := loginguard.Check(ctx, q, account, known, now)
	if err != nil {
		return err
	}
	if wait > 0 {
		return loginguard.Refuse("password", wait, pacedMessage)
	}
	return nil
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
	return loginguard.Refuse("password", d, msg+"; try again in %s")
}

// recordFailure counts a failed attempt on the pair, the IP and the account.
func (s *Service) recordFailure(ctx context.Context, q bun.IDB, email, ip, account string) error {
	now := s.now()
	for _, k := range []struct {
		key    string
		window time.Duration
	}{{pairKey(email, ip), pairWindow}, {ipKey(ip), ipWindow}} {
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
		until := now.Add(pairDelay(failures))
		if k.key[0] == 'i' {
			until = now
			if failures > ipMaxFailures {
				until = now.Add(ipBlock)
			}
		}
		if _, err := q.NewUpdate().Model((*throttleRow)(nil)).Set("blocked_until = ?", until).Where("key = ?", k.key).Exec(ctx); err != nil {
			return err
		}
	}
	return loginguard.Failed(ctx, q, account, now)
}

// recordSuccess clears the (account, IP) counter and returns the device
// token for the browser's cookie (see loginguard.Remember).
func (s *Service) recordSuccess(ctx context.Context, q bun.IDB, userID, email, ip, device string) (string, error) {
	if _, err := q.NewDelete().Model((*throttleRow)(nil)).Where("key = ?", pairKey(email, ip)).Exec(ctx); err != nil {
		return "", err
	}
	return loginguard.Remember(ctx, q, guardAccount(userID, email), device, s.now())
}
