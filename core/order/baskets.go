package order

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// Baskets are what association rules ("bought together") are mined from:
// the tenant's counted orders placed in a period, each taken as the set
// of the distinct products on its lines.
type Baskets struct {
	Orders int64            // baskets with at least one product
	Items  map[string]int64 // product id → baskets containing it
}

// BasketPair is how many baskets held both products (A < B).
type BasketPair struct {
	A      string `bun:"a"`
	B      string `bun:"b"`
	Orders int64  `bun:"n"`
}

// basketsCTE is the (order, product) sets of the counted orders placed
// since the argument, one row per distinct product of an order.
const basketsCTE = `WITH bk AS (SELECT DISTINCT ol.order_id, ol.product_id FROM order_lines ol
	JOIN orders o ON o.tenant_id = ol.tenant_id AND o.id = ol.order_id
	WHERE ol.tenant_id = ? AND ol.product_id <> '' AND ` + counted + ` AND o.placed_at >= ?) `

// BasketCounts returns the number of baskets since the given time and
// how many held each product, in q (one statement).
func BasketCounts(ctx context.Context, q bun.IDB, tenantID string, since time.Time) (*Baskets, error) {
	var rows []BasketPair
	err := q.NewRaw(basketsCTE+`SELECT product_id AS a, '' AS b, COUNT(*) AS n FROM bk GROUP BY product_id
		UNION ALL SELECT '' AS a, '' AS b, COUNT(DISTINCT order_id) AS n FROM bk`, tenantID, since).Scan(ctx, &rows)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "order.BasketCounts")
	}
	out := &Baskets{Items: make(map[string]int64, len(rows))}
	for _, r := range rows {
		if r.A == "" {
			out.Orders = r.Orders
		} else {
			out.Items[r.A] = r.Orders
		}
	}
	return out, nil
}

// BasketPairs returns the pairs of products bought in at least minOrders
// of the same baskets since the given time, most baskets first (then by
// ids), at most limit, in q (one statement).
func BasketPairs(ctx context.Context, q bun.IDB, tenantID string, since time.Time, minOrders int64, limit int) ([]BasketPair, error) {
	var rows []BasketPair
	// SQLite: a self-join of the lines through their (tenant, order)
	// index (it does not index a self-join of a grouped subquery).
	// PostgreSQL: the distinct (order, product) pairs once, hash-joined
	// to themselves, so no per-group DISTINCT sort is needed.
	query := `SELECT x.product_id AS a, y.product_id AS b, COUNT(DISTINCT x.order_id) AS n
		FROM order_lines x
		JOIN orders o ON o.tenant_id = x.tenant_id AND o.id = x.order_id
		JOIN order_lines y ON y.tenant_id = x.tenant_id AND y.order_id = x.order_id AND y.product_id > x.product_id
		WHERE x.tenant_id = ? AND x.product_id <> '' AND ` + counted + ` AND o.placed_at >= ?
		GROUP BY x.product_id, y.product_id HAVING COUNT(DISTINCT x.order_id) >= ? ORDER BY n DESC, a, b LIMIT ?`
	if q.Dialect().Name() == dialect.PG {
		query = strings.Replace(basketsCTE, "WITH bk AS", "WITH bk AS MATERIALIZED", 1) + `SELECT x.product_id AS a, y.product_id AS b, COUNT(*) AS n
			FROM bk x JOIN bk y ON y.order_id = x.order_id AND y.product_id > x.product_id
			GROUP BY x.product_id, y.product_id HAVING COUNT(*) >= ? ORDER BY n DESC, a, b LIMIT ?`
	}
	err := q.NewRaw(query,
		tenantID, since, max(minOrders, 1), limit).Scan(ctx, &rows)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "order.BasketPairs")
	}
	return rows, nil
}
