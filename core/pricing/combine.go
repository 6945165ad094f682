package pricing

import (
	"fmt"
	"slices"

	"github.com/wasmart/wasmart/core/extension"
)

// The pricing extension's discounts obey the promotions' combination
// rules (core/promotion: two promotions combine when each lists the
// other's class in CombinesWith; an empty list is exclusive). The
// extension runs after the promotions, so the rule is checked one way:
//
//   - Each extension adjustment declares a class (extension.Adjustment
//     Class: product, order or shipping; "" is product). Where it applies
//     is still its level (a line or the order's merchandise); the class
//     says what kind of offer it is.
//   - A discount (negative amount) of class C is applied only when every
//     promotion the promotions stage applied (Result.Promotions so far)
//     and every delivery promotion it offers (PromotionOutcome.Shipping)
//     lists C in its CombinesWith. An exclusive promotion therefore
//     blocks every extension discount; with no promotion applied nothing
//     is blocked.
//   - A surcharge (positive amount) is not an offer and is never blocked.
//   - A blocked adjustment is dropped on its own, with a Warning naming
//     it and the promotion; the extension's other adjustments apply.
//
// Then, like every adjustment, a discount is clamped so no line and no
// order goes below zero; for the extension a clamp is reported as a
// Warning too.

// combine drops the extension's discounts that an applied promotion does
// not combine with, warning for each.
func (p *Pipeline) combine(res *Result, ship []ShippingDiscount, adjs []extension.Adjustment) []extension.Adjustment {
	if len(res.Promotions) == 0 && len(ship) == 0 {
		return adjs
	}
	kept := adjs[:0:0]
	for _, a := range adjs {
		if a.Amount >= 0 || (a.Class != "" && !a.Class.Valid()) { // an unknown class is refused by apply
			kept = append(kept, a)
			continue
		}
		class := a.Class
		if class == "" {
			class = extension.ClassProduct
		}
		by := ""
		for i := range res.Promotions {
			if ap := &res.Promotions[i]; !slices.Contains(ap.CombinesWith, class) {
				by = ap.Label
				break
			}
		}
		for i := 0; by == "" && i < len(ship); i++ {
			if !slices.Contains(ship[i].CombinesWith, class) {
				by = ship[i].Label
			}
		}
		if by != "" {
			src := a.Source
			if src == "" {
				src = SourcePricingExt
			}
			p.warn(res, Warning{Stage: StageExtension, Source: src,
				Message: fmt.Sprintf("%q (%s discount) skipped: the promotion %q does not combine with %s discounts", a.Label, class, by, class)})
			continue
		}
		kept = append(kept, a)
	}
	return kept
}

// appliedForExtension lists the promotions applied so far, with their
// amounts on each line (an order-level one's allocated shares), for the pricing extension's request.
func appliedForExtension(res *Result) []extension.AppliedPromotion {
	if len(res.Promotions) == 0 {
		return nil
	}
	out := make([]extension.AppliedPromotion, len(res.Promotions))
	at := make(map[string]int, len(res.Promotions))
	for i := range res.Promotions {
		ap := &res.Promotions[i]
		out[i] = extension.AppliedPromotion{ID: ap.ID, Code: ap.Code, Label: ap.Label, Class: ap.Class, Amount: ap.Amount}
		at[ap.ID] = i
	}
	for _, a := range res.Adjustments {
		i, ok := at[a.Code]
		if a.Stage != StagePromotions || !ok {
			continue
		}
		if a.Level == LevelLine {
			out[i].Lines = append(out[i].Lines, extension.LineAmount{LineID: a.LineID, Amount: a.Amount})
		}
		for _, l := range a.Lines { // an order-level promotion's share of each line
			out[i].Lines = append(out[i].Lines, extension.LineAmount{LineID: l.LineID, Amount: l.Amount})
		}
	}
	return out
}
