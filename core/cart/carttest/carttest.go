// Package carttest builds real catalog products and stock for tests of
// carts, checkout and after-sales.
package carttest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/inventory"
	"github.com/wasmart/wasmart/core/store"
)

// Shop is a catalog and an inventory on one database.
type Shop struct {
	Catalog   *catalog.Service
	Inventory *inventory.Service
}

// New returns a Shop whose products are priced in currency.
func New(db *store.DB, currency string) *Shop {
	return &Shop{Catalog: catalog.New(db, catalog.Options{Currency: currency}), Inventory: inventory.New(db, inventory.Options{})}
}

var seq atomic.Int64

// VariantOpts tweak a test variant.
type VariantOpts struct {
	Draft          bool
	AllowBackorder bool
	WeightGrams    int64
	NoShipping     bool
	Cost           *int64 // the variant's cost per unit
}

// Variant creates a published one-variant product with stock units in the
// default location and returns the variant id.
func (s *Shop) Variant(t testing.TB, ctx context.Context, title string, price, stock int64, o VariantOpts) string {
	t.Helper()
	status := catalog.Published
	if o.Draft {
		status = catalog.Draft
	}
	ship := !o.NoShipping
	n := seq.Add(1)
	p, err := s.Catalog.Create(ctx, catalog.ProductInput{Title: title, Status: status, Handle: fmt.Sprintf("p-%d", n),
		Variants: []catalog.VariantInput{{SKU: fmt.Sprintf("SKU-%d", n), Price: price, Cost: o.Cost, WeightGrams: o.WeightGrams, AllowBackorder: o.AllowBackorder, RequiresShipping: &ship}}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != status {
		if _, err := s.Catalog.Publish(ctx, p.ID, nil); err != nil {
			t.Fatal(err)
		}
	}
	id := p.Variants[0].ID
	if stock > 0 {
		if err := s.Inventory.Receive(ctx, id, "", stock, "test"); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

// Available is the variant's available stock over all locations.
func (s *Shop) Available(t testing.TB, ctx context.Context, variantID string) (available, reserved, onHand int64) {
	t.Helper()
	ls, err := s.Inventory.Levels(ctx, variantID)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		available += l.Available
		reserved += l.Reserved
		onHand += l.OnHand
	}
	return
}
