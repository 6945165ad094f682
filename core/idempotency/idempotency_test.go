package idempotency_test

import (
	"context"
	"embed"
	"io/fs"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/idempotency"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

//go:embed testdata/migrations/*.sql
var testFS embed.FS

func init() {
	sub, _ := fs.Sub(testFS, "testdata/migrations")
	store.RegisterMigrations(store.Migrations{Module: "idemtest", Order: 1000, FS: sub})
}

func effect(ctx context.Context, q bun.IDB) (idempotency.Response, error) {
	tenant, _ := tenancy.TenantID(ctx)
	id := store.NewID()
	if _, err := q.ExecContext(ctx, "INSERT INTO idem_test_effects (tenant_id, id) VALUES (?, ?)", tenant, id); err != nil {
		return idempotency.Response{}, err
	}
	return idempotency.Response{Status: 201, Body: []byte(`{"id":"` + id + `"}`)}, nil
}

func effects(t *testing.T, db *store.DB, ctx context.Context) int {
	t.Helper()
	var n int
	tenant, _ := tenancy.TenantID(ctx)
	if err := db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw("SELECT count(*) FROM idem_test_effects WHERE tenant_id = ?", tenant).Scan(ctx, &n)
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestConcurrentDuplicatesOneEffect(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := tenancy.WithTenant(context.Background(), "t1")
		svc := idempotency.New(db)
		req := idempotency.Request{Scope: "checkout", Key: "k-1", Body: []byte(`{"cart":"c1"}`)}
		const n = 50
		var wg sync.WaitGroup
		bodies := make([]string, n)
		replays := make([]bool, n)
		errsOut := make([]error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				resp, replayed, err := svc.Do(ctx, req, effect)
				bodies[i], replays[i], errsOut[i] = string(resp.Body), replayed, err
			}(i)
		}
		wg.Wait()
		fresh := 0
		for i := 0; i < n; i++ {
			if errsOut[i] != nil {
				t.Fatalf("call %d: %v", i, errsOut[i])
			}
			if bodies[i] != bodies[0] {
				t.Fatalf("call %d got %s, call 0 got %s", i, bodies[i], bodies[0])
			}
			if !replays[i] {
				fresh++
			}
		}
		if fresh != 1 || effects(t, db, ctx) != 1 {
			t.Fatalf("fresh=%d effects=%d", fresh, effects(t, db, ctx))
		}
		// Different body, same key: 422, no effect.
		_, _, err := svc.Do(ctx, idempotency.Request{Scope: "checkout", Key: "k-1", Body: []byte(`{"cart":"c2"}`)}, effect)
		if !errs.Is(err, errs.Unprocessable) {
			t.Fatalf("different body: %v", err)
		}
		// Another tenant, same key: its own effect.
		other := tenancy.WithTenant(context.Background(), "t2")
		if _, replayed, err := svc.Do(other, req, effect); err != nil || replayed {
			t.Fatalf("other tenant: %v %v", replayed, err)
		}
		// Same key in another scope: independent.
		if _, replayed, err := svc.Do(ctx, idempotency.Request{Scope: "refund", Key: "k-1", Body: req.Body}, effect); err != nil || replayed {
			t.Fatalf("other scope: %v %v", replayed, err)
		}
		// After a "restart" (a new connection pool and service), the replay
		// is byte for byte the same.
		db2, err := store.Open(context.Background(), store.Config{URL: db.URL()})
		if err != nil {
			t.Fatal(err)
		}
		defer db2.Close()
		resp, replayed, err := idempotency.New(db2).Do(ctx, req, effect)
		if err != nil || !replayed || string(resp.Body) != bodies[0] || resp.Status != 201 {
			t.Fatalf("after restart: %v %v %s", err, replayed, resp.Body)
		}
		if effects(t, db, ctx) != 2 {
			t.Fatal("effects leaked")
		}
	})
}

func TestFailedEffectLeavesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := tenancy.WithTenant(context.Background(), "t1")
		svc := idempotency.New(db)
		req := idempotency.Request{Scope: "checkout", Key: "k", Body: []byte("b")}
		_, _, err := svc.Do(ctx, req, func(ctx context.Context, q bun.IDB) (idempotency.Response, error) {
			if _, err := effect(ctx, q); err != nil {
				return idempotency.Response{}, err
			}
			return idempotency.Response{}, errs.E(errs.Conflict, "out of stock")
		})
		if !errs.Is(err, errs.Conflict) || effects(t, db, ctx) != 0 {
			t.Fatalf("%v, effects %d", err, effects(t, db, ctx))
		}
		if _, replayed, err := svc.Do(ctx, req, effect); err != nil || replayed || effects(t, db, ctx) != 1 {
			t.Fatalf("retry: %v %v", replayed, err)
		}
		if err := idempotency.ValidKey(""); err == nil {
			t.Fatal("empty key accepted")
		}
		if _, _, err := svc.Do(ctx, idempotency.Request{Scope: "x", Key: string(make([]byte, 300))}, effect); !errs.Is(err, errs.Invalid) {
			t.Fatalf("long key: %v", err)
		}
	})
}

func TestExpiryAndPurge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := tenancy.WithTenant(context.Background(), "t1")
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		svc := idempotency.New(db)
		svc.Now = func() time.Time { return now }
		svc.TTL = time.Hour // raised to the 24 h minimum
		req := idempotency.Request{Scope: "s", Key: "k", Body: []byte("1")}
		if _, _, err := svc.Do(ctx, req, effect); err != nil {
			t.Fatal(err)
		}
		now = now.Add(23 * time.Hour)
		if _, replayed, _ := svc.Do(ctx, req, effect); !replayed {
			t.Fatal("key forgotten before 24 h")
		}
		now = now.Add(2 * time.Hour)
		// Expired: a different body is a new request now.
		if _, replayed, err := svc.Do(ctx, idempotency.Request{Scope: "s", Key: "k", Body: []byte("2")}, effect); err != nil || replayed {
			t.Fatalf("expired key: %v %v", replayed, err)
		}
		now = now.Add(25 * time.Hour)
		n, err := svc.Purge(context.Background())
		if err != nil || n != 1 {
			t.Fatalf("purge %d %v", n, err)
		}
	})
}

func TestLeases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := tenancy.WithTenant(context.Background(), "t1")
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		var mu sync.Mutex
		svc := idempotency.New(db)
		svc.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		req := idempotency.Request{Scope: "capture", Key: "k", Body: []byte("x")}
		const n = 50
		var wg sync.WaitGroup
		var owners, conflicts int
		var cmu sync.Mutex
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				prev, err := svc.Begin(ctx, req)
				cmu.Lock()
				defer cmu.Unlock()
				switch {
				case err == nil && prev == nil:
					owners++
				case errs.Is(err, errs.Conflict):
					conflicts++
				default:
					t.Errorf("begin: %v %v", prev, err)
				}
			}()
		}
		wg.Wait()
		if owners != 1 || conflicts != n-1 {
			t.Fatalf("owners %d conflicts %d", owners, conflicts)
		}
		// The owner crashed; after the lease a retry takes over.
		mu.Lock()
		now = now.Add(3 * time.Minute)
		mu.Unlock()
		if prev, err := svc.Begin(ctx, req); err != nil || prev != nil {
			t.Fatalf("take over: %v %v", prev, err)
		}
		if err := svc.Finish(ctx, req, idempotency.Response{Status: 200, Body: []byte("ok")}); err != nil {
			t.Fatal(err)
		}
		if prev, err := svc.Begin(ctx, req); err != nil || prev == nil || string(prev.Body) != "ok" {
			t.Fatalf("replay: %v %v", prev, err)
		}
		// Abort frees a key for a fresh attempt.
		req2 := idempotency.Request{Scope: "capture", Key: "k2", Body: []byte("x")}
		if prev, err := svc.Begin(ctx, req2); err != nil || prev != nil {
			t.Fatal(prev, err)
		}
		if err := svc.Abort(ctx, req2); err != nil {
			t.Fatal(err)
		}
		if prev, err := svc.Begin(ctx, req2); err != nil || prev != nil {
			t.Fatal(prev, err)
		}
	})
}
