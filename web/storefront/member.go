package storefront

import (
	"context"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/promotion"
)

// members finds the prices a signed-in customer gets on a product page
// from the shop's pricing plugin (member price lists by customer tag),
// reading the customer's tags from their account (cart.CustomerPrices).
//
// The page cache. Catalog pages are cached once for every visitor, so a
// personalised price must never be stored there: a product page that
// shows a customer a price of their own is rendered for them alone and
// sent with Cache-Control: no-store, bypassing the cache in both
// directions; a guest, a customer without tags, or a shop without a
// pricing plugin gets the shared cached page.
type members struct {
	carts *cart.Service // nil: no customer prices
}

// forProduct returns the customer's lower prices for the product's
// variants, as sales the product page shows like any other (the price,
// the list price struck through, the plugin's label); nil for a guest or
// when nothing is lower.
func (m members) forProduct(ctx context.Context, customerID string, p *catalog.Product) (map[string]promotion.Sale, error) {
	if m.carts == nil || customerID == "" || len(p.Variants) == 0 {
		return nil, nil
	}
	ids := make([]string, len(p.Variants))
	for i := range p.Variants {
		ids[i] = p.Variants[i].ID
	}
	prices, err := m.carts.CustomerPrices(ctx, customerID, ids)
	if err != nil || len(prices) == 0 {
		return nil, err
	}
	out := make(map[string]promotion.Sale, len(prices))
	for id, cp := range prices {
		out[id] = promotion.Sale{Price: cp.Price, Label: cp.Label}
	}
	return out, nil
}

// withMine is the page's sales with the customer's own prices added where
// they are lower; the page is the customer's alone (never cached), so the
// cards on it (recommendations) show them too.
func (ps *pageSales) withMine(mine map[string]promotion.Sale) *pageSales {
	if len(mine) == 0 {
		return ps
	}
	if ps == nil {
		ps = &pageSales{priced: map[string]bool{}, byVariant: map[string]promotion.Sale{}}
	}
	for id, s := range mine {
		if cur, ok := ps.byVariant[id]; !ok || s.Price < cur.Price {
			ps.byVariant[id] = s
		}
	}
	return ps
}

// personalProduct renders the product page for the signed-in customer
// alone when they have prices of their own (never cached: renderShop
// sends no-store); it reports false when the shared cached page will do.
func (s *catalogPages) personalProduct(c *fiber.Ctx, handle string, build func(mine map[string]promotion.Sale) (*shopView, string, error)) (bool, error) {
	id := s.ShopperID(c)
	if id == "" || s.members.carts == nil {
		return false, nil
	}
	ctx := c.UserContext()
	p, moved, err := s.catalog.ProductByHandle(ctx, handle)
	if err != nil || moved {
		return false, nil // the shared path answers errors and redirects
	}
	mine, err := s.members.forProduct(ctx, id, p)
	if err != nil || len(mine) == 0 {
		return false, err
	}
	v, to, err := build(mine)
	if err != nil || to != "" {
		return false, err
	}
	s.afterSections(c, "shop/product", v)
	return true, s.renderShop(c, "shop/product", v)
}
