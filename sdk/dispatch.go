package sdk

import (
	"errors"
	"fmt"
)

// Handler function types, one per extension point.
type (
	PricingHandler   func(in *PricingInput) (*PricingOutput, error)
	RecommendHandler func(in *RecommendInput) (*RecommendOutput, error)
	LogisticsHandler func(in *LogisticsInput) (*LogisticsOutput, error)
	ReportHandler    func(in *ReportInput) (*ReportOutput, error)
)

var (
	pricingHandler   PricingHandler
	recommendHandler RecommendHandler
	logisticsHandler LogisticsHandler
	reportHandler    ReportHandler
)

// HandlePricing registers the pricing handler. Plugins normally call
// pricing.Handle, which also links the wasmart_price export into the module.
func HandlePricing(h PricingHandler) { pricingHandler = h }

// HandleRecommendations registers the recommendations handler (see
// package sdk/recommend).
func HandleRecommendations(h RecommendHandler) { recommendHandler = h }

// HandleLogistics registers the logistics handler (see package sdk/logistics).
func HandleLogistics(h LogisticsHandler) { logisticsHandler = h }

// HandleReporting registers the reporting handler (see package sdk/reporting).
func HandleReporting(h ReportHandler) { reportHandler = h }

// ErrNoHandler is reported when a point is called without a handler.
var ErrNoHandler = errors.New("sdk: no handler registered for this extension point")

// guest-side reusable state: a Wasm instance is single-threaded and the
// native harness serialises calls, so one encoder and decoder suffice.
//
// Inputs are decoded into storage reused across calls (the previous call's
// slices are overwritten), which keeps a warm call nearly garbage-free: in a
// Wasm guest the GC dominates otherwise. Consequently an input, its slices
// and its strings are valid only until the handler returns; copy what must
// outlive the call (strings.Clone, slices.Clone).
var (
	outEnc Encoder
	inDec  Decoder

	pricingIn   PricingInput
	recommendIn RecommendInput
	logisticsIn LogisticsInput
	reportIn    ReportInput
)

func errorEnvelope(dst []byte, err error) []byte {
	e := Encoder{B: dst[:0]}
	e.Byte(StatusError)
	msg := err.Error()
	if len(msg) > 1024 {
		msg = msg[:1024]
	}
	e.String(msg)
	return e.B
}

func recoverTo(out *[]byte) {
	if r := recover(); r != nil {
		*out = errorEnvelope(outEnc.B, fmt.Errorf("panic: %v", r))
		outEnc.B = *out
	}
}

// DispatchPricing decodes input (aliasing it: input must not change while
// the call runs), runs the registered pricing handler and returns the output
// envelope. The returned slice is reused by the next dispatch.
func DispatchPricing(input []byte) (out []byte) {
	defer recoverTo(&out)
	if pricingHandler == nil {
		return errorEnvelope(outEnc.B, ErrNoHandler)
	}
	in := &pricingIn
	inDec.Reset(input, true)
	if err := inDec.DecodePricingInput(in); err != nil {
		return errorEnvelope(outEnc.B, err)
	}
	res, err := pricingHandler(in)
	if err != nil {
		return errorEnvelope(outEnc.B, err)
	}
	if res == nil {
		res = &PricingOutput{}
	}
	outEnc.B = append(outEnc.B[:0], StatusOK)
	outEnc.EncodePricingOutput(res)
	return outEnc.B
}

// DispatchRecommendations is DispatchPricing for recommendations.
func DispatchRecommendations(input []byte) (out []byte) {
	defer recoverTo(&out)
	if recommendHandler == nil {
		return errorEnvelope(outEnc.B, ErrNoHandler)
	}
	in := &recommendIn
	inDec.Reset(input, true)
	if err := inDec.DecodeRecommendInput(in); err != nil {
		return errorEnvelope(outEnc.B, err)
	}
	res, err := recommendHandler(in)
	if err != nil {
		return errorEnvelope(outEnc.B, err)
	}
	if res == nil {
		res = &RecommendOutput{}
	}
	outEnc.B = append(outEnc.B[:0], StatusOK)
	outEnc.EncodeRecommendOutput(res)
	return outEnc.B
}

// DispatchLogistics is DispatchPricing for logistics.
func DispatchLogistics(input []byte) (out []byte) {
	defer recoverTo(&out)
	if logisticsHandler == nil {
		return errorEnvelope(outEnc.B, ErrNoHandler)
	}
	in := &logisticsIn
	inDec.Reset(input, true)
	if err := inDec.DecodeLogisticsInput(in); err != nil {
		return errorEnvelope(outEnc.B, err)
	}
	res, err := logisticsHandler(in)
	if err != nil {
		return errorEnvelope(outEnc.B, err)
	}
	if res == nil {
		res = &LogisticsOutput{}
	}
	outEnc.B = append(outEnc.B[:0], StatusOK)
	outEnc.EncodeLogisticsOutput(res)
	return outEnc.B
}

// DispatchReporting is DispatchPricing for reporting.
func DispatchReporting(input []byte) (out []byte) {
	defer recoverTo(&out)
	if reportHandler == nil {
		return errorEnvelope(outEnc.B, ErrNoHandler)
	}
	in := &reportIn
	inDec.Reset(input, true)
	if err := inDec.DecodeReportInput(in); err != nil {
		return errorEnvelope(outEnc.B, err)
	}
	res, err := reportHandler(in)
	if err != nil {
		return errorEnvelope(outEnc.B, err)
	}
	if res == nil {
		res = &ReportOutput{}
	}
	outEnc.B = append(outEnc.B[:0], StatusOK)
	outEnc.EncodeReportOutput(res)
	return outEnc.B
}
