package checkout_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/cart/carttest"
	"github.com/wasmart/wasmart/core/checkout"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

func withPay(method, card string) checkout.Input {
	in := input()
	in.PaymentMethod = ""
	in.Pay = &checkout.Pay{Method: method, Card: card}
	return in
}

func fieldOf(err error) (errs.Code, string) {
	var e *errs.Error
	if errors.As(err, &e) {
		return e.Code, e.Field
	}
	return errs.CodeOf(err), ""
}

func TestCheckoutPlacesThenPays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		v := e.shop.Variant(t, e.ctx, "Kettle", 3000, 10, carttest.VariantOpts{})

		// A good test card: placed, paid, stock sold.
		r, err := e.checkout.Checkout(e.ctx, checkout.Request{Owner: e.guest(t, map[string]int64{v: 2}), Input: withPay(checkout.PayCard, "4242 4242 4242 4242"), Key: "good"})
		if err != nil || r.PayError != nil || r.Replayed {
			t.Fatal(err, r)
		}
		o := r.Order
		if o.Status != order.Paid || o.PaidTotal != o.Total || o.Total != 2*3000+490 || o.PaymentMethod != "test" {
			t.Fatalf("order %+v", o)
		}
		if r.Payment == nil || r.Payment.Status != payment.StatusCaptured || r.Payment.Amount != o.Total || r.Payment.CardLast4 != "4242" {
			t.Fatalf("payment %+v", r.Payment)
		}
		if a, res, onHand := e.shop.Available(t, e.ctx, v); a != 8 || res != 0 || onHand != 8 {
			t.Fatalf("available %d reserved %d on hand %d", a, res, onHand)
		}

		// A card number that fails the Luhn check: a field error, nothing
		// written, the cart still there.
		orders := e.count(t, "orders")
		owner := e.guest(t, map[string]int64{v: 1})
		_, err = e.checkout.Checkout(e.ctx, checkout.Request{Owner: owner, Input: withPay(checkout.PayCard, "4242 4242 4242 4241"), Key: "luhn"})
		if code, field := fieldOf(err); code != errs.Invalid || field != "payment.card" {
			t.Fatalf("bad card: %v", err)
		}
		if _, err = e.checkout.Checkout(e.ctx, checkout.Request{Owner: owner, Input: withPay("cheque", ""), Key: "cheque"}); err == nil {
			t.Fatal("unknown payment method accepted")
		} else if _, field := fieldOf(err); field != "payment.method" {
			t.Fatalf("unknown method: %v", err)
		}
		if e.count(t, "orders") != orders || e.count(t, "payments") != 1 {
			t.Fatal("a refused checkout wrote something")
		}
		if cv, _ := e.carts.View(e.ctx, owner, cart.PriceOptions{}); len(cv.Lines) != 1 {
			t.Fatal("a refused checkout closed the cart")
		}

		// A declined card: the order is placed and waits for payment, with
		// the reason on the card field; paying again with a good card works.
		r, err = e.checkout.Checkout(e.ctx, checkout.Request{Owner: owner, Input: withPay(checkout.PayCard, payment.CardDecline), Key: "declined"})
		if err != nil {
			t.Fatal(err)
		}
		var pe *errs.Error
		if !errors.As(r.PayError, &pe) || pe.Code != errs.Unprocessable || pe.Field != "payment.card" || pe.Message != "Your card was declined." {
			t.Fatalf("declined: %v", r.PayError)
		}
		if r.Order.Status != order.PendingPayment || r.Order.PaidTotal != 0 || r.Payment == nil || r.Payment.Status != payment.StatusFailed {
			t.Fatalf("declined order %+v payment %+v", r.Order, r.Payment)
		}
		if a, res, _ := e.shop.Available(t, e.ctx, v); a != 7 || res != 1 {
			t.Fatalf("declined order's stock: available %d reserved %d", a, res)
		}
		p, err := e.checkout.Pay(e.ctx, r.Order.ID, checkout.Pay{Method: checkout.PayCard, Card: payment.CardSuccess}, "again")
		if err != nil || p.Status != payment.StatusCaptured {
			t.Fatal(p, err)
		}
		if got, _ := e.orders.Get(e.ctx, r.Order.ID); got.Status != order.Paid {
			t.Fatalf("paid again: %s", got.Status)
		}

		// Bank transfer: placed, a pending manual payment, awaiting staff.
		r, err = e.checkout.Checkout(e.ctx, checkout.Request{Owner: e.guest(t, map[string]int64{v: 1}), Input: withPay(checkout.PayBankTransfer, ""), Key: "bank"})
		if err != nil || r.PayError != nil {
			t.Fatal(err, r.PayError)
		}
		if r.Order.Status != order.PendingPayment || r.Order.PaymentMethod != "manual" || r.Payment == nil ||
			r.Payment.Provider != "manual" || r.Payment.Method != checkout.PayBankTransfer || r.Payment.Status != payment.StatusPending {
			t.Fatalf("bank transfer: %+v %+v", r.Order, r.Payment)
		}
		if _, err := e.payments.MarkPaid(e.ctx, r.Payment.ID, "seen on the statement"); err != nil {
			t.Fatal(err)
		}

		// Without a payment choice the order waits for the payments API.
		r, err = e.checkout.Checkout(e.ctx, checkout.Request{Owner: e.guest(t, map[string]int64{v: 1}), Input: input(), Key: "later"})
		if err != nil || r.Payment != nil || r.PayError != nil || r.Order.Status != order.PendingPayment {
			t.Fatal(err, r)
		}
	})
}

func TestCheckoutReplaysPlaceAndPayment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		v := e.shop.Variant(t, e.ctx, "Teapot", 2500, 10, carttest.VariantOpts{})
		owner := e.guest(t, map[string]int64{v: 1})
		req := checkout.Request{Owner: owner, Input: withPay(checkout.PayCard, payment.CardSuccess), Key: "double-click"}
		const n = 20
		results := make([]*checkout.Result, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				r, err := e.checkout.Checkout(e.ctx, req)
				if err != nil {
					t.Error(err)
					return
				}
				results[i] = r
			}(i)
		}
		wg.Wait()
		fresh := 0
		for _, r := range results {
			if r == nil {
				t.FailNow()
			}
			if r.Order.ID != results[0].Order.ID || string(r.Answer.Body) != string(results[0].Answer.Body) {
				t.Fatal("a replay answered another order")
			}
			if !r.Replayed {
				fresh++
			}
			// A replay racing the first payment is told it is in progress.
			if r.PayError != nil && !errs.Is(r.PayError, errs.Conflict) {
				t.Fatal(r.PayError)
			}
		}
		if fresh != 1 || e.count(t, "orders") != 1 || e.count(t, "payments") != 1 {
			t.Fatalf("fresh %d orders %d payments %d", fresh, e.count(t, "orders"), e.count(t, "payments"))
		}
		// Once settled, a replay answers the same order and the same payment.
		first, err := e.checkout.Checkout(e.ctx, req)
		if err != nil || !first.Replayed || first.PayError != nil || first.Payment == nil || first.Order.Status != order.Paid {
			t.Fatal(err, first)
		}
		again, err := e.checkout.Checkout(e.ctx, req)
		if err != nil || again.Payment.ID != first.Payment.ID || again.Order.Version != first.Order.Version || e.count(t, "payments") != 1 {
			t.Fatal(err, again)
		}
		// The same key with another card is another request: 422.
		other := req
		other.Input = withPay(checkout.PayCard, "5555 5555 5555 4444")
		if _, err := e.checkout.Checkout(e.ctx, other); !errs.Is(err, errs.Unprocessable) {
			t.Fatalf("other card, same key: %v", err)
		}
	})
}

// hookFunc is a hook for tests.
type hookFunc struct {
	step checkout.Step
	run  func(ctx context.Context, q bun.IDB, p *checkout.Placement) error
}

func (h hookFunc) Step() checkout.Step { return h.step }
func (h hookFunc) Run(ctx context.Context, q bun.IDB, p *checkout.Placement) error {
	return h.run(ctx, q, p)
}

func TestCheckoutHookPoints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		v := e.shop.Variant(t, e.ctx, "Bowl", 1000, 10, carttest.VariantOpts{})
		if err := e.checkout.Register(hookFunc{step: checkout.StepPay}); err == nil {
			t.Fatal("a hook at the pay step was accepted")
		}
		var mu sync.Mutex
		var ran []string
		var credit int64 // what the tender offers
		var refuse bool  // the promotions hook refuses
		log := func(s string) {
			mu.Lock()
			ran = append(ran, s)
			mu.Unlock()
		}
		// Registered tenders first: they still run after promotions.
		err := e.checkout.Register(
			hookFunc{step: checkout.StepTenders, run: func(_ context.Context, _ bun.IDB, p *checkout.Placement) error {
				log("tenders")
				if p.Take("store_credit", "store credit", credit) != min(credit, p.Order.Total) {
					return fmt.Errorf("took the wrong amount")
				}
				return nil
			}},
			hookFunc{step: checkout.StepPromotions, run: func(ctx context.Context, q bun.IDB, p *checkout.Placement) error {
				log("promotions")
				if p.Order.ID == "" || p.Price == nil || p.Price.Total != p.Order.Total || p.Input.Email != "buyer@example.com" {
					return fmt.Errorf("placement %+v", p)
				}
				// The hook writes in the placing transaction.
				if _, err := q.NewRaw("UPDATE checkout_settings SET updated_at = updated_at WHERE tenant_id = ?", "shop1").Exec(ctx); err != nil {
					return err
				}
				if refuse {
					return errs.Field("codes", "this code has been used up")
				}
				return nil
			}},
		)
		if err != nil {
			t.Fatal(err)
		}

		// Part paid by the tender, the rest by card.
		credit = 700
		r, err := e.checkout.Checkout(e.ctx, checkout.Request{Owner: e.guest(t, map[string]int64{v: 1}), Input: withPay(checkout.PayCard, payment.CardSuccess), Key: "part"})
		if err != nil || r.PayError != nil {
			t.Fatal(err, r.PayError)
		}
		if fmt.Sprint(ran) != "[promotions tenders]" {
			t.Fatalf("hooks ran %v", ran)
		}
		if r.Order.Total != 1490 || r.Order.Status != order.Paid || r.Order.PaidTotal != 1490 || r.Payment.Amount != 790 {
			t.Fatalf("order %+v payment %+v", r.Order, r.Payment)
		}
		tl, _ := e.orders.Timeline(e.ctx, r.Order.ID)
		found := false
		for _, ev := range tl {
			found = found || (ev.Kind == order.EventPayment && ev.Message == "Paid 7.00 EUR with store credit")
		}
		if !found {
			t.Fatalf("no tender on the timeline: %+v", tl)
		}

		// Paid in full by the tender: placed paid, stock sold, no payment.
		credit = 1_000_000
		r, err = e.checkout.Checkout(e.ctx, checkout.Request{Owner: e.guest(t, map[string]int64{v: 1}), Input: withPay(checkout.PayCard, payment.CardSuccess), Key: "full"})
		if err != nil || r.Payment != nil || r.Order.Status != order.Paid || r.Order.PaidTotal != r.Order.Total {
			t.Fatal(err, r)
		}
		if a, res, onHand := e.shop.Available(t, e.ctx, v); a != 8 || res != 0 || onHand != 8 {
			t.Fatalf("available %d reserved %d on hand %d", a, res, onHand)
		}
		// A card without a number: none needed when the tender pays it all
		// (whatever the tender); refused on "payment.card" with nothing
		// written when something is left to pay.
		r, err = e.checkout.Checkout(e.ctx, checkout.Request{Owner: e.guest(t, map[string]int64{v: 1}), Input: withPay(checkout.PayCard, ""), Key: "no-card"})
		if err != nil || r.Payment != nil || r.PayError != nil || r.Order.Status != order.Paid {
			t.Fatal(err, r)
		}
		credit = 700
		orders, payments := e.count(t, "orders"), e.count(t, "payments")
		if _, err := e.checkout.Checkout(e.ctx, checkout.Request{Owner: e.guest(t, map[string]int64{v: 1}), Input: withPay(checkout.PayCard, " "), Key: "no-card-part"}); err == nil {
			t.Fatal("a blank card accepted for what the tender left to pay")
		} else if _, field := fieldOf(err); field != "payment.card" {
			t.Fatalf("blank card: %v", err)
		}
		if e.count(t, "orders") != orders || e.count(t, "payments") != payments {
			t.Fatal("a refused checkout wrote an order or a payment")
		}

		// A refusing hook rolls everything back.
		refuse, credit = true, 0
		orders, payments = e.count(t, "orders"), e.count(t, "payments")
		owner := e.guest(t, map[string]int64{v: 1})
		_, err = e.checkout.Checkout(e.ctx, checkout.Request{Owner: owner, Input: withPay(checkout.PayCard, payment.CardSuccess), Key: "refused"})
		if _, field := fieldOf(err); field != "codes" {
			t.Fatalf("refused: %v", err)
		}
		if e.count(t, "orders") != orders || e.count(t, "payments") != payments {
			t.Fatal("a refused checkout wrote an order or a payment")
		}
		if a, res, _ := e.shop.Available(t, e.ctx, v); a != 7 || res != 0 {
			t.Fatalf("refused checkout moved stock: available %d reserved %d", a, res)
		}
		if cv, _ := e.carts.View(e.ctx, owner, cart.PriceOptions{}); len(cv.Lines) != 1 {
			t.Fatal("a refused checkout closed the cart")
		}
		// The key was not consumed: the same request goes through once the
		// hook agrees.
		refuse = false
		if r, err := e.checkout.Checkout(e.ctx, checkout.Request{Owner: owner, Input: withPay(checkout.PayCard, payment.CardSuccess), Key: "refused"}); err != nil || r.Replayed {
			t.Fatal(err)
		}
	})
}

func TestCheckoutStepsInPipelineOrder(t *testing.T) {
	want := []checkout.Step{"validate", "base", "promotions", "extension", "shipping", "tax", "tenders", "place", "pay"}
	if fmt.Sprint(checkout.Steps) != fmt.Sprint(want) {
		t.Fatalf("steps %v", checkout.Steps)
	}
}
