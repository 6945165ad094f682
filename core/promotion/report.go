package promotion

import (
	"context"
	"encoding/csv"
	"io"
	"math/big"
	"sort"
	"strconv"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/store"
)

// Report judges a campaign afterwards (or so far, while it runs). Money is
// in minor units of Currency. Definitions:
//
//   - Campaign orders are the orders holding a redemption of one of the
//     campaign's promotions that was not released, and that were not
//     cancelled (unpaid ones count: they hold their redemption until they
//     are cancelled; one cancelled or refunded in full has released it).
//     Orders in another currency than the report's are left out and
//     counted in OtherCurrencyOrders.
//   - Refunds and returns are netted out, as in the promotions' Stats
//     (see reverse.go): Revenue is what the campaign orders charged (order
//     totals, delivery and tax included) less what was refunded of them
//     since (refunds and store credit for returns); AverageOrder is
//     Revenue / Orders. The baseline's revenue and average are net of
//     refunds the same way.
//   - Discount is what the campaign's promotions gave on those orders and
//     the shoppers kept: the redemption amounts less the discount that
//     returned goods carried back (reversed). ShippingDiscount is the part
//     of it given by delivery promotions; Reversed is the goods discount
//     taken back by returns.
//   - Customers are the distinct shoppers of the campaign orders (the
//     account, or the e-mail for a guest); NewCustomers those for whom a
//     campaign order is their first order in the shop (no earlier order,
//     not cancelled, with the same account or e-mail).
//   - The window is [From, To): From is the campaign's start (or, without
//     one, the start of the day of its first order, in the report's time
//     zone); To is its end, or now while it runs. The baseline is the
//     equally long stretch just before it, [BaselineFrom, From).
//   - The gross margin of a set of orders is what their goods brought in
//     after every merchandise discount, less what those goods cost the
//     shop: Σ (subtotal − merchandise discounts − Σ line cost × quantity),
//     delivery and tax left out. A line sold without a recorded cost
//     counts as costing nothing (UncostedLines says how many there were).
//     Margin is the campaign orders' gross margin. Margins count goods as
//     sold: a return does not lower them (whether returned goods can be
//     sold again is not known here).
//   - IncrementalMargin is the gross margin the campaign added before
//     paying for its discounts: the gross margin of all the shop's orders
//     in the window, plus the campaign's goods discounts as given (Discount
//     − ShippingDiscount + Reversed, which that margin has already paid),
//     minus what the shop's baseline margin per day predicts for the window's days
//     (BaselineMargin: the baseline is as long as the window, so the
//     prediction is the baseline's margin). All the shop's orders are
//     compared, not only the campaign's: orders the campaign did not touch
//     would have been there without it too, and comparing the campaign's
//     orders alone against the whole shop's baseline would charge the
//     campaign for every order outside it.
//   - ROI = (IncrementalMargin − Discount) / Discount, the margin gained
//     per unit of discount given, net of it; nil when no discount was
//     given.
//
// Days is the campaign orders per day in the report's time zone, from the
// window's first day (or the first campaign order's, when earlier) to its
// last (or the last order's), at most MaxReportDays days.
type Report struct {
	CampaignID          string      `json:"campaign_id"`
	Currency            string      `json:"currency"`
	From                time.Time   `json:"from"`
	To                  time.Time   `json:"to"`
	BaselineFrom        time.Time   `json:"baseline_from"`
	Orders              int64       `json:"orders"`
	Customers           int64       `json:"customers"`
	NewCustomers        int64       `json:"new_customers"`
	Revenue             int64       `json:"revenue"`
	Discount            int64       `json:"discount"`
	ShippingDiscount    int64       `json:"shipping_discount"`
	Reversed            int64       `json:"reversed"`
	AverageOrder        int64       `json:"average_order"`
	Cost                int64       `json:"cost"` // what the campaign orders' goods cost
	UncostedLines       int64       `json:"uncosted_lines"`
	Margin              int64       `json:"margin"`
	WindowOrders        int64       `json:"window_orders"`
	WindowMargin        int64       `json:"window_margin"`
	BaselineOrders      int64       `json:"baseline_orders"`
	BaselineRevenue     int64       `json:"baseline_revenue"`
	BaselineAverage     int64       `json:"baseline_average_order"`
	BaselineMargin      int64       `json:"baseline_margin"`
	IncrementalMargin   int64       `json:"incremental_margin"`
	ROI                 *float64    `json:"roi"`
	OtherCurrencyOrders int64       `json:"other_currency_orders"`
	Days                []ReportDay `json:"days"`
}

// ReportDay is one day of a campaign's orders, net of refunds and returns
// as the Report is.
type ReportDay struct {
	Date     string `json:"date"` // YYYY-MM-DD in the report's time zone
	Orders   int64  `json:"orders"`
	Revenue  int64  `json:"revenue"`
	Discount int64  `json:"discount"`
}

// MaxReportDays bounds a report's daily series.
const MaxReportDays = 400

// redeemed is what a campaign's redemptions say about one order.
type redeemed struct {
	OrderID  string `bun:"order_id"`
	Currency string `bun:"currency"`
	Discount int64  `bun:"discount"` // net of reversed
	Shipping int64  `bun:"shipping"` // net of reversed
	Reversed int64  `bun:"reversed"` // goods discount taken back
}

// CampaignReport judges a campaign (see Report); loc is the shop's time
// zone for the days (nil: UTC).
func (s *Service) CampaignReport(ctx context.Context, id string, loc *time.Location) (*Report, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if loc == nil {
		loc = time.UTC
	}
	now := s.now()
	var out *Report
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		c, err := campaign(ctx, q, tenant, id)
		if err != nil {
			return err
		}
		var reds []redeemed
		if err := q.NewSelect().TableExpr("promotion_redemptions AS r").
			Join("JOIN promotions AS p ON p.tenant_id = r.tenant_id AND p.id = r.promotion_id").
			ColumnExpr("r.order_id, MAX(r.currency) AS currency, SUM(r.amount - r.reversed) AS discount").
			ColumnExpr("SUM(CASE WHEN p.kind = ? THEN r.amount - r.reversed ELSE 0 END) AS shipping", string(KindShipping)).
			ColumnExpr("SUM(CASE WHEN p.kind = ? THEN 0 ELSE r.reversed END) AS reversed", string(KindShipping)).
			Where("r.tenant_id = ? AND r.campaign_id = ? AND r.released_at IS NULL", tenant, id).
			GroupExpr("r.order_id").OrderExpr("r.order_id").Scan(ctx, &reds); err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "promotion.CampaignReport")
		}
		byOrder := make(map[string]redeemed, len(reds))
		ids := make([]string, len(reds))
		for i, r := range reds {
			byOrder[r.OrderID], ids[i] = r, r.OrderID
		}
		var sales []order.Sale
		for len(ids) > 0 {
			n := min(len(ids), order.MaxSaleIDs)
			part, err := order.Sales(ctx, q, tenant, ids[:n])
			if err != nil {
				return err
			}
			sales, ids = append(sales, part...), ids[n:]
		}
		sort.Slice(sales, func(i, j int) bool { return sales[i].PlacedAt.Before(sales[j].PlacedAt) })
		out = report(c, sales, byOrder, now, loc)
		if out.From.IsZero() {
			return nil
		}
		win, err := order.SalesIn(ctx, q, tenant, out.Currency, out.From, out.To)
		if err != nil {
			return err
		}
		base, err := order.SalesIn(ctx, q, tenant, out.Currency, out.BaselineFrom, out.From)
		if err != nil {
			return err
		}
		out.judge(win, base)
		return nil
	})
	return out, err
}

// report fills the campaign orders' figures, the window and the days.
func report(c *Campaign, sales []order.Sale, byOrder map[string]redeemed, now time.Time, loc *time.Location) *Report {
	r := &Report{CampaignID: c.ID, Currency: c.Currency, Days: []ReportDay{}}
	if r.Currency == "" && len(sales) > 0 {
		r.Currency = sales[0].Currency
	}
	customers, fresh := map[string]bool{}, map[string]bool{}
	var kept []order.Sale
	for _, x := range sales {
		if x.Currency != r.Currency {
			r.OtherCurrencyOrders++
			continue
		}
		kept = append(kept, x)
		red := byOrder[x.ID]
		who := "e:" + x.Email
		if x.CustomerID != "" {
			who = "c:" + x.CustomerID
		}
		customers[who] = true
		if x.First {
			fresh[who] = true
		}
		r.Orders++
		r.Revenue += x.Total - x.Refunded
		r.Discount += red.Discount
		r.ShippingDiscount += red.Shipping
		r.Reversed += red.Reversed
		r.Cost += x.Cost
		r.UncostedLines += x.Uncosted
		r.Margin += x.Subtotal + x.Discounts - x.Cost
	}
	r.Customers, r.NewCustomers = int64(len(customers)), int64(len(fresh))
	r.AverageOrder = divRound(r.Revenue, r.Orders)

	// The window.
	r.From, r.To = c.StartsAt, c.EndsAt
	if r.From.IsZero() && len(kept) > 0 {
		t := kept[0].PlacedAt.In(loc)
		r.From = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc).UTC()
	}
	if r.To.IsZero() || r.To.After(now) {
		r.To = now
	}
	if r.From.IsZero() || !r.From.Before(r.To) {
		// Not started yet (or nothing to judge): no window, no baseline.
		r.From, r.To = time.Time{}, time.Time{}
	} else {
		r.BaselineFrom = r.From.Add(-r.To.Sub(r.From))
	}
	r.Days = days(r, kept, byOrder, loc)
	return r
}

// days is the daily series of the campaign orders.
func days(r *Report, sales []order.Sale, byOrder map[string]redeemed, loc *time.Location) []ReportDay {
	day := func(t time.Time) time.Time {
		t = t.In(loc)
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	}
	var first, last time.Time
	widen := func(t time.Time) {
		if t.IsZero() {
			return
		}
		d := day(t)
		if first.IsZero() || d.Before(first) {
			first = d
		}
		if last.IsZero() || d.After(last) {
			last = d
		}
	}
	widen(r.From)
	if !r.To.IsZero() {
		widen(r.To.Add(-time.Nanosecond))
	}
	for _, x := range sales {
		widen(x.PlacedAt)
	}
	out := []ReportDay{}
	at := map[string]int{}
	for d := first; !first.IsZero() && !d.After(last) && len(out) < MaxReportDays; d = d.AddDate(0, 0, 1) {
		k := d.Format(time.DateOnly)
		at[k] = len(out)
		out = append(out, ReportDay{Date: k})
	}
	for _, x := range sales {
		i, ok := at[day(x.PlacedAt).Format(time.DateOnly)]
		if !ok {
			continue
		}
		out[i].Orders++
		out[i].Revenue += x.Total - x.Refunded
		out[i].Discount += byOrder[x.ID].Discount
	}
	return out
}

// judge compares the window with the baseline.
func (r *Report) judge(win, base order.PeriodSales) {
	margin := func(p order.PeriodSales) int64 { return p.Subtotal + p.Discounts - p.Cost }
	r.WindowOrders, r.WindowMargin = win.Orders, margin(win)
	r.BaselineOrders, r.BaselineRevenue, r.BaselineMargin = base.Orders, base.Total-base.Refunded, margin(base)
	r.BaselineAverage = divRound(r.BaselineRevenue, base.Orders)
	r.IncrementalMargin = r.WindowMargin + (r.Discount - r.ShippingDiscount + r.Reversed) - r.BaselineMargin
	if r.Discount > 0 {
		roi, _ := new(big.Rat).SetFrac64(r.IncrementalMargin-r.Discount, r.Discount).Float64()
		r.ROI = &roi
	}
}

// divRound is a / b rounded half away from zero (0 when b is 0).
func divRound(a, b int64) int64 {
	if b == 0 {
		return 0
	}
	q, m := a/b, a%b
	if m < 0 {
		m = -m
	}
	if 2*m >= b {
		if a < 0 {
			q--
		} else {
			q++
		}
	}
	return q
}

// WriteCSV writes the report's daily series (date, orders, revenue,
// discount, currency; amounts as plain decimals of the currency) and a
// last row "total" over the whole report.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"date", "orders", "revenue", "discount", "currency"})
	row := func(date string, orders, revenue, discount int64) {
		_ = cw.Write([]string{date, strconv.FormatInt(orders, 10), money.Format(revenue, r.Currency), money.Format(discount, r.Currency), r.Currency})
	}
	for _, d := range r.Days {
		row(d.Date, d.Orders, d.Revenue, d.Discount)
	}
	row("total", r.Orders, r.Revenue, r.Discount)
	cw.Flush()
	return errs.Wrap(cw.Error(), "promotion: report CSV")
}
