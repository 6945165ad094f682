package review

import (
	"context"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
)

// CustomerReview is a review one customer wrote, with the title of the
// order line it is about (what the customer bought, as it was named then).
type CustomerReview struct {
	Review
	ProductTitle string `json:"product_title"`
}

type customerReviewRow struct {
	reviewRow    `bun:",extend"`
	ProductTitle string `bun:"product_title"`
}

// ByCustomer returns the reviews of the customer's orders, newest first,
// in every moderation state (at most limit; 0 means 20, at most 200),
// without photos. One statement, through the orders' customer index.
func (s *Service) ByCustomer(ctx context.Context, customerID string, limit int) ([]CustomerReview, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 20
	}
	limit = min(limit, 200)
	out := []CustomerReview{}
	if customerID == "" {
		return out, nil
	}
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var rows []customerReviewRow
		if err := q.NewSelect().Model(&rows).ModelTableExpr("reviews AS r").ColumnExpr("r.*").
			ColumnExpr("COALESCE("+order.LineTitleSQL("r.tenant_id", "r.order_line_id")+", '') AS product_title").
			Where("r.tenant_id = ? AND r.order_id IN ("+order.CustomerOrderIDsSQL+")", tenant, tenant, customerID).
			OrderExpr("r.created_at DESC, r.id DESC").Limit(int64(limit)).Scan(ctx); err != nil {
			return errs.Wrap(err, "review.ByCustomer")
		}
		for i := range rows {
			out = append(out, CustomerReview{Review: rows[i].review(), ProductTitle: rows[i].ProductTitle})
		}
		return nil
	})
	return out, err
}
