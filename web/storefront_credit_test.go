package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/aftersales"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/core/shipping"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

// TestShopStoreCredit: credit granted by a return shows on the shopper's
// account with its history; at checkout the shopper spends part of it
// (the rest by card, the timeline says "Paid 12.00 EUR with store
// credit"), asks for too much or types nonsense (refused next to the
// field, nothing placed), gets it back when the order is cancelled and
// pays a whole order with it without a card; a guest's JSON checkout
// asking for credit is refused naming "store_credit".
func TestShopStoreCredit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, _ := startCommerceServer(t, db)
		s := newTestShop(t, srv, "credit")
		_, small, _ := s.tee(t, 20, 0)
		staff := tenancy.WithActor(s.ctx, tenancy.Actor{Kind: "staff", ID: s.OwnerID, Name: "Owner"})
		svc := srv.Services
		b := s.buyer(t)
		wantSeeOther(t, b.post("/account/signup", url.Values{"email": {"eva@example.com"}, "password": {shopperPassword}}), "/account")
		wantPage(t, b.get("/account"), 200, `id="store-credit"`, "You have no store credit.")

		// Two tees bought by card, shipped, returned for store credit.
		wantSeeOther(t, b.addToCart(small, "2"), "/cart")
		key := b.checkoutForm()
		if r := b.get("/checkout"); strings.Contains(r.Body, `name="use_credit"`) {
			t.Fatal("credit offered without any credit")
		}
		id, _ := orderPath(t, b.post("/checkout", checkoutValues(key, "eva@example.com", payment.CardSuccess)))
		if _, err := svc.Shipments.Create(staff, id, shipping.Input{Carrier: "UPS", TrackingNumber: "1Z9"}); err != nil {
			t.Fatal(err)
		}
		o, _ := svc.Orders.Get(staff, id)
		r1, err := svc.AfterSales.Request(staff, aftersales.RequestInput{OrderID: id, Lines: []aftersales.LineQty{{LineID: o.Lines[0].ID, Quantity: 2}}})
		if err != nil {
			t.Fatal(err)
		}
		svc.AfterSales.Approve(staff, r1.ID, "")
		svc.AfterSales.Receive(staff, r1.ID, false, "")
		if _, err := svc.AfterSales.Credit(staff, r1.ID, 0); err != nil {
			t.Fatal(err)
		}
		wantPage(t, b.get("/account"), 200, "You have <strong>40.00 EUR</strong> of store credit", "Credit for a return", "&#43;40.00 EUR")

		// 24.90 EUR order (20.00 + 4.90 delivery): the form offers the credit.
		wantSeeOther(t, b.addToCart(small, "1"), "/cart")
		key = b.checkoutForm()
		wantPage(t, b.get("/checkout"), 200, `name="use_credit"`, "40.00 EUR available")
		form := checkoutValues(key, "eva@example.com", payment.CardSuccess)
		form.Set("use_credit", "1")
		form.Set("store_credit", "ten")
		wantPage(t, b.post("/checkout", form), 400, `id="err-store_credit"`)
		form.Set("store_credit", "-3")
		wantPage(t, b.post("/checkout", form), 400, `id="err-store_credit"`)
		form.Set("store_credit", "12.00")
		id2, loc2 := orderPath(t, b.post("/checkout", form))
		o2, _ := svc.Orders.Get(staff, id2)
		if o2.Status != order.Paid || o2.PaidTotal != 2490 {
			t.Fatalf("order %s, paid %d", o2.Status, o2.PaidTotal)
		}
		timeline := func(id string) string {
			tl, _ := svc.Orders.Timeline(staff, id)
			var msgs []string
			for _, e := range tl {
				msgs = append(msgs, e.Message)
			}
			return strings.Join(msgs, "\n")
		}
		if tl := timeline(id2); !strings.Contains(tl, "Paid 12.00 EUR with store credit") {
			t.Fatalf("timeline:\n%s", tl)
		}
		wantPage(t, b.get(loc2), 200)
		wantPage(t, b.get("/account"), 200, "<strong>28.00 EUR</strong>", "Spent on an order", "-12.00 EUR")

		// Cancelled: the 12.00 come back.
		if _, err := svc.Orders.Cancel(staff, id2, "out of stock"); err != nil {
			t.Fatal(err)
		}
		wantPage(t, b.get("/account"), 200, "<strong>40.00 EUR</strong>", "Given back: order cancelled")
		if tl := timeline(id2); !strings.Contains(tl, "Refunded 12.00 EUR to store credit") {
			t.Fatalf("timeline:\n%s", tl)
		}

		// The whole order on credit: no card number needed.
		wantSeeOther(t, b.addToCart(small, "1"), "/cart")
		form = checkoutValues(b.checkoutForm(), "eva@example.com", "")
		form.Set("payment", "card")
		form.Set("use_credit", "1")
		id3, _ := orderPath(t, b.post("/checkout", form))
		if o3, _ := svc.Orders.Get(staff, id3); o3.Status != order.Paid || o3.PaidTotal != 2490 {
			t.Fatalf("credit-only order %s, paid %d", o3.Status, o3.PaidTotal)
		}
		wantPage(t, b.get("/account"), 200, "<strong>15.10 EUR</strong>")

		// More than is left, in a new order: refused in words, nothing placed.
		wantSeeOther(t, b.addToCart(small, "1"), "/cart")
		form = checkoutValues(b.checkoutForm(), "eva@example.com", payment.CardSuccess)
		form.Set("use_credit", "1")
		form.Set("store_credit", "20")
		wantPage(t, b.post("/checkout", form), 422, `id="err-store_credit"`, "you have 15.10 EUR of store credit")
		wantPage(t, b.get("/account"), 200, "<strong>15.10 EUR</strong>")

		// A guest over JSON cannot spend credit.
		body := strings.Replace(string(checkoutBody("guest@example.com")), "{", `{"store_credit":100,`, 1)
		wantError(t, s.req(t, "POST", "/api/store/checkout", body, map[string]string{"Cart-Token": s.cart(t, map[string]int64{small: 1}), "Idempotency-Key": "g1"}), 400, "store_credit")
	})
}
