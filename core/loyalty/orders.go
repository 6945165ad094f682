package loyalty

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/store"
)

// orderRow is what the programme knows of an order.
type orderRow struct {
	bun.BaseModel  `bun:"table:loyalty_orders"`
	TenantID       string     `bun:"tenant_id,pk"`
	OrderID        string     `bun:"order_id,pk"`
	CustomerID     string     `bun:"customer_id"`
	Currency       string     `bun:"currency"`
	RedeemedPoints int64      `bun:"redeemed_points"`
	RedeemedValue  int64      `bun:"redeemed_value"`
	Released       bool       `bun:"released"`
	Spend          int64      `bun:"spend"`
	Earned         int64      `bun:"earned"`
	Reversed       int64      `bun:"reversed"`
	PaidAt         *time.Time `bun:"paid_at"`
	CreatedAt      time.Time  `bun:"created_at"`
}

func loadOrderRow(ctx context.Context, q bun.IDB, tenant, orderID string) (*orderRow, error) {
	r := &orderRow{TenantID: tenant, OrderID: orderID}
	err := q.NewSelect().Model(r).WherePK().Scan(ctx)
	if store.NoRows(err) {
		return nil, nil
	}
	return r, errs.Wrap(err, "loyalty: order")
}

// unit is one whole currency unit in minor units (100 for EUR, 1 for JPY).
func unit(currency string) int64 {
	u := int64(1)
	for range money.Digits(currency) {
		u *= 10
	}
	return u
}

// PointsValue is what points pay at checkout, in minor units of currency
// (rounded down).
func (s *Settings) PointsValue(points int64, currency string) int64 {
	if s.RedeemRate <= 0 || points <= 0 {
		return 0
	}
	return points * unit(currency) / s.RedeemRate
}

// isPaid reports whether an order's status means the shop has its money.
func isPaid(st order.Status) bool {
	switch st {
	case order.Paid, order.PartiallyFulfilled, order.Fulfilled, order.Delivered, order.Completed, order.PartiallyRefunded:
		return true
	}
	return false
}

// OrderPaid credits a paid order's points, counts its spend towards the
// tier (upgrading at once), and rewards a pending referral when it is the
// customer's first paid order. It does nothing for guests, unpaid orders,
// or a second time for the same order, all in the caller's transaction q.
func (s *Service) OrderPaid(ctx context.Context, q bun.IDB, orderID string) error {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	o, err := order.Load(ctx, q, orderID)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if o.CustomerID == "" || !isPaid(o.Status) {
		return nil
	}
	p, err := programIn(ctx, q, tenant)
	if err != nil || !p.Settings.Enabled {
		return err
	}
	now := s.now()
	a, err := lock(ctx, q, tenant, o.CustomerID, now)
	if err != nil {
		return err
	}
	row, err := loadOrderRow(ctx, q, tenant, o.ID)
	if err != nil {
		return err
	}
	if row == nil {
		row = &orderRow{TenantID: tenant, OrderID: o.ID, CustomerID: o.CustomerID, Currency: o.Currency, CreatedAt: now}
		if _, err := q.NewInsert().Model(row).Exec(ctx); err != nil {
			return errs.Wrap(err, "loyalty: order")
		}
	}
	if row.PaidAt != nil {
		return nil
	}
	firstPaid, err := q.NewSelect().Model((*orderRow)(nil)).Where("tenant_id = ? AND customer_id = ? AND paid_at IS NOT NULL", tenant, o.CustomerID).Count(ctx)
	if err != nil {
		return errs.Wrap(err, "loyalty: orders")
	}
	// Money paid: the total less what points paid. Points are earned on
	// the part of it that bought items not excluded (shipping earns none).
	spend := max(0, o.Total-row.RedeemedValue)
	excluded := map[string]bool{}
	for _, id := range p.Settings.ExcludedProducts {
		excluded[id] = true
	}
	var items int64
	for _, l := range o.Lines {
		if !excluded[l.ProductID] {
			items += l.Total
		}
	}
	eligible := min(items, max(0, spend-o.ShippingTotal))
	tier := p.TierByCode(a.TierCode)
	points := eligible / unit(o.Currency) * p.Settings.EarnPerUnit * tier.MultiplierPct / 100
	e, err := credit(ctx, q, post{tenant: tenant, customer: o.CustomerID, kind: KindEarn, key: "order:" + o.ID, orderID: o.ID,
		reason: "order " + o.Name(), now: now}, points, p.Settings.ExpiryDays)
	if err != nil {
		return err
	}
	if e == nil {
		points = 0
	}
	if _, err := q.NewUpdate().Model(row).Set("paid_at = ?, spend = ?, earned = ?", now, spend, points).WherePK().Exec(ctx); err != nil {
		return errs.Wrap(err, "loyalty: order paid")
	}
	if err := s.upgrade(ctx, q, p, a, now); err != nil {
		return err
	}
	if firstPaid == 0 {
		return s.rewardReferral(ctx, q, p, o, now)
	}
	return nil
}

// OrderRefunded takes back the order's points in proportion to the money
// refunded so far (points already spent stay spent: the balance never
// goes below zero), lowers its spend, and reverses the referral rewards
// when the referral's order is refunded in full. refundID keys the
// reversal, in the caller's transaction q.
func (s *Service) OrderRefunded(ctx context.Context, q bun.IDB, orderID, refundID string) error {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	row, err := loadOrderRow(ctx, q, tenant, orderID)
	if err != nil || row == nil || row.PaidAt == nil {
		return err
	}
	o, err := order.Load(ctx, q, orderID)
	if err != nil {
		return err
	}
	now := s.now()
	if _, err := lock(ctx, q, tenant, row.CustomerID, now); err != nil {
		return err
	}
	// Reload under the lock: another refund may have moved it meanwhile.
	if row, err = loadOrderRow(ctx, q, tenant, orderID); err != nil {
		return err
	}
	paid := max(0, o.Total-row.RedeemedValue)
	refunded := min(o.RefundedTotal, paid)
	target := row.Earned
	if paid > 0 {
		target = row.Earned * refunded / paid
	}
	if delta := target - row.Reversed; delta > 0 {
		if _, err := debit(ctx, q, post{tenant: tenant, customer: row.CustomerID, kind: KindReverse, key: "refund:" + orderID + ":" + refundID,
			orderID: orderID, reason: "refund of order " + o.Name(), now: now}, delta, false, ""); err != nil {
			return err
		}
	}
	if _, err := q.NewUpdate().Model(row).Set("reversed = ?, spend = ?", max(target, row.Reversed), paid-refunded).WherePK().Exec(ctx); err != nil {
		return errs.Wrap(err, "loyalty: order refunded")
	}
	if refunded >= paid {
		return s.reverseReferral(ctx, q, tenant, orderID, now)
	}
	return nil
}

// Release is an order.CancelHook: a cancelled order gives back the points
// redeemed on it (to the lots they came from) and takes back what it
// earned, in the cancelling transaction.
func (s *Service) Release(ctx context.Context, q bun.IDB, o *order.Order) error {
	tenant := o.TenantID
	row, err := loadOrderRow(ctx, q, tenant, o.ID)
	if err != nil || row == nil {
		return err
	}
	now := s.now()
	if _, err := lock(ctx, q, tenant, row.CustomerID, now); err != nil {
		return err
	}
	if row.RedeemedPoints > 0 && !row.Released {
		if _, err := restore(ctx, q, post{tenant: tenant, customer: row.CustomerID, kind: KindReverse, key: "release:" + o.ID,
			orderID: o.ID, reason: "order " + o.Name() + " cancelled", now: now}, "redeem:"+o.ID); err != nil {
			return err
		}
	}
	if delta := row.Earned - row.Reversed; delta > 0 {
		if _, err := debit(ctx, q, post{tenant: tenant, customer: row.CustomerID, kind: KindReverse, key: "cancel:" + o.ID,
			orderID: o.ID, reason: "order " + o.Name() + " cancelled", now: now}, delta, false, ""); err != nil {
			return err
		}
	}
	if _, err := q.NewUpdate().Model(row).Set("released = TRUE, reversed = earned, spend = 0").WherePK().Exec(ctx); err != nil {
		return errs.Wrap(err, "loyalty: release")
	}
	return s.reverseReferral(ctx, q, tenant, o.ID, now)
}

// RedeemIn takes points for an order being placed, in the placing
// transaction q: at most what the customer holds and at most the
// programme's share of total. It returns the money they pay (minor units
// of currency); refusals are 422s on "points".
func (s *Service) RedeemIn(ctx context.Context, q bun.IDB, customerID, orderID, orderName, currency string, total, points int64) (int64, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return 0, err
	}
	switch {
	case points < 0:
		return 0, errs.Field("points", "must be zero or more")
	case points == 0:
		return 0, nil
	case customerID == "":
		return 0, &errs.Error{Code: errs.Unprocessable, Field: "points", Message: "sign in to use your points"}
	}
	p, err := programIn(ctx, q, tenant)
	if err != nil {
		return 0, err
	}
	if !p.Settings.Enabled || p.Settings.MaxRedeemPercent == 0 {
		return 0, &errs.Error{Code: errs.Unprocessable, Field: "points", Message: "points cannot be used in this shop"}
	}
	value := p.Settings.PointsValue(points, currency)
	maxValue := total * p.Settings.MaxRedeemPercent / 100
	if value > maxValue {
		most := maxValue * p.Settings.RedeemRate / unit(currency)
		return 0, &errs.Error{Code: errs.Unprocessable, Field: "points", Message: "at most " + itoa(most) + " points can be used on this order"}
	}
	if value <= 0 {
		return 0, &errs.Error{Code: errs.Unprocessable, Field: "points", Message: "use at least " + itoa(p.Settings.RedeemRate/unit(currency)+1) + " points"}
	}
	now := s.now()
	if _, err := lock(ctx, q, tenant, customerID, now); err != nil {
		return 0, err
	}
	if _, err := expireDue(ctx, q, tenant, customerID, now); err != nil {
		return 0, err
	}
	if _, err := debit(ctx, q, post{tenant: tenant, customer: customerID, kind: KindRedeem, key: "redeem:" + orderID, orderID: orderID,
		reason: "order " + orderName, now: now}, points, true, ""); err != nil {
		return 0, err
	}
	row := &orderRow{TenantID: tenant, OrderID: orderID, CustomerID: customerID, Currency: currency, RedeemedPoints: points, RedeemedValue: value, CreatedAt: now}
	if _, err := q.NewInsert().Model(row).Exec(ctx); err != nil {
		return 0, errs.Wrap(err, "loyalty: redeem")
	}
	return value, nil
}
