//go:build !wasip1

package main

import (
	"testing"

	"github.com/wasmart/wasmart/sdk"
	"github.com/wasmart/wasmart/sdk/sdktest"
)

func line(id string, qty, price int64, cats ...string) sdk.Line {
	return sdk.Line{ID: id, VariantID: "v" + id, ProductID: "p" + id, SKU: "SKU-" + id, Quantity: qty, UnitPrice: price, Categories: cats}
}

func sum(out *sdk.PricingOutput, code string) int64 {
	var s int64
	for _, a := range out.Adjustments {
		if code == "" || a.Code == code {
			s += a.Amount
		}
	}
	return s
}

func TestVolumeTiers(t *testing.T) {
	h := sdktest.New().WithConfig(`{"volume_tiers":[{"min_qty":5,"percent":5},{"min_qty":10,"percent":10}]}`)
	out, err := h.Price(&sdk.PricingInput{Currency: "EUR", Lines: []sdk.Line{
		line("1", 4, 1000), line("2", 5, 1000), line("3", 12, 1000),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Adjustments) != 2 {
		t.Fatalf("adjustments %+v", out.Adjustments)
	}
	if a := out.Adjustments[0]; a.LineID != "2" || a.Amount != -250 || a.Label != "Buy 5+, save 5%" {
		t.Fatalf("tier 1: %+v", a)
	}
	if a := out.Adjustments[1]; a.LineID != "3" || a.Amount != -1200 {
		t.Fatalf("tier 2: %+v", a)
	}
}

func TestMemberPriceListAndRounding(t *testing.T) {
	h := sdktest.New().WithConfig(`{
		"price_lists":[{"customer_tag":"gold","label":"Gold price","percent":10,"categories":["shoes"],"prices":{"SKU-2":700}}],
		"rounding":"x.99"}`)
	in := &sdk.PricingInput{Currency: "EUR", CustomerTags: []string{"gold"}, Lines: []sdk.Line{
		line("1", 2, 1234, "shoes"), line("2", 1, 1000, "bags"), line("3", 1, 500, "bags"),
	}}
	out, err := h.Price(in)
	if err != nil {
		t.Fatal(err)
	}
	// line 1: 1234 → 1111 (10 %) → 1099 rounded; line 2: fixed 700 → 699; line 3: 500 → 499.
	if got := sum(out, "price-list"); got != (1111-1234)*2+(700-1000) {
		t.Fatalf("price-list %d: %+v", got, out.Adjustments)
	}
	if got := sum(out, "rounding"); got != (1099-1111)*2+(699-700)+(499-500) {
		t.Fatalf("rounding %d: %+v", got, out.Adjustments)
	}
	// Without the tag only rounding applies.
	in.CustomerTags = nil
	out, err = h.Price(in)
	if err != nil {
		t.Fatal(err)
	}
	if sum(out, "price-list") != 0 || sum(out, "rounding") != (1199-1234)*2+(999-1000)+(499-500) {
		t.Fatalf("%+v", out.Adjustments)
	}
}

func TestRoundDown(t *testing.T) {
	for _, c := range []struct {
		p    int64
		mode string
		want int64
	}{
		{1234, "x.99", 1199}, {1299, "x.99", 1299}, {99, "x.99", 99}, {100, "x.99", 99},
		{2345, "9.9", 1990}, {1990, "9.9", 1990}, {2990, "9.9", 2990}, {2989, "9.9", 1990}, {500, "9.9", 500},
		{1234, "", 1234},
	} {
		if got := roundDown(c.p, c.mode); got != c.want {
			t.Errorf("roundDown(%d,%q)=%d want %d", c.p, c.mode, got, c.want)
		}
	}
}

func TestSpendThreshold(t *testing.T) {
	h := sdktest.New().WithConfig(`{"spend_thresholds":[{"min_subtotal":5000,"amount_off":500},{"min_subtotal":10000,"percent":10}]}`)
	out, err := h.Price(&sdk.PricingInput{Lines: []sdk.Line{line("1", 3, 4000)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Adjustments) != 1 || out.Adjustments[0].Level != sdk.LevelOrder || out.Adjustments[0].Amount != -1200 {
		t.Fatalf("%+v", out.Adjustments)
	}
	out, err = h.Price(&sdk.PricingInput{Lines: []sdk.Line{line("1", 1, 4000)}})
	if err != nil || len(out.Adjustments) != 0 {
		t.Fatalf("%+v %v", out, err)
	}
}

func TestBadConfigIsAPluginError(t *testing.T) {
	h := sdktest.New().WithConfig(`{"volume_tiers": "nope"}`)
	_, err := h.Price(sdktest.SampleCart(1))
	if !sdktest.IsGuestError(err) {
		t.Fatalf("want guest error, got %v", err)
	}
}
