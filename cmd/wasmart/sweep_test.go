package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/wasmart/wasmart/cmd/wasmart/wire"
	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/cart/carttest"
	"github.com/wasmart/wasmart/core/checkout"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

// TestSweepCommerce: the scheduler's round cancels an order left unpaid
// past its shop's hold hours (stock and promotion use back), leaves a younger one alone, and
// survives a round with nothing to do.
func TestSweepCommerce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := tenancy.WithTenant(context.Background(), "shop-sweep")
		if err := checkout.SaveSettings(ctx, db, checkout.Settings{Currency: "EUR", HoldHours: 2, ReturnWindowDays: 30,
			Shipping: pricing.ShippingConfig{Zones: []pricing.Zone{{Code: "fr", Countries: []string{"FR"},
				Methods: []pricing.Method{{Code: "post", Label: "Post", Kind: pricing.MethodFlat, Price: 500}}}}}}); err != nil {
			t.Fatal(err)
		}
		shop := carttest.New(db, "EUR")
		com, err := wire.Build(db, wire.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer com.Close()
		v := shop.Variant(t, ctx, "Bowl", 1500, 5, carttest.VariantOpts{})
		promo, err := com.Promotions.Create(ctx, promotion.Promotion{Name: "Ten", Kind: promotion.KindPercentOff, PercentBP: 1000, Status: promotion.StatusActive})
		if err != nil {
			t.Fatal(err)
		}
		used := func() int64 {
			p, err := com.Promotions.Get(ctx, promo.ID)
			if err != nil {
				t.Fatal(err)
			}
			return p.Used
		}
		place := func(key string) *order.Order {
			owner := cart.Owner{Token: cart.NewToken()}
			if _, err := com.Carts.Add(ctx, owner, v, 2, cart.PriceOptions{}); err != nil {
				t.Fatal(err)
			}
			o, _, err := com.Checkout.Place(ctx, owner, checkout.Input{Email: "a@example.com", ShippingCode: "post",
				ShippingAddress: order.Address{Name: "A", Line1: "1 rue", City: "Paris", Country: "FR"}}, key)
			if err != nil {
				t.Fatal(err)
			}
			return o
		}
		o := place("one")
		if o.Discounts != -300 || used() != 1 {
			t.Fatalf("the wired checkout did not apply and redeem the promotion: %d, used %d", o.Discounts, used())
		}
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		sweepCommerce(context.Background(), com, time.Now(), log) // too young: nothing
		if got, _ := com.Orders.Get(ctx, o.ID); got.Status != order.PendingPayment {
			t.Fatalf("young order %s", got.Status)
		}
		sweepCommerce(context.Background(), com, time.Now().Add(3*time.Hour), log)
		if got, _ := com.Orders.Get(ctx, o.ID); got.Status != order.Cancelled {
			t.Fatalf("order unpaid past the hold is %s", got.Status)
		}
		if avail, reserved, _ := shop.Available(t, ctx, v); avail != 5 || reserved != 0 {
			t.Fatalf("stock after the sweep: available %d reserved %d", avail, reserved)
		}
		if used() != 0 {
			t.Fatal("the sweep did not release the promotion's use")
		}
		if n, err := sweepUnpaid(context.Background(), db, com.Orders, time.Now().Add(3*time.Hour)); err != nil || n != 0 {
			t.Fatalf("second sweep: %d %v", n, err)
		}
	})
}
