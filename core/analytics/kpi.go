package analytics

import (
	"context"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// The KPIs. Each is defined once, here, as a function of the rollup
// Counts summed over a range (so any figure can be recomputed from the
// rollups, and the rollups from the raw events and orders), with the
// help text the API and console show.
//
// Visitors are counted per day: the visitor id changes every day by
// design (no cookies, nothing that links a person across days), so the
// visitors of a range are the sum of its daily visitors, as in other
// privacy-first analytics. Sessions are a visitor's events less than 30
// minutes apart. Sales figures count orders neither awaiting payment nor
// cancelled, on the local day they were placed; refunds are subtracted
// from the day of the order they refund.

// Unit says how a KPI's value reads.
type Unit string

// Units.
const (
	UnitCount Unit = "count" // a whole number
	UnitRatio Unit = "ratio" // 0 to 1
	UnitMoney Unit = "money" // minor units of the shop's currency
	UnitValue Unit = "number"
	// UnitTable: not one figure but a table (the retention cohorts), read
	// through its own call; Value is always undefined.
	UnitTable Unit = "table"
)

// Basis is what a KPI is computed from.
type Basis string

// Bases.
const (
	// BasisVisits: storefront events (with or without orders): by time
	// and by traffic source.
	BasisVisits Basis = "visits"
	// BasisOrders: the counted orders alone: by time, traffic source and
	// shipping country (and, for orders, units and sales, by product and
	// category).
	BasisOrders Basis = "orders"
	// BasisOther: other packages' records or customers across days
	// (side.go): by time only.
	BasisOther Basis = "other"
)

// Definition is one KPI.
type Definition struct {
	Name    string `json:"name"`
	Label   string `json:"label"`
	Unit    Unit   `json:"unit"`
	Formula string `json:"formula"`
	Help    string `json:"help"`
	// Hourly: the hourly rollups carry what it needs (series by hour).
	Hourly bool `json:"hourly"`
	// Basis says what the KPI is computed from, and so by which topic
	// report dimensions it can be broken down (topic.go).
	Basis Basis `json:"basis"`

	value func(c *Counts) (float64, bool)
}

// Value computes the KPI from summed counts; ok is false when it is
// undefined (a ratio over zero, a margin without costs).
func (d *Definition) Value(c *Counts) (float64, bool) {
	if d.value == nil {
		return 0, false
	}
	return d.value(c)
}

// Scalar says whether the KPI is one figure (every KPI but the tables).
func (d *Definition) Scalar() bool { return d.value != nil }

func count(f func(c *Counts) int64) func(c *Counts) (float64, bool) {
	return func(c *Counts) (float64, bool) { return float64(f(c)), true }
}

func ratio(num, den func(c *Counts) int64) func(c *Counts) (float64, bool) {
	return func(c *Counts) (float64, bool) {
		d := den(c)
		if d == 0 {
			return 0, false
		}
		return float64(num(c)) / float64(d), true
	}
}

func netSales(c *Counts) int64 { return c.GMV - c.Refunds }

var definitions = []Definition{
	{Name: "visitors", Basis: BasisVisits, Label: "Visitors (UV)", Unit: UnitCount, Formula: "Σ daily unique visitors", Hourly: true,
		Help:  "Unique visitors per day, summed over the range. A visitor is a keyed hash of the shop, address and browser with a salt that changes daily, so one person on two days counts twice. Bots and Do-Not-Track visits are not visitors.",
		value: count(func(c *Counts) int64 { return c.Visitors })},
	{Name: "pageviews", Basis: BasisVisits, Label: "Page views (PV)", Unit: UnitCount, Formula: "Σ page, product and search page views", Hourly: true,
		Help:  "Storefront pages served, cached or not (including Do-Not-Track visits, counted without a visitor).",
		value: count(func(c *Counts) int64 { return c.Pageviews })},
	{Name: "product_views", Basis: BasisVisits, Label: "Product views", Unit: UnitCount, Formula: "Σ product page views", Hourly: true,
		Help: "Product pages served.", value: count(func(c *Counts) int64 { return c.ProductViews })},
	{Name: "sessions", Basis: BasisVisits, Label: "Sessions", Unit: UnitCount, Formula: "Σ sessions", Hourly: true,
		Help:  "Visits: a visitor's events less than 30 minutes apart, on the session's first hour and source.",
		value: count(func(c *Counts) int64 { return c.Sessions })},
	{Name: "bounce_rate", Basis: BasisVisits, Label: "Bounce rate", Unit: UnitRatio, Formula: "bounces ÷ sessions",
		Help:  "Share of sessions that saw one page and did nothing else.",
		value: ratio(func(c *Counts) int64 { return c.Bounces }, func(c *Counts) int64 { return c.Sessions })},
	{Name: "new_visitor_share", Basis: BasisVisits, Label: "New visitors", Unit: UnitRatio, Formula: "new visitors ÷ visitors",
		Help:  "Share of the day's visitors whose first request showed no earlier visit (no revalidation of a page their browser kept, no shop session cookie).",
		value: ratio(func(c *Counts) int64 { return c.NewVisitors }, func(c *Counts) int64 { return c.Visitors })},
	{Name: "conversion_rate", Basis: BasisVisits, Label: "Conversion rate", Unit: UnitRatio, Formula: "sessions with an order ÷ sessions",
		Help:  "Share of sessions in which an order was placed.",
		value: ratio(func(c *Counts) int64 { return c.ConvertedSessions }, func(c *Counts) int64 { return c.Sessions })},
	{Name: "add_to_cart_rate", Basis: BasisVisits, Label: "Add-to-cart rate", Unit: UnitRatio, Formula: "sessions with an add to cart ÷ sessions",
		Help:  "Share of sessions that put something in the cart.",
		value: ratio(func(c *Counts) int64 { return c.CartSessions }, func(c *Counts) int64 { return c.Sessions })},
	{Name: "wishlist_rate", Basis: BasisVisits, Label: "Wishlist rate", Unit: UnitRatio, Formula: "sessions with a wishlist add ÷ sessions",
		Help:  "Share of sessions that added something to a wishlist.",
		value: ratio(func(c *Counts) int64 { return c.WishlistSessions }, func(c *Counts) int64 { return c.Sessions })},
	{Name: "checkout_abandonment", Basis: BasisVisits, Label: "Checkout abandonment", Unit: UnitRatio, Formula: "checkout sessions without an order ÷ checkout sessions",
		Help:  "Share of sessions that opened the checkout and placed no order.",
		value: ratio(func(c *Counts) int64 { return c.AbandonedCheckouts }, func(c *Counts) int64 { return c.CheckoutSessions })},
	{Name: "gmv", Basis: BasisOrders, Label: "Sales (GMV)", Unit: UnitMoney, Formula: "Σ order totals", Hourly: true,
		Help:  "Total of the orders placed (neither awaiting payment nor cancelled), shipping and tax included, before refunds.",
		value: count(func(c *Counts) int64 { return c.GMV })},
	{Name: "orders", Basis: BasisOrders, Label: "Orders", Unit: UnitCount, Formula: "Σ orders", Hourly: true,
		Help: "Orders placed, neither awaiting payment nor cancelled.", value: count(func(c *Counts) int64 { return c.Orders })},
	{Name: "aov", Basis: BasisOrders, Label: "Average order value", Unit: UnitMoney, Formula: "GMV ÷ orders",
		Help: "What an order is worth on average (客单价), rounded to the minor unit.",
		value: func(c *Counts) (float64, bool) {
			if c.Orders == 0 {
				return 0, false
			}
			return math.Round(float64(c.GMV) / float64(c.Orders)), true
		}},
	{Name: "units_per_order", Basis: BasisOrders, Label: "Units per order", Unit: UnitValue, Formula: "units ÷ orders",
		Help:  "Items bought per order on average.",
		value: ratio(func(c *Counts) int64 { return c.Units }, func(c *Counts) int64 { return c.Orders })},
	{Name: "units", Basis: BasisOrders, Label: "Units sold", Unit: UnitCount, Formula: "Σ order line quantities",
		Help: "Items bought in the orders placed.", value: count(func(c *Counts) int64 { return c.Units })},
	{Name: "refunds", Basis: BasisOrders, Label: "Refunds", Unit: UnitMoney, Formula: "Σ refunded on the range's orders",
		Help: "Money given back on the orders placed in the range.", value: count(func(c *Counts) int64 { return c.Refunds })},
	{Name: "net_sales", Basis: BasisOrders, Label: "Net sales", Unit: UnitMoney, Formula: "GMV − refunds",
		Help: "Sales after refunds.", value: count(netSales)},
	{Name: "gross_margin", Basis: BasisOrders, Label: "Gross margin", Unit: UnitRatio, Formula: "(net sales − cost of goods) ÷ net sales",
		Help: "Share of net sales left after what the goods cost (order lines' cost at sale time × quantity). Unknown until every order in the range carries its lines' cost.",
		value: func(c *Counts) (float64, bool) {
			n := netSales(c)
			if c.Orders == 0 || c.CostedOrders != c.Orders || n <= 0 {
				return 0, false
			}
			return float64(n-c.Cost) / float64(n), true
		}},
	{Name: "new_customers", Basis: BasisOrders, Label: "New customers", Unit: UnitCount, Formula: "Σ first orders",
		Help:  "Orders that were a customer's first (no earlier counted order from the same e-mail address): the number of new customers.",
		value: count(func(c *Counts) int64 { return c.NewCustomers })},
	{Name: "returning_customer_orders", Basis: BasisOrders, Label: "Returning customers' orders", Unit: UnitCount, Formula: "orders − first orders",
		Help: "Orders from customers who had ordered before.", value: count(func(c *Counts) int64 { return c.RepeatOrders })},
	{Name: "repurchase_rate", Basis: BasisOrders, Label: "Repurchase rate", Unit: UnitRatio, Formula: "returning customers' orders ÷ orders",
		Help:  "Share of orders placed by customers who had ordered before (复购率).",
		value: ratio(func(c *Counts) int64 { return c.RepeatOrders }, func(c *Counts) int64 { return c.Orders })},
	{Name: "churn_rate", Basis: BasisOther, Label: "Churn", Unit: UnitRatio, Formula: "customers of the window before who bought nothing in the period ÷ customers of the window before",
		Help:  "Of the customers (distinct e-mail addresses) with a counted order in the window of the same length just before the period (the day, week or month before a bucket; the previous period for the whole range), the share who placed no counted order in the period. By day it compares with the day before, so it reads best by week or month.",
		value: ratio(func(c *Counts) int64 { return c.Churned }, func(c *Counts) int64 { return c.PriorCustomers })},
	{Name: "retention_cohorts", Basis: BasisOther, Label: "Retention cohorts", Unit: UnitTable, Formula: "cohort month × months since: customers with an order ÷ cohort customers",
		Help: "Customers (distinct e-mail addresses) grouped by the local month of their first counted order ever, for each month the range touches; for each month since (0 is the first month, always 100%), the share of the cohort who placed a counted order in that month. Customers whose first order is before the range's first month are in no cohort; months after the range's end are not shown."},
	{Name: "complaints", Basis: BasisOther, Label: "Complaints", Unit: UnitCount, Formula: "Σ complaint tickets opened",
		Help:  "Service tickets of the kind complaint opened in the period (core/aftersales), on the local day they were opened.",
		value: count(func(c *Counts) int64 { return c.Complaints })},
	{Name: "complaint_rate", Basis: BasisOther, Label: "Complaint rate", Unit: UnitRatio, Formula: "complaint tickets opened ÷ orders",
		Help:  "Complaint tickets opened in the period per order placed in the period (both on their local day; a complaint about an older order counts when it is opened).",
		value: ratio(func(c *Counts) int64 { return c.Complaints }, func(c *Counts) int64 { return c.Orders })},
	{Name: "return_rate", Basis: BasisOther, Label: "Return rate", Unit: UnitRatio, Formula: "return requests (not rejected) ÷ orders",
		Help:  "Return requests opened in the period and not rejected (core/aftersales), per order placed in the period, each on its local day.",
		value: ratio(func(c *Counts) int64 { return c.Returns }, func(c *Counts) int64 { return c.Orders })},
	{Name: "promotion_participation", Basis: BasisOther, Label: "Promotion participation", Unit: UnitRatio, Formula: "orders with a promotion ÷ orders",
		Help:  "Share of the orders placed in the period that hold a promotion redemption (a discount, coupon or delivery offer of core/promotion) that was not released.",
		value: ratio(func(c *Counts) int64 { return c.PromoOrders }, func(c *Counts) int64 { return c.Orders })},
	{Name: "promotion_discount", Basis: BasisOther, Label: "Promotion discount", Unit: UnitMoney, Formula: "Σ redemption amounts − reversed, on the period's orders",
		Help:  "What promotions gave on the orders placed in the period and the shoppers kept (discount taken back by returns is subtracted).",
		value: count(func(c *Counts) int64 { return c.PromoDiscount })},
	{Name: "promotion_roi", Basis: BasisOther, Label: "Promotion return on discount", Unit: UnitValue, Formula: "(promoted orders' net sales − discount) ÷ discount",
		Help: "Net sales (after refunds) of the orders holding a promotion, less the discount given on them, per unit of discount. A revenue ratio over all promotions, without a baseline: the incremental-margin ROI of one campaign is in its campaign report (core/promotion).",
		value: func(c *Counts) (float64, bool) {
			if c.PromoDiscount <= 0 {
				return 0, false
			}
			return float64(c.PromoSales-c.PromoDiscount) / float64(c.PromoDiscount), true
		}},
	{Name: "campaign_participation", Basis: BasisOther, Label: "E-mail campaign orders", Unit: UnitRatio, Formula: "orders credited to an e-mail campaign ÷ orders",
		Help:  "Share of the orders placed in the period credited to an e-mail campaign (core/mailing: the buyer clicked a campaign's link within the shop's attribution window before ordering).",
		value: ratio(func(c *Counts) int64 { return c.MailOrders }, func(c *Counts) int64 { return c.Orders })},
	{Name: "campaign_revenue", Basis: BasisOther, Label: "E-mail campaign sales", Unit: UnitMoney, Formula: "Σ net sales of orders credited to an e-mail campaign",
		Help:  "Net sales (after refunds) of the orders placed in the period that an e-mail campaign is credited with. Sending costs are not recorded, so no ROI is computed for e-mail campaigns.",
		value: count(func(c *Counts) int64 { return c.MailSales })},
}

// Definitions lists every KPI.
func Definitions() []Definition { return append([]Definition(nil), definitions...) }

// Lookup finds a KPI by name.
func Lookup(name string) (*Definition, bool) {
	for i := range definitions {
		if definitions[i].Name == name {
			return &definitions[i], true
		}
	}
	return nil, false
}

// Grain is the size of a series' buckets, in the shop's time zone.
type Grain string

// Grains. Weeks start on Monday.
const (
	Hour  Grain = "hour"
	Day   Grain = "day"
	Week  Grain = "week"
	Month Grain = "month"
)

// ParseGrain reads a grain ("" is day).
func ParseGrain(s string) (Grain, error) {
	switch g := Grain(s); g {
	case "":
		return Day, nil
	case Hour, Day, Week, Month:
		return g, nil
	}
	return "", errs.Field("grain", "must be hour, day, week or month")
}

// Range is a span of the shop's local days, both ends included.
type Range struct {
	From, To time.Time // local midnights
}

// Days is how many days the range spans.
func (r Range) Days() int { return int(math.Round(r.To.Sub(r.From).Hours()/24)) + 1 }

func (r Range) fromDay() string { return r.From.Format(time.DateOnly) }
func (r Range) toDay() string   { return r.To.Format(time.DateOnly) }

// Previous is the range of the same length just before r.
func (r Range) Previous() Range {
	n := r.Days()
	return Range{From: r.From.AddDate(0, 0, -n), To: r.From.AddDate(0, 0, -1)}
}

// LastYear is the same dates a year earlier.
func (r Range) LastYear() Range {
	return Range{From: r.From.AddDate(-1, 0, 0), To: r.To.AddDate(-1, 0, 0)}
}

// ParseRange reads a range of the context shop's local days (YYYY-MM-DD,
// both included; empty from: the last 30 days to today) and checks it
// against the shop's retention.
func (s *Service) ParseRange(ctx context.Context, from, to string) (Range, Settings, error) {
	st, err := s.Settings(ctx)
	if err != nil {
		return Range{}, st, err
	}
	loc := st.location()
	y, m, d := s.now().In(loc).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, loc)
	r := Range{From: today.AddDate(0, 0, -29), To: today}
	if to != "" {
		if r.To, err = time.ParseInLocation(time.DateOnly, to, loc); err != nil {
			return r, st, errs.Field("to", "must be a date such as 2026-11-30")
		}
		if from == "" {
			r.From = r.To.AddDate(0, 0, -29)
		}
	}
	if from != "" {
		if r.From, err = time.ParseInLocation(time.DateOnly, from, loc); err != nil {
			return r, st, errs.Field("from", "must be a date such as 2026-11-01")
		}
	}
	switch {
	case r.To.Before(r.From):
		return r, st, errs.Field("to", "must not be before from")
	case r.Days() > st.RetentionDays:
		return r, st, errs.Field("to", "the range is longer than the shop's retention of %d days", st.RetentionDays)
	case r.From.Before(today.AddDate(0, 0, -st.RetentionDays)):
		return r, st, errs.Field("from", "is before the shop's retention of %d days", st.RetentionDays)
	}
	return r, st, nil
}

var countColumns = []string{"visitors", "new_visitors", "sessions", "bounces", "pageviews", "product_views", "searches",
	"add_to_carts", "removes", "wishlist_adds", "checkouts", "cart_sessions", "wishlist_sessions", "checkout_sessions",
	"abandoned_checkouts", "converted_sessions", "orders", "gmv", "refunds", "units", "cost", "costed_orders", "new_customers", "repeat_orders"}

func sums(q *bun.SelectQuery, cols []string) *bun.SelectQuery {
	for _, c := range cols {
		q = q.ColumnExpr("CAST(COALESCE(SUM(?), 0) AS BIGINT) AS ?", bun.Ident(c), bun.Ident(c))
	}
	return q
}

type dayCounts struct {
	Day string `bun:"day"`
	Counts
}

// daily reads the context shop's daily rollups of a range, summed per
// day (the sources added up).
func (s *Service) daily(ctx context.Context, r Range) ([]dayCounts, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var rows []dayCounts
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return sums(q.NewSelect().Model((*dailyRow)(nil)).Column("day"), countColumns).
			Where("tenant_id = ? AND day >= ? AND day <= ?", tenant, r.fromDay(), r.toDay()).
			GroupExpr("day").OrderExpr("day").Scan(ctx, &rows)
	})
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "analytics: daily rollups")
	}
	return rows, nil
}

// Bucket is one step of a series: local days [Start, End].
type Bucket struct {
	Start  string `json:"start"`          // YYYY-MM-DD, or YYYY-MM-DDTHH:00 by hour
	End    string `json:"end"`            // the bucket's last day (inclusive)
	Counts Counts `json:"-"`              // summed rollups
	Hour   int    `json:"hour,omitempty"` // by hour: 0 to 23 (Start holds the day)
}

func bucketStart(d time.Time, g Grain) time.Time {
	switch g {
	case Week:
		return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
	case Month:
		return time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, d.Location())
	}
	return d
}

func bucketEnd(start time.Time, g Grain) time.Time {
	switch g {
	case Week:
		return start.AddDate(0, 0, 6)
	case Month:
		return start.AddDate(0, 1, -1)
	}
	return start
}

// buckets sums a range's daily rollups into buckets of a grain (day,
// week or month), every bucket of the range present, clipped to it.
// The side figures (side.go) are read only when side is set: they are
// queries over other packages' records and the orders, not rollups.
func (s *Service) buckets(ctx context.Context, r Range, g Grain, side bool) ([]Bucket, Counts, error) {
	rows, err := s.daily(ctx, r)
	if err != nil {
		return nil, Counts{}, err
	}
	var out []Bucket
	at := map[string]int{}
	for d := bucketStart(r.From, g); !d.After(r.To); d = bucketEnd(d, g).AddDate(0, 0, 1) {
		start, end := d, bucketEnd(d, g)
		if start.Before(r.From) {
			start = r.From
		}
		if end.After(r.To) {
			end = r.To
		}
		at[d.Format(time.DateOnly)] = len(out)
		out = append(out, Bucket{Start: start.Format(time.DateOnly), End: end.Format(time.DateOnly)})
	}
	var total Counts
	for i := range rows {
		day, err := time.ParseInLocation(time.DateOnly, rows[i].Day, r.From.Location())
		if err != nil {
			continue
		}
		if j, ok := at[bucketStart(day, g).Format(time.DateOnly)]; ok {
			out[j].Counts.Add(&rows[i].Counts)
		}
		total.Add(&rows[i].Counts)
	}
	if side {
		if err := s.addSide(ctx, r, g, out, &total); err != nil {
			return nil, Counts{}, err
		}
	}
	return out, total, nil
}

// Figure is a KPI's value: nil when undefined.
type Figure = *float64

func figure(d *Definition, c *Counts) Figure {
	v, ok := d.Value(c)
	if !ok {
		return nil
	}
	return &v
}

// KPI is one KPI over a range with its comparisons.
type KPI struct {
	Name     string `json:"name"`
	Label    string `json:"label"`
	Unit     Unit   `json:"unit"`
	Value    Figure `json:"value"`
	Previous Figure `json:"previous,omitempty"`
	LastYear Figure `json:"last_year,omitempty"`
	// Change is the relative change against each comparison (0.25 is
	// +25%); nil when the comparison is zero or undefined.
	ChangePrevious Figure `json:"change_previous,omitempty"`
	ChangeLastYear Figure `json:"change_last_year,omitempty"`
}

// Compare selects comparisons.
type Compare struct {
	Previous, LastYear bool
	// RollupsOnly leaves out the KPIs of BasisOther (complaints, returns,
	// promotion and campaign participation, churn), which are read from
	// other packages and the orders at query time: the dashboard's
	// headline needs none of them, and reads rollups alone.
	RollupsOnly bool
}

// ParseCompare reads "previous", "year" or both, comma-separated.
func ParseCompare(s string) (Compare, error) {
	var c Compare
	for _, p := range strings.Split(s, ",") {
		switch strings.TrimSpace(p) {
		case "":
		case "previous":
			c.Previous = true
		case "year":
			c.LastYear = true
		default:
			return c, errs.Field("compare", "must be previous, year or both (previous,year)")
		}
	}
	return c, nil
}

// Report is every KPI over a range, with its buckets.
type Report struct {
	From     string    `json:"from"`
	To       string    `json:"to"`
	Grain    Grain     `json:"grain"`
	TimeZone string    `json:"time_zone"`
	Totals   Counts    `json:"totals"`
	KPIs     []KPI     `json:"kpis"`
	Buckets  []Bucket  `json:"-"`
	Previous *RangeRef `json:"previous,omitempty"`
	LastYear *RangeRef `json:"last_year,omitempty"`
}

// RangeRef names a comparison range.
type RangeRef struct {
	From string `json:"from"`
	To   string `json:"to"`
}

func change(cur, base Figure) Figure {
	if cur == nil || base == nil || *base == 0 {
		return nil
	}
	v := (*cur - *base) / math.Abs(*base)
	return &v
}

// KPIs computes every KPI of the context shop over r from the daily
// rollups, in buckets of grain g (day, week or month), with the chosen
// comparisons.
func (s *Service) KPIs(ctx context.Context, r Range, g Grain, cmp Compare) (*Report, error) {
	if g == Hour {
		return nil, errs.Field("grain", "the KPI report is by day, week or month (hourly series: /series with an hourly metric)")
	}
	st, err := s.Settings(ctx)
	if err != nil {
		return nil, err
	}
	side := !cmp.RollupsOnly
	buckets, total, err := s.buckets(ctx, r, g, side)
	if err != nil {
		return nil, err
	}
	rep := &Report{From: r.fromDay(), To: r.toDay(), Grain: g, TimeZone: st.TimeZone, Totals: total, Buckets: buckets}
	var prev, last Counts
	if cmp.Previous {
		p := r.Previous()
		if _, prev, err = s.buckets(ctx, p, Month, side); err != nil {
			return nil, err
		}
		rep.Previous = &RangeRef{p.fromDay(), p.toDay()}
	}
	if cmp.LastYear {
		p := r.LastYear()
		if _, last, err = s.buckets(ctx, p, Month, side); err != nil {
			return nil, err
		}
		rep.LastYear = &RangeRef{p.fromDay(), p.toDay()}
	}
	for i := range definitions {
		d := &definitions[i]
		if !d.Scalar() || (!side && d.Basis == BasisOther) {
			continue
		}
		k := KPI{Name: d.Name, Label: d.Label, Unit: d.Unit, Value: figure(d, &total)}
		if cmp.Previous {
			k.Previous = figure(d, &prev)
			k.ChangePrevious = change(k.Value, k.Previous)
		}
		if cmp.LastYear {
			k.LastYear = figure(d, &last)
			k.ChangeLastYear = change(k.Value, k.LastYear)
		}
		rep.KPIs = append(rep.KPIs, k)
	}
	return rep, nil
}

// Point is one bucket of a series.
type Point struct {
	Start string `json:"start"`
	End   string `json:"end"`
	Hour  *int   `json:"hour,omitempty"`
	Value Figure `json:"value"`
}

// Series is one KPI over a range, bucket by bucket.
func (s *Service) Series(ctx context.Context, metric string, r Range, g Grain) ([]Point, error) {
	d, ok := Lookup(metric)
	if !ok {
		return nil, errs.Field("metric", "unknown metric %q (see /api/analytics/definitions)", metric)
	}
	if !d.Scalar() {
		return nil, errs.Field("metric", "%s is a table, not a series (see /api/analytics/cohorts)", metric)
	}
	if g == Hour {
		return s.hourSeries(ctx, d, r)
	}
	buckets, _, err := s.buckets(ctx, r, g, d.Basis == BasisOther)
	if err != nil {
		return nil, err
	}
	out := make([]Point, len(buckets))
	for i := range buckets {
		out[i] = Point{Start: buckets[i].Start, End: buckets[i].End, Value: figure(d, &buckets[i].Counts)}
	}
	return out, nil
}

// maxHourDays caps an hourly series.
const maxHourDays = 31

func (s *Service) hourSeries(ctx context.Context, d *Definition, r Range) ([]Point, error) {
	if !d.Hourly {
		return nil, errs.Field("grain", "%s has no hourly figures; use day, week or month", d.Name)
	}
	if r.Days() > maxHourDays {
		return nil, errs.Field("grain", "hourly series cover at most %d days", maxHourDays)
	}
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var rows []hourlyRow
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&rows).Where("tenant_id = ? AND day >= ? AND day <= ?", tenant, r.fromDay(), r.toDay()).Scan(ctx)
	})
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "analytics: hourly rollups")
	}
	by := map[[2]any]*hourlyRow{}
	for i := range rows {
		by[[2]any{rows[i].Day, rows[i].Hour}] = &rows[i]
	}
	var out []Point
	for day := r.From; !day.After(r.To); day = day.AddDate(0, 0, 1) {
		ds := day.Format(time.DateOnly)
		for h := range 24 {
			var c Counts
			if x := by[[2]any{ds, h}]; x != nil {
				c = Counts{Visitors: x.Visitors, Sessions: x.Sessions, Pageviews: x.Pageviews, ProductViews: x.ProductViews,
					AddToCarts: x.AddToCarts, Checkouts: x.Checkouts, Orders: x.Orders, GMV: x.GMV}
			}
			hh := h
			out = append(out, Point{Start: ds, End: ds, Hour: &hh, Value: figure(d, &c)})
		}
	}
	return out, nil
}

// SourceRow is one traffic source over a range.
type SourceRow struct {
	SourceKey
	Counts
}

// Sources sums the context shop's rollups of r by traffic source, most
// sessions first (then most sales).
func (s *Service) Sources(ctx context.Context, r Range) ([]SourceRow, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var rows []SourceRow
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return sums(q.NewSelect().Model((*dailyRow)(nil)).Column("source", "medium", "campaign"), countColumns).
			Where("tenant_id = ? AND day >= ? AND day <= ?", tenant, r.fromDay(), r.toDay()).
			GroupExpr("source, medium, campaign").Scan(ctx, &rows)
	})
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "analytics: sources")
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.Sessions != b.Sessions {
			return a.Sessions > b.Sessions
		}
		if a.GMV != b.GMV {
			return a.GMV > b.GMV
		}
		return a.SourceKey.Source+a.Medium+a.Campaign < b.SourceKey.Source+b.Medium+b.Campaign
	})
	return rows, nil
}
