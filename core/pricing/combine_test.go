package pricing

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/extension"
)

// The pricing extension sees the codes and the promotions applied before
// it (with their line amounts); its discounts obey the promotions'
// combination rules and never take a line or the order below zero, and
// each one dropped or clamped is reported.
func TestExtensionObeysCombinationRules(t *testing.T) {
	promo := func(combines ...extension.Class) *PromotionOutcome {
		return &PromotionOutcome{
			Adjustments: []extension.Adjustment{{Level: LevelLine, LineID: "l1", Amount: -300, Label: "Summer", Code: "p1"}},
			Applied:     []AppliedPromotion{{ID: "p1", Code: "NOPE", Label: "Summer", Amount: 300, Class: extension.ClassProduct, CombinesWith: combines}},
		}
	}
	plugin := []extension.Adjustment{
		{Level: LevelLine, LineID: "l1", Amount: -100, Label: "Member price"},                                    // product by default
		{Level: LevelOrder, Amount: -50, Label: "Loyalty", Class: extension.ClassOrder},                          // order class
		{Level: LevelOrder, Amount: 20, Label: "Packaging"},                                                      // a surcharge is never blocked
		{Level: LevelLine, LineID: "l2", Amount: -10, Label: "Free ship credit", Class: extension.ClassShipping}, // shipping class
	}
	for _, tc := range []struct {
		name     string
		promos   *PromotionOutcome
		ship     []extension.Class // a delivery promotion offered, combining with these; nil: none
		kept     string            // labels of the extension adjustments applied
		warnings int
	}{
		{"no promotion", nil, nil, "Member price,Free ship credit,Loyalty,Packaging", 0},
		{"exclusive promotion blocks every discount", promo(), nil, "Packaging", 3},
		{"combines with product only", promo(extension.ClassProduct), nil, "Member price,Packaging", 2},
		{"combines with all", promo(extension.ClassProduct, extension.ClassOrder, extension.ClassShipping), nil, "Member price,Free ship credit,Loyalty,Packaging", 0},
		{"an exclusive delivery offer blocks too", promo(extension.ClassProduct, extension.ClassOrder, extension.ClassShipping), []extension.Class{}, "Packaging", 3},
		{"delivery offer combining with order", nil, []extension.Class{extension.ClassOrder}, "Loyalty,Packaging", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var seen *extension.PricingRequest
			p := &Pipeline{Pricing: extension.PricingFunc(func(_ context.Context, req *extension.PricingRequest) ([]extension.Adjustment, error) {
				seen = req
				return append([]extension.Adjustment(nil), plugin...), nil
			})}
			out := tc.promos
			if out == nil {
				out = &PromotionOutcome{}
			}
			if tc.ship != nil {
				out.Shipping = []ShippingDiscount{{PromotionID: "ship", Label: "Free delivery", PercentBP: 10_000, CombinesWith: tc.ship}}
			}
			p.Promotions = explained{out}
			in := cart(Line{Quantity: 1, UnitPrice: 1000}, Line{Quantity: 1, UnitPrice: 500})
			in.Codes = []string{"nope"}
			in.Destination = Address{Country: "FR"}
			r := mustPrice(t, p, in)
			var kept []string
			for _, a := range r.Adjustments {
				if a.Stage == StageExtension {
					kept = append(kept, a.Label)
				}
			}
			if got := strings.Join(kept, ","); got != tc.kept || len(r.Warnings) != tc.warnings {
				t.Fatalf("kept %q, want %q; warnings %+v", got, tc.kept, r.Warnings)
			}
			if len(seen.Codes) != 1 || seen.Codes[0] != "nope" {
				t.Fatalf("codes %v", seen.Codes)
			}
			if tc.promos != nil {
				if len(seen.Promotions) != 1 || seen.Promotions[0].ID != "p1" || seen.Promotions[0].Code != "NOPE" || seen.Promotions[0].Class != extension.ClassProduct ||
					seen.Promotions[0].Amount != 300 || len(seen.Promotions[0].Lines) != 1 || seen.Promotions[0].Lines[0] != (extension.LineAmount{LineID: "l1", Amount: -300}) {
					t.Fatalf("promotions seen %+v", seen.Promotions)
				}
			} else if len(seen.Promotions) != 0 {
				t.Fatalf("promotions seen %+v", seen.Promotions)
			}
		})
	}
}

// A discount larger than what the line or the order still costs is
// clamped to it, and the clamp is reported; an unknown class is nonsense
// and drops the extension's output.
func TestExtensionClampAndUnknownClass(t *testing.T) {
	out := &PromotionOutcome{
		Adjustments: []extension.Adjustment{{Level: LevelLine, LineID: "l1", Amount: -900, Label: "Summer", Code: "p1"}},
		Applied:     []AppliedPromotion{{ID: "p1", Label: "Summer", Amount: 900, Class: extension.ClassProduct, CombinesWith: []extension.Class{extension.ClassProduct, extension.ClassOrder}}},
	}
	in := cart(Line{Quantity: 1, UnitPrice: 1000}, Line{Quantity: 1, UnitPrice: 200})
	in.Codes, in.Destination = []string{"x"}, Address{Country: "FR"}
	adjs := []extension.Adjustment{{Level: LevelLine, LineID: "l1", Amount: -500, Label: "Member price"}, {Level: LevelOrder, Amount: -1000, Label: "Big", Class: extension.ClassOrder}}
	p := &Pipeline{Promotions: explained{out}, Pricing: extension.PricingFunc(func(context.Context, *extension.PricingRequest) ([]extension.Adjustment, error) {
		return adjs, nil
	})}
	r := mustPrice(t, p, in)
	if r.Merchandise != 0 || len(r.Warnings) != 2 || r.Adjustments[1].Amount != -100 || r.Adjustments[2].Amount != -200 ||
		!strings.Contains(r.Warnings[0].Message, "clamped from -500 to -100") {
		t.Fatalf("%+v", r)
	}
	adjs = []extension.Adjustment{{Level: LevelLine, LineID: "l1", Amount: -1, Class: "loyalty"}}
	r = mustPrice(t, p, in)
	if r.Merchandise != 300 || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0].Message, "unknown class") {
		t.Fatalf("%+v", r)
	}
}

// An order-level promotion is listed with its share of each line.
func TestExtensionSeesOrderPromotionShares(t *testing.T) {
	out := &PromotionOutcome{
		Adjustments: []extension.Adjustment{{Level: LevelOrder, Amount: -100, Label: "Spend 10 save 1", Code: "p2"}},
		Applied:     []AppliedPromotion{{ID: "p2", Label: "Spend 10 save 1", Amount: 100, Class: extension.ClassOrder}},
	}
	var seen *extension.PricingRequest
	p := &Pipeline{Promotions: explained{out}, Pricing: extension.PricingFunc(func(_ context.Context, req *extension.PricingRequest) ([]extension.Adjustment, error) {
		seen = req
		return nil, nil
	})}
	in := cart(Line{Quantity: 1, UnitPrice: 1000}, Line{Quantity: 1, UnitPrice: 500})
	in.Codes, in.Destination = []string{"x"}, Address{Country: "FR"}
	mustPrice(t, p, in)
	if len(seen.Promotions) != 1 || seen.Promotions[0].Class != extension.ClassOrder ||
		fmt.Sprint(seen.Promotions[0].Lines) != "[{l1 -67} {l2 -33}]" {
		t.Fatalf("%+v", seen.Promotions)
	}
}
