package promotion

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// PromotedOrders lists the tenant's counted orders (neither awaiting
// payment nor cancelled) placed in [from, to) holding at least one
// redemption that was not released, in q (one query), as core/analytics
// counts promotion participation and return on discount: each with its
// total less refunds and the discount its promotions gave and the
// shopper kept (redemption amounts less what returns took back).
func PromotedOrders(ctx context.Context, q bun.IDB, tenantID string, from, to time.Time) ([]analytics.SideOrder, error) {
	var out []analytics.SideOrder
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
