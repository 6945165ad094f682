// Command logistics is Wasmart's first-party logistics plugin: a weight ×
// zone rate table (with volumetric weight), a free-shipping threshold and
// delivery-time estimates per zone and service.
package main

import (
	"errors"
	"strings"

	"github.com/wasmart/wasmart/sdk"
	"github.com/wasmart/wasmart/sdk/logistics"
)

// Config is the rate card (see manifest.json).
type Config struct {
	Zones             []Zone    `json:"zones"`
	Services          []Service `json:"services"`
	FreeShippingFrom  int64     `json:"free_shipping_from"` // goods value; 0 = never
	VolumetricDivisor int64     `json:"volumetric_divisor"` // cm³ per kg, default 5000
}

// Zone groups destinations. Countries match ISO codes; "*" matches any
// country. Regions, if set, narrow a zone to those region codes (prefix).
type Zone struct {
	Name       string   `json:"name"`
	Countries  []string `json:"countries"`
	Regions    []string `json:"regions"`
	Rates      []Rate   `json:"rates"`        // ascending by max_grams
	PerExtraKg int64    `json:"per_extra_kg"` // above the last bracket
	MinDays    int64    `json:"min_days"`
	MaxDays    int64    `json:"max_days"`
}

// Rate is the price for parcels up to MaxGrams.
type Rate struct {
	MaxGrams int64 `json:"max_grams"`
	Price    int64 `json:"price"`
}

// Service is a delivery speed: the zone price scaled by Percent, the zone
// estimate shifted by DaysDelta. Free shipping applies only to FreeEligible
// services.
type Service struct {
	Code         string `json:"code"`
	Label        string `json:"label"`
	Percent      int64  `json:"percent"`
	DaysDelta    int64  `json:"days_delta"`
	FreeEligible bool   `json:"free_eligible"`
}

var cfg = sdk.ConfigCache[Config]{Defaults: func(c *Config) {
	c.VolumetricDivisor = 5000
}}

func init() { logistics.Handle(Quote) }

func main() {}

func matches(z *Zone, country, region string) bool {
	ok := false
	for _, c := range z.Countries {
		if c == "*" || strings.EqualFold(c, country) {
			ok = true
			break
		}
	}
	if !ok || len(z.Regions) == 0 {
		return ok
	}
	for _, r := range z.Regions {
		if strings.HasPrefix(strings.ToUpper(region), strings.ToUpper(r)) {
			return true
		}
	}
	return false
}

// Chargeable returns the billed weight: the larger of the actual and the
// volumetric weight (L×W×H in cm³ / divisor, in kg → grams).
func Chargeable(in *sdk.LogisticsInput, divisor int64) int64 {
	if divisor <= 0 {
		divisor = 5000
	}
	vol := in.LengthMM * in.WidthMM * in.HeightMM / 1000 // cm³
	volGrams := vol * 1000 / divisor
	if volGrams > in.WeightGrams {
		return volGrams
	}
	return in.WeightGrams
}

// Quote returns the delivery options for a parcel.
func Quote(in *sdk.LogisticsInput) (*sdk.LogisticsOutput, error) {
	c, err := cfg.Get()
	if err != nil {
		return nil, errors.New("invalid config: " + err.Error())
	}
	// The most specific matching zone: one with regions beats one without;
	// otherwise the first listed.
	var zone *Zone
	for i := range c.Zones {
		z := &c.Zones[i]
		if matches(z, in.Country, in.Region) && (zone == nil || (len(z.Regions) > 0 && len(zone.Regions) == 0)) {
			zone = z
		}
	}
	if zone == nil || len(zone.Rates) == 0 {
		return &sdk.LogisticsOutput{}, nil // no delivery to this destination
	}
	w := Chargeable(in, c.VolumetricDivisor)
	var base int64 = -1
	for _, r := range zone.Rates {
		if w <= r.MaxGrams {
			base = r.Price
			break
		}
	}
	if base < 0 {
		last := zone.Rates[len(zone.Rates)-1]
		extraKg := (w - last.MaxGrams + 999) / 1000
		base = last.Price + extraKg*zone.PerExtraKg
	}
	services := c.Services
	if len(services) == 0 {
		services = []Service{{Code: "standard", Label: "Standard", Percent: 100, FreeEligible: true}}
	}
	free := c.FreeShippingFrom > 0 && in.Value >= c.FreeShippingFrom
	out := &sdk.LogisticsOutput{}
	for _, s := range services {
		pct := s.Percent
		if pct <= 0 {
			pct = 100
		}
		price := base * pct / 100
		label := s.Label
		if free && s.FreeEligible {
			price = 0
			label += " (free)"
		}
		minD, maxD := zone.MinDays+s.DaysDelta, zone.MaxDays+s.DaysDelta
		if minD < 0 {
			minD = 0
		}
		if maxD < minD {
			maxD = minD
		}
		out.Options = append(out.Options, sdk.DeliveryOption{
			Code: zone.Name + "-" + s.Code, Label: label, Price: price, MinDays: minD, MaxDays: maxD,
		})
	}
	return out, nil
}
