package aftersales_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/aftersales"
	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/cart/carttest"
	"github.com/wasmart/wasmart/core/checkout"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/idempotency"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/shipping"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

func fieldOf(err error) string {
	if e, ok := err.(*errs.Error); ok {
		return e.Field
	}
	return ""
}

func grant(t *testing.T, db *store.DB, ctx context.Context, key string, amount int64, source string) {
	t.Helper()
	if err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		_, err := aftersales.Grant(ctx, q, aftersales.Credit{TenantID: "shop1", CustomerKey: key, Amount: amount, Currency: "USD", Source: source, CreatedAt: store.Now()})
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// ledgerSum is the sum of a key's entries, read straight from the
// statement (which lists at most 200).
func ledgerSum(t *testing.T, after *aftersales.Service, ctx context.Context, key string) (sum, balance int64) {
	t.Helper()
	st, err := after.StoreCredit(ctx, key, 200)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range st.Entries {
		sum += e.Amount
	}
	return sum, st.Balance("USD")
}

// TestStoreCreditAtCheckout: a signed-in shopper spends part of their store
// credit with a card for the rest, the timeline says so, cancelling gives
// it back; credit that covers the whole order needs no card; asking for
// more than there is, or as a guest, is refused with nothing written; a
// refunded return on an order partly paid by credit pays the card first
// and puts the rest back on the credit.
func TestStoreCreditAtCheckout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		base := tenancy.WithTenant(context.Background(), "shop1")
		shopper := tenancy.WithActor(base, tenancy.Actor{Kind: "customer", ID: "c1", Name: "Eva"})
		staff := tenancy.WithActor(base, tenancy.Actor{Kind: "staff", ID: "s1", Name: "Sam"})
		shop := carttest.New(db, "USD")
		if err := checkout.SaveSettings(staff, db, checkout.Settings{Currency: "USD", ReturnWindowDays: 30,
			Shipping: pricing.ShippingConfig{Zones: []pricing.Zone{{Code: "us", Countries: []string{"US"}, Methods: []pricing.Method{{Code: "ground", Label: "Ground", Kind: pricing.MethodFlat, Price: 500}}}}},
		}); err != nil {
			t.Fatal(err)
		}
		shirt := shop.Variant(t, staff, "Shirt", 2000, 20, carttest.VariantOpts{})
		idem := idempotency.New(db)
		stock := &checkout.Stock{Inv: shop.Inventory}
		carts := cart.New(db, nil, checkout.CartConfig(nil))
		pay := payment.New(db, idem, stock, &payment.TestGateway{Secret: []byte("x")})
		co := checkout.New(db, carts, idem, stock, pay)
		after := aftersales.New(db, pay, shop.Inventory)
		if err := co.Register(after.CreditTender()); err != nil {
			t.Fatal(err)
		}
		orders := order.NewService(db, stock)
		orders.OnCancel(after.ReleaseCredit)
		key := aftersales.CustomerCreditKey("c1")
		grant(t, db, staff, key, 2000, "gift:1")

		me := cart.Owner{CustomerID: "c1"}
		in := func(credit int64, card string) checkout.Input {
			return checkout.Input{Email: "eva@example.com", ShippingCode: "ground", StoreCredit: credit, Pay: &checkout.Pay{Method: checkout.PayCard, Card: card},
				ShippingAddress: order.Address{Name: "Eva", Line1: "1 Broadway", City: "New York", Region: "NY", Country: "US"}}
		}
		carts.Add(shopper, me, shirt, 1, cart.PriceOptions{}) // 20.00 + 5.00 shipping
		// More than there is (the order's 25.00 > 20.00 of credit), no card.
		if _, err := co.Checkout(shopper, checkout.Request{Owner: me, Input: in(5000, ""), Key: "k1"}); fieldOf(err) != "store_credit" || !strings.Contains(err.Error(), "20.00") {
			t.Fatalf("too much credit: %v", err)
		}
		if _, bal := ledgerSum(t, after, staff, key); bal != 2000 {
			t.Fatalf("refused checkout spent credit: %d", bal)
		}
		// A negative amount.
		if _, err := co.Checkout(shopper, checkout.Request{Owner: me, Input: in(-1, payment.CardSuccess), Key: "k1b"}); fieldOf(err) != "store_credit" {
			t.Fatalf("negative credit: %v", err)
		}
		// A guest cannot spend anyone's credit.
		guest := cart.Owner{Token: cart.NewToken()}
		carts.Add(shopper, guest, shirt, 1, cart.PriceOptions{})
		if _, err := co.Checkout(shopper, checkout.Request{Owner: guest, Input: in(100, payment.CardSuccess), Key: "g1"}); fieldOf(err) != "store_credit" {
			t.Fatalf("guest credit: %v", err)
		}

		// 12.00 from credit, 13.00 on the card.
		res, err := co.Checkout(shopper, checkout.Request{Owner: me, Input: in(1200, payment.CardSuccess), Key: "k2"})
		if err != nil || res.PayError != nil {
			t.Fatal(err, res.PayError)
		}
		o := res.Order
		if o.Status != order.Paid || o.PaidTotal != 2500 || res.Payment == nil || res.Payment.CapturedAmount != 1300 {
			t.Fatalf("order %s paid %d, payment %+v", o.Status, o.PaidTotal, res.Payment)
		}
		if sum, bal := ledgerSum(t, after, staff, key); bal != 800 || sum != 800 {
			t.Fatalf("after spend: balance %d, ledger %d", bal, sum)
		}
		hasEvent := func(id, msg string) bool {
			tl, _ := orders.Timeline(staff, id)
			for _, e := range tl {
				if e.Message == msg {
					return true
				}
			}
			return false
		}
		if !hasEvent(o.ID, "Paid 12.00 USD with store credit") && !hasEvent(o.ID, "Paid $12.00 with store credit") {
			tl, _ := orders.Timeline(staff, o.ID)
			t.Fatalf("timeline %+v", tl)
		}
		// Cancelling gives the 12.00 back (once).
		if _, err := orders.Cancel(staff, o.ID, "changed mind"); err != nil {
			t.Fatal(err)
		}
		if sum, bal := ledgerSum(t, after, staff, key); bal != 2000 || sum != 2000 {
			t.Fatalf("after cancel: balance %d, ledger %d", bal, sum)
		}
		if got, _ := orders.Get(staff, o.ID); got.RefundedTotal != 1200 {
			t.Fatalf("refunded total %d", got.RefundedTotal)
		}
		if _, err := orders.Cancel(staff, o.ID, "again"); err == nil {
			t.Fatal("cancelled twice")
		}
		if _, bal := ledgerSum(t, after, staff, key); bal != 2000 {
			t.Fatalf("second cancel moved credit: %d", bal)
		}

		// Credit covering the whole order: no card number needed.
		grant(t, db, staff, key, 1000, "gift:2")
		carts.Add(shopper, me, shirt, 1, cart.PriceOptions{})
		res, err = co.Checkout(shopper, checkout.Request{Owner: me, Input: in(9999, ""), Key: "k3"})
		if err != nil || res.PayError != nil || res.Payment != nil || res.Order.Status != order.Paid || res.Order.PaidTotal != 2500 {
			t.Fatalf("covered by credit: %v %v %+v", err, res.PayError, res.Order)
		}
		if _, bal := ledgerSum(t, after, staff, key); bal != 500 {
			t.Fatalf("after full spend: %d", bal)
		}

		// Refund on an order paid 4.00 by credit, 21.00 by card: the return
		// of the shirt (20.00) goes to the card; a refund of more than the
		// card can take puts the rest back on the credit.
		carts.Add(shopper, me, shirt, 1, cart.PriceOptions{})
		res, err = co.Checkout(shopper, checkout.Request{Owner: me, Input: in(400, payment.CardSuccess), Key: "k4"})
		if err != nil || res.PayError != nil {
			t.Fatal(err, res.PayError)
		}
		o = res.Order
		sh, err := shipping.New(db).Create(staff, o.ID, shipping.Input{Carrier: "UPS", TrackingNumber: "1Z2"})
		if err != nil {
			t.Fatal(err)
		}
		_ = sh
		r, err := after.Request(staff, aftersales.RequestInput{OrderID: o.ID, Lines: []aftersales.LineQty{{LineID: o.Lines[0].ID, Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		after.Approve(staff, r.ID, "")
		after.Receive(staff, r.ID, false, "")
		if _, err := after.Refund(staff, r.ID, 2600); fieldOf(err) != "amount" {
			t.Fatalf("refund beyond card and credit: %v", err)
		}
		if _, err := after.Refund(staff, r.ID, 2500); err != nil {
			t.Fatal(err)
		}
		got, _ := orders.Get(staff, o.ID)
		_, rs, _ := pay.ForOrder(staff, o.ID)
		var toCard int64
		for _, x := range rs {
			toCard += x.Amount
		}
		if got.RefundedTotal != 2500 || toCard != 2100 {
			t.Fatalf("refunded %d, to card %d", got.RefundedTotal, toCard)
		}
		if sum, bal := ledgerSum(t, after, staff, key); bal != 100+400 || sum != bal {
			t.Fatalf("after refund: balance %d, ledger %d", bal, sum)
		}
		if !hasEvent(o.ID, "Refunded 4.00 USD to store credit") && !hasEvent(o.ID, "Refunded $4.00 to store credit") {
			tl, _ := orders.Timeline(staff, o.ID)
			t.Fatalf("timeline %+v", tl)
		}
	})
}

// TestStoreCreditConcurrentSpend: 20 checkouts' tender steps spending the
// same customer's credit at once, each in its own placing transaction:
// exactly as many succeed as the balance allows, the rest are refused on
// "store_credit", the balance never goes below zero and equals the ledger.
func TestStoreCreditConcurrentSpend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := tenancy.WithTenant(context.Background(), "shop1")
		after := aftersales.New(db, nil, nil)
		key := aftersales.CustomerCreditKey("c1")
		grant(t, db, ctx, key, 1000, "gift:1")
		hook := after.CreditTender()
		var (
			wg         sync.WaitGroup
			mu         sync.Mutex
			spent, won int64
		)
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				o := &order.Order{ID: store.NewID(), Currency: "USD", Total: 300}
				p := &checkout.Placement{Owner: cart.Owner{CustomerID: "c1"}, Input: &checkout.Input{StoreCredit: 300}, Order: o}
				err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error { return hook.Run(ctx, q, p) })
				if err != nil {
					if fieldOf(err) != "store_credit" {
						t.Error(err)
					}
					return
				}
				mu.Lock()
				spent += o.PaidTotal
				won++
				mu.Unlock()
			}()
		}
		wg.Wait()
		sum, bal := ledgerSum(t, after, ctx, key)
		if spent > 1000 || won != 3 || bal != 100 || sum != bal {
			t.Fatalf("spent %d in %d checkouts, balance %d, ledger %d", spent, won, bal, sum)
		}
	})
}
