package wishlist_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/core/wishlist"
)

// products creates n published one-variant products and returns them.
func products(t *testing.T, ctx context.Context, cat *catalog.Service, prefix string, n int) []*catalog.Product {
	t.Helper()
	var out []*catalog.Product
	for i := range n {
		p, err := cat.Create(ctx, catalog.ProductInput{Title: fmt.Sprintf("%s %d", prefix, i), Status: catalog.Published, Handle: fmt.Sprintf("%s-%d", prefix, i),
			Variants: []catalog.VariantInput{{SKU: fmt.Sprintf("%s-%d", prefix, i), Price: 1000 + int64(i)}}})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func ids(items []wishlist.Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.ProductID+"/"+it.VariantID)
	}
	return out
}

func TestAddRemoveIdempotentMerge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := tenancy.WithTenant(context.Background(), "shop1")
		other := tenancy.WithTenant(context.Background(), "shop2")
		cat := catalog.New(db, catalog.Options{Currency: "EUR"})
		ps := products(t, ctx, cat, "p", 3)
		foreign := products(t, other, cat, "f", 1)[0]
		draft, err := cat.Create(ctx, catalog.ProductInput{Title: "Draft", Status: catalog.Draft, Handle: "draft", Variants: []catalog.VariantInput{{Price: 100}}})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		svc := wishlist.New(db)
		svc.Now = func() time.Time { return now }
		guest := wishlist.Owner{Token: cart.NewToken()}
		me := wishlist.Owner{CustomerID: "cust-1"}

		// Adds are idempotent.
		for i, want := range []bool{true, false} {
			added, err := svc.Add(ctx, guest, ps[0].ID, "")
			if err != nil || added != want {
				t.Fatalf("add #%d: added=%v err=%v", i, added, err)
			}
		}
		if added, err := svc.Add(ctx, guest, ps[1].ID, ps[1].Variants[0].ID); err != nil || !added {
			t.Fatalf("variant add: %v %v", added, err)
		}
		items, err := svc.Items(ctx, guest)
		if err != nil || len(items) != 2 {
			t.Fatalf("items %v %v", ids(items), err)
		}
		// Unknown, unpublished, another shop's product, a variant of another product: 404 naming the field.
		for name, c := range map[string]struct{ product, variant, field string }{
			"unknown":         {"nope", "", "product_id"},
			"draft":           {draft.ID, "", "product_id"},
			"foreign":         {foreign.ID, "", "product_id"},
			"foreign variant": {ps[0].ID, foreign.Variants[0].ID, "variant_id"},
			"other variant":   {ps[0].ID, ps[1].Variants[0].ID, "variant_id"},
		} {
			_, err := svc.Add(ctx, guest, c.product, c.variant)
			var e *errs.Error
			if !errs.Is(err, errs.NotFound) || !asErr(err, &e) || e.Field != c.field {
				t.Fatalf("%s: %v", name, err)
			}
		}
		// Another shop sees nothing of this guest's list.
		if items, err := svc.Items(other, guest); err != nil || len(items) != 0 {
			t.Fatalf("other shop: %v %v", ids(items), err)
		}
		if ok, _ := svc.Exists(ctx, guest); !ok {
			t.Fatal("Exists: the guest has a list")
		}
		if ok, _ := svc.Exists(ctx, wishlist.Owner{Token: cart.NewToken()}); ok {
			t.Fatal("Exists: a new token has no list")
		}
		if has, _ := svc.Has(ctx, guest, ps[1].ID); !has {
			t.Fatal("Has: the variant's product is saved")
		}
		// The customer's own list, then sign-in merges the guest's into it.
		if _, err := svc.Add(ctx, me, ps[0].ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Add(ctx, me, ps[2].ID, ""); err != nil {
			t.Fatal(err)
		}
		if n, err := svc.SavedBy(ctx, ps[0].ID); err != nil || n != 2 {
			t.Fatalf("saved by %d %v", n, err)
		}
		if err := svc.Merge(ctx, guest.Token, me.CustomerID); err != nil {
			t.Fatal(err)
		}
		items, err = svc.Items(ctx, me)
		if err != nil || len(items) != 3 {
			t.Fatalf("merged %v %v", ids(items), err)
		}
		if items, _ := svc.Items(ctx, guest); len(items) != 0 {
			t.Fatalf("guest list left after merge: %v", ids(items))
		}
		if n, _ := svc.SavedBy(ctx, ps[0].ID); n != 1 {
			t.Fatalf("saved by after merge %d", n)
		}
		// Remove (twice: the second is no error).
		for range 2 {
			if err := svc.Remove(ctx, me, ps[1].ID, ps[1].Variants[0].ID); err != nil {
				t.Fatal(err)
			}
		}
		if items, _ := svc.Items(ctx, me); len(items) != 2 {
			t.Fatalf("after remove %v", ids(items))
		}
		// A guest list without a customer list becomes the customer's.
		guest2 := wishlist.Owner{Token: cart.NewToken()}
		if _, err := svc.Add(ctx, guest2, ps[1].ID, ""); err != nil {
			t.Fatal(err)
		}
		if err := svc.Merge(ctx, guest2.Token, "cust-2"); err != nil {
			t.Fatal(err)
		}
		if items, _ := svc.Items(ctx, wishlist.Owner{CustomerID: "cust-2"}); len(items) != 1 || items[0].ProductID != ps[1].ID {
			t.Fatalf("adopted list %v", ids(items))
		}

		// The sweep deletes stale guest lists only.
		stale := wishlist.Owner{Token: cart.NewToken()}
		if _, err := svc.Add(ctx, stale, ps[2].ID, ""); err != nil {
			t.Fatal(err)
		}
		now = now.Add(wishlist.DefaultGuestTTL + time.Hour)
		fresh := wishlist.Owner{Token: cart.NewToken()}
		if _, err := svc.Add(ctx, fresh, ps[2].ID, ""); err != nil {
			t.Fatal(err)
		}
		n, err := svc.SweepGuests(context.Background())
		if err != nil || n != 1 {
			t.Fatalf("sweep %d %v", n, err)
		}
		if items, _ := svc.Items(ctx, stale); len(items) != 0 {
			t.Fatal("stale guest list kept")
		}
		if items, _ := svc.Items(ctx, fresh); len(items) != 1 {
			t.Fatal("fresh guest list swept")
		}
		if items, _ := svc.Items(ctx, me); len(items) != 2 {
			t.Fatal("a customer's list was swept")
		}
	})
}

func asErr(err error, e **errs.Error) bool {
	x, ok := err.(*errs.Error)
	*e = x
	return ok
}

func TestCap(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := tenancy.WithTenant(context.Background(), "shop1")
		cat := catalog.New(db, catalog.Options{Currency: "EUR"})
		ps := products(t, ctx, cat, "c", wishlist.MaxItems+1)
		svc := wishlist.New(db)
		me := wishlist.Owner{CustomerID: "c1"}
		for _, p := range ps[:wishlist.MaxItems] {
			if _, err := svc.Add(ctx, me, p.ID, ""); err != nil {
				t.Fatal(err)
			}
		}
		_, err := svc.Add(ctx, me, ps[wishlist.MaxItems].ID, "")
		var e *errs.Error
		if !errs.Is(err, errs.Conflict) || !asErr(err, &e) || e.Field != "product_id" {
			t.Fatalf("over the cap: %v", err)
		}
		// Saving a saved item on a full list is still fine (idempotent).
		if added, err := svc.Add(ctx, me, ps[0].ID, ""); err != nil || added {
			t.Fatalf("re-add on a full list: %v %v", added, err)
		}
		if items, _ := svc.Items(ctx, me); len(items) != wishlist.MaxItems {
			t.Fatalf("%d items", len(items))
		}
	})
}
