package analytics

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

// SessionGap ends a session: a visitor's events further apart than this
// belong to different sessions.
const SessionGap = 30 * time.Minute

// SourceUnknown is the source of orders placed without a counted visit
// (the API, draft orders, Do-Not-Track shoppers, orders from before
// analytics).
const SourceUnknown = "(unknown)"

// Counts are the additive figures of a rollup row; every KPI is a sum of
// them over a range, or a ratio of two such sums (kpi.go).
type Counts struct {
	Visitors           int64 `bun:"visitors" json:"visitors"`
	NewVisitors        int64 `bun:"new_visitors" json:"new_visitors"`
	Sessions           int64 `bun:"sessions" json:"sessions"`
	Bounces            int64 `bun:"bounces" json:"bounces"`
	Pageviews          int64 `bun:"pageviews" json:"pageviews"`
	ProductViews       int64 `bun:"product_views" json:"product_views"`
	Searches           int64 `bun:"searches" json:"searches"`
	AddToCarts         int64 `bun:"add_to_carts" json:"add_to_carts"`
	Removes            int64 `bun:"removes" json:"removes"`
	WishlistAdds       int64 `bun:"wishlist_adds" json:"wishlist_adds"`
	Checkouts          int64 `bun:"checkouts" json:"checkouts"`
	CartSessions       int64 `bun:"cart_sessions" json:"cart_sessions"`
	WishlistSessions   int64 `bun:"wishlist_sessions" json:"wishlist_sessions"`
	CheckoutSessions   int64 `bun:"checkout_sessions" json:"checkout_sessions"`
	AbandonedCheckouts int64 `bun:"abandoned_checkouts" json:"abandoned_checkouts"`
	ConvertedSessions  int64 `bun:"converted_sessions" json:"converted_sessions"`
	Orders             int64 `bun:"orders" json:"orders"`
	GMV                int64 `bun:"gmv" json:"gmv"`
	Refunds            int64 `bun:"refunds" json:"refunds"`
	Units              int64 `bun:"units" json:"units"`
	Cost               int64 `bun:"cost" json:"cost"`
	CostedOrders       int64 `bun:"costed_orders" json:"costed_orders"`
	NewCustomers       int64 `bun:"new_customers" json:"new_customers"`
	RepeatOrders       int64 `bun:"repeat_orders" json:"repeat_orders"`

	// Read at query time from the packages that own them (side.go), not
	// stored in the rollups: complaint tickets and return requests opened,
	// orders holding a promotion redemption with their net sales and
	// discount, orders credited to an e-mail campaign with their net
	// sales, and the churn figures of a bucket.
	Complaints    int64 `bun:"-" json:"complaints"`
	Returns       int64 `bun:"-" json:"returns"`
	PromoOrders   int64 `bun:"-" json:"promo_orders"`
	PromoSales    int64 `bun:"-" json:"promo_sales"`
	PromoDiscount int64 `bun:"-" json:"promo_discount"`
	MailOrders    int64 `bun:"-" json:"mail_orders"`
	MailSales     int64 `bun:"-" json:"mail_sales"`
	// PriorCustomers bought in the window of the same length just before
	// the bucket; Churned are those of them who bought nothing in it.
	// Not additive: set per bucket and per range (side.go).
	PriorCustomers int64 `bun:"-" json:"prior_customers"`
	Churned        int64 `bun:"-" json:"churned"`
}

// Add adds o to c.
func (c *Counts) Add(o *Counts) {
	c.Visitors += o.Visitors
	c.NewVisitors += o.NewVisitors
	c.Sessions += o.Sessions
	c.Bounces += o.Bounces
	c.Pageviews += o.Pageviews
	c.ProductViews += o.ProductViews
	c.Searches += o.Searches
	c.AddToCarts += o.AddToCarts
	c.Removes += o.Removes
	c.WishlistAdds += o.WishlistAdds
	c.Checkouts += o.Checkouts
	c.CartSessions += o.CartSessions
	c.WishlistSessions += o.WishlistSessions
	c.CheckoutSessions += o.CheckoutSessions
	c.AbandonedCheckouts += o.AbandonedCheckouts
	c.ConvertedSessions += o.ConvertedSessions
	c.Orders += o.Orders
	c.GMV += o.GMV
	c.Refunds += o.Refunds
	c.Units += o.Units
	c.Cost += o.Cost
	c.CostedOrders += o.CostedOrders
	c.NewCustomers += o.NewCustomers
	c.RepeatOrders += o.RepeatOrders
	c.Complaints += o.Complaints
	c.Returns += o.Returns
	c.PromoOrders += o.PromoOrders
	c.PromoSales += o.PromoSales
	c.PromoDiscount += o.PromoDiscount
	c.MailOrders += o.MailOrders
	c.MailSales += o.MailSales
}

// SourceKey is a traffic source as the rollups group it.
type SourceKey struct {
	Source   string `bun:"source,pk" json:"source"`
	Medium   string `bun:"medium,pk" json:"medium"`
	Campaign string `bun:"campaign,pk" json:"campaign"`
}

type dailyRow struct {
	bun.BaseModel `bun:"table:analytics_daily"`

	TenantID string `bun:"tenant_id,pk"`
	Day      string `bun:"day,pk"`
	SourceKey
	Counts
}

type hourlyRow struct {
	bun.BaseModel `bun:"table:analytics_hourly"`

	TenantID     string `bun:"tenant_id,pk"`
	Day          string `bun:"day,pk"`
	Hour         int    `bun:"hour,pk"`
	Visitors     int64  `bun:"visitors"`
	Sessions     int64  `bun:"sessions"`
	Pageviews    int64  `bun:"pageviews"`
	ProductViews int64  `bun:"product_views"`
	AddToCarts   int64  `bun:"add_to_carts"`
	Checkouts    int64  `bun:"checkouts"`
	Orders       int64  `bun:"orders"`
	GMV          int64  `bun:"gmv"`
}

// rollEvent is what the rollup reads of an event.
type rollEvent struct {
	Visitor    string    `bun:"visitor"`
	OccurredAt time.Time `bun:"occurred_at"`
	Hour       int       `bun:"hour"`
	Kind       Kind      `bun:"kind"`
	Returning  bool      `bun:"returned"`
	Source     string    `bun:"source"`
	Medium     string    `bun:"medium"`
	Campaign   string    `bun:"campaign"`
}

func (e *rollEvent) source() SourceKey {
	if e.Source == "" {
		return SourceKey{Source: SourceDirect, Medium: MediumNone}
	}
	return SourceKey{e.Source, e.Medium, e.Campaign}
}

// dayFold computes one shop-day's rollups from its events (ordered by
// visitor, then time) and its orders.
type dayFold struct {
	daily  map[SourceKey]*Counts
	hourly [24]hourlyRow

	visitor      string
	firstSrc     SourceKey
	firstReturn  bool
	hours        uint32
	inSession    bool
	last         time.Time
	sessStartHr  int
	sessSrc      SourceKey
	sessEvents   int
	sessPages    int
	sessCart     bool
	sessWish     bool
	sessCheckout bool
	sessOrder    bool
}

func newDayFold() *dayFold { return &dayFold{daily: map[SourceKey]*Counts{}} }

func (f *dayFold) row(k SourceKey) *Counts {
	c := f.daily[k]
	if c == nil {
		c = &Counts{}
		f.daily[k] = c
	}
	return c
}

func (f *dayFold) countKind(c *Counts, h *hourlyRow, k Kind) {
	if k.Page() {
		c.Pageviews++
		h.Pageviews++
	}
	switch k {
	case ProductView:
		c.ProductViews++
		h.ProductViews++
	case Search:
		c.Searches++
	case AddToCart:
		c.AddToCarts++
		h.AddToCarts++
	case RemoveFromCart:
		c.Removes++
	case WishlistAdd:
		c.WishlistAdds++
	case CheckoutStart:
		c.Checkouts++
		h.Checkouts++
	}
}

func (f *dayFold) add(e *rollEvent) {
	hr := &f.hourly[e.Hour%24]
	if e.Visitor == "" { // counted anonymously: no visitor, no session
		f.countKind(f.row(e.source()), hr, e.Kind)
		return
	}
	if e.Visitor != f.visitor {
		f.endVisitor()
		f.visitor, f.firstReturn, f.hours = e.Visitor, e.Returning, 0
	}
	if !f.inSession || e.OccurredAt.Sub(f.last) >= SessionGap {
		f.endSession()
		f.inSession, f.sessStartHr, f.sessSrc = true, e.Hour%24, e.source()
		if f.hours == 0 {
			f.firstSrc = f.sessSrc
		}
	}
	f.last = e.OccurredAt
	f.hours |= 1 << uint(e.Hour%24)
	f.sessEvents++
	if e.Kind.Page() {
		f.sessPages++
	}
	switch e.Kind {
	case AddToCart:
		f.sessCart = true
	case WishlistAdd:
		f.sessWish = true
	case CheckoutStart:
		f.sessCheckout = true
	case OrderPlaced:
		f.sessOrder = true
	}
	f.countKind(f.row(f.sessSrc), hr, e.Kind)
}

func (f *dayFold) endSession() {
	if !f.inSession {
		return
	}
	c := f.row(f.sessSrc)
	c.Sessions++
	f.hourly[f.sessStartHr].Sessions++
	if f.sessEvents == 1 && f.sessPages == 1 {
		c.Bounces++
	}
	if f.sessCart {
		c.CartSessions++
	}
	if f.sessWish {
		c.WishlistSessions++
	}
	if f.sessCheckout {
		c.CheckoutSessions++
		if !f.sessOrder {
			c.AbandonedCheckouts++
		}
	}
	if f.sessOrder {
		c.ConvertedSessions++
	}
	f.inSession, f.sessEvents, f.sessPages = false, 0, 0
	f.sessCart, f.sessWish, f.sessCheckout, f.sessOrder = false, false, false, false
}

func (f *dayFold) endVisitor() {
	f.endSession()
	if f.visitor == "" {
		return
	}
	c := f.row(f.firstSrc)
	c.Visitors++
	if !f.firstReturn {
		c.NewVisitors++
	}
	for h := range 24 {
		if f.hours&(1<<uint(h)) != 0 {
			f.hourly[h].Visitors++
		}
	}
	f.visitor = ""
}

func (f *dayFold) addOrder(o *order.Fact, loc *time.Location) {
	k := SourceKey{o.Source, o.Medium, o.Campaign}
	if k.Source == "" {
		k = SourceKey{Source: SourceUnknown, Medium: MediumNone}
	}
	c := f.row(k)
	c.Orders++
	c.GMV += o.Total
	c.Refunds += o.Refunded
	c.Units += o.Units
	if o.CostKnown {
		c.Cost += o.Cost
		c.CostedOrders++
	}
	if o.First {
		c.NewCustomers++
	} else {
		c.RepeatOrders++
	}
	h := &f.hourly[o.PlacedAt.In(loc).Hour()]
	h.Orders++
	h.GMV += o.Total
}

// dayBounds are the UTC bounds of a shop's local day.
func dayBounds(day string, loc *time.Location) (time.Time, time.Time, error) {
	start, err := time.ParseInLocation(time.DateOnly, day, loc)
	if err != nil {
		return time.Time{}, time.Time{}, errs.Field("day", "must be a date such as 2026-11-11")
	}
	return start.UTC(), start.AddDate(0, 0, 1).UTC(), nil
}

// RollupDay recomputes a shop's rollups of one local day from its raw
// events and its orders (the context names the shop).
func (s *Service) RollupDay(ctx context.Context, day string) error {
	return s.rollupDay(ctx, day, 0)
}

// rollupDay recomputes a day; a non-zero version then clears the day's
// mark if nothing marked it again meanwhile.
func (s *Service) rollupDay(ctx context.Context, day string, version int64) error {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	st, err := s.Settings(ctx)
	if err != nil {
		return err
	}
	loc := st.location()
	from, to, err := dayBounds(day, loc)
	if err != nil {
		return err
	}
	f := newDayFold()
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		// The partition key bounds let PostgreSQL read only the day's
		// partitions (a day's events may sit a little outside its
		// bounds only after a time-zone change).
		rows, err := q.QueryContext(ctx, `SELECT e.visitor, e.occurred_at, e.hour, e.kind, e.returned, e.source, e.medium, e.campaign
			FROM analytics_events e WHERE e.tenant_id = ? AND e.day = ? AND e.occurred_at >= ? AND e.occurred_at < ?
			AND NOT EXISTS (SELECT 1 FROM analytics_bots b WHERE b.tenant_id = e.tenant_id AND b.day = e.day AND b.visitor = e.visitor)
			ORDER BY e.visitor, e.occurred_at`, tenant, day, from.Add(-27*time.Hour), to.Add(27*time.Hour))
		if err != nil {
			return err
		}
		defer rows.Close()
		var e rollEvent
		for rows.Next() {
			if err := rows.Scan(&e.Visitor, &e.OccurredAt, &e.Hour, &e.Kind, &e.Returning, &e.Source, &e.Medium, &e.Campaign); err != nil {
				return err
			}
			f.add(&e)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		f.endVisitor()
		facts, err := order.Facts(ctx, q, tenant, from, to)
		if err != nil {
			return err
		}
		for i := range facts {
			f.addOrder(&facts[i], loc)
		}
		return nil
	})
	if err != nil {
		return errs.Wrap(err, "analytics: read day")
	}
	daily := make([]dailyRow, 0, len(f.daily))
	for k, c := range f.daily {
		daily = append(daily, dailyRow{TenantID: tenant, Day: day, SourceKey: k, Counts: *c})
	}
	var hourly []hourlyRow
	for h := range f.hourly {
		r := f.hourly[h]
		if r != (hourlyRow{}) {
			r.TenantID, r.Day, r.Hour = tenant, day, h
			hourly = append(hourly, r)
		}
	}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if s.db.Dialect() == store.Postgres { // one recompute of a shop-day at a time across nodes
			if _, err := q.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtext(?))", "analytics:"+tenant+":"+day); err != nil {
				return err
			}
		}
		if _, err := q.NewDelete().Model((*dailyRow)(nil)).Where("tenant_id = ? AND day = ?", tenant, day).Exec(ctx); err != nil {
			return err
		}
		if _, err := q.NewDelete().Model((*hourlyRow)(nil)).Where("tenant_id = ? AND day = ?", tenant, day).Exec(ctx); err != nil {
			return err
		}
		if len(daily) > 0 {
			if _, err := q.NewInsert().Model(&daily).Exec(ctx); err != nil {
				return err
			}
		}
		if len(hourly) > 0 {
			if _, err := q.NewInsert().Model(&hourly).Exec(ctx); err != nil {
				return err
			}
		}
		if version > 0 {
			_, err := q.NewDelete().Model((*dirtyRow)(nil)).Where("tenant_id = ? AND day = ? AND version = ?", tenant, day, version).Exec(ctx)
			return err
		}
		return nil
	})
	return errs.Wrap(err, "analytics: write rollups")
}

// cursorRow is where the rollup job left off reading a change feed.
type cursorRow struct {
	bun.BaseModel `bun:"table:analytics_cursors"`

	Name string    `bun:"name,pk"`
	At   time.Time `bun:"at"`
}

// ordersLookback re-reads order changes this far before the cursor, so a
// change committed late (its updated_at earlier than one committed first)
// is not missed; re-marking a day is harmless.
const ordersLookback = 5 * time.Second

// Rollup brings the rollups up to date: it marks the days of orders
// changed since its last run, then recomputes every marked shop-day
// (incrementally: only days with new events or changed orders). It
// returns how many shop-days it recomputed. The rollup job runs it every
// minute.
func (s *Service) Rollup(ctx context.Context) (int, error) {
	s.rollMu.Lock()
	defer s.rollMu.Unlock()
	platform := tenancy.WithPlatform(ctx)
	if err := s.markOrders(platform); err != nil {
		return 0, err
	}
	done := 0
	for range 100 {
		var marks []dirtyRow
		err := s.db.Read(platform, func(ctx context.Context, q bun.IDB) error {
			return q.NewSelect().Model(&marks).OrderExpr("marked_at, tenant_id, day").Limit(200).Scan(ctx)
		})
		if err != nil && !store.NoRows(err) {
			return done, errs.Wrap(err, "analytics: dirty days")
		}
		if len(marks) == 0 {
			return done, nil
		}
		for _, m := range marks {
			if err := s.rollupDay(tenancy.WithTenant(ctx, m.TenantID), m.Day, m.Version); err != nil {
				return done, err
			}
			done++
		}
		if len(marks) < 200 {
			return done, nil
		}
	}
	return done, nil
}

// markOrders marks the shop-days of orders changed since the cursor.
func (s *Service) markOrders(ctx context.Context) error {
	var cur cursorRow
	err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		err := q.NewSelect().Model(&cur).Where("name = 'orders'").Scan(ctx)
		if store.NoRows(err) {
			return nil
		}
		return err
	})
	if err != nil {
		return errs.Wrap(err, "analytics: orders cursor")
	}
	since := cur.At
	if !since.IsZero() {
		since = since.Add(-ordersLookback)
	}
	const page = 5000
	for {
		var touched []order.Touch
		err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
			var err error
			touched, err = order.Touched(ctx, q, since, page)
			return err
		})
		if err != nil || len(touched) == 0 {
			return err
		}
		tenants := map[string]bool{}
		for _, t := range touched {
			tenants[t.TenantID] = true
		}
		settings, err := s.settingsOf(ctx, keys(tenants))
		if err != nil {
			return err
		}
		days := map[[2]string]bool{}
		latest := since
		for _, t := range touched {
			days[[2]string{t.TenantID, t.PlacedAt.In(settings[t.TenantID].location()).Format(time.DateOnly)}] = true
			if t.UpdatedAt.After(latest) {
				latest = t.UpdatedAt
			}
		}
		now := s.now()
		err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			if err := markDirty(ctx, q, days, now); err != nil {
				return err
			}
			c := cursorRow{Name: "orders", At: latest}
			_, err := q.NewInsert().Model(&c).On("CONFLICT (name) DO UPDATE").Set("at = EXCLUDED.at").Exec(ctx)
			return err
		})
		if err != nil {
			return errs.Wrap(err, "analytics: mark order days")
		}
		if len(touched) < page || !latest.After(since) {
			return nil
		}
		since = latest
	}
}
