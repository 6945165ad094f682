package cart

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/inventory"
)

// Variant is what carts and checkout need to know about a variant, read
// inside the caller's transaction: core/catalog's sale view of it, with the
// stock a shopper can buy.
type Variant = catalog.SaleVariant

// Catalog looks variants up, all at once, in the caller's transaction; an
// id that is missing (or another tenant's) is simply absent from the map.
type Catalog interface {
	Variants(ctx context.Context, q bun.IDB, tenantID string, ids []string, now time.Time) (map[string]Variant, error)
}

// ShopCatalog is the Catalog of a shop: core/catalog's variants with
// core/inventory's stock over active locations, in one statement (each
// package writes the SQL over its own tables).
type ShopCatalog struct{}

// Variants implements Catalog. AllowBackorder is also set for a variant
// whose inventory is not tracked: it may be sold whatever its stock.
func (ShopCatalog) Variants(ctx context.Context, q bun.IDB, tenantID string, ids []string, now time.Time) (map[string]Variant, error) {
	return catalog.SaleVariants(ctx, q, tenantID, ids, now, inventory.SellableSQL)
}

// ProductFacter is a Catalog that also reads the tags and categories of
// products, all at once, in the caller's transaction. ShopCatalog is one;
// with a Catalog that is not, pricing lines carry no tags or categories.
type ProductFacter interface {
	ProductFacts(ctx context.Context, q bun.IDB, tenantID string, ids []string) (map[string]*catalog.ProductFacts, error)
}

// ProductFacts implements ProductFacter: categories (each with its
// ancestors, by id and by slug) and tags.
func (ShopCatalog) ProductFacts(ctx context.Context, q bun.IDB, tenantID string, ids []string) (map[string]*catalog.ProductFacts, error) {
	return catalog.ProductFactsIn(ctx, q, tenantID, ids, catalog.FactsWanted{Tags: true})
}
