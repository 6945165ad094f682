package pricing

import (
	"context"
	"fmt"
	"strings"

	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/core/money"
)

// MethodKind is a built-in shipping method type.
type MethodKind string

// Built-in method kinds.
const (
	MethodFlat   MethodKind = "flat"   // Price per order
	MethodWeight MethodKind = "weight" // price from a weight table
	MethodFree   MethodKind = "free"   // free, offered only at or over FreeOver
	MethodPickup MethodKind = "pickup" // collect at a location, Price (usually 0)
)

// WeightRate is one row of a weight table: parcels up to UpToGrams cost
// Price. Rows are sorted by UpToGrams; heavier parcels than the last row
// cannot use the method.
type WeightRate struct {
	UpToGrams int64 `json:"up_to_grams"`
	Price     int64 `json:"price"`
}

// Method is a built-in delivery method.
type Method struct {
	Code  string       `json:"code"` // unique across the shop
	Label string       `json:"label"`
	Kind  MethodKind   `json:"kind"`
	Price int64        `json:"price,omitempty"`
	Rates []WeightRate `json:"rates,omitempty"`
	// FreeOver > 0 makes the method free when the merchandise total is at
	// least FreeOver (for MethodFree it is the threshold below which the
	// method is not offered).
	FreeOver int64  `json:"free_over,omitempty"`
	MinDays  int32  `json:"min_days,omitempty"`
	MaxDays  int32  `json:"max_days,omitempty"`
	Location string `json:"location,omitempty"` // pickup: where
}

// Zone is a set of destinations with its methods. Countries are ISO
// 3166-1 alpha-2 codes; Regions are "CC-RR" codes (e.g. "US-CA"); "*" in
// Countries makes a rest-of-world zone.
type Zone struct {
	Code      string   `json:"code"`
	Name      string   `json:"name"`
	Countries []string `json:"countries,omitempty"`
	Regions   []string `json:"regions,omitempty"`
	Methods   []Method `json:"methods"`
}

// ShippingConfig is a shop's shipping set-up. The most specific zone that
// matches the destination wins (region, then country, then "*"); pickup
// methods in Pickup are offered whatever the destination.
type ShippingConfig struct {
	Zones  []Zone   `json:"zones"`
	Pickup []Method `json:"pickup,omitempty"`
}

// ShippingOption is a delivery option offered for a cart.
type ShippingOption struct {
	Code    string     `json:"code"`
	Label   string     `json:"label"`
	Kind    MethodKind `json:"kind"`
	Price   int64      `json:"price"`
	MinDays int32      `json:"min_days"`
	MaxDays int32      `json:"max_days"`
	Source  string     `json:"source"`
	Zone    string     `json:"zone,omitempty"`
	// Discount is what a shipping promotion took off; Price is after it.
	Discount      int64  `json:"discount,omitempty"`
	DiscountLabel string `json:"discount_label,omitempty"`
	discountBy    int    // 1 + index of the ShippingDiscount behind Discount
}

// Validate checks a shipping configuration (used when a merchant saves it).
func (c *ShippingConfig) Validate() error {
	seen := map[string]bool{}
	check := func(m *Method, field string) error {
		if strings.TrimSpace(m.Code) == "" {
			return errs.Field(field+".code", "is required")
		}
		if seen[m.Code] {
			return errs.Field(field+".code", "%q is used twice", m.Code)
		}
		seen[m.Code] = true
		if m.Price < 0 || m.Price > money.MaxUnitPrice || m.FreeOver < 0 {
			return errs.Field(field+".price", "is out of range")
		}
		if m.MinDays < 0 || m.MaxDays < m.MinDays {
			return errs.Field(field+".days", "must satisfy 0 <= min <= max")
		}
		switch m.Kind {
		case MethodFlat, MethodPickup:
		case MethodFree:
			if m.FreeOver <= 0 {
				return errs.Field(field+".free_over", "is required for a free-over-threshold method")
			}
		case MethodWeight:
			if len(m.Rates) == 0 {
				return errs.Field(field+".rates", "a weight table needs at least one row")
			}
			for i, r := range m.Rates {
				if r.Price < 0 || r.Price > money.MaxUnitPrice || r.UpToGrams <= 0 || (i > 0 && r.UpToGrams <= m.Rates[i-1].UpToGrams) {
					return errs.Field(field+".rates", "rows must have increasing weights and prices >= 0")
				}
			}
		default:
			return errs.Field(field+".kind", "unknown method kind %q", m.Kind)
		}
		return nil
	}
	for zi := range c.Zones {
		z := &c.Zones[zi]
		if len(z.Countries) == 0 && len(z.Regions) == 0 {
			return errs.Field(fmt.Sprintf("zones[%d].countries", zi), "a zone needs countries or regions")
		}
		for mi := range z.Methods {
			if err := check(&z.Methods[mi], fmt.Sprintf("zones[%d].methods[%d]", zi, mi)); err != nil {
				return err
			}
		}
	}
	for mi := range c.Pickup {
		if c.Pickup[mi].Kind == "" {
			c.Pickup[mi].Kind = MethodPickup
		}
		if err := check(&c.Pickup[mi], fmt.Sprintf("pickup[%d]", mi)); err != nil {
			return err
		}
	}
	return nil
}

// MatchZone returns the most specific zone for a destination, or nil.
func (c *ShippingConfig) MatchZone(d Address) *Zone {
	country := strings.ToUpper(d.Country)
	region := country + "-" + strings.ToUpper(d.Region)
	var byCountry, world *Zone
	for i := range c.Zones {
		z := &c.Zones[i]
		if d.Region != "" {
			for _, r := range z.Regions {
				if strings.EqualFold(r, region) {
					return z
				}
			}
		}
		for _, cc := range z.Countries {
			if byCountry == nil && country != "" && strings.EqualFold(cc, country) {
				byCountry = z
			}
			if world == nil && cc == "*" {
				world = z
			}
		}
	}
	if byCountry != nil {
		return byCountry
	}
	return world
}

// quote prices one built-in method; ok is false when it does not apply.
func (m *Method) quote(weight, merchandise int64) (int64, bool) {
	price := m.Price
	switch m.Kind {
	case MethodFree:
		if merchandise < m.FreeOver {
			return 0, false
		}
		return 0, true
	case MethodWeight:
		found := false
		for _, r := range m.Rates {
			if weight <= r.UpToGrams {
				price, found = r.Price, true
				break
			}
		}
		if !found {
			return 0, false
		}
	}
	if m.FreeOver > 0 && merchandise >= m.FreeOver {
		price = 0
	}
	return price, true
}

func (p *Pipeline) shipping(ctx context.Context, in *Input, res *Result, discounts []ShippingDiscount) error {
	var weight, value, items int64
	for i := range in.Lines {
		l := &in.Lines[i]
		if l.RequiresShipping {
			weight += l.WeightGrams * l.Quantity
			value += res.Lines[i].Total
			items += l.Quantity
		}
	}
	opts := make([]ShippingOption, 0, 4)
	add := func(m *Method, zone string) {
		if price, ok := m.quote(weight, res.Merchandise); ok {
			kind := m.Kind
			opts = append(opts, ShippingOption{Code: m.Code, Label: m.Label, Kind: kind, Price: price, MinDays: m.MinDays, MaxDays: m.MaxDays, Source: SourceBuiltin, Zone: zone})
		}
	}
	if in.Destination.Country != "" {
		if z := in.Shipping.MatchZone(in.Destination); z != nil {
			for i := range z.Methods {
				add(&z.Methods[i], z.Code)
			}
		}
	}
	for i := range in.Shipping.Pickup {
		m := in.Shipping.Pickup[i]
		m.Kind = MethodPickup
		add(&m, "")
	}
	if p != nil && p.Logistics != nil && in.Destination.Country != "" {
		ext, err := p.quoteLogistics(ctx, in, weight, value, items)
		if err != nil {
			p.warn(res, Warning{Stage: StageShipping, Source: SourceLogistics, Message: "skipped: " + err.Error()})
		} else {
			for _, o := range ext {
				dup := false
				for _, b := range opts {
					if b.Code == o.Code {
						dup = true
					}
				}
				if dup {
					p.warn(res, Warning{Stage: StageShipping, Source: SourceLogistics, Message: fmt.Sprintf("option %q duplicates a built-in method: dropped", o.Code)})
					continue
				}
				opts = append(opts, o)
			}
		}
	}
	discountShipping(opts, discounts)
	sortOptions(opts)
	res.ShippingOptions = opts
	if in.ShippingCode == "" {
		return nil
	}
	for i := range opts {
		if opts[i].Code == in.ShippingCode {
			o := opts[i]
			res.Shipping = &o
			res.ShippingTotal = o.Price
			shippingApplied(res, discounts)
			return nil
		}
	}
	return errs.Field("shipping_method", "is not a delivery option for this cart and address (%q)", in.ShippingCode)
}

func (p *Pipeline) quoteLogistics(ctx context.Context, in *Input, weight, value, items int64) (out []ShippingOption, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("panic: %v", r)
		}
	}()
	got, err := p.Logistics.Quote(ctx, &extension.LogisticsRequest{
		Parcel:      extension.Parcel{WeightGrams: weight, Value: value, Currency: in.Currency, Items: items},
		Destination: extension.Destination{Country: in.Destination.Country, Region: in.Destination.Region, PostalCode: in.Destination.PostalCode},
		Now:         in.Now,
	})
	if err != nil {
		return nil, err
	}
	if len(got) > 50 {
		return nil, fmt.Errorf("too many options (%d)", len(got))
	}
	seen := map[string]bool{}
	for _, o := range got {
		if strings.TrimSpace(o.Code) == "" || seen[o.Code] || o.Price < 0 || o.Price > money.MaxUnitPrice ||
			(o.Currency != "" && o.Currency != in.Currency) || o.MinDays < 0 || o.MaxDays < o.MinDays {
			return nil, fmt.Errorf("invalid option %q", o.Code)
		}
		seen[o.Code] = true
		label := o.Label
		if label == "" {
			label = o.Code
		}
		out = append(out, ShippingOption{Code: o.Code, Label: label, Kind: "extension", Price: o.Price, MinDays: o.MinDays, MaxDays: o.MaxDays, Source: SourceLogistics})
	}
	return out, nil
}
