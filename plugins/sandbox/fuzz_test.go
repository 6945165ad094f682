package sandbox

import (
	"errors"
	"testing"

	"github.com/wasmart/wasmart/sdk"
	"github.com/wasmart/wasmart/sdk/sdktest"
)

// decodeAndValidate is the host's output path for one point, minus the
// guest call: envelope, payload decoding, validation against the input.
func decodeAndValidate(point byte, out []byte) error {
	status, payload, err := sdk.DecodeEnvelope(out)
	if err != nil {
		return &Failure{Kind: FailInvalidOutput, Err: err}
	}
	d := sdk.NewDecoder(payload, false)
	d.Intern = new(sdk.Interner)
	if status == sdk.StatusError {
		_ = d.String()
		if err := d.Finish(); err != nil {
			return &Failure{Kind: FailInvalidOutput, Err: err}
		}
		return &Failure{Kind: FailPluginError}
	}
	wrap := func(err error) error {
		if err != nil && KindOf(err) == "" {
			return &Failure{Kind: FailInvalidOutput, Err: err}
		}
		return err
	}
	switch point % 4 {
	case 0:
		var o sdk.PricingOutput
		if err := d.DecodePricingOutput(&o); err != nil {
			return wrap(err)
		}
		return ValidatePricing(fuzzCart, &o)
	case 1:
		var o sdk.RecommendOutput
		if err := d.DecodeRecommendOutput(&o); err != nil {
			return wrap(err)
		}
		return ValidateRecommend(fuzzReco, &o)
	case 2:
		var o sdk.LogisticsOutput
		if err := d.DecodeLogisticsOutput(&o); err != nil {
			return wrap(err)
		}
		return ValidateLogistics(&o)
	default:
		var o sdk.ReportOutput
		if err := d.DecodeReportOutput(&o); err != nil {
			return wrap(err)
		}
		return ValidateReport(&o)
	}
}

var (
	fuzzCart = sdktest.SampleCart(3)
	fuzzReco = &sdk.RecommendInput{Limit: 3, Candidates: []sdk.Candidate{{ProductID: "a"}, {ProductID: "b"}, {ProductID: "c"}, {ProductID: "d"}}}
)

func envelope(enc func(*sdk.Encoder)) []byte {
	e := sdk.Encoder{B: []byte{sdk.StatusOK}}
	enc(&e)
	return e.B
}

// FuzzPluginOutput feeds arbitrary guest output to the host's decoding and
// validation. It must never panic, and every rejection must be a typed
// invalid_output (or plugin_error for a well-formed error envelope). The
// seed corpus runs as part of `go test`.
func FuzzPluginOutput(f *testing.F) {
	f.Add(byte(0), envelope(func(e *sdk.Encoder) {
		e.EncodePricingOutput(&sdk.PricingOutput{Adjustments: []sdk.Adjustment{{Level: sdk.LevelLine, LineID: "line_2", Amount: -5, Label: "x", Code: "y"}}})
	}))
	f.Add(byte(0), envelope(func(e *sdk.Encoder) {
		e.EncodePricingOutput(&sdk.PricingOutput{Adjustments: []sdk.Adjustment{{Level: sdk.LevelLine, LineID: "ghost", Amount: -5}}})
	}))
	f.Add(byte(0), envelope(func(e *sdk.Encoder) {
		e.EncodePricingOutput(&sdk.PricingOutput{Adjustments: []sdk.Adjustment{{Level: sdk.LevelOrder, Amount: -1 << 40}}})
	}))
	f.Add(byte(1), envelope(func(e *sdk.Encoder) {
		e.EncodeRecommendOutput(&sdk.RecommendOutput{Items: []sdk.Recommendation{{ProductID: "b", Score: 3}}})
	}))
	f.Add(byte(2), envelope(func(e *sdk.Encoder) {
		e.EncodeLogisticsOutput(&sdk.LogisticsOutput{Options: []sdk.DeliveryOption{{Code: "std", Price: 5, MinDays: 1, MaxDays: 2}}})
	}))
	f.Add(byte(3), envelope(func(e *sdk.Encoder) {
		e.EncodeReportOutput(&sdk.ReportOutput{Title: "t", Columns: []sdk.Column{{Name: "a", Type: sdk.ColInt}}, Rows: [][]sdk.Cell{{{Int: 1}}},
			Charts: []sdk.Chart{{Kind: "pie", Labels: []string{"a"}, Series: []sdk.Series{{Name: "s", Values: []int64{1}}}}}})
	}))
	f.Add(byte(0), []byte{sdk.StatusError, 3, 'b', 'a', 'd'})
	f.Add(byte(0), []byte{})
	f.Add(byte(0), []byte{sdk.StatusOK, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Add(byte(3), []byte{sdk.StatusOK, 0, 1, 1, 'a', 9})
	f.Fuzz(func(t *testing.T, point byte, out []byte) {
		err := decodeAndValidate(point, out)
		if err == nil {
			return
		}
		var fl *Failure
		if !errors.As(err, &fl) || (fl.Kind != FailInvalidOutput && fl.Kind != FailPluginError) {
			t.Fatalf("untyped or wrong failure: %v", err)
		}
	})
}

func TestFuzzSeedsBehave(t *testing.T) {
	ok := envelope(func(e *sdk.Encoder) {
		e.EncodePricingOutput(&sdk.PricingOutput{Adjustments: []sdk.Adjustment{{Level: sdk.LevelLine, LineID: "line_2", Amount: -5}}})
	})
	if err := decodeAndValidate(0, ok); err != nil {
		t.Fatal(err)
	}
	bad := envelope(func(e *sdk.Encoder) {
		e.EncodePricingOutput(&sdk.PricingOutput{Adjustments: []sdk.Adjustment{{Level: sdk.LevelLine, LineID: "ghost", Amount: -5}}})
	})
	if KindOf(decodeAndValidate(0, bad)) != FailInvalidOutput {
		t.Fatal("ghost line accepted")
	}
}
