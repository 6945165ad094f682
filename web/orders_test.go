package web_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/cart/carttest"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/core/shipping"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/web/api"
)

func (s *testShop) staff(t testing.TB, method, path string, body any) response {
	t.Helper()
	b := ""
	if body != nil {
		j, _ := json.Marshal(body)
		b = string(j)
	}
	return s.Owner.do(method, path, b, nil)
}

// TestOrderStateMachineAPI walks an order through the API: every illegal
// move is 422 and changes nothing, every legal one is on the timeline.
func TestOrderStateMachineAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, _ := startCommerceServer(t, db)
		s := newTestShop(t, srv, "states")
		v := s.variant(t, "Teapot", 2500, 10)
		o, tok := s.place(t, s.cart(t, map[string]int64{v: 2}), "k1")
		if o.Status != order.PendingPayment || o.Total != 2*2500+490 || o.Number != 1001 {
			t.Fatalf("placed order: %+v", o)
		}
		illegal := func(what, method, path string, body any) {
			t.Helper()
			before := s.order(t, o.ID)
			r := s.staff(t, method, path, body)
			if r.Status != 422 {
				t.Fatalf("%s on a %s order: %d %s, want 422", what, before.Order.Status, r.Status, r.Body)
			}
			after := s.order(t, o.ID)
			if after.Order.Status != before.Order.Status || len(after.Timeline) != len(before.Timeline) {
				t.Fatalf("%s refused but changed the order: %s → %s", what, before.Order.Status, after.Order.Status)
			}
		}
		base := "/api/orders/" + o.ID
		illegal("delivered", "POST", base+"/status", api.StatusRequest{Status: "delivered"})
		illegal("completed", "POST", base+"/status", api.StatusRequest{Status: "completed"})
		illegal("ship", "POST", base+"/shipments", api.ShipmentRequest{Carrier: "La Poste"})
		illegal("refund", "POST", base+"/refunds", api.RefundRequest{Amount: 100})
		wantError(t, s.staff(t, "POST", base+"/status", api.StatusRequest{Status: "teleported"}), 400, "status")
		wantError(t, s.staff(t, "POST", base+"/status", api.StatusRequest{Status: "paid"}), 400, "status")

		s.pay(t, o, tok, payment.CardSuccess, 201)
		if st := s.order(t, o.ID).Order.Status; st != order.Paid {
			t.Fatalf("after payment: %s", st)
		}
		illegal("pay again", "POST", base+"/payments", api.StaffPayRequest{Method: "cod"})
		illegal("completed", "POST", base+"/status", api.StatusRequest{Status: "completed"})
		illegal("delivered", "POST", base+"/status", api.StatusRequest{Status: "delivered"})

		line := o.Lines[0].ID
		r := s.staff(t, "POST", base+"/shipments", api.ShipmentRequest{Carrier: "La Poste", TrackingNumber: "6A1", TrackingURL: "https://track.example/6A1",
			Lines: []shipping.LineQty{{LineID: line, Quantity: 1}}})
		if r.Status != 201 {
			t.Fatalf("ship one: %d %s", r.Status, r.Body)
		}
		var sh1 shipping.Shipment
		r.json(t, &sh1)
		if st := s.order(t, o.ID).Order.Status; st != order.PartiallyFulfilled {
			t.Fatalf("after shipping one of two: %s", st)
		}
		wantError(t, s.staff(t, "POST", base+"/shipments", api.ShipmentRequest{Lines: []shipping.LineQty{{LineID: line, Quantity: 5}}}), 422, "")
		wantError(t, s.staff(t, "POST", base+"/shipments", api.ShipmentRequest{Lines: []shipping.LineQty{{LineID: line, Quantity: -1}}}), 400, "lines[0].quantity")
		illegal("cancel after shipping", "POST", base+"/cancel", api.CancelRequest{Reason: "changed mind"})
		r = s.staff(t, "POST", base+"/shipments", api.ShipmentRequest{Carrier: "La Poste", TrackingNumber: "6A2"})
		if r.Status != 201 {
			t.Fatalf("ship the rest: %d %s", r.Status, r.Body)
		}
		var sh2 shipping.Shipment
		r.json(t, &sh2)
		if st := s.order(t, o.ID).Order.Status; st != order.Fulfilled {
			t.Fatalf("after shipping all: %s", st)
		}
		illegal("ship more", "POST", base+"/shipments", api.ShipmentRequest{})
		wantError(t, s.staff(t, "POST", "/api/shipments/"+sh1.ID+"/status", api.ShipmentStatusRequest{Status: "lost-at-sea"}), 400, "status")
		for _, id := range []string{sh1.ID, sh2.ID} {
			if r := s.staff(t, "POST", "/api/shipments/"+id+"/status", api.ShipmentStatusRequest{Status: "delivered"}); r.Status != 200 {
				t.Fatalf("shipment delivered: %d %s", r.Status, r.Body)
			}
		}
		if st := s.order(t, o.ID).Order.Status; st != order.Delivered {
			t.Fatalf("after both parcels delivered: %s", st)
		}
		if r := s.staff(t, "POST", base+"/status", api.StatusRequest{Status: "completed", Message: "all good"}); r.Status != 200 {
			t.Fatalf("complete: %d %s", r.Status, r.Body)
		}
		illegal("back to delivered", "POST", base+"/status", api.StatusRequest{Status: "delivered"})
		illegal("cancel completed", "POST", base+"/cancel", nil)
		if r := s.staff(t, "POST", base+"/notes", api.NoteRequest{Text: "Customer called, happy."}); r.Status != 201 {
			t.Fatalf("note: %d %s", r.Status, r.Body)
		}

		d := s.order(t, o.ID)
		var moves []string
		for _, e := range d.Timeline {
			if e.ToStatus != "" && e.FromStatus != e.ToStatus {
				moves = append(moves, string(e.FromStatus)+"→"+string(e.ToStatus))
			}
		}
		want := []string{"→pending_payment", "pending_payment→paid", "paid→partially_fulfilled", "partially_fulfilled→fulfilled", "fulfilled→delivered", "delivered→completed"}
		if fmt.Sprint(moves) != fmt.Sprint(want) {
			t.Fatalf("timeline moves %v, want %v", moves, want)
		}
		if last := d.Timeline[len(d.Timeline)-1]; last.Kind != order.EventNote || last.ActorKind != "staff" {
			t.Fatalf("last event %+v, want the staff note", last)
		}
		if len(d.Shipments) != 2 || d.Shipments[0].TrackingURL != "https://track.example/6A1" {
			t.Fatalf("shipments %+v", d.Shipments)
		}

		// Cancelling an unpaid order gives its stock back; a cancelled
		// order cannot be paid or cancelled again.
		o2, tok2 := s.place(t, s.cart(t, map[string]int64{v: 3}), "k2")
		if avail, _, _ := s.available(t, v); avail != 5 {
			t.Fatalf("available %d after the second order, want 5", avail)
		}
		if r := s.staff(t, "POST", "/api/orders/"+o2.ID+"/cancel", api.CancelRequest{Reason: "customer asked"}); r.Status != 200 {
			t.Fatalf("cancel: %d %s", r.Status, r.Body)
		}
		if avail, reserved, _ := s.available(t, v); avail != 8 || reserved != 0 {
			t.Fatalf("after cancel: available %d reserved %d, want 8 and 0", avail, reserved)
		}
		wantError(t, s.staff(t, "POST", "/api/orders/"+o2.ID+"/cancel", nil), 422, "")
		s.pay(t, o2, tok2, payment.CardSuccess, 422)

		var pg order.Page
		s.Owner.getJSON("/api/orders?status=cancelled", &pg)
		if len(pg.Orders) != 1 || pg.Orders[0].ID != o2.ID {
			t.Fatalf("cancelled filter: %+v", pg.Orders)
		}
		s.Owner.getJSON("/api/orders?number=%231001", &pg)
		if len(pg.Orders) != 1 || pg.Orders[0].ID != o.ID {
			t.Fatalf("number filter: %+v", pg.Orders)
		}
		wantError(t, s.Owner.do("GET", "/api/orders?status=lost", "", nil), 400, "status")
	})
}

// TestRefundNeverExceedsPaidAPI sends concurrent partial refunds over HTTP:
// they never sum past what was paid, replays are idempotent, and a refund
// over what is left is refused naming the amount.
func TestRefundNeverExceedsPaidAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, _ := startCommerceServer(t, db)
		s := newTestShop(t, srv, "refunds")
		v := s.variant(t, "Lamp", 2000, 5)
		o, tok := s.place(t, s.cart(t, map[string]int64{v: 1}), "k")
		p := s.pay(t, o, tok, payment.CardSuccess, 201)
		total := o.Total // 2490
		part := total / 4
		const n = 20
		var wg sync.WaitGroup
		statuses := make([]int, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := s.Owner.do("POST", "/api/payments/"+p.ID+"/refunds", fmt.Sprintf(`{"amount":%d,"reason":"damaged"}`, part),
					map[string]string{"Idempotency-Key": fmt.Sprintf("refund-%d", i)})
				statuses[i] = r.Status
				if r.Status != 201 && r.Status != 422 && r.Status != 409 {
					t.Errorf("refund %d: %d %s", i, r.Status, r.Body)
				}
			}()
		}
		wg.Wait()
		ok := 0
		for _, st := range statuses {
			if st == 201 {
				ok++
			}
		}
		if ok != 4 {
			t.Fatalf("%d refunds of %d went through for a payment of %d, want 4", ok, part, total)
		}
		var pj api.PaymentsJSON
		s.Owner.getJSON("/api/orders/"+o.ID+"/payments", &pj)
		var sum int64
		for _, r := range pj.Refunds {
			if r.Status == payment.RefundSucceeded {
				sum += r.Amount
			}
		}
		if sum != 4*part || sum > total || pj.Payments[0].RefundedAmount != sum {
			t.Fatalf("refunded %d (payment says %d), paid %d", sum, pj.Payments[0].RefundedAmount, total)
		}
		if st := s.order(t, o.ID).Order.Status; st != order.PartiallyRefunded {
			t.Fatalf("order %s, want partially_refunded", st)
		}
		// Over what is left: refused, naming the amount.
		left := total - sum
		wantError(t, s.Owner.do("POST", "/api/payments/"+p.ID+"/refunds", fmt.Sprintf(`{"amount":%d}`, left+1), nil), 422, "amount")
		wantError(t, s.Owner.do("POST", "/api/orders/"+o.ID+"/refunds", fmt.Sprintf(`{"amount":%d}`, left+1), nil), 422, "amount")
		wantError(t, s.Owner.do("POST", "/api/payments/"+p.ID+"/refunds", `{"amount":-5}`, nil), 400, "amount")
		// The rest, with a key: a replay gives the same refund, another body
		// with that key is 422.
		hdr := map[string]string{"Idempotency-Key": "rest"}
		r1 := s.Owner.do("POST", "/api/orders/"+o.ID+"/refunds", fmt.Sprintf(`{"amount":%d}`, left), hdr)
		r2 := s.Owner.do("POST", "/api/orders/"+o.ID+"/refunds", fmt.Sprintf(`{"amount":%d}`, left), hdr)
		if r1.Status != 201 || r2.Status != 201 || r1.Body != r2.Body {
			t.Fatalf("refund and replay: %d %s / %d %s", r1.Status, r1.Body, r2.Status, r2.Body)
		}
		wantError(t, s.Owner.do("POST", "/api/orders/"+o.ID+"/refunds", `{"amount":1}`, hdr), 422, "")
		d := s.order(t, o.ID)
		if d.Order.Status != order.Refunded || d.Order.RefundedTotal != total {
			t.Fatalf("order %s refunded %d, want refunded %d", d.Order.Status, d.Order.RefundedTotal, total)
		}
	})
}

// TestPaymentWebhookAPI: a pending card payment is confirmed by the
// gateway's signed webhook on the shop's host; a forged, stale or
// misdirected webhook is refused and a duplicate changes nothing.
func TestPaymentWebhookAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, _ := startCommerceServer(t, db)
		s := newTestShop(t, srv, "hooks")
		other := newTestShop(t, srv, "other")
		v := s.variant(t, "Vase", 3000, 5)
		o, tok := s.place(t, s.cart(t, map[string]int64{v: 1}), "k")
		p := s.pay(t, o, tok, payment.CardPending, 201)
		if p.Status != payment.StatusPending || p.ProviderRef == "" {
			t.Fatalf("pending payment: %+v", p)
		}
		gw := &payment.TestGateway{Secret: testGatewaySecret}
		ev := payment.WebhookEvent{ID: "evt_1", Type: payment.EventPaymentSucceeded, Ref: p.ProviderRef, Amount: p.Amount}
		body, sig := gw.Webhook(ev, time.Now())
		hook := "/api/store/payments/webhooks/test"

		forged := &payment.TestGateway{Secret: []byte("not the secret")}
		_, badSig := forged.Webhook(ev, time.Now())
		wantError(t, s.req(t, "POST", hook, body, map[string]string{payment.SignatureHeader: badSig}), 401, "")
		wantError(t, s.req(t, "POST", hook, body, nil), 401, "")
		_, stale := gw.Webhook(ev, time.Now().Add(-time.Hour))
		wantError(t, s.req(t, "POST", hook, body, map[string]string{payment.SignatureHeader: stale}), 401, "")
		tampered := []byte(string(body[:len(body)-1]) + " ")
		wantError(t, s.req(t, "POST", hook, tampered, map[string]string{payment.SignatureHeader: sig}), 401, "")
		// Sent to another shop's host: that shop has no such payment.
		wantError(t, other.req(t, "POST", hook, body, map[string]string{payment.SignatureHeader: sig}), 404, "")
		wantError(t, s.req(t, "POST", "/api/store/payments/webhooks/nope", body, map[string]string{payment.SignatureHeader: sig}), 404, "")
		if d := s.order(t, o.ID); d.Order.Status != order.PendingPayment || d.Order.PaidTotal != 0 {
			t.Fatalf("refused webhooks changed the order: %s paid %d", d.Order.Status, d.Order.PaidTotal)
		}

		var wj api.WebhookJSON
		r := s.req(t, "POST", hook, body, map[string]string{payment.SignatureHeader: sig})
		if r.Status != 200 {
			t.Fatalf("webhook: %d %s", r.Status, r.Body)
		}
		r.json(t, &wj)
		if wj.Duplicate || wj.PaymentID != p.ID {
			t.Fatalf("webhook answer %+v", wj)
		}
		// Duplicates, also concurrent: acknowledged, nothing more happens.
		var wg sync.WaitGroup
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := s.req(t, "POST", hook, body, map[string]string{payment.SignatureHeader: sig})
				var w api.WebhookJSON
				if r.Status != 200 || json.Unmarshal([]byte(r.Body), &w) != nil || !w.Duplicate {
					t.Errorf("duplicate webhook: %d %s", r.Status, r.Body)
				}
			}()
		}
		wg.Wait()
		d := s.order(t, o.ID)
		if d.Order.Status != order.Paid || d.Order.PaidTotal != o.Total {
			t.Fatalf("after the webhook: %s paid %d of %d", d.Order.Status, d.Order.PaidTotal, o.Total)
		}
		if avail, reserved, onHand := s.available(t, v); avail != 4 || reserved != 0 || onHand != 4 {
			t.Fatalf("stock after payment: available %d reserved %d on hand %d", avail, reserved, onHand)
		}
		paidEvents := 0
		for _, e := range d.Timeline {
			if e.ToStatus == order.Paid {
				paidEvents++
			}
		}
		if paidEvents != 1 {
			t.Fatalf("%d paid events", paidEvents)
		}
	})
}

// TestCheckoutBadInput: bad lines, quantities, addresses, delivery options,
// keys and tokens are clear 4xx errors naming the field, and nothing is
// half-created: no order, no stock moved.
func TestCheckoutBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, _ := startCommerceServer(t, db)
		s := newTestShop(t, srv, "strict")
		other := newTestShop(t, srv, "elsewhere")
		v := s.variant(t, "Chair", 9900, 2)
		empty := s.variant(t, "Sold out", 1000, 0)
		draft := s.cat.Variant(t, s.ctx, "Draft", 1000, 5, carttest.VariantOpts{Draft: true})
		foreign := other.variant(t, "Their chair", 9900, 5)

		add := func(variant string, qty any, tok string) response {
			h := map[string]string{}
			if tok != "" {
				h["Cart-Token"] = tok
			}
			return s.req(t, "POST", "/api/store/cart/lines", fmt.Sprintf(`{"variant_id":%q,"quantity":%v}`, variant, qty), h)
		}
		r := s.req(t, "GET", "/api/store/cart", nil, nil)
		var noCart api.CartJSON
		if r.Status != 200 || json.Unmarshal([]byte(r.Body), &noCart) != nil || len(noCart.Lines) != 0 || noCart.Currency != "EUR" {
			t.Fatalf("cart with no token: %d %s", r.Status, r.Body)
		}
		wantError(t, add(foreign, 1, ""), 404, "variant_id")
		wantError(t, add(draft, 1, ""), 404, "variant_id")
		wantError(t, add("no-such-variant", 1, ""), 404, "variant_id")
		wantError(t, add(empty, 1, ""), 422, "quantity")
		wantError(t, add(v, 3, ""), 422, "quantity")
		wantError(t, add(v, -1, ""), 400, "quantity")
		wantError(t, add(v, 0, ""), 400, "quantity")
		wantError(t, add(v, 1_000_000_000_000, ""), 400, "quantity")
		wantError(t, add(v, `"two"`, ""), 400, "quantity")
		wantError(t, s.req(t, "POST", "/api/store/cart/lines", `{"variant_id":"x","quantity":1,"price":1}`, nil), 400, "price")
		wantError(t, s.req(t, "POST", "/api/store/cart/lines", `{"variant_id":`, nil), 400, "body")

		tok := s.cart(t, map[string]int64{v: 2})
		wantError(t, s.req(t, "PUT", "/api/store/cart/lines/"+v, `{"quantity":-2}`, map[string]string{"Cart-Token": tok}), 400, "quantity")
		wantError(t, s.req(t, "PUT", "/api/store/cart/lines/"+v, `{"quantity":3}`, map[string]string{"Cart-Token": tok}), 422, "quantity")

		co := func(body any, hdr map[string]string) response {
			return s.req(t, "POST", "/api/store/checkout", body, hdr)
		}
		good := func() api.CheckoutRequest {
			var in api.CheckoutRequest
			json.Unmarshal(checkoutBody("eva@example.com"), &in)
			return in
		}
		h := map[string]string{"Cart-Token": tok, "Idempotency-Key": "bad-1"}
		wantError(t, co(good(), map[string]string{"Cart-Token": tok}), 400, "Idempotency-Key")
		in := good()
		in.Email = "not-an-email"
		wantError(t, co(in, h), 400, "email")
		in = good()
		in.ShippingAddress.Country = ""
		wantError(t, co(in, h), 400, "shipping_address.country")
		in = good()
		in.ShippingAddress.Line1 = ""
		wantError(t, co(in, h), 400, "shipping_address.line1")
		in = good()
		in.ShippingAddress.Country = "ZZ"
		wantError(t, co(in, h), 400, "")
		in = good()
		in.ShippingCode = "teleport"
		wantError(t, co(in, h), 400, "shipping_method")
		in = good()
		in.ShippingCode = ""
		wantError(t, co(in, h), 400, "shipping_method")
		wantError(t, co(`{"email":"eva@example.com","tenant_id":"x"}`, h), 400, "tenant_id")
		wantError(t, co(good(), map[string]string{"Idempotency-Key": "no-cart"}), 400, "cart")
		wantError(t, co(good(), map[string]string{"Cart-Token": cartTokenOf(t, s), "Idempotency-Key": "empty-cart"}), 400, "cart")

		if n := s.orderCount(t); n != 0 {
			t.Fatalf("%d orders after bad checkouts", n)
		}
		if avail, reserved, _ := s.available(t, v); avail != 2 || reserved != 0 {
			t.Fatalf("bad checkouts moved stock: available %d reserved %d", avail, reserved)
		}

		// Stock sold to someone else meanwhile: the cart line is refused
		// at checkout, nothing is created.
		o1, o1tok := s.place(t, s.cart(t, map[string]int64{v: 1}), "first")
		wantError(t, co(good(), map[string]string{"Cart-Token": tok, "Idempotency-Key": "late"}), 409, "lines")
		if n := s.orderCount(t); n != 1 {
			t.Fatalf("%d orders, want 1", n)
		}

		// An expired hold: the unpaid order is cancelled by the sweeper and
		// its stock released; paying it afterwards is refused.
		// Another shopper's cart with the same key is its own scope: no
		// replay of someone else's order.
		wantError(t, s.req(t, "POST", "/api/store/checkout", checkoutBody("eva@example.com"),
			map[string]string{"Cart-Token": "x", "Idempotency-Key": "first"}), 400, "cart")
		n, err := srv.Services.Orders.CancelUnpaid(s.ctx, time.Now().Add(time.Hour), 100)
		if err != nil || n != 1 {
			t.Fatalf("sweeper cancelled %d (%v)", n, err)
		}
		if avail, reserved, _ := s.available(t, v); avail != 2 || reserved != 0 {
			t.Fatalf("after the sweep: available %d reserved %d", avail, reserved)
		}
		r = s.req(t, "POST", "/api/store/orders/"+o1.ID+"/payments", api.StorePayRequest{Provider: "test", Card: payment.CardSuccess},
			map[string]string{"Order-Token": o1tok, "Idempotency-Key": "p1"})
		wantError(t, r, 422, "order")

		// Payments: keys, providers, cards and order tokens.
		o2, tok2 := s.place(t, s.cart(t, map[string]int64{v: 1}), "second")
		pay := func(body any, hdr map[string]string) response {
			return s.req(t, "POST", "/api/store/orders/"+o2.ID+"/payments", body, hdr)
		}
		wantError(t, pay(api.StorePayRequest{Provider: "test", Card: payment.CardSuccess}, map[string]string{"Order-Token": tok2}), 400, "Idempotency-Key")
		wantError(t, pay(api.StorePayRequest{Provider: "bitcoin"}, map[string]string{"Order-Token": tok2, "Idempotency-Key": "a"}), 400, "provider")
		wantError(t, pay(api.StorePayRequest{Provider: "test"}, map[string]string{"Order-Token": tok2, "Idempotency-Key": "b"}), 400, "card")
		wantError(t, pay(api.StorePayRequest{Provider: "test", Card: "1234"}, map[string]string{"Order-Token": tok2, "Idempotency-Key": "c"}), 400, "")
		wantError(t, pay(api.StorePayRequest{Provider: "test", Card: payment.CardDecline}, map[string]string{"Order-Token": tok2, "Idempotency-Key": "d"}), 422, "payment")
		wantError(t, pay(api.StorePayRequest{Provider: "test", Card: payment.CardSuccess}, map[string]string{"Order-Token": "forged", "Idempotency-Key": "e"}), 404, "")
		wantError(t, pay(api.StorePayRequest{Provider: "test", Card: payment.CardSuccess}, map[string]string{"Idempotency-Key": "e"}), 404, "")
		// The right token on another shop's host opens nothing.
		wantError(t, other.req(t, "GET", "/api/store/orders/"+o2.ID, nil, map[string]string{"Order-Token": tok2}), 404, "")
		if r := s.req(t, "GET", "/api/store/orders/"+o2.ID, nil, map[string]string{"Order-Token": tok2}); r.Status != 200 {
			t.Fatalf("own order: %d %s", r.Status, r.Body)
		}
		if d := s.order(t, o2.ID); d.Order.Status != order.PendingPayment || d.Order.PaidTotal != 0 {
			t.Fatalf("refused payments changed the order: %+v", d.Order)
		}
		s.pay(t, o2, tok2, payment.CardSuccess, 201)
	})
}

// cartTokenOf returns a token whose cart exists but is empty.
func cartTokenOf(t *testing.T, s *testShop) string {
	t.Helper()
	v := s.variant(t, "Tmp", 100, 1)
	tok := s.cart(t, map[string]int64{v: 1})
	if r := s.req(t, "DELETE", "/api/store/cart/lines/"+v, nil, map[string]string{"Cart-Token": tok}); r.Status != 200 {
		t.Fatalf("remove: %d %s", r.Status, r.Body)
	}
	return tok
}
