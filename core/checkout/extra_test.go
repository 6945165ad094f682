package checkout_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/cart/carttest"
	"github.com/wasmart/wasmart/core/checkout"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/core/idempotency"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

func TestSettingsAndExtensions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		bad := checkout.DefaultSettings()
		bad.Currency = "EURO"
		if err := checkout.SaveSettings(e.ctx, db, bad); !errs.Is(err, errs.Invalid) {
			t.Fatalf("bad currency saved: %v", err)
		}
		s, err := checkout.GetSettings(e.ctx, db)
		if err != nil || s.Currency != "EUR" || len(s.Shipping.Zones) != 1 {
			t.Fatalf("%+v %v", s, err)
		}
		v := e.shop.Variant(t, e.ctx, "Vase", 5000, 10, carttest.VariantOpts{})
		// A pricing plugin that gives 10% off, and one that fails.
		var fail atomic.Bool
		ext := extension.PricingFunc(func(_ context.Context, req *extension.PricingRequest) ([]extension.Adjustment, error) {
			if fail.Load() {
				return nil, errors.New("plugin crashed")
			}
			return []extension.Adjustment{{Level: extension.LevelOrder, Amount: -req.Subtotal() / 10, Label: "10% off", Source: "plugin:sale@1"}}, nil
		})
		carts := cart.New(db, nil, checkout.CartConfig(func(context.Context, bun.IDB) *pricing.Pipeline { return &pricing.Pipeline{Pricing: ext} }))
		co := checkout.New(db, carts, idempotency.New(db), e.stock, nil)
		owner := cart.Owner{Token: cart.NewToken()}
		carts.Add(e.ctx, owner, v, 1, cart.PriceOptions{})
		o, _, err := co.Place(e.ctx, owner, input(), "ext-1")
		if err != nil || o.Discounts != -500 || o.Total != 4500+490 || len(o.Pricing.Adjustments) != 1 || o.Pricing.Adjustments[0].Source != "plugin:sale@1" {
			t.Fatalf("%+v %v", o, err)
		}
		fail.Store(true)
		owner = cart.Owner{Token: cart.NewToken()}
		carts.Add(e.ctx, owner, v, 1, cart.PriceOptions{})
		o, _, err = co.Place(e.ctx, owner, input(), "ext-2")
		if err != nil || o.Discounts != 0 || o.Total != 5000+490 || len(o.Pricing.Warnings) != 1 {
			t.Fatalf("failing plugin broke checkout: %+v %v", o, err)
		}
	})
}

func TestExpiredHoldThenPayment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		e.stock.Hold = time.Millisecond
		v := e.shop.Variant(t, e.ctx, "Rare", 1000, 2, carttest.VariantOpts{})
		o1, _, err := e.checkout.Place(e.ctx, e.guest(t, map[string]int64{v: 1}), input(), "h1")
		if err != nil {
			t.Fatal(err)
		}
		o2, _, err := e.checkout.Place(e.ctx, e.guest(t, map[string]int64{v: 1}), input(), "h2")
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
		if n, err := e.shop.Inventory.ExpireDue(e.ctx, 10); err != nil || n != 2 {
			t.Fatalf("expired %d %v", n, err)
		}
		// Someone else buys one unit while the holds are expired.
		e.stock.Hold = time.Hour
		if _, _, err := e.checkout.Place(e.ctx, e.guest(t, map[string]int64{v: 1}), input(), "h3"); err != nil {
			t.Fatal(err)
		}
		// The first payment re-takes the last unit; the second finds none
		// and the shortfall lands on the order's timeline, without failing
		// the payment.
		for _, o := range []string{o1.ID, o2.ID} {
			if _, err := e.payments.Pay(e.ctx, payment.PayInput{OrderID: o, Provider: "test", Source: payment.CardSuccess}, ""); err != nil {
				t.Fatal(err)
			}
		}
		if a, _, onHand := e.shop.Available(t, e.ctx, v); a != 0 || onHand != 1 {
			t.Fatalf("available %d on hand %d", a, onHand)
		}
		tl, _ := e.orders.Timeline(e.ctx, o2.ID)
		found := false
		for _, ev := range tl {
			found = found || (ev.Kind == order.EventStock && strings.Contains(ev.Message, "oversold"))
		}
		if !found {
			t.Fatal("no oversold note on the timeline")
		}
	})
}
