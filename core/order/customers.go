package order

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// SQL over a customer's orders for core/segment (RFM figures and "bought"
// rules), which composes it into its own statements; the tables stay this
// package's. Orders count as in stats.go: neither awaiting payment nor
// cancelled. Money spent is what was paid less what was refunded.

// CustomerTotalsSQL is a SELECT of customer_id, orders, spent and
// last_order_at per customer over the counted orders of the tenant bound
// to its first placeholder. With changedSince, only customers who have an
// order changed (placed, paid, cancelled, refunded) after the time bound
// to a second placeholder are included.
func CustomerTotalsSQL(changedSince bool) string {
	s := "SELECT o.customer_id, COUNT(*) AS orders, SUM(o.total - o.refunded_total) AS spent, MAX(o.placed_at) AS last_order_at" +
		" FROM orders o WHERE o.tenant_id = ? AND o.customer_id <> '' AND " + counted
	if changedSince {
		s += " AND o.customer_id IN (" + ChangedCustomersSQL + ")"
	}
	return s + " GROUP BY o.customer_id"
}

// ChangedCustomersSQL selects the customer_id of every customer of the
// tenant (first placeholder) with an order changed after a time (second
// placeholder).
const ChangedCustomersSQL = "SELECT DISTINCT customer_id FROM orders WHERE tenant_id = ? AND updated_at > ? AND customer_id <> ''"

// ChangedTenantsSQL selects the tenant_id of every shop with an order
// changed after a time (its one placeholder); it reads every shop's rows,
// so it runs in platform scope.
const ChangedTenantsSQL = "SELECT DISTINCT tenant_id FROM orders WHERE updated_at > ?"

// BoughtSQL is a boolean expression: the customer row c (its tenant_id
// and id columns) has a counted order with a line whose product_id is in
// the list produced by products (an SQL list or subquery, with whatever
// placeholders it has).
func BoughtSQL(products string) string {
	return "EXISTS (SELECT 1 FROM orders o JOIN order_lines l ON l.tenant_id = o.tenant_id AND l.order_id = o.id" +
		" WHERE o.tenant_id = c.tenant_id AND o.customer_id = c.id AND " + counted + " AND l.product_id IN (" + products + "))"
}

// LastOrdersIn returns, in q, the id of each of the customers' latest
// order (ids are time-ordered), for those who have one: the win-back
// automation (core/mailing) mails a dormant customer once per last order.
func LastOrdersIn(ctx context.Context, q bun.IDB, tenant string, customerIDs []string) (map[string]string, error) {
	out := make(map[string]string, len(customerIDs))
	if len(customerIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		CustomerID string `bun:"customer_id"`
		Last       string `bun:"last_id"`
	}
	err := q.NewRaw("SELECT customer_id, MAX(id) AS last_id FROM orders WHERE tenant_id = ? AND customer_id IN (?) GROUP BY customer_id",
		tenant, bun.List(customerIDs)).Scan(ctx, &rows)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "order: last orders")
	}
	for _, r := range rows {
		out[r.CustomerID] = r.Last
	}
	return out, nil
}

// CustomerOrderIDsSQL selects the id of every order of a customer: the
// tenant is its first placeholder, the customer id its second. Packages
// whose rows point at an order (reviews, returns) select a customer's
// rows with it, through the orders_customer index.
const CustomerOrderIDsSQL = "SELECT id FROM orders WHERE tenant_id = ? AND customer_id = ?"

// LineTitleSQL is a scalar subquery: the title of the order line whose
// tenant and id are in the columns named (by primary key).
func LineTitleSQL(tenantCol, lineCol string) string {
	return "(SELECT l.title FROM order_lines l WHERE l.tenant_id = " + tenantCol + " AND l.id = " + lineCol + ")"
}

// CustomerTotals are a customer's counted orders in one currency: how
// many, what they spent (paid less refunded), the average order value
// and the first and last order's dates.
type CustomerTotals struct {
	Currency string    `bun:"currency" json:"currency"`
	Orders   int64     `bun:"orders" json:"orders"`
	Spent    int64     `bun:"spent" json:"spent"`
	AOV      int64     `bun:"-" json:"aov"`
	First    time.Time `bun:"first_order_at" json:"first_order_at"`
	Last     time.Time `bun:"last_order_at" json:"last_order_at"`
}

// CustomerSummary returns the customer's totals per currency, the one
// with the most orders first (none: no counted order). One statement;
// orders count as in CustomerTotalsSQL.
func (s *Service) CustomerSummary(ctx context.Context, customerID string) ([]CustomerTotals, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	out := []CustomerTotals{}
	if customerID == "" {
		return out, nil
	}
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw("SELECT o.currency, COUNT(*) AS orders, COALESCE(SUM(o.total - o.refunded_total), 0) AS spent,"+
			" MIN(o.placed_at) AS first_order_at, MAX(o.placed_at) AS last_order_at FROM orders o"+
			" WHERE o.tenant_id = ? AND o.customer_id = ? AND "+counted+" GROUP BY o.currency ORDER BY orders DESC, o.currency",
			tenant, customerID).Scan(ctx, &out)
	})
	if err != nil {
		return nil, errs.Wrap(err, "order.CustomerSummary")
	}
	for i := range out {
		out[i].First, out[i].Last = out[i].First.UTC(), out[i].Last.UTC()
		if out[i].Orders > 0 {
			out[i].AOV = out[i].Spent / out[i].Orders
		}
	}
	return out, nil
}
