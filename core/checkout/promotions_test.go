package checkout_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/cart/carttest"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/checkout"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// promoEnv is env wired as cmd/wasmart/wire wires it: carts priced with
// the shop's promotions, checkout redeeming them, cancellations releasing
// them, all on one clock the test can move.
type promoEnv struct {
	*env
	promos *promotion.Service
	skew   atomic.Int64 // added to the wall clock
}

func (e *promoEnv) now() time.Time { return time.Now().Add(time.Duration(e.skew.Load())) }

func setupPromotions(t testing.TB, db *store.DB) *promoEnv {
	e := &promoEnv{env: setup(t, db)}
	e.promos = promotion.New(db, e.now)
	e.carts.Now = e.now
	offers := &checkout.Promotions{Offers: e.promos}
	e.carts.Offers = offers
	e.orders.OnCancel(offers.Release)
	if err := e.checkout.Register(offers); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *promoEnv) create(t testing.TB, p promotion.Promotion) *promotion.Promotion {
	t.Helper()
	if p.Status == "" {
		p.Status = promotion.StatusActive
	}
	got, err := e.promos.Create(e.ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func (e *promoEnv) used(t testing.TB, id string) int64 {
	t.Helper()
	p, err := e.promos.Get(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return p.Used
}

func (e *promoEnv) codeUsed(t testing.TB, promotionID string) int64 {
	t.Helper()
	page, err := e.promos.Codes(e.ctx, promotionID, promotion.CodeFilter{})
	if err != nil || len(page.Codes) != 1 {
		t.Fatal(page, err)
	}
	return page.Codes[0].Used
}

func withCodes(codes ...string) checkout.Input {
	in := input()
	in.Codes = codes
	return in
}

func fieldErr(err error) (errs.Code, string) {
	if e, ok := err.(*errs.Error); ok {
		return e.Code, e.Field
	}
	return errs.CodeOf(err), ""
}

// TestCartPricedWithAutomaticPromotion: a live automatic 10% off the
// order prices every cart (view and checkout) without anything entered,
// the order remembers it, and a draft promotion changes nothing.
func TestCartPricedWithAutomaticPromotion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setupPromotions(t, db)
		shirt := e.shop.Variant(t, e.ctx, "Shirt", 2000, 10, carttest.VariantOpts{})
		e.create(t, promotion.Promotion{Name: "Draft", Kind: promotion.KindPercentOff, PercentBP: 5000, Status: promotion.StatusDraft})
		p := e.create(t, promotion.Promotion{Name: "Autumn", Label: "10% off everything", Kind: promotion.KindPercentOff, PercentBP: 1000})
		owner := e.guest(t, map[string]int64{shirt: 2})
		v, err := e.carts.View(e.ctx, owner, cart.PriceOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if v.Price.Subtotal != 4000 || v.Price.Discounts != -400 || len(v.Price.Promotions) != 1 || v.Price.Promotions[0].ID != p.ID ||
			v.Price.Adjustments[0].Label != "10% off everything" || v.Price.Adjustments[0].Source != promotion.Source {
			t.Fatalf("cart price %+v", v.Price)
		}
		o, _, err := e.checkout.Place(e.ctx, owner, input(), "auto")
		if err != nil {
			t.Fatal(err)
		}
		if o.Discounts != -400 || o.Total != 3600+490 || len(o.Pricing.Promotions) != 1 || o.Pricing.Promotions[0].Amount != 400 ||
			o.Lines[0].Adjustments != -400 {
			t.Fatalf("order %+v", o)
		}
		if got := e.used(t, p.ID); got != 1 {
			t.Fatalf("automatic promotion used %d times, want 1", got)
		}
		// The stored order says the same.
		stored, _ := e.orders.Get(e.ctx, o.ID)
		if len(stored.Pricing.Promotions) != 1 || stored.Pricing.Promotions[0].Label != "10% off everything" {
			t.Fatalf("stored snapshot %+v", stored.Pricing)
		}
	})
}

// TestCouponCodeAppliesOrSaysWhy: a valid code (any case) applies in the
// cart and at checkout; an expired, unknown or under-minimum code comes
// back as a note with the reason on the cart, and refuses the checkout
// with a 422 on "codes" naming it, with nothing written.
func TestCouponCodeAppliesOrSaysWhy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setupPromotions(t, db)
		mug := e.shop.Variant(t, e.ctx, "Mug", 1500, 20, carttest.VariantOpts{})
		welcome := e.create(t, promotion.Promotion{Name: "Welcome", Label: "Welcome 5 EUR", Kind: promotion.KindAmountOff, Amount: 500, Currency: "EUR",
			RequiresCode: true, Conditions: promotion.Conditions{MinSubtotal: 2000}})
		if _, err := e.promos.AddCode(e.ctx, welcome.ID, "WELCOME5", 0); err != nil {
			t.Fatal(err)
		}
		short := e.create(t, promotion.Promotion{Name: "Short", Kind: promotion.KindPercentOff, PercentBP: 2000, RequiresCode: true,
			EndsAt: e.now().Add(time.Hour)})
		if _, err := e.promos.AddCode(e.ctx, short.ID, "QUICK", 0); err != nil {
			t.Fatal(err)
		}
		e.skew.Store(int64(2 * time.Hour)) // QUICK has expired

		owner := e.guest(t, map[string]int64{mug: 2})
		v, err := e.carts.View(e.ctx, owner, cart.PriceOptions{Codes: []string{"welcome5", "quick", "NOPE"}})
		if err != nil {
			t.Fatal(err)
		}
		if v.Price.Discounts != -500 || len(v.Price.Promotions) != 1 || v.Price.Promotions[0].Code != "WELCOME5" {
			t.Fatalf("price %+v", v.Price)
		}
		reasons := map[string]string{}
		for _, n := range v.Price.PromotionNotes {
			reasons[n.Code] = n.Reason
		}
		if !strings.Contains(reasons["QUICK"], "expired") || !strings.Contains(reasons["NOPE"], "not valid") {
			t.Fatalf("notes %+v", v.Price.PromotionNotes)
		}

		// Checkout with a refused code: 422 naming it, nothing written.
		for code, want := range map[string]string{"quick": "expired", "nope": "not valid"} {
			_, _, err := e.checkout.Place(e.ctx, owner, withCodes("welcome5", code), "bad-"+code)
			if c, f := fieldErr(err); c != errs.Unprocessable || f != "codes" || !strings.Contains(err.Error(), want) {
				t.Fatalf("%s: %v", code, err)
			}
		}
		// Under the minimum spend: the reason says how much is missing.
		small := e.guest(t, map[string]int64{mug: 1})
		if _, _, err := e.checkout.Place(e.ctx, small, withCodes("Welcome5"), "small"); err == nil || !strings.Contains(err.Error(), "minimum spend") {
			t.Fatalf("under the minimum: %v", err)
		}
		if e.count(t, "orders") != 0 || e.used(t, welcome.ID) != 0 {
			t.Fatal("a refused checkout wrote something")
		}
		o, _, err := e.checkout.Place(e.ctx, owner, withCodes("welcome5"), "good")
		if err != nil {
			t.Fatal(err)
		}
		if o.Discounts != -500 || o.Pricing.Promotions[0].Code != "WELCOME5" {
			t.Fatalf("order %+v", o.Pricing)
		}
	})
}

// failTender fails every checkout after the promotions were redeemed, to
// show that the redemption rolls back with the order.
type failTender struct{ on atomic.Bool }

func (*failTender) Step() checkout.Step { return checkout.StepTenders }
func (f *failTender) Run(context.Context, bun.IDB, *checkout.Placement) error {
	if f.on.Load() {
		return errs.Field("gift_card", "this gift card is empty")
	}
	return nil
}

// TestCheckoutRedeemsInTheOrderTransaction: the code's and the
// promotion's usage count move by one with the order, and not at all when
// a later step of the same checkout fails; a replayed checkout does not
// count twice.
func TestCheckoutRedeemsInTheOrderTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setupPromotions(t, db)
		fail := &failTender{}
		if err := e.checkout.Register(fail); err != nil {
			t.Fatal(err)
		}
		cup := e.shop.Variant(t, e.ctx, "Cup", 1000, 20, carttest.VariantOpts{})
		p := e.create(t, promotion.Promotion{Name: "Ten", Kind: promotion.KindPercentOff, PercentBP: 1000, RequiresCode: true})
		if _, err := e.promos.AddCode(e.ctx, p.ID, "TEN", 5); err != nil {
			t.Fatal(err)
		}
		owner := e.guest(t, map[string]int64{cup: 1})
		fail.on.Store(true)
		if _, _, err := e.checkout.Place(e.ctx, owner, withCodes("ten"), "k"); err == nil {
			t.Fatal("the failing tender did not fail the checkout")
		}
		if e.used(t, p.ID) != 0 || e.codeUsed(t, p.ID) != 0 || e.count(t, "promotion_redemptions") != 0 {
			t.Fatal("a rolled-back checkout kept its redemption")
		}
		fail.on.Store(false)
		o, _, err := e.checkout.Place(e.ctx, owner, withCodes("ten"), "k")
		if err != nil {
			t.Fatal(err)
		}
		if _, replayed, err := e.checkout.Place(e.ctx, owner, withCodes("ten"), "k"); err != nil || !replayed {
			t.Fatal("replay", err, replayed)
		}
		if e.used(t, p.ID) != 1 || e.codeUsed(t, p.ID) != 1 || e.count(t, "promotion_redemptions") != 1 || o.Discounts != -100 {
			t.Fatalf("after one order: used %d, code used %d, discounts %d", e.used(t, p.ID), e.codeUsed(t, p.ID), o.Discounts)
		}
	})
}

// TestOneUseCodeRace: 20 shoppers check out at once with a one-use code:
// exactly one order is placed with it; every other checkout is refused on
// "codes" (409 when it lost the race at redemption, 422 when its price
// already saw the code used) and writes nothing.
func TestOneUseCodeRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setupPromotions(t, db)
		tee := e.shop.Variant(t, e.ctx, "Tee", 2500, 100, carttest.VariantOpts{})
		p := e.create(t, promotion.Promotion{Name: "Once", Kind: promotion.KindAmountOff, Amount: 1000, Currency: "EUR", RequiresCode: true})
		if _, err := e.promos.AddCode(e.ctx, p.ID, "ONCE", 1); err != nil {
			t.Fatal(err)
		}
		const n = 20
		owners := make([]cart.Owner, n)
		for i := range owners {
			owners[i] = e.guest(t, map[string]int64{tee: 1})
		}
		var placed, refused atomic.Int64
		var wg sync.WaitGroup
		for i := range owners {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				o, _, err := e.checkout.Place(e.ctx, owners[i], withCodes("once"), fmt.Sprint("race-", i))
				switch c, f := fieldErr(err); {
				case err == nil && o.Discounts == -1000:
					placed.Add(1)
				case (c == errs.Conflict || c == errs.Unprocessable) && f == "codes":
					refused.Add(1)
				default:
					t.Errorf("checkout %d: %v (%+v)", i, err, o)
				}
			}(i)
		}
		wg.Wait()
		if placed.Load() != 1 || refused.Load() != n-1 {
			t.Fatalf("placed %d, refused %d", placed.Load(), refused.Load())
		}
		if e.count(t, "orders") != 1 || e.used(t, p.ID) != 1 || e.codeUsed(t, p.ID) != 1 || e.count(t, "promotion_redemptions") != 1 {
			t.Fatal("counts do not match one order")
		}
	})
}

// TestFlashSaleQuotaUnderConcurrency: 20 shoppers buy one unit each at
// once while a flash sale has 5 promotional units. A shopper whose price
// used a flash unit another took meanwhile is refused with a 409 on
// "lines" and nothing written; checking out again (as the client does
// after re-reading the cart) gets the normal price. In the end exactly 5
// units sold at the flash price, whatever the interleaving.
func TestFlashSaleQuotaUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setupPromotions(t, db)
		lamp := e.shop.Variant(t, e.ctx, "Lamp", 5000, 100, carttest.VariantOpts{})
		p := e.create(t, promotion.Promotion{Name: "Flash", Kind: promotion.KindFlashSale, Currency: "EUR", EndsAt: e.now().Add(time.Hour),
			Flash: []promotion.FlashItem{{VariantID: lamp, Price: 3000, Quota: 5}}})
		const n = 20
		var flash, normal, lost atomic.Int64
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			owner := e.guest(t, map[string]int64{lamp: 1})
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				for attempt := 0; attempt < 3; attempt++ {
					o, _, err := e.checkout.Place(e.ctx, owner, input(), fmt.Sprintf("flash-%d-%d", i, attempt))
					if c, f := fieldErr(err); c == errs.Conflict && f == "lines" {
						lost.Add(1)
						continue
					}
					switch {
					case err != nil:
						t.Errorf("checkout %d: %v", i, err)
					case o.Lines[0].Total == 3000 && len(o.Pricing.Promotions) == 1:
						flash.Add(1)
					case o.Lines[0].Total == 5000 && len(o.Pricing.Promotions) == 0:
						normal.Add(1)
					default:
						t.Errorf("order at an unexpected price: %+v", o)
					}
					return
				}
				t.Errorf("checkout %d refused three times", i)
			}(i)
		}
		wg.Wait()
		t.Logf("%s: %d at the flash price, %d at the normal price, %d refusals re-priced", db.Dialect(), flash.Load(), normal.Load(), lost.Load())
		if flash.Load() != 5 || normal.Load() != n-5 {
			t.Fatalf("flash %d normal %d", flash.Load(), normal.Load())
		}
		got, _ := e.promos.Get(e.ctx, p.ID)
		if got.Flash[0].Sold != 5 || got.Used != 5 {
			t.Fatalf("flash sold %d, used %d", got.Flash[0].Sold, got.Used)
		}
		if avail, _, _ := e.shop.Available(t, e.ctx, lamp); avail != 100-n {
			t.Fatalf("stock %d", avail)
		}
	})
}

// TestCancelReleasesPromotionUse: cancelling an unpaid order (by staff, or
// by the unpaid-order sweeper) gives the one-use code back, in the
// cancelling transaction, once.
func TestCancelReleasesPromotionUse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setupPromotions(t, db)
		tee := e.shop.Variant(t, e.ctx, "Tee", 2500, 100, carttest.VariantOpts{})
		p := e.create(t, promotion.Promotion{Name: "Once", Kind: promotion.KindPercentOff, PercentBP: 1000, RequiresCode: true})
		if _, err := e.promos.AddCode(e.ctx, p.ID, "ONCE", 1); err != nil {
			t.Fatal(err)
		}
		o, _, err := e.checkout.Place(e.ctx, e.guest(t, map[string]int64{tee: 1}), withCodes("ONCE"), "one")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.checkout.Place(e.ctx, e.guest(t, map[string]int64{tee: 1}), withCodes("ONCE"), "two"); err == nil {
			t.Fatal("a used one-use code applied again")
		}
		if _, err := e.orders.Cancel(e.ctx, o.ID, "changed my mind"); err != nil {
			t.Fatal(err)
		}
		if e.used(t, p.ID) != 0 || e.codeUsed(t, p.ID) != 0 {
			t.Fatal("cancelling did not release the code")
		}
		// The code works again; the sweeper cancels that order unpaid and
		// releases it too.
		o2, _, err := e.checkout.Place(e.ctx, e.guest(t, map[string]int64{tee: 1}), withCodes("ONCE"), "three")
		if err != nil {
			t.Fatal(err)
		}
		if n, err := e.orders.CancelUnpaid(e.ctx, time.Now().Add(time.Hour), 10); err != nil || n != 1 {
			t.Fatal(n, err)
		}
		if got, _ := e.orders.Get(e.ctx, o2.ID); got.Status != order.Cancelled || e.used(t, p.ID) != 0 || e.codeUsed(t, p.ID) != 0 {
			t.Fatal("the sweeper did not release the code")
		}
	})
}

// TestGiftWithPurchase: while the cart reaches the minimum spend, the gift
// is a line at zero (not stored with the cart); checkout orders it and
// reserves its stock; below the minimum the gift line is gone.
func TestGiftWithPurchase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setupPromotions(t, db)
		bag := e.shop.Variant(t, e.ctx, "Bag", 3000, 20, carttest.VariantOpts{})
		pouch := e.shop.Variant(t, e.ctx, "Pouch", 800, 5, carttest.VariantOpts{})
		gift := e.create(t, promotion.Promotion{Name: "Pouch gift", Label: "Free pouch over 50 EUR", Kind: promotion.KindGift, Currency: "EUR",
			GiftVariantID: pouch, GiftQuantity: 1, Conditions: promotion.Conditions{MinSubtotal: 5000}})
		owner := e.guest(t, map[string]int64{bag: 1})
		v, err := e.carts.View(e.ctx, owner, cart.PriceOptions{})
		if err != nil || len(v.Lines) != 1 {
			t.Fatalf("under the minimum: %+v %v", v, err)
		}
		v, err = e.carts.Add(e.ctx, owner, bag, 1, cart.PriceOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Lines) != 2 || v.Lines[1].VariantID != pouch || v.Lines[1].Gift != gift.ID || v.Lines[1].Total != 0 ||
			v.Price.Subtotal != 6800 || v.Price.Merchandise != 6000 {
			t.Fatalf("with the gift: %+v %+v", v.Lines, v.Price)
		}
		v, err = e.carts.SetQuantity(e.ctx, owner, bag, 1, cart.PriceOptions{})
		if err != nil || len(v.Lines) != 1 || v.Price.Subtotal != 3000 {
			t.Fatalf("gift kept below the minimum: %+v %v", v, err)
		}
		v, _ = e.carts.SetQuantity(e.ctx, owner, bag, 2, cart.PriceOptions{})
		if len(v.Lines) != 2 {
			t.Fatal("gift not back")
		}
		o, _, err := e.checkout.Place(e.ctx, owner, input(), "gift")
		if err != nil {
			t.Fatal(err)
		}
		if len(o.Lines) != 2 || o.Lines[1].VariantID != pouch || o.Lines[1].Total != 0 || o.Total != 6000+490 {
			t.Fatalf("order %+v", o)
		}
		if avail, reserved, _ := e.shop.Available(t, e.ctx, pouch); avail != 4 || reserved != 1 {
			t.Fatalf("gift stock: available %d reserved %d", avail, reserved)
		}
		if e.used(t, gift.ID) != 1 {
			t.Fatal("gift promotion not redeemed")
		}
	})
}

// TestPromotionTargetsUseCatalogFacts: an offer on a manual collection, an
// automatic collection (by tag) and a tag reaches exactly the products in
// them, from core/catalog's facts.
func TestPromotionTargetsUseCatalogFacts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setupPromotions(t, db)
		product := func(title string, tags ...string) (productID, variantID string) {
			ship := true
			p, err := e.shop.Catalog.Create(e.ctx, catalog.ProductInput{Title: title, Status: catalog.Published, Handle: strings.ToLower(title), Tags: tags,
				Variants: []catalog.VariantInput{{SKU: title, Price: 1000, RequiresShipping: &ship}}})
			if err != nil {
				t.Fatal(err)
			}
			if err := e.shop.Inventory.Receive(e.ctx, p.Variants[0].ID, "", 10, "test"); err != nil {
				t.Fatal(err)
			}
			return p.ID, p.Variants[0].ID
		}
		aP, a := product("Alpha")
		_, b := product("Beta", "sale")
		_, c := product("Gamma", "clearance")
		_, d := product("Delta", "other")
		manual, err := e.shop.Catalog.CreateCollection(e.ctx, catalog.CollectionInput{Title: "Summer", Kind: catalog.Manual, Published: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.shop.Catalog.SetCollectionProducts(e.ctx, manual.ID, []string{aP}); err != nil {
			t.Fatal(err)
		}
		auto, err := e.shop.Catalog.CreateCollection(e.ctx, catalog.CollectionInput{Title: "Sale", Kind: catalog.Automatic, MatchAll: true, Published: true,
			Rules: []catalog.Rule{{Field: "tag", Relation: "equals", Value: "sale"}}})
		if err != nil {
			t.Fatal(err)
		}
		e.create(t, promotion.Promotion{Name: "Picked", Kind: promotion.KindPercentOff, PercentBP: 5000,
			Target: promotion.Target{CollectionIDs: []string{manual.ID, auto.ID}, Tags: []string{"Clearance"}}})
		v, err := e.carts.View(e.ctx, e.guest(t, map[string]int64{a: 1, b: 1, c: 1, d: 1}), cart.PriceOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range v.Lines {
			want := int64(500)
			if l.VariantID == d {
				want = 1000
			}
			if l.Total != want {
				t.Errorf("%s: total %d, want %d", l.Title, l.Total, want)
			}
		}
	})
}

// TestStatementsPerCheckoutWithPromotions pins what promotions cost a
// one-line checkout: with none live, nothing (the settings statement says
// so); with an automatic offer, the redemption: on PostgreSQL a shared
// advisory lock against a concurrent change of the offer's limits
// (core/promotion's hold: one statement more than the UPDATE of the
// offer's row it replaced, which made every order wait for the one
// before), and one statement reading the offers and inserting the
// redemption records (two on SQLite) — the live offers themselves come
// from the snapshot cache, whose state token the settings statement reads
// (TestOfferCacheFollowsChanges); with a code too, only the code's read
// when pricing (the redemption reads it with the offers, and a code
// without a usage limit moves no counter).
// Compare TestStatementsPerCheckout (no promotions wired).
func TestStatementsPerCheckoutWithPromotions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setupPromotions(t, db)
		a := e.shop.Variant(t, e.ctx, "A", 1000, 100, carttest.VariantOpts{})
		if _, _, err := e.checkout.Place(e.ctx, e.guest(t, map[string]int64{a: 1}), input(), "warm"); err != nil {
			t.Fatal(err)
		}
		c := &counter{}
		db.AddQueryHook(c)
		count := func(name string, in checkout.Input, limit int64) {
			owner := e.guest(t, map[string]int64{a: 1})
			c.n.Store(0)
			o, _, err := e.checkout.Place(e.ctx, owner, in, name)
			if err != nil {
				t.Fatal(err)
			}
			got := c.n.Load()
			t.Logf("%s: %d SQL statements for a one-line checkout %s (%d promotions applied)", db.Dialect(), got, name, len(o.Pricing.Promotions))
			if got > limit {
				t.Errorf("%s: %d statements, want <= %d", name, got, limit)
			}
		}
		// TestStatementsPerCheckout's 19 for one line (PostgreSQL).
		count("without live promotions", input(), 19)
		e.create(t, promotion.Promotion{Name: "Auto", Kind: promotion.KindPercentOff, PercentBP: 500, CombinesWith: []promotion.Class{promotion.ClassOrder}})
		count("with an automatic offer", input(), 19+2)
		p := e.create(t, promotion.Promotion{Name: "Coded", Kind: promotion.KindPercentOff, PercentBP: 500, RequiresCode: true, CombinesWith: []promotion.Class{promotion.ClassOrder}})
		if _, err := e.promos.AddCode(e.ctx, p.ID, "FIVE", 0); err != nil {
			t.Fatal(err)
		}
		count("with an automatic offer and a code", withCodes("five"), 19+3)
		// BenchmarkCheckoutWithPromotions' shop, whose guests meet two
		// offers for signed-in shoppers: they cost no statement.
		count("with the benchmark's offers and a code", benchOffers(t, e), 19+3)
	})
}

// TestOfferCacheFollowsChanges: the shop's live offers are read once per
// state of its offers (promotion.StateSQL, read by the settings
// statement) and then served from the cache — one statement less per
// cart and checkout — and every change is seen by the next cart: a new
// offer, an edit, a pause, an offer with a usage limit (never cached:
// its counter moves with each order), and that limit reached.
func TestOfferCacheFollowsChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setupPromotions(t, db)
		a := e.shop.Variant(t, e.ctx, "A", 10000, 100, carttest.VariantOpts{})
		owner := e.guest(t, map[string]int64{a: 1})
		c := &counter{}
		db.AddQueryHook(c)
		view := func() (int64, int64) {
			t.Helper()
			c.n.Store(0)
			v, err := e.carts.View(e.ctx, owner, cart.PriceOptions{})
			if err != nil {
				t.Fatal(err)
			}
			return v.Price.Discounts, c.n.Load()
		}
		all := []promotion.Class{promotion.ClassProduct, promotion.ClassOrder, promotion.ClassShipping}
		p := e.create(t, promotion.Promotion{Name: "Five", Kind: promotion.KindPercentOff, PercentBP: 500, CombinesWith: all})
		d1, miss := view()
		d2, hit := view()
		if d1 != -500 || d2 != -500 {
			t.Fatalf("discounts %d, %d, want -500", d1, d2)
		}
		if hit != miss-1 {
			t.Errorf("a cart view costs %d statements with the offers cached, %d without: want one less", hit, miss)
		}

		p.PercentBP = 1000
		if _, err := e.promos.Update(e.ctx, p.ID, p.Version, *p); err != nil {
			t.Fatal(err)
		}
		if d, _ := view(); d != -1000 {
			t.Errorf("after an edit: discount %d, want -1000", d)
		}
		if _, err := e.promos.SetStatus(e.ctx, p.ID, promotion.StatusPaused); err != nil {
			t.Fatal(err)
		}
		if d, _ := view(); d != 0 {
			t.Errorf("after a pause: discount %d, want 0", d)
		}
		if _, err := e.promos.SetStatus(e.ctx, p.ID, promotion.StatusActive); err != nil {
			t.Fatal(err)
		}
		e.create(t, promotion.Promotion{Name: "Two off", Kind: promotion.KindAmountOff, Amount: 200, Currency: "EUR", CombinesWith: all})
		if d, _ := view(); d != -1000-200 {
			t.Errorf("after a new offer: discount %d, want -1200", d)
		}

		// An offer with a usage limit: the orders' counter is read with
		// every cart, so the limit reached shows at once.
		once := e.create(t, promotion.Promotion{Name: "Once", Kind: promotion.KindAmountOff, Amount: 100, Currency: "EUR", CombinesWith: all, UsageLimit: 1})
		if d, _ := view(); d != -1000-200-100 {
			t.Errorf("with the limited offer: discount %d, want -1300", d)
		}
		o, _, err := e.checkout.Place(e.ctx, e.guest(t, map[string]int64{a: 1}), input(), "cache-once")
		if err != nil {
			t.Fatal(err)
		}
		if o.Discounts != -1300 || e.used(t, once.ID) != 1 {
			t.Fatalf("order discount %d, once used %d; want -1300 and 1", o.Discounts, e.used(t, once.ID))
		}
		if d, _ := view(); d != -1200 {
			t.Errorf("after the limited offer's last use: discount %d, want -1200", d)
		}
	})
}
