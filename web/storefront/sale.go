package storefront

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/web/internal/view"
)

// sales prices products under the shop's automatic offers that any
// shopper gets on one unit (promotion.Sales), so a sale shows on product
// pages and on every product card (home sections, categories,
// collections, search, recommendations), not first in the cart. A page
// reads the offers once (pageSales, kept on the request) and the facts of
// all its products in one read, and none when no offer shows as a sale.
// The page cache stays right through promotion.LastChange in its
// fingerprint (an offer starting, ending, paused, or a flash sale selling
// a unit changes the token).
type sales struct {
	offers *promotion.Service // nil: no sale prices
	db     *store.DB
}

// shopSale is the offer behind a sale price, as a page shows it.
type shopSale struct {
	Label string
	Until time.Time // zero: no announced end
	Flash bool      // a flash sale: cards show its end
	Left  int64     // flash-sale units left, when the merchant shows them; else 0
}

// pageSales are one request's offers and the sale prices of the products
// it has priced so far.
type pageSales struct {
	offers    promotion.Sales
	now       time.Time
	priced    map[string]bool // product ids
	byVariant map[string]promotion.Sale
}

const pageSalesKey = "storefront.sales"

// page returns the request's offers, reading them at the first call.
func (s sales) page(c *fiber.Ctx) (*pageSales, error) {
	if ps, ok := c.Locals(pageSalesKey).(*pageSales); ok {
		return ps, nil
	}
	ps := &pageSales{now: store.Now(), priced: map[string]bool{}, byVariant: map[string]promotion.Sale{}}
	if s.offers != nil {
		snap, err := s.offers.Snapshot(c.UserContext(), promotion.SnapshotInput{})
		if err != nil {
			return nil, err
		}
		ps.offers = snap.Sales()
	}
	c.Locals(pageSalesKey, ps)
	return ps, nil
}

// price prices the variants of the products not priced yet on this page,
// reading their facts in one go.
func (s sales) price(ctx context.Context, ps *pageSales, products []*catalog.Product) error {
	if ps.offers.Empty() {
		return nil
	}
	var ids []string
	todo := map[string]*catalog.Product{}
	for _, p := range products {
		if p != nil && !ps.priced[p.ID] && todo[p.ID] == nil {
			todo[p.ID] = p
			ids = append(ids, p.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	list := make([]*catalog.Product, 0, len(ids))
	for _, id := range ids {
		ps.priced[id] = true
		list = append(list, todo[id])
	}
	var byVariant map[string]promotion.Sale
	if err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		byVariant, err = ps.offers.ProductSales(ctx, q, tenant, list, ps.now)
		return err
	}); err != nil {
		return err
	}
	for id, sale := range byVariant {
		ps.byVariant[id] = sale
	}
	return nil
}

// shown is what a variant sells for on a page, the price it is shown
// against (struck through; 0: none) and its offer: under a sale, the sale
// price against the higher of the list and compare-at prices; otherwise
// the list price against a higher compare-at price. ps may be nil (no
// offers).
func (ps *pageSales) shown(v *catalog.Variant) (price, compare int64, sale *shopSale) {
	price = v.Price
	if s, ok := ps.sale(v.ID); ok {
		price, sale = s.Price, &shopSale{Label: s.Label, Until: s.Until, Flash: s.Flash, Left: s.Left}
		compare = v.Price
	}
	if v.CompareAtPrice != nil && *v.CompareAtPrice > compare {
		compare = *v.CompareAtPrice
	}
	if compare <= price {
		compare = 0
	}
	return price, compare, sale
}

func (ps *pageSales) sale(variantID string) (promotion.Sale, bool) {
	if ps == nil {
		return promotion.Sale{}, false
	}
	s, ok := ps.byVariant[variantID]
	return s, ok
}

// setCardPrice sets a card's price from its product's variants: the
// cheapest as shown (from ... when they differ), struck through against
// its compare price, with its offer.
func (ps *pageSales) setCardPrice(cd *shopCard, p *catalog.Product) {
	cd.Price, cd.CompareAt, cd.Sale = view.Money(p.PriceMin, p.Currency), "", nil
	if p.PriceMax != p.PriceMin {
		cd.Price = "From " + cd.Price
	}
	if len(p.Variants) == 0 {
		return
	}
	low, high := int64(-1), int64(0)
	var compare int64
	var sale *shopSale
	for i := range p.Variants {
		price, c, s := ps.shown(&p.Variants[i])
		if low < 0 || price < low {
			low, compare, sale = price, c, s
		}
		high = max(high, price)
	}
	cd.Price, cd.Sale = view.Money(low, p.Currency), sale
	if high != low {
		cd.Price = "From " + cd.Price
	}
	if compare > 0 {
		cd.CompareAt = view.Money(compare, p.Currency)
	}
}

// priceCards shows the sale prices on cards: the request's offers, one
// facts read for the cards' products not priced yet.
func (s sales) priceCards(c *fiber.Ctx, cards []*shopCard) error {
	if s.offers == nil || len(cards) == 0 {
		return nil
	}
	ps, err := s.page(c)
	if err != nil {
		return err
	}
	products := make([]*catalog.Product, 0, len(cards))
	for _, cd := range cards {
		products = append(products, cd.p)
	}
	if err := s.price(c.UserContext(), ps, products); err != nil {
		return err
	}
	for _, cd := range cards {
		if cd.p != nil {
			ps.setCardPrice(cd, cd.p)
		}
	}
	return nil
}

// cards are every product card of a page.
func (v *shopView) cards() []*shopCard {
	var out []*shopCard
	add := func(cs []shopCard) {
		for i := range cs {
			out = append(out, &cs[i])
		}
	}
	add(v.Cards)
	for i := range v.Featured {
		add(v.Featured[i].Cards)
	}
	for i := range v.Sections {
		add(v.Sections[i].Cards)
	}
	for i := range v.After {
		add(v.After[i].Cards)
	}
	if v.Product != nil {
		add(v.Product.Recommended)
	}
	return out
}

// productPage prices a product's variants under the request's offers:
// the result's shown gives each variant's price; nil (no offers) shows
// list prices.
func (s sales) productPage(c *fiber.Ctx, p *catalog.Product) (*pageSales, error) {
	if s.offers == nil {
		return nil, nil
	}
	ps, err := s.page(c)
	if err != nil {
		return nil, err
	}
	return ps, s.price(c.UserContext(), ps, []*catalog.Product{p})
}
