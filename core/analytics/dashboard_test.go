package analytics

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// TestLiveVisitors: distinct visitors of the last five minutes, each
// once however many events; older events, Do-Not-Track requests, a
// visitor flagged as a bot and another shop's visitors left out.
func TestLiveVisitors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 11, 11, 12, 0, 0, 0, time.UTC)
		c := &clock{now}
		s := newTestService(db, c)
		s.Track(hit("la", now.Add(-10*time.Minute), PageView, "203.0.113.1")) // too long ago
		s.Track(hit("la", now.Add(-4*time.Minute), PageView, "203.0.113.2"))
		s.Track(hit("la", now.Add(-time.Minute), ProductView, "203.0.113.2")) // the same visitor again
		s.Track(hit("la", now.Add(-30*time.Second), PageView, "203.0.113.3"))
		dnt := hit("la", now.Add(-time.Minute), PageView, "203.0.113.4")
		dnt.NoTrack = true
		s.Track(dnt)
		for i := range 70 { // over 60 pages a minute: a bot for the day
			s.Track(hit("la", now.Add(-2*time.Minute+time.Duration(i)*100*time.Millisecond), PageView, "203.0.113.5"))
		}
		s.Track(hit("lb", now.Add(-time.Minute), PageView, "203.0.113.6"))
		if err := s.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		for tenant, want := range map[string]int64{"la": 2, "lb": 1, "lc": 0} {
			if n, err := s.LiveVisitors(shop(tenant)); err != nil || n != want {
				t.Errorf("%s: %d live visitors (%v), want %d", tenant, n, err, want)
			}
		}
		c.t = now.Add(5 * time.Minute)
		if n, err := s.LiveVisitors(shop("la")); err != nil || n != 0 {
			t.Errorf("five minutes later: %d live visitors (%v), want 0", n, err)
		}
	})
}

// TestTopProducts: products by revenue over a range of the shop's local
// days (Paris), not by units; cancelled orders, orders on the day after
// the range in the shop's time zone, lines without a product and another
// shop's orders left out; the limit is kept and checked.
func TestTopProducts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := &clock{time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)}
		s := newTestService(db, c)
		saveSettings(t, s, "tp", "Europe/Paris")
		type line struct {
			product, title string
			qty, total     int64
		}
		put := func(tenant string, at time.Time, status order.Status, lines ...line) {
			t.Helper()
			err := db.Write(shop(tenant), func(ctx context.Context, q bun.IDB) error {
				o := &order.Order{Email: "a@example.com", Currency: "EUR", Status: status}
				for _, l := range lines {
					o.Lines = append(o.Lines, order.Line{VariantID: "v-" + l.product, ProductID: l.product, Title: l.title, Quantity: l.qty,
						UnitPrice: l.total / l.qty, Subtotal: l.total, Total: l.total})
					o.Subtotal += l.total
					o.Total += l.total
				}
				if err := order.Insert(ctx, q, o); err != nil {
					return err
				}
				_, err := q.ExecContext(ctx, "UPDATE orders SET placed_at = ? WHERE tenant_id = ? AND id = ?", at, tenant, o.ID)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		day := time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC)
		put("tp", day, order.Paid, line{"p1", "Coat", 1, 10000}, line{"p2", "Scarf", 5, 5000}, line{"", "Gift wrap", 1, 300})
		put("tp", day.Add(time.Hour), order.Paid, line{"p2", "Scarf", 1, 1000})
		put("tp", day, order.Cancelled, line{"p3", "Hat", 1, 99000})
		put("tp", time.Date(2026, 11, 19, 23, 30, 0, 0, time.UTC), order.Paid, line{"p4", "Boots", 1, 50000}) // 20 Nov in Paris
		put("other", day, order.Paid, line{"p5", "Gloves", 1, 80000})

		today, _, err := s.Today(shop("tp"))
		if err != nil || today.Format(time.DateOnly) != "2026-11-20" || today.Location().String() != "Europe/Paris" {
			t.Fatalf("today %v (%v)", today, err)
		}
		r := Range{From: today.AddDate(0, 0, -6), To: today.AddDate(0, 0, -1)} // 14 to 19 November
		top, err := s.TopProducts(shop("tp"), r, 5)
		if err != nil {
			t.Fatal(err)
		}
		want := []order.TopProduct{{ProductID: "p1", Title: "Coat", Units: 1, Revenue: 10000, Orders: 1}, {ProductID: "p2", Title: "Scarf", Units: 6, Revenue: 6000, Orders: 2}}
		if len(top) != len(want) || top[0] != want[0] || top[1] != want[1] {
			t.Errorf("top products %+v, want %+v", top, want)
		}
		if top, err := s.TopProducts(shop("tp"), r, 1); err != nil || len(top) != 1 || top[0].ProductID != "p1" {
			t.Errorf("limit 1: %+v (%v)", top, err)
		}
		if top, err := s.TopProducts(shop("tp"), Range{From: today, To: today}, 5); err != nil || len(top) != 1 || top[0].ProductID != "p4" {
			t.Errorf("today in Paris: %+v (%v)", top, err)
		}
		if _, err := s.TopProducts(shop("tp"), r, 0); err == nil {
			t.Error("limit 0 accepted")
		}
	})
}
