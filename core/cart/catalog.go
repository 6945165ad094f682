package cart

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
)

// Variant is what carts and checkout need to know about a variant, read
// inside the caller's transaction.
type Variant struct {
	ID               string `bun:"id"`
	ProductID        string `bun:"product_id"`
	SKU              string `bun:"sku"`
	Title            string `bun:"title"` // product title
	Option1          string `bun:"option1"`
	Option2          string `bun:"option2"`
	Option3          string `bun:"option3"`
	Currency         string `bun:"currency"`
	Price            int64  `bun:"price"`
	WeightGrams      int64  `bun:"weight_grams"`
	RequiresShipping bool   `bun:"requires_shipping"`
	Taxable          bool   `bun:"taxable"`
	AllowBackorder   bool   `bun:"allow_backorder"`
	Sellable         bool   `bun:"sellable"`  // published and visible now
	Available        int64  `bun:"available"` // summed over active locations
}

// VariantTitle is the option values joined by " / " ("" for a default variant).
func (v *Variant) VariantTitle() string {
	s := ""
	for _, o := range [3]string{v.Option1, v.Option2, v.Option3} {
		if o == "" {
			continue
		}
		if s != "" {
			s += " / "
		}
		s += o
	}
	return s
}

// CanBuy reports whether qty units can be bought now.
func (v *Variant) CanBuy(qty int64) bool {
	return v.Sellable && (v.AllowBackorder || v.Available >= qty)
}

// Catalog looks variants up, all at once, in the caller's transaction; an
// id that is missing (or another tenant's) is simply absent from the map.
type Catalog interface {
	Variants(ctx context.Context, q bun.IDB, tenantID string, ids []string, now time.Time) (map[string]Variant, error)
}

// SQLCatalog reads the catalog and inventory tables (catalog_variants,
// catalog_products, inventory_levels, inventory_locations) in one statement.
// core/catalog has no batched in-transaction variant lookup yet; when it
// gets one, an adapter over it can replace this.
type SQLCatalog struct{}

// Variants implements Catalog. AllowBackorder is also set for a variant
// whose inventory is not tracked: it may be sold whatever its stock.
func (SQLCatalog) Variants(ctx context.Context, q bun.IDB, tenantID string, ids []string, now time.Time) (map[string]Variant, error) {
	out := make(map[string]Variant, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []Variant
	err := q.NewRaw(`SELECT v.id, v.product_id, COALESCE(v.sku, '') AS sku, p.title, v.option1, v.option2, v.option3,
		p.currency, v.price, v.weight_grams, v.requires_shipping, v.taxable, (v.allow_backorder OR NOT v.inventory_tracked) AS allow_backorder,
		CASE WHEN p.status = 'published' AND (p.publish_at IS NULL OR p.publish_at <= ?) THEN 1 ELSE 0 END AS sellable,
		COALESCE((SELECT SUM(l.available) FROM inventory_levels l
			JOIN inventory_locations o ON o.tenant_id = l.tenant_id AND o.id = l.location_id AND o.active
			WHERE l.tenant_id = v.tenant_id AND l.variant_id = v.id), 0) AS available
		FROM catalog_variants v JOIN catalog_products p ON p.tenant_id = v.tenant_id AND p.id = v.product_id
		WHERE v.tenant_id = ? AND v.id IN (?)`, now, tenantID, bun.List(ids)).Scan(ctx, &rows)
	if err != nil {
		return nil, errs.Wrap(err, "cart: variants")
	}
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}
