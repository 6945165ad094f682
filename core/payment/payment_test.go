package payment_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/idempotency"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

type inv struct{ commits atomic.Int64 }

func (i *inv) Allocate(context.Context, bun.IDB, string, string, []order.StockLine) error { return nil }
func (i *inv) Commit(context.Context, bun.IDB, string, string) error {
	i.commits.Add(1)
	return nil
}
func (i *inv) Release(context.Context, bun.IDB, string, string, []order.StockLine) error { return nil }

var secret = []byte("whsec_test")

func setup(t *testing.T, db *store.DB) (context.Context, *payment.Service, *inv, *payment.TestGateway) {
	ctx := tenancy.WithActor(tenancy.WithTenant(context.Background(), "shop1"), tenancy.Actor{Kind: "staff", ID: "u1", Name: "Ada"})
	gw := &payment.TestGateway{Secret: secret}
	iv := &inv{}
	return ctx, payment.New(db, idempotency.New(db), iv, gw, payment.Manual{}), iv, gw
}

func newOrder(t *testing.T, db *store.DB, ctx context.Context, total int64) *order.Order {
	t.Helper()
	o := &order.Order{Email: "a@example.com", Currency: "EUR", Subtotal: total, Total: total,
		Lines: []order.Line{{VariantID: "v1", Title: "Thing", Quantity: 1, UnitPrice: total, Subtotal: total, Total: total}}}
	if err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error { return order.Insert(ctx, q, o) }); err != nil {
		t.Fatal(err)
	}
	return o
}

func status(t *testing.T, db *store.DB, ctx context.Context, id string) *order.Order {
	t.Helper()
	o, err := order.NewService(db, nil).Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestTestGatewayAndWebhooks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, svc, iv, gw := setup(t, db)
		// Success.
		o := newOrder(t, db, ctx, 5000)
		p, err := svc.Pay(ctx, payment.PayInput{OrderID: o.ID, Provider: "test", Source: "4242 4242 4242 4242"}, "")
		if err != nil || p.Status != payment.StatusCaptured || p.CapturedAmount != 5000 || p.CardLast4 != "4242" {
			t.Fatalf("%+v %v", p, err)
		}
		if got := status(t, db, ctx, o.ID); got.Status != order.Paid || got.PaidTotal != 5000 || iv.commits.Load() != 1 {
			t.Fatalf("order %+v", got)
		}
		if _, err := svc.Pay(ctx, payment.PayInput{OrderID: o.ID, Provider: "test", Source: payment.CardSuccess}, ""); !errs.Is(err, errs.Unprocessable) {
			t.Fatalf("paying a paid order: %v", err)
		}
		// Decline, then a bad number, then success.
		o = newOrder(t, db, ctx, 700)
		p, err = svc.Pay(ctx, payment.PayInput{OrderID: o.ID, Provider: "test", Source: payment.CardDecline}, "")
		if !errs.Is(err, errs.Unprocessable) || p.Status != payment.StatusFailed {
			t.Fatalf("decline: %+v %v", p, err)
		}
		if _, err := svc.Pay(ctx, payment.PayInput{OrderID: o.ID, Provider: "test", Source: "4242424242424241"}, ""); !errs.Is(err, errs.Invalid) {
			t.Fatalf("bad number: %v", err)
		}
		if got := status(t, db, ctx, o.ID); got.Status != order.PendingPayment {
			t.Fatal(got.Status)
		}
		// Pending, confirmed by webhook.
		o = newOrder(t, db, ctx, 1200)
		p, err = svc.Pay(ctx, payment.PayInput{OrderID: o.ID, Provider: "test", Source: payment.CardPending}, "")
		if err != nil || p.Status != payment.StatusPending || p.ProviderRef == "" {
			t.Fatalf("pending: %+v %v", p, err)
		}
		if _, err := svc.Pay(ctx, payment.PayInput{OrderID: o.ID, Provider: "test", Source: payment.CardSuccess}, ""); !errs.Is(err, errs.Conflict) {
			t.Fatalf("second attempt while pending: %v", err)
		}
		now := time.Now()
		body, sig := gw.Webhook(payment.WebhookEvent{ID: "evt_1", Type: payment.EventPaymentSucceeded, Ref: p.ProviderRef, Amount: 1200}, now)
		hdr := func(sig string) payment.Header {
			return func(name string) string {
				if name == payment.SignatureHeader {
					return sig
				}
				return ""
			}
		}
		// Forged and stale signatures are refused and change nothing.
		forged := (&payment.TestGateway{Secret: []byte("other")}).Sign(body, now)
		if _, err := svc.HandleWebhook(ctx, "test", hdr(forged), body); !errs.Is(err, errs.Unauthenticated) {
			t.Fatalf("forged: %v", err)
		}
		if _, err := svc.HandleWebhook(ctx, "test", hdr(gw.Sign(body, now.Add(-10*time.Minute))), body); !errs.Is(err, errs.Unauthenticated) {
			t.Fatalf("stale: %v", err)
		}
		if _, err := svc.HandleWebhook(ctx, "test", hdr(sig), append(body, ' ')); !errs.Is(err, errs.Unauthenticated) {
			t.Fatalf("tampered body: %v", err)
		}
		if got := status(t, db, ctx, o.ID); got.Status != order.PendingPayment {
			t.Fatal("forged webhook had an effect")
		}
		// The real one, delivered concurrently several times: one effect.
		var wg sync.WaitGroup
		var dups atomic.Int64
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := svc.HandleWebhook(ctx, "test", hdr(sig), body)
				if err != nil {
					t.Error(err)
					return
				}
				if r.Duplicate {
					dups.Add(1)
				}
			}()
		}
		wg.Wait()
		got := status(t, db, ctx, o.ID)
		if dups.Load() != 7 || got.Status != order.Paid || got.PaidTotal != 1200 {
			t.Fatalf("dups %d, order %+v", dups.Load(), got)
		}
		// Another tenant cannot replay it onto its own orders.
		other := tenancy.WithTenant(context.Background(), "shop2")
		if _, err := svc.HandleWebhook(other, "test", hdr(sig), body); !errs.Is(err, errs.NotFound) {
			t.Fatalf("cross-tenant webhook: %v", err)
		}
	})
}

func TestManualPayments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, svc, _, _ := setup(t, db)
		o := newOrder(t, db, ctx, 3000)
		p, err := svc.Pay(ctx, payment.PayInput{OrderID: o.ID, Provider: "manual", Method: "bank_transfer"}, "")
		if err != nil || p.Status != payment.StatusPending {
			t.Fatal(p, err)
		}
		if got := status(t, db, ctx, o.ID); got.Status != order.PendingPayment {
			t.Fatal(got.Status)
		}
		p, err = svc.MarkPaid(ctx, p.ID, "transfer ref 123")
		if err != nil || p.Status != payment.StatusCaptured {
			t.Fatal(p, err)
		}
		if _, err := svc.MarkPaid(ctx, p.ID, ""); !errs.Is(err, errs.Unprocessable) {
			t.Fatalf("marked paid twice: %v", err)
		}
		got := status(t, db, ctx, o.ID)
		if got.Status != order.Paid {
			t.Fatal(got.Status)
		}
		tl, _ := order.NewService(db, nil).Timeline(ctx, o.ID)
		if len(tl) < 4 || tl[len(tl)-1].ToStatus != order.Paid || tl[len(tl)-1].ActorName != "Ada" {
			t.Fatalf("%+v", tl)
		}
		// A manual payment left pending does not block paying by card.
		o = newOrder(t, db, ctx, 100)
		m, _ := svc.Pay(ctx, payment.PayInput{OrderID: o.ID, Provider: "manual"}, "")
		if _, err := svc.Pay(ctx, payment.PayInput{OrderID: o.ID, Provider: "test", Source: payment.CardSuccess}, ""); err != nil {
			t.Fatal(err)
		}
		ps, _, _ := svc.ForOrder(ctx, o.ID)
		if len(ps) != 2 || ps[0].ID != m.ID || ps[0].Status != payment.StatusVoided {
			t.Fatalf("%+v", ps)
		}
	})
}

func TestRefundNeverExceedsPaid(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, svc, _, _ := setup(t, db)
		o := newOrder(t, db, ctx, 10_000)
		p, err := svc.Pay(ctx, payment.PayInput{OrderID: o.ID, Provider: "test", Source: payment.CardSuccess}, "")
		if err != nil {
			t.Fatal(err)
		}
		const n = 50
		var wg sync.WaitGroup
		var ok, refused atomic.Int64
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := svc.Refund(ctx, payment.RefundInput{PaymentID: p.ID, Amount: 300, Reason: "partial"}, "")
				switch {
				case err == nil:
					ok.Add(300)
				case errs.Is(err, errs.Unprocessable):
					refused.Add(1)
				default:
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 9_900 || refused.Load() != n-33 {
			t.Fatalf("refunded %d, refused %d", ok.Load(), refused.Load())
		}
		got := status(t, db, ctx, o.ID)
		ps, rs, _ := svc.ForOrder(ctx, o.ID)
		var sum int64
		for _, r := range rs {
			if r.Status == payment.RefundSucceeded {
				sum += r.Amount
			}
		}
		if got.RefundedTotal != 9_900 || ps[0].RefundedAmount != 9_900 || sum != 9_900 || got.Status != order.PartiallyRefunded {
			t.Fatalf("order %d %s, payment %d, refunds %d", got.RefundedTotal, got.Status, ps[0].RefundedAmount, sum)
		}
		// The last 100, with an idempotency key, retried: one refund.
		for i := 0; i < 3; i++ {
			if _, err := svc.Refund(ctx, payment.RefundInput{PaymentID: p.ID, Amount: 100}, "rk-1"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svc.Refund(ctx, payment.RefundInput{PaymentID: p.ID, Amount: 1}, "rk-1"); !errs.Is(err, errs.Unprocessable) {
			t.Fatalf("key reuse with another body: %v", err)
		}
		got = status(t, db, ctx, o.ID)
		if got.RefundedTotal != 10_000 || got.Status != order.Refunded {
			t.Fatalf("%d %s", got.RefundedTotal, got.Status)
		}
		// The timeline says the amount the way people read it.
		tl, _ := order.NewService(db, nil).Timeline(ctx, o.ID)
		var said string
		for _, e := range tl {
			if e.Kind == order.EventRefund {
				said = e.Message // the last refund: 100 cents
			}
		}
		if said != "Refunded 1.00 EUR" {
			t.Fatalf("last refund event %q, want Refunded 1.00 EUR", said)
		}
		if _, err := svc.Refund(ctx, payment.RefundInput{PaymentID: p.ID, Amount: 1}, ""); !errs.Is(err, errs.Unprocessable) {
			t.Fatal("refund past paid")
		}
		if _, err := svc.Refund(ctx, payment.RefundInput{PaymentID: p.ID, Amount: -5}, ""); !errs.Is(err, errs.Invalid) {
			t.Fatal("negative refund")
		}
	})
}

func TestIdempotentPay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, svc, _, _ := setup(t, db)
		o := newOrder(t, db, ctx, 999)
		var wg sync.WaitGroup
		ids := make(chan string, 20)
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p, err := svc.Pay(ctx, payment.PayInput{OrderID: o.ID, Provider: "test", Source: payment.CardSuccess}, "pay-1")
				if err == nil {
					ids <- p.ID
				} else if !errs.Is(err, errs.Conflict) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		close(ids)
		seen := map[string]bool{}
		for id := range ids {
			seen[id] = true
		}
		ps, _, _ := svc.ForOrder(ctx, o.ID)
		if len(seen) != 1 || len(ps) != 1 {
			t.Fatalf("payments %d, ids %v", len(ps), seen)
		}
		if p, err := svc.Pay(ctx, payment.PayInput{OrderID: o.ID, Provider: "test", Source: payment.CardSuccess}, "pay-1"); err != nil || !seen[p.ID] {
			t.Fatalf("replay: %v %v", p, err)
		}
	})
}
