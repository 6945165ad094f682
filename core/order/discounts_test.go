package order

import (
	"math/rand"
	"testing"

	"github.com/wasmart/wasmart/core/pricing"
)

// TestReturnedDiscountsReverseExactly: a line's discounts are its own
// promotion adjustments plus its shares of order-level ones (a plugin's
// are not a promotion's); returning every unit, in any split, reverses
// each promotion's discount exactly, never more along the way.
func TestReturnedDiscountsReverseExactly(t *testing.T) {
	o := &Order{Lines: []Line{{ID: "a", Quantity: 3}, {ID: "b", Quantity: 7}, {ID: "c", Quantity: 1}}}
	o.Pricing.Adjustments = AdjustmentsFor([]pricing.Adjustment{
		{Stage: pricing.StagePromotions, Level: pricing.LevelLine, LineID: "cart-a", Amount: -1000, Code: "p1"},
		{Stage: pricing.StagePromotions, Level: pricing.LevelOrder, Amount: -4000, Code: "p2",
			Lines: []pricing.LineAmount{{LineID: "cart-a", Amount: -2581}, {LineID: "cart-b", Amount: -1419}}},
		{Stage: pricing.StageExtension, Level: pricing.LevelLine, LineID: "cart-c", Amount: -50, Code: "plugin"},
	}, map[string]string{"cart-a": "a", "cart-b": "b", "cart-c": "c"})
	got := o.LineDiscounts()
	if got["a"]["p1"] != 1000 || got["a"]["p2"] != 2581 || got["b"]["p2"] != 1419 || len(got["c"]) != 0 || len(got) != 2 {
		t.Fatalf("line discounts %v", got)
	}
	rng := rand.New(rand.NewSource(3))
	for n := 0; n < 500; n++ {
		sum := map[string]int64{}
		for _, l := range o.Lines {
			for before := int64(0); before < l.Quantity; {
				k := 1 + rng.Int63n(l.Quantity-before)
				for p, d := range o.ReturnedDiscounts([]Returned{{LineID: l.ID, Quantity: k, Before: before}}) {
					sum[p] += d
				}
				before += k
				if sum["p1"] > 1000 || sum["p2"] > 4000 {
					t.Fatalf("reversed past the discount: %v", sum)
				}
			}
		}
		if sum["p1"] != 1000 || sum["p2"] != 4000 || len(sum) != 2 {
			t.Fatalf("every unit back reversed %v", sum)
		}
	}
	// Nonsense reverses nothing.
	if r := o.ReturnedDiscounts([]Returned{{LineID: "a", Quantity: 3, Before: 1}, {LineID: "x", Quantity: 1}, {LineID: "b", Quantity: 0}}); len(r) != 0 {
		t.Fatalf("%v", r)
	}
}
