package order

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// Buyer is one counted order as the customer KPIs (churn, retention
// cohorts) read it: who placed it (the lower-cased e-mail address, as
// Fact.First identifies a customer) and when, with that customer's first
// counted order ever (when asked for).
type Buyer struct {
	Email    string    `bun:"email"`
	PlacedAt time.Time `bun:"placed_at"`
	FirstAt  time.Time `bun:"first_at"`
}

// Buyers lists the tenant's counted orders placed in [from, to), in q
// (one query), oldest first. FirstAt is read only when first is set (a
// lookup of the customer's orders per order: the retention cohorts need
// it, churn does not).
func Buyers(ctx context.Context, q bun.IDB, tenantID string, from, to time.Time, first bool) ([]Buyer, error) {
	firstAt := "o.placed_at"
	if first {
		firstAt = `(SELECT MIN(p.placed_at) FROM orders p WHERE p.tenant_id = o.tenant_id AND p.email = o.email
			AND p.status NOT IN ('pending_payment', 'cancelled'))`
	}
	var rows []Buyer
	err := q.NewRaw(`SELECT LOWER(o.email) AS email, o.placed_at, `+firstAt+` AS first_at
		FROM orders o WHERE o.tenant_id = ? AND `+counted+` AND o.placed_at >= ? AND o.placed_at < ?
		ORDER BY o.placed_at, o.id`, tenantID, from, to).Scan(ctx, &rows)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "order.Buyers")
	}
	return rows, nil
}

// Countries maps the tenant's orders among ids to their shipping
// address's country code (upper case; "" when none was given), in q.
func Countries(ctx context.Context, q bun.IDB, tenantID string, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	for len(ids) > 0 {
		n := min(len(ids), 500)
		var rows []struct {
			ID      string `bun:"id"`
			Address string `bun:"shipping_address"`
		}
		err := q.NewSelect().TableExpr("orders").Column("id", "shipping_address").
			Where("tenant_id = ? AND id IN (?)", tenantID, bun.List(ids[:n])).Scan(ctx, &rows)
		if err != nil && !store.NoRows(err) {
			return nil, errs.Wrap(err, "order.Countries")
		}
		for _, r := range rows {
			var a Address
			_ = json.Unmarshal([]byte(r.Address), &a) // an unreadable address has no country
			out[r.ID] = strings.ToUpper(strings.TrimSpace(a.Country))
		}
		ids = ids[n:]
	}
	return out, nil
}

// ProductSalesIn is ProductSales over the counted orders placed in [from,
// to).
func ProductSalesIn(ctx context.Context, q bun.IDB, tenantID string, from, to time.Time) ([]ProductSale, error) {
	var rows []ProductSale
	err := q.NewRaw(`SELECT ol.product_id, SUM(ol.quantity) AS units, SUM(ol.total) AS revenue
		FROM order_lines ol JOIN orders o ON o.tenant_id = ol.tenant_id AND o.id = ol.order_id
		WHERE ol.tenant_id = ? AND `+counted+` AND o.placed_at >= ? AND o.placed_at < ?
		GROUP BY ol.product_id ORDER BY units DESC, ol.product_id`, tenantID, from, to).Scan(ctx, &rows)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "order.ProductSalesIn")
	}
	return rows, nil
}
