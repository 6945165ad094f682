package store_test

import (
	"context"
	"embed"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

//go:embed testdata/migrations/*.sql
var probeFS embed.FS

func init() {
	sub, _ := fs.Sub(probeFS, "testdata/migrations")
	store.RegisterMigrations(store.Migrations{Module: "probe", Order: 1000, FS: sub})
}

type probeItem struct {
	bun.BaseModel `bun:"table:probe_items"`
	TenantID      string `bun:"tenant_id,pk"`
	ID            string `bun:"id,pk"`
	Name          string `bun:"name"`
	Qty           int    `bun:"qty"`
}

func TestScopingAndConstraints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := tenancy.WithTenant(ctx, "tenant-a")
		b := tenancy.WithTenant(ctx, "tenant-b")
		for _, c := range []struct {
			ctx  context.Context
			tid  string
			name string
		}{{a, "tenant-a", "apple"}, {b, "tenant-b", "banana"}} {
			err := db.Write(c.ctx, func(ctx context.Context, q bun.IDB) error {
				_, err := q.NewInsert().Model(&probeItem{TenantID: c.tid, ID: store.NewID(), Name: c.name, Qty: 1}).Exec(ctx)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		// Same name in one tenant: unique violation, detected on both engines.
		err := db.Write(a, func(ctx context.Context, q bun.IDB) error {
			_, err := q.NewInsert().Model(&probeItem{TenantID: "tenant-a", ID: store.NewID(), Name: "apple", Qty: 1}).Exec(ctx)
			return err
		})
		if !store.IsUniqueViolation(err) {
			t.Fatalf("want unique violation, got %v", err)
		}
		err = db.Write(a, func(ctx context.Context, q bun.IDB) error {
			_, err := q.NewUpdate().Model((*probeItem)(nil)).Set("qty = qty - 5").Where("tenant_id = ?", "tenant-a").Exec(ctx)
			return err
		})
		if !store.IsCheckViolation(err) {
			t.Fatalf("want check violation, got %v", err)
		}
		// A failed write leaves nothing behind.
		err = db.Write(a, func(ctx context.Context, q bun.IDB) error {
			if _, err := q.NewInsert().Model(&probeItem{TenantID: "tenant-a", ID: store.NewID(), Name: "cherry", Qty: 1}).Exec(ctx); err != nil {
				return err
			}
			_, err := q.NewInsert().Model(&probeItem{TenantID: "tenant-a", ID: store.NewID(), Name: "apple", Qty: 1}).Exec(ctx)
			return err
		})
		if err == nil {
			t.Fatal("want error")
		}
		var n int64
		if err := db.Read(a, func(ctx context.Context, q bun.IDB) error {
			var err error
			n, err = q.NewSelect().Model((*probeItem)(nil)).Where("tenant_id = ?", "tenant-a").Count(ctx)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("tenant-a has %d rows, want 1 (rolled back insert leaked?)", n)
		}
		if db.Dialect() != store.Postgres {
			return
		}
		// Second wall: without a WHERE clause, RLS still shows only the
		// context's tenant; an unscoped context sees nothing; platform sees all.
		count := func(ctx context.Context) int64 {
			var n int64
			if err := db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
				var err error
				n, err = q.NewSelect().Model((*probeItem)(nil)).Count(ctx)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if got := count(a); got != 1 {
			t.Fatalf("RLS: tenant-a sees %d rows, want 1", got)
		}
		if got := count(ctx); got != 0 {
			t.Fatalf("RLS: unscoped sees %d rows, want 0", got)
		}
		if got := count(tenancy.WithPlatform(ctx)); got != 2 {
			t.Fatalf("RLS: platform sees %d rows, want 2", got)
		}
		// Writing another tenant's row from tenant-a's scope is refused.
		err = db.Write(a, func(ctx context.Context, q bun.IDB) error {
			_, err := q.NewInsert().Model(&probeItem{TenantID: "tenant-b", ID: store.NewID(), Name: "x", Qty: 1}).Exec(ctx)
			return err
		})
		if err == nil {
			t.Fatal("RLS: insert into another tenant was allowed")
		}
		var super, bypass bool
		if err := db.Raw().QueryRowContext(ctx, "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user").Scan(&super, &bypass); err != nil {
			t.Fatal(err)
		}
		if super || bypass {
			t.Fatalf("application role is superuser=%v bypassrls=%v", super, bypass)
		}
	})
}

func TestMigrateIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

// TestSQLitePathWithURIChars: a data dir whose name holds '#', '?' or '%'
// opens the file it names, not a different one.
func TestSQLitePathWithURIChars(t *testing.T) {
	dir := t.TempDir() + "/odd#dir?x%41"
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := os.Stat(filepath.Join(dir, "wasmart.db")); err != nil {
		t.Fatalf("database not where the data dir says: %v", err)
	}
}

// TestIDFloor: ids made at or after a time sort at or above its floor,
// ids made before it below (the ledger's "since" ranges rely on it).
func TestIDFloor(t *testing.T) {
	start := time.Now()
	id := store.NewID()
	if floor := store.IDFloor(start); id < floor {
		t.Fatalf("id %s made after %v sorts below its floor %s", id, start, floor)
	}
	if later := store.IDFloor(time.Now().Add(2 * time.Millisecond)); id >= later {
		t.Fatalf("id %s sorts at or above a later floor %s", id, later)
	}
	if got := store.IDFloor(time.UnixMilli(0x0123456789ab)); got != "01234567-89ab-0000-0000-000000000000" {
		t.Fatalf("floor %s", got)
	}
}
