package promotion

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// Sale is the price a product page shows for one unit under the shop's
// automatic offers.
type Sale struct {
	Price int64     // what one unit costs, < the list price
	Label string    // the offers' labels, for the shopper
	Until time.Time // when the earliest of them ends; zero: no announced end
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
		!c.SignedIn && len(c.CustomerTags) == 0 && len(c.Segments) == 0 && !c.FirstOrder
}

// UnitPrice is the sale price of one unit of l (its Quantity is ignored)
// for a guest at now, in currency: Evaluate on a one-line cart over the
// snapshot's offers that show as a sale (see showsAsSale). ok is false
// when no such offer lowers the price.
func (sn *Snapshot) UnitPrice(l Line, currency string, now time.Time) (sale Sale, ok bool) {
	var promos []Promotion
	for i := range sn.Promotions {
		if showsAsSale(&sn.Promotions[i]) {
			promos = append(promos, sn.Promotions[i])
		}
	}
	if len(promos) == 0 || l.UnitPrice <= 0 {
		return Sale{}, false
	}
	l.Quantity = 1
	if l.ID == "" {
		l.ID = "unit"
	}
	o := Evaluate(promos, &Cart{Currency: currency, Lines: []Line{l}, Now: now})
	var off int64
	for _, a := range o.Adjustments {
		if a.LineID == l.ID {
			off -= a.Amount
		}
	}
	if off <= 0 {
		return Sale{}, false
	}
	ends := make(map[string]time.Time, len(promos))
	for i := range promos {
		ends[promos[i].ID] = promos[i].EndsAt
	}
	var labels []string
	for _, a := range o.Applied {
		if a.Label != "" {
			labels = append(labels, a.Label)
		}
		if e := ends[a.ID]; !e.IsZero() && (sale.Until.IsZero() || e.Before(sale.Until)) {
			sale.Until = e
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
