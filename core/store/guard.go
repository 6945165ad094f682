package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/tenancy"
)

// Nested pool acquisitions.
//
// Code running inside a Read or Write callback holds a pool connection (on
// PostgreSQL, the transaction's; on SQLite, the single writer). If it then
// takes another connection from the same pool — db.Read or db.Write again,
// or a query through Raw — a burst of such calls can hold every connection
// while each waits for one more: the pool deadlocks for good. (It did:
// checkout's transaction read the shop's plugins through a second Read.)
// The rule: nothing run inside a transaction takes another connection; it
// uses the q its callback received, or the data is loaded before the
// transaction opens.
//
// The guard enforces it. The context handed to a callback carries the open
// transaction; Read, Write and Raw queries made with such a context on the
// same DB while the transaction is open are nested acquisitions. A Read that
// touches only global tables (no tenant, no platform scope) is not a
// transaction and marks nothing. A tenant-scoped Read on SQLite is not a
// transaction either, but it is marked like one so that the SQLite test runs
// catch what would deadlock PostgreSQL.
//
// What a nested acquisition does depends on the mode:
//
//   - strict (Config.StrictTx, set by storetest for every test database, or
//     WASMART_STRICT_TX=1 in the environment): it panics with a
//     *NestedTxError naming the operation and where the outer transaction
//     was opened. It is counted too, so a panic something recovers is still
//     seen (storetest fails the test at cleanup when the count is not zero).
//   - otherwise (production): it is counted (NestedAcquisitions), logged
//     once per call site with its stack, and goes ahead as before.
//
// Code that cannot be handed q because the call crosses a boundary with no
// place for it (a plugin's host functions run inside pricing, which runs
// inside checkout's transaction) uses Within, which joins the transaction
// the context is in.

// StrictTxEnv is the environment variable that turns strict mode on for
// every database a process opens ("1").
const StrictTxEnv = "WASMART_STRICT_TX"

type txKey struct{}

// txScope is an open Read or Write callback.
type txScope struct {
	db       *DB
	q        bun.IDB
	write    bool
	tenant   string
	platform bool
	origin   string // where it was opened (strict mode only)
	open     atomic.Bool
}

func (sc *txScope) kind() string {
	if sc.write {
		return "Write"
	}
	return "Read"
}

// NestedTxError is the panic value of a nested acquisition in strict mode.
type NestedTxError struct {
	Op     string // "Read", "Write" or "Raw query"
	Site   string // where it was made
	Outer  string // "Read" or "Write"
	Origin string // where the outer transaction was opened (strict mode)
}

func (e *NestedTxError) Error() string {
	return fmt.Sprintf("store: %s at %s inside a %s callback opened at %s takes a second pool connection while the first is held, "+
		"which deadlocks the pool under load: use the callback's q, or load the data before the transaction opens", e.Op, e.Site, e.Outer, e.Origin)
}

// ErrReadOnlyScope is returned by Within when a write is asked for inside a
// read.
var ErrReadOnlyScope = errors.New("store: cannot write inside a read transaction")

func scopeOf(ctx context.Context) *txScope {
	sc, _ := ctx.Value(txKey{}).(*txScope)
	return sc
}

// openScope is the scope of ctx's transaction on db, or nil.
func (db *DB) openScope(ctx context.Context) *txScope {
	sc := scopeOf(ctx)
	if sc == nil || sc.db != db || !sc.open.Load() {
		return nil
	}
	return sc
}

// run calls fn with ctx marked as inside the transaction q.
func (db *DB) run(ctx context.Context, q bun.IDB, write bool, tenant string, platform bool, fn Func) error {
	sc := &txScope{db: db, q: q, write: write, tenant: tenant, platform: platform}
	if db.strict {
		sc.origin = callerOutsideStore()
	}
	sc.open.Store(true)
	defer sc.open.Store(false)
	return fn(context.WithValue(ctx, txKey{}, sc), q)
}

// checkNested reports a pool acquisition made inside an open transaction
// of db.
func (db *DB) checkNested(ctx context.Context, op string) {
	sc := db.openScope(ctx)
	if sc == nil {
		return
	}
	db.nested.Add(1)
	nestedTotal.Add(1)
	origin := sc.origin
	if origin == "" {
		origin = "(recorded in strict mode only)"
	}
	e := &NestedTxError{Op: op, Site: callerOutsideStore(), Outer: sc.kind(), Origin: origin}
	if _, seen := db.nestedSites.LoadOrStore(e.Site, true); !seen {
		report := e.Error() + "\n" + string(debug.Stack())
		db.firstNested.CompareAndSwap(nil, &report)
		if !db.strict {
			slog.Default().Error(e.Error(), "stack", string(debug.Stack()))
		}
	}
	if db.strict {
		panic(e)
	}
}

// FirstNested describes the first nested acquisition (with its stack), or
// is "" when there was none.
func (db *DB) FirstNested() string {
	if p := db.firstNested.Load(); p != nil {
		return *p
	}
	return ""
}

// NestedAcquisitions is how many pool acquisitions were made inside an
// open transaction of db (see the package's guard notes).
func (db *DB) NestedAcquisitions() int64 { return db.nested.Load() }

// nestedTotal counts nested acquisitions over every database of the
// process, for /metrics.
var nestedTotal atomic.Int64

// NestedAcquisitionsTotal is NestedAcquisitions summed over every database
// the process opened.
func NestedAcquisitionsTotal() int64 { return nestedTotal.Load() }

// StrictTx reports whether a nested acquisition panics.
func (db *DB) StrictTx() bool { return db.strict }

func strictFromEnv() bool { return os.Getenv(StrictTxEnv) == "1" }

// callerOutsideStore is file:line of the first caller outside this package
// (and bun, and the standard library's database/sql).
func callerOutsideStore() string {
	var pcs [24]uintptr
	n := runtime.Callers(3, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if !strings.Contains(f.Function, "wasmart/core/store.") && !strings.Contains(f.Function, "uptrace/bun") &&
			!strings.HasPrefix(f.Function, "database/sql.") {
			return fmt.Sprintf("%s:%d", f.File, f.Line)
		}
		if !more {
			return "unknown"
		}
	}
}

// Within runs fn in the transaction ctx is inside, when that is one of
// db's, still open, scoped to ctx's tenant (or to the platform) and able to
// do what is asked (write: a Write's transaction); fn then gets that
// transaction's q and what it writes commits or rolls back with it. With no
// such transaction it is Read (write false) or Write. A write asked for
// inside a read returns ErrReadOnlyScope rather than take a second
// connection.
//
// It is for code reached from inside a transaction through an interface
// that has no place for q: a plugin's host functions (its key-value data,
// loading its module) run inside pricing, which runs inside checkout's
// transaction. Everything else is handed q.
func (db *DB) Within(ctx context.Context, write bool, fn Func) error {
	if sc := db.openScope(ctx); sc != nil {
		tenant, hasTenant := tenancy.TenantID(ctx)
		if !hasTenant || sc.platform || tenant == sc.tenant {
			if write && !sc.write {
				return ErrReadOnlyScope
			}
			return fn(ctx, sc.q)
		}
	}
	if write {
		return db.Write(ctx, fn)
	}
	return db.Read(ctx, fn)
}

// rawGuard is the query hook of the pool Raw returns: a query through it
// inside an open transaction is a nested acquisition.
type rawGuard struct{ db *DB }

func (g rawGuard) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	g.db.checkNested(ctx, "Raw query")
	return ctx
}

func (rawGuard) AfterQuery(context.Context, *bun.QueryEvent) {}

// nestedState is the guard's per-DB state.
type nestedState struct {
	strict      bool
	nested      atomic.Int64
	nestedSites sync.Map // call site -> true: logged once
	firstNested atomic.Pointer[string]
}
