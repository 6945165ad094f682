package promotion

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// PromotedOrder is one counted order that holds a promotion redemption,
// as core/analytics counts promotion participation and return on discount.
type PromotedOrder struct {
	PlacedAt time.Time `bun:"placed_at"`
	// NetSales is the order's total less what was refunded of it.
	NetSales int64 `bun:"net_sales"`
	// Discount is what its promotions gave and the shopper kept (the
	// redemption amounts less what returns took back).
	Discount int64 `bun:"discount"`
}

// PromotedOrders lists the tenant's counted orders (neither awaiting
// payment nor cancelled) placed in [from, to) holding at least one
// redemption that was not released, in q (one query).
func PromotedOrders(ctx context.Context, q bun.IDB, tenantID string, from, to time.Time) ([]PromotedOrder, error) {
	var out []PromotedOrder
	err := q.NewRaw(`SELECT o.placed_at, o.total - o.refunded_total AS net_sales, SUM(r.amount - r.reversed) AS discount
		FROM promotion_redemptions r JOIN orders o ON o.tenant_id = r.tenant_id AND o.id = r.order_id
		WHERE r.tenant_id = ? AND r.released_at IS NULL AND o.status NOT IN ('pending_payment', 'cancelled')
		AND o.placed_at >= ? AND o.placed_at < ?
		GROUP BY o.id, o.placed_at, o.total, o.refunded_total`, tenantID, from, to).Scan(ctx, &out)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "promotion.PromotedOrders")
	}
	return out, nil
}
