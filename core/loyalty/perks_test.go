package loyalty_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/loyalty"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// codedPromotion makes an active 5.00 EUR off promotion that requires a
// code.
func (f *fixture) codedPromotion(ctx context.Context, promos *promotion.Service, name string) *promotion.Promotion {
	f.t.Helper()
	p, err := promos.Create(ctx, promotion.Promotion{Name: name, Label: name, Kind: promotion.KindAmountOff, Amount: 500, Currency: "EUR",
		Status: promotion.StatusActive, RequiresCode: true})
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

// use tries to redeem code on a fresh order of customerID; it returns
// the error Redeem gives (nil: the code was accepted).
func use(ctx context.Context, db *store.DB, promos *promotion.Service, p *promotion.Promotion, code, customerID string) error {
	return db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		return promos.Redeem(ctx, q, promotion.Order{ID: store.NewID(), CustomerID: customerID, Email: customerID + "@example.com", Currency: "EUR", Total: 5000},
			[]pricing.AppliedPromotion{{ID: p.ID, Code: code, Label: p.Label, Amount: 500}})
	})
}

func TestMonthlyCouponOncePerMemberPerMonth(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := shop("shop-monthly")
		promos := promotion.New(db, f.clk.now)
		f.enable(ctx, nil)
		monthly := f.codedPromotion(ctx, promos, "Gold gift")
		tiers := []loyalty.Tier{{Code: "member", Name: "Member", MultiplierPct: 100}, {Code: "gold", Name: "Gold", Threshold: 1000, MultiplierPct: 100, MonthlyCoupon: monthly.ID}}
		// The coupon must be a coded promotion of this shop.
		bad := append([]loyalty.Tier(nil), tiers...)
		bad[1].MonthlyCoupon = "no-such-promotion"
		if _, err := f.svc.SaveTiers(ctx, bad); !strings.Contains(errField(err), "tiers[1].monthly_coupon") {
			t.Fatalf("unknown coupon promotion: %v", err)
		}
		if _, err := f.svc.SaveTiers(ctx, tiers); err != nil {
			t.Fatal(err)
		}
		gold1, gold2, plain := f.customer(ctx, "g1@example.com"), f.customer(ctx, "g2@example.com"), f.customer(ctx, "p@example.com")
		for _, c := range []string{gold1, gold2} {
			if err := f.paid(ctx, f.order(ctx, c, 2000, true).ID); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := f.svc.Member(ctx, plain); err != nil { // an account in the entry tier, without a coupon
			t.Fatal(err)
		}
		r, err := f.svc.Sweep(context.Background())
		if err != nil || r.Coupons != 2 {
			t.Fatalf("first sweep: %+v %v", r, err)
		}
		// The job running again (or twice at once) issues nothing more.
		var wg sync.WaitGroup
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if r, err := f.svc.Sweep(context.Background()); err != nil || r.Coupons != 0 {
					t.Errorf("sweep again: %+v %v", r, err)
				}
			}()
		}
		wg.Wait()
		mine, err := f.svc.Coupons(ctx, gold1)
		if err != nil || len(mine) != 1 {
			t.Fatalf("gold1's coupons: %+v %v", mine, err)
		}
		c := mine[0]
		if c.Kind != loyalty.CouponMonthly || c.Label != "Gold gift" || c.ExpiresAt == nil || !c.ExpiresAt.Equal(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("coupon %+v", c)
		}
		if got, _ := f.svc.Coupons(ctx, plain); len(got) != 0 {
			t.Fatalf("a member without the tier got %+v", got)
		}
		// Only its owner can use it, and once.
		if err := use(ctx, db, promos, monthly, c.Code, gold2); err == nil {
			t.Fatal("another account used gold1's personal code")
		}
		if err := use(ctx, db, promos, monthly, c.Code, ""); err == nil {
			t.Fatal("a guest used gold1's personal code")
		}
		snap, err := promos.Snapshot(ctx, promotion.SnapshotInput{Codes: []string{c.Code}, CustomerID: gold2})
		if err != nil {
			t.Fatal(err)
		}
		out := promotion.Evaluate(snap.Promotions, &promotion.Cart{Currency: "EUR", Now: f.clk.now(), Customer: promotion.Customer{ID: gold2},
			Lines: []promotion.Line{{ID: "l1", VariantID: "v", ProductID: "p", Quantity: 1, UnitPrice: 5000}}, Codes: []promotion.Code{withText(snap.Codes[c.Code], c.Code)}})
		if out.Discount != 0 || len(out.Notes) == 0 || out.Notes[0].Reason != "this code belongs to another account" {
			t.Fatalf("another account's cart: %+v", out)
		}
		if err := use(ctx, db, promos, monthly, c.Code, gold1); err != nil {
			t.Fatalf("the owner: %v", err)
		}
		if err := use(ctx, db, promos, monthly, c.Code, gold1); err == nil {
			t.Fatal("a single-use code used twice")
		}
		if mine, _ := f.svc.Coupons(ctx, gold1); len(mine) != 1 || !mine[0].Used {
			t.Fatalf("after use: %+v", mine)
		}
		// Next month: one more each.
		f.clk.set(time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC))
		if r, err := f.svc.Sweep(context.Background()); err != nil || r.Coupons != 2 {
			t.Fatalf("next month: %+v %v", r, err)
		}
		if mine, _ := f.svc.Coupons(ctx, gold1); len(mine) != 2 {
			t.Fatalf("after two months: %+v", mine)
		}
		// An expired code is refused.
		f.clk.set(time.Date(2026, 5, 1, 0, 0, 1, 0, time.UTC))
		mine, _ = f.svc.Coupons(ctx, gold2)
		if err := use(ctx, db, promos, monthly, mine[len(mine)-1].Code, gold2); err == nil {
			t.Fatal("a March code used in May")
		}
	})
}

func withText(c promotion.Code, text string) promotion.Code { c.Text = text; return c }

func errField(err error) string {
	if e, ok := err.(*errs.Error); ok {
		return e.Field
	}
	return ""
}

func TestPointsForCouponNeverOverspends(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := shop("shop-pointscoupon")
		promos := promotion.New(db, f.clk.now)
		five := f.codedPromotion(ctx, promos, "5 EUR off")
		settings := loyalty.DefaultSettings()
		settings.Enabled = true
		settings.Coupons = []loyalty.CouponOffer{{Name: "5 EUR off", Points: 500, PromotionID: "nope"}}
		if _, err := f.svc.SaveSettings(ctx, settings); errField(err) != "coupons[0].promotion_id" {
			t.Fatalf("unknown promotion: %v", err)
		}
		settings.Coupons[0].Points = 0
		if _, err := f.svc.SaveSettings(ctx, settings); errField(err) != "coupons[0].points" {
			t.Fatalf("zero points: %v", err)
		}
		settings.Coupons[0].Points, settings.Coupons[0].PromotionID, settings.Coupons[0].ValidDays = 500, five.ID, 30
		saved, err := f.svc.SaveSettings(ctx, settings)
		if err != nil || saved.Coupons[0].ID != "5-eur-off" {
			t.Fatalf("save: %+v %v", saved, err)
		}
		c := f.customer(ctx, "spender@example.com")
		// Two lots: 300 then 400; the coupon takes the older lot first.
		if _, err := f.svc.Adjust(ctx, c, 300, "welcome", ""); err != nil {
			t.Fatal(err)
		}
		f.clk.set(t0.Add(time.Hour))
		if _, err := f.svc.Adjust(ctx, c, 400, "bonus", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RedeemForCoupon(ctx, c, "unknown", ""); errField(err) != "coupon" {
			t.Fatalf("unknown offer: %v", err)
		}
		// Two redemptions race for a balance that pays for one.
		var wg sync.WaitGroup
		results := make([]error, 2)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, results[i] = f.svc.RedeemForCoupon(ctx, c, "5-eur-off", "")
			}()
		}
		wg.Wait()
		ok, refused := 0, 0
		for _, err := range results {
			switch {
			case err == nil:
				ok++
			case errs.Is(err, errs.Unprocessable) && errField(err) == "points":
				refused++
			default:
				t.Fatalf("race: %v", err)
			}
		}
		if ok != 1 || refused != 1 {
			t.Fatalf("race: %d issued, %d refused", ok, refused)
		}
		if b := f.balance(ctx, c); b != 200 {
			t.Fatalf("balance %d, want 200", b)
		}
		ledger, lots, err := sums(ctx, db, "shop-pointscoupon", c)
		if err != nil || ledger != 200 || lots != 200 {
			t.Fatalf("ledger %d lots %d %v", ledger, lots, err)
		}
		var oldest int64
		if err := db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
			return q.NewRaw("SELECT remaining FROM loyalty_lots WHERE tenant_id = ? AND customer_id = ? ORDER BY created_at LIMIT 1", "shop-pointscoupon", c).Scan(ctx, &oldest)
		}); err != nil || oldest != 0 {
			t.Fatalf("first earned, first spent: oldest lot has %d left (%v)", oldest, err)
		}
		// Beyond the balance: a clear 422, nothing written.
		if _, err := f.svc.RedeemForCoupon(ctx, c, "5-eur-off", ""); errField(err) != "points" || !strings.Contains(err.Error(), "200") {
			t.Fatalf("over balance: %v", err)
		}
		mine, err := f.svc.Coupons(ctx, c)
		if err != nil || len(mine) != 1 || mine[0].Points != 500 || mine[0].ExpiresAt == nil || mine[0].Label != "5 EUR off" {
			t.Fatalf("coupons %+v %v", mine, err)
		}
		// A retry with the same key buys once.
		if _, err := f.svc.Adjust(ctx, c, 1000, "more", ""); err != nil {
			t.Fatal(err)
		}
		a, err := f.svc.RedeemForCoupon(ctx, c, "5-eur-off", "k1")
		if err != nil {
			t.Fatal(err)
		}
		b, err := f.svc.RedeemForCoupon(ctx, c, "5-eur-off", "k1")
		if err != nil || b.Code != a.Code || f.balance(ctx, c) != 700 {
			t.Fatalf("retry: %+v %+v %v balance %d", a, b, err, f.balance(ctx, c))
		}
		other := f.customer(ctx, "other@example.com")
		if err := use(ctx, db, promos, five, a.Code, other); err == nil {
			t.Fatal("another account used a bought coupon")
		}
		if err := use(ctx, db, promos, five, a.Code, c); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSharePointsOncePerVisitorCapped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := shop("shop-share")
		f.enable(ctx, func(s *loyalty.Settings) { s.SharePoints, s.MaxSharesPerDay, s.SignupPoints = 10, 3, 0 })
		sharer := f.customer(ctx, "sharer@example.com")
		m, _, err := f.svc.Member(ctx, sharer)
		if err != nil {
			t.Fatal(err)
		}
		click := func(visitor, viewer string) bool {
			t.Helper()
			ok, err := f.svc.ShareClick(ctx, strings.ToLower(m.ReferralCode), "prod-1", visitor, viewer)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if click("v-sharer", sharer) {
			t.Fatal("the sharer earned from their own click")
		}
		if !click("v1", "") || click("v1", "") {
			t.Fatal("one new visitor: points once")
		}
		if ok, err := f.svc.ShareClick(ctx, "UNKNOWN1", "prod-1", "v9", ""); ok || err != nil {
			t.Fatalf("unknown token: %v %v", ok, err)
		}
		// Concurrent new visitors: the cap (3 a day) holds.
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := f.svc.ShareClick(ctx, m.ReferralCode, "prod-1", "w"+string(rune('a'+i)), ""); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if b := f.balance(ctx, sharer); b != 30 {
			t.Fatalf("balance %d, want 3 × 10 (capped)", b)
		}
		// A day later the cap has room again, but known visitors still
		// count once.
		f.clk.set(t0.Add(25 * time.Hour))
		if click("v1", "") || !click("v-new", "") {
			t.Fatal("next day")
		}
		if b := f.balance(ctx, sharer); b != 40 {
			t.Fatalf("balance %d, want 40", b)
		}
		// Settings are validated.
		s := loyalty.DefaultSettings()
		s.MaxSharesPerDay = -1
		if _, err := f.svc.SaveSettings(ctx, s); errField(err) != "max_shares_per_day" {
			t.Fatalf("negative cap: %v", err)
		}
	})
}
