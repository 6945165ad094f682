// Package store opens Wasmart's database and runs work against it with the
// tenant scoping every query needs.
//
// SQLite (pure Go, a file in the data dir) is the embedded default;
// PostgreSQL is chosen by a postgres:// URL. On SQLite, writes go through a
// single connection that begins IMMEDIATE transactions, so writers queue in
// Go instead of failing with SQLITE_BUSY, and reads use a separate pool. On
// PostgreSQL every Read and Write runs in a transaction that first sets
// app.tenant_id (and app.scope for platform work) with set_config(..., true),
// and the connections run as an application role that row-level security
// applies to; migrations run as the URL's own role.
//
// Code never talks to *bun.DB directly: it calls Read or Write, receives a
// bun.IDB, and scopes its own queries by tenancy.TenantID as well; RLS is the
// second wall, not the first. Inside the callback everything goes through
// that q: taking a second pool connection while the first is held can
// deadlock the pool under load, and the guard in guard.go catches it
// (strict mode, which every test database uses, panics).
//
// Tables: the package owns schema_migrations (which migrations ran). Every
// other table belongs to the package whose migrations create it: only that
// package names it in SQL, and others call it (cmd/wasmart's
// TestTableOwnership checks).
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/tenancy"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Dialect names.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// DefaultAppRole is the PostgreSQL role the application's connections switch
// to after connecting: not a superuser, not BYPASSRLS, not the tables' owner.
const DefaultAppRole = "wasmart_app"

// Config says which database to open.
type Config struct {
	// URL is "postgres://..." for PostgreSQL, "sqlite:PATH" or "file:PATH"
	// for SQLite, or empty for SQLite in DataDir.
	URL string
	// DataDir holds the SQLite file when URL is empty.
	DataDir string
	// AppRole overrides DefaultAppRole on PostgreSQL; "-" disables the role
	// switch (only for tools that must act as the owner).
	AppRole string
	// MaxConns caps the pool (PostgreSQL, and SQLite readers). 0 picks a default.
	MaxConns int
	// StrictTx makes a pool acquisition inside an open transaction panic
	// instead of being logged and counted (see guard.go). storetest sets it;
	// so does WASMART_STRICT_TX=1 in the environment.
	StrictTx bool
}

// DB is an open database.
type DB struct {
	dialect string
	w       *bun.DB // writes (and everything on PostgreSQL)
	r       *bun.DB // reads (SQLite only; same as w on PostgreSQL)
	owner   *bun.DB // migrations on PostgreSQL: the URL's own role
	appRole string
	url     string
	raw     *bun.DB // the writer pool behind a nested-acquisition guard
	nestedState
}

// Open opens (and for SQLite creates) the database. It does not migrate.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	db, err := open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	db.strict = cfg.StrictTx || strictFromEnv()
	db.raw = bun.NewDB(db.w.DB, db.w.Dialect()).WithQueryHook(rawGuard{db})
	return db, nil
}

func open(ctx context.Context, cfg Config) (*DB, error) {
	u := cfg.URL
	if strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://") {
		return openPostgres(ctx, cfg)
	}
	path := strings.TrimPrefix(strings.TrimPrefix(u, "sqlite:"), "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i] // options in a URL are ours to set
	}
	if path == "" {
		dir := cfg.DataDir
		if dir == "" {
			dir = "data"
		}
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("store: data dir: %w", err)
		}
		path = filepath.Join(dir, "wasmart.db")
	}
	return openSQLite(ctx, path, cfg.MaxConns)
}

func openSQLite(ctx context.Context, path string, maxConns int) (*DB, error) {
	// The path goes into a file: URI, where '#', '?' and '%' would end or
	// change it.
	path = strings.NewReplacer("%", "%25", "#", "%23", "?", "%3F").Replace(path)
	pragmas := "_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	wdb, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	wdb.SetMaxOpenConns(1) // one writer; others queue in Go
	wdb.SetConnMaxIdleTime(0)
	rdb, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	if maxConns <= 0 {
		maxConns = 8
	}
	rdb.SetMaxOpenConns(maxConns)
	rdb.SetMaxIdleConns(maxConns)
	db := &DB{dialect: SQLite, w: bun.NewDB(wdb, sqlitedialect.New()), r: bun.NewDB(rdb, sqlitedialect.New()), url: "sqlite:" + path}
	db.owner = db.w
	if err := wdb.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: sqlite %s: %w", path, err)
	}
	return db, nil
}

func openPostgres(ctx context.Context, cfg Config) (*DB, error) {
	pcfg, err := pgx.ParseConfig(cfg.URL)
	if err != nil {
		return nil, errs.Field("database_url", "invalid PostgreSQL URL: %v", err)
	}
	// bun writes arguments into the SQL text, so statements rarely repeat:
	// the simple protocol sends each in one round trip instead of preparing
	// (and caching) every distinct text.
	pcfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	role := cfg.AppRole
	if role == "" {
		role = DefaultAppRole
	}
	maxConns := cfg.MaxConns
	if maxConns <= 0 {
		maxConns = 16
	}
	ownerSQL := stdlib.OpenDB(*pcfg.Copy())
	ownerSQL.SetMaxOpenConns(2)
	db := &DB{dialect: Postgres, appRole: role, url: cfg.URL}
	db.owner = bun.NewDB(ownerSQL, pgdialect.New())
	if role == "-" {
		db.appRole = ""
		db.w = db.owner
	} else {
		appSQL := stdlib.OpenDB(*pcfg.Copy(), stdlib.OptionAfterConnect(func(ctx context.Context, c *pgx.Conn) error {
			_, err := c.Exec(ctx, "SET ROLE "+pgx.Identifier{role}.Sanitize())
			return err
		}))
		appSQL.SetMaxOpenConns(maxConns)
		appSQL.SetMaxIdleConns(maxConns)
		db.w = bun.NewDB(appSQL, pgdialect.New())
	}
	db.r = db.w
	if err := ownerSQL.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: postgres: %w", err)
	}
	return db, nil
}

// Dialect is SQLite or Postgres.
func (db *DB) Dialect() string { return db.dialect }

// URL is the URL the database was opened with.
func (db *DB) URL() string { return db.url }

// Close closes every pool.
func (db *DB) Close() error {
	var err error
	for _, b := range []*bun.DB{db.r, db.w, db.owner} {
		if b == nil {
			continue
		}
		if e := b.Close(); e != nil && !strings.Contains(e.Error(), "closed") {
			err = e
		}
	}
	return err
}

// Ping checks that the database answers (used by /readyz).
func (db *DB) Ping(ctx context.Context) error {
	if err := db.r.PingContext(ctx); err != nil {
		return err
	}
	return db.w.PingContext(ctx)
}

// Func is work done against the database; q is a transaction or, for
// unscoped SQLite reads, the pool.
type Func func(ctx context.Context, q bun.IDB) error

// Read runs fn for reading. On PostgreSQL it runs in a read-only
// transaction scoped to the context's tenant (or platform). fn must not
// take another connection (Read, Write) with the context it is given: it
// uses q (see guard.go).
func (db *DB) Read(ctx context.Context, fn Func) error {
	db.checkNested(ctx, "Read")
	tenant, hasTenant := tenancy.TenantID(ctx)
	platform := tenancy.IsPlatform(ctx)
	if !hasTenant && !platform {
		// Global tables only (users, sessions, tenants): RLS would hide
		// every tenant row anyway, so skip the transaction.
		return fn(ctx, db.r)
	}
	if db.dialect == SQLite {
		// Not a transaction, but marked as one: what would nest on
		// PostgreSQL is caught on SQLite too.
		return db.run(ctx, db.r, false, tenant, platform, fn)
	}
	return db.w.RunInTx(ctx, &sql.TxOptions{ReadOnly: true}, func(ctx context.Context, tx bun.Tx) error {
		if err := setScope(ctx, tx, tenant, platform); err != nil {
			return err
		}
		return db.run(ctx, tx, false, tenant, platform, fn)
	})
}

// Write runs fn in one transaction: everything it does commits together or
// not at all. fn must not call Read or Write (or take any other connection)
// with the context it is given: it uses q (see guard.go).
func (db *DB) Write(ctx context.Context, fn Func) error {
	db.checkNested(ctx, "Write")
	tenant, _ := tenancy.TenantID(ctx)
	platform := tenancy.IsPlatform(ctx)
	return db.w.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if db.dialect == Postgres {
			if err := setScope(ctx, tx, tenant, platform); err != nil {
				return err
			}
		}
		return db.run(ctx, tx, true, tenant, platform, fn)
	})
}

func setScope(ctx context.Context, tx bun.Tx, tenant string, platform bool) error {
	scope := ""
	if platform {
		scope = "platform"
	}
	_, err := tx.ExecContext(ctx, "SELECT set_config('app.tenant_id', ?, true), set_config('app.scope', ?, true)", tenant, scope)
	return err
}

// Raw returns the writer pool for tools and tests that need it (benchmarks,
// statement counting). Application code uses Read and Write. A query
// through it inside an open transaction is a nested acquisition (guard.go).
func (db *DB) Raw() *bun.DB { return db.raw }

// AddQueryHook adds a bun query hook to every pool (used to count
// statements). Call it before the DB is shared between goroutines.
func (db *DB) AddQueryHook(h bun.QueryHook) {
	shared := db.r == db.w
	db.w = db.w.WithQueryHook(h)
	if shared {
		db.r = db.w
	} else {
		db.r = db.r.WithQueryHook(h)
	}
	db.raw = db.raw.WithQueryHook(h)
}

// NewID returns a new time-ordered id (UUIDv7, text form).
func NewID() string {
	return uuid.Must(uuid.NewV7()).String()
}

// IDFloor is the smallest id NewID makes in the millisecond of t, so
// "made since t" is a range of a table's time-ordered ids.
func IDFloor(t time.Time) string {
	ms := uint64(t.UnixMilli())
	return fmt.Sprintf("%08x-%04x-0000-0000-000000000000", ms>>16, ms&0xffff)
}

// Now is the current time in UTC truncated to microseconds, which both
// engines store exactly.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// TenantID returns the context's tenant or an error; store code calls it
// before any tenant-scoped query.
func TenantID(ctx context.Context) (string, error) {
	id, ok := tenancy.TenantID(ctx)
	if !ok {
		return "", &errs.Error{Code: errs.Internal, Message: "internal error", Err: errors.New("store: no tenant in context")}
	}
	return id, nil
}

// IsUniqueViolation reports whether err is a unique-constraint violation on
// either engine.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// IsCheckViolation reports whether err is a CHECK-constraint violation.
func IsCheckViolation(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23514"
	}
	return strings.Contains(err.Error(), "CHECK constraint failed")
}

// Existing reports which of ids the tenant has in table, matching them on
// column, in q: one query whatever the number of ids. Only the package that
// owns the table calls it (with its own table's name); others ask that
// package.
func Existing(ctx context.Context, q bun.IDB, table, column, tenantID string, ids []string) (map[string]bool, error) {
	out := make(map[string]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var found []string
	err := q.NewRaw("SELECT ? FROM ? WHERE tenant_id = ? AND ? IN (?)", bun.Ident(column), bun.Ident(table), tenantID, bun.Ident(column), bun.List(ids)).Scan(ctx, &found)
	if err != nil && !NoRows(err) {
		return nil, errs.Wrap(err, "store: existing "+table)
	}
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}

// NoRows reports whether err is sql.ErrNoRows.
func NoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
