// Package loginguard caps password guessing against one account, however
// many addresses the guesses come from, without locking the account's owner
// out. Staff sign-in (package tenants) and shoppers' sign-in (package
// customer) both use it; each names its accounts (a user, a shop's
// customer, or the identifier typed when no such account exists, so that a
// missing account behaves like a real one).
//
// # Policy
//
//   - Every failed password counts against the account for Window (24 h
//     from the window's first failure).
//   - The first FreeFailures failures cost nothing. After that, a device the
//     account does not know must wait FirstDelay after the latest failure,
//     doubling with each further failure up to MaxDelay: a botnet with fresh
//     addresses gets about a hundred guesses a day per account instead of
//     one per address.
//   - A known device is one that signed in to the account before: it keeps a
//     random token in a cookie (Remember issues it) and is never slowed down
//     by failures from elsewhere. An attempt that must wait is refused
//     before the password is checked, so it cannot tell a guesser anything
//     and does not count as a failure.
//
// Nothing is locked: the owner signs in at once from a known device, and
// from a new one after at most MaxDelay (staff can also reset their password
// by e-mail, which makes that browser a known device).
//
// Within one process Gate runs attempts on one account one at a time, so a
// burst of parallel guesses cannot all pass Check before the first failure
// is counted; across processes each can let one attempt through at once.
//
// Tables: the package owns login_guard_accounts and login_guard_devices.
package loginguard

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

func init() {
	sub, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		panic(err)
	}
	store.RegisterMigrations(store.Migrations{Module: "loginguard", Order: 6, FS: sub})
}

// The policy (see the package comment).
const (
	FreeFailures = 10
	Window       = 24 * time.Hour
	FirstDelay   = 30 * time.Second
	MaxDelay     = 15 * time.Minute
	// DeviceTTL is how long a device stays known without signing in.
	DeviceTTL = 365 * 24 * time.Hour
)

// devicePrefix starts every device token (a cookie value).
const devicePrefix = "wsd_"

type accountRow struct {
	bun.BaseModel `bun:"table:login_guard_accounts"`
	Account       string    `bun:"account,pk"`
	Failures      int       `bun:"failures"`
	WindowStart   time.Time `bun:"window_start"`
	PacedUntil    time.Time `bun:"paced_until"`
}

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Delay is how long an unknown device waits after the failures-th failure.
func Delay(failures int) time.Duration {
	if failures < FreeFailures {
		return 0
	}
	shift := failures - FreeFailures
	if shift >= 10 {
		return MaxDelay
	}
	return min(FirstDelay<<shift, MaxDelay)
}

// Known reports whether device (a cookie value) signed in to account before
// and has not been forgotten.
func Known(ctx context.Context, q bun.IDB, account, device string, now time.Time) (bool, error) {
	if !wellFormed(device) {
		return false, nil
	}
	n, err := q.NewSelect().Table("login_guard_devices").
		Where("account = ? AND device_hash = ? AND last_at > ?", hash(account), hash(device), now.Add(-DeviceTTL)).Count(ctx)
	return n > 0, err
}

func wellFormed(device string) bool {
	return len(device) == len(devicePrefix)+43 && strings.HasPrefix(device, devicePrefix)
}

// Check says how long an attempt on account must wait (0: go ahead). Known
// devices never wait.
func Check(ctx context.Context, q bun.IDB, account string, known bool, now time.Time) (time.Duration, error) {
	if known {
		return 0, nil
	}
	var r accountRow
	err := q.NewSelect().Model(&r).Where("account = ?", hash(account)).Scan(ctx)
	if store.NoRows(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if !r.WindowStart.After(now.Add(-Window)) || !now.Before(r.PacedUntil) {
		return 0, nil
	}
	return r.PacedUntil.Sub(now), nil
}

// Failed counts a failed password for account and paces unknown devices
// once it has had FreeFailures in the window.
func Failed(ctx context.Context, q bun.IDB, account string, now time.Time) error {
	key := hash(account)
	var failures int
	// Count within the window, atomically on both engines.
	err := q.NewRaw(`UPDATE login_guard_accounts SET failures = failures + 1 WHERE account = ? AND window_start > ? RETURNING failures`,
		key, now.Add(-Window)).Scan(ctx, &failures)
	if store.NoRows(err) {
		failures = 1
		_, err = q.NewInsert().Model(&accountRow{Account: key, Failures: 1, WindowStart: now, PacedUntil: now}).
			On("CONFLICT (account) DO UPDATE").Set("failures = 1, window_start = EXCLUDED.window_start, paced_until = EXCLUDED.paced_until").
			Exec(ctx)
	}
	if err != nil {
		return err
	}
	_, err = q.NewUpdate().Model((*accountRow)(nil)).Set("paced_until = ?", now.Add(Delay(failures))).Where("account = ?", key).Exec(ctx)
	return err
}

// Remember records a successful sign-in to account from device (the
// cookie value the browser sent, possibly empty) and returns the token the
// browser should keep: the same one when it is already known for account,
// otherwise a new one. A token the server did not issue for this account is
// never adopted, so a cookie planted in someone's browser gains nothing.
func Remember(ctx context.Context, q bun.IDB, account, device string, now time.Time) (string, error) {
	key := hash(account)
	if wellFormed(device) {
		res, err := q.NewRaw(`UPDATE login_guard_devices SET last_at = ? WHERE account = ? AND device_hash = ? AND last_at > ?`,
			now, key, hash(device), now.Add(-DeviceTTL)).Exec(ctx)
		if err != nil {
			return "", err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return device, nil
		}
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	device = devicePrefix + base64.RawURLEncoding.EncodeToString(b)
	_, err := q.NewRaw(`INSERT INTO login_guard_devices (account, device_hash, last_at) VALUES (?, ?, ?)`, key, hash(device), now).Exec(ctx)
	return device, err
}

// Purge deletes counters whose window and pacing are over and devices
// unused for DeviceTTL.
func Purge(ctx context.Context, q bun.IDB, now time.Time) error {
	if _, err := q.NewDelete().Model((*accountRow)(nil)).Where("window_start <= ? AND paced_until < ?", now.Add(-Window), now).Exec(ctx); err != nil {
		return err
	}
	_, err := q.NewDelete().Table("login_guard_devices").Where("last_at <= ?", now.Add(-DeviceTTL)).Exec(ctx)
	return err
}

// Wait refuses an attempt that has to wait: an errs.RateLimited error
// (HTTP 429) that also says for how long, for a Retry-After header.
type Wait struct {
	Err   *errs.Error
	After time.Duration
}

func (w *Wait) Error() string { return w.Err.Error() }

// Unwrap gives the *errs.Error, so errs.CodeOf and the web layer see it.
func (w *Wait) Unwrap() error { return w.Err }

// RetryAfter is how long to wait.
func (w *Wait) RetryAfter() time.Duration { return w.After }

// Refuse builds a Wait about field; message may contain one %s, replaced by
// the wait in words ("40 seconds", "4 minutes").
func Refuse(field string, after time.Duration, message string) *Wait {
	if strings.Contains(message, "%s") {
		message = fmt.Sprintf(message, Words(after))
	}
	return &Wait{Err: &errs.Error{Code: errs.RateLimited, Field: field, Message: message}, After: after}
}

// Words says a wait as a person would, rounded up: "1 second", "40
// seconds", "1 minute", "15 minutes".
func Words(d time.Duration) string {
	secs := int64((d + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	n, unit := secs, "second"
	if secs > 90 {
		n, unit = (secs+59)/60, "minute"
	}
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// Gate lets one sign-in attempt per account run at a time in this process,
// so a burst of parallel guesses cannot all pass Check before the first
// failure is counted (and the password hashing per account stays serial).
// Waiters give up when their context ends. The zero value is ready to use.
type Gate struct {
	mu sync.Mutex
	m  map[string]*gateEntry
}

type gateEntry struct {
	ch   chan struct{}
	refs int
}

// Lock waits for account's turn; call the returned func when done.
func (g *Gate) Lock(ctx context.Context, account string) (func(), error) {
	g.mu.Lock()
	if g.m == nil {
		g.m = map[string]*gateEntry{}
	}
	e := g.m[account]
	if e == nil {
		e = &gateEntry{ch: make(chan struct{}, 1)}
		g.m[account] = e
	}
	e.refs++
	g.mu.Unlock()
	release := func() {
		g.mu.Lock()
		e.refs--
		if e.refs == 0 {
			delete(g.m, account)
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
