package tenants_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/tenants/perm"
)

type counter struct{ n atomic.Int64 }

func (c *counter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }
func (c *counter) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	q := strings.ToUpper(strings.TrimSpace(e.Query))
	if strings.HasPrefix(q, "SELECT SET_CONFIG") || q == "BEGIN" || q == "COMMIT" || q == "ROLLBACK" {
		return // transaction plumbing
	}
	c.n.Add(1)
}

// TestAuthQueryCount pins the cost of authenticating a request: one query
// on a cold cache, none while cached, one write a minute at most.
func TestAuthQueryCount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, clk := newService(t, db)
		ctx := context.Background()
		_, u := signup(t, s, "qcount")
		owner := login(t, s, u.Email, goodPassword, "1.1.1.1")
		_, secret, err := s.CreateToken(ctx, owner, "ci", perm.Analyst)
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Login(ctx, loginIn(u.Email))
		if err != nil {
			t.Fatal(err)
		}
		c := &counter{}
		db.AddQueryHook(c)
		measure := func(name string, want int64, fn func() error) {
			t.Helper()
			c.n.Store(0)
			if err := fn(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if got := c.n.Load(); got != want {
				t.Fatalf("%s: %d statements, want %d", name, got, want)
			}
		}
		authS := func() error { _, err := s.AuthenticateSession(ctx, res.Token); return err }
		authT := func() error { _, err := s.AuthenticateToken(ctx, secret); return err }
		measure("session, cold", 1, authS)
		measure("session, cached", 0, authS)
		measure("token, first use (last-used write)", 2, authT)
		measure("token, cached", 0, authT)
		clk.add(15 * time.Second)
		measure("session, cache expired", 1, authS)
		measure("token, cache expired", 1, authT)
		clk.add(time.Minute)
		measure("session, touch", 2, authS)
	})
}
