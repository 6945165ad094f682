package promotion

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
)

// PromotedOrders lists the tenant's counted orders (neither awaiting
// payment nor cancelled) placed in [from, to) holding at least one
// redemption that was not released, in q (one query), as core/analytics
// counts promotion participation and return on discount: each with its
// total less refunds and the discount its promotions gave and the
// shopper kept (redemption amounts less what returns took back).
func PromotedOrders(ctx context.Context, q bun.IDB, tenantID string, from, to time.Time) ([]analytics.SideOrder, error) {
	credits := q.NewSelect().TableExpr("promotion_redemptions").ColumnExpr("order_id").ColumnExpr("SUM(amount - reversed) AS discount").
		Where("tenant_id = ? AND released_at IS NULL", tenantID).Group("order_id")
	out, err := order.Credited(ctx, q, tenantID, from, to, credits)
	return out, errs.Wrap(err, "promotion.PromotedOrders")
}
