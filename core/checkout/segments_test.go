package checkout_test

import (
	"testing"

	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/cart/carttest"
	"github.com/wasmart/wasmart/core/checkout"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/segment"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// TestPromotionForSegment: a promotion limited to a saved segment
// ("segment:<id>") prices the carts of its members only, one for an RFM
// group ("rfm:new") nobody without orders; a shop whose live promotions
// name no segment pays no statement for segments.
func TestPromotionForSegment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setupPromotions(t, db)
		offers := e.carts.Offers.(*checkout.Promotions)
		segs := segment.New(db, nil)
		shirt := e.shop.Variant(t, e.ctx, "Shirt", 2000, 50, carttest.VariantOpts{})
		cus := customer.New(db, customer.Options{})
		member := func(email string, tags []string) cart.Owner {
			c, _, err := cus.SignUp(e.ctx, customer.SignUpInput{Email: email, Password: "long enough password"}, customer.SessionMeta{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cus.Update(e.ctx, c.ID, customer.UpdateInput{Email: email, Tags: tags}); err != nil {
				t.Fatal(err)
			}
			o := cart.Owner{CustomerID: c.ID}
			if _, err := e.carts.Add(e.ctx, o, shirt, 1, cart.PriceOptions{}); err != nil {
				t.Fatal(err)
			}
			return o
		}
		vip, plain := member("vip@example.com", []string{"vip"}), member("plain@example.com", nil)
		discount := func(o cart.Owner) int64 {
			t.Helper()
			v, err := e.carts.View(e.ctx, o, cart.PriceOptions{CustomerID: o.CustomerID})
			if err != nil {
				t.Fatal(err)
			}
			return v.Price.Discounts
		}

		// Statements: an offer without a segment condition costs the same
		// with segments wired as without.
		e.create(t, promotion.Promotion{Name: "All", Kind: promotion.KindPercentOff, PercentBP: 100, CombinesWith: []promotion.Class{promotion.ClassOrder}})
		c := &counter{}
		db.AddQueryHook(c)
		views := func() int64 {
			c.n.Store(0)
			discount(vip)
			return c.n.Load()
		}
		views() // the first view after a change reads the offers; the next ones find them cached
		without := views()
		offers.Segments = segs
		if with := views(); with != without {
			t.Errorf("segments wired: %d statements for a cart view, %d without", with, without)
		}

		sg, err := segs.Create(e.ctx, segment.Segment{Name: "VIP", Rules: []segment.Rule{{Field: "tag", Op: "in", Value: "vip"}}})
		if err != nil {
			t.Fatal(err)
		}
		e.create(t, promotion.Promotion{Name: "VIP ten", Kind: promotion.KindPercentOff, PercentBP: 1000, CombinesWith: []promotion.Class{promotion.ClassOrder},
			Conditions: promotion.Conditions{Segments: []string{segment.PromotionPrefix + sg.ID}}})
		e.create(t, promotion.Promotion{Name: "New buyers", Kind: promotion.KindPercentOff, PercentBP: 2000, CombinesWith: []promotion.Class{promotion.ClassOrder},
			Conditions: promotion.Conditions{Segments: []string{"rfm:new"}}})
		if got := discount(vip); got != -200-18 { // 10%, then 1% of the rest
			t.Errorf("vip's discount %d, want 1%% and 10%%", got)
		}
		if got := discount(plain); got != -20 {
			t.Errorf("plain's discount %d, want 1%%", got)
		}
		c.n.Store(0)
		discount(vip)
		if got := c.n.Load(); got != without+2 {
			t.Errorf("a segment offer costs %d statements more, want 2", got-without)
		}
	})
}
