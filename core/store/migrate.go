package store

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/uptrace/bun"
)

// Migrations are one module's forward-only schema changes, embedded in the
// module's package. File names are NNNN_name.sql (both engines),
// NNNN_name.postgres.sql or NNNN_name.sqlite.sql (one engine only); they run
// in name order. A module's migrations run after those of every module with a
// lower Order. Tables owned by a tenant carry a tenant_id column leading
// their primary key, unique constraints and foreign keys; on PostgreSQL,
// Migrate puts a row-level security policy on every such table.
type Migrations struct {
	Module string
	Order  int
	FS     fs.FS
}

var (
	regMu    sync.Mutex
	registry = map[string]Migrations{}
)

// RegisterMigrations adds a module's migrations; packages call it from init.
func RegisterMigrations(m Migrations) {
	regMu.Lock()
	defer regMu.Unlock()
	if old, ok := registry[m.Module]; ok && old.FS != m.FS {
		panic("store: migrations registered twice for " + m.Module)
	}
	registry[m.Module] = m
}

// Registered lists registered modules in run order.
func Registered() []Migrations {
	regMu.Lock()
	defer regMu.Unlock()
	out := make([]Migrations, 0, len(registry))
	for _, m := range registry {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Order != out[j].Order {
			return out[i].Order < out[j].Order
		}
		return out[i].Module < out[j].Module
	})
	return out
}

const migrationLock = 7_262_776_387 // "wasmart" on a phone pad

// Migrate runs every registered migration not yet applied, each file in its
// own transaction, then (PostgreSQL) creates the application role, grants it
// access and enables row-level security on tenant tables. It is safe to run
// concurrently and repeatedly.
func (db *DB) Migrate(ctx context.Context) error {
	if _, err := db.owner.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		module TEXT NOT NULL, version TEXT NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
		PRIMARY KEY (module, version))`); err != nil && !IsUniqueViolation(err) {
		return fmt.Errorf("store: migrations table: %w", err)
	}
	for _, m := range Registered() {
		files, err := db.migrationFiles(m)
		if err != nil {
			return err
		}
		for _, f := range files {
			if err := db.applyFile(ctx, m, f); err != nil {
				return err
			}
		}
	}
	if db.dialect == Postgres {
		return db.secure(ctx)
	}
	return nil
}

func (db *DB) migrationFiles(m Migrations) ([]string, error) {
	entries, err := fs.ReadDir(m.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("store: %s migrations: %w", m.Module, err)
	}
	var files []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".sql") {
			continue
		}
		switch {
		case strings.HasSuffix(n, ".postgres.sql") && db.dialect != Postgres,
			strings.HasSuffix(n, ".sqlite.sql") && db.dialect != SQLite:
			continue
		}
		files = append(files, n)
	}
	sort.Strings(files)
	return files, nil
}

func (db *DB) applyFile(ctx context.Context, m Migrations, name string) error {
	body, err := fs.ReadFile(m.FS, name)
	if err != nil {
		return err
	}
	version := strings.TrimSuffix(path.Base(name), ".sql")
	return db.owner.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if db.dialect == Postgres {
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", migrationLock); err != nil {
				return err
			}
		}
		var n int
		if err := tx.NewRaw("SELECT count(*) FROM schema_migrations WHERE module = ? AND version = ?", m.Module, version).Scan(ctx, &n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("store: migration %s/%s: %w", m.Module, name, err)
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (module, version) VALUES (?, ?)", m.Module, version)
		return err
	})
}

// secure creates the application role and the row-level security policies.
func (db *DB) secure(ctx context.Context) error {
	if db.appRole == "" {
		return nil
	}
	role := quoteIdent(db.appRole)
	return db.owner.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", migrationLock); err != nil {
			return err
		}
		var exists int
		if err := tx.NewRaw("SELECT count(*) FROM pg_roles WHERE rolname = ?", db.appRole).Scan(ctx, &exists); err != nil {
			return err
		}
		if exists == 0 {
			if _, err := tx.ExecContext(ctx, "CREATE ROLE "+role+" NOLOGIN NOSUPERUSER NOBYPASSRLS"); err != nil && !IsUniqueViolation(err) {
				return fmt.Errorf("store: create role: %w", err)
			}
		}
		stmts := []string{
			"GRANT " + role + " TO CURRENT_USER",
			"GRANT USAGE ON SCHEMA public TO " + role,
			"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " + role,
			"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO " + role,
		}
		for _, s := range stmts {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("store: %s: %w", s, err)
			}
		}
		var tables []string
		if err := tx.NewRaw(`SELECT c.table_name FROM information_schema.columns c
			JOIN pg_class k ON k.relname = c.table_name AND k.relnamespace = 'public'::regnamespace
			WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id' AND NOT k.relforcerowsecurity
			ORDER BY 1`).Scan(ctx, &tables); err != nil {
			return err
		}
		for _, t := range tables {
			qt := quoteIdent(t)
			for _, s := range []string{
				"ALTER TABLE " + qt + " ENABLE ROW LEVEL SECURITY",
				"ALTER TABLE " + qt + " FORCE ROW LEVEL SECURITY",
				"CREATE POLICY tenant_isolation ON " + qt + " USING (tenant_id = current_setting('app.tenant_id', true) OR current_setting('app.scope', true) = 'platform')",
			} {
				if _, err := tx.ExecContext(ctx, s); err != nil {
					return fmt.Errorf("store: rls on %s: %w", t, err)
				}
			}
		}
		return nil
	})
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
