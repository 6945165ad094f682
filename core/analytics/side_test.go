package analytics_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/aftersales"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/mailing"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

// TestKPIDefinitionsSide: the KPIs over what core/aftersales,
// core/promotion and core/mailing own (read through their own functions,
// as serve wires them), exact for a shop in Paris on its local days; the
// churn of the day; another shop's records never count.
func TestKPIDefinitionsSide(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
		s := analytics.New(db, analytics.Options{Now: func() time.Time { return now }, Sides: analytics.Sides{
			Complaints: aftersales.ComplaintTimes, Returns: aftersales.ReturnTimes, Promoted: promotion.PromotedOrders, Attributed: mailing.AttributedOrders}})
		shop := func(id string) context.Context { return tenancy.WithTenant(context.Background(), id) }
		if _, err := s.SaveSettings(shop("ta"), analytics.Settings{TimeZone: "Europe/Paris", RetentionDays: 760, RawRetentionDays: 90}); err != nil {
			t.Fatal(err)
		}
		at := func(day string, hh, mm int) time.Time { // Paris local (UTC+1) → UTC
			d, _ := time.ParseInLocation(time.DateOnly, day, time.UTC)
			return d.Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute).Add(-time.Hour)
		}
		exec := func(tenant string, stmts ...[]any) {
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
		place := func(tenant, email string, total int64, when time.Time, refunded int64) string {
			t.Helper()
			o := &order.Order{Email: email, Currency: "EUR", Subtotal: total, Total: total, Status: order.Paid,
				Lines: []order.Line{{VariantID: "v1", Title: "Coat", Quantity: 1, UnitPrice: total, Subtotal: total, Total: total}}}
			if err := db.Write(shop(tenant), func(ctx context.Context, q bun.IDB) error { return order.Insert(ctx, q, o) }); err != nil {
				t.Fatal(err)
			}
			exec(tenant, []any{"UPDATE orders SET placed_at = ?, paid_total = ?, refunded_total = ? WHERE tenant_id = ? AND id = ?", when, total, refunded, tenant, o.ID})
			return o.ID
		}
		ann := place("ta", "ann@example.com", 12000, at("2026-11-30", 9, 4), 3000)
		place("ta", "bob@example.com", 5000, at("2026-11-29", 23, 59), 0)
		eve := place("tb", "eve@example.com", 99900, at("2026-11-30", 12, 0), 0)
		ticket := "INSERT INTO tickets (tenant_id, id, email, kind, subject, status, created_at, updated_at) VALUES (?, ?, 'x@example.com', ?, 'S', 'open', ?, ?)"
		ret := "INSERT INTO returns (tenant_id, id, order_id, status, currency, created_at, updated_at) VALUES (?, ?, ?, ?, 'EUR', ?, ?)"
		in, boundary, before := at("2026-11-30", 10, 0), at("2026-12-01", 0, 30), at("2026-11-29", 23, 30)
		exec("ta",
			[]any{ticket, "ta", "t1", "complaint", in, in},
			[]any{ticket, "ta", "t2", "question", in, in},
			[]any{ticket, "ta", "t3", "complaint", boundary, boundary}, // 1 Dec in Paris, 30 Nov in UTC
			[]any{ticket, "ta", "t4", "complaint", before, before},
			[]any{ret, "ta", "r1", ann, "requested", in, in},
			[]any{ret, "ta", "r2", ann, "rejected", in, in},
			[]any{"INSERT INTO promotions (tenant_id, id, name, label, kind, status, rules, created_at, updated_at) VALUES ('ta', 'p1', 'P', 'P', 'order', 'active', '{}', ?, ?)", in, in},
			[]any{"INSERT INTO promotion_redemptions (tenant_id, id, order_id, promotion_id, currency, amount, order_total, reversed, created_at) VALUES ('ta', 'rd1', ?, 'p1', 'EUR', 1500, 12000, 500, ?)", ann, in},
			[]any{"INSERT INTO mailing_attributions (tenant_id, order_id, campaign_id, recipient_id, total, currency, placed_at) VALUES ('ta', ?, 'c1', 'rc1', 12000, 'EUR', ?)", ann, in},
		)
		exec("tb", []any{ticket, "tb", "t1", "complaint", in, in}, []any{ret, "tb", "r1", eve, "requested", in, in})
		if _, err := s.Rollup(context.Background()); err != nil {
			t.Fatal(err)
		}
		kpis := func(from, to string) map[string]*float64 {
			t.Helper()
			r, _, err := s.ParseRange(shop("ta"), from, to)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := s.KPIs(shop("ta"), r, analytics.Day, analytics.Compare{})
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]*float64{}
			for _, k := range rep.KPIs {
				out[k.Name] = k.Value
			}
			return out
		}
		got := kpis("2026-11-30", "2026-11-30")
		for name, w := range map[string]float64{
			"orders": 1, "complaints": 1, "complaint_rate": 1, "return_rate": 1,
			"promotion_participation": 1, "promotion_discount": 1000, "promotion_roi": (9000.0 - 1000) / 1000,
			"campaign_participation": 1, "campaign_revenue": 9000,
			"churn_rate": 1, // bob bought on 29 Nov, not on the 30th
		} {
			if v := got[name]; v == nil || math.Abs(*v-w) > 1e-12 {
				t.Errorf("30 Nov %s = %v, want %v", name, v, w)
			}
		}
		r, _, _ := s.ParseRange(shop("ta"), "2026-11-29", "2026-12-01")
		days, err := s.Series(shop("ta"), "complaints", r, analytics.Day)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range days {
			if p.Value == nil || *p.Value != 1 {
				t.Errorf("complaints on day %d (%s) = %v, want 1", i, p.Start, p.Value)
			}
		}
		if v := kpis("2026-12-01", "2026-12-01")["return_rate"]; v != nil {
			t.Errorf("1 Dec return rate without orders = %v, want undefined", *v)
		}
	})
}
