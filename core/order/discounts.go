package order

import (
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/pricing"
)

// What each line paid for each offer. Pricing spreads an order-level
// discount (spend X save Y, a percentage off the order) over the lines in
// proportion to their totals and records each line's share
// (pricing.Adjustment.Lines); checkout stores that once, at placement, in
// the order's snapshot, naming the order's own lines (AdjustmentsFor). A
// line's Total is therefore already net of every discount it carries, and
// LineDiscounts says how much of it came from which promotion, so a return
// can give back what the returned units were actually paid and reverse
// exactly their part of each promotion's figures.

// AdjustmentsFor copies priced adjustments into an order's snapshot,
// renaming the priced (cart) line ids they refer to — a line adjustment's
// LineID and an order adjustment's per-line shares — to the order's line
// ids (ids maps one to the other).
func AdjustmentsFor(adjs []pricing.Adjustment, ids map[string]string) []pricing.Adjustment {
	out := make([]pricing.Adjustment, len(adjs))
	for i, a := range adjs {
		if a.LineID != "" {
			a.LineID = ids[a.LineID]
		}
		if len(a.Lines) > 0 {
			lines := make([]pricing.LineAmount, len(a.Lines))
			for k, l := range a.Lines {
				lines[k] = pricing.LineAmount{LineID: ids[l.LineID], Amount: l.Amount}
			}
			a.Lines = lines
		}
		out[i] = a
	}
	return out
}

// LineDiscounts returns, for each order line id, the discount (positive,
// minor units) each promotion gave it: its line-level promotion
// adjustments plus its share of the order-level ones. Adjustments of other
// stages (a pricing plugin's) are left out. Orders placed before shares
// were recorded have only their line-level discounts here.
func (o *Order) LineDiscounts() map[string]map[string]int64 {
	out := map[string]map[string]int64{}
	add := func(line, promo string, amount int64) {
		if line == "" || promo == "" || amount >= 0 {
			return
		}
		m := out[line]
		if m == nil {
			m = map[string]int64{}
			out[line] = m
		}
		m[promo] -= amount
	}
	for _, a := range o.Pricing.Adjustments {
		if a.Stage != pricing.StagePromotions {
			continue
		}
		if a.Level == pricing.LevelLine {
			add(a.LineID, a.Code, a.Amount)
			continue
		}
		for _, l := range a.Lines {
			add(l.LineID, a.Code, l.Amount)
		}
	}
	return out
}

// Returned is a number of an order line's units given back for money or
// credit; Before is how many of that line's units earlier returns already
// gave back that way.
type Returned struct {
	LineID   string
	Quantity int64
	Before   int64
}

// ReturnedDiscounts is the part of each promotion's discount (by promotion
// id, positive) that the returned units carried. Each line's share is
// taken cumulatively (money.Portion over the units returned so far), so
// returning a whole line in any number of returns reverses exactly its
// share and never more. Unknown lines and quantities past the line's carry
// nothing.
func (o *Order) ReturnedDiscounts(units []Returned) map[string]int64 {
	shares := o.LineDiscounts()
	qty := make(map[string]int64, len(o.Lines))
	for _, l := range o.Lines {
		qty[l.ID] = l.Quantity
	}
	out := map[string]int64{}
	for _, u := range units {
		n := qty[u.LineID]
		if u.Quantity <= 0 || u.Before < 0 || u.Before+u.Quantity > n {
			continue
		}
		for promo, share := range shares[u.LineID] {
			if d := money.Portion(share, u.Before+u.Quantity, n) - money.Portion(share, u.Before, n); d > 0 {
				out[promo] += d
			}
		}
	}
	return out
}
