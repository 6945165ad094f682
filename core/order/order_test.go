package order

import (
	"context"
	"sort"
	"sync"
	"testing"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

func staff(tenant string) context.Context {
	ctx := tenancy.WithTenant(context.Background(), tenant)
	return tenancy.WithActor(ctx, tenancy.Actor{Kind: "staff", ID: "u1", Name: "Ada"})
}

func sample(status Status) *Order {
	return &Order{Status: status, Email: "Shopper@Example.com", Currency: "USD", Subtotal: 2000, Total: 2000,
		ShippingAddress: Address{Name: "S", Line1: "1 Main", City: "Town", Country: "US"},
		Lines:           []Line{{VariantID: "v1", Title: "Shirt", Quantity: 2, UnitPrice: 1000, Subtotal: 2000, Total: 2000}}}
}

func insert(t *testing.T, db *store.DB, ctx context.Context, o *Order) *Order {
	t.Helper()
	if err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error { return Insert(ctx, q, o) }); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestOrderStateMachine(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := staff("shop1")
		svc := NewService(db, nil)
		for _, from := range Statuses {
			for _, to := range Statuses {
				o := insert(t, db, ctx, sample(from))
				err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
					return Transition(ctx, q, o, to, "", map[string]string{"why": "test"})
				})
				got, gerr := svc.Get(ctx, o.ID)
				if gerr != nil {
					t.Fatal(gerr)
				}
				tl, terr := svc.Timeline(ctx, o.ID)
				if terr != nil {
					t.Fatal(terr)
				}
				if CanTransition(from, to) {
					if err != nil {
						t.Fatalf("%s → %s refused: %v", from, to, err)
					}
					last := tl[len(tl)-1]
					if got.Status != to || len(tl) != 2 || last.Kind != EventStatus || last.FromStatus != from || last.ToStatus != to ||
						last.ActorID != "u1" || last.ActorKind != "staff" || last.Data != `{"why":"test"}` {
						t.Fatalf("%s → %s: status %s, timeline %+v", from, to, got.Status, tl)
					}
				} else {
					if !errs.Is(err, errs.Unprocessable) {
						t.Fatalf("%s → %s allowed or wrong error: %v", from, to, err)
					}
					if got.Status != from || len(tl) != 1 {
						t.Fatalf("%s → %s refused but changed: %s, %d events", from, to, got.Status, len(tl))
					}
				}
			}
		}
		// A stale copy cannot transition: the conditional update refuses it.
		o := insert(t, db, ctx, sample(PendingPayment))
		stale := *o
		if err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error { return Transition(ctx, q, o, Paid, "", nil) }); err != nil {
			t.Fatal(err)
		}
		err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error { return Transition(ctx, q, &stale, Cancelled, "", nil) })
		if !errs.Is(err, errs.Conflict) {
			t.Fatalf("stale transition: %v", err)
		}
		// Final states have no way out.
		if len(Cancelled.Next()) != 0 || len(Refunded.Next()) != 0 {
			t.Fatal("final state with exits")
		}
	})
}

func TestOrderNumbersGapFree(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := staff("shop1")
		const n = 40
		var wg sync.WaitGroup
		var mu sync.Mutex
		var numbers []int64
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				o := sample(PendingPayment)
				err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
					if err := Insert(ctx, q, o); err != nil {
						return err
					}
					if i%4 == 0 { // a checkout that fails after taking a number
						return errs.E(errs.Conflict, "out of stock")
					}
					return nil
				})
				if err == nil {
					mu.Lock()
					numbers = append(numbers, o.Number)
					mu.Unlock()
				} else if !errs.Is(err, errs.Conflict) {
					t.Error(err)
				}
			}(i)
		}
		wg.Wait()
		sort.Slice(numbers, func(i, j int) bool { return numbers[i] < numbers[j] })
		if len(numbers) != n-n/4 {
			t.Fatalf("%d orders", len(numbers))
		}
		for i, num := range numbers {
			if num != int64(FirstNumber+i) {
				t.Fatalf("numbers not gap-free: %v", numbers)
			}
		}
		// Another shop starts at #1001 too.
		o := insert(t, db, staff("shop2"), sample(PendingPayment))
		if o.Name() != "#1001" {
			t.Fatal(o.Name())
		}
	})
}

type fakeInv struct {
	mu       sync.Mutex
	released []StockLine
}

func (f *fakeInv) Allocate(context.Context, bun.IDB, string, string, []StockLine) error { return nil }
func (f *fakeInv) Commit(context.Context, bun.IDB, string, string) error                { return nil }
func (f *fakeInv) Release(_ context.Context, _ bun.IDB, _, _ string, l []StockLine) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.released = append(f.released, l...)
	return nil
}

func TestNotesListTrackCancel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := staff("shop1")
		inv := &fakeInv{}
		svc := NewService(db, inv)
		var ids []string
		for i := 0; i < 5; i++ {
			ids = append(ids, insert(t, db, ctx, sample(PendingPayment)).ID)
		}
		if _, err := svc.AddNote(ctx, ids[0], "  called the customer  "); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddNote(ctx, ids[0], " "); !errs.Is(err, errs.Invalid) {
			t.Fatal("empty note accepted")
		}
		tl, _ := svc.Timeline(ctx, ids[0])
		if len(tl) != 2 || tl[1].Kind != EventNote || tl[1].Message != "called the customer" || tl[1].ActorName != "Ada" {
			t.Fatalf("%+v", tl)
		}
		o, err := svc.Cancel(ctx, ids[1], "customer asked")
		if err != nil || o.Status != Cancelled || o.CancelledAt == nil {
			t.Fatal(o, err)
		}
		if len(inv.released) != 1 || inv.released[0].Quantity != 2 {
			t.Fatalf("%+v", inv.released)
		}
		if _, err := svc.Cancel(ctx, ids[1], ""); !errs.Is(err, errs.Unprocessable) {
			t.Fatalf("double cancel: %v", err)
		}
		if _, err := svc.SetStatus(ctx, ids[2], Paid, ""); !errs.Is(err, errs.Invalid) {
			t.Fatal("paid set by hand")
		}
		p, err := svc.List(ctx, Filter{Limit: 2})
		if err != nil || len(p.Orders) != 2 || p.Next == "" || p.Orders[0].ID != ids[4] {
			t.Fatalf("%+v %v", p, err)
		}
		p, _ = svc.List(ctx, Filter{Limit: 2, Before: p.Next})
		if p.Orders[0].ID != ids[2] {
			t.Fatal("paging")
		}
		p, _ = svc.List(ctx, Filter{Status: Cancelled, Email: "SHOPPER@example.com"})
		if len(p.Orders) != 1 || p.Orders[0].ID != ids[1] {
			t.Fatalf("filter %+v", p)
		}
		got, err := svc.Track(ctx, FirstNumber, "shopper@example.com ")
		if err != nil || got.ID != ids[0] || got.ShippingAddress.City != "Town" || len(got.Lines) != 1 {
			t.Fatalf("track %+v %v", got, err)
		}
		if _, err := svc.Track(ctx, FirstNumber, "other@example.com"); !errs.Is(err, errs.NotFound) {
			t.Fatal("tracked with wrong e-mail")
		}
		// Another tenant sees none of it.
		if _, err := svc.Get(staff("shop2"), ids[0]); !errs.Is(err, errs.NotFound) {
			t.Fatalf("cross-tenant read: %v", err)
		}
		if _, err := svc.AddNote(staff("shop2"), ids[0], "x"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("cross-tenant note: %v", err)
		}
	})
}
