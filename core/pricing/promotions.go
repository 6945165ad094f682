package pricing

import (
	"context"

	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/core/money"
)

// ExplainedPromotions is a Promotions implementation that also says what
// it did: which promotions applied and for how much (so checkout can redeem
// them with the order), which codes and offers did not apply and why, which
// gifts the cart should hold, and which delivery options it discounts. The
// pipeline calls Explain instead of Promote when the Promotions set on it
// implements this interface (core/promotion's Stage does).
type ExplainedPromotions interface {
	Promotions
	Explain(ctx context.Context, req *PromotionRequest) (*PromotionOutcome, error)
}

// PromotionOutcome is the promotions stage's full answer. Adjustments are
// validated and applied like Promote's; if they are dropped (a failure or a
// nonsensical adjustment), the rest of the outcome is dropped with them.
type PromotionOutcome struct {
	Adjustments []extension.Adjustment
	// Applied lists the merchandise promotions behind Adjustments.
	// Shipping promotions are added to Result.Promotions by the shipping
	// stage, only when the chosen option is discounted.
	Applied  []AppliedPromotion
	Shipping []ShippingDiscount
	Notes    []PromotionNote
	Gifts    []PromotionGift
}

// AppliedPromotion is one promotion that lowered the price: what checkout
// redeems with the order (usage counts, budgets, flash-sale quotas) and
// what the order remembers.
type AppliedPromotion struct {
	ID       string           `json:"id"`             // the promotion
	Code     string           `json:"code,omitempty"` // the coupon code it was applied with, normalised
	Label    string           `json:"label"`          // shown to the shopper
	Amount   int64            `json:"amount"`         // discount given, minor units, >= 0
	Shipping bool             `json:"shipping,omitempty"`
	Units    []PromotionUnits `json:"units,omitempty"` // flash-sale units sold at the promotional price
	// Class and CombinesWith are the promotion's combination class and
	// the classes it combines with (empty: exclusive); the pipeline checks
	// the pricing extension's discounts against them.
	Class        extension.Class   `json:"class,omitempty"`
	CombinesWith []extension.Class `json:"combines_with,omitempty"`
}

// PromotionUnits is a number of units of one variant.
type PromotionUnits struct {
	VariantID string `json:"variant_id"`
	Quantity  int64  `json:"quantity"`
}

// ShippingDiscount takes an amount or a percentage off delivery options.
type ShippingDiscount struct {
	PromotionID string
	Code        string
	Label       string
	Methods     []string // option codes it applies to; empty: every option
	PercentBP   int64    // basis points of the option's price (10000: free)
	AmountOff   int64    // used when PercentBP is 0
	// CombinesWith are the classes the promotion combines with (empty:
	// exclusive), for the pricing extension's discounts.
	CombinesWith []extension.Class
}

// off is the discount on an option of the given price and code.
func (d *ShippingDiscount) off(code string, price int64) int64 {
	if len(d.Methods) > 0 {
		found := false
		for _, m := range d.Methods {
			found = found || m == code
		}
		if !found {
			return 0
		}
	}
	off := d.AmountOff
	if d.PercentBP > 0 {
		off = money.RoundDiv(price, min(d.PercentBP, 10_000), 10_000)
	}
	return max(0, min(off, price))
}

// PromotionNote says why a code the shopper entered, or an offer, did not
// apply ("minimum spend 50.00 EUR not reached", "this code has expired").
type PromotionNote struct {
	Code        string `json:"code,omitempty"`         // the code as entered, for a refused code
	PromotionID string `json:"promotion_id,omitempty"` // empty for an unknown code
	Label       string `json:"label,omitempty"`
	Reason      string `json:"reason"`
}

// PromotionGift is a gift the cart should hold: the cart adds the variant
// as a line (reserving stock like any line) and removes a line it added
// when the gift is no longer listed; the gift's price is then taken off by
// the promotion.
type PromotionGift struct {
	PromotionID string `json:"promotion_id"`
	VariantID   string `json:"variant_id"`
	Quantity    int64  `json:"quantity"`
	Label       string `json:"label"`
	InCart      bool   `json:"in_cart"` // the cart already holds it (and it is free)
}

// discountShipping applies the best shipping discount to each option.
func discountShipping(opts []ShippingOption, ds []ShippingDiscount) {
	for i := range opts {
		o := &opts[i]
		best, by := int64(0), 0
		for k := range ds {
			if off := ds[k].off(o.Code, o.Price); off > best {
				best, by = off, k+1
			}
		}
		if best > 0 {
			o.Price -= best
			o.Discount, o.DiscountLabel, o.discountBy = best, ds[by-1].Label, by
		}
	}
}

// shippingApplied records the shipping promotion behind the chosen
// option's discount.
func shippingApplied(res *Result, ds []ShippingDiscount) {
	if o := res.Shipping; o != nil && o.discountBy > 0 {
		d := &ds[o.discountBy-1]
		res.Promotions = append(res.Promotions, AppliedPromotion{ID: d.PromotionID, Code: d.Code, Label: d.Label, Amount: o.Discount, Shipping: true,
			Class: extension.ClassShipping, CombinesWith: d.CombinesWith})
	}
}
