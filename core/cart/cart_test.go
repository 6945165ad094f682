package cart_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/cart/carttest"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

func config(ctx context.Context, q bun.IDB) (*cart.Config, error) {
	return &cart.Config{Currency: "EUR", Tax: pricing.TaxConfig{Inclusive: true, Rates: []pricing.TaxRate{{Name: "VAT", Country: "DE", RatePPM: 190_000}}},
		Shipping: pricing.ShippingConfig{Zones: []pricing.Zone{{Code: "de", Countries: []string{"DE"}, Methods: []pricing.Method{{Code: "dhl", Label: "DHL", Kind: pricing.MethodFlat, Price: 490}}}}}}, nil
}

func TestCartWithCatalog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := tenancy.WithTenant(context.Background(), "shop1")
		shop := carttest.New(db, "EUR")
		shirt := shop.Variant(t, ctx, "Shirt", 1990, 5, carttest.VariantOpts{WeightGrams: 200})
		mug := shop.Variant(t, ctx, "Mug", 1190, 1, carttest.VariantOpts{})
		draft := shop.Variant(t, ctx, "Secret", 100, 10, carttest.VariantOpts{Draft: true})
		svc := cart.New(db, nil, config)
		guest := cart.Owner{Token: cart.NewToken()}
		opts := cart.PriceOptions{Destination: pricing.Address{Country: "DE"}, ShippingCode: "dhl"}

		v, err := svc.Add(ctx, guest, shirt, 2, opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Lines) != 1 || v.Lines[0].Quantity != 2 || v.Price.Subtotal != 2*1990 {
			t.Fatalf("after the first add: %+v %+v", v.Lines, v.Price)
		}
		if _, err = svc.Add(ctx, guest, mug, 1, opts); err != nil {
			t.Fatal(err)
		}
		v, err = svc.View(ctx, guest, opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Lines) != 2 || v.Price.Subtotal != 2*1990+1190 || v.Price.ShippingTotal != 490 || v.Price.Total != 2*1990+1190+490 || v.Price.TaxTotal == 0 {
			t.Fatalf("%+v %+v", v.Lines, v.Price)
		}
		if v.Lines[0].Title != "Shirt" || v.Lines[0].Total != 3980 || v.Lines[0].Available != 5 {
			t.Fatalf("%+v", v.Lines[0])
		}
		// Over stock, unpublished, unknown, another tenant's, absurd quantities.
		if _, err := svc.Add(ctx, guest, mug, 1, opts); !errs.Is(err, errs.Unprocessable) {
			t.Fatalf("over stock: %v", err)
		}
		if _, err := svc.Add(ctx, guest, draft, 1, opts); !errs.Is(err, errs.NotFound) {
			t.Fatalf("draft: %v", err)
		}
		if _, err := svc.Add(ctx, guest, "nope", 1, opts); !errs.Is(err, errs.NotFound) {
			t.Fatalf("unknown: %v", err)
		}
		other := tenancy.WithTenant(context.Background(), "shop2")
		if _, err := svc.Add(other, guest, shirt, 1, opts); !errs.Is(err, errs.NotFound) {
			t.Fatalf("other tenant's variant: %v", err)
		}
		for _, q := range []int64{0, -3, 1 << 40} {
			if _, err := svc.Add(ctx, guest, shirt, q, opts); !errs.Is(err, errs.Invalid) {
				t.Fatalf("quantity %d: %v", q, err)
			}
		}
		// Another tenant never sees this guest's cart.
		if v, err := svc.View(other, guest, opts); err != nil || len(v.Lines) != 0 {
			t.Fatalf("other tenant view: %+v %v", v, err)
		}
		// Change and remove.
		if v, err = svc.SetQuantity(ctx, guest, shirt, 5, opts); err != nil || v.Price.Subtotal != 5*1990+1190 {
			t.Fatalf("%v %+v", err, v)
		}
		if v, err = svc.Remove(ctx, guest, mug, opts); err != nil || len(v.Lines) != 1 {
			t.Fatalf("%v %+v", err, v)
		}
		// Prices are recomputed on read: a price change shows at once.
		if err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			_, err := q.ExecContext(ctx, "UPDATE catalog_variants SET price = 990 WHERE tenant_id = 'shop1' AND id = ?", shirt)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if v, _ = svc.View(ctx, guest, opts); v.Price.Subtotal != 5*990 {
			t.Fatalf("stale price %d", v.Price.Subtotal)
		}
		// Stock sold elsewhere: the line shows the problem.
		if err := shop.Inventory.Adjust(ctx, shirt, "", -3, "damaged"); err != nil {
			t.Fatal(err)
		}
		if v, _ = svc.View(ctx, guest, opts); v.Lines[0].Problem != cart.ProblemInsufficient || !v.Problems() {
			t.Fatalf("%+v", v.Lines[0])
		}
		// Sign-in merges into the customer's cart.
		cust := cart.Owner{CustomerID: "c1"}
		if _, err := svc.Add(ctx, cust, mug, 1, opts); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SetQuantity(ctx, guest, shirt, 1, opts); err != nil {
			t.Fatal(err)
		}
		if err := svc.Merge(ctx, guest.Token, "c1"); err != nil {
			t.Fatal(err)
		}
		v, _ = svc.View(ctx, cust, opts)
		if len(v.Lines) != 2 {
			t.Fatalf("merged %+v", v.Lines)
		}
		if v, _ = svc.View(ctx, guest, opts); len(v.Lines) != 0 {
			t.Fatal("guest cart still active after merge")
		}
		// A guest cart becomes the customer's when they have none.
		g2 := cart.Owner{Token: cart.NewToken()}
		svc.Add(ctx, g2, shirt, 1, opts)
		if err := svc.Merge(ctx, g2.Token, "c2"); err != nil {
			t.Fatal(err)
		}
		if v, _ = svc.View(ctx, cart.Owner{CustomerID: "c2"}, opts); len(v.Lines) != 1 {
			t.Fatal("adopted cart empty")
		}
	})
}

// fakeCatalog sells every variant "v<n>" at 100 with plenty of stock.
type fakeCatalog struct{}

func (fakeCatalog) Variants(_ context.Context, _ bun.IDB, _ string, ids []string, _ time.Time) (map[string]cart.Variant, error) {
	m := map[string]cart.Variant{}
	for _, id := range ids {
		m[id] = cart.Variant{ID: id, Title: id, Currency: "EUR", Price: 100, Sellable: true, Available: 1000}
	}
	return m, nil
}

func TestLineLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := tenancy.WithTenant(context.Background(), "shop1")
		svc := cart.New(db, fakeCatalog{}, config)
		o := cart.Owner{CustomerID: "c1"}
		// Fill the cart directly (500 Add calls would each re-price).
		err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			now := store.Now()
			c := &cart.Cart{TenantID: "shop1", ID: store.NewID(), CustomerID: "c1", Status: cart.StatusActive, CreatedAt: now, UpdatedAt: now}
			if _, err := q.NewInsert().Model(c).Exec(ctx); err != nil {
				return err
			}
			lines := make([]cart.Line, cart.MaxLines-1)
			for i := range lines {
				lines[i] = cart.Line{TenantID: "shop1", ID: store.NewID(), CartID: c.ID, VariantID: fmt.Sprintf("v%d", i), Quantity: 1, CreatedAt: now, UpdatedAt: now}
			}
			_, err := q.NewInsert().Model(&lines).Exec(ctx)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Add(ctx, o, "v-last", 1, cart.PriceOptions{}); err != nil {
			t.Fatal(err)
		}
		_, err = svc.Add(ctx, o, "v-too-many", 1, cart.PriceOptions{})
		if e, ok := err.(*errs.Error); !ok || e.Code != errs.Unprocessable || e.Field != "lines" {
			t.Fatalf("501st line: %v", err)
		}
		// Adding to an existing line is still fine.
		v, err := svc.Add(ctx, o, "v1", 2, cart.PriceOptions{})
		if err != nil || len(v.Lines) != cart.MaxLines || v.Price.Subtotal != (cart.MaxLines+2)*100 {
			t.Fatalf("%v %d", err, len(v.Lines))
		}
		if _, err := svc.Add(ctx, cart.Owner{Token: "short"}, "v1", 1, cart.PriceOptions{}); !errs.Is(err, errs.Invalid) {
			t.Fatal("short token accepted")
		}
	})
}
