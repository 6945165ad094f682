// Package audit is the audit log: who did what to which object in which
// shop, when and from where, with a short before/after summary. Record takes
// the caller's transaction so an entry exists exactly when the change it
// describes committed. That is the one way entries are written: the service
// that makes an audited change (catalog, inventory, customer, design,
// content, promotion, tenants, plugins) calls Record inside the change's
// transaction, with the actor and IP the context carries
// (tenancy.WithActor, set by the web layer per request). An action that
// changes no data but must be accounted for (an export, a preview link) is
// recorded in the transaction of the service call that performs it, which
// fails when the entry cannot be written. Nothing records after a commit.
//
// List filters by actor, action, object and time range with cursor
// pagination (newest first); callers check that the principal may read the
// log (audit.read: owners and administrators).
//
// Entries for platform-level actions that belong to no shop (e.g. a platform
// admin created) use tenant_id ”.
//
// Tables: the package owns audit_log; no other package names it in SQL.
package audit

import (
	"context"
	"embed"
	"io/fs"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

func init() {
	sub, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		panic(err)
	}
	// The module keeps the name it had under tenants/ so databases that
	// applied its migrations there do not run them again.
	store.RegisterMigrations(store.Migrations{Module: "tenants_audit", Order: 10, FS: sub})
}

// Entry is one audit record.
type Entry struct {
	bun.BaseModel `bun:"table:audit_log"`

	TenantID   string    `bun:"tenant_id,pk"`
	ID         string    `bun:"id,pk"`
	ActorKind  string    `bun:"actor_kind"` // staff, token, platform, system
	ActorID    string    `bun:"actor_id"`
	ActorName  string    `bun:"actor_name"`
	Action     string    `bun:"action"` // e.g. "staff.invite", "role.update"
	ObjectType string    `bun:"object_type"`
	ObjectID   string    `bun:"object_id"`
	Before     string    `bun:"before_summary"`
	After      string    `bun:"after_summary"`
	IP         string    `bun:"ip"`
	At         time.Time `bun:"at"`
}

const maxSummary = 500

// Record writes e in the caller's transaction q. Missing actor fields come
// from tenancy.ActorFrom(ctx); ID and At are set here. Summaries are cut to
// 500 characters.
func Record(ctx context.Context, q bun.IDB, e Entry) error {
	if e.Action == "" {
		return errs.Wrap(errs.E(errs.Internal, "audit: empty action"), "audit.Record")
	}
	a := tenancy.ActorFrom(ctx)
	if e.ActorKind == "" {
		e.ActorKind = a.Kind
	}
	if e.ActorID == "" {
		e.ActorID = a.ID
	}
	if e.ActorName == "" {
		e.ActorName = a.Name
	}
	if e.IP == "" {
		e.IP = a.IP
	}
	e.Before = cut(e.Before)
	e.After = cut(e.After)
	e.ID = store.NewID()
	e.At = store.Now()
	_, err := q.NewInsert().Model(&e).Exec(ctx)
	return errs.Wrap(err, "audit.Record")
}

func cut(s string) string {
	if len(s) <= maxSummary {
		return s
	}
	s = s[:maxSummary]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// Filter selects entries of one tenant.
type Filter struct {
	TenantID   string // required ("" for platform entries)
	ActorID    string
	Action     string // exact, or a prefix ending in "." or "*" ("staff." / "staff.*")
	ObjectType string
	ObjectID   string
	From, To   time.Time // inclusive/exclusive; zero = open
	Cursor     string    // Next from the previous page
	Limit      int       // default 50, max 200
}

// Page is one page of entries, newest first.
type Page struct {
	Entries []Entry
	Next    string
}

// List returns entries matching f, newest first.
func List(ctx context.Context, db *store.DB, f Filter) (Page, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	if limit > 200 {
		limit = 200
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return Page{}, errs.Field("from", "must be before to")
	}
	var p Page
	rctx := ctx
	if f.TenantID != "" {
		rctx = tenancy.WithTenant(ctx, f.TenantID)
	} else {
		rctx = tenancy.WithPlatform(ctx)
	}
	err := db.Read(rctx, func(ctx context.Context, q bun.IDB) error {
		sel := q.NewSelect().Model(&p.Entries).Where("tenant_id = ?", f.TenantID)
		if f.ActorID != "" {
			sel.Where("actor_id = ?", f.ActorID)
		}
		if a := f.Action; a != "" {
			if strings.HasSuffix(a, "*") || strings.HasSuffix(a, ".") {
				prefix := strings.TrimSuffix(a, "*")
				sel.Where("substr(action, 1, ?) = ?", len(prefix), prefix)
			} else {
				sel.Where("action = ?", a)
			}
		}
		if f.ObjectType != "" {
			sel.Where("object_type = ?", f.ObjectType)
		}
		if f.ObjectID != "" {
			sel.Where("object_id = ?", f.ObjectID)
		}
		// IDs are UUIDv7: ordering by id is ordering by time, and the
		// cursor is the last id seen.
		if !f.From.IsZero() {
			sel.Where("at >= ?", f.From.UTC())
		}
		if !f.To.IsZero() {
			sel.Where("at < ?", f.To.UTC())
		}
		if f.Cursor != "" {
			sel.Where("id < ?", f.Cursor)
		}
		return sel.OrderExpr("id DESC").Limit(int64(limit + 1)).Scan(ctx)
	})
	if err != nil {
		return Page{}, errs.Wrap(err, "audit.List")
	}
	if len(p.Entries) > limit {
		p.Entries = p.Entries[:limit]
		p.Next = p.Entries[limit-1].ID
	}
	return p, nil
}
