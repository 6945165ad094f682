package shipping_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/shipping"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

func newOrder(t *testing.T, db *store.DB, ctx context.Context, status order.Status) *order.Order {
	t.Helper()
	o := &order.Order{Status: status, Email: "a@example.com", Currency: "USD", Total: 300, Subtotal: 300,
		Lines: []order.Line{
			{VariantID: "v1", Title: "A", Quantity: 2, UnitPrice: 100, Subtotal: 200, Total: 200, RequiresShipping: true},
			{VariantID: "v2", Title: "B", Quantity: 1, UnitPrice: 100, Subtotal: 100, Total: 100, RequiresShipping: true},
			{VariantID: "v3", Title: "E-book", Quantity: 1, RequiresShipping: false},
		}}
	if err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error { return order.Insert(ctx, q, o) }); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestShipments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := tenancy.WithActor(tenancy.WithTenant(context.Background(), "shop1"), tenancy.Actor{Kind: "staff", ID: "w1", Name: "Warehouse"})
		svc := shipping.New(db)
		orders := order.NewService(db, nil)
		o := newOrder(t, db, ctx, order.Paid)
		if _, err := svc.Create(ctx, o.ID, shipping.Input{TrackingURL: "javascript:alert(1)"}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("bad url: %v", err)
		}
		if _, err := svc.Create(ctx, o.ID, shipping.Input{Lines: []shipping.LineQty{{LineID: o.Lines[0].ID, Quantity: 3}}}); !errs.Is(err, errs.Unprocessable) {
			t.Fatalf("over-ship: %v", err)
		}
		s1, err := svc.Create(ctx, o.ID, shipping.Input{Carrier: "UPS", TrackingNumber: "1Z999", TrackingURL: "https://ups.example/1Z999",
			Lines: []shipping.LineQty{{LineID: o.Lines[0].ID, Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := orders.Get(ctx, o.ID); got.Status != order.PartiallyFulfilled || got.Lines[0].FulfilledQuantity != 1 {
			t.Fatalf("%s %+v", got.Status, got.Lines[0])
		}
		// Two people ship "the rest" at once: one parcel, never a unit twice.
		var wg sync.WaitGroup
		var made atomic.Int64
		var mu sync.Mutex
		var s2 *shipping.Shipment
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sh, err := svc.Create(ctx, o.ID, shipping.Input{Carrier: "DHL"})
				if err == nil {
					made.Add(1)
					mu.Lock()
					s2 = sh
					mu.Unlock()
				} else if !errs.Is(err, errs.Unprocessable) && !errs.Is(err, errs.Invalid) && !errs.Is(err, errs.Conflict) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		got, _ := orders.Get(ctx, o.ID)
		if made.Load() != 1 || got.Status != order.Fulfilled || got.Lines[0].FulfilledQuantity != 2 || got.Lines[1].FulfilledQuantity != 1 || got.Lines[2].FulfilledQuantity != 0 {
			t.Fatalf("made %d, %s %+v", made.Load(), got.Status, got.Lines)
		}
		if _, err := svc.SetStatus(ctx, s1.ID, shipping.Delivered); err != nil {
			t.Fatal(err)
		}
		if got, _ = orders.Get(ctx, o.ID); got.Status != order.Fulfilled {
			t.Fatal("delivered before every parcel arrived")
		}
		if _, err := svc.SetStatus(ctx, s2.ID, shipping.InTransit); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SetStatus(ctx, s2.ID, shipping.Delivered); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SetStatus(ctx, s2.ID, shipping.InTransit); !errs.Is(err, errs.Unprocessable) {
			t.Fatalf("delivered → in transit: %v", err)
		}
		if got, _ = orders.Get(ctx, o.ID); got.Status != order.Delivered {
			t.Fatal(got.Status)
		}
		tr, err := svc.Track(ctx, o.Number, "A@example.com")
		if err != nil || len(tr.Shipments) != 2 || tr.Shipments[0].TrackingURL != "https://ups.example/1Z999" || len(tr.Shipments[1].Lines) != 2 {
			t.Fatalf("%+v %v", tr, err)
		}
		if _, err := svc.Track(ctx, o.Number, "b@example.com"); !errs.Is(err, errs.NotFound) {
			t.Fatal("tracked with wrong e-mail")
		}
		// Unpaid orders do not ship; other tenants cannot ship ours.
		p := newOrder(t, db, ctx, order.PendingPayment)
		if _, err := svc.Create(ctx, p.ID, shipping.Input{}); !errs.Is(err, errs.Unprocessable) {
			t.Fatalf("unpaid: %v", err)
		}
		if _, err := svc.Create(tenancy.WithTenant(context.Background(), "shop2"), o.ID, shipping.Input{}); !errs.Is(err, errs.NotFound) {
			t.Fatalf("cross-tenant: %v", err)
		}
	})
}
