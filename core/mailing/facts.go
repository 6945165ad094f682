package mailing

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
)

// AttributedOrders lists the tenant's counted orders (neither awaiting
// payment nor cancelled) placed in [from, to) that an e-mail campaign is
// credited with (mailing_attributions), in q (one query), each with its
// total less refunds, as core/analytics counts campaign participation and
// revenue.
func AttributedOrders(ctx context.Context, q bun.IDB, tenantID string, from, to time.Time) ([]analytics.SideOrder, error) {
	credits := q.NewSelect().TableExpr("mailing_attributions").ColumnExpr("order_id").ColumnExpr("0 AS discount").
		Where("tenant_id = ? AND placed_at >= ? AND placed_at < ?", tenantID, from, to)
	out, err := order.Credited(ctx, q, tenantID, from, to, credits)
	return out, errs.Wrap(err, "mailing.AttributedOrders")
}
