//go:build !wasip1

package sdktest_test

import (
	"fmt"

	"github.com/wasmart/wasmart/sdk"
	"github.com/wasmart/wasmart/sdk/pricing"
	"github.com/wasmart/wasmart/sdk/sdktest"
)

// A pricing plugin that takes a configurable percentage off every line of
// five or more units, run natively through the harness the way the host
// runs the .wasm build: same codecs, same dispatch, config from the
// installation.
func ExampleHarness_Price() {
	pricing.Handle(func(in *sdk.PricingInput) (*sdk.PricingOutput, error) {
		var cfg struct {
			Percent int64 `json:"percent"`
		}
		if err := sdk.DecodeConfig(&cfg); err != nil {
			return nil, err
		}
		out := &sdk.PricingOutput{}
		for _, l := range in.Lines {
			if l.Quantity >= 5 {
				off := l.UnitPrice * l.Quantity * cfg.Percent / 100
				out.Adjustments = append(out.Adjustments, sdk.Adjustment{
					Level: sdk.LevelLine, LineID: l.ID, Amount: -off, Label: fmt.Sprintf("%d%% off 5 or more", cfg.Percent)})
			}
		}
		sdk.Logf("%d of %d lines discounted", len(out.Adjustments), len(in.Lines))
		return out, nil
	})
	defer pricing.Handle(nil)

	h := sdktest.New().WithConfig(map[string]any{"percent": 10})
	out, err := h.Price(&sdk.PricingInput{Currency: "EUR", Lines: []sdk.Line{
		{ID: "1", VariantID: "pen", Quantity: 6, UnitPrice: 150},
		{ID: "2", VariantID: "notebook", Quantity: 1, UnitPrice: 900},
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range out.Adjustments {
		fmt.Println(a.LineID, a.Amount, a.Label)
	}
	fmt.Println(h.Logs()[0].Msg)
	// Output:
	// 1 -90 10% off 5 or more
	// 1 of 2 lines discounted
}
