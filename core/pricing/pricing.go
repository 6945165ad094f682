// Package pricing is Wasmart's pricing pipeline: a pure function from a cart
// description (Input) to priced lines and totals (Result). It reads no
// database and no clock (Input.Now is passed in), so carts, checkout and
// order previews all compute the same numbers, and a cart of 200 lines is
// re-priced in microseconds.
//
// # Order of stages (fixed)
//
//  1. Base prices: each line's subtotal is quantity × unit price (the list
//     price, as stored in the catalog; tax-inclusive or not per shop).
//  2. Promotions: the Promotions interface (core/promotion's Stage; the
//     default adds nothing). An implementation of ExplainedPromotions also
//     reports the promotions applied (Result.Promotions, which checkout
//     redeems with the order), why entered codes and offers did not apply
//     (Result.PromotionNotes), gifts the cart should hold (Result.Gifts)
//     and discounts on delivery options, which stage 4 applies.
//  3. Pricing extension point: extension.Pricing (a tenant's plugin; the
//     default adds nothing). Its request carries the codes entered and
//     the promotions stage 2 applied; its discounts obey the promotions'
//     combination rules (combine.go). A failing, panicking or nonsensical
//     implementation never breaks pricing: its output is dropped entirely,
//     a Warning is reported, and pricing goes on as if it had returned no
//     adjustments.
//  4. Shipping: built-in methods of the zone matching the destination
//     (flat rate, weight table, free over a threshold, local pickup), plus
//     options from the extension.Logistics point (same failure rule).
//  5. Taxes: rates by country and region; prices are tax-exclusive (tax is
//     added) or tax-inclusive (tax is extracted) per shop setting.
//  6. Totals.
//
// # Adjustments and clamping
//
// Every change to a merchandise price is an Adjustment with a stage, a label
// (shown to shoppers) and a source (shown to merchants), so anyone can see
// why a price changed; the chosen ShippingOption and each TaxLine carry a
// label and source too. Result.Adjustments always sums to Result.Discounts. Amounts are signed minor units: negative discounts, positive
// surcharges. A discount is clamped so that no line and no order ever goes
// below zero; the recorded amount is the amount actually applied, so the
// adjustments always add up to the difference between subtotal and
// merchandise total. Order-level adjustments are allocated to lines in
// proportion to their totals (largest remainder), so taxes are computed on
// what the shopper actually pays, and each such adjustment records every
// line's share (Adjustment.Lines), so an order knows exactly what each line
// paid for each offer (returns reverse it per line).
//
// # Rounding
//
// All amounts are integers in the currency's minor unit (10^-money.Digits: cents
// for USD, yen for JPY, fils for KWD), so every result is already rounded to
// the currency's minor unit. Where a fraction arises (tax, proportional
// allocation) it is rounded half away from zero per line and per tax rate,
// and totals are sums of the rounded parts, so lines always add up to the
// totals.
package pricing

import (
	"context"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/core/money"
)

// Limits on input. With money.MaxUnitPrice they keep every sum within
// int64: MaxLines × MaxQuantity × money.MaxUnitPrice = 5·10^17.
const (
	MaxLines    = 500
	MaxQuantity = 100_000
)

// The limit above, checked when the package compiles: a negative constant
// does not convert to uint64.
const _ = uint64(math.MaxInt64 - MaxLines*MaxQuantity*money.MaxUnitPrice)

// Stage names the pipeline stage that produced an adjustment or warning.
type Stage string

// Stages, in pipeline order.
const (
	StageBase       Stage = "base"
	StagePromotions Stage = "promotions"
	StageExtension  Stage = "extension"
	StageShipping   Stage = "shipping"
	StageTax        Stage = "tax"
)

// Sources of built-in adjustments.
const (
	SourceBuiltin    = "builtin"
	SourcePricingExt = "extension:pricing"
	SourceLogistics  = "extension:logistics"
)

// Level is line or order.
type Level = extension.AdjustmentLevel

// Levels.
const (
	LevelLine  = extension.LevelLine
	LevelOrder = extension.LevelOrder
)

// Line is one cart line to price.
type Line struct {
	ID               string // unique within the cart
	VariantID        string
	ProductID        string
	SKU              string
	Title            string
	Quantity         int64
	UnitPrice        int64 // minor units, list price of one unit
	WeightGrams      int64 // of one unit
	Taxable          bool
	RequiresShipping bool
	Tags             []string
	Categories       []string
}

// Address is where an order is delivered (and taxed).
type Address struct {
	Country    string // ISO 3166-1 alpha-2, upper case
	Region     string // subdivision code without the country ("CA" for US-CA)
	PostalCode string
}

// Input is everything the pipeline needs.
type Input struct {
	Currency     string
	Lines        []Line
	CustomerID   string
	CustomerTags []string
	Codes        []string // promotion codes entered by the shopper
	Destination  Address
	// ShippingCode is the chosen delivery option; "" prices without one.
	ShippingCode string
	Shipping     ShippingConfig
	Tax          TaxConfig
	TaxExempt    bool
	Now          time.Time
}

// Adjustment is one change to a price, with why and who.
type Adjustment struct {
	Stage  Stage  `json:"stage"`
	Level  Level  `json:"level"`
	LineID string `json:"line_id,omitempty"`
	Amount int64  `json:"amount"`
	Label  string `json:"label"`
	Code   string `json:"code,omitempty"`
	Source string `json:"source"`
	// Class is the combination class a pricing extension declared for
	// its adjustment ("" for promotions, whose class is on the promotion).
	Class extension.Class `json:"class,omitempty"`
	// Lines is how an order-level adjustment was spread over the lines
	// (largest remainder; the shares sum to Amount exactly; lines given
	// nothing are left out), so an order can later say what each line
	// paid for each offer. Empty for a line-level adjustment.
	Lines []LineAmount `json:"lines,omitempty"`
}

// LineAmount is one line's share of an order-level adjustment.
type LineAmount struct {
	LineID string `json:"line_id"`
	Amount int64  `json:"amount"`
}

// Warning reports a stage whose implementation failed and was skipped.
type Warning struct {
	Stage   Stage  `json:"stage"`
	Source  string `json:"source"`
	Message string `json:"message"`
}

// LineResult is one priced line.
type LineResult struct {
	ID        string `json:"id"`
	Quantity  int64  `json:"quantity"`
	UnitPrice int64  `json:"unit_price"`
	Subtotal  int64  `json:"subtotal"`    // quantity × unit price
	Adjusted  int64  `json:"adjustments"` // signed sum of line and allocated order adjustments
	Total     int64  `json:"total"`       // Subtotal + Adjusted, >= 0
	Tax       int64  `json:"tax"`         // included in Total when tax-inclusive
}

// TaxLine is the tax charged at one rate.
type TaxLine struct {
	Name    string `json:"name"`
	RatePPM int64  `json:"rate_ppm"`
	Amount  int64  `json:"amount"`
	Source  string `json:"source"`
}

// Result is a priced cart.
type Result struct {
	Currency        string           `json:"currency"`
	Lines           []LineResult     `json:"lines"`
	Adjustments     []Adjustment     `json:"adjustments"`
	Subtotal        int64            `json:"subtotal"`    // sum of line subtotals
	Discounts       int64            `json:"discounts"`   // signed sum of merchandise adjustments
	Merchandise     int64            `json:"merchandise"` // Subtotal + Discounts, >= 0
	ShippingNeeded  bool             `json:"shipping_needed"`
	ShippingOptions []ShippingOption `json:"shipping_options"`
	Shipping        *ShippingOption  `json:"shipping,omitempty"`
	ShippingTotal   int64            `json:"shipping_total"`
	Taxes           []TaxLine        `json:"taxes"`
	TaxTotal        int64            `json:"tax_total"`
	TaxInclusive    bool             `json:"tax_inclusive"`
	Total           int64            `json:"total"` // what the shopper pays, >= 0
	Warnings        []Warning        `json:"warnings,omitempty"`
	// Promotions applied, merchandise and delivery, with the amount each
	// took off; PromotionNotes says why entered codes and other offers did
	// not apply; Gifts are gift-with-purchase lines the cart should hold.
	Promotions     []AppliedPromotion `json:"promotions,omitempty"`
	PromotionNotes []PromotionNote    `json:"promotion_notes,omitempty"`
	Gifts          []PromotionGift    `json:"gifts,omitempty"`
}

// PromotionRequest is what a Promotions implementation sees: the cart at
// list prices plus the codes the shopper entered and where the order goes.
type PromotionRequest struct {
	extension.PricingRequest
	Codes       []string
	Destination Address
}

// Promotions computes promotion adjustments (stage 2). core/promotion's
// Stage is the real implementation (it also implements
// ExplainedPromotions); NoPromotions is the default.
type Promotions interface {
	Promote(ctx context.Context, req *PromotionRequest) ([]extension.Adjustment, error)
}

// NoPromotions adds nothing.
type NoPromotions struct{}

// Promote returns no adjustments.
func (NoPromotions) Promote(context.Context, *PromotionRequest) ([]extension.Adjustment, error) {
	return nil, nil
}

// Pipeline prices carts. The zero value prices with no promotions and no
// extensions. A Pipeline is safe for concurrent use; build one per tenant
// (or per request) with that tenant's implementations.
type Pipeline struct {
	Promotions       Promotions          // stage 2; nil: none
	Pricing          extension.Pricing   // stage 3; nil: none
	Logistics        extension.Logistics // stage 4 extra options; nil: none
	OnWarning        func(w Warning)     // called for every warning (logging, run records)
	PromotionsSource string              // Source for promotion adjustments without one (default "promotions")
}

// Price runs the pipeline. It returns an *errs.Error for invalid input
// (bad quantities, prices, currency, an unknown delivery option); failures
// of promotions or extensions are reported as Warnings, never as errors.
func (p *Pipeline) Price(ctx context.Context, in *Input) (*Result, error) {
	if err := validate(in); err != nil {
		return nil, err
	}
	n := len(in.Lines)
	res := &Result{Currency: in.Currency, TaxInclusive: in.Tax.Inclusive}
	res.Lines = make([]LineResult, n)
	var index map[string]int // line id → position, built lazily for adjustments

	// 1. Base prices.
	for i := range in.Lines {
		l := &in.Lines[i]
		sub := l.Quantity * l.UnitPrice
		res.Lines[i] = LineResult{ID: l.ID, Quantity: l.Quantity, UnitPrice: l.UnitPrice, Subtotal: sub, Total: sub}
		res.Subtotal += sub
		if l.RequiresShipping {
			res.ShippingNeeded = true
		}
	}

	// 2 and 3: promotions, then the pricing extension point.
	var req *extension.PricingRequest
	var shipDiscounts []ShippingDiscount
	if p != nil && (p.Promotions != nil || p.Pricing != nil) {
		req = pricingRequest(in)
		index = lineIndex(in)
	}
	if p != nil && p.Promotions != nil {
		src := p.PromotionsSource
		if src == "" {
			src = "promotions"
		}
		preq := &PromotionRequest{PricingRequest: *req, Codes: in.Codes, Destination: in.Destination}
		var out *PromotionOutcome
		adjs, err := safeCall(ctx, func(ctx context.Context) ([]extension.Adjustment, error) {
			if ex, ok := p.Promotions.(ExplainedPromotions); ok {
				o, err := ex.Explain(ctx, preq)
				if err != nil || o == nil {
					return nil, err
				}
				out = o
				return o.Adjustments, nil
			}
			return p.Promotions.Promote(ctx, preq)
		})
		if p.apply(res, index, StagePromotions, src, adjs, err) && out != nil {
			res.Promotions = append(res.Promotions, out.Applied...)
			res.PromotionNotes = out.Notes
			res.Gifts = out.Gifts
			shipDiscounts = out.Shipping
		}
	}
	if p != nil && p.Pricing != nil {
		req.Promotions = appliedForExtension(res)
		adjs, err := safeCall(ctx, func(ctx context.Context) ([]extension.Adjustment, error) {
			return p.Pricing.Price(ctx, req)
		})
		if err == nil {
			adjs = p.combine(res, shipDiscounts, adjs)
		}
		p.apply(res, index, StageExtension, SourcePricingExt, adjs, err)
	}
	res.Merchandise = 0
	for i := range res.Lines {
		res.Merchandise += res.Lines[i].Total
	}
	res.Discounts = res.Merchandise - res.Subtotal

	// 4. Shipping.
	if res.ShippingNeeded {
		if err := p.shipping(ctx, in, res, shipDiscounts); err != nil {
			return nil, err
		}
	}

	// 5. Taxes.
	if !in.TaxExempt {
		taxes(in, res)
	}

	// 6. Totals.
	res.Total = res.Merchandise + res.ShippingTotal
	if !res.TaxInclusive {
		res.Total += res.TaxTotal
	}
	if res.Total < 0 {
		res.Total = 0
	}
	return res, nil
}

func validate(in *Input) error {
	if !money.Known(in.Currency) {
		return errs.Field("currency", "is not a known ISO 4217 currency (%q)", in.Currency)
	}
	if len(in.Lines) > MaxLines {
		return errs.Field("lines", "a cart holds at most %d lines", MaxLines)
	}
	for i := range in.Lines {
		l := &in.Lines[i]
		if l.Quantity <= 0 || l.Quantity > MaxQuantity {
			return errs.Field(fmt.Sprintf("lines[%d].quantity", i), "must be between 1 and %d", MaxQuantity)
		}
		if err := money.CheckUnitPrice(fmt.Sprintf("lines[%d].unit_price", i), l.UnitPrice, in.Currency); err != nil {
			return err
		}
		if l.WeightGrams < 0 || l.WeightGrams > 10_000_000 {
			return errs.Field(fmt.Sprintf("lines[%d].weight", i), "is out of range")
		}
	}
	for _, r := range in.Tax.Rates {
		if r.RatePPM < 0 || r.RatePPM > 1_000_000 {
			return errs.Field("tax.rates", "rate %q must be between 0%% and 100%%", r.Name)
		}
	}
	return nil
}

func lineIndex(in *Input) map[string]int {
	m := make(map[string]int, len(in.Lines))
	for i := range in.Lines {
		m[in.Lines[i].ID] = i
	}
	return m
}

func pricingRequest(in *Input) *extension.PricingRequest {
	req := &extension.PricingRequest{
		Currency:     in.Currency,
		Lines:        make([]extension.PricingLine, len(in.Lines)),
		CustomerID:   in.CustomerID,
		CustomerTags: in.CustomerTags,
		Now:          in.Now,
		Codes:        in.Codes,
	}
	for i := range in.Lines {
		l := &in.Lines[i]
		req.Lines[i] = extension.PricingLine{LineID: l.ID, VariantID: l.VariantID, ProductID: l.ProductID, SKU: l.SKU,
			Quantity: l.Quantity, UnitPrice: l.UnitPrice, Tags: l.Tags, Categories: l.Categories}
	}
	return req
}

// safeCall runs an implementation, turning a panic into an error.
func safeCall(ctx context.Context, f func(ctx context.Context) ([]extension.Adjustment, error)) (adjs []extension.Adjustment, err error) {
	defer func() {
		if r := recover(); r != nil {
			adjs, err = nil, fmt.Errorf("panic: %v", r)
		}
	}()
	return f(ctx)
}

func (p *Pipeline) warn(res *Result, w Warning) {
	res.Warnings = append(res.Warnings, w)
	if p != nil && p.OnWarning != nil {
		p.OnWarning(w)
	}
}

// apply validates a stage's adjustments as a whole (any nonsense drops them
// all) and applies them: line adjustments first, then order adjustments.
// It reports whether they were applied.
func (p *Pipeline) apply(res *Result, index map[string]int, stage Stage, defSource string, adjs []extension.Adjustment, err error) bool {
	if err != nil {
		p.warn(res, Warning{Stage: stage, Source: defSource, Message: "skipped: " + err.Error()})
		return false
	}
	if len(adjs) > 10*MaxLines {
		p.warn(res, Warning{Stage: stage, Source: defSource, Message: "skipped: too many adjustments"})
		return false
	}
	for i := range adjs {
		a := &adjs[i]
		bad := ""
		switch {
		case a.Level == LevelLine:
			if _, ok := index[a.LineID]; !ok {
				bad = fmt.Sprintf("adjustment for unknown line %q", a.LineID)
			}
		case a.Level == LevelOrder:
		default:
			bad = fmt.Sprintf("adjustment with unknown level %d", a.Level)
		}
		if bad == "" && a.Class != "" && !a.Class.Valid() {
			bad = fmt.Sprintf("adjustment with unknown class %q", a.Class)
		}
		if bad == "" && (a.Amount > money.MaxAmount || a.Amount < -money.MaxAmount) {
			bad = "adjustment amount out of range"
		}
		if bad != "" {
			p.warn(res, Warning{Stage: stage, Source: defSource, Message: "skipped: " + bad})
			return false
		}
	}
	res.Adjustments = slices.Grow(res.Adjustments, len(adjs))
	for _, level := range [2]Level{LevelLine, LevelOrder} {
		for i := range adjs {
			a := adjs[i]
			if a.Level != level || a.Amount == 0 {
				continue
			}
			adj := Adjustment{Stage: stage, Level: a.Level, LineID: a.LineID, Amount: a.Amount, Label: strings.TrimSpace(a.Label), Code: a.Code, Source: a.Source, Class: a.Class}
			if adj.Source == "" {
				adj.Source = defSource
			}
			if adj.Label == "" {
				if adj.Amount < 0 {
					adj.Label = "Discount"
				} else {
					adj.Label = "Surcharge"
				}
			}
			if level == LevelLine {
				l := &res.Lines[index[a.LineID]]
				if l.Total+adj.Amount < 0 {
					adj.Amount = -l.Total
				}
				l.Total += adj.Amount
				l.Adjusted += adj.Amount
			} else {
				adj.Amount, adj.Lines = allocate(res.Lines, adj.Amount)
			}
			if adj.Amount != a.Amount && stage == StageExtension {
				p.warn(res, Warning{Stage: stage, Source: adj.Source, Message: fmt.Sprintf("%q clamped from %d to %d: no line or order goes below zero", adj.Label, a.Amount, adj.Amount)})
			}
			if adj.Amount != 0 {
				res.Adjustments = append(res.Adjustments, adj)
			}
		}
	}
	return true
}

// allocate spreads an order-level amount over the lines in proportion to
// their totals (largest remainder), clamping a discount at the order total.
// It returns the amount actually applied and each line's share of it.
func allocate(lines []LineResult, amount int64) (int64, []LineAmount) {
	var base int64
	for i := range lines {
		base += lines[i].Total
	}
	if amount < 0 && -amount > base {
		amount = -base
	}
	if amount == 0 || len(lines) == 0 {
		return 0, nil
	}
	got := make([]int64, len(lines))
	if base == 0 { // only surcharges reach here: spread evenly over lines
		share, rest := amount/int64(len(lines)), amount%int64(len(lines))
		for i := range lines {
			got[i] = share
			if int64(i) < rest {
				got[i]++
			}
		}
		return amount, spread(lines, got)
	}
	sign, abs := int64(1), amount
	if amount < 0 {
		sign, abs = -1, -amount
	}
	fr := make([]share, 0, len(lines))
	var given int64
	for i := range lines {
		d, r := mulDivRem(abs, lines[i].Total, base)
		got[i] = sign * d
		given += d
		if r > 0 {
			fr = append(fr, share{i, r})
		}
	}
	// The remainder (fewer units than lines with a fraction) goes one unit
	// each to the largest fractions; ties by line order.
	rest := abs - given
	if rest > 0 {
		k := int(min(rest, int64(len(fr))))
		largest(fr, k)
		for _, f := range fr[:k] {
			got[f.i] += sign
		}
		rest -= int64(k)
	}
	return amount - sign*rest, spread(lines, got)
}

// share is a line's fraction of a unit in allocate.
type share struct {
	i   int
	rem uint64
}

// before orders shares: larger fraction first, then line order.
func (a share) before(b share) bool { return a.rem > b.rem || a.rem == b.rem && a.i < b.i }

// largest moves the k first shares in before's order to fr[:k], in no
// particular order (a quickselect: linear on average, where sorting all
// was n log n for every order-level adjustment).
func largest(fr []share, k int) {
	lo, hi := 0, len(fr)-1
	for lo < hi && k > lo && k <= hi {
		// fr[:lo] comes before and fr[hi+1:] after the rest, and
		// lo < k <= hi. Hoare partition around the middle element: every
		// share of fr[lo:j+1] is not after the pivot, every one of
		// fr[i:hi+1] not before it.
		p := fr[lo+(hi-lo)/2]
		i, j := lo, hi
		for i <= j {
			for fr[i].before(p) {
				i++
			}
			for p.before(fr[j]) {
				j--
			}
			if i <= j {
				fr[i], fr[j] = fr[j], fr[i]
				i++
				j--
			}
		}
		// Both fr[:j+1] and fr[:i] are then the first of fr in order (a
		// share between them is the pivot): go on in the part holding
		// the k-th.
		if k <= j+1 {
			hi = j
		} else {
			lo = i
		}
	}
}

// spread adds each line's share to it and lists the shares that are not
// zero.
func spread(lines []LineResult, got []int64) []LineAmount {
	n := 0
	for _, d := range got {
		if d != 0 {
			n++
		}
	}
	out := make([]LineAmount, 0, n)
	for i, d := range got {
		if d != 0 {
			lines[i].Total += d
			lines[i].Adjusted += d
			out = append(out, LineAmount{LineID: lines[i].ID, Amount: d})
		}
	}
	return out
}

// mulDivRem returns floor(a*b/c) and the remainder, a, b >= 0, c > 0,
// a*b/c < 2^63 (callers guarantee b <= c or a <= c).
func mulDivRem(a, b, c int64) (int64, uint64) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	q, r := bits.Div64(hi, lo, uint64(c))
	return int64(q), r
}

// sortOptions orders options by price then label (stable for UI).
func sortOptions(opts []ShippingOption) {
	sort.SliceStable(opts, func(i, j int) bool {
		if opts[i].Price != opts[j].Price {
			return opts[i].Price < opts[j].Price
		}
		return opts[i].Label < opts[j].Label
	})
}
