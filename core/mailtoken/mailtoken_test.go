package mailtoken_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/mailtoken"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

// TestIssueRedeem: links are throttled per subject, work once, expire,
// and never work for another shop or purpose; of concurrent uses of one
// link exactly one wins.
func TestIssueRedeem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := tenancy.WithTenant(context.Background(), "shop1")
		t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		issue := func(subject string, now time.Time) string {
			var tok string
			if err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
				var err error
				tok, err = mailtoken.Issue(ctx, q, mailtoken.Request{TenantID: "shop1", Purpose: mailtoken.CustomerPasswordReset, Subject: subject, TTL: time.Hour, MaxLive: 2, Now: now})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return tok
		}
		redeem := func(ctx context.Context, tenant string, p mailtoken.Purpose, tok string, now time.Time) (string, error) {
			var sub string
			err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
				var err error
				sub, err = mailtoken.Redeem(ctx, q, tenant, p, tok, now)
				return err
			})
			return sub, err
		}
		a, b := issue("c1", t0), issue("c1", t0)
		if a == "" || b == "" || a == b {
			t.Fatalf("tokens %q %q", a, b)
		}
		if c := issue("c1", t0); c != "" {
			t.Fatal("third live link issued")
		}
		if _, err := redeem(ctx, "shop1", mailtoken.CustomerVerifyEmail, a, t0); err != mailtoken.ErrInvalid {
			t.Fatalf("other purpose: %v", err)
		}
		if _, err := redeem(tenancy.WithTenant(context.Background(), "shop2"), "shop2", mailtoken.CustomerPasswordReset, a, t0); err != mailtoken.ErrInvalid {
			t.Fatalf("other shop: %v", err)
		}
		if _, err := redeem(ctx, "shop1", mailtoken.CustomerPasswordReset, b, t0.Add(time.Hour)); err != mailtoken.ErrInvalid {
			t.Fatalf("expired: %v", err)
		}
		var won atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if sub, err := redeem(ctx, "shop1", mailtoken.CustomerPasswordReset, a, t0.Add(time.Minute)); err == nil && sub == "c1" {
					won.Add(1)
				} else if err != mailtoken.ErrInvalid {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if won.Load() != 1 {
			t.Fatalf("%d uses of one link", won.Load())
		}
		// Used and expired links no longer count against the subject.
		if c := issue("c1", t0.Add(2*time.Hour)); c == "" {
			t.Fatal("throttled after the links ended")
		}
		if err := db.Write(tenancy.WithPlatform(context.Background()), func(ctx context.Context, q bun.IDB) error {
			return mailtoken.Purge(ctx, q, t0.Add(90*time.Minute))
		}); err != nil {
			t.Fatal(err)
		}
	})
}
