// Package inventory keeps stock per variant per location, explains every
// number with a movements ledger, and reserves stock for checkouts.
//
// Stock never goes negative unless the variant allows backorder. Every
// change is a conditional UPDATE (… WHERE available + delta >= 0 …) whose
// affected-row count decides success, so concurrent buyers cannot both take
// the last unit on either engine (SQLite serialises writers; PostgreSQL
// re-checks the WHERE clause on the locked row). CHECK constraints on the
// table are the second wall: reserved >= 0, on_hand = available + reserved,
// and available >= 0 unless the row's backorder flag (refreshed from the
// variant by every update) is set. The ledger row is written in the same
// transaction as the level change, so summing a variant's movements always
// gives its current level.
//
// Reservations hold stock for a checkout until they are committed (sold),
// released, or expire (ExpireDue, run periodically). The *In methods run
// inside a caller's transaction so an order and its reservation commit
// together with the caller's outbox event.
//
// A variant's safety stock, allow-backorder flag and whether its inventory
// is tracked live on the catalog variant; this package asks core/catalog
// for them (catalog.VariantSummaries, and catalog.MayGoNegativeSQL inside
// its conditional UPDATE) and implements catalog.StockSource and
// catalog.StockSink. An untracked variant is treated like a backorder one:
// never refused for stock, never reported low.
//
// Tables: the package owns inventory_locations, inventory_levels,
// inventory_movements and inventory_reservations, and the reorder
// settings of the insight (insight.go), inventory_reorder_settings and
// inventory_reorder_variants; other packages ask it
// (StockFor, ReservationsIn, Stocked, the StockColumns AvailableSQL and
// SellableSQL) and never name them in SQL.
package inventory

import (
	"context"
	"embed"
	"io/fs"
	"strconv"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

func init() {
	sub, _ := fs.Sub(migrationsFS, "migrations")
	store.RegisterMigrations(store.Migrations{Module: "inventory", Order: 21, FS: sub})
}

// Kind is a movement's kind.
type Kind string

// Movement kinds.
const (
	Received Kind = "received" // goods in: on_hand and available up
	Adjusted Kind = "adjusted" // stock take, damage, correction (with a reason)
	Reserved Kind = "reserved" // available → reserved
	Released Kind = "released" // reserved → available (released or expired)
	Sold     Kind = "sold"     // reserved (or available) → gone
	Returned Kind = "returned" // back into stock after a return
)

// LowStockAlert is raised when a variant's total available stock falls to
// or below its safety stock.
type LowStockAlert struct {
	TenantID    string
	VariantID   string
	ProductID   string
	SKU         string
	Available   int64
	SafetyStock int64
	At          time.Time
}

// LowStockNotifier is told about low stock inside the transaction that
// caused it (an outbox writer inserts its event there).
type LowStockNotifier interface {
	LowStock(ctx context.Context, q bun.IDB, a LowStockAlert) error
}

// Options configure a Service.
type Options struct {
	Notifier LowStockNotifier
	// ReservationTTL is used when a reservation names none (default 15 min).
	ReservationTTL time.Duration
	Now            func() time.Time
}

// Service manages inventory for every shop; calls act on the context's tenant.
type Service struct {
	db   *store.DB
	opts Options
}

// New returns a Service.
func New(db *store.DB, opts Options) *Service {
	if opts.ReservationTTL == 0 {
		opts.ReservationTTL = 15 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = store.Now
	}
	return &Service{db: db, opts: opts}
}

var (
	_ catalog.StockSource = (*Service)(nil)
	_ catalog.StockSink   = (*Service)(nil)
)

func (s *Service) now() time.Time { return s.opts.Now().UTC().Truncate(time.Microsecond) }

// ErrInsufficient is returned (as an *errs.Error with code Conflict) when
// stock is not there.
func insufficient(field string) error {
	return &errs.Error{Code: errs.Conflict, Field: field, Message: "not enough stock"}
}

// Location is a place stock is kept.
type Location struct {
	ID        string
	Name      string
	Code      string
	IsDefault bool
	Active    bool
}

type locationRow struct {
	bun.BaseModel `bun:"table:inventory_locations"`
	TenantID      string    `bun:"tenant_id,pk"`
	ID            string    `bun:"id,pk"`
	Name          string    `bun:"name"`
	Code          string    `bun:"code"`
	IsDefault     bool      `bun:"is_default"`
	Active        bool      `bun:"active"`
	CreatedAt     time.Time `bun:"created_at"`
}

// CreateLocation adds a location; the shop's first one becomes the default.
func (s *Service) CreateLocation(ctx context.Context, name, code string) (*Location, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if name == "" || len(name) > 255 {
		return nil, errs.Field("name", "is required (at most 255 characters)")
	}
	row := &locationRow{TenantID: tid, ID: store.NewID(), Name: name, Code: code, Active: true, CreatedAt: s.now()}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		n, err := q.NewSelect().Table("inventory_locations").Where("tenant_id = ?", tid).Count(ctx)
		if err != nil {
			return errs.Wrap(err, "inventory: location")
		}
		row.IsDefault = n == 0
		_, err = q.NewInsert().Model(row).Exec(ctx)
		if store.IsUniqueViolation(err) {
			return &errs.Error{Code: errs.Conflict, Field: "name", Message: "another location has this name"}
		}
		if err != nil {
			return errs.Wrap(err, "inventory: location")
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "location.create", ObjectType: "location", ObjectID: row.ID, After: row.Name})
	})
	if err != nil {
		return nil, err
	}
	return &Location{ID: row.ID, Name: row.Name, Code: row.Code, IsDefault: row.IsDefault, Active: true}, nil
}

// Locations lists the shop's locations, default first.
func (s *Service) Locations(ctx context.Context) ([]Location, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var rows []locationRow
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&rows).Where("tenant_id = ?", tid).OrderExpr("is_default DESC, name").Scan(ctx)
	})
	if err != nil {
		return nil, errs.Wrap(err, "inventory: locations")
	}
	out := make([]Location, len(rows))
	for i, r := range rows {
		out[i] = Location{ID: r.ID, Name: r.Name, Code: r.Code, IsDefault: r.IsDefault, Active: r.Active}
	}
	return out, nil
}

// defaultLocation returns the default location, creating "Default" for a
// shop that has none.
func (s *Service) defaultLocation(ctx context.Context, q bun.IDB, tid string) (string, error) {
	var id string
	err := q.NewRaw("SELECT id FROM inventory_locations WHERE tenant_id = ? ORDER BY is_default DESC, created_at LIMIT 1", tid).Scan(ctx, &id)
	if err == nil {
		return id, nil
	}
	if !store.NoRows(err) {
		return "", errs.Wrap(err, "inventory: default location")
	}
	id = store.NewID()
	_, err = q.NewInsert().Model(&locationRow{TenantID: tid, ID: id, Name: "Default", IsDefault: true, Active: true, CreatedAt: s.now()}).Exec(ctx)
	return id, errs.Wrap(err, "inventory: default location")
}

// delta is a change to one level row.
type delta struct {
	onHand, available, reserved int64
}

type move struct {
	variant, location string
	kind              Kind
	d                 delta
	reason, ref       string
	reservation       string
}

// apply changes one level conditionally and writes the ledger row. It
// returns insufficient stock when the change would make available or
// reserved negative (available may go negative for backorder variants).
// Whether the variant may go below zero is the catalog's to say: the
// UPDATE asks it in the same statement (catalog.MayGoNegativeSQL).
func (s *Service) apply(ctx context.Context, q bun.IDB, tid string, m move) error {
	now := s.now()
	backorder := catalog.MayGoNegativeSQL("?", "?")
	res, err := q.NewRaw(`UPDATE inventory_levels
		SET on_hand = on_hand + ?, available = available + ?, reserved = reserved + ?, backorder = `+backorder+`, updated_at = ?
		WHERE tenant_id = ? AND variant_id = ? AND location_id = ?
		  AND (available + ? >= 0 OR ? >= 0 OR `+backorder+`)
		  AND reserved + ? >= 0`,
		m.d.onHand, m.d.available, m.d.reserved, tid, m.variant, now,
		tid, m.variant, m.location,
		m.d.available, m.d.available, tid, m.variant,
		m.d.reserved).Exec(ctx)
	if err != nil {
		if store.IsCheckViolation(err) {
			return insufficient("quantity")
		}
		return errs.Wrap(err, "inventory: update level")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		// No row yet: create it when the change only adds stock (or the
		// variant allows backorder), else there is nothing to take.
		var exists int
		err := q.NewRaw("SELECT COUNT(*) FROM inventory_levels WHERE tenant_id = ? AND variant_id = ? AND location_id = ?", tid, m.variant, m.location).Scan(ctx, &exists)
		if err != nil {
			return errs.Wrap(err, "inventory: level")
		}
		if exists > 0 || m.d.reserved < 0 {
			return insufficient("quantity")
		}
		vs, err := catalog.VariantSummaries(ctx, q, tid, []string{m.variant}, nil)
		if err != nil {
			return err
		}
		v, ok := vs[m.variant]
		if !ok {
			return errs.NotFoundf("variant not found")
		}
		if err := q.NewRaw("SELECT COUNT(*) FROM inventory_locations WHERE tenant_id = ? AND id = ?", tid, m.location).Scan(ctx, &exists); err != nil {
			return errs.Wrap(err, "inventory: location")
		}
		if exists == 0 {
			return errs.NotFoundf("location not found")
		}
		// Only a backorder variant may start below zero; checked here so a
		// CHECK failure never aborts the caller's transaction.
		if (m.d.available < 0 || m.d.onHand < 0) && !v.MayGoNegative {
			return insufficient("quantity")
		}
		_, err = q.NewRaw(`INSERT INTO inventory_levels (tenant_id, variant_id, location_id, on_hand, available, reserved, backorder, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			tid, m.variant, m.location, m.d.onHand, m.d.available, m.d.reserved, v.MayGoNegative, now).Exec(ctx)
		if store.IsCheckViolation(err) {
			return insufficient("quantity")
		}
		if err != nil {
			return errs.Wrap(err, "inventory: insert level")
		}
	}
	actor := tenancy.ActorFrom(ctx)
	_, err = q.NewRaw(`INSERT INTO inventory_movements (tenant_id, id, variant_id, location_id, kind, on_hand_delta, available_delta, reserved_delta, reason, ref, reservation_id, actor_kind, actor_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tid, store.NewID(), m.variant, m.location, string(m.kind), m.d.onHand, m.d.available, m.d.reserved, m.reason, m.ref, m.reservation, actor.Kind, actor.ID, now).Exec(ctx)
	if err != nil {
		return errs.Wrap(err, "inventory: movement")
	}
	if m.d.available < 0 && s.opts.Notifier != nil {
		return s.checkLow(ctx, q, tid, m.variant, m.d.available, now)
	}
	return nil
}

// checkLow notifies when a decrease crossed the safety-stock threshold.
func (s *Service) checkLow(ctx context.Context, q bun.IDB, tid, variant string, dAvail int64, now time.Time) error {
	vs, err := catalog.VariantSummaries(ctx, q, tid, []string{variant}, AvailableSQL)
	if err != nil {
		return err
	}
	v, ok := vs[variant]
	if !ok || !v.Tracked {
		return nil // not tracked: no stock to run low
	}
	if v.SafetyStock <= 0 || v.Available > v.SafetyStock || v.Available-dAvail <= v.SafetyStock {
		return nil
	}
	a := LowStockAlert{TenantID: tid, VariantID: variant, ProductID: v.ProductID, SafetyStock: v.SafetyStock, Available: v.Available, At: now}
	if v.SKU != nil {
		a.SKU = *v.SKU
	}
	return s.opts.Notifier.LowStock(ctx, q, a)
}

// AvailableSQL is a catalog.StockColumn: the variant's available stock
// summed over all its levels.
func AvailableSQL(tenantCol, variantCol string) string {
	return "(SELECT COALESCE(SUM(l.available), 0) FROM inventory_levels l WHERE l.tenant_id = " + tenantCol + " AND l.variant_id = " + variantCol + ")"
}

// SellableSQL is a catalog.StockColumn: the variant's available stock
// summed over its active locations (what a shopper can buy).
func SellableSQL(tenantCol, variantCol string) string {
	return `COALESCE((SELECT SUM(l.available) FROM inventory_levels l
			JOIN inventory_locations o ON o.tenant_id = l.tenant_id AND o.id = l.location_id AND o.active
			WHERE l.tenant_id = ` + tenantCol + ` AND l.variant_id = ` + variantCol + `), 0)`
}

var (
	_ catalog.StockColumn = AvailableSQL
	_ catalog.StockColumn = SellableSQL
)

func (s *Service) write(ctx context.Context, fn func(ctx context.Context, q bun.IDB, tid string) error) error {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error { return fn(ctx, q, tid) })
}

func (s *Service) location(ctx context.Context, q bun.IDB, tid, loc string) (string, error) {
	if loc != "" {
		return loc, nil
	}
	return s.defaultLocation(ctx, q, tid)
}

func positive(qty int64) error {
	if qty <= 0 || qty > 1_000_000_000 {
		return errs.Field("quantity", "must be between 1 and 1000000000")
	}
	return nil
}

// recordStock audits a stock change staff made to a variant ("Product title:
// change") in the change's transaction q.
func (s *Service) recordStock(ctx context.Context, q bun.IDB, tid, action, variantID, change string) error {
	vs, err := catalog.VariantSummaries(ctx, q, tid, []string{variantID}, nil)
	if err != nil {
		return err
	}
	return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: action, ObjectType: "variant", ObjectID: variantID, After: vs[variantID].ProductTitle + ": " + change})
}

// Receive adds qty units at a location ("" = default).
func (s *Service) Receive(ctx context.Context, variantID, locationID string, qty int64, ref string) error {
	if err := positive(qty); err != nil {
		return err
	}
	return s.write(ctx, func(ctx context.Context, q bun.IDB, tid string) error {
		loc, err := s.location(ctx, q, tid, locationID)
		if err != nil {
			return err
		}
		if err := s.apply(ctx, q, tid, move{variant: variantID, location: loc, kind: Received, d: delta{qty, qty, 0}, ref: ref}); err != nil {
			return err
		}
		return s.recordStock(ctx, q, tid, "stock.receive", variantID, "+"+strconv.FormatInt(qty, 10))
	})
}

// Adjust changes on-hand and available stock by d (negative for damage or
// a stock-take shortfall); reason is required.
func (s *Service) Adjust(ctx context.Context, variantID, locationID string, d int64, reason string) error {
	if d == 0 || d > 1_000_000_000 || d < -1_000_000_000 {
		return errs.Field("delta", "must be a non-zero number of units")
	}
	if reason == "" {
		return errs.Field("reason", "say why the stock changes")
	}
	return s.write(ctx, func(ctx context.Context, q bun.IDB, tid string) error {
		loc, err := s.location(ctx, q, tid, locationID)
		if err != nil {
			return err
		}
		if err := s.apply(ctx, q, tid, move{variant: variantID, location: loc, kind: Adjusted, d: delta{d, d, 0}, reason: reason}); err != nil {
			return err
		}
		change := strconv.FormatInt(d, 10)
		if d > 0 {
			change = "+" + change
		}
		return s.recordStock(ctx, q, tid, "stock.adjust", variantID, change+" ("+reason+")")
	})
}

// Sell takes qty units directly from available stock (a sale without a
// prior reservation, e.g. point of sale).
func (s *Service) Sell(ctx context.Context, variantID, locationID string, qty int64, ref string) error {
	if err := positive(qty); err != nil {
		return err
	}
	return s.write(ctx, func(ctx context.Context, q bun.IDB, tid string) error {
		loc, err := s.location(ctx, q, tid, locationID)
		if err != nil {
			return err
		}
		return s.apply(ctx, q, tid, move{variant: variantID, location: loc, kind: Sold, d: delta{-qty, -qty, 0}, ref: ref})
	})
}

// Return puts qty returned units back into stock.
func (s *Service) Return(ctx context.Context, variantID, locationID string, qty int64, ref string) error {
	if err := positive(qty); err != nil {
		return err
	}
	return s.write(ctx, func(ctx context.Context, q bun.IDB, tid string) error {
		loc, err := s.location(ctx, q, tid, locationID)
		if err != nil {
			return err
		}
		return s.apply(ctx, q, tid, move{variant: variantID, location: loc, kind: Returned, d: delta{qty, qty, 0}, ref: ref})
	})
}
