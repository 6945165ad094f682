package segment_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/segment"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// TestSegmentScale (WASMART_SEGMENT_SCALE=1; PostgreSQL) loads a shop of
// 100,000 customers (a seventh tagged vip, a third subscribed) and
// 1,000,000 orders over two years with INSERT ... SELECT generate_series,
// then reports the full RFM computation, segment counts, a page of
// members, and an incremental run after 1,000 new orders, with the load
// average at the time. Goals (issue 12): count < 500 ms, RFM < 10 s,
// incremental < 1 s per 1,000 new orders. A fraction (0.1) loads that
// share of the shop where the disk is short (the full load needs about 2
// GB free, WAL included).
func TestSegmentScale(t *testing.T) {
	f, err := strconv.ParseFloat(os.Getenv("WASMART_SEGMENT_SCALE"), 64)
	if err != nil || f <= 0 || f > 1 {
		t.Skip("set WASMART_SEGMENT_SCALE=1 to load 100,000 customers and 1,000,000 orders into PostgreSQL (0.1: a tenth)")
	}
	customers, orders := int(100_000*f), int(1_000_000*f)
	t.Logf("%d customers, %d orders", customers, orders)
	db := storetest.Postgres(t)
	ctx := shop("scale")
	now := store.Now()
	svc := segment.New(db, func() time.Time { return now })
	load := func(name, query string, args ...any) {
		t.Helper()
		start := time.Now()
		err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			_, err := q.NewRaw(query, args...).Exec(ctx)
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("load %s: %v", name, time.Since(start).Round(time.Millisecond))
	}
	load("customers", `INSERT INTO customer_customers (tenant_id, id, email, first_name, last_name, state, accepts_marketing, birth_month, birth_day, created_at, updated_at)
		SELECT 'scale', 'c' || lpad(i::text, 7, '0'), 'c' || i || '@example.com', 'C', 'Customer', 'enabled', i % 3 = 0, i % 12 + 1, i % 28 + 1, ?, ?
		FROM generate_series(1, ?) i`, now, now, customers)
	load("tags", `INSERT INTO customer_tags (tenant_id, customer_id, tag) SELECT 'scale', 'c' || lpad(i::text, 7, '0'), 'vip' FROM generate_series(1, ?, 7) i`, customers)
	load("orders", `INSERT INTO orders (tenant_id, id, number, status, customer_id, email, currency, subtotal, discounts, shipping_total, tax_total,
		tax_inclusive, total, paid_total, placed_at, updated_at)
		SELECT 'scale', 'o' || lpad(i::text, 8, '0'), i, CASE WHEN i % 50 = 0 THEN 'cancelled' ELSE 'paid' END,
			'c' || lpad((1 + (i * 7919) % ?)::text, 7, '0'), 'x@example.com', 'EUR', t, 0, 0, 0, TRUE, t, t,
			?::timestamp - ((i * 104729) % 730) * interval '1 day', ?::timestamp - ((i * 104729) % 730) * interval '1 day'
		FROM (SELECT i, 1000 + (i * 31) % 50000 AS t FROM generate_series(1::bigint, ?::bigint) i) s`, customers, now.Add(-time.Hour), now.Add(-time.Hour), orders)
	load("analyze", "ANALYZE")
	t.Logf("load average %s", loadavg())

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
	timed("RFM full computation", func() error { return svc.Recompute(ctx, true) })
	for _, c := range []struct {
		name  string
		rules []segment.Rule
	}{
		{"count: rfm group champions", []segment.Rule{{Field: "rfm_group", Op: "in", Value: "champions"}}},
		{"count: subscribed, 5+ orders, ordered within 90 days", []segment.Rule{{Field: "subscribed", Op: "is", Value: "true"},
			{Field: "order_count", Op: "gte", Value: "5"}, {Field: "last_order", Op: "within_days", Value: "90"}}},
		{"count: tag vip, spent over 1000.00, birthday in May", []segment.Rule{{Field: "tag", Op: "in", Value: "vip"},
			{Field: "total_spent", Op: "gt", Value: "100000"}, {Field: "birthday_month", Op: "in", Value: "5"}}},
	} {
		sg, err := svc.Create(ctx, segment.Segment{Name: c.name, Rules: c.rules})
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		timed(c.name, func() error { var err error; n, err = svc.Count(ctx, sg.ID); return err })
		d := timed(c.name+" (again)", func() error { var err error; n, err = svc.Count(ctx, sg.ID); return err })
		t.Logf("  %d customers", n)
		if d > 500*time.Millisecond {
			t.Logf("  over the 500 ms goal")
		}
		timed(c.name+": first page of 1,000 members", func() error { _, _, err := svc.Members(ctx, sg.ID, "", 1000); return err })
	}

	// 1,000 new orders a minute later, then the incremental run.
	now = now.Add(time.Minute)
	load("1,000 new orders", `INSERT INTO orders (tenant_id, id, number, status, customer_id, email, currency, subtotal, discounts, shipping_total, tax_total,
		tax_inclusive, total, paid_total, placed_at, updated_at)
		SELECT 'scale', 'n' || lpad(i::text, 8, '0'), ? + i, 'paid', 'c' || lpad((1 + (i * 13) % ?)::text, 7, '0'), 'x@example.com', 'EUR',
			5000, 0, 0, 0, TRUE, 5000, 5000, ?, ? FROM generate_series(1, 1000) i`, orders, customers, now, now)
	now = now.Add(time.Minute)
	timed("RFM incremental after 1,000 new orders", func() error { return svc.Recompute(ctx, false) })
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
