package order

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// Facts for the analytics rollups (core/analytics asks these instead of
// reading the order tables).

// Fact is one counted order (neither awaiting payment nor cancelled) as
// the sales KPIs see it.
type Fact struct {
	ID       string    `bun:"id"`
	PlacedAt time.Time `bun:"placed_at"`
	Currency string    `bun:"currency"`
	Total    int64     `bun:"total"`
	Refunded int64     `bun:"refunded_total"`
	// Units is the quantity of the order's lines.
	Units int64 `bun:"units"`
	// Cost is what the lines cost the shop (line cost × quantity), when
	// order lines carry a cost; CostKnown says whether they do.
	Cost      int64 `bun:"cost"`
	CostKnown bool  `bun:"-"`
	// First is true when no earlier counted order has the same e-mail
	// address: the order of a new customer.
	First    bool   `bun:"first"`
	Source   string `bun:"source"`
	Medium   string `bun:"medium"`
	Campaign string `bun:"campaign"`
}

// Facts lists the tenant's counted orders placed in [from, to), in q
// (one query, plus one look at the schema for the lines' cost column).
func Facts(ctx context.Context, q bun.IDB, tenantID string, from, to time.Time) ([]Fact, error) {
	costKnown, err := linesHaveCost(ctx, q)
	if err != nil {
		return nil, err
	}
	cost := "0"
	if costKnown {
		cost = "(SELECT COALESCE(SUM(l.cost * l.quantity), 0) FROM order_lines l WHERE l.tenant_id = o.tenant_id AND l.order_id = o.id)"
	}
	var rows []Fact
	err = q.NewRaw(`SELECT o.id, o.placed_at, o.currency, o.total, o.refunded_total, o.source, o.medium, o.campaign,
		(SELECT COALESCE(SUM(l.quantity), 0) FROM order_lines l WHERE l.tenant_id = o.tenant_id AND l.order_id = o.id) AS units,
		`+cost+` AS cost,
		NOT EXISTS (SELECT 1 FROM orders p WHERE p.tenant_id = o.tenant_id AND p.email = o.email
			AND p.status NOT IN ('pending_payment', 'cancelled')
			AND (p.placed_at < o.placed_at OR (p.placed_at = o.placed_at AND p.id < o.id))) AS first
		FROM orders o WHERE o.tenant_id = ? AND `+counted+` AND o.placed_at >= ? AND o.placed_at < ?
		ORDER BY o.placed_at, o.id`, tenantID, from, to).Scan(ctx, &rows)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "order.Facts")
	}
	for i := range rows {
		rows[i].CostKnown = costKnown
	}
	return rows, nil
}

// linesHaveCost reports whether order_lines has a cost column (added by a
// later migration; until then margins are unknown).
func linesHaveCost(ctx context.Context, q bun.IDB) (bool, error) {
	var n int
	var err error
	if q.Dialect().Name().String() == "pg" {
		err = q.NewRaw(`SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema()
			AND table_name = 'order_lines' AND column_name = 'cost'`).Scan(ctx, &n)
	} else {
		err = q.NewRaw(`SELECT count(*) FROM pragma_table_info('order_lines') WHERE name = 'cost'`).Scan(ctx, &n)
	}
	if err != nil {
		return false, errs.Wrap(err, "order: lines cost column")
	}
	return n > 0, nil
}

// Attribution is the traffic source an order is credited to (see
// Order.Source).
type Attribution struct {
	Source, Medium, Campaign string
}

// Touch is a counted-or-not order that changed: when it was placed, in
// which shop.
type Touch struct {
	TenantID  string    `bun:"tenant_id"`
	PlacedAt  time.Time `bun:"placed_at"`
	UpdatedAt time.Time `bun:"updated_at"`
}

// Touched lists up to limit orders of every shop changed (placed, paid,
// refunded, cancelled) at or after since, oldest change first, in q (a
// platform-scoped read).
func Touched(ctx context.Context, q bun.IDB, since time.Time, limit int) ([]Touch, error) {
	var rows []Touch
	err := q.NewRaw(`SELECT tenant_id, placed_at, updated_at FROM orders WHERE updated_at >= ? ORDER BY updated_at LIMIT ?`,
		since, limit).Scan(ctx, &rows)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "order.Touched")
	}
	return rows, nil
}
