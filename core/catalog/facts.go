package catalog

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// ProductFacts is what offers (core/promotion, through core/checkout) need
// to know about a product in a cart beyond its price.
type ProductFacts struct {
	// Categories are the product's category and its ancestors, each by id
	// and by slug, so an offer on a category covers its subcategories.
	Categories []string
	Tags       []string
	// Collections are the collections among those asked for that hold
	// the product (manual ones by their list, automatic ones by their rules).
	Collections []string
	// PublishedAt is when it went (or goes) on sale: the later of its
	// publication and its scheduled date; zero: never published.
	PublishedAt time.Time
}

// FactsWanted says which facts ProductFactsIn reads beyond the product
// row (categories and publish time always come with it).
type FactsWanted struct {
	Tags        bool
	Collections []string // the collection ids to test membership of
}

// ProductFactsIn reads the facts of the tenant's products among ids in q:
// one statement for the products and their category chain, one for tags if
// wanted, and for collections one for the collections plus one for manual
// memberships and one per automatic collection asked for. A missing id is
// absent from the map.
func ProductFactsIn(ctx context.Context, q bun.IDB, tenantID string, ids []string, want FactsWanted) (map[string]*ProductFacts, error) {
	out := make(map[string]*ProductFacts, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	// The product rows, with their category chain (one row per category;
	// a product without one comes with an empty category).
	var rows []struct {
		ID          string     `bun:"id"`
		PublishedAt *time.Time `bun:"published_at"`
		CategoryID  string     `bun:"category_id"`
		Slug        string     `bun:"slug"`
	}
	err := q.NewRaw(`WITH RECURSIVE chain(product_id, category_id) AS (
			SELECT p.id, p.category_id FROM catalog_products p WHERE p.tenant_id = ? AND p.id IN (?) AND p.category_id IS NOT NULL
			UNION SELECT chain.product_id, c.parent_id FROM chain JOIN catalog_categories c ON c.tenant_id = ? AND c.id = chain.category_id
			WHERE c.parent_id IS NOT NULL)
		SELECT p.id, CASE WHEN p.publish_at IS NOT NULL AND (p.published_at IS NULL OR p.publish_at > p.published_at) THEN p.publish_at ELSE p.published_at END AS published_at, COALESCE(c.id, '') AS category_id, COALESCE(c.slug, '') AS slug
		FROM catalog_products p
		LEFT JOIN chain ON chain.product_id = p.id
		LEFT JOIN catalog_categories c ON c.tenant_id = p.tenant_id AND c.id = chain.category_id
		WHERE p.tenant_id = ? AND p.id IN (?)`, tenantID, bun.List(ids), tenantID, tenantID, bun.List(ids)).Scan(ctx, &rows)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "catalog: product facts")
	}
	for _, r := range rows {
		f := out[r.ID]
		if f == nil {
			f = &ProductFacts{}
			if r.PublishedAt != nil {
				f.PublishedAt = r.PublishedAt.UTC()
			}
			out[r.ID] = f
		}
		if r.CategoryID != "" {
			f.Categories = append(f.Categories, r.CategoryID, r.Slug)
		}
	}
	if len(out) == 0 {
		return out, nil
	}
	if want.Tags {
		var tags []struct {
			ProductID string `bun:"product_id"`
			Tag       string `bun:"tag"`
		}
		if err := q.NewRaw("SELECT product_id, tag FROM catalog_product_tags WHERE tenant_id = ? AND product_id IN (?) ORDER BY product_id, tag",
			tenantID, bun.List(ids)).Scan(ctx, &tags); err != nil && !store.NoRows(err) {
			return nil, errs.Wrap(err, "catalog: product tags")
		}
		for _, t := range tags {
			if f := out[t.ProductID]; f != nil {
				f.Tags = append(f.Tags, t.Tag)
			}
		}
	}
	if len(want.Collections) > 0 {
		if err := collectionFacts(ctx, q, tenantID, ids, want.Collections, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// collectionFacts adds to out which of the collections hold which of the
// products.
func collectionFacts(ctx context.Context, q bun.IDB, tenantID string, ids, collections []string, out map[string]*ProductFacts) error {
	var cols []collectionRow
	if err := q.NewSelect().Model(&cols).Where("tenant_id = ? AND id IN (?)", tenantID, bun.List(collections)).OrderExpr("id").Scan(ctx); err != nil && !store.NoRows(err) {
		return errs.Wrap(err, "catalog: collections")
	}
	var manual []string
	for i := range cols {
		c := cols[i].toCollection()
		if c.Kind != Automatic {
			manual = append(manual, c.ID)
			continue
		}
		var in []string
		sel := q.NewSelect().TableExpr("catalog_products AS p").Column("p.id").Where("p.tenant_id = ? AND p.id IN (?)", tenantID, bun.List(ids))
		if err := applyRules(sel, tenantID, c).Scan(ctx, &in); err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "catalog: automatic collection")
		}
		for _, id := range in {
			if f := out[id]; f != nil {
				f.Collections = append(f.Collections, c.ID)
			}
		}
	}
	if len(manual) == 0 {
		return nil
	}
	var members []struct {
		CollectionID string `bun:"collection_id"`
		ProductID    string `bun:"product_id"`
	}
	if err := q.NewRaw("SELECT collection_id, product_id FROM catalog_collection_products WHERE tenant_id = ? AND collection_id IN (?) AND product_id IN (?)",
		tenantID, bun.List(manual), bun.List(ids)).Scan(ctx, &members); err != nil && !store.NoRows(err) {
		return errs.Wrap(err, "catalog: collection products")
	}
	for _, m := range members {
		if f := out[m.ProductID]; f != nil {
			f.Collections = append(f.Collections, m.CollectionID)
		}
	}
	return nil
}
