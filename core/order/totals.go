package order

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// The functions below are how payment, shipping, after-sales, checkout and
// the sweeper change or find orders: they own no SQL over this package's
// tables.

// Lock bumps the order's version in transaction q, so concurrent writers
// of one order (payment attempts) queue on its row.
func Lock(ctx context.Context, q bun.IDB, tenantID, orderID string) error {
	_, err := q.NewUpdate().Model((*Order)(nil)).Set("version = version + 1").
		Where("tenant_id = ? AND id = ?", tenantID, orderID).Exec(ctx)
	return errs.Wrap(err, "order.Lock")
}

// AddPaid adds a captured amount to the order's paid total in q.
func AddPaid(ctx context.Context, q bun.IDB, tenantID, orderID string, amount int64, now time.Time) error {
	_, err := q.NewUpdate().Model((*Order)(nil)).Set("paid_total = paid_total + ?", amount).Set("updated_at = ?", now).
		Where("tenant_id = ? AND id = ?", tenantID, orderID).Exec(ctx)
	return errs.Wrap(err, "order.AddPaid")
}

// AddRefunded adds a refunded amount to the order's refunded total in q.
func AddRefunded(ctx context.Context, q bun.IDB, tenantID, orderID string, amount int64, now time.Time) error {
	_, err := q.NewUpdate().Model((*Order)(nil)).Set("refunded_total = refunded_total + ?", amount).Set("updated_at = ?", now).
		Where("tenant_id = ? AND id = ?", tenantID, orderID).Exec(ctx)
	return errs.Wrap(err, "order.AddRefunded")
}

// Fulfil adds qty shipped units to a line of the order in q, if the line is
// in the order and has that many units left to ship; ok reports whether it
// did (a conditional UPDATE, so concurrent shipments cannot overship).
func Fulfil(ctx context.Context, q bun.IDB, tenantID, orderID, lineID string, qty int64) (ok bool, err error) {
	res, err := q.NewUpdate().Model((*Line)(nil)).Set("fulfilled_quantity = fulfilled_quantity + ?", qty).
		Where("tenant_id = ? AND order_id = ? AND id = ? AND fulfilled_quantity + ? <= quantity", tenantID, orderID, lineID, qty).Exec(ctx)
	if err != nil {
		return false, errs.Wrap(err, "order.Fulfil")
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// AddReturned adds qty units (negative: frees them again) to a line's
// returned quantity in q, if it stays within what was shipped; ok reports
// whether it did.
func AddReturned(ctx context.Context, q bun.IDB, tenantID, lineID string, qty int64) (ok bool, err error) {
	res, err := q.NewUpdate().Model((*Line)(nil)).Set("returned_quantity = returned_quantity + ?", qty).
		Where("tenant_id = ? AND id = ? AND returned_quantity + ? <= fulfilled_quantity", tenantID, lineID, qty).Exec(ctx)
	if err != nil {
		return false, errs.Wrap(err, "order.AddReturned")
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// UnpaidBefore lists, in q, up to limit ids of the context tenant's orders
// still awaiting payment that were placed before the given time, oldest
// first.
func UnpaidBefore(ctx context.Context, q bun.IDB, before time.Time, limit int) ([]string, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var ids []string
	err = q.NewSelect().Model((*Order)(nil)).Column("id").Where("tenant_id = ? AND status = ? AND placed_at < ?", tenant, PendingPayment, before).
		OrderExpr("placed_at").Limit(int64(limit)).Scan(ctx, &ids)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "order.UnpaidBefore")
	}
	return ids, nil
}

// ShopsWithUnpaid lists, in q (which needs the platform scope), the
// tenants with orders awaiting payment placed before the given time.
func ShopsWithUnpaid(ctx context.Context, q bun.IDB, before time.Time) ([]string, error) {
	var shops []string
	err := q.NewRaw("SELECT DISTINCT tenant_id FROM orders WHERE status = ? AND placed_at < ?", PendingPayment, before).Scan(ctx, &shops)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "order.ShopsWithUnpaid")
	}
	return shops, nil
}

// HasPlaced reports, in q, whether the context tenant has an order placed
// by a customer (by account, or by e-mail for a guest or an account's
// earlier guest orders) that was not cancelled: "first order only" offers
// ask it. It stops at the first such order, so a customer with thousands
// of orders costs what one with a single order does.
func HasPlaced(ctx context.Context, q bun.IDB, customerID, email string) (bool, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return false, err
	}
	if customerID == "" && email == "" {
		return false, nil
	}
	sel := q.NewSelect().Model((*Order)(nil)).Column("id").Where("tenant_id = ? AND status <> ?", tenant, Cancelled)
	sel = sel.WhereGroup(" AND ", func(g *bun.SelectQuery) *bun.SelectQuery {
		if customerID != "" {
			g = g.WhereOr("customer_id = ?", customerID)
		}
		if email != "" {
			g = g.WhereOr("email = ?", strings.ToLower(email))
		}
		return g
	})
	ok, err := sel.Limit(1).Exists(ctx)
	if err != nil {
		return false, errs.Wrap(err, "order.HasPlaced")
	}
	return ok, nil
}
