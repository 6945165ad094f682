// Command pricing is Wasmart's first-party pricing plugin: customer-tag
// (member) price lists, volume tiers, "spend X save Y" thresholds and
// psychological rounding, all driven by the installation config. Build it
// with GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared.
package main

import (
	"errors"
	"sort"

	"github.com/wasmart/wasmart/sdk"
	"github.com/wasmart/wasmart/sdk/pricing"
)

// Config is the installation config (see manifest.json for its schema).
type Config struct {
	PriceLists []PriceList `json:"price_lists"`
	Tiers      []Tier      `json:"volume_tiers"`
	Thresholds []Threshold `json:"spend_thresholds"`
	Rounding   string      `json:"rounding"` // "", "x.99" or "9.9"

	tiersByCategory bool // some tier is limited to categories
}

// PriceList applies to shoppers carrying CustomerTag: fixed unit prices by
// SKU, otherwise Percent off (optionally only in Categories).
type PriceList struct {
	CustomerTag string           `json:"customer_tag"`
	Label       string           `json:"label"`
	Percent     int64            `json:"percent"`
	Categories  []string         `json:"categories"`
	Prices      map[string]int64 `json:"prices"` // SKU → unit price, minor units
}

// Tier gives Percent off a line whose quantity is at least MinQty.
type Tier struct {
	MinQty     int64    `json:"min_qty"`
	Percent    int64    `json:"percent"`
	Categories []string `json:"categories"`
	label      string
}

// Threshold takes AmountOff or Percent off the order when the subtotal
// after line discounts reaches MinSubtotal.
type Threshold struct {
	MinSubtotal int64 `json:"min_subtotal"`
	AmountOff   int64 `json:"amount_off"`
	Percent     int64 `json:"percent"`
}

var cfg = sdk.ConfigCache[Config]{Prepare: func(c *Config) error {
	for i := range c.Tiers {
		t := &c.Tiers[i]
		t.label = "Buy " + itoa(t.MinQty) + "+, save " + itoa(t.Percent) + "%"
		if len(t.Categories) > 0 {
			c.tiersByCategory = true
		}
	}
	// Highest threshold first: the first tier a line reaches is its tier.
	sort.SliceStable(c.Tiers, func(i, j int) bool { return c.Tiers[i].MinQty > c.Tiers[j].MinQty })
	return nil
}}

var output sdk.PricingOutput

func init() { pricing.Handle(Price) }

func main() {}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func inCategories(want, got []string) bool {
	if len(want) == 0 {
		return true
	}
	for _, g := range got {
		if has(want, g) {
			return true
		}
	}
	return false
}

// roundDown returns the psychological price at or below p.
func roundDown(p int64, mode string) int64 {
	switch mode {
	case "x.99": // 12.34 → 11.99, 12.99 stays
		if p < 100 || p%100 == 99 {
			return p
		}
		return p - p%100 - 1
	case "9.9": // 23.45 → 19.90, 19.90 stays
		if p < 990 {
			return p
		}
		r := (p+10)/1000*1000 - 10
		if r > p {
			r -= 1000
		}
		return r
	}
	return p
}

// Price computes the adjustments for a cart.
func Price(in *sdk.PricingInput) (*sdk.PricingOutput, error) {
	c, err := cfg.Get()
	if err != nil {
		return nil, errors.New("invalid config: " + err.Error())
	}
	// The output is encoded before the next call, so it can be reused.
	out := &output
	out.Adjustments = out.Adjustments[:0]
	var subtotal int64
	for i := range in.Lines {
		l := &in.Lines[i]
		unit := l.UnitPrice
		// 1. The best member price list for this line.
		best, bestLabel := unit, ""
		for k := range c.PriceLists {
			pl := &c.PriceLists[k]
			if !has(in.CustomerTags, pl.CustomerTag) {
				continue
			}
			p := unit
			if fixed, ok := pl.Prices[l.SKU]; ok {
				p = fixed
			} else if pl.Percent > 0 && inCategories(pl.Categories, l.Categories) {
				p = unit - unit*pl.Percent/100
			}
			if p < best && p >= 0 {
				best, bestLabel = p, pl.Label
			}
		}
		if best < unit {
			if bestLabel == "" {
				bestLabel = "Member price"
			}
			out.Adjustments = append(out.Adjustments, sdk.Adjustment{Level: sdk.LevelLine, LineID: l.ID,
				Amount: (best - unit) * l.Quantity, Label: bestLabel, Code: "price-list"})
			unit = best
		}
		// 2. Volume tier: the highest tier reached (tiers are sorted by
		// MinQty, highest first).
		var tier *Tier
		for j := range c.Tiers {
			t := &c.Tiers[j]
			if l.Quantity >= t.MinQty && (!c.tiersByCategory || inCategories(t.Categories, l.Categories)) {
				tier = t
				break
			}
		}
		if tier != nil && tier.Percent > 0 {
			off := unit * l.Quantity * tier.Percent / 100
			if off > 0 {
				out.Adjustments = append(out.Adjustments, sdk.Adjustment{Level: sdk.LevelLine, LineID: l.ID,
					Amount: -off, Label: tier.label, Code: "volume-tier"})
			}
			unit -= unit * tier.Percent / 100
		}
		// 3. Psychological rounding of the resulting unit price.
		if r := roundDown(unit, c.Rounding); c.Rounding != "" && r < unit {
			out.Adjustments = append(out.Adjustments, sdk.Adjustment{Level: sdk.LevelLine, LineID: l.ID,
				Amount: (r - unit) * l.Quantity, Label: "Price rounding", Code: "rounding"})
			unit = r
		}
		subtotal += unit * l.Quantity
	}
	// 4. Spend X save Y on the discounted subtotal.
	var th *Threshold
	for j := range c.Thresholds {
		t := &c.Thresholds[j]
		if subtotal >= t.MinSubtotal && (th == nil || t.MinSubtotal > th.MinSubtotal) {
			th = t
		}
	}
	if th != nil {
		off := th.AmountOff + subtotal*th.Percent/100
		if off > subtotal {
			off = subtotal
		}
		if off > 0 {
			out.Adjustments = append(out.Adjustments, sdk.Adjustment{Level: sdk.LevelOrder, Amount: -off,
				Label: "Spend reward", Code: "spend-threshold"})
		}
	}
	return out, nil
}

// itoa avoids strconv's tables in the guest; it is tiny and allocation-light.
func itoa(v int64) string {
	if v == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := v < 0
	if neg {
		v = -v
	}
	for v > 0 {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
