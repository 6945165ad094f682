package sandbox

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/sdk"
)

// Output limits enforced by validation (ABI.md, "Output rules").
const (
	maxLabel        = 200
	maxCode         = 100
	maxAmount       = int64(1) << 50 // far above any real cart, far below overflow
	maxOptions      = 32
	maxDays         = 365
	maxColumns      = 64
	maxCharts       = 16
	maxChartSeries  = 16
	maxChartLabels  = 1000
	maxRecommendCap = 100
)

func invalid(format string, args ...any) error {
	return &Failure{Kind: FailInvalidOutput, Msg: fmt.Sprintf(format, args...)}
}

func checkText(what, s string, limit int) error {
	if len(s) > limit {
		return invalid("%s longer than %d bytes", what, limit)
	}
	if !utf8.ValidString(s) {
		return invalid("%s is not UTF-8", what)
	}
	return nil
}

// Price runs inst's pricing export on in and returns validated adjustments.
func (h *Host) Price(ctx context.Context, inst *Installation, in *sdk.PricingInput) (*sdk.PricingOutput, error) {
	out := new(sdk.PricingOutput)
	err := h.invoke(ctx, inst, extension.PointPricing,
		func(e *sdk.Encoder) { e.EncodePricingInput(in) },
		func(d *sdk.Decoder) error {
			if err := d.DecodePricingOutput(out); err != nil {
				return err
			}
			return ValidatePricing(in, out)
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ValidatePricing checks adjustments against the cart: known levels, line
// adjustments name a line of the cart, no line total and no order total goes
// below zero, amounts and texts within bounds.
func ValidatePricing(in *sdk.PricingInput, out *sdk.PricingOutput) error {
	if len(out.Adjustments) > 2*len(in.Lines)+16 {
		return invalid("%d adjustments for %d lines", len(out.Adjustments), len(in.Lines))
	}
	// Line totals by index; adjustments usually follow line order, so the
	// lookup starts where the previous one matched (linear overall).
	var small [64]int64
	lineTotal := small[:0]
	if len(in.Lines) > len(small) {
		lineTotal = make([]int64, 0, len(in.Lines))
	}
	var total int64
	for i := range in.Lines {
		l := &in.Lines[i]
		t := l.Quantity * l.UnitPrice
		lineTotal = append(lineTotal, t)
		total += t
	}
	var index map[string]int // built only if the order hint fails
	hint := 0
	find := func(id string) int {
		n := len(in.Lines)
		for k := 0; k < 8 && k < n; k++ {
			j := (hint + k) % n
			if in.Lines[j].ID == id {
				hint = j
				return j
			}
		}
		if index == nil {
			index = make(map[string]int, n)
			for j := range in.Lines {
				if _, dup := index[in.Lines[j].ID]; !dup {
					index[in.Lines[j].ID] = j
				}
			}
		}
		j, ok := index[id]
		if !ok {
			return -1
		}
		hint = j
		return j
	}
	var okLabel, okCode string // last texts checked: plugins repeat them
	for i := range out.Adjustments {
		a := &out.Adjustments[i]
		if a.Amount > maxAmount || a.Amount < -maxAmount {
			return invalid("adjustment %d amount %d out of range", i, a.Amount)
		}
		if a.Label != okLabel {
			if err := checkText("label", a.Label, maxLabel); err != nil {
				return err
			}
			okLabel = a.Label
		}
		if a.Code != okCode {
			if err := checkText("code", a.Code, maxCode); err != nil {
				return err
			}
			okCode = a.Code
		}
		if a.Class > sdk.ClassShipping {
			return invalid("adjustment %d has unknown class %d", i, a.Class)
		}
		switch a.Level {
		case sdk.LevelLine:
			j := find(a.LineID)
			if j < 0 {
				return invalid("adjustment %d names line %q, not in the cart", i, a.LineID)
			}
			t := lineTotal[j] + a.Amount
			if t < 0 {
				return invalid("adjustment %d pushes line %q below zero", i, a.LineID)
			}
			lineTotal[j] = t
		case sdk.LevelOrder:
			if a.LineID != "" {
				return invalid("order adjustment %d names a line", i)
			}
		default:
			return invalid("adjustment %d has unknown level %d", i, a.Level)
		}
		total += a.Amount
		if total < 0 {
			return invalid("adjustments push the order total below zero")
		}
	}
	return nil
}

// Recommend runs inst's recommendations export.
func (h *Host) Recommend(ctx context.Context, inst *Installation, in *sdk.RecommendInput) (*sdk.RecommendOutput, error) {
	out := new(sdk.RecommendOutput)
	err := h.invoke(ctx, inst, extension.PointRecommendations,
		func(e *sdk.Encoder) { e.EncodeRecommendInput(in) },
		func(d *sdk.Decoder) error {
			if err := d.DecodeRecommendOutput(out); err != nil {
				return err
			}
			return ValidateRecommend(in, out)
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ValidateRecommend checks that every result is a candidate, appears once,
// and that there are no more than the limit.
func ValidateRecommend(in *sdk.RecommendInput, out *sdk.RecommendOutput) error {
	limit := int(in.Limit)
	if limit <= 0 || limit > maxRecommendCap {
		limit = maxRecommendCap
	}
	if len(out.Items) > limit {
		return invalid("%d recommendations, limit %d", len(out.Items), limit)
	}
	cand := make(map[string]bool, len(in.Candidates))
	for i := range in.Candidates {
		cand[in.Candidates[i].ProductID] = true
	}
	seen := make(map[string]bool, len(out.Items))
	for _, r := range out.Items {
		if !cand[r.ProductID] {
			return invalid("recommended product %q is not a candidate", r.ProductID)
		}
		if seen[r.ProductID] {
			return invalid("product %q recommended twice", r.ProductID)
		}
		seen[r.ProductID] = true
		if err := checkText("reason", r.Reason, maxCode); err != nil {
			return err
		}
	}
	return nil
}

// Quote runs inst's logistics export.
func (h *Host) Quote(ctx context.Context, inst *Installation, in *sdk.LogisticsInput) (*sdk.LogisticsOutput, error) {
	out := new(sdk.LogisticsOutput)
	err := h.invoke(ctx, inst, extension.PointLogistics,
		func(e *sdk.Encoder) { e.EncodeLogisticsInput(in) },
		func(d *sdk.Decoder) error {
			if err := d.DecodeLogisticsOutput(out); err != nil {
				return err
			}
			return ValidateLogistics(out)
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ValidateLogistics checks option codes (non-empty, unique), prices (≥ 0)
// and delivery estimates (0 ≤ min ≤ max ≤ 365 days).
func ValidateLogistics(out *sdk.LogisticsOutput) error {
	if len(out.Options) > maxOptions {
		return invalid("%d delivery options, at most %d", len(out.Options), maxOptions)
	}
	seen := map[string]bool{}
	for _, o := range out.Options {
		if o.Code == "" || seen[o.Code] {
			return invalid("delivery option code %q empty or repeated", o.Code)
		}
		seen[o.Code] = true
		if err := checkText("code", o.Code, maxCode); err != nil {
			return err
		}
		if err := checkText("label", o.Label, maxLabel); err != nil {
			return err
		}
		if o.Price < 0 || o.Price > maxAmount {
			return invalid("option %q price %d out of range", o.Code, o.Price)
		}
		if o.MinDays < 0 || o.MinDays > o.MaxDays || o.MaxDays > maxDays {
			return invalid("option %q days %d..%d invalid", o.Code, o.MinDays, o.MaxDays)
		}
	}
	return nil
}

// Report runs inst's reporting export.
func (h *Host) Report(ctx context.Context, inst *Installation, in *sdk.ReportInput) (*sdk.ReportOutput, error) {
	out := new(sdk.ReportOutput)
	err := h.invoke(ctx, inst, extension.PointReporting,
		func(e *sdk.Encoder) { e.EncodeReportInput(in) },
		func(d *sdk.Decoder) error {
			if err := d.DecodeReportOutput(out); err != nil {
				return err
			}
			return ValidateReport(out)
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ValidateReport checks the table and chart shapes.
func ValidateReport(out *sdk.ReportOutput) error {
	if err := checkText("title", out.Title, maxLabel); err != nil {
		return err
	}
	if len(out.Columns) > maxColumns {
		return invalid("%d columns, at most %d", len(out.Columns), maxColumns)
	}
	for _, c := range out.Columns {
		if err := checkText("column", c.Name, maxLabel); err != nil {
			return err
		}
	}
	for _, r := range out.Rows {
		if len(r) != len(out.Columns) {
			return invalid("row of %d cells for %d columns", len(r), len(out.Columns))
		}
		for j, c := range out.Columns {
			if c.Type == sdk.ColString {
				if err := checkText("cell", r[j].Str, 1000); err != nil {
					return err
				}
			}
		}
	}
	if len(out.Charts) > maxCharts {
		return invalid("%d charts, at most %d", len(out.Charts), maxCharts)
	}
	for _, c := range out.Charts {
		switch c.Kind {
		case "bar", "line", "pie":
		default:
			return invalid("unknown chart kind %q", c.Kind)
		}
		if err := checkText("chart title", c.Title, maxLabel); err != nil {
			return err
		}
		if len(c.Labels) > maxChartLabels || len(c.Series) == 0 || len(c.Series) > maxChartSeries {
			return invalid("chart %q has %d labels and %d series", c.Title, len(c.Labels), len(c.Series))
		}
		for _, l := range c.Labels {
			if err := checkText("chart label", l, maxLabel); err != nil {
				return err
			}
		}
		for _, s := range c.Series {
			if len(s.Values) != len(c.Labels) {
				return invalid("series %q has %d values for %d labels", s.Name, len(s.Values), len(c.Labels))
			}
			if err := checkText("series name", s.Name, maxLabel); err != nil {
				return err
			}
		}
	}
	return nil
}
