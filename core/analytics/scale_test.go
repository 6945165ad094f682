package analytics

import (
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// TestAnalyticsScale (WASMART_ANALYTICS_SCALE=1; PostgreSQL) loads one
// shop with 20,000,000 storefront events over the last 365 days (visits
// of six events: pages, product views, a search, an add to cart; a mix of
// sources) and 1,000,000 orders with one line each over the same year,
// with INSERT ... SELECT generate_series into the daily partitions. It
// then reports, with the load average at the time:
//   - rollup catch-up: one average day (about 55,000 events and 2,700
//     orders), then the whole year (every day marked dirty);
//   - the dashboard's queries from rollups (what /console runs: today,
//     KPIs of the last 7 days against the 7 before, the 30 daily buckets
//     of the sparklines, live visitors, top products, traffic sources)
//     and a year of KPIs by month against the year before;
//   - topic reports (by day over 30 days, by source over the year, by
//     product over 30 days);
//   - storage per million events (table and indexes of the partitions).
//
// Goals (issue 13): dashboard < 300 ms from rollups, rollup catch-up
// after a day of events < 30 s. A fraction (0.1) loads that share.
func TestAnalyticsScale(t *testing.T) {
	f, err := strconv.ParseFloat(os.Getenv("WASMART_ANALYTICS_SCALE"), 64)
	if err != nil || f <= 0 || f > 1 {
		t.Skip("set WASMART_ANALYTICS_SCALE=1 to load 20,000,000 events and 1,000,000 orders into PostgreSQL (0.1: a tenth)")
	}
	events, orders := int64(20_000_000*f), int64(1_000_000*f)
	const days = 365
	db := storetest.Postgres(t)
	c := &clock{t: time.Now().UTC().Truncate(time.Second)}
	s := newTestService(db, c)
	ctx := shop("scale")
	today := c.t.Truncate(24 * time.Hour)
	first := today.AddDate(0, 0, 1-days)
	exec := func(name, query string, args ...any) time.Duration {
		t.Helper()
		start := time.Now()
		err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			_, err := q.NewRaw(query, args...).Exec(ctx)
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		d := time.Since(start)
		t.Logf("%s: %v (load average %s)", name, d.Round(time.Millisecond), loadavg())
		return d
	}
	exec("partitions", "SELECT analytics_events_partitions(?::date, ?::date)", first.Format(time.DateOnly), today.Format(time.DateOnly))

	// Event i happens at first + i×(year/events): six consecutive events
	// are one visitor's visit; a visitor id repeats every 500,000 visits.
	step := float64(days*86400) / float64(events)
	const chunk = 1_000_000
	for lo := int64(0); lo < events; lo += chunk {
		hi := min(lo+chunk, events) - 1
		exec("events "+strconv.FormatInt(lo, 10), `INSERT INTO analytics_events (tenant_id, occurred_at, id, day, hour, kind, visitor, returned, path, product_id, source, medium)
			SELECT 'scale', at, 'e' || i, to_char(at, 'YYYY-MM-DD'), extract(hour FROM at)::int,
				CASE i % 6 WHEN 0 THEN 'page_view' WHEN 3 THEN 'search' WHEN 5 THEN CASE WHEN i % 12 = 5 THEN 'add_to_cart' ELSE 'page_view' END ELSE 'product_view' END,
				'v' || ((i / 6) % 500000), (i / 6) % 3 = 0, '/p/' || (i % 1000), CASE WHEN i % 6 IN (1, 2) THEN 'p' || (i % 1000) ELSE '' END,
				CASE (i / 6) % 5 WHEN 0 THEN 'google.com' WHEN 1 THEN 'instagram.com' WHEN 2 THEN 'newsletter' ELSE 'direct' END,
				CASE (i / 6) % 5 WHEN 0 THEN 'organic' WHEN 1 THEN 'social' WHEN 2 THEN 'email' ELSE '(none)' END
			FROM (SELECT i, ?::timestamp + (i * ?) * interval '1 second' AS at FROM generate_series(?::bigint, ?::bigint) i) g`,
			first, step, lo, hi)
	}
	ostep := float64(days*86400) / float64(orders)
	exec("orders", `INSERT INTO orders (tenant_id, id, number, status, customer_id, email, currency, subtotal, discounts, shipping_total, tax_total,
		tax_inclusive, total, paid_total, placed_at, updated_at, source, medium)
		SELECT 'scale', 'o' || lpad(i::text, 8, '0'), i, CASE WHEN i % 50 = 0 THEN 'cancelled' ELSE 'paid' END,
			'c' || (i * 7919) % 100000, 'c' || (i * 7919) % 100000 || '@example.com', 'EUR', t, 0, 0, 0, TRUE, t, t, at, at,
			CASE i % 4 WHEN 0 THEN 'google.com' ELSE 'direct' END, CASE i % 4 WHEN 0 THEN 'organic' ELSE '(none)' END
		FROM (SELECT i, 1000 + (i * 31) % 50000 AS t, ?::timestamp + (i * ?) * interval '1 second' AS at FROM generate_series(1::bigint, ?::bigint) i) s`,
		first, ostep, orders)
	exec("order lines", `INSERT INTO order_lines (tenant_id, id, order_id, position, variant_id, product_id, title, quantity, unit_price, subtotal, adjustments, total, cost)
		SELECT o.tenant_id, 'l' || o.id, o.id, 1, 'v' || (o.number % 1000), 'p' || (o.number % 1000), 'Product ' || (o.number % 1000), 1, o.total, o.total, 0, o.total, o.total / 2
		FROM orders o WHERE o.tenant_id = 'scale'`)
	exec("analyze", "ANALYZE")

	var size int64
	err = db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw(`SELECT COALESCE(SUM(pg_total_relation_size(i.inhrelid)), 0) FROM pg_inherits i WHERE i.inhparent = 'analytics_events'::regclass`).Scan(ctx, &size)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("events storage: %d MB for %d events, %.0f MB per million", size>>20, events, float64(size)/float64(events)*1e6/(1<<20))

	timed := func(name string, fn func() error) time.Duration {
		t.Helper()
		start := time.Now()
		if err := fn(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		d := time.Since(start)
		t.Logf("%s: %v (load average %s)", name, d.Round(time.Millisecond), loadavg())
		return d
	}
	yesterday := today.AddDate(0, 0, -1).Format(time.DateOnly)
	timed("rollup of one day ("+yesterday+")", func() error { return s.RollupDay(ctx, yesterday) })
	exec("mark the year dirty", `INSERT INTO analytics_dirty (tenant_id, day, marked_at)
		SELECT 'scale', to_char(d, 'YYYY-MM-DD'), ? FROM generate_series(?::date, ?::date, interval '1 day') d`, c.t, first, today)
	var n int
	timed("rollup catch-up of the whole year", func() error {
		var err error
		n, err = s.Rollup(context.Background()) // one run takes up to 20,000 shop-days
		return err
	})
	t.Logf("  %d shop-days recomputed", n)

	day, _, err := s.Today(ctx)
	if err != nil {
		t.Fatal(err)
	}
	week := Range{From: day.AddDate(0, 0, -6), To: day}
	parts := []struct {
		name string
		fn   func() error
	}{
		{"today", func() error { _, _, err := s.Today(ctx); return err }},
		{"KPIs of 7 days against the 7 before", func() error { _, err := s.KPIs(ctx, week, Day, Compare{Previous: true}); return err }},
		{"30 daily buckets", func() error {
			_, err := s.KPIs(ctx, Range{From: day.AddDate(0, 0, -29), To: day}, Day, Compare{})
			return err
		}},
		{"live visitors", func() error { _, err := s.LiveVisitors(ctx); return err }},
		{"top products", func() error { _, err := s.TopProducts(ctx, week, 10); return err }},
		{"sources", func() error { _, err := s.Sources(ctx, week); return err }},
	}
	for _, p := range parts {
		timed("dashboard part: "+p.name, p.fn)
	}
	dashboard := func() error {
		for _, p := range parts {
			if err := p.fn(); err != nil {
				return err
			}
		}
		return nil
	}
	timed("dashboard queries (first)", dashboard)
	var ds []time.Duration
	for range 5 {
		ds = append(ds, timed("dashboard queries", dashboard))
	}
	t.Logf("dashboard queries median of 5: %v", median(ds).Round(time.Millisecond))
	timed("KPIs of the year by month against the year before", func() error {
		_, err := s.KPIs(ctx, Range{From: first, To: today}, Month, Compare{Previous: true})
		return err
	})
	metrics := func(names ...string) []*Definition {
		var out []*Definition
		for _, n := range names {
			d, ok := Lookup(n)
			if !ok {
				t.Fatalf("no KPI %s", n)
			}
			out = append(out, d)
		}
		return out
	}
	for _, c := range []struct {
		name    string
		metrics []*Definition
		x       Dimension
		days    int
	}{
		{"topic report: visitors, conversion, GMV, AOV by day over 30 days", metrics("visitors", "conversion_rate", "gmv", "aov"), DimDay, 30},
		{"topic report: GMV, orders by source over the year", metrics("gmv", "orders"), DimSource, days},
		{"topic report: GMV, units by product over 30 days", metrics("gmv", "units"), DimProduct, 30},
	} {
		timed(c.name, func() error {
			_, err := s.Topic(ctx, c.metrics, c.x, Range{From: today.AddDate(0, 0, 1-c.days), To: today})
			return err
		})
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
