package inventory

import (
	"math"
	"sync"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// clock is a settable Options.Now for seeding a dated ledger.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestInsightForecastAndReorder seeds a dated sales history and checks
// every figure against values computed by hand (see insight.go for the
// definitions). Today is Monday 2026-12-07; two history weeks are
// [Mon 11-23, Mon 12-07) UTC. Shop units by weekday in the window:
// Sun 6 (B), Mon 4 (C), Sat 12 (A) → U = 22, N·U = 44. From today
// (Monday): 6 days Mon..Sat hold 4+12 = 16, 7 days 22, 10 days (lead 6 +
// review 4: Mon..Wed next week) 4+12+6+4 = 26, 1 day 4.
func TestInsightForecastAndReorder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := shop("ti")
		clk := &clock{t: day("2026-11-01 08:00")}
		s := New(db, Options{Now: clk.now})
		if _, err := s.CreateLocation(ctx, "Main", ""); err != nil {
			t.Fatal(err)
		}
		ids := variants(t, db, ctx, 3, 0, false)
		a, c, d := ids[0], ids[1], ids[2]
		b := variants(t, db, ctx, 1, 5, false)[0]
		for v, q := range map[string]int64{a: 20, b: 10, c: 5, d: 8} {
			if err := s.Receive(ctx, v, "", q, "po"); err != nil {
				t.Fatal(err)
			}
		}
		sell := func(at, v string, q int64) {
			t.Helper()
			clk.set(day(at))
			if err := s.Sell(ctx, v, "", q, "o"); err != nil {
				t.Fatal(err)
			}
		}
		sell("2026-11-17 09:00", d, 1) // before the window (and the slow-seller limit)
		sell("2026-11-23 00:30", c, 2) // Monday, the window's first minute
		sell("2026-11-28 10:00", a, 6) // Saturday
		sell("2026-11-29 10:00", b, 3) // Sunday
		sell("2026-11-30 10:00", a, 2) // Monday
		sell("2026-12-05 20:00", a, 6) // Saturday (Sunday 04:00 in Shanghai)
		sell("2026-12-06 10:00", b, 3) // Sunday
		sell("2026-12-07 09:00", c, 1) // today: not in the window
		now := day("2026-12-07 12:00")
		clk.set(now)

		if err := s.SaveReorderSettings(ctx, ReorderSettings{LeadTimeDays: 6, ReviewDays: 4, SafetyDays: 2, HistoryWeeks: 2, SlowDays: 10}); err != nil {
			t.Fatal(err)
		}
		lead1, zero := 1, int64(0)
		if err := s.SetVariantReorder(ctx, c, VariantReorder{LeadTimeDays: &lead1, SafetyStock: &zero}); err != nil {
			t.Fatal(err)
		}

		in, err := s.InsightFor(ctx, now, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		if want := [7]float64{7 * 6.0 / 22, 7 * 4.0 / 22, 0, 0, 0, 0, 7 * 12.0 / 22}; !near7(in.WeekdayIndex, want) {
			t.Errorf("weekday index = %v, want %v", in.WeekdayIndex, want)
		}
		if !in.From.Equal(day("2026-11-23 00:00")) || !in.To.Equal(day("2026-12-07 00:00")) {
			t.Errorf("window = %v – %v", in.From, in.To)
		}
		got := map[string]VariantInsight{}
		for _, v := range in.Variants {
			got[v.VariantID] = v
		}
		type want struct {
			name                  string
			id                    string
			sold, onHand, avail   int64
			forecast7, leadDemand float64
			lead                  int
			safety                int64
			safetyFrom            string
			rop                   int64
			reorder               bool
			qty                   int64
			cover                 float64 // -1: none
			turnover, sellThrough float64
			slow                  bool
			lastSold              string
		}
		for _, w := range []want{
			// A: 14 units; lead 6: 14·16/44 = 5.09 → 6; SS ⌈14·2/14⌉ = 2 (shop);
			// ROP 8 ≥ 6 available → order up to ⌈14·26/44⌉ = 9, + 2 − 6 = 5.
			// Turnover 14 / ((20 + 6) / 2).
			{"A", a, 14, 6, 6, 7, 14 * 16.0 / 44, 6, 2, "shop", 8, true, 5, 6.0 / 1, 14.0 / 13, 14.0 / 20, false, "2026-12-05 20:00"},
			// B: 6 units; lead 6: 6·16/44 = 2.18 → 3; SS 5 (catalog); ROP 8 ≥ 4
			// → ⌈6·26/44⌉ = 4, + 5 − 4 = 5. Cover 4 / (6/14).
			{"B", b, 6, 4, 4, 3, 6 * 16.0 / 44, 6, 5, "catalog", 8, true, 5, 4 / (6.0 / 14), 6.0 / 7, 6.0 / 10, false, "2026-12-06 10:00"},
			// C: 2 units in the window (today's is not); its own lead 1:
			// 2·4/44 → 1; SS 0 (variant); ROP 1 < 2 available: no order.
			{"C", c, 2, 2, 2, 1, 2 * 4.0 / 44, 1, 0, "variant", 1, false, 0, 2 / (2.0 / 14), 2.0 / 4, 2.0 / 4, false, "2026-12-07 09:00"},
			// D: no sale in the window nor in the last 10 days (its last,
			// 20 days ago, is before both): slow, last sale unknown.
			{"D", d, 0, 7, 7, 0, 0, 6, 0, "shop", 0, false, 0, -1, 0, 0, true, ""},
		} {
			g, ok := got[w.id]
			if !ok {
				t.Errorf("%s missing", w.name)
				continue
			}
			if g.UnitsSold != w.sold || g.OnHand != w.onHand || g.Available != w.avail || !near(g.Forecast7, w.forecast7) || !near(g.LeadDemand, w.leadDemand) ||
				g.LeadTimeDays != w.lead || g.SafetyStock != w.safety || g.SafetyFrom != w.safetyFrom || g.ReorderPoint != w.rop || g.Reorder != w.reorder ||
				g.SuggestedQty != w.qty || !near(g.Turnover, w.turnover) || !near(g.SellThrough, w.sellThrough) || g.Slow != w.slow {
				t.Errorf("%s = %+v\nwant %+v", w.name, g, w)
			}
			if (w.cover < 0) != (g.DaysOfCover == nil) || (g.DaysOfCover != nil && !near(*g.DaysOfCover, w.cover)) {
				t.Errorf("%s days of cover = %v, want %v", w.name, g.DaysOfCover, w.cover)
			}
			if (w.lastSold == "") != (g.LastSoldAt == nil) || (g.LastSoldAt != nil && !g.LastSoldAt.Equal(day(w.lastSold))) {
				t.Errorf("%s last sold = %v, want %s", w.name, g.LastSoldAt, w.lastSold)
			}
		}

		// In Shanghai (UTC+8) A's 12-05 20:00 sale falls on Sunday.
		sh, _ := time.LoadLocation("Asia/Shanghai")
		in, err = s.InsightFor(ctx, now, sh)
		if err != nil {
			t.Fatal(err)
		}
		if want := [7]float64{7 * 12.0 / 22, 7 * 4.0 / 22, 0, 0, 0, 0, 7 * 6.0 / 22}; !near7(in.WeekdayIndex, want) {
			t.Errorf("Shanghai weekday index = %v, want %v", in.WeekdayIndex, want)
		}

		// Sorting, and the variant rows stay the tenant's own.
		vs := in.Variants
		if err := Sort(vs, "suggested", true); err != nil || vs[0].SuggestedQty < vs[len(vs)-1].SuggestedQty {
			t.Errorf("sort by suggested: %v", err)
		}
		if err := Sort(vs, "nope", false); errs.CodeOf(err) != errs.Invalid || err.(*errs.Error).Field != "sort" {
			t.Errorf("unknown sort = %v", err)
		}
		other, err := s.InsightFor(shop("ti-other"), now, nil)
		if err != nil || len(other.Variants) != 0 {
			t.Errorf("another shop sees %d variants (%v)", len(other.Variants), err)
		}
	})
}

// TestReorderSettingsRefused: negative or out-of-range settings and an
// unknown variant are refused naming the field, and nothing is written.
func TestReorderSettingsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := shop("tr")
		s := New(db, Options{})
		v := variants(t, db, ctx, 1, 0, false)[0]
		neg, negS := -1, int64(-3)
		for _, c := range []struct {
			field string
			err   error
		}{
			{"lead_time_days", s.SaveReorderSettings(ctx, ReorderSettings{LeadTimeDays: -1, HistoryWeeks: 8, SlowDays: 30})},
			{"safety_days", s.SaveReorderSettings(ctx, ReorderSettings{SafetyDays: -2, HistoryWeeks: 8, SlowDays: 30})},
			{"history_weeks", s.SaveReorderSettings(ctx, ReorderSettings{HistoryWeeks: 0, SlowDays: 30})},
			{"lead_time_days", s.SetVariantReorder(ctx, v, VariantReorder{LeadTimeDays: &neg})},
			{"safety_stock", s.SetVariantReorder(ctx, v, VariantReorder{SafetyStock: &negS})},
			{"variant", s.SetVariantReorder(ctx, "no-such-variant", VariantReorder{LeadTimeDays: new(int)})},
			{"variant", s.SetVariantReorder(shop("tr-other"), v, VariantReorder{LeadTimeDays: new(int)})},
		} {
			e, ok := c.err.(*errs.Error)
			if !ok || e.Code != errs.Invalid || e.Field != c.field {
				t.Errorf("want invalid %s, got %v", c.field, c.err)
			}
		}
		st, err := s.ReorderSettingsOf(ctx)
		if err != nil || st != DefaultReorderSettings {
			t.Errorf("settings = %+v, %v; want the defaults", st, err)
		}
	})
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func near7(a, b [7]float64) bool {
	for i := range a {
		if !near(a[i], b[i]) {
			return false
		}
	}
	return true
}
