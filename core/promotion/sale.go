package promotion

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// Sale is the price a product page or a product card shows for one unit
// under the shop's automatic offers.
type Sale struct {
	Price int64     // what one unit costs, < the list price
	Label string    // the offers' labels, for the shopper
	Until time.Time // when the earliest of them ends; zero: no announced end
	// Flash tells that a flash sale gives the price; Left is how many
	// promotional units it has left, when its merchant shows that
	// (Promotion.ShowRemaining), else 0.
	Flash bool
	Left  int64
}

// showsAsSale reports whether p is an offer any shopper gets on a single
// unit of a product without doing anything: automatic (no code), about
// products (percent or amount off a target, or a flash sale) and without
// cart or audience conditions. Member, coded and conditional offers are
// left to the cart, where their conditions can be checked and explained.
func showsAsSale(p *Promotion) bool {
	if p.RequiresCode {
		return false
	}
	switch p.Kind {
	case KindPercentOff, KindAmountOff:
		if p.Target.Empty() {
			return false // an order discount
		}
	case KindFlashSale:
	default:
		return false
	}
	c := &p.Conditions
	return c.MinSubtotal == 0 && c.MaxSubtotal == 0 && c.MinQuantity <= 1 && c.MaxQuantity == 0 &&
		!c.SignedIn && len(c.CustomerTags) == 0 && len(c.Segments) == 0 && !c.FirstOrder && !c.Dated()
}

// Sales are the offers of a snapshot that show as a sale (see
// showsAsSale): what a page prices its products' units with. Pick them
// once per page (Snapshot.Sales) and price every product and card of the
// page with the same value.
type Sales struct {
	promos   []Promotion
	prepared *Prepared // promos, prepared once for every unit priced
}

// Sales picks the snapshot's offers that show as a sale.
func (sn *Snapshot) Sales() Sales {
	var out Sales
	for i := range sn.Promotions {
		if showsAsSale(&sn.Promotions[i]) {
			out.promos = append(out.promos, sn.Promotions[i])
		}
	}
	if len(out.promos) > 0 {
		out.prepared = Prepare(out.promos)
	}
	return out
}

// Empty reports whether no offer shows as a sale: a page then needs no
// product facts and shows list prices.
func (s Sales) Empty() bool { return len(s.promos) == 0 }

// Wants says which product facts the offers look at beyond a product's
// id, variant and categories: its tags, and membership of these
// collections.
func (s Sales) Wants() (tags bool, collections []string) {
	seen := map[string]bool{}
	for i := range s.promos {
		t := &s.promos[i].Target
		tags = tags || len(t.Tags) > 0
		for _, id := range t.CollectionIDs {
			if !seen[id] {
				seen[id] = true
				collections = append(collections, id)
			}
		}
	}
	return tags, collections
}

// UnitPrice is the sale price of one unit of l (its Quantity is ignored)
// for a guest at now, in currency: Evaluate on a one-line cart over the
// offers. ok is false when no offer lowers the price.
func (s Sales) UnitPrice(l Line, currency string, now time.Time) (sale Sale, ok bool) {
	if len(s.promos) == 0 || l.UnitPrice <= 0 {
		return Sale{}, false
	}
	l.Quantity = 1
	if l.ID == "" {
		l.ID = "unit"
	}
	o := s.prepared.evaluate(&Cart{Currency: currency, Lines: []Line{l}, Now: now})
	var off int64
	for _, a := range o.Adjustments {
		if a.LineID == l.ID {
			off -= a.Amount
		}
	}
	if off <= 0 {
		return Sale{}, false
	}
	byID := make(map[string]*Promotion, len(s.promos))
	for i := range s.promos {
		byID[s.promos[i].ID] = &s.promos[i]
	}
	var labels []string
	for _, a := range o.Applied {
		if a.Label != "" {
			labels = append(labels, a.Label)
		}
		p := byID[a.ID]
		if p == nil {
			continue
		}
		if e := p.EndsAt; !e.IsZero() && (sale.Until.IsZero() || e.Before(sale.Until)) {
			sale.Until = e
		}
		if p.Kind == KindFlashSale {
			sale.Flash = true
			for k := range p.Flash {
				if f := &p.Flash[k]; f.VariantID == l.VariantID && p.ShowRemaining {
					sale.Left = f.Left()
				}
			}
		}
	}
	sale.Price = max(0, l.UnitPrice-off)
	sale.Label = strings.Join(labels, " · ")
	return sale, true
}

// LastChange identifies the current state of the tenant's offers for a
// cache of pages showing sale prices, in one statement of index
// look-ups, as of now: the token differs whenever a promotion or
// campaign is added, changed or deleted, a redemption moves a counter
// (an offer with a limit may run out of uses, budget or flash-sale units;
// the orders of offers without limits move none, so they keep the pages
// cached: usage.go), and once the next start or end of an active
// promotion's window has passed.
// Latest is the newest change of promotions and campaigns.
func LastChange(ctx context.Context, q bun.IDB, tid string, now time.Time) (token string, latest time.Time, err error) {
	var row struct {
		PMax  bun.NullTime `bun:"p_max"`
		PN    int64        `bun:"p_n"`
		Used  int64        `bun:"used"`
		Spent int64        `bun:"spent"`
		CMax  bun.NullTime `bun:"c_max"`
		CSp   int64        `bun:"c_spent"`
		Sold  int64        `bun:"sold"`
		Start bun.NullTime `bun:"next_start"`
		End   bun.NullTime `bun:"next_end"`
	}
	err = q.NewRaw(`SELECT
		(SELECT MAX(updated_at) FROM promotions WHERE tenant_id = ?) AS p_max,
		(SELECT COUNT(*) FROM promotions WHERE tenant_id = ?) AS p_n,
		(SELECT COALESCE(SUM(used), 0) FROM promotions WHERE tenant_id = ?) AS used,
		(SELECT COALESCE(SUM(spent), 0) FROM promotions WHERE tenant_id = ?) AS spent,
		(SELECT MAX(updated_at) FROM promotion_campaigns WHERE tenant_id = ?) AS c_max,
		(SELECT COALESCE(SUM(spent), 0) FROM promotion_campaigns WHERE tenant_id = ?) AS c_spent,
		(SELECT COALESCE(SUM(sold), 0) FROM promotion_flash_items WHERE tenant_id = ?) AS sold,
		(SELECT MIN(starts_at) FROM promotions WHERE tenant_id = ? AND status = 'active' AND starts_at > ?) AS next_start,
		(SELECT MIN(ends_at) FROM promotions WHERE tenant_id = ? AND status = 'active' AND ends_at > ?) AS next_end`,
		tid, tid, tid, tid, tid, tid, tid, tid, now, tid, now).Scan(ctx, &row)
	if err != nil {
		return "", time.Time{}, errs.Wrap(err, "promotion: last change")
	}
	var f store.Fingerprint
	f.Changed(row.PMax)
	f.Count(row.PN)
	f.Count(row.Used)
	f.Count(row.Spent)
	f.Changed(row.CMax)
	f.Count(row.CSp)
	f.Count(row.Sold)
	f.Due(row.Start)
	f.Due(row.End)
	return f.Token(), f.Latest(), nil
}

// ProductSales prices one unit of every variant of products under the
// sales at now, reading the products' facts (tags, categories,
// collections the offers want) in q in one query: the variants an offer
// lowers, by variant id. The storefront's product pages and cards and the
// store API's wishlist price through it.
func (s Sales) ProductSales(ctx context.Context, q bun.IDB, tenantID string, products []*catalog.Product, now time.Time) (map[string]Sale, error) {
	out := map[string]Sale{}
	if s.Empty() || len(products) == 0 {
		return out, nil
	}
	ids := make([]string, 0, len(products))
	for _, p := range products {
		ids = append(ids, p.ID)
	}
	var want catalog.FactsWanted
	want.Tags, want.Collections = s.Wants()
	facts, err := catalog.ProductFactsIn(ctx, q, tenantID, ids, want)
	if err != nil {
		return nil, err
	}
	for _, p := range products {
		f := facts[p.ID]
		if f == nil {
			continue
		}
		for i := range p.Variants {
			v := &p.Variants[i]
			l := Line{VariantID: v.ID, ProductID: p.ID, UnitPrice: v.Price, Tags: f.Tags, Categories: f.Categories,
				Collections: f.Collections, PublishedAt: f.PublishedAt}
			if sale, ok := s.UnitPrice(l, p.Currency, now); ok {
				out[v.ID] = sale
			}
		}
	}
	return out, nil
}
