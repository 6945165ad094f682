package analytics

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

func shop(id string) context.Context { return tenancy.WithTenant(context.Background(), id) }

const browser = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newTestService(db *store.DB, c *clock) *Service {
	return New(db, Options{Now: c.now, MaxPagesPerMinute: 60})
}

func hit(tenant string, at time.Time, kind Kind, ip string) Hit {
	return Hit{TenantID: tenant, At: at, Kind: kind, IP: ip, UserAgent: browser, Host: "shop.example", Path: "/"}
}

func flushAndRoll(t *testing.T, s *Service) {
	t.Helper()
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rollup(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func storedVisitors(t *testing.T, db *store.DB, tenant string) []eventRow {
	t.Helper()
	var rows []eventRow
	err := db.Read(shop(tenant), func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&rows).Where("tenant_id = ?", tenant).OrderExpr("occurred_at, id").Scan(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func saveSettings(t *testing.T, s *Service, tenant, zone string) {
	t.Helper()
	if _, err := s.SaveSettings(shop(tenant), Settings{TimeZone: zone, RetentionDays: DefaultRetentionDays, RawRetentionDays: DefaultRawRetentionDays}); err != nil {
		t.Fatal(err)
	}
}

// TestVisitorIDRotation: one browser keeps its id within the shop's local
// day, gets another the next day and in another shop, and once Maintain
// has deleted a day's salt nothing can recompute that day's ids.
func TestVisitorIDRotation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := &clock{time.Date(2026, 11, 11, 12, 0, 0, 0, time.UTC)}
		s := newTestService(db, c)
		saveSettings(t, s, "ta", "Asia/Shanghai") // UTC+8: the local day turns at 16:00 UTC
		day1 := time.Date(2026, 11, 11, 2, 0, 0, 0, time.UTC)
		s.Track(hit("ta", day1, PageView, "203.0.113.9"))
		s.Track(hit("ta", day1.Add(13*time.Hour+59*time.Minute), PageView, "203.0.113.9")) // 23:59 local
		s.Track(hit("ta", day1.Add(14*time.Hour), PageView, "203.0.113.9"))                // 00:00 next local day
		s.Track(hit("tb", day1, PageView, "203.0.113.9"))                                  // another shop
		dnt := hit("ta", day1.Add(time.Minute), PageView, "203.0.113.9")
		dnt.NoTrack = true
		s.Track(dnt)
		if err := s.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		rows := storedVisitors(t, db, "ta")
		if len(rows) != 4 {
			t.Fatalf("stored %d events of ta, want 4", len(rows))
		}
		if rows[0].Visitor == "" || rows[0].Visitor != rows[2].Visitor || rows[0].Day != "2026-11-11" || rows[2].Day != "2026-11-11" {
			t.Errorf("same browser, same local day: %+v / %+v", rows[0], rows[2])
		}
		if rows[1].Visitor != "" {
			t.Errorf("a Do-Not-Track request was stored with visitor id %q", rows[1].Visitor)
		}
		if rows[3].Visitor == rows[0].Visitor || rows[3].Day != "2026-11-12" {
			t.Errorf("the next local day kept the id: %+v", rows[3])
		}
		if other := storedVisitors(t, db, "tb"); len(other) != 1 || other[0].Visitor == rows[0].Visitor {
			t.Errorf("the same browser in another shop has the same id: %+v", other)
		}
		// Three days on, the salts of 11 and 12 November are gone.
		c.t = time.Date(2026, 11, 14, 12, 0, 0, 0, time.UTC)
		if err := s.Maintain(context.Background()); err != nil {
			t.Fatal(err)
		}
		var n int64
		if err := db.Read(tenancy.WithPlatform(context.Background()), func(ctx context.Context, q bun.IDB) error {
			var err error
			n, err = q.NewSelect().Model((*saltRow)(nil)).Where("day <= ?", "2026-11-12").Count(ctx)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d old salts survive Maintain", n)
		}
	})
}

// TestBotFiltering: bots by user agent are never stored; a visitor over
// the page-view rate is flagged and the day's rollups leave out all it
// did; browsers that merely look like a marker pass.
func TestBotFiltering(t *testing.T) {
	for _, ua := range []string{"", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "curl/8.5.0",
		"python-requests/2.32", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36",
		"facebookexternalhit/1.1", "Mozilla/5.0 (compatible; AhrefsBot/7.0)"} {
		if !IsBot(ua) {
			t.Errorf("IsBot(%q) = false", ua)
		}
	}
	for _, ua := range []string{browser, "Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"} {
		if IsBot(ua) {
			t.Errorf("IsBot(%q) = true", ua)
		}
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		at := time.Date(2026, 11, 11, 10, 0, 0, 0, time.UTC)
		s := newTestService(db, &clock{at})
		bot := hit("ta", at, PageView, "198.51.100.1")
		bot.UserAgent = "Googlebot/2.1"
		s.Track(bot)
		for i := range 70 { // a scraper: 70 pages in 35 seconds
			s.Track(hit("ta", at.Add(time.Duration(i)*500*time.Millisecond), PageView, "198.51.100.2"))
		}
		s.Track(hit("ta", at, PageView, "198.51.100.3"))
		s.Track(hit("ta", at.Add(time.Minute), ProductView, "198.51.100.3"))
		flushAndRoll(t, s)
		rep := kpis(t, s, "ta", "2026-11-11", "2026-11-11")
		if rep.Totals.Visitors != 1 || rep.Totals.Pageviews != 2 || rep.Totals.Sessions != 1 {
			t.Errorf("with a user-agent bot and a fast scraper: visitors %d, page views %d, sessions %d; want 1, 2, 1",
				rep.Totals.Visitors, rep.Totals.Pageviews, rep.Totals.Sessions)
		}
		if BotEventsTotal() < 11 {
			t.Errorf("BotEventsTotal = %d", BotEventsTotal())
		}
	})
}

func kpis(t *testing.T, s *Service, tenant, from, to string) *Report {
	t.Helper()
	r, _, err := s.ParseRange(shop(tenant), from, to)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.KPIs(shop(tenant), r, Day, Compare{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// reference computes a shop's traffic counts over [from, to] straight
// from its stored raw events, the plain way: per local day and visitor,
// sort the times, cut sessions at gaps of 30 minutes or more.
func reference(t *testing.T, db *store.DB, tenant, from, to string) Counts {
	t.Helper()
	var rows []eventRow
	var bots []botRow
	err := db.Read(shop(tenant), func(ctx context.Context, q bun.IDB) error {
		if err := q.NewSelect().Model(&rows).Where("tenant_id = ? AND day >= ? AND day <= ?", tenant, from, to).Scan(ctx); err != nil {
			return err
		}
		return q.NewSelect().Model(&bots).Where("tenant_id = ?", tenant).Scan(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	bot := map[string]bool{}
	for _, b := range bots {
		bot[b.Day+b.Visitor] = true
	}
	var c Counts
	byVisitor := map[string][]eventRow{}
	for _, r := range rows {
		if r.Visitor != "" && bot[r.Day+r.Visitor] {
			continue
		}
		if r.Kind.Page() {
			c.Pageviews++
		}
		switch r.Kind {
		case ProductView:
			c.ProductViews++
		case Search:
			c.Searches++
		case AddToCart:
			c.AddToCarts++
		case RemoveFromCart:
			c.Removes++
		case WishlistAdd:
			c.WishlistAdds++
		case CheckoutStart:
			c.Checkouts++
		}
		if r.Visitor != "" {
			byVisitor[r.Day+"/"+r.Visitor] = append(byVisitor[r.Day+"/"+r.Visitor], r)
		}
	}
	for _, evs := range byVisitor {
		sort.Slice(evs, func(i, j int) bool { return evs[i].OccurredAt.Before(evs[j].OccurredAt) })
		c.Visitors++
		if !evs[0].Returning {
			c.NewVisitors++
		}
		var sessions [][]eventRow
		for i, e := range evs {
			if i == 0 || e.OccurredAt.Sub(evs[i-1].OccurredAt) >= SessionGap {
				sessions = append(sessions, nil)
			}
			sessions[len(sessions)-1] = append(sessions[len(sessions)-1], e)
		}
		for _, ses := range sessions {
			c.Sessions++
			has := map[Kind]bool{}
			for _, e := range ses {
				has[e.Kind] = true
			}
			if len(ses) == 1 && ses[0].Kind.Page() {
				c.Bounces++
			}
			if has[AddToCart] {
				c.CartSessions++
			}
			if has[WishlistAdd] {
				c.WishlistSessions++
			}
			if has[CheckoutStart] {
				c.CheckoutSessions++
				if !has[OrderPlaced] {
					c.AbandonedCheckouts++
				}
			}
			if has[OrderPlaced] {
				c.ConvertedSessions++
			}
		}
	}
	return c
}

// TestRollupsMatchRaw: random traffic (several shops, time zones, visitors,
// kinds, sources, Do-Not-Track, bots) rolled up incrementally in several
// rounds; then for random ranges the totals from the rollups equal the
// same counts computed from the raw events.
func TestRollupsMatchRaw(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		rng := rand.New(rand.NewPCG(7, 13))
		base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		c := &clock{base.AddDate(0, 0, 12)}
		s := newTestService(db, c)
		saveSettings(t, s, "tz1", "America/New_York")
		saveSettings(t, s, "tz2", "Asia/Kolkata") // UTC+5:30
		shops := []string{"tz1", "tz2", "utc"}
		refs := []string{"", "https://www.google.com/search?q=coat", "https://t.co/x", "https://blog.example.org/post", "https://shop.example/cart"}
		for round := range 3 {
			for range 600 {
				h := hit(shops[rng.IntN(len(shops))], base.Add(time.Duration(rng.Int64N(int64(10*24*time.Hour)))),
					Kinds[rng.IntN(len(Kinds))], fmt.Sprintf("192.0.2.%d", rng.IntN(25)))
				h.Referrer = refs[rng.IntN(len(refs))]
				if rng.IntN(5) == 0 {
					h.UTMSource, h.UTMMedium, h.UTMCampaign = "newsletter", "email", "nov"
				}
				h.NoTrack = rng.IntN(15) == 0
				h.Returning = rng.IntN(3) == 0
				if rng.IntN(40) == 0 {
					h.UserAgent = "Googlebot"
				}
				// Bursts in one minute make behaviour bots now and then.
				for range 1 + rng.IntN(2)*rng.IntN(40) {
					s.Track(h)
					h.At = h.At.Add(time.Second)
				}
			}
			flushAndRoll(t, s)
			t.Logf("round %d rolled up", round)
		}
		for _, tenant := range shops {
			for range 8 {
				a, b := rng.IntN(12), rng.IntN(12)
				if a > b {
					a, b = b, a
				}
				from, to := base.AddDate(0, 0, a-1).Format(time.DateOnly), base.AddDate(0, 0, b-1).Format(time.DateOnly)
				got := kpis(t, s, tenant, from, to).Totals
				want := reference(t, db, tenant, from, to)
				if got != want {
					t.Fatalf("%s %s..%s: rollups %+v\nraw %+v", tenant, from, to, got, want)
				}
			}
		}
		if got := reference(t, db, "tz1", "2026-10-31", "2026-11-12"); got.Sessions == 0 || got.Bounces == 0 || got.ConvertedSessions == 0 {
			t.Fatalf("the random traffic exercised too little: %+v", got)
		}
	})
}

// placeOrder stores an order placed at a given time (the test sets
// placed_at directly; core/order stamps the wall clock).
func placeOrder(t *testing.T, db *store.DB, tenant, email string, total, units int64, at time.Time, refunded int64, src string) {
	t.Helper()
	ctx := shop(tenant)
	err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		o := &order.Order{Email: email, Currency: "EUR", Subtotal: total, Total: total, Status: order.Paid, Source: src, Medium: "referral",
			Lines: []order.Line{{VariantID: "v1", Title: "Coat", Quantity: units, UnitPrice: total / units, Subtotal: total, Total: total}}}
		if err := order.Insert(ctx, q, o); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, "UPDATE orders SET placed_at = ?, paid_total = ?, refunded_total = ? WHERE tenant_id = ? AND id = ?",
			at, total, refunded, tenant, o.ID); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func val(t *testing.T, rep *Report, name string) *float64 {
	t.Helper()
	for _, k := range rep.KPIs {
		if k.Name == name {
			return k.Value
		}
	}
	t.Fatalf("no KPI %s", name)
	return nil
}

// TestKPIDefinitions: a shop in Paris (UTC+1 in November, +2 in
// summer) with known visits, carts, checkouts, orders and a refund: each
// KPI is exact, per day, per week (Monday to Sunday) and per month, in
// the shop's time zone, with the previous-period and last-year
// comparisons.
func TestKPIDefinitions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := &clock{time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)}
		s := newTestService(db, c)
		saveSettings(t, s, "ta", "Europe/Paris")
		at := func(day string, hh, mm int) time.Time {
			d, _ := time.ParseInLocation(time.DateOnly, day, time.UTC)
			return d.Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute).Add(-time.Hour) // Paris local → UTC
		}
		track := func(ip string, t0 time.Time, kinds ...Kind) {
			for i, k := range kinds {
				h := hit("ta", t0.Add(time.Duration(i)*time.Minute), k, ip)
				if ip == "10.0.0.2" {
					h.Returning = true
				}
				if i == 0 && ip == "10.0.0.3" {
					h.Referrer = "https://www.google.com/"
				}
				s.Track(h)
			}
		}
		// Sunday 29 November (local): visitor 1 bounces at 00:10 local
		// (23:10 UTC on the 28th: still the 29th in Paris).
		track("10.0.0.1", at("2026-11-29", 0, 10), PageView)
		// Monday 30 November: visitor 2 (returning) views, adds, checks
		// out and orders; visitor 3 from Google adds and abandons the
		// checkout; visitor 1 again, a bounce, and 40 minutes later a
		// second session that adds to cart.
		track("10.0.0.2", at("2026-11-30", 9, 0), PageView, ProductView, AddToCart, CheckoutStart, OrderPlaced)
		track("10.0.0.3", at("2026-11-30", 23, 50), ProductView, AddToCart, CheckoutStart)
		track("10.0.0.1", at("2026-11-30", 10, 0), Search)
		track("10.0.0.1", at("2026-11-30", 10, 41), ProductView, AddToCart, WishlistAdd)
		// Tuesday 1 December 00:30 local (23:30 UTC on 30 November).
		track("10.0.0.4", at("2026-12-01", 0, 30), PageView, PageView)
		// Orders: a new customer on 30 November (refunded 30.00), the
		// same customer again on 1 December 00:20 local, another new
		// customer on 29 November 23:59 local.
		placeOrder(t, db, "ta", "ann@example.com", 12000, 3, at("2026-11-30", 9, 4), 3000, "google.com")
		placeOrder(t, db, "ta", "ann@example.com", 8000, 1, at("2026-12-01", 0, 20), 0, "")
		placeOrder(t, db, "ta", "bob@example.com", 5000, 2, at("2026-11-29", 23, 59), 0, "")
		placeOrder(t, db, "tb", "eve@example.com", 99900, 9, at("2026-11-30", 12, 0), 0, "") // another shop
		// Last year's same dates and the previous period.
		placeOrder(t, db, "ta", "old@example.com", 4000, 1, at("2025-11-30", 12, 0), 0, "")
		placeOrder(t, db, "ta", "old@example.com", 6000, 1, at("2026-11-28", 12, 0), 0, "")
		flushAndRoll(t, s)

		r, _, err := s.ParseRange(shop("ta"), "2026-11-30", "2026-11-30")
		if err != nil {
			t.Fatal(err)
		}
		rep, err := s.KPIs(shop("ta"), r, Day, Compare{Previous: true, LastYear: true})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]float64{
			"visitors": 3, "pageviews": 5, "product_views": 3, "sessions": 4,
			"bounce_rate": 1.0 / 4, "new_visitor_share": 2.0 / 3, "conversion_rate": 1.0 / 4, "add_to_cart_rate": 3.0 / 4,
			"wishlist_rate": 1.0 / 4, "checkout_abandonment": 1.0 / 2,
			"gmv": 12000, "orders": 1, "aov": 12000, "units_per_order": 3, "refunds": 3000, "net_sales": 9000,
			"new_customers": 1, "returning_customer_orders": 0, "repurchase_rate": 0,
		}
		for name, w := range want {
			if v := val(t, rep, name); v == nil || *v != w {
				t.Errorf("30 Nov %s = %v, want %v", name, deref(v), w)
			}
		}
		if v := val(t, rep, "gross_margin"); v != nil {
			t.Errorf("gross margin without line costs = %v, want unknown", *v)
		}
		for _, k := range rep.KPIs {
			switch k.Name {
			case "gmv":
				if deref(k.Previous) != 5000 || deref(k.LastYear) != 4000 {
					t.Errorf("gmv previous (29 Nov) %v, last year %v; want 5000 (29 Nov) and 4000", deref(k.Previous), deref(k.LastYear))
				}
			case "orders":
				if deref(k.ChangeLastYear) != 0 {
					t.Errorf("orders change vs last year = %v, want 0 (1 vs 1)", deref(k.ChangeLastYear))
				}
			}
		}
		// Week of Monday 30 November (the range 29 Nov – 1 Dec spans the
		// end of one week and the start of the next).
		r, _, _ = s.ParseRange(shop("ta"), "2026-11-29", "2026-12-01")
		weeks, err := s.Series(shop("ta"), "orders", r, Week)
		if err != nil {
			t.Fatal(err)
		}
		if len(weeks) != 2 || weeks[0].Start != "2026-11-29" || weeks[0].End != "2026-11-29" || deref(weeks[0].Value) != 1 ||
			weeks[1].Start != "2026-11-30" || weeks[1].End != "2026-12-01" || deref(weeks[1].Value) != 2 {
			t.Errorf("orders by week: %+v", points(weeks))
		}
		months, err := s.Series(shop("ta"), "visitors", r, Month)
		if err != nil {
			t.Fatal(err)
		}
		if len(months) != 2 || deref(months[0].Value) != 4 || deref(months[1].Value) != 1 {
			t.Errorf("visitors by month (Nov: 1 on the 29th + 3 on the 30th; Dec: 1): %+v", points(months))
		}
		days, err := s.Series(shop("ta"), "repurchase_rate", r, Day)
		if err != nil {
			t.Fatal(err)
		}
		if len(days) != 3 || deref(days[2].Value) != 1 || deref(days[0].Value) != 0 {
			t.Errorf("repurchase rate by day: %+v", points(days))
		}
		hours, err := s.Series(shop("ta"), "pageviews", Range{From: r.From.AddDate(0, 0, 1), To: r.From.AddDate(0, 0, 1)}, Hour)
		if err != nil {
			t.Fatal(err)
		}
		if len(hours) != 24 || deref(hours[9].Value) != 2 || deref(hours[10].Value) != 2 || deref(hours[23].Value) != 1 {
			t.Errorf("page views by hour on 30 Nov: %+v", points(hours))
		}
		srcs, err := s.Sources(shop("ta"), Range{From: r.From.AddDate(0, 0, 1), To: r.From.AddDate(0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, x := range srcs {
			if x.SourceKey.Source == "google.com" && x.Medium == "organic" {
				found = x.Sessions == 1 && x.AbandonedCheckouts == 1
			}
			if x.SourceKey.Source == "google.com" && x.Medium == "referral" && x.Orders != 1 {
				t.Errorf("the attributed order is not under its source: %+v", x)
			}
		}
		if !found {
			t.Errorf("sources: %+v", srcs)
		}
		// A refund later is picked up by the next rollup through the
		// order's change.
		c.t = c.t.Add(time.Minute)
		if err := db.Write(shop("ta"), func(ctx context.Context, q bun.IDB) error {
			var id string
			if err := q.NewRaw("SELECT id FROM orders WHERE tenant_id = 'ta' AND email = 'bob@example.com'").Scan(ctx, &id); err != nil {
				return err
			}
			return order.AddRefunded(ctx, q, "ta", id, 1000, time.Now().UTC())
		}); err != nil {
			t.Fatal(err)
		}
		flushAndRoll(t, s)
		rep = kpis(t, s, "ta", "2026-11-29", "2026-11-29")
		if v := val(t, rep, "net_sales"); deref(v) != 4000 {
			t.Errorf("net sales on 29 Nov after a 10.00 refund = %v, want 4000", deref(v))
		}
		if rep := kpis(t, s, "tb", "2026-11-30", "2026-11-30"); rep.Totals.Visitors != 0 || rep.Totals.Orders != 1 {
			t.Errorf("shop tb sees %+v", rep.Totals)
		}
		// Gross margin once every line carries its cost: 3 units at 20.00
		// on an order of 120.00 with 30.00 refunded: (90 − 60) ÷ 90.
		placeOrder(t, db, "tc", "cat@example.com", 12000, 3, at("2026-11-30", 12, 0), 3000, "")
		if err := db.Write(shop("tc"), func(ctx context.Context, q bun.IDB) error {
			_, err := q.ExecContext(ctx, "UPDATE order_lines SET cost = 2000 WHERE tenant_id = 'tc'")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		c.t = c.t.Add(time.Minute)
		flushAndRoll(t, s)
		if v := val(t, kpis(t, s, "tc", "2026-11-30", "2026-11-30"), "gross_margin"); v == nil || math.Abs(*v-1.0/3) > 1e-12 {
			t.Errorf("gross margin with costs = %v, want 1/3", deref(v))
		}
		customerKPIs(t, db, s)
	})
}

// deref is a figure's value, NaN when undefined (never equal to a number).
func deref(f *float64) float64 {
	if f == nil {
		return math.NaN()
	}
	return *f
}

func points(ps []Point) []string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%s..%s=%v", p.Start, p.End, deref(p.Value)))
	}
	return out
}

// TestRangeValidation: bad ranges and parameters name their field.
func TestRangeValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newTestService(db, &clock{time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)})
		for _, tc := range []struct{ from, to, field string }{
			{"2026-12-01", "2026-11-01", "to"},
			{"2026-13-01", "", "from"},
			{"", "yesterday", "to"},
			{"2020-01-01", "2020-01-02", "from"},
			{"2024-01-01", "2026-12-01", "to"},
		} {
			_, _, err := s.ParseRange(shop("ta"), tc.from, tc.to)
			if fieldOf(err) != tc.field {
				t.Errorf("ParseRange(%q, %q) = %v, want an error on %s", tc.from, tc.to, err, tc.field)
			}
		}
		r, _, err := s.ParseRange(shop("ta"), "", "")
		if err != nil || r.Days() != 30 {
			t.Fatalf("default range: %+v %v", r, err)
		}
		if _, err := s.Series(shop("ta"), "nope", r, Day); fieldOf(err) != "metric" {
			t.Errorf("unknown metric: %v", err)
		}
		if _, err := s.Series(shop("ta"), "bounce_rate", r, Hour); fieldOf(err) != "grain" {
			t.Errorf("hourly bounce rate: %v", err)
		}
		if _, err := ParseGrain("year"); fieldOf(err) != "grain" {
			t.Errorf("grain year: %v", err)
		}
		if _, err := ParseCompare("previous,decade"); fieldOf(err) != "compare" {
			t.Errorf("compare decade: %v", err)
		}
		for _, bad := range []Settings{{TimeZone: "Mars/Base", RetentionDays: 100, RawRetentionDays: 10},
			{TimeZone: "UTC", RetentionDays: 5, RawRetentionDays: 1}, {TimeZone: "UTC", RetentionDays: 100, RawRetentionDays: 101}} {
			if _, err := s.SaveSettings(shop("ta"), bad); err == nil {
				t.Errorf("SaveSettings(%+v) accepted", bad)
			}
		}
	})
}

func fieldOf(err error) string {
	var e *errs.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// exec runs statements in the tenant's write transaction.
func exec(t *testing.T, db *store.DB, tenant string, stmts ...[]any) {
	t.Helper()
	if err := db.Write(shop(tenant), func(ctx context.Context, q bun.IDB) error {
		for _, st := range stmts {
			if _, err := q.ExecContext(ctx, st[0].(string), st[1:]...); err != nil {
				return fmt.Errorf("%s: %w", st[0], err)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// customerKPIs: churn by month and the retention cohorts of shop td
// (UTC): a, b, c buy first in September; a and b in October; a and the
// new d in November; d again on 1 December.
func customerKPIs(t *testing.T, db *store.DB, s *Service) {
	t.Helper()
	d := func(m time.Month, day int) time.Time { return time.Date(2026, m, day, 12, 0, 0, 0, time.UTC) }
	for _, o := range []struct {
		email string
		at    time.Time
	}{{"a@x", d(9, 3)}, {"b@x", d(9, 10)}, {"c@x", d(9, 20)}, {"a@x", d(9, 25)}, {"a@x", d(10, 10)}, {"b@x", d(10, 11)},
		{"a@x", d(11, 5)}, {"d@x", d(11, 6)}, {"d@x", d(12, 1)}} {
		placeOrder(t, db, "td", o.email, 1000, 1, o.at, 0, "")
	}
	if _, err := s.Rollup(context.Background()); err != nil {
		t.Fatal(err)
	}
	r, _, err := s.ParseRange(shop("td"), "2026-09-01", "2026-11-30")
	if err != nil {
		t.Fatal(err)
	}
	months, err := s.Series(shop("td"), "churn_rate", r, Month)
	if err != nil {
		t.Fatal(err)
	}
	// September: nobody bought in August (undefined); October: c of
	// {a, b, c} left; November: b of {a, b} left.
	if len(months) != 3 || months[0].Value != nil || math.Abs(deref(months[1].Value)-1.0/3) > 1e-12 || deref(months[2].Value) != 0.5 {
		t.Errorf("churn by month: %v", points(months))
	}
	cohorts, err := s.Cohorts(shop("td"), r)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(cohorts)
	want := "[{2026-09 3 [3 2 1] [1 0.6666666666666666 0.3333333333333333]} {2026-10 0 [0 0] [0 0]} {2026-11 1 [1] [1]}]"
	if got != want {
		t.Errorf("cohorts:\n got %s\nwant %s", got, want)
	}
	// From October only: a, b and c started before it and are in no cohort.
	r, _, _ = s.ParseRange(shop("td"), "2026-10-01", "2026-12-01")
	cohorts, err = s.Cohorts(shop("td"), r)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(cohorts); got != "[{2026-10 0 [0 0 0] [0 0 0]} {2026-11 1 [1 1] [1 1]} {2026-12 0 [0] [0]}]" {
		t.Errorf("cohorts from October: %s", got)
	}
	if _, err := s.Series(shop("td"), "retention_cohorts", r, Month); fieldOf(err) != "metric" {
		t.Errorf("a table as a series: %v", err)
	}
}
