package catalog

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// Reads for other packages. The catalog owns the catalog_* tables: cart,
// inventory, design and the plugin host call these functions inside their
// own transaction q instead of naming the tables. Each is one query
// whatever the number of ids.

// ExistingProducts reports which of ids are the tenant's products.
func ExistingProducts(ctx context.Context, q bun.IDB, tenantID string, ids []string) (map[string]bool, error) {
	return store.Existing(ctx, q, "catalog_products", "id", tenantID, ids)
}

// ExistingCollections reports which of ids are the tenant's collections.
func ExistingCollections(ctx context.Context, q bun.IDB, tenantID string, ids []string) (map[string]bool, error) {
	return store.Existing(ctx, q, "catalog_collections", "id", tenantID, ids)
}

// mayGoNegative is the SQL, over a catalog_variants row v, for "this
// variant's stock may go below zero": it allows backorder, or its
// inventory is not tracked (such a variant is never refused for stock).
const mayGoNegative = "(v.allow_backorder OR NOT v.inventory_tracked)"

// MayGoNegativeSQL is a scalar subquery, for core/inventory's conditional
// stock updates, telling whether the variant with the given tenant and id
// (SQL expressions, usually "?" placeholders) may go below zero. It lets an
// UPDATE decide in the same statement, so no second round trip sits on
// checkout's hot path; the SQL stays the catalog's.
func MayGoNegativeSQL(tenantExpr, variantExpr string) string {
	return "(SELECT " + mayGoNegative + " FROM catalog_variants v WHERE v.tenant_id = " + tenantExpr + " AND v.id = " + variantExpr + ")"
}

// StockColumn returns the SQL of a scalar subquery giving the stock of the
// variant whose tenant and id are the given column expressions.
// core/inventory's AvailableSQL is one; the catalog does not import
// inventory.
type StockColumn func(tenantCol, variantCol string) string

// SaleVariant is what carts and checkout need to know about a variant.
type SaleVariant struct {
	ID               string `bun:"id"`
	ProductID        string `bun:"product_id"`
	SKU              string `bun:"sku"`
	Title            string `bun:"title"` // product title
	Option1          string `bun:"option1"`
	Option2          string `bun:"option2"`
	Option3          string `bun:"option3"`
	Currency         string `bun:"currency"`
	Price            int64  `bun:"price"`
	Cost             *int64 `bun:"cost"` // per unit, nil when not recorded
	WeightGrams      int64  `bun:"weight_grams"`
	RequiresShipping bool   `bun:"requires_shipping"`
	Taxable          bool   `bun:"taxable"`
	// AllowBackorder is also set for a variant whose inventory is not
	// tracked: it may be sold whatever its stock.
	AllowBackorder bool  `bun:"allow_backorder"`
	Sellable       bool  `bun:"sellable"`  // published and visible now
	Available      int64 `bun:"available"` // the stock column's value
}

// VariantTitle is the option values joined by " / " ("" for a default variant).
func (v *SaleVariant) VariantTitle() string {
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
func (v *SaleVariant) CanBuy(qty int64) bool {
	return v.Sellable && (v.AllowBackorder || v.Available >= qty)
}

// SaleVariants reads the tenant's variants among ids in q, with each one's
// stock from the stock column, in one statement (carts price and check
// them on every read, so the stock does not cost a second). An id that is
// missing is absent from the map.
func SaleVariants(ctx context.Context, q bun.IDB, tenantID string, ids []string, now time.Time, stock StockColumn) (map[string]SaleVariant, error) {
	out := make(map[string]SaleVariant, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []SaleVariant
	err := q.NewRaw(`SELECT v.id, v.product_id, COALESCE(v.sku, '') AS sku, p.title, v.option1, v.option2, v.option3,
		p.currency, v.price, v.cost, v.weight_grams, v.requires_shipping, v.taxable, `+mayGoNegative+` AS allow_backorder,
		CASE WHEN p.status = 'published' AND (p.publish_at IS NULL OR p.publish_at <= ?) THEN 1 ELSE 0 END AS sellable,
		`+stock("v.tenant_id", "v.id")+` AS available
		FROM catalog_variants v JOIN catalog_products p ON p.tenant_id = v.tenant_id AND p.id = v.product_id
		WHERE v.tenant_id = ? AND v.id IN (?)`, now, tenantID, bun.List(ids)).Scan(ctx, &rows)
	if err != nil {
		return nil, errs.Wrap(err, "catalog: sale variants")
	}
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}

// VariantSummary is what stock keeping needs to know about a variant: its
// product, labels, safety stock, whether it may go below zero, and (when
// asked for) its stock.
type VariantSummary struct {
	ID           string  `bun:"id"`
	ProductID    string  `bun:"product_id"`
	ProductTitle string  `bun:"title"`
	SKU          *string `bun:"sku"`
	Option1      string  `bun:"option1"`
	Option2      string  `bun:"option2"`
	Option3      string  `bun:"option3"`
	SafetyStock  int64   `bun:"safety_stock"`
	Tracked      bool    `bun:"inventory_tracked"`
	// MayGoNegative: the variant allows backorder or is not tracked.
	MayGoNegative bool  `bun:"may_go_negative"`
	Available     int64 `bun:"available"` // the stock column's value
}

// summaryQuery selects VariantSummary rows (v: variants, p: products),
// with the stock column when stock is not nil.
func summaryQuery(q bun.IDB, stock StockColumn) *bun.SelectQuery {
	sel := q.NewSelect().TableExpr("catalog_variants AS v").
		Join("JOIN catalog_products AS p ON p.tenant_id = v.tenant_id AND p.id = v.product_id").
		ColumnExpr("v.id, v.product_id, p.title, v.sku, v.option1, v.option2, v.option3, v.safety_stock, v.inventory_tracked").
		ColumnExpr(mayGoNegative + " AS may_go_negative")
	if stock != nil {
		sel = sel.ColumnExpr(stock("v.tenant_id", "v.id") + " AS available")
	}
	return sel
}

// VariantSummaries reads the tenant's variants among ids in q, with each
// one's stock from the stock column unless it is nil, in one statement; a
// missing id is absent from the map.
func VariantSummaries(ctx context.Context, q bun.IDB, tenantID string, ids []string, stock StockColumn) (map[string]VariantSummary, error) {
	out := make(map[string]VariantSummary, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []VariantSummary
	if err := summaryQuery(q, stock).Where("v.tenant_id = ? AND v.id IN (?)", tenantID, bun.List(ids)).Scan(ctx, &rows); err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "catalog: variant summaries")
	}
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}

// SafetyStockVariants lists the tenant's tracked variants that have a
// safety stock, of products not archived, with their stock from the stock
// column, in q (the low-stock report compares the two).
func SafetyStockVariants(ctx context.Context, q bun.IDB, tenantID string, stock StockColumn) ([]VariantSummary, error) {
	var rows []VariantSummary
	err := summaryQuery(q, stock).Where("v.tenant_id = ? AND v.safety_stock > 0 AND v.inventory_tracked AND p.status <> ?", tenantID, Archived).
		OrderExpr("v.id").Scan(ctx, &rows)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "catalog: safety stock variants")
	}
	return rows, nil
}

// ProductBrief is what reports and recommendations need of a product.
type ProductBrief struct {
	ID           string `bun:"id"`
	Title        string `bun:"title"`
	Published    bool   `bun:"published"` // status published (a scheduled date aside)
	CategorySlug string `bun:"category_slug"`
	CategoryName string `bun:"category_name"`
	Role         Role   `bun:"role"`
	PriceMin     int64  `bun:"price_min"`
}

func briefQuery(q bun.IDB, tenantID string) *bun.SelectQuery {
	return q.NewSelect().TableExpr("catalog_products AS p").
		Join("LEFT JOIN catalog_categories AS c ON c.tenant_id = p.tenant_id AND c.id = p.category_id").
		ColumnExpr("p.id, p.title, p.status = ? AS published, COALESCE(c.slug, '') AS category_slug, COALESCE(c.name, '') AS category_name, p.role, p.price_min", Published).
		Where("p.tenant_id = ?", tenantID)
}

// ProductBriefs reads the tenant's products among ids in q, a thousand ids
// per query; a missing id is absent from the map.
func ProductBriefs(ctx context.Context, q bun.IDB, tenantID string, ids []string) (map[string]ProductBrief, error) {
	out := make(map[string]ProductBrief, len(ids))
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 1000)]
		ids = ids[len(chunk):]
		var rows []ProductBrief
		if err := briefQuery(q, tenantID).Where("p.id IN (?)", bun.List(chunk)).Scan(ctx, &rows); err != nil && !store.NoRows(err) {
			return nil, errs.Wrap(err, "catalog: product briefs")
		}
		for _, r := range rows {
			out[r.ID] = r
		}
	}
	return out, nil
}

// FirstPublished lists up to limit of the tenant's published products in
// id order, in q.
func FirstPublished(ctx context.Context, q bun.IDB, tenantID string, limit int) ([]ProductBrief, error) {
	var rows []ProductBrief
	err := briefQuery(q, tenantID).Where("p.status = ?", Published).OrderExpr("p.id").Limit(int64(limit)).Scan(ctx, &rows)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "catalog: published products")
	}
	return rows, nil
}

// ProductVariantIDs maps the ids of the variants of the tenant's products
// among productIDs to their product's id, in q.
func ProductVariantIDs(ctx context.Context, q bun.IDB, tenantID string, productIDs []string) (map[string]string, error) {
	out := map[string]string{}
	if len(productIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		ID        string `bun:"id"`
		ProductID string `bun:"product_id"`
	}
	err := q.NewSelect().Model((*variantRow)(nil)).Column("id", "product_id").
		Where("tenant_id = ? AND product_id IN (?)", tenantID, bun.List(productIDs)).Scan(ctx, &rows)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "catalog: product variants")
	}
	for _, r := range rows {
		out[r.ID] = r.ProductID
	}
	return out, nil
}

// ProductTags maps each of the tenant's products among productIDs that has
// tags to its tags in order, in q.
func ProductTags(ctx context.Context, q bun.IDB, tenantID string, productIDs []string) (map[string][]string, error) {
	out := map[string][]string{}
	if len(productIDs) == 0 {
		return out, nil
	}
	var tags []tagRow
	err := q.NewSelect().Model(&tags).Where("tenant_id = ? AND product_id IN (?)", tenantID, bun.List(productIDs)).Order("product_id", "tag").Scan(ctx)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "catalog: product tags")
	}
	for _, t := range tags {
		out[t.ProductID] = append(out[t.ProductID], t.Tag)
	}
	return out, nil
}

// CategoryProductsSQL selects the id of every product of the tenant row c
// (c.tenant_id) whose category is one of those bound to its one
// placeholder (bun.List); core/segment's "bought from category" rule
// composes it.
const CategoryProductsSQL = "SELECT p.id FROM catalog_products p WHERE p.tenant_id = c.tenant_id AND p.category_id IN (?)"
