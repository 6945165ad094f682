package promotion_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/cart/carttest"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

var t0 = time.Date(2026, 11, 11, 8, 0, 0, 0, time.UTC)

func shop(id string) context.Context { return tenancy.WithTenant(context.Background(), id) }

func fieldOf(err error) string {
	if e, ok := err.(*errs.Error); ok {
		return e.Field
	}
	return ""
}

func TestServiceCRUDAndValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, b := shop("ta"), shop("tb")
		svc := promotion.New(db, func() time.Time { return t0 })
		sh := carttest.New(db, "EUR")
		v := sh.Variant(t, a, "Coat", 18000, 5, carttest.VariantOpts{})
		empty := sh.Variant(t, a, "Pin", 300, 0, carttest.VariantOpts{})
		foreign := sh.Variant(t, b, "Other", 100, 5, carttest.VariantOpts{})

		bad := []struct {
			field string
			p     promotion.Promotion
		}{
			{"name", promotion.Promotion{Kind: promotion.KindPercentOff, PercentBP: 1000}},
			{"kind", promotion.Promotion{Name: "x", Kind: "bogo"}},
			{"percent_bp", promotion.Promotion{Name: "x", Kind: promotion.KindPercentOff, PercentBP: 10001}},
			{"percent_bp", promotion.Promotion{Name: "x", Kind: promotion.KindPercentOff, PercentBP: -5}},
			{"ends_at", promotion.Promotion{Name: "x", Kind: promotion.KindPercentOff, PercentBP: 100, StartsAt: t0, EndsAt: t0.Add(-time.Hour)}},
			{"currency", promotion.Promotion{Name: "x", Kind: promotion.KindAmountOff, Amount: 100}},
			{"tiers[1]", promotion.Promotion{Name: "x", Kind: promotion.KindSpendSave, Currency: "EUR", Tiers: []promotion.Tier{{20000, 2000}, {10000, 3000}}}},
			{"target.product_ids[0]", promotion.Promotion{Name: "x", Kind: promotion.KindPercentOff, PercentBP: 100, Target: promotion.Target{ProductIDs: []string{"nope"}}}},
			{"gift_variant_id", promotion.Promotion{Name: "x", Kind: promotion.KindGift, GiftVariantID: foreign}},
			{"gift_variant_id", promotion.Promotion{Name: "x", Kind: promotion.KindGift, GiftVariantID: empty, Status: promotion.StatusActive}},
			{"name", promotion.Promotion{Name: "bad\x00name", Kind: promotion.KindPercentOff, PercentBP: 100}},
			{"ends_at", promotion.Promotion{Name: "x", Kind: promotion.KindFlashSale, Currency: "EUR", Flash: []promotion.FlashItem{{VariantID: v, Price: 100, Quota: 1}}}},
		}
		for _, c := range bad {
			if _, err := svc.Create(a, c.p); !errs.Is(err, errs.Invalid) || fieldOf(err) != c.field {
				t.Errorf("%s: %v", c.field, err)
			}
		}
		page, err := svc.List(a, promotion.Filter{})
		if err != nil || len(page.Promotions) != 0 {
			t.Fatalf("half-created promotions: %+v %v", page, err)
		}

		flash := promotion.Promotion{Name: "Coat flash", Kind: promotion.KindFlashSale, Status: promotion.StatusActive, Currency: "EUR",
			StartsAt: t0, EndsAt: t0.Add(2 * time.Hour), Flash: []promotion.FlashItem{{VariantID: v, Price: 12000, Quota: 10}}}
		p, err := svc.Create(a, flash)
		if err != nil || p.Version != 1 || len(p.Flash) != 1 || p.Label != "Coat flash" || p.Class() != promotion.ClassProduct {
			t.Fatalf("create %+v %v", p, err)
		}
		flash.Name, flash.StartsAt, flash.EndsAt = "Overlap", t0.Add(time.Hour), t0.Add(3*time.Hour)
		if _, err := svc.Create(a, flash); fieldOf(err) != "flash[0].variant_id" {
			t.Fatalf("overlapping flash sale: %v", err)
		}
		flash.StartsAt, flash.EndsAt = t0.Add(2*time.Hour), t0.Add(3*time.Hour)
		if _, err := svc.Create(a, flash); err != nil {
			t.Fatalf("back-to-back flash sale: %v", err)
		}

		p.Name, p.Priority = "Coat flash sale", 3
		p2, err := svc.Update(a, p.ID, p.Version, *p)
		if err != nil || p2.Version != 2 || p2.Priority != 3 {
			t.Fatalf("update %+v %v", p2, err)
		}
		if _, err := svc.Update(a, p.ID, p.Version, *p); !errs.Is(err, errs.Conflict) {
			t.Fatalf("stale update: %v", err)
		}
		if _, err := svc.Get(b, p.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("foreign get: %v", err)
		}
		sched, err := svc.Create(a, promotion.Promotion{Name: "Later", Kind: promotion.KindPercentOff, PercentBP: 500, Status: promotion.StatusActive, StartsAt: t0.Add(48 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		for st, want := range map[promotion.Status]int{promotion.StatusActive: 1, promotion.StatusScheduled: 2, promotion.StatusDraft: 0} {
			page, err := svc.List(a, promotion.Filter{Status: st})
			if err != nil || len(page.Promotions) != want {
				t.Errorf("status %s: %d promotions, %v", st, len(page.Promotions), err)
			}
		}
		if page, _ := svc.List(a, promotion.Filter{Query: "LATER"}); len(page.Promotions) != 1 || page.Promotions[0].ID != sched.ID {
			t.Errorf("query: %+v", page.Promotions)
		}
		if ps, err := svc.SetStatus(a, sched.ID, promotion.StatusPaused); err != nil || ps.Status != promotion.StatusPaused {
			t.Fatalf("pause %+v %v", ps, err)
		}
		entries, err := audit.List(context.Background(), db, audit.Filter{TenantID: "ta", ObjectType: "promotion"})
		if err != nil || len(entries.Entries) != 5 {
			t.Fatalf("audit: %d entries, %v", len(entries.Entries), err)
		}

		// Codes.
		coupon, err := svc.Create(a, promotion.Promotion{Name: "Coupon", Kind: promotion.KindPercentOff, PercentBP: 1000, Status: promotion.StatusActive, RequiresCode: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddCode(a, p.ID, "FLASHY", 0); fieldOf(err) != "requires_code" {
			t.Fatalf("code on an automatic promotion: %v", err)
		}
		if c, err := svc.AddCode(a, coupon.ID, " welcome10 ", 0); err != nil || c.Code != "WELCOME10" {
			t.Fatalf("add code %+v %v", c, err)
		}
		if _, err := svc.AddCode(a, coupon.ID, "Welcome10", 0); !errs.Is(err, errs.Conflict) || fieldOf(err) != "code" {
			t.Fatalf("taken code: %v", err)
		}
		if _, err := svc.AddCode(a, coupon.ID, "no spaces", 0); fieldOf(err) != "code" {
			t.Fatalf("bad code: %v", err)
		}
		if _, err := svc.GenerateCodes(a, coupon.ID, promotion.Generate{Count: promotion.MaxCodesPerRun + 1}); fieldOf(err) != "count" {
			t.Fatalf("too many codes: %v", err)
		}
		batch, err := svc.GenerateCodes(a, coupon.ID, promotion.Generate{Count: 1200, Prefix: "bf-"})
		if err != nil {
			t.Fatal(err)
		}
		var csv bytes.Buffer
		if err := svc.ExportCodes(a, coupon.ID, batch, &csv); err != nil {
			t.Fatal(err)
		}
		rows := strings.Split(strings.TrimSpace(csv.String()), "\n")
		if len(rows) != 1201 || !strings.HasPrefix(rows[1], "BF-") {
			t.Fatalf("export: %d rows, first %q", len(rows), rows[1])
		}
		seen := map[string]bool{}
		for _, r := range rows[1:] {
			code := strings.Split(r, ",")[0]
			if seen[code] || len(code) != 13 {
				t.Fatalf("code %q duplicate or malformed", code)
			}
			seen[code] = true
		}

		// The snapshot resolves codes case-insensitively and prices.
		snap, err := svc.Snapshot(a, promotion.SnapshotInput{Codes: []string{"welcome10", "nope"}})
		if err != nil {
			t.Fatal(err)
		}
		pipe := pricing.Pipeline{Promotions: snap.Stage(promotion.Customer{}, nil)}
		res, err := pipe.Price(context.Background(), &pricing.Input{Currency: "EUR", Codes: []string{"welcome10", "nope"}, Now: t0,
			Lines: []pricing.Line{{ID: "1", VariantID: v, Quantity: 1, UnitPrice: 18000}}})
		if err != nil {
			t.Fatal(err)
		}
		// Neither says it combines: the flash sale, worth more, wins.
		if len(res.Promotions) != 1 || res.Total != 12000 || len(res.PromotionNotes) != 2 || res.PromotionNotes[0].Code != "NOPE" ||
			res.PromotionNotes[1].Reason != `cannot be combined with "Coat flash", which saves you more` {
			t.Fatalf("priced %+v / %+v / %d", res.Promotions, res.PromotionNotes, res.Total)
		}
		coupon.CombinesWith = []promotion.Class{promotion.ClassProduct}
		if _, err := svc.Update(a, coupon.ID, coupon.Version, *coupon); err != nil {
			t.Fatal(err)
		}
		p2.CombinesWith = []promotion.Class{promotion.ClassOrder}
		if _, err := svc.Update(a, p2.ID, p2.Version, *p2); err != nil {
			t.Fatal(err)
		}
		snap, err = svc.Snapshot(a, promotion.SnapshotInput{Codes: []string{"Welcome10"}})
		if err != nil {
			t.Fatal(err)
		}
		pipe = pricing.Pipeline{Promotions: snap.Stage(promotion.Customer{}, nil)}
		res, err = pipe.Price(context.Background(), &pricing.Input{Currency: "EUR", Codes: []string{"Welcome10"}, Now: t0,
			Lines: []pricing.Line{{ID: "1", VariantID: v, Quantity: 1, UnitPrice: 18000}}})
		if err != nil || len(res.Promotions) != 2 || res.Total != 12000-1200 || res.Promotions[1].Code != "WELCOME10" {
			t.Fatalf("combined %+v %v", res, err)
		}
	})
}

// redeemAll runs n concurrent orders that each redeem applied, and
// returns how many succeeded; every failure must be a Conflict.
func redeemAll(t *testing.T, db *store.DB, ctx context.Context, svc *promotion.Service, n int, order func(i int) promotion.Order, applied []pricing.AppliedPromotion) int {
	t.Helper()
	var ok atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
				return svc.Redeem(ctx, q, order(i), applied)
			})
			if err == nil {
				ok.Add(1)
			} else if !errs.Is(err, errs.Conflict) {
				t.Errorf("order %d: %v", i, err)
			}
		}(i)
	}
	wg.Wait()
	return int(ok.Load())
}

func guest(i int) promotion.Order {
	return promotion.Order{ID: fmt.Sprint("o", i), Email: fmt.Sprintf("g%d@example.com", i), Currency: "EUR", Total: 9000}
}

func TestCouponUsageLimitUnderRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := shop("ta")
		svc := promotion.New(db, func() time.Time { return t0 })
		coupon, err := svc.Create(ctx, promotion.Promotion{Name: "One use", Kind: promotion.KindPercentOff, PercentBP: 1000, Status: promotion.StatusActive, RequiresCode: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddCode(ctx, coupon.ID, "ONCE", 1); err != nil {
			t.Fatal(err)
		}
		used := []pricing.AppliedPromotion{{ID: coupon.ID, Code: "once", Label: "One use", Amount: 1000}}
		if n := redeemAll(t, db, ctx, svc, 50, guest, used); n != 1 {
			t.Fatalf("one-use code redeemed %d times", n)
		}

		// Per customer: one account, 50 concurrent orders, limit 2.
		per, err := svc.Create(ctx, promotion.Promotion{Name: "Twice each", Kind: promotion.KindPercentOff, PercentBP: 500, Status: promotion.StatusActive, PerCustomerLimit: 2})
		if err != nil {
			t.Fatal(err)
		}
		same := func(i int) promotion.Order {
			return promotion.Order{ID: fmt.Sprint("c", i), CustomerID: "cust-1", Email: fmt.Sprintf("alias%d@example.com", i), Currency: "EUR", Total: 9000}
		}
		if n := redeemAll(t, db, ctx, svc, 50, same, []pricing.AppliedPromotion{{ID: per.ID, Label: "Twice each", Amount: 500}}); n != 2 {
			t.Fatalf("per-customer limit 2: %d redemptions", n)
		}
		snap, err := svc.Snapshot(ctx, promotion.SnapshotInput{CustomerID: "cust-1"})
		if err != nil || snap.Uses[per.ID] != 2 {
			t.Fatalf("uses %v %v", snap.Uses, err)
		}

		// An automatic promotion with a total limit.
		auto, err := svc.Create(ctx, promotion.Promotion{Name: "First 5", Kind: promotion.KindPercentOff, PercentBP: 500, Status: promotion.StatusActive, UsageLimit: 5})
		if err != nil {
			t.Fatal(err)
		}
		autoApplied := []pricing.AppliedPromotion{{ID: auto.ID, Label: "First 5", Amount: 450}}
		if n := redeemAll(t, db, ctx, svc, 50, func(i int) promotion.Order { return guest(100 + i) }, autoApplied); n != 5 {
			t.Fatalf("automatic limit 5: %d redemptions", n)
		}
		got, err := svc.Get(ctx, auto.ID)
		if err != nil || got.Used != 5 || got.Spent != 5*450 {
			t.Fatalf("counters %+v %v", got, err)
		}
		// Cancelling an unpaid order gives its uses back, once: the code,
		// the promotion's count and budget, the customer's use.
		one, err := svc.Create(ctx, promotion.Promotion{Name: "Once", Kind: promotion.KindAmountOff, Amount: 700, Currency: "EUR", Status: promotion.StatusActive,
			RequiresCode: true, UsageLimit: 1, PerCustomerLimit: 1, Budget: 700})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddCode(ctx, one.ID, "SOLO", 1); err != nil {
			t.Fatal(err)
		}
		redeem := func(id string) error {
			return db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
				return svc.Redeem(ctx, q, promotion.Order{ID: id, CustomerID: "cust-9", Currency: "EUR", Total: 5000},
					[]pricing.AppliedPromotion{{ID: one.ID, Code: "solo", Label: "Once", Amount: 700}})
			})
		}
		release := func(id string) int {
			var n int
			if err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
				n, err = svc.Release(ctx, q, id)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if err := redeem("r1"); err != nil {
			t.Fatal(err)
		}
		if err := redeem("r2"); !errs.Is(err, errs.Conflict) {
			t.Fatalf("second use: %v", err)
		}
		if n1, n2 := release("r1"), release("r1"); n1 != 1 || n2 != 0 {
			t.Fatalf("released %d then %d", n1, n2)
		}
		if err := redeem("r2"); err != nil {
			t.Fatalf("after the release: %v", err)
		}
		if got, _ := svc.Get(ctx, one.ID); got.Used != 1 || got.Spent != 700 {
			t.Fatalf("counters after release and reuse %+v", got)
		}
		if st, _ := svc.Stats(ctx, promotion.StatsFilter{PromotionID: one.ID}); len(st.Totals) != 1 || st.Totals[0].Orders != 1 {
			t.Fatalf("released order counted: %+v", st)
		}
		stats, err := svc.Stats(ctx, promotion.StatsFilter{PromotionID: auto.ID})
		if err != nil || len(stats.Totals) != 1 || stats.Totals[0].Orders != 5 || stats.Totals[0].Discount != 2250 ||
			stats.Totals[0].Revenue != 45000 || stats.Totals[0].Customers != 5 {
			t.Fatalf("stats %+v %v", stats, err)
		}
	})
}

func TestFlashSaleNeverOversellsQuota(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := shop("ta")
		svc := promotion.New(db, func() time.Time { return t0 })
		v := carttest.New(db, "EUR").Variant(t, ctx, "Phone", 50000, 1000, carttest.VariantOpts{})
		p, err := svc.Create(ctx, promotion.Promotion{Name: "Phone flash", Label: "Flash −100", Kind: promotion.KindFlashSale, Status: promotion.StatusActive,
			Currency: "EUR", EndsAt: t0.Add(time.Hour), Flash: []promotion.FlashItem{{VariantID: v, Price: 40000, Quota: 10}}})
		if err != nil {
			t.Fatal(err)
		}
		price := func() *pricing.Result {
			snap, err := svc.Snapshot(ctx, promotion.SnapshotInput{})
			if err != nil {
				t.Fatal(err)
			}
			pipe := pricing.Pipeline{Promotions: snap.Stage(promotion.Customer{}, nil)}
			res, err := pipe.Price(context.Background(), &pricing.Input{Currency: "EUR", Now: t0, Lines: []pricing.Line{{ID: "1", VariantID: v, Quantity: 1, UnitPrice: 50000}}})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		res := price()
		if res.Total != 40000 || len(res.Promotions) != 1 || res.Promotions[0].Units[0].Quantity != 1 {
			t.Fatalf("flash price %+v", res)
		}
		if n := redeemAll(t, db, ctx, svc, 200, guest, res.Promotions); n != 10 {
			t.Fatalf("flash quota 10: %d sold", n)
		}
		if res := price(); res.Total != 50000 || len(res.Promotions) != 0 {
			t.Fatalf("after the quota: %+v", res)
		}
		got, _ := svc.Get(ctx, p.ID)
		if got.Flash[0].Sold != 10 {
			t.Fatalf("sold %d", got.Flash[0].Sold)
		}
	})
}

func TestCampaignBudgetStopsAtLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := shop("ta")
		svc := promotion.New(db, func() time.Time { return t0 })
		c, err := svc.CreateCampaign(ctx, promotion.Campaign{Name: "11.11", Theme: "Singles' Day", Currency: "EUR", Budget: 10000})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreateCampaign(ctx, promotion.Campaign{Name: "x", Budget: 5}); fieldOf(err) != "currency" {
			t.Fatalf("budget without currency: %v", err)
		}
		var ids []string
		for _, name := range []string{"A", "B"} {
			p, err := svc.Create(ctx, promotion.Promotion{Name: name, CampaignID: c.ID, Kind: promotion.KindAmountOff, Amount: 1000, Currency: "EUR", Status: promotion.StatusActive})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, p.ID)
		}
		// 40 orders each take 1000 from one of the two promotions: the
		// campaign's 10000 lets exactly 10 through.
		var ok atomic.Int64
		var wg sync.WaitGroup
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
					return svc.Redeem(ctx, q, guest(i), []pricing.AppliedPromotion{{ID: ids[i%2], Label: "x", Amount: 1000}})
				})
				if err == nil {
					ok.Add(1)
				} else if !errs.Is(err, errs.Conflict) {
					t.Error(err)
				}
			}(i)
		}
		wg.Wait()
		if ok.Load() != 10 {
			t.Fatalf("%d orders within a budget for 10", ok.Load())
		}
		got, err := svc.Campaign(ctx, c.ID)
		if err != nil || got.Spent != 10000 {
			t.Fatalf("campaign %+v %v", got, err)
		}
		snap, err := svc.Snapshot(ctx, promotion.SnapshotInput{})
		if err != nil {
			t.Fatal(err)
		}
		o := promotion.Evaluate(snap.Promotions, &promotion.Cart{Currency: "EUR", Now: t0, Lines: []promotion.Line{{ID: "1", Quantity: 1, UnitPrice: 5000}}})
		if len(o.Applied) != 0 || len(o.Notes) != 2 || o.Notes[0].Reason != "this offer has ended: its budget is spent" {
			t.Fatalf("after the budget: %+v", o)
		}
		stats, err := svc.Stats(ctx, promotion.StatsFilter{CampaignID: c.ID})
		if err != nil || stats.Totals[0].Orders != 10 || stats.Totals[0].Discount != 10000 || len(stats.ByPromotion) != 2 {
			t.Fatalf("stats %+v %v", stats, err)
		}
	})
}

// A promotion created with its first code is saved whole or not at all: a
// code the shop already has, or a malformed one, leaves no promotion.
func TestCreateWithCodeIsOneChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := shop("ta")
		svc := promotion.New(db, func() time.Time { return t0 })
		in := promotion.Promotion{Name: "Spring", Kind: promotion.KindPercentOff, PercentBP: 1000, RequiresCode: true}
		first, err := svc.CreateWithCode(a, in, " spring10 ")
		if err != nil {
			t.Fatal(err)
		}
		codes, err := svc.Codes(a, first.ID, promotion.CodeFilter{})
		if err != nil || len(codes.Codes) != 1 || codes.Codes[0].Code != "SPRING10" {
			t.Fatalf("codes %+v %v", codes, err)
		}
		if _, err := svc.CreateWithCode(a, in, "SPRING10"); !errs.Is(err, errs.Conflict) || fieldOf(err) != "code" {
			t.Fatalf("taken code: %v", err)
		}
		if _, err := svc.CreateWithCode(a, in, "no spaces allowed"); !errs.Is(err, errs.Invalid) || fieldOf(err) != "code" {
			t.Fatalf("malformed code: %v", err)
		}
		page, err := svc.List(a, promotion.Filter{})
		if err != nil || len(page.Promotions) != 1 {
			t.Fatalf("a refused code left a promotion behind: %d %v", len(page.Promotions), err)
		}
	})
}
