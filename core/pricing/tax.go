package pricing

import (
	"strings"

	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/money"
)

// TaxRate is a tax that applies in a country, or in one region of it.
// Rates are in parts per million (8.875% = 88750). Every rate that matches
// the destination applies and they add up: a country rate (Region "") and
// a regional rate (e.g. Canada's GST plus a province's PST).
type TaxRate struct {
	Name    string `json:"name"`
	Country string `json:"country"`
	Region  string `json:"region,omitempty"`
	RatePPM int64  `json:"rate_ppm"`
}

// TaxConfig is a shop's tax set-up.
type TaxConfig struct {
	// Inclusive: catalog prices include tax (tax is extracted from them);
	// otherwise tax is added on top.
	Inclusive bool `json:"inclusive"`
	// ShippingTaxable taxes shipping at the destination's rates.
	ShippingTaxable bool      `json:"shipping_taxable"`
	Rates           []TaxRate `json:"rates"`
}

// Validate checks a tax configuration.
func (c *TaxConfig) Validate() error {
	for _, r := range c.Rates {
		if strings.TrimSpace(r.Name) == "" {
			return errs.Field("tax.rates.name", "is required")
		}
		if len(r.Country) != 2 {
			return errs.Field("tax.rates.country", "must be an ISO 3166 alpha-2 code (%q)", r.Country)
		}
		if r.RatePPM < 0 || r.RatePPM > 1_000_000 {
			return errs.Field("tax.rates.rate", "must be between 0%% and 100%%")
		}
	}
	return nil
}

// applicable returns the rates for a destination (at most 4 kept on the
// stack for the common case).
func (c *TaxConfig) applicable(d Address, buf []TaxRate) []TaxRate {
	out := buf[:0]
	for _, r := range c.Rates {
		if !strings.EqualFold(r.Country, d.Country) {
			continue
		}
		if r.Region != "" && !strings.EqualFold(r.Region, d.Region) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// taxOf returns the tax at ratePPM on amount: added on top (exclusive) or
// contained in it (inclusive, where totalPPM is the sum of all rates that
// apply, so several inclusive rates split the contained tax).
func taxOf(amount, ratePPM, totalPPM int64, inclusive bool) int64 {
	if amount == 0 || ratePPM == 0 {
		return 0
	}
	if inclusive {
		return money.RoundDiv(amount, ratePPM, 1_000_000+totalPPM)
	}
	return money.RoundDiv(amount, ratePPM, 1_000_000)
}

func taxes(in *Input, res *Result) {
	var buf [4]TaxRate
	rates := in.Tax.applicable(in.Destination, buf[:])
	if len(rates) == 0 {
		return
	}
	var total int64
	for _, r := range rates {
		total += r.RatePPM
	}
	res.Taxes = make([]TaxLine, len(rates))
	for k, r := range rates {
		res.Taxes[k] = TaxLine{Name: r.Name, RatePPM: r.RatePPM, Source: SourceBuiltin}
	}
	for i := range in.Lines {
		if !in.Lines[i].Taxable {
			continue
		}
		l := &res.Lines[i]
		for k, r := range rates {
			t := taxOf(l.Total, r.RatePPM, total, in.Tax.Inclusive)
			l.Tax += t
			res.Taxes[k].Amount += t
		}
		res.TaxTotal += l.Tax
	}
	if in.Tax.ShippingTaxable && res.ShippingTotal > 0 {
		for k, r := range rates {
			t := taxOf(res.ShippingTotal, r.RatePPM, total, in.Tax.Inclusive)
			res.Taxes[k].Amount += t
			res.TaxTotal += t
		}
	}
}
