package checkout_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/cart/carttest"
	"github.com/wasmart/wasmart/core/checkout"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/idempotency"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

type env struct {
	db       *store.DB
	ctx      context.Context
	shop     *carttest.Shop
	carts    *cart.Service
	checkout *checkout.Service
	stock    *checkout.Stock
	orders   *order.Service
	payments *payment.Service
}

func setup(t testing.TB, db *store.DB) *env {
	ctx := tenancy.WithTenant(context.Background(), "shop1")
	e := &env{db: db, ctx: ctx, shop: carttest.New(db, "EUR")}
	if err := checkout.SaveSettings(ctx, db, checkout.Settings{Currency: "EUR",
		Tax:      pricing.TaxConfig{Inclusive: true, Rates: []pricing.TaxRate{{Name: "MwSt", Country: "DE", RatePPM: 190_000}}},
		Shipping: pricing.ShippingConfig{Zones: []pricing.Zone{{Code: "de", Countries: []string{"DE"}, Methods: []pricing.Method{{Code: "dhl", Label: "DHL", Kind: pricing.MethodFlat, Price: 490, FreeOver: 10000}}}}},
	}); err != nil {
		t.Fatal(err)
	}
	idem := idempotency.New(db)
	e.stock = &checkout.Stock{Inv: e.shop.Inventory}
	e.carts = cart.New(db, nil, checkout.CartConfig(nil))
	e.orders = order.NewService(db, e.stock)
	e.payments = payment.New(db, idem, e.stock, &payment.TestGateway{Secret: []byte("s")}, payment.Manual{})
	e.checkout = checkout.New(db, e.carts, idem, e.stock, e.payments)
	return e
}

func input() checkout.Input {
	return checkout.Input{Email: "Buyer@Example.com", ShippingCode: "dhl", PaymentMethod: "test",
		ShippingAddress: order.Address{Name: "Eva Buyer", Line1: "Hauptstr. 1", City: "Berlin", PostalCode: "10115", Country: "de"}}
}

func (e *env) guest(t testing.TB, lines map[string]int64) cart.Owner {
	t.Helper()
	o := cart.Owner{Token: cart.NewToken()}
	for v, q := range lines {
		if _, err := e.carts.Add(e.ctx, o, v, q, cart.PriceOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

func (e *env) count(t testing.TB, table string) int {
	t.Helper()
	var n int
	if err := e.db.Read(e.ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw("SELECT count(*) FROM "+table+" WHERE tenant_id = ?", "shop1").Scan(ctx, &n)
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPlacePayCancel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		shirt := e.shop.Variant(t, e.ctx, "Shirt", 2380, 10, carttest.VariantOpts{WeightGrams: 200})
		mug := e.shop.Variant(t, e.ctx, "Mug", 1190, 4, carttest.VariantOpts{})
		owner := e.guest(t, map[string]int64{shirt: 2, mug: 1})
		o, replayed, err := e.checkout.Place(e.ctx, owner, input(), "key-1")
		if err != nil || replayed {
			t.Fatal(err, replayed)
		}
		if o.Number != 1001 || o.Status != order.PendingPayment || o.Email != "buyer@example.com" || o.Total != 2*2380+1190+490 ||
			o.ShippingTotal != 490 || o.TaxTotal == 0 || !o.TaxInclusive || len(o.Lines) != 2 || o.ShippingAddress.Country != "DE" {
			t.Fatalf("%+v", o)
		}
		if o.Pricing.Shipping == nil || o.Pricing.Shipping.Code != "dhl" || len(o.Pricing.Taxes) != 1 {
			t.Fatalf("snapshot %+v", o.Pricing)
		}
		if avail, res, _ := e.shop.Available(t, e.ctx, shirt); avail != 8 || res != 2 {
			t.Fatalf("shirt available %d reserved %d", avail, res)
		}
		if e.count(t, "outbox") != 1 {
			t.Fatal("no order.placed event")
		}
		if v, _ := e.carts.View(e.ctx, owner, cart.PriceOptions{}); len(v.Lines) != 0 {
			t.Fatal("cart still active")
		}
		// A later change of catalog price does not touch the order.
		got, _ := e.orders.Get(e.ctx, o.ID)
		if got.Lines[0].UnitPrice != o.Lines[0].UnitPrice || got.Total != o.Total {
			t.Fatal("snapshot differs from stored order")
		}
		// Paying commits the stock.
		if _, err := e.payments.Pay(e.ctx, payment.PayInput{OrderID: o.ID, Provider: "test", Source: payment.CardSuccess}, ""); err != nil {
			t.Fatal(err)
		}
		if avail, res, onHand := e.shop.Available(t, e.ctx, shirt); avail != 8 || res != 0 || onHand != 8 {
			t.Fatalf("after payment: available %d reserved %d on hand %d", avail, res, onHand)
		}
		// An unpaid order is cancelled by the sweeper and its stock comes back.
		o2, _, err := e.checkout.Place(e.ctx, e.guest(t, map[string]int64{mug: 3}), input(), "key-2")
		if err != nil {
			t.Fatal(err)
		}
		if a, _, _ := e.shop.Available(t, e.ctx, mug); a != 0 {
			t.Fatalf("mug available %d", a)
		}
		n, err := e.orders.CancelUnpaid(e.ctx, time.Now().Add(time.Hour), 10)
		if err != nil || n != 1 {
			t.Fatal(n, err)
		}
		if a, r, _ := e.shop.Available(t, e.ctx, mug); a != 3 || r != 0 {
			t.Fatalf("mug after cancel: available %d reserved %d", a, r)
		}
		got, _ = e.orders.Get(e.ctx, o2.ID)
		if got.Status != order.Cancelled {
			t.Fatal(got.Status)
		}
	})
}

func TestBadCheckouts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		shirt := e.shop.Variant(t, e.ctx, "Shirt", 2000, 2, carttest.VariantOpts{})
		ebook := e.shop.Variant(t, e.ctx, "E-book", 500, 100, carttest.VariantOpts{NoShipping: true})
		check := func(name string, owner cart.Owner, in checkout.Input, code errs.Code) {
			t.Helper()
			_, _, err := e.checkout.Place(e.ctx, owner, in, "bad-"+name)
			if !errs.Is(err, code) {
				t.Fatalf("%s: want %s, got %v", name, code, err)
			}
		}
		ok := e.guest(t, map[string]int64{shirt: 2})
		check("empty cart", cart.Owner{Token: cart.NewToken()}, input(), errs.Invalid)
		in := input()
		in.Email = "not an email"
		check("email", ok, in, errs.Invalid)
		in = input()
		in.ShippingAddress.Line1 = ""
		check("address", ok, in, errs.Invalid)
		in = input()
		in.ShippingAddress.Country = "Germany"
		check("country", ok, in, errs.Invalid)
		in = input()
		in.ShippingCode = "teleport"
		check("unknown delivery", ok, in, errs.Invalid)
		in = input()
		in.ShippingCode = ""
		check("no delivery", ok, in, errs.Invalid)
		// Someone else bought the stock meanwhile.
		other := e.guest(t, map[string]int64{shirt: 1})
		if _, _, err := e.checkout.Place(e.ctx, other, input(), "other"); err != nil {
			t.Fatal(err)
		}
		check("over stock", ok, input(), errs.Conflict)
		// The product was unpublished meanwhile.
		pid := ""
		db.Read(e.ctx, func(ctx context.Context, q bun.IDB) error {
			return q.NewRaw("SELECT product_id FROM catalog_variants WHERE tenant_id = 'shop1' AND id = ?", ebook).Scan(ctx, &pid)
		})
		digital := e.guest(t, map[string]int64{ebook: 1})
		if _, err := e.shop.Catalog.Archive(e.ctx, pid, "gone"); err != nil {
			t.Fatal(err)
		}
		check("unpublished", digital, input(), errs.Unprocessable)
		if e.count(t, "orders") != 1 || e.count(t, "outbox") != 1 || e.count(t, "idempotency_keys") != 1 {
			t.Fatalf("failed checkouts left rows: orders %d outbox %d keys %d", e.count(t, "orders"), e.count(t, "outbox"), e.count(t, "idempotency_keys"))
		}
		if a, r, _ := e.shop.Available(t, e.ctx, shirt); a != 1 || r != 1 {
			t.Fatalf("stock moved: available %d reserved %d", a, r)
		}
		// A digital-only cart needs no address or delivery option.
		ebook2 := e.shop.Variant(t, e.ctx, "E-book 2", 500, 100, carttest.VariantOpts{NoShipping: true})
		o, _, err := e.checkout.Place(e.ctx, e.guest(t, map[string]int64{ebook2: 1}), checkout.Input{Email: "x@example.com"}, "digital")
		if err != nil || o.ShippingTotal != 0 || o.Total != 500 {
			t.Fatalf("digital: %+v %v", o, err)
		}
	})
}

func TestIdempotentCheckout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		v := e.shop.Variant(t, e.ctx, "Lamp", 4000, 10, carttest.VariantOpts{})
		owner := e.guest(t, map[string]int64{v: 1})
		const n = 50
		var wg sync.WaitGroup
		ids := make([]string, n)
		var fresh atomic.Int64
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				o, replayed, err := e.checkout.Place(e.ctx, owner, input(), "same-key")
				if err != nil {
					t.Error(err)
					return
				}
				ids[i] = o.ID
				if !replayed {
					fresh.Add(1)
				}
			}(i)
		}
		wg.Wait()
		for i := range ids {
			if ids[i] != ids[0] {
				t.Fatalf("different orders: %s %s", ids[i], ids[0])
			}
		}
		if fresh.Load() != 1 || e.count(t, "orders") != 1 {
			t.Fatalf("fresh %d, orders %d", fresh.Load(), e.count(t, "orders"))
		}
		if a, _, _ := e.shop.Available(t, e.ctx, v); a != 9 {
			t.Fatalf("available %d", a)
		}
		in := input()
		in.Note = "leave at the door"
		if _, _, err := e.checkout.Place(e.ctx, owner, in, "same-key"); !errs.Is(err, errs.Unprocessable) {
			t.Fatalf("different body: %v", err)
		}
		// After a restart, the replay is the same bytes.
		body := []byte(`{"raw":"body"}`)
		owner2 := e.guest(t, map[string]int64{v: 1})
		first, err := e.checkout.Checkout(e.ctx, checkout.Request{Owner: owner2, Input: input(), Key: "raw", Body: body})
		if err != nil {
			t.Fatal(err)
		}
		db2, err := store.Open(context.Background(), store.Config{URL: db.URL()})
		if err != nil {
			t.Fatal(err)
		}
		defer db2.Close()
		c2 := checkout.New(db2, cart.New(db2, nil, checkout.CartConfig(nil)), idempotency.New(db2), &checkout.Stock{Inv: e.shop.Inventory}, nil)
		again, err := c2.Checkout(e.ctx, checkout.Request{Owner: owner2, Input: input(), Key: "raw", Body: body})
		if err != nil || !again.Replayed || string(again.Answer.Body) != string(first.Answer.Body) || again.Answer.Status != 201 {
			t.Fatalf("replay after restart: %+v %v", again, err)
		}
	})
}

func TestNoOversellCheckout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		v := e.shop.Variant(t, e.ctx, "Last ones", 1500, 3, carttest.VariantOpts{})
		const n = 100
		owners := make([]cart.Owner, n)
		for i := range owners {
			owners[i] = e.guest(t, map[string]int64{v: 1})
		}
		var wg sync.WaitGroup
		var placed, refused atomic.Int64
		var negative atomic.Bool
		start := make(chan struct{})
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-start
				_, _, err := e.checkout.Place(e.ctx, owners[i], input(), fmt.Sprintf("k-%d", i))
				switch {
				case err == nil:
					placed.Add(1)
				case errs.Is(err, errs.Conflict):
					refused.Add(1)
				default:
					t.Error(err)
				}
				if a, _, _ := e.shop.Available(t, e.ctx, v); a < 0 {
					negative.Store(true)
				}
			}(i)
		}
		close(start)
		wg.Wait()
		a, r, onHand := e.shop.Available(t, e.ctx, v)
		if placed.Load() != 3 || refused.Load() != n-3 || e.count(t, "orders") != 3 || a != 0 || r != 3 || onHand != 3 || negative.Load() {
			t.Fatalf("placed %d refused %d orders %d available %d reserved %d negative %v", placed.Load(), refused.Load(), e.count(t, "orders"), a, r, negative.Load())
		}
	})
}

type counter struct{ n atomic.Int64 }

func (c *counter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }
func (c *counter) AfterQuery(_ context.Context, ev *bun.QueryEvent) {
	c.n.Add(1)
	if testing.Verbose() {
		q := ev.Query
		if len(q) > 90 {
			q = q[:90]
		}
		fmt.Println("   SQL", strings.Join(strings.Fields(q), " "))
	}
}

func TestStatementsPerCheckout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		a := e.shop.Variant(t, e.ctx, "A", 1000, 100, carttest.VariantOpts{})
		b := e.shop.Variant(t, e.ctx, "B", 2000, 100, carttest.VariantOpts{})
		warm := e.guest(t, map[string]int64{a: 1})
		if _, _, err := e.checkout.Place(e.ctx, warm, input(), "warm"); err != nil {
			t.Fatal(err)
		}
		c := &counter{}
		db.AddQueryHook(c)
		for _, lines := range []map[string]int64{{a: 1}, {a: 1, b: 2}} {
			c.n.Store(0)
			owner := e.guest(t, lines)
			c.n.Store(0)
			if _, _, err := e.checkout.Place(e.ctx, owner, input(), fmt.Sprintf("count-%d", len(lines))); err != nil {
				t.Fatal(err)
			}
			got := c.n.Load()
			t.Logf("%s: %d SQL statements for a %d-line checkout", db.Dialect(), got, len(lines))
			// BEGIN, set_config (PostgreSQL), 11 of checkout's own, 5 per
			// line in inventory.ReserveIn, COMMIT.
			if limit := int64(14 + 5*len(lines)); got > limit {
				t.Errorf("%d statements, want <= %d", got, limit)
			}
		}
	})
}

// TestOrderLinesKeepCost: each order line keeps its variant's cost per
// unit as it was at checkout (nil for a variant without one), for the
// margin figures of campaign reports.
func TestOrderLinesKeepCost(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		cost := int64(900)
		shirt := e.shop.Variant(t, e.ctx, "Shirt", 2380, 10, carttest.VariantOpts{Cost: &cost})
		mug := e.shop.Variant(t, e.ctx, "Mug", 1190, 4, carttest.VariantOpts{})
		o, _, err := e.checkout.Place(e.ctx, e.guest(t, map[string]int64{shirt: 2, mug: 1}), input(), "cost-1")
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.orders.Get(e.ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		costs := map[string]*int64{}
		for _, l := range got.Lines {
			costs[l.VariantID] = l.Cost
		}
		if costs[shirt] == nil || *costs[shirt] != 900 || costs[mug] != nil {
			t.Fatalf("line costs: shirt %v mug %v", costs[shirt], costs[mug])
		}
	})
}
