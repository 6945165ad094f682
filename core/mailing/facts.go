package mailing

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// AttributedOrders lists the tenant's counted orders (neither awaiting
// payment nor cancelled) placed in [from, to) that an e-mail campaign is
// credited with (mailing_attributions), in q (one query), each with its
// total less refunds, as core/analytics counts campaign participation and
// revenue.
func AttributedOrders(ctx context.Context, q bun.IDB, tenantID string, from, to time.Time) ([]analytics.SideOrder, error) {
	var out []analytics.SideOrder
	err := q.NewRaw(`SELECT o.placed_at, o.total - o.refunded_total AS net_sales
		FROM mailing_attributions a JOIN orders o ON o.tenant_id = a.tenant_id AND o.id = a.order_id
		WHERE a.tenant_id = ? AND o.status NOT IN ('pending_payment', 'cancelled') AND o.placed_at >= ? AND o.placed_at < ?`,
		tenantID, from, to).Scan(ctx, &out)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "mailing.AttributedOrders")
	}
	return out, nil
}
