package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

// eachOpen runs fn on a fresh migrated database of each engine opened with
// cfg (URL filled in). These tests cause nested acquisitions on purpose, so
// they do not use storetest's databases, which fail a test that has any.
func eachOpen(t *testing.T, cfg store.Config, fn func(t *testing.T, db *store.DB)) {
	t.Run(store.SQLite, func(t *testing.T) {
		c := cfg
		c.URL = "sqlite:" + filepath.Join(t.TempDir(), "guard.db")
		db, err := store.Open(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		fn(t, db)
	})
	t.Run(store.Postgres, func(t *testing.T) {
		c := cfg
		c.URL = storetest.PostgresURL(t)
		db, err := store.Open(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		fn(t, db)
	})
}

// nestedPanic runs f and returns the *store.NestedTxError it panicked
// with (nil if it did not panic).
func nestedPanic(t *testing.T, f func() error) (e *store.NestedTxError) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			var ok bool
			if e, ok = r.(*store.NestedTxError); !ok {
				t.Fatalf("panicked with %T %v", r, r)
			}
		}
	}()
	if err := f(); err != nil {
		t.Fatalf("returned %v instead of panicking", err)
	}
	return nil
}

func insertProbe(ctx context.Context, q bun.IDB, tenant, name string) error {
	_, err := q.NewInsert().Model(&probeItem{TenantID: tenant, ID: store.NewID(), Name: name, Qty: 1}).Exec(ctx)
	return err
}

func probeNames(t *testing.T, db *store.DB, ctx context.Context) []string {
	t.Helper()
	var names []string
	if err := db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model((*probeItem)(nil)).Column("name").Where("tenant_id = ?", "tenant-a").OrderExpr("name").Scan(ctx, &names)
	}); err != nil && !store.NoRows(err) {
		t.Fatal(err)
	}
	return names
}

// TestNestedPoolAcquisitionGuard: in strict mode (what storetest uses),
// taking a second pool connection inside a transaction — Read or Write
// inside a Write or a tenant Read, a query through Raw — panics with what
// and where, and is counted; the outer transaction is rolled back.
// Contexts that are not inside an open transaction of that database pass.
func TestNestedPoolAcquisitionGuard(t *testing.T) {
	eachOpen(t, store.Config{StrictTx: true}, func(t *testing.T, db *store.DB) {
		if !db.StrictTx() {
			t.Fatal("StrictTx not set")
		}
		a := tenancy.WithTenant(context.Background(), "tenant-a")
		noop := func(context.Context, bun.IDB) error { return nil }
		cases := []struct {
			name, op, outer string
			run             func() error
		}{
			{"read in write", "Read", "Write", func() error {
				return db.Write(a, func(ctx context.Context, q bun.IDB) error {
					if err := insertProbe(ctx, q, "tenant-a", "rolled-back"); err != nil {
						return err
					}
					return db.Read(ctx, noop)
				})
			}},
			{"write in write", "Write", "Write", func() error {
				return db.Write(a, func(ctx context.Context, q bun.IDB) error { return db.Write(ctx, noop) })
			}},
			{"unscoped read in write", "Read", "Write", func() error {
				return db.Write(a, func(ctx context.Context, q bun.IDB) error {
					return db.Read(tenancy.WithTenant(ctx, ""), noop)
				})
			}},
			{"read in read", "Read", "Read", func() error {
				return db.Read(a, func(ctx context.Context, q bun.IDB) error { return db.Read(ctx, noop) })
			}},
			{"write in read", "Write", "Read", func() error {
				return db.Read(tenancy.WithPlatform(context.Background()), func(ctx context.Context, q bun.IDB) error { return db.Write(ctx, noop) })
			}},
			{"raw query in write", "Raw query", "Write", func() error {
				return db.Write(a, func(ctx context.Context, q bun.IDB) error {
					_, err := db.Raw().ExecContext(ctx, "SELECT 1")
					return err
				})
			}},
		}
		for i, c := range cases {
			e := nestedPanic(t, c.run)
			if e == nil {
				t.Fatalf("%s: no panic", c.name)
			}
			if e.Op != c.op || e.Outer != c.outer || !strings.Contains(e.Origin, "guard_test.go") || !strings.Contains(e.Site, "guard_test.go") {
				t.Fatalf("%s: %+v", c.name, e)
			}
			if got := db.NestedAcquisitions(); got != int64(i+1) {
				t.Fatalf("%s: counted %d, want %d", c.name, got, i+1)
			}
		}
		if !strings.Contains(db.FirstNested(), "Read at") || !strings.Contains(db.FirstNested(), "goroutine") {
			t.Fatalf("first nested acquisition report: %q", db.FirstNested())
		}
		if names := probeNames(t, db, a); len(names) != 0 {
			t.Fatalf("the panicking transaction committed %v", names)
		}

		// Not nested: a global read (no transaction) inside another; a
		// context kept after its transaction ended; another database.
		before := db.NestedAcquisitions()
		global := context.Background()
		if err := db.Read(global, func(ctx context.Context, q bun.IDB) error { return db.Read(ctx, noop) }); err != nil {
			t.Fatal(err)
		}
		var kept context.Context
		if err := db.Write(a, func(ctx context.Context, q bun.IDB) error { kept = ctx; return nil }); err != nil {
			t.Fatal(err)
		}
		if err := db.Write(kept, func(ctx context.Context, q bun.IDB) error { return insertProbe(ctx, q, "tenant-a", "later") }); err != nil {
			t.Fatal(err)
		}
		other := storetest.SQLite(t)
		if err := db.Write(a, func(ctx context.Context, q bun.IDB) error { return other.Read(ctx, noop) }); err != nil {
			t.Fatal(err)
		}
		if got := db.NestedAcquisitions(); got != before {
			t.Fatalf("legitimate calls counted as nested: %d", got-before)
		}
	})
}

// TestNestedPoolAcquisitionCountedOutsideStrictMode: without strict mode
// (production) a nested acquisition goes ahead as before, and is counted
// (and logged once per call site).
func TestNestedPoolAcquisitionCountedOutsideStrictMode(t *testing.T) {
	t.Setenv(store.StrictTxEnv, "")
	eachOpen(t, store.Config{}, func(t *testing.T, db *store.DB) {
		a := tenancy.WithTenant(context.Background(), "tenant-a")
		for range 3 {
			err := db.Write(a, func(ctx context.Context, q bun.IDB) error {
				return db.Read(ctx, func(context.Context, bun.IDB) error { return nil })
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := db.NestedAcquisitions(); got != 3 {
			t.Fatalf("counted %d, want 3", got)
		}
	})
}

// TestWithinJoinsTheOpenTransaction: Within runs in the transaction the
// context is in (its writes commit or roll back with it) instead of taking
// a second connection; a write inside a read is refused; outside a
// transaction it opens its own.
func TestWithinJoinsTheOpenTransaction(t *testing.T) {
	eachOpen(t, store.Config{StrictTx: true}, func(t *testing.T, db *store.DB) {
		a := tenancy.WithTenant(context.Background(), "tenant-a")
		insert := func(name string) store.Func {
			return func(ctx context.Context, q bun.IDB) error { return insertProbe(ctx, q, "tenant-a", name) }
		}
		// Committed with the outer transaction.
		if err := db.Write(a, func(ctx context.Context, q bun.IDB) error { return db.Within(ctx, true, insert("joined")) }); err != nil {
			t.Fatal(err)
		}
		// Rolled back with it.
		boom := errors.New("boom")
		err := db.Write(a, func(ctx context.Context, q bun.IDB) error {
			if err := db.Within(ctx, true, insert("undone")); err != nil {
				return err
			}
			var seen int
			if err := db.Within(ctx, false, func(ctx context.Context, q bun.IDB) error {
				return q.NewRaw("SELECT count(*) FROM probe_items WHERE tenant_id = ? AND name = ?", "tenant-a", "undone").Scan(ctx, &seen)
			}); err != nil {
				return err
			}
			if seen != 1 {
				t.Errorf("a joined read does not see the transaction's own write")
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		// Writes inside a read are refused, reads join it.
		err = db.Read(a, func(ctx context.Context, q bun.IDB) error {
			if err := db.Within(ctx, false, func(context.Context, bun.IDB) error { return nil }); err != nil {
				return err
			}
			return db.Within(ctx, true, insert("refused"))
		})
		if !errors.Is(err, store.ErrReadOnlyScope) {
			t.Fatalf("write inside a read: %v", err)
		}
		// Outside any transaction: its own.
		if err := db.Within(a, true, insert("alone")); err != nil {
			t.Fatal(err)
		}
		if names := probeNames(t, db, a); strings.Join(names, ",") != "alone,joined" {
			t.Fatalf("rows %v", names)
		}
		// Another tenant's context does not join the transaction: that
		// would be a second connection, which the guard refuses.
		e := nestedPanic(t, func() error {
			return db.Write(a, func(ctx context.Context, q bun.IDB) error {
				return db.Within(tenancy.WithTenant(ctx, "tenant-b"), false, func(context.Context, bun.IDB) error { return nil })
			})
		})
		if e == nil || e.Op != "Read" {
			t.Fatalf("cross-tenant Within: %+v", e)
		}
		if db.NestedAcquisitions() != 1 {
			t.Fatalf("counted %d nested acquisitions, want 1", db.NestedAcquisitions())
		}
	})
}
