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
	// Cost is what the lines cost the shop (line cost × quantity);
	// CostKnown says whether every line recorded its cost.
	Cost      int64 `bun:"cost"`
	CostKnown bool  `bun:"cost_known"`
	// First is true when no earlier counted order has the same e-mail
	// address: the order of a new customer.
	First    bool   `bun:"first"`
	Source   string `bun:"source"`
	Medium   string `bun:"medium"`
	Campaign string `bun:"campaign"`
}

// Facts lists the tenant's counted orders placed in [from, to), in q
// (one query).
func Facts(ctx context.Context, q bun.IDB, tenantID string, from, to time.Time) ([]Fact, error) {
	var rows []Fact
	err := q.NewRaw(`SELECT o.id, o.placed_at, o.currency, o.total, o.refunded_total, o.source, o.medium, o.campaign,
		(SELECT COALESCE(SUM(l.quantity), 0) FROM order_lines l WHERE l.tenant_id = o.tenant_id AND l.order_id = o.id) AS units,
		(SELECT COALESCE(SUM(l.cost * l.quantity), 0) FROM order_lines l WHERE l.tenant_id = o.tenant_id AND l.order_id = o.id) AS cost,
		NOT EXISTS (SELECT 1 FROM order_lines l WHERE l.tenant_id = o.tenant_id AND l.order_id = o.id AND l.cost IS NULL) AS cost_known,
		NOT EXISTS (SELECT 1 FROM orders p WHERE p.tenant_id = o.tenant_id AND p.email = o.email
			AND p.status NOT IN ('pending_payment', 'cancelled')
			AND (p.placed_at < o.placed_at OR (p.placed_at = o.placed_at AND p.id < o.id))) AS first
		FROM orders o WHERE o.tenant_id = ? AND `+counted+` AND o.placed_at >= ? AND o.placed_at < ?
		ORDER BY o.placed_at, o.id`, tenantID, from, to).Scan(ctx, &rows)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "order.Facts")
	}
	return rows, nil
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

// Credit is a counted order another package credits (a promotion, an
// e-mail campaign): when it was placed, its total less refunds, and the
// discount the crediting package says it gave.
type Credit struct {
	PlacedAt time.Time `bun:"placed_at"`
	NetSales int64     `bun:"net_sales"`
	Discount int64     `bun:"discount"`
}

// Credited lists the tenant's counted orders placed in [from, to) that
// credits names, in q (one query): credits is a query over the calling
// package's own tables returning one row per order of the tenant with
// the columns order_id and discount. The order tables stay this
// package's: callers never join them.
func Credited(ctx context.Context, q bun.IDB, tenantID string, from, to time.Time, credits *bun.SelectQuery) ([]Credit, error) {
	var out []Credit
	err := q.NewRaw(`SELECT o.placed_at, o.total - o.refunded_total AS net_sales, c.discount
		FROM (?) c JOIN orders o ON o.tenant_id = ? AND o.id = c.order_id
		WHERE `+counted+` AND o.placed_at >= ? AND o.placed_at < ?`, credits, tenantID, from, to).Scan(ctx, &out)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "order.Credited")
	}
	return out, nil
}
