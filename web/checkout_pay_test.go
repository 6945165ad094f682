package web_test

import (
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/web/api"
)

// The JSON checkout pays in the same request when its body names a
// payment, through the same use case as the storefront form.
func TestCheckoutWithPaymentAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, _ := startCommerceServer(t, db)
		s := newTestShop(t, srv, "paynow")
		v := s.variant(t, "Mug", 1290, 10)
		body := func(pay string) string {
			b := strings.TrimSuffix(string(checkoutBody("eva@example.com")), "}")
			return b + `,"payment":` + pay + `}`
		}
		checkout := func(key, b string) response {
			return s.req(t, "POST", "/api/store/checkout", b, map[string]string{"Cart-Token": s.cart(t, map[string]int64{v: 1}), "Idempotency-Key": key})
		}

		// A card that fails the Luhn check or an unknown method: 400 naming
		// the field, nothing placed.
		wantError(t, checkout("luhn", body(`{"method":"card","card":"4242 4242 4242 4241"}`)), 400, "payment.card")
		wantError(t, checkout("cheque", body(`{"method":"cheque"}`)), 400, "payment.method")
		if n := s.orderCount(t); n != 0 {
			t.Fatalf("%d orders after refused checkouts", n)
		}

		// A good card: paid at once; the card number is nowhere in the answer.
		tok := s.cart(t, map[string]int64{v: 2})
		hdr := map[string]string{"Cart-Token": tok, "Idempotency-Key": "card-1"}
		good := body(`{"method":"card","card":"` + payment.CardSuccess + `"}`)
		r := s.req(t, "POST", "/api/store/checkout", good, hdr)
		var got api.CheckoutJSON
		r.json(t, &got)
		if r.Status != 201 || got.Status != order.Paid || got.PaidTotal != got.Total || got.Payment == nil ||
			got.Payment.Status != payment.StatusCaptured || got.Payment.CardLast4 != "4242" || strings.Contains(r.Body, payment.CardSuccess) {
			t.Fatalf("card checkout: %d %s", r.Status, r.Body)
		}
		if r.Header.Get("Order-Token") == "" {
			t.Fatal("no Order-Token")
		}
		// The same key and bytes: the same answer, no second payment.
		again := s.req(t, "POST", "/api/store/checkout", good, hdr)
		if again.Status != 201 || again.Body != r.Body || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay: %d %s\nfirst: %s", again.Status, again.Body, r.Body)
		}
		if d := s.order(t, got.ID); len(d.Payments) != 1 {
			t.Fatalf("%d payments after a replay", len(d.Payments))
		}

		// A declined card: the order is placed and awaits payment; the
		// answer's payment says why.
		r = checkout("declined", body(`{"method":"card","card":"`+payment.CardDecline+`"}`))
		got = api.CheckoutJSON{}
		r.json(t, &got)
		if r.Status != 201 || got.Status != order.PendingPayment || got.Payment == nil || got.Payment.Status != payment.StatusFailed ||
			got.Payment.Message != "Your card was declined." {
			t.Fatalf("declined: %d %s", r.Status, r.Body)
		}

		// Bank transfer: placed, a manual payment waiting for staff.
		r = checkout("bank", body(`{"method":"bank_transfer"}`))
		got = api.CheckoutJSON{}
		r.json(t, &got)
		if r.Status != 201 || got.Status != order.PendingPayment || got.PaymentMethod != "manual" || got.Payment == nil ||
			got.Payment.Provider != "manual" || got.Payment.Status != payment.StatusPending {
			t.Fatalf("bank transfer: %d %s", r.Status, r.Body)
		}

		// Today's body without a payment: the order as placed, unpaid.
		r = checkout("later", string(checkoutBody("eva@example.com")))
		if r.Status != 201 || strings.Contains(r.Body, `"payment":`) {
			t.Fatalf("no payment: %d %s", r.Status, r.Body)
		}
	})
}
