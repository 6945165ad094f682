package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

// TestIsUnavailableOnRealOutages is issue 9 item 3 at the storage layer: the
// errors a real outage produces (PostgreSQL's port refusing connections,
// connections cut under an open transaction, the server terminating a
// session; SQLite's file that cannot be opened or stays locked) are
// classified as "unavailable", and ordinary errors are not.
func TestIsUnavailableOnRealOutages(t *testing.T) {
	ctx := tenancy.WithTenant(context.Background(), "tenant-a")
	read := func(db *store.DB) error {
		return db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
			var n int
			return q.NewRaw("SELECT count(*) FROM probe_items").Scan(ctx, &n)
		})
	}
	write := func(db *store.DB) error {
		return db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			_, err := q.NewInsert().Model(&probeItem{TenantID: "tenant-a", ID: store.NewID(), Name: store.NewID(), Qty: 1}).Exec(ctx)
			return errs.Wrap(err, "probe insert") // as domain code wraps it
		})
	}

	t.Run("postgres down", func(t *testing.T) {
		db, relay := storetest.PostgresBehindRelay(t)
		if err := write(db); err != nil {
			t.Fatal(err)
		}
		relay.Down()
		for name, err := range map[string]error{"read": read(db), "write": write(db), "ping": db.Ping(ctx)} {
			if !store.IsUnavailable(err) {
				t.Errorf("%s with the server unreachable: %s not classified unavailable", name, chain(err))
			}
		}
		relay.Up(t)
		if err := write(db); err != nil {
			t.Fatalf("write after the server came back: %v", err)
		}
	})

	t.Run("postgres cut under a transaction", func(t *testing.T) {
		db, relay := storetest.PostgresBehindRelay(t)
		err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			if _, err := q.NewInsert().Model(&probeItem{TenantID: "tenant-a", ID: store.NewID(), Name: "cut", Qty: 1}).Exec(ctx); err != nil {
				return err
			}
			relay.Down()
			_, err := q.NewInsert().Model(&probeItem{TenantID: "tenant-a", ID: store.NewID(), Name: "cut2", Qty: 1}).Exec(ctx)
			return errs.Wrap(err, "probe insert")
		})
		if !store.IsUnavailable(err) {
			t.Errorf("a connection cut under a transaction: %s not classified unavailable", chain(err))
		}
	})

	t.Run("postgres cut under a query", func(t *testing.T) {
		db, relay := storetest.PostgresBehindRelay(t)
		go func() { time.Sleep(200 * time.Millisecond); relay.Down() }()
		err := db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
			_, err := q.ExecContext(ctx, "SELECT pg_sleep(5)")
			return errs.Wrap(err, "probe")
		})
		if !store.IsUnavailable(err) {
			t.Errorf("a connection cut under a query: %s not classified unavailable", chain(err))
		}
	})

	t.Run("postgres terminates the session", func(t *testing.T) {
		url := storetest.PostgresURL(t)
		db, err := store.Open(context.Background(), store.Config{URL: url})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		admin, err := sql.Open("pgx", url)
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close()
		err = db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			var pid int
			if err := q.NewRaw("SELECT pg_backend_pid()").Scan(ctx, &pid); err != nil {
				return err
			}
			if _, err := admin.Exec("SELECT pg_terminate_backend($1)", pid); err != nil {
				t.Fatal(err)
			}
			_, err := q.ExecContext(ctx, "SELECT 1")
			return errs.Wrap(err, "probe")
		})
		if !store.IsUnavailable(err) {
			t.Errorf("a terminated session: %s not classified unavailable", chain(err))
		}
	})

	t.Run("sqlite cannot open", func(t *testing.T) {
		_, err := store.Open(context.Background(), store.Config{URL: "sqlite:" + filepath.Join(t.TempDir(), "gone", "dir", "wasmart.db")})
		if !store.IsUnavailable(err) {
			t.Errorf("a database file that cannot be opened: %s not classified unavailable", chain(err))
		}
	})

	t.Run("sqlite locked", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "locked.db")
		open := func() *sql.DB {
			d, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(0)&_pragma=journal_mode(WAL)")
			if err != nil {
				t.Fatal(err)
			}
			d.SetMaxOpenConns(1)
			t.Cleanup(func() { d.Close() })
			return d
		}
		a, b := open(), open()
		if _, err := a.Exec("CREATE TABLE x (n INTEGER)"); err != nil {
			t.Fatal(err)
		}
		tx, err := a.Begin()
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.Exec("INSERT INTO x VALUES (1)"); err != nil {
			t.Fatal(err)
		}
		_, err = b.Exec("INSERT INTO x VALUES (2)")
		if err == nil {
			t.Fatal("a second writer got through a held write lock")
		}
		if !store.IsUnavailable(errs.Wrap(err, "insert")) {
			t.Errorf("a database locked beyond the busy timeout: %s not classified unavailable", chain(err))
		}
	})

	t.Run("deadline while waiting for a connection", func(t *testing.T) {
		db := storetest.SQLite(t)
		dctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		held, hold := make(chan struct{}), make(chan struct{})
		go db.Write(ctx, func(ctx context.Context, q bun.IDB) error { close(held); <-hold; return nil })
		<-held // the one SQLite writer connection is taken
		err := db.Write(dctx, func(ctx context.Context, q bun.IDB) error { return nil })
		close(hold)
		if !store.IsUnavailable(err) {
			t.Errorf("a deadline while waiting for the writer: %s not classified unavailable", chain(err))
		}
	})

	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if err := write(db); err != nil {
			t.Fatal(err)
		}
		dup := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			_, err := q.NewInsert().Model(&probeItem{TenantID: "tenant-a", ID: store.NewID(), Name: "same", Qty: 1}).Exec(ctx)
			if err != nil {
				return err
			}
			_, err = q.NewInsert().Model(&probeItem{TenantID: "tenant-a", ID: store.NewID(), Name: "same", Qty: 1}).Exec(ctx)
			return err
		})
		badSQL := db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
			_, err := q.ExecContext(ctx, "SELECT no_such_column FROM probe_items")
			return err
		})
		noRows := db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
			var p probeItem
			return q.NewSelect().Model(&p).Where("id = ?", "none").Scan(ctx)
		})
		for name, err := range map[string]error{"unique violation": dup, "bad SQL": badSQL, "no rows": noRows,
			"input error": errs.Field("title", "is required"), "plain": errors.New("boom"), "canceled": context.Canceled} {
			if err == nil {
				t.Fatalf("%s: no error", name)
			}
			if store.IsUnavailable(err) {
				t.Errorf("%s (%v) classified unavailable", name, err)
			}
		}
		if store.IsUnavailable(nil) {
			t.Error("nil classified unavailable")
		}
	})
}

// chain prints an error and the types it wraps.
func chain(err error) string {
	s := fmt.Sprintf("%v [", err)
	for e := err; e != nil; e = errors.Unwrap(e) {
		s += fmt.Sprintf(" %T", e)
	}
	return s + " ]"
}
