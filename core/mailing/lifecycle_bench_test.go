package mailing_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/cart/carttest"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/mailing"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// BenchmarkAbandonedRound is one automation round over a shop with 1,000
// abandoned carts whose mails are already queued (the steady state: every
// round between two waves of carts): what each five-minute round costs.
func BenchmarkAbandonedRound(b *testing.B) {
	storetest.EachB(b, func(b *testing.B, db *store.DB) {
		clk := &clock{t: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)}
		shop := carttest.New(db, "EUR")
		carts := cart.New(db, nil, func(context.Context, bun.IDB) (*cart.Config, error) { return &cart.Config{Currency: "EUR"}, nil })
		carts.Now = clk.Now
		f := newFixture(b, db, func(o *mailing.Options) { o.Carts, o.Now = carts, clk.Now })
		v := shop.Variant(b, f.ctx, "Linen Shirt", 4990, 0, carttest.VariantOpts{AllowBackorder: true})
		if _, err := f.svc.SaveAutomation(f.ctx, mailing.Automation{Kind: mailing.AutoAbandonedCart, Enabled: true, DelayMinutes: 60}); err != nil {
			b.Fatal(err)
		}
		const n = 1000
		for i := range n {
			email := "shopper" + string(rune('a'+i%26)) + store.NewID()[28:] + "@example.com"
			if _, err := f.cus.Guest(f.ctx, customer.GuestInput{Email: email, AcceptsMarketing: true}); err != nil { // a guest who agreed at an earlier checkout
				b.Fatal(err)
			}
			o := cart.Owner{Token: cart.NewToken()}
			if _, err := carts.Add(f.ctx, o, v, 1, cart.PriceOptions{}); err != nil {
				b.Fatal(err)
			}
			if err := carts.SetEmail(f.ctx, o, email); err != nil {
				b.Fatal(err)
			}
		}
		clk.Set(clk.Now().Add(2 * time.Hour))
		if r := f.run(); r.AbandonedCarts != n {
			b.Fatalf("first round queued %d", r.AbandonedCarts)
		}
		b.ResetTimer()
		for range b.N {
			if r := f.run(); r.AbandonedCarts != 0 {
				b.Fatalf("a later round queued %d", r.AbandonedCarts)
			}
		}
	})
}
