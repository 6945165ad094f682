package promotion

import (
	"context"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// Returns, refunds and cancellations after an order used promotions.
//
// The policy (the common practice of Shopify, Medusa and most retailers):
//
//   - Discount follows the goods. A return that is refunded or credited
//     gives back, per promotion, exactly the discount its units carried
//     (core/order's ReturnedDiscounts: a line's own discounts plus its share
//     of order-level ones, such as a spend-save tier, split over its units so
//     that returning the whole order in any split reverses the whole
//     discount and never more). That discount leaves the promotion's and
//     campaign's figures and goes back to their budgets: a budget measures
//     what was given on goods the shoppers kept.
//   - Revenue follows the money. Every refund (core/payment) and every store
//     credit granted for a return lowers the revenue the promotions'
//     figures count for the order, down to zero. A goodwill refund without
//     goods coming back leaves the discount given as it was.
//   - Usage follows the order. A partial return keeps the use: the shopper
//     kept part of what the offer was for, so the code stays used and the
//     per-customer count stays. An order cancelled (paid or not) or refunded
//     in full gives everything back through Release: usage counts, the code,
//     the per-customer use, the rest of the budget, flash-sale units; it then
//     drops out of the figures.
//   - Conditions are not judged again. When a partial return leaves an order
//     below the condition an offer needed (a gift with purchase over 100, a
//     300−40 tier), the shopper keeps the gift and the other lines' discount;
//     the refund is what the returned units were paid, their share of the
//     discounts already taken off. Staff who want the gift's value back
//     refund or credit a lower amount (aftersales' Refund and Credit take
//     one).

// Reversal is what a return or refund takes back from an order's
// promotions.
type Reversal struct {
	// Discounts is, by promotion id, the discount the returned goods
	// carried (positive, minor units).
	Discounts map[string]int64
	// Revenue is the money the order gave back (a refund, store credit).
	Revenue int64
}

// Reverse takes rev back from the order's redemptions that were not
// released, in the caller's transaction q: each promotion's discount given
// (never below zero; the promotion's and its campaign's spent budgets fall
// by the same amount) and the revenue counted for the order (never below
// zero). Redemptions the order released (cancelled, refunded in full) are
// left alone.
func (s *Service) Reverse(ctx context.Context, q bun.IDB, orderID string, rev Reversal) error {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	if rev.Revenue < 0 {
		return errs.Field("revenue", "must not be negative")
	}
	var rows []redemptionRow
	if err := q.NewSelect().Model(&rows).Where("tenant_id = ? AND order_id = ? AND released_at IS NULL", tenant, orderID).
		OrderExpr("promotion_id").Scan(ctx); err != nil && !store.NoRows(err) {
		return errs.Wrap(err, "promotion.Reverse")
	}
	// Promotions first (in id order), then campaigns, as Redeem takes them.
	var promos, campaigns []stmt
	for _, r := range rows {
		d := min(rev.Discounts[r.PromotionID], r.Amount-r.Reversed)
		if d < 0 {
			d = 0
		}
		money := min(rev.Revenue, r.OrderTotal-r.Refunded)
		if money < 0 {
			money = 0
		}
		if d == 0 && money == 0 {
			continue
		}
		res, err := q.NewUpdate().Model((*redemptionRow)(nil)).Set("reversed = reversed + ?", d).Set("refunded = refunded + ?", money).
			Where("tenant_id = ? AND id = ? AND released_at IS NULL AND reversed + ? <= amount AND refunded + ? <= order_total", tenant, r.ID, d, money).Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "promotion.Reverse")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "the order's promotions changed meanwhile; retry")
		}
		if d == 0 {
			continue
		}
		// As Release: the counters move only where a limit keeps them,
		// decided on the row the statement locks.
		promos = append(promos, stmt{`UPDATE promotions SET spent = CASE WHEN (usage_limit > 0 OR budget > 0) AND spent >= ? THEN spent - ? ELSE spent END
			WHERE tenant_id = ? AND id = ?`, []any{d, d, tenant, r.PromotionID}})
		if r.CampaignID != "" {
			campaigns = append(campaigns, stmt{`UPDATE promotion_campaigns SET spent = CASE WHEN budget > 0 AND spent >= ? THEN spent - ? ELSE spent END
				WHERE tenant_id = ? AND id = ?`, []any{d, d, tenant, r.CampaignID}})
		}
	}
	for _, st := range append(promos, campaigns...) {
		if _, err := q.NewRaw(st.sql, st.args...).Exec(ctx); err != nil {
			return errs.Wrap(err, "promotion.Reverse")
		}
	}
	return nil
}
