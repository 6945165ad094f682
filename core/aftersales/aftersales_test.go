package aftersales_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

// TestBuyShipReturnRefund is the whole journey at the domain level, with
// totals checked at each step: a shopper buys two variants with the test
// gateway, staff ship with tracking, the shopper returns one unit, staff
// receive it (restocked) and refund.
func TestBuyShipReturnRefund(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		base := tenancy.WithTenant(context.Background(), "shop1")
		shopper := tenancy.WithActor(base, tenancy.Actor{Kind: "customer", ID: "guest", Name: "Eva"})
		staff := tenancy.WithActor(base, tenancy.Actor{Kind: "staff", ID: "s1", Name: "Sam"})
		shop := carttest.New(db, "USD")
		if err := checkout.SaveSettings(staff, db, checkout.Settings{Currency: "USD", ReturnWindowDays: 30,
			Tax:      pricing.TaxConfig{Rates: []pricing.TaxRate{{Name: "NY tax", Country: "US", Region: "NY", RatePPM: 80_000}}},
			Shipping: pricing.ShippingConfig{Zones: []pricing.Zone{{Code: "us", Countries: []string{"US"}, Methods: []pricing.Method{{Code: "ground", Label: "Ground", Kind: pricing.MethodFlat, Price: 500}}}}},
		}); err != nil {
			t.Fatal(err)
		}
		red := shop.Variant(t, staff, "Shirt red", 2000, 5, carttest.VariantOpts{})
		blue := shop.Variant(t, staff, "Shirt blue", 2500, 5, carttest.VariantOpts{})
		idem := idempotency.New(db)
		stock := &checkout.Stock{Inv: shop.Inventory}
		carts := cart.New(db, nil, checkout.CartConfig(nil))
		co := checkout.New(db, carts, idem, stock, nil)
		pay := payment.New(db, idem, stock, &payment.TestGateway{Secret: []byte("x")})
		ship := shipping.New(db)
		after := aftersales.New(db, pay, shop.Inventory)
		orders := order.NewService(db, stock)

		owner := cart.Owner{Token: cart.NewToken()}
		carts.Add(shopper, owner, red, 2, cart.PriceOptions{})
		carts.Add(shopper, owner, blue, 1, cart.PriceOptions{})
		o, _, err := co.Place(shopper, owner, checkout.Input{Email: "eva@example.com", ShippingCode: "ground",
			ShippingAddress: order.Address{Name: "Eva", Line1: "1 Broadway", City: "New York", Region: "NY", Country: "US"}}, "buy-1")
		if err != nil {
			t.Fatal(err)
		}
		// 2×20 + 25 = 65.00 goods, 8% tax = 5.20, ground 5.00 → 75.20
		if o.Subtotal != 6500 || o.TaxTotal != 520 || o.ShippingTotal != 500 || o.Total != 7520 {
			t.Fatalf("totals %+v", o)
		}
		if _, err := pay.Pay(shopper, payment.PayInput{OrderID: o.ID, Provider: "test", Source: payment.CardSuccess}, "pay-1"); err != nil {
			t.Fatal(err)
		}
		sh, err := ship.Create(staff, o.ID, shipping.Input{Carrier: "UPS", TrackingNumber: "1Z1", TrackingURL: "https://ups.example/1Z1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ship.SetStatus(staff, sh.ID, shipping.Delivered); err != nil {
			t.Fatal(err)
		}
		if got, _ := orders.Get(staff, o.ID); got.Status != order.Delivered || got.PaidTotal != 7520 {
			t.Fatalf("%s %d", got.Status, got.PaidTotal)
		}
		if a, _, onHand := shop.Available(t, staff, red); a != 3 || onHand != 3 {
			t.Fatalf("red stock %d/%d", a, onHand)
		}
		// The shopper returns one red shirt.
		if _, err := after.Request(shopper, aftersales.RequestInput{OrderID: o.ID, Email: "someone@else.com", Lines: []aftersales.LineQty{{LineID: o.Lines[0].ID, Quantity: 1}}}); !errs.Is(err, errs.NotFound) {
			t.Fatalf("wrong e-mail: %v", err)
		}
		if _, err := after.Request(shopper, aftersales.RequestInput{OrderID: o.ID, Email: "eva@example.com", Lines: []aftersales.LineQty{{LineID: o.Lines[0].ID, Quantity: 3}}}); !errs.Is(err, errs.Unprocessable) {
			t.Fatalf("over-return: %v", err)
		}
		r, err := after.Request(shopper, aftersales.RequestInput{OrderID: o.ID, Email: "Eva@Example.com", Reason: "too small",
			Lines: []aftersales.LineQty{{LineID: o.Lines[0].ID, Quantity: 1, Reason: "size"}}})
		if err != nil {
			t.Fatal(err)
		}
		if r.Amount != 2160 { // 20.00 + 8% tax
			t.Fatalf("return value %d", r.Amount)
		}
		if _, err := after.Refund(staff, r.ID, 0); !errs.Is(err, errs.Unprocessable) {
			t.Fatalf("refund before receipt: %v", err)
		}
		if _, err := after.Approve(staff, r.ID, "ok"); err != nil {
			t.Fatal(err)
		}
		if r, err = after.Receive(staff, r.ID, true, ""); err != nil || !r.Restocked {
			t.Fatal(r, err)
		}
		if a, _, _ := shop.Available(t, staff, red); a != 4 {
			t.Fatalf("not restocked: %d", a)
		}
		// Refund, asked twice at once: paid once.
		var wg sync.WaitGroup
		var ok atomic.Int64
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := after.Refund(staff, r.ID, 0); err == nil {
					ok.Add(1)
				} else if !errs.Is(err, errs.Conflict) && !errs.Is(err, errs.Unprocessable) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		got, _ := orders.Get(staff, o.ID)
		if got.RefundedTotal != 2160 || got.Status != order.PartiallyRefunded {
			t.Fatalf("refunded %d, %s", got.RefundedTotal, got.Status)
		}
		if r, _ = after.Get(staff, r.ID); r.Status != aftersales.Refunded || r.ResolvedAmount != 2160 {
			t.Fatalf("%+v", r)
		}
		// A second return of the other red shirt, credited instead.
		r2, err := after.Request(staff, aftersales.RequestInput{OrderID: o.ID, Lines: []aftersales.LineQty{{LineID: o.Lines[0].ID, Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := after.Request(staff, aftersales.RequestInput{OrderID: o.ID, Lines: []aftersales.LineQty{{LineID: o.Lines[0].ID, Quantity: 1}}}); !errs.Is(err, errs.Unprocessable) {
			t.Fatalf("third red shirt: %v", err)
		}
		after.Approve(staff, r2.ID, "")
		after.Receive(staff, r2.ID, false, "")
		if _, err := after.Credit(staff, r2.ID, 0); err != nil {
			t.Fatal(err)
		}
		if st, _ := after.StoreCredit(staff, "email:eva@example.com", 0); st.Balance("USD") != 2160 || len(st.Entries) != 1 || st.Entries[0].Source != "return:"+r2.ID {
			t.Fatalf("credit %+v", st)
		}
		// Reject frees the quantity again.
		r3, err := after.Request(staff, aftersales.RequestInput{OrderID: o.ID, Lines: []aftersales.LineQty{{LineID: o.Lines[1].ID, Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := after.Reject(staff, r3.ID, "worn"); err != nil {
			t.Fatal(err)
		}
		if _, err := after.Request(staff, aftersales.RequestInput{OrderID: o.ID, Lines: []aftersales.LineQty{{LineID: o.Lines[1].ID, Quantity: 1}}}); err != nil {
			t.Fatalf("after reject: %v", err)
		}
		list, _ := after.List(staff, aftersales.ReturnFilter{Status: aftersales.Requested})
		if len(list) != 1 {
			t.Fatalf("queue %d", len(list))
		}
		// The window closes for shoppers (not for staff).
		after.Now = func() time.Time { return time.Now().Add(31 * 24 * time.Hour) }
		if _, err := after.Request(shopper, aftersales.RequestInput{OrderID: o.ID, Email: "eva@example.com", Lines: []aftersales.LineQty{{LineID: o.Lines[1].ID, Quantity: 1}}}); !errs.Is(err, errs.Unprocessable) {
			t.Fatalf("late return: %v", err)
		}
		tl, _ := orders.Timeline(staff, o.ID)
		kinds := map[string]int{}
		for _, e := range tl {
			kinds[e.Kind]++
		}
		if kinds[order.EventReturn] < 5 || kinds[order.EventRefund] != 1 || kinds[order.EventShipment] != 2 || kinds[order.EventPayment] != 1 {
			t.Fatalf("timeline %v", kinds)
		}
	})
}

func TestTickets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		base := tenancy.WithTenant(context.Background(), "shop1")
		customer := tenancy.WithActor(base, tenancy.Actor{Kind: "customer", ID: "c1", Name: "Eva"})
		staff := tenancy.WithActor(base, tenancy.Actor{Kind: "staff", ID: "s1", Name: "Sam"})
		svc := aftersales.New(db, nil, nil)
		if _, err := svc.OpenTicket(customer, aftersales.TicketInput{Email: "eva@example.com", Kind: "rant", Subject: "x", Body: "y"}); !errs.Is(err, errs.Invalid) {
			t.Fatal("bad kind accepted")
		}
		if _, err := svc.OpenTicket(customer, aftersales.TicketInput{OrderID: "someone-elses", Email: "eva@example.com", Kind: "question", Subject: "x", Body: "y"}); !errs.Is(err, errs.NotFound) {
			t.Fatalf("foreign order: %v", err)
		}
		tk, err := svc.OpenTicket(customer, aftersales.TicketInput{Email: "Eva@example.com", Kind: aftersales.KindComplaint, Subject: "Late parcel", Body: "Where is it?"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Reply(staff, tk.ID, "On its way!"); err != nil {
			t.Fatal(err)
		}
		got, _ := svc.Ticket(staff, tk.ID)
		if got.Status != aftersales.TicketWaiting || len(got.Messages) != 2 || got.Messages[1].AuthorName != "Sam" {
			t.Fatalf("%+v", got)
		}
		svc.Reply(customer, tk.ID, "Thanks")
		if got, _ = svc.Ticket(staff, tk.ID); got.Status != aftersales.TicketOpen {
			t.Fatal(got.Status)
		}
		if err := svc.SetTicketStatus(staff, tk.ID, aftersales.TicketClosed); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Reply(customer, tk.ID, "one more"); !errs.Is(err, errs.Unprocessable) {
			t.Fatal("reply to closed ticket")
		}
		if l, _ := svc.Tickets(staff, aftersales.TicketFilter{Email: "EVA@example.com"}); len(l) != 1 {
			t.Fatal(len(l))
		}
		if _, err := svc.Ticket(tenancy.WithTenant(context.Background(), "shop2"), tk.ID); !errs.Is(err, errs.NotFound) {
			t.Fatal("cross-tenant ticket read")
		}
	})
}
