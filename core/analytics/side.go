package analytics

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/store"
)

// SideOrder is a counted order another package credits (a promotion, an
// e-mail campaign): when it was placed, its total less refunds, and the
// discount it was given (0 when not a promotion).
type SideOrder = order.Credit

// Sides read the side figures from the packages that own them; they are
// handed in (Options.Sides) because those packages import this one. Each
// lists a shop's records in [from, to) in q: complaint tickets opened
// (aftersales.ComplaintTimes), return requests not rejected
// (aftersales.ReturnTimes), orders holding a promotion redemption
// (promotion.PromotedOrders) and orders credited to an e-mail campaign
// (mailing.AttributedOrders). A nil reader counts nothing, and the KPIs
// over it read as zero or undefined.
type Sides struct {
	Complaints, Returns  func(ctx context.Context, q bun.IDB, tenantID string, from, to time.Time) ([]time.Time, error)
	Promoted, Attributed func(ctx context.Context, q bun.IDB, tenantID string, from, to time.Time) ([]SideOrder, error)
}

// The side figures: KPIs over what other packages own (complaint tickets
// and returns in core/aftersales, redemptions in core/promotion, e-mail
// attributions in core/mailing) and over customers (churn, the retention
// cohorts). They are read at query time from those packages, through one
// query each per range, and put into the buckets on the shop's local
// days: they are a small fraction of the orders (tickets, returns,
// promoted and attributed orders), they change after the day they count
// on (a return is opened, an attribution is written after the order), and
// the rollups are only recomputed for days whose events or orders changed.
// Churn and the cohorts need distinct customers across days, which daily
// sums cannot give.

// localDay is the shop's local day of t.
func localDay(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.DateOnly) }

// addSide adds the side figures of r to its buckets (of grain g, as
// buckets made them) and to total.
func (s *Service) addSide(ctx context.Context, r Range, g Grain, out []Bucket, total *Counts) error {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	loc := r.From.Location()
	from, to := r.From.UTC(), r.To.AddDate(0, 0, 1).UTC()
	at := map[string]int{}
	for i := range out {
		at[out[i].Start] = i
	}
	bucket := func(t time.Time) *Counts {
		d := t.In(loc)
		day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
		start := bucketStart(day, g)
		if start.Before(r.From) {
			start = r.From
		}
		if i, ok := at[start.Format(time.DateOnly)]; ok {
			return &out[i].Counts
		}
		return &Counts{} // outside the range (cannot happen: the queries are bounded by it)
	}
	var buyers []order.Buyer
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		sd := s.o.Sides
		for _, x := range []struct {
			read func(context.Context, bun.IDB, string, time.Time, time.Time) ([]time.Time, error)
			add  func(c *Counts)
		}{{sd.Complaints, func(c *Counts) { c.Complaints++ }}, {sd.Returns, func(c *Counts) { c.Returns++ }}} {
			if x.read == nil {
				continue
			}
			times, err := x.read(ctx, q, tenant, from, to)
			if err != nil {
				return err
			}
			for _, t := range times {
				x.add(bucket(t))
				x.add(total)
			}
		}
		for _, x := range []struct {
			read func(context.Context, bun.IDB, string, time.Time, time.Time) ([]SideOrder, error)
			add  func(c *Counts, o *SideOrder)
		}{
			{sd.Promoted, func(c *Counts, o *SideOrder) {
				c.PromoOrders++
				c.PromoSales += o.NetSales
				c.PromoDiscount += o.Discount
			}},
			{sd.Attributed, func(c *Counts, o *SideOrder) { c.MailOrders++; c.MailSales += o.NetSales }},
		} {
			if x.read == nil {
				continue
			}
			orders, err := x.read(ctx, q, tenant, from, to)
			if err != nil {
				return err
			}
			for i := range orders {
				x.add(bucket(orders[i].PlacedAt), &orders[i])
				x.add(total, &orders[i])
			}
		}
		// Churn: every bucket's window before it lies within the
		// range's previous period and the range itself.
		buyers, err = order.Buyers(ctx, q, tenant, r.Previous().From.UTC(), to, false)
		return err
	})
	if err != nil {
		return errs.Wrap(err, "analytics: side figures")
	}
	byDay := map[string]map[string]bool{}
	for _, b := range buyers {
		d := localDay(b.PlacedAt, loc)
		if byDay[d] == nil {
			byDay[d] = map[string]bool{}
		}
		byDay[d][b.Email] = true
	}
	churn := func(from, to time.Time, c *Counts) {
		n := int(to.Sub(from).Hours()/24+0.5) + 1
		prior, now := map[string]bool{}, map[string]bool{}
		for d := from.AddDate(0, 0, -n); d.Before(from); d = d.AddDate(0, 0, 1) {
			for e := range byDay[d.Format(time.DateOnly)] {
				prior[e] = true
			}
		}
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			for e := range byDay[d.Format(time.DateOnly)] {
				now[e] = true
			}
		}
		c.PriorCustomers, c.Churned = int64(len(prior)), 0
		for e := range prior {
			if !now[e] {
				c.Churned++
			}
		}
	}
	for i := range out {
		s, _ := time.ParseInLocation(time.DateOnly, out[i].Start, loc)
		e, _ := time.ParseInLocation(time.DateOnly, out[i].End, loc)
		churn(s, e, &out[i].Counts)
	}
	churn(r.From, r.To, total)
	return nil
}

// Cohort is the customers who placed their first order in one month,
// and the share of them who ordered again in each month since.
type Cohort struct {
	Month     string `json:"month"` // YYYY-MM, in the shop's time zone
	Customers int64  `json:"customers"`
	// Active[k] is how many of them ordered in the k-th month after
	// Month (Active[0] is Customers); Retained[k] is Active[k] ÷
	// Customers. Months after the range's end are left out.
	Active   []int64   `json:"active"`
	Retained []float64 `json:"retained"`
}

// Cohorts is the retention cohort table of the context shop over the
// months r touches (see the retention_cohorts definition).
func (s *Service) Cohorts(ctx context.Context, r Range) ([]Cohort, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	loc := r.From.Location()
	first := time.Date(r.From.Year(), r.From.Month(), 1, 0, 0, 0, 0, loc)
	var buyers []order.Buyer
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		buyers, err = order.Buyers(ctx, q, tenant, first.UTC(), r.To.AddDate(0, 0, 1).UTC(), true)
		return err
	})
	if err != nil {
		return nil, errs.Wrap(err, "analytics: cohorts")
	}
	monthIndex := func(t time.Time) int {
		l := t.In(loc)
		return (l.Year()-first.Year())*12 + int(l.Month()) - int(first.Month())
	}
	last := monthIndex(r.To)
	active := make([]map[string]map[int]bool, last+1)
	for _, b := range buyers {
		m := monthIndex(b.FirstAt)
		if m < 0 { // a customer from before the range's first month
			continue
		}
		if active[m] == nil {
			active[m] = map[string]map[int]bool{}
		}
		if active[m][b.Email] == nil {
			active[m][b.Email] = map[int]bool{}
		}
		active[m][b.Email][monthIndex(b.PlacedAt)-m] = true
	}
	out := make([]Cohort, last+1)
	for m := range out {
		c := &out[m]
		c.Month = first.AddDate(0, m, 0).Format("2006-01")
		c.Active = make([]int64, last-m+1)
		c.Customers = int64(len(active[m]))
		for _, ks := range active[m] {
			for k := range ks {
				if k >= 0 && k < len(c.Active) {
					c.Active[k]++
				}
			}
		}
		c.Retained = make([]float64, len(c.Active))
		for k, n := range c.Active {
			if c.Customers > 0 {
				c.Retained[k] = float64(n) / float64(c.Customers)
			}
		}
	}
	return out, nil
}
