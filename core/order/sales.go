package order

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// Figures for campaign reports (core/promotion's Report asks these rather
// than reading the order tables). Unlike the sales figures in stats.go
// they count every order that was not cancelled, awaiting payment or not:
// a campaign's redemptions are held by unpaid orders too, until those are
// cancelled. Each carries what was refunded (refunded_total) beside what
// was charged, for the report to net out.

// notCancelled is the SQL, over an orders row o, for "this order counts
// in a campaign report".
const notCancelled = "o.status <> 'cancelled'"

// goodsCost is the SQL, over an orders row o, for what its lines cost the
// shop (cost per unit × quantity; lines without a recorded cost count 0).
const goodsCost = `COALESCE((SELECT SUM(l.cost * l.quantity) FROM order_lines l
	WHERE l.tenant_id = o.tenant_id AND l.order_id = o.id AND l.cost IS NOT NULL), 0)`

// Sale is one order as a campaign report sees it.
type Sale struct {
	ID         string    `bun:"id"`
	CustomerID string    `bun:"customer_id"` // "" for a guest
	Email      string    `bun:"email"`
	Currency   string    `bun:"currency"`
	PlacedAt   time.Time `bun:"placed_at"`
	Subtotal   int64     `bun:"subtotal"`  // the lines at their list prices
	Discounts  int64     `bun:"discounts"` // signed: merchandise discounts are negative
	Total      int64     `bun:"total"`     // what the shopper was charged
	Refunded   int64     `bun:"refunded"`  // what was refunded of it since
	Cost       int64     `bun:"cost"`      // the lines' recorded cost
	Uncosted   int64     `bun:"uncosted"`  // lines sold without a recorded cost
	// First: no earlier order that was not cancelled has the same
	// account (when this order has one) or the same e-mail.
	First bool `bun:"-"`
}

// MaxSaleIDs is the most ids one Sales call takes.
const MaxSaleIDs = 500

// Sales returns the tenant's orders among ids that were not cancelled, in
// q (at most MaxSaleIDs ids; the caller splits longer lists).
func Sales(ctx context.Context, q bun.IDB, tenantID string, ids []string) ([]Sale, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if len(ids) > MaxSaleIDs {
		return nil, errs.E(errs.Invalid, "order.Sales: %d ids, at most %d", len(ids), MaxSaleIDs)
	}
	var rows []struct {
		Sale
		First int64 `bun:"first"`
	}
	err := q.NewRaw(`SELECT o.id, o.customer_id, o.email, o.currency, o.placed_at, o.subtotal, o.discounts, o.total, o.refunded_total AS refunded,
		`+goodsCost+` AS cost,
		(SELECT COUNT(*) FROM order_lines l WHERE l.tenant_id = o.tenant_id AND l.order_id = o.id AND l.cost IS NULL) AS uncosted,
		CASE WHEN EXISTS (SELECT 1 FROM orders p WHERE p.tenant_id = o.tenant_id AND p.status <> 'cancelled'
			AND (p.placed_at < o.placed_at OR (p.placed_at = o.placed_at AND p.id < o.id))
			AND (p.email = o.email OR (o.customer_id <> '' AND p.customer_id = o.customer_id))) THEN 0 ELSE 1 END AS first
		FROM orders o WHERE o.tenant_id = ? AND o.id IN (?) AND `+notCancelled+` ORDER BY o.placed_at, o.id`,
		tenantID, bun.List(ids)).Scan(ctx, &rows)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "order.Sales")
	}
	out := make([]Sale, len(rows))
	for i, r := range rows {
		out[i] = r.Sale
		out[i].PlacedAt = r.PlacedAt.UTC()
		out[i].First = r.First == 1
	}
	return out, nil
}

// PeriodSales sums the orders of one currency placed in a period.
type PeriodSales struct {
	Orders    int64 `bun:"orders"`
	Subtotal  int64 `bun:"subtotal"`
	Discounts int64 `bun:"discounts"` // signed, as on the orders
	Total     int64 `bun:"total"`
	Refunded  int64 `bun:"refunded"` // refunded of Total since
	Cost      int64 `bun:"cost"`
}

// SalesIn sums the tenant's orders in currency placed in [from, to) that
// were not cancelled, in q.
func SalesIn(ctx context.Context, q bun.IDB, tenantID, currency string, from, to time.Time) (PeriodSales, error) {
	var out PeriodSales
	err := q.NewRaw(`SELECT COUNT(*) AS orders, COALESCE(SUM(x.subtotal), 0) AS subtotal, COALESCE(SUM(x.discounts), 0) AS discounts,
		COALESCE(SUM(x.total), 0) AS total, COALESCE(SUM(x.refunded_total), 0) AS refunded, COALESCE(SUM(x.cost), 0) AS cost
		FROM (SELECT o.subtotal, o.discounts, o.total, o.refunded_total, `+goodsCost+` AS cost
			FROM orders o WHERE o.tenant_id = ? AND o.currency = ? AND o.placed_at >= ? AND o.placed_at < ? AND `+notCancelled+`) x`,
		tenantID, currency, from.UTC(), to.UTC()).Scan(ctx, &out)
	if err != nil && !store.NoRows(err) {
		return out, errs.Wrap(err, "order.SalesIn")
	}
	return out, nil
}
