package promotion_test

import (
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// A member day: 10% off for gold members on the 8th and 18th of each
// month and on Fridays, in the shop's time zone (Asia/Shanghai, UTC+8).
func TestMemberDayAppliesOnlyOnItsDays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := shop("shop-memberday")
		now := t0
		svc := promotion.New(db, func() time.Time { return now })
		if _, err := analytics.New(db, analytics.Options{}).SaveSettings(ctx, analytics.Settings{TimeZone: "Asia/Shanghai", RetentionDays: 400, RawRetentionDays: 90}); err != nil {
			t.Fatal(err)
		}
		in := promotion.Promotion{Name: "Gold day", Label: "Gold day −10%", Kind: promotion.KindPercentOff, PercentBP: 1000, Status: promotion.StatusActive,
			Conditions: promotion.Conditions{Segments: []string{"tier:gold"}, MonthDays: []int{18, 8, 32}, Weekdays: []int{5}}}
		if _, err := svc.Create(ctx, in); fieldOf(err) != "conditions.month_days[2]" {
			t.Fatalf("day 32: %v", err)
		}
		in.Conditions.MonthDays, in.Conditions.Weekdays = []int{18, 8}, []int{0}
		if _, err := svc.Create(ctx, in); fieldOf(err) != "conditions.weekdays[0]" {
			t.Fatalf("weekday 0: %v", err)
		}
		in.Conditions.Weekdays = []int{5, 5}
		p, err := svc.Create(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Conditions.MonthDays) != 2 || p.Conditions.MonthDays[0] != 8 || len(p.Conditions.Weekdays) != 1 {
			t.Fatalf("stored days %+v", p.Conditions)
		}
		if got, want := promotion.Describe(p, nil), "10% off the whole order for members of tier:gold, only on the 8th and 18th of each month or Fridays"; got != want {
			t.Fatalf("describe: %q, want %q", got, want)
		}
		discount := func(at time.Time, segments ...string) (int64, string) {
			t.Helper()
			now = at
			snap, err := svc.Snapshot(ctx, promotion.SnapshotInput{CustomerID: "c1"})
			if err != nil {
				t.Fatal(err)
			}
			if snap.Location == nil || snap.Location.String() != "Asia/Shanghai" {
				t.Fatalf("snapshot zone %v", snap.Location)
			}
			out := promotion.Evaluate(snap.Promotions, &promotion.Cart{Currency: "EUR", Now: at, Location: snap.Location,
				Customer: promotion.Customer{ID: "c1", Segments: segments}, Lines: []promotion.Line{{ID: "l1", VariantID: "v", ProductID: "p", Quantity: 1, UnitPrice: 10000}}})
			why := ""
			if len(out.Notes) > 0 {
				why = out.Notes[0].Reason
			}
			return out.Discount, why
		}
		for _, c := range []struct {
			at   time.Time
			want int64
		}{
			{time.Date(2026, 11, 7, 15, 59, 0, 0, time.UTC), 0},    // 7 Nov 23:59 in Shanghai (a Saturday)
			{time.Date(2026, 11, 7, 16, 0, 0, 0, time.UTC), 1000},  // 8 Nov 00:00 in Shanghai (still the 7th in UTC)
			{time.Date(2026, 11, 8, 15, 59, 0, 0, time.UTC), 1000}, // 8 Nov 23:59 in Shanghai
			{time.Date(2026, 11, 8, 16, 0, 0, 0, time.UTC), 0},     // 9 Nov in Shanghai (the 8th in UTC)
			{time.Date(2026, 11, 12, 17, 0, 0, 0, time.UTC), 1000}, // Friday 13 Nov 01:00 in Shanghai (a Thursday in UTC)
			{time.Date(2026, 11, 18, 3, 0, 0, 0, time.UTC), 1000},
		} {
			if got, why := discount(c.at, "tier:gold"); got != c.want {
				t.Errorf("%s: discount %d (%s), want %d", c.at, got, why, c.want)
			}
		}
		if got, why := discount(time.Date(2026, 11, 8, 3, 0, 0, 0, time.UTC), "tier:silver"); got != 0 || why != "this offer is for selected customers only" {
			t.Errorf("not a gold member: %d %q", got, why)
		}
		if _, why := discount(time.Date(2026, 11, 9, 3, 0, 0, 0, time.UTC), "tier:gold"); why != "this offer is only on the 8th and 18th of each month or Fridays" {
			t.Errorf("off day reason %q", why)
		}
	})
}
