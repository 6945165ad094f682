package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/aftersales"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/core/shipping"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/web/api"
)

// TestBrowserOrderToRefund: a shopper buys two variants with the test
// gateway (through the headless shop API: the storefront's own cart and
// checkout pages come with the storefront work); staff, in a real browser,
// ship with tracking; the shopper tracks the parcel and asks for a return;
// staff approve, receive (restocking) and refund it. Totals are checked on
// the console pages at each step.
func TestBrowserOrderToRefund(t *testing.T) {
	chromiumPath(t)
	db := storetest.SQLite(t)
	srv, _ := startCommerceServer(t, db)
	s := newTestShop(t, srv, "parcel")
	mug := s.variant(t, "Harbour mug", 1290, 5)
	plate := s.variant(t, "Harbour plate", 2450, 5)

	// 1. The shopper buys one mug and two plates and pays by card.
	o, tok := s.place(t, s.cart(t, map[string]int64{mug: 1, plate: 2}), "browser-order")
	if o.Total != 1290+2*2450+490 {
		t.Fatalf("total %d", o.Total)
	}
	s.pay(t, o, tok, payment.CardSuccess, 201)

	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	staff := newTab(t, newBrowser(t, ctx), "staff", srv.URL)
	staff.login(s.OwnerEmail, testPassword)
	staff.wantPath("/console")

	// 2. Staff find the order and ship everything with tracking.
	staff.click(`aside.sidenav a[href="/console/orders"]`, 200)
	staff.click(`#orders a[href="/console/orders/`+o.ID+`"]`, 200)
	staff.wantText("#order-status", "paid")
	staff.wantText("#order-total", "66.80 EUR")
	staff.wantText("#order-paid", "66.80 EUR")
	staff.fill(`#ship-form`, "carrier", "La Poste", "tracking_number", "6A123456789", "tracking_url", "https://www.laposte.fr/outils/suivre-vos-envois?code=6A123456789")
	staff.screenshot("orders-01-ship.png")
	staff.click(`#ship-form button[type=submit]`, 200)
	staff.wantText("#order-status", "fulfilled")
	staff.wantText("main", "6A123456789")

	// 3. The shopper tracks the parcel and asks to return one plate.
	var tr shipping.Tracking
	r := s.req(t, "POST", "/api/store/track", api.TrackRequest{Number: "#1001", Email: "EVA@example.com"}, nil)
	r.json(t, &tr)
	if r.Status != 200 || len(tr.Shipments) != 1 || tr.Shipments[0].TrackingNumber != "6A123456789" {
		t.Fatalf("tracking: %d %s", r.Status, r.Body)
	}
	var plateLine string
	for _, l := range o.Lines {
		if l.VariantID == plate {
			plateLine = l.ID
		}
	}
	wantError(t, s.req(t, "POST", "/api/store/returns", api.ReturnRequest{OrderID: o.ID, Email: "someone@else.example", Reason: "chipped",
		Lines: []aftersales.LineQty{{LineID: plateLine, Quantity: 1}}}, nil), 404, "")
	if r := s.req(t, "POST", "/api/store/returns", api.ReturnRequest{OrderID: o.ID, Email: "eva@example.com", Reason: "chipped",
		Lines: []aftersales.LineQty{{LineID: plateLine, Quantity: 1}}}, nil); r.Status != 201 {
		t.Fatalf("return request: %d %s", r.Status, r.Body)
	}

	// 4. Staff approve, receive with restock and refund the plate.
	staff.click(`aside.sidenav a[href="/console/returns"]`, 200)
	staff.wantText("#returns", "chipped", "24.50 EUR")
	staff.click(`#returns a`, 200)
	staff.wantText("#return-status", "requested")
	staff.click(`button[value=approve]`, 200)
	staff.wantText("#return-status", "approved")
	staff.click(`form:has(input[name=action][value=receive]) button[type=submit]`, 200)
	staff.wantText("#return-status", "received")
	if v := staff.value(`#return-refund [name=amount]`); v != "24.50" {
		staff.fail("refund amount", fmt.Errorf("prefilled %q, want 24.50", v))
	}
	staff.screenshot("orders-02-return.png")
	staff.click(`#return-refund button[type=submit]`, 200)
	staff.wantText("#return-status", "refunded")

	// 5. The order shows the refund; the plate is back in stock.
	staff.open("/console/orders/"+o.ID, 200)
	staff.wantText("#order-status", "partially_refunded")
	staff.wantText("#order-refunded", "24.50 EUR")
	staff.wantText("#timeline", "Refund")
	if avail, _, _ := s.available(t, plate); avail != 4 {
		t.Fatalf("plates available %d, want 4 (5 − 2 sold + 1 restocked)", avail)
	}
	d := s.order(t, o.ID)
	if d.Order.Status != order.PartiallyRefunded || d.Order.RefundedTotal != 2450 || d.Order.PaidTotal != 6680 {
		t.Fatalf("order: %s paid %d refunded %d", d.Order.Status, d.Order.PaidTotal, d.Order.RefundedTotal)
	}
	if !strings.Contains(staff.text("#timeline"), "Return") && !strings.Contains(strings.ToLower(staff.text("#timeline")), "return") {
		staff.fail("timeline", fmt.Errorf("no return event"))
	}
}
