package promotion

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// StatsFilter selects the redemptions a report covers.
type StatsFilter struct {
	PromotionID string
	CampaignID  string
	From, To    time.Time // redemption time, inclusive/exclusive; zero: open
}

// Figures judge a promotion or campaign from its redemptions (orders
// released on cancellation or full refund are left out; returns and
// refunds are taken off: reverse.go).
type Figures struct {
	PromotionID string `json:"promotion_id,omitempty" bun:"promotion_id"`
	Currency    string `json:"currency" bun:"currency"`
	Orders      int64  `json:"orders" bun:"orders"`
	Customers   int64  `json:"customers" bun:"customers"` // distinct accounts, or e-mails for guests
	Revenue     int64  `json:"revenue" bun:"revenue"`     // what those orders paid, less what they gave back
	Discount    int64  `json:"discount" bun:"discount"`   // what the promotions gave on goods kept
}

// Stats are a report's figures: in total (one row per currency) and per
// promotion.
type Stats struct {
	Totals      []Figures `json:"totals"`
	ByPromotion []Figures `json:"by_promotion"`
}

// Stats reports orders, customers, revenue and discount given, from
// redemption records.
func (s *Service) Stats(ctx context.Context, f StatsFilter) (*Stats, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return nil, errs.Field("from", "must be before to")
	}
	where := func(sel *bun.SelectQuery) *bun.SelectQuery {
		sel.Where("r.tenant_id = ? AND r.released_at IS NULL", tenant)
		if f.PromotionID != "" {
			sel.Where("r.promotion_id = ?", f.PromotionID)
		}
		if f.CampaignID != "" {
			sel.Where("r.campaign_id = ?", f.CampaignID)
		}
		if !f.From.IsZero() {
			sel.Where("r.created_at >= ?", f.From.UTC())
		}
		if !f.To.IsZero() {
			sel.Where("r.created_at < ?", f.To.UTC())
		}
		return sel
	}
	const customer = "COUNT(DISTINCT CASE WHEN r.customer_id <> '' THEN 'c:' || r.customer_id ELSE 'e:' || r.email END)"
	out := &Stats{}
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		// An order that used two of the promotions counts once, with
		// its total once: per order first, then summed.
		perOrder := where(q.NewSelect().TableExpr("promotion_redemptions AS r").
			ColumnExpr("r.currency, r.order_id, MAX(r.order_total - r.refunded) AS total, SUM(r.amount - r.reversed) AS discount").
			ColumnExpr("MAX(CASE WHEN r.customer_id <> '' THEN 'c:' || r.customer_id ELSE 'e:' || r.email END) AS who").
			GroupExpr("r.currency, r.order_id"))
		if err := q.NewSelect().TableExpr("(?) AS o", perOrder).
			ColumnExpr("o.currency, COUNT(*) AS orders, COUNT(DISTINCT o.who) AS customers, SUM(o.total) AS revenue, SUM(o.discount) AS discount").
			GroupExpr("o.currency").OrderExpr("o.currency").Scan(ctx, &out.Totals); err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "promotion.Stats")
		}
		if err := where(q.NewSelect().TableExpr("promotion_redemptions AS r")).
			ColumnExpr("r.promotion_id, r.currency, COUNT(*) AS orders, "+customer+" AS customers, SUM(r.order_total - r.refunded) AS revenue, SUM(r.amount - r.reversed) AS discount").
			GroupExpr("r.promotion_id, r.currency").OrderExpr("discount DESC, r.promotion_id").Scan(ctx, &out.ByPromotion); err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "promotion.Stats")
		}
		return nil
	})
	return out, err
}
