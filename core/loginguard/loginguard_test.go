package loginguard

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

func TestDelayAndWords(t *testing.T) {
	for f, want := range map[int]time.Duration{0: 0, FreeFailures - 1: 0, FreeFailures: FirstDelay, FreeFailures + 1: 2 * FirstDelay,
		FreeFailures + 4: 8 * time.Minute, FreeFailures + 5: MaxDelay, FreeFailures + 500: MaxDelay} {
		if got := Delay(f); got != want {
			t.Errorf("Delay(%d) = %s, want %s", f, got, want)
		}
	}
	for d, want := range map[time.Duration]string{0: "1 second", 400 * time.Millisecond: "1 second", 30 * time.Second: "30 seconds",
		90 * time.Second: "90 seconds", 91 * time.Second: "2 minutes", MaxDelay: "15 minutes"} {
		if got := Words(d); got != want {
			t.Errorf("Words(%s) = %q, want %q", d, got, want)
		}
	}
	w := Refuse("password", 4*time.Minute, "wait %s please")
	if w.Err.Message != "wait 4 minutes please" || w.RetryAfter() != 4*time.Minute || w.Err.Field != "password" {
		t.Fatalf("Refuse: %+v", w)
	}
}

// TestGuardStorage drives the counters, devices and purge on both engines.
func TestGuardStorage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
		write := func(fn store.Func) {
			t.Helper()
			if err := db.Write(ctx, fn); err != nil {
				t.Fatal(err)
			}
		}
		check := func(account string, known bool) time.Duration {
			t.Helper()
			var d time.Duration
			write(func(ctx context.Context, q bun.IDB) (err error) {
				d, err = Check(ctx, q, account, known, now)
				return err
			})
			return d
		}
		for range FreeFailures {
			if d := check("a", false); d != 0 {
				t.Fatalf("paced before %d failures: %s", FreeFailures, d)
			}
			write(func(ctx context.Context, q bun.IDB) error { return Failed(ctx, q, "a", now) })
		}
		if d := check("a", false); d != FirstDelay {
			t.Fatalf("after %d failures: wait %s, want %s", FreeFailures, d, FirstDelay)
		}
		if d := check("a", true); d != 0 || check("b", false) != 0 {
			t.Fatal("a known device, or another account, must not wait")
		}

		var dev string
		write(func(ctx context.Context, q bun.IDB) (err error) {
			dev, err = Remember(ctx, q, "a", "wsd_"+strings.Repeat("x", 43), now)
			return err
		})
		if dev == "wsd_"+strings.Repeat("x", 43) || !wellFormed(dev) {
			t.Fatalf("a token the server did not issue was adopted: %q", dev)
		}
		known := func(account, device string) bool {
			t.Helper()
			var ok bool
			write(func(ctx context.Context, q bun.IDB) (err error) {
				ok, err = Known(ctx, q, account, device, now)
				return err
			})
			return ok
		}
		if !known("a", dev) || known("b", dev) || known("a", "") || known("a", "wsd_"+strings.Repeat("y", 43)) {
			t.Fatal("Known")
		}

		// Purge keeps what is live and drops what is over.
		write(func(ctx context.Context, q bun.IDB) error { return Purge(ctx, q, now) })
		if !known("a", dev) || check("a", false) == 0 {
			t.Fatal("purge dropped live rows")
		}
		now = now.Add(DeviceTTL + time.Hour)
		write(func(ctx context.Context, q bun.IDB) error { return Purge(ctx, q, now) })
		var n int64
		write(func(ctx context.Context, q bun.IDB) (err error) {
			n, err = q.NewSelect().Table("login_guard_accounts").Count(ctx)
			if err != nil || n > 0 {
				return err
			}
			n, err = q.NewSelect().Table("login_guard_devices").Count(ctx)
			return err
		})
		if n != 0 {
			t.Fatalf("%d stale rows after purge", n)
		}
	})
}

// TestGateSerialisesOneAccount: attempts on one account run one at a time;
// other accounts are not held up; a waiter gives up with its context.
func TestGateSerialisesOneAccount(t *testing.T) {
	var g Gate
	ctx := context.Background()
	unlock, err := g.Lock(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if u, err := g.Lock(ctx, "b"); err != nil {
		t.Fatal(err)
	} else {
		u()
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := g.Lock(cctx, "a"); err == nil {
		t.Fatal("a second holder of account a")
	}
	var wg sync.WaitGroup
	got := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		u, err := g.Lock(ctx, "a")
		if err == nil {
			close(got)
			u()
		}
	}()
	select {
	case <-got:
		t.Fatal("the lock was not held")
	default:
	}
	unlock()
	wg.Wait()
	select {
	case <-got:
	default:
		t.Fatal("the waiter never got the lock")
	}
	if len(g.m) != 0 {
		t.Fatalf("gate keeps %d entries", len(g.m))
	}
}
