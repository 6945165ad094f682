package storefront

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/store"
)

// sales prices a product's variants under the shop's automatic offers
// that any shopper gets on one unit (promotion.Snapshot.UnitPrice), so a
// sale shows on the product page, not first in the cart. The page cache
// stays right through promotion.LastChange in its fingerprint.
type sales struct {
	offers *promotion.Service // nil: no sale prices
	db     *store.DB
}

// shopSale is the offer behind a variant's sale price, as a page shows it.
type shopSale struct {
	Label string
	Until time.Time // zero: no announced end
}

// productSales maps the product's variant ids to their sale for a guest
// now; nil when none is on sale.
func (s sales) productSales(ctx context.Context, p *catalog.Product) (map[string]promotion.Sale, error) {
	if s.offers == nil || len(p.Variants) == 0 {
		return nil, nil
	}
	snap, err := s.offers.Snapshot(ctx, promotion.SnapshotInput{})
	if err != nil || len(snap.Promotions) == 0 {
		return nil, err
	}
	var want catalog.FactsWanted
	seen := map[string]bool{}
	for i := range snap.Promotions {
		t := &snap.Promotions[i].Target
		want.Tags = want.Tags || len(t.Tags) > 0
		for _, id := range t.CollectionIDs {
			if !seen[id] {
				seen[id] = true
				want.Collections = append(want.Collections, id)
			}
		}
	}
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var facts map[string]*catalog.ProductFacts
	if err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		facts, err = catalog.ProductFactsIn(ctx, q, tenant, []string{p.ID}, want)
		return err
	}); err != nil {
		return nil, err
	}
	f := facts[p.ID]
	if f == nil {
		return nil, nil
	}
	now := store.Now()
	var out map[string]promotion.Sale
	for i := range p.Variants {
		v := &p.Variants[i]
		l := promotion.Line{VariantID: v.ID, ProductID: p.ID, UnitPrice: v.Price, Tags: f.Tags, Categories: f.Categories,
			Collections: f.Collections, PublishedAt: f.PublishedAt}
		if sale, ok := snap.UnitPrice(l, p.Currency, now); ok {
			if out == nil {
				out = map[string]promotion.Sale{}
			}
			out[v.ID] = sale
		}
	}
	return out, nil
}
