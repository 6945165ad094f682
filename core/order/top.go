package order

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// TopProduct is what one product sold in a period, as the dashboard's
// top products list shows it.
type TopProduct struct {
	ProductID string `bun:"product_id"`
	Title     string `bun:"title"` // the latest title an order line recorded
	Units     int64  `bun:"units"`
	Revenue   int64  `bun:"revenue"` // line totals, in the orders' currency
	Orders    int64  `bun:"orders"`
}

// TopProducts lists the tenant's products by revenue (line totals) in the
// counted orders placed in [from, to), most revenue first (then most
// units, then by product id), at most limit of them, in q (one query).
// Lines without a product are left out.
func TopProducts(ctx context.Context, q bun.IDB, tenantID string, from, to time.Time, limit int) ([]TopProduct, error) {
	var rows []TopProduct
	err := q.NewRaw(`SELECT ol.product_id, MAX(ol.title) AS title, SUM(ol.quantity) AS units, SUM(ol.total) AS revenue,
		COUNT(DISTINCT ol.order_id) AS orders
		FROM order_lines ol JOIN orders o ON o.tenant_id = ol.tenant_id AND o.id = ol.order_id
		WHERE ol.tenant_id = ? AND ol.product_id <> '' AND `+counted+` AND o.placed_at >= ? AND o.placed_at < ?
		GROUP BY ol.product_id ORDER BY revenue DESC, units DESC, ol.product_id LIMIT ?`, tenantID, from, to, limit).Scan(ctx, &rows)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "order.TopProducts")
	}
	return rows, nil
}
