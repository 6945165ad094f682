package main

import (
	"context"
	"testing"

	"github.com/wasmart/wasmart/cmd/wasmart/wire"
	"github.com/wasmart/wasmart/core/blob"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/tenants"
)

// TestDemoCatalog: the demo catalog is seeded once (a second run adds
// nothing), published, with options, variants, stock, images, categories
// and featured collections.
func TestDemoCatalog(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	blobs, err := blob.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	svc, err := wire.Build(db, wire.Options{Tenants: tenants.Config{BaseDomain: "localhost", ConsoleURL: "http://localhost:8080"}, Blobs: blobs})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	ts, cat, inv := svc.Tenants, svc.Catalog, svc.Inventory
	for i := 0; i < 2; i++ {
		if err := seedDemo(ctx, ts); err != nil {
			t.Fatal(err)
		}
		if err := seedDemoCatalog(ctx, ts, cat, inv); err != nil {
			t.Fatal(err)
		}
	}
	shop, err := ts.TenantBySlug(ctx, demoSlug)
	if err != nil {
		t.Fatal(err)
	}
	sctx := tenancy.WithTenant(ctx, shop.ID)
	pg, err := cat.ListPublished(sctx, catalog.Filter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(pg.Products) != len(demoCatalog) {
		t.Fatalf("%d published products, want %d", len(pg.Products), len(demoCatalog))
	}
	var variants, stocked, images int
	for _, p := range pg.Products {
		variants += len(p.Variants)
		images += len(p.Images)
		if p.Currency != shop.Currency {
			t.Errorf("%s priced in %s, shop sells in %s", p.Title, p.Currency, shop.Currency)
		}
		for _, v := range p.Variants {
			if v.Stock != nil && v.Stock.Available > 0 {
				stocked++
			}
		}
	}
	if variants < 15 || stocked < 10 || images != len(demoCatalog) {
		t.Errorf("variants %d, in stock %d, images %d", variants, stocked, images)
	}
	cols, err := cat.Collections(sctx, true)
	if err != nil || len(cols) != 2 {
		t.Fatalf("collections %d %v", len(cols), err)
	}
	for _, c := range cols {
		pg, err := cat.ListPublished(sctx, catalog.Filter{CollectionID: c.ID})
		if err != nil || len(pg.Products) == 0 || !c.Featured {
			t.Errorf("collection %s: %d products, featured %v, %v", c.Title, len(pg.Products), c.Featured, err)
		}
	}
	cats, err := cat.CategoryTree(sctx)
	if err != nil || len(cats) != 2 {
		t.Fatalf("category roots %d %v", len(cats), err)
	}
}
