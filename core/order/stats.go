package order

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// Sales figures for recommendations and reports (the plugin host asks
// these instead of reading the order tables). They count orders neither
// awaiting payment nor cancelled.

// counted is the SQL, over an orders row o, for "this order counts as a
// sale".
const counted = "o.status NOT IN ('pending_payment', 'cancelled')"

// ProductSale is what a product sold in a period.
type ProductSale struct {
	ProductID string `bun:"product_id"` // "" for lines without a product
	Units     int64  `bun:"units"`
	Revenue   int64  `bun:"revenue"` // line totals, in the orders' currency
}

// ProductSales sums the tenant's counted order lines placed since the
// given time by product, most units first (then by product id), in q.
func ProductSales(ctx context.Context, q bun.IDB, tenantID string, since time.Time) ([]ProductSale, error) {
	var rows []ProductSale
	err := q.NewRaw(`SELECT ol.product_id, SUM(ol.quantity) AS units, SUM(ol.total) AS revenue
		FROM order_lines ol JOIN orders o ON o.tenant_id = ol.tenant_id AND o.id = ol.order_id
		WHERE ol.tenant_id = ? AND `+counted+` AND o.placed_at >= ?
		GROUP BY ol.product_id ORDER BY units DESC, ol.product_id`, tenantID, since).Scan(ctx, &rows)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "order.ProductSales")
	}
	return rows, nil
}

// CoPurchase is how many counted orders had two products together.
type CoPurchase struct {
	ProductID     string `bun:"product_id"`
	WithProductID string `bun:"with_id"`
	Orders        int64  `bun:"n"`
}

// CoPurchases lists, for the tenant's products among productIDs, the other
// products bought in the same counted orders placed since the given time,
// most orders first, at most limit pairs, in q.
func CoPurchases(ctx context.Context, q bun.IDB, tenantID string, productIDs []string, since time.Time, limit int) ([]CoPurchase, error) {
	if len(productIDs) == 0 {
		return nil, nil
	}
	var rows []CoPurchase
	err := q.NewRaw(`SELECT a.product_id AS product_id, b.product_id AS with_id, COUNT(DISTINCT a.order_id) AS n
		FROM order_lines a
		JOIN order_lines b ON b.tenant_id = a.tenant_id AND b.order_id = a.order_id AND b.product_id <> a.product_id
		JOIN orders o ON o.tenant_id = a.tenant_id AND o.id = a.order_id
		WHERE a.tenant_id = ? AND a.product_id IN (?) AND b.product_id <> '' AND `+counted+` AND o.placed_at >= ?
		GROUP BY a.product_id, b.product_id ORDER BY n DESC LIMIT ?`,
		tenantID, bun.List(productIDs), since, limit).Scan(ctx, &rows)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "order.CoPurchases")
	}
	return rows, nil
}

// Purchase is one counted order as a customer report sees it.
type Purchase struct {
	CustomerID string    `bun:"customer_id"` // "" for a guest
	Email      string    `bun:"email"`
	PlacedAt   time.Time `bun:"placed_at"`
	Total      int64     `bun:"total"` // less what was refunded
}

// Purchases lists up to limit of the tenant's counted orders placed since
// the given time, in q.
func Purchases(ctx context.Context, q bun.IDB, tenantID string, since time.Time, limit int) ([]Purchase, error) {
	var rows []Purchase
	err := q.NewSelect().TableExpr("orders AS o").Column("o.customer_id", "o.email", "o.placed_at").ColumnExpr("o.total - o.refunded_total AS total").
		Where("o.tenant_id = ?", tenantID).Where(counted).Where("o.placed_at >= ?", since).
		Limit(int64(limit)).Scan(ctx, &rows)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "order.Purchases")
	}
	return rows, nil
}

// Latest returns the tenant's last n orders, newest first, with their
// lines, in q (two queries).
func Latest(ctx context.Context, q bun.IDB, tenantID string, n int) ([]Order, error) {
	var orders []Order
	if err := q.NewSelect().Model(&orders).Where("tenant_id = ?", tenantID).OrderExpr("placed_at DESC, id DESC").Limit(int64(n)).Scan(ctx); err != nil {
		return nil, errs.Wrap(err, "order.Latest")
	}
	if len(orders) == 0 {
		return nil, nil
	}
	ids := make([]string, len(orders))
	at := make(map[string]int, len(orders))
	for i, o := range orders {
		ids[i], at[o.ID] = o.ID, i
	}
	var lines []Line
	if err := q.NewSelect().Model(&lines).Where("tenant_id = ? AND order_id IN (?)", tenantID, bun.List(ids)).OrderExpr("order_id, position").Scan(ctx); err != nil {
		return nil, errs.Wrap(err, "order.Latest lines")
	}
	for _, l := range lines {
		o := &orders[at[l.OrderID]]
		o.Lines = append(o.Lines, l)
	}
	return orders, nil
}
