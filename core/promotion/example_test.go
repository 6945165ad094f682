package promotion_test

import (
	"fmt"
	"time"

	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/promotion"
)

// A 11.11 cart: a tiered spend-and-save (满减) applies automatically, a
// coupon needs a minimum spend the cart does not reach, and an unknown code
// is refused, each with its reason.
func ExampleEvaluate() {
	now := time.Date(2026, 11, 11, 10, 0, 0, 0, time.UTC)
	promos := []promotion.Promotion{
		{ID: "1111", Label: "11.11: spend 200 save 20, 300 save 40", Kind: promotion.KindSpendSave, Status: promotion.StatusActive,
			Currency: "EUR", Tiers: []promotion.Tier{{Spend: 20000, Off: 2000}, {Spend: 30000, Off: 4000}},
			EndsAt: now.Add(24 * time.Hour), CombinesWith: []promotion.Class{promotion.ClassOrder}},
		{ID: "vip", Label: "VIP −10%", Kind: promotion.KindPercentOff, PercentBP: 1000, Status: promotion.StatusActive,
			Currency: "EUR", RequiresCode: true, Conditions: promotion.Conditions{MinSubtotal: 50000}},
	}
	cart := &promotion.Cart{
		Currency: "EUR",
		Lines: []promotion.Line{
			{ID: "1", VariantID: "coat-m", Quantity: 1, UnitPrice: 18000},
			{ID: "2", VariantID: "scarf", Quantity: 2, UnitPrice: 3500},
		},
		Codes: []promotion.Code{{Text: "vip10", ID: "c1", PromotionID: "vip"}, {Text: "SAVEBIG"}},
		Now:   now,
	}
	out := promotion.Evaluate(promos, cart)
	for _, a := range out.Applied {
		fmt.Printf("applied %q: −%s\n", a.Label, money.Format(a.Amount, "EUR"))
	}
	for _, n := range out.Notes {
		fmt.Printf("code %s: %s\n", n.Code, n.Reason)
	}
	// Output:
	// applied "11.11: spend 200 save 20, 300 save 40": −20.00
	// code SAVEBIG: this code is not valid
	// code VIP10: minimum spend 500.00 EUR not reached (add 250.00 EUR)
}
