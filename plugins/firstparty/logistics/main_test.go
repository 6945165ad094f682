//go:build !wasip1

package main

import (
	"testing"

	"github.com/wasmart/wasmart/sdk"
	"github.com/wasmart/wasmart/sdk/sdktest"
)

const config = `{
  "free_shipping_from": 5000,
  "services": [
    {"code": "standard", "label": "Standard", "percent": 100, "free_eligible": true},
    {"code": "express", "label": "Express", "percent": 180, "days_delta": -1}
  ],
  "zones": [
    {"name": "de", "countries": ["DE"], "rates": [{"max_grams": 1000, "price": 490}, {"max_grams": 5000, "price": 690}], "per_extra_kg": 100, "min_days": 1, "max_days": 3},
    {"name": "de-islands", "countries": ["DE"], "regions": ["DE-SH"], "rates": [{"max_grams": 5000, "price": 990}], "min_days": 2, "max_days": 5},
    {"name": "world", "countries": ["*"], "rates": [{"max_grams": 2000, "price": 1990}], "per_extra_kg": 500, "min_days": 5, "max_days": 12}
  ]
}`

func TestZoneRates(t *testing.T) {
	h := sdktest.New().WithConfig(config)
	for _, c := range []struct {
		name          string
		in            sdk.LogisticsInput
		code          string
		price, lo, hi int64
	}{
		{"light DE", sdk.LogisticsInput{Country: "DE", WeightGrams: 800, Value: 1000}, "de-standard", 490, 1, 3},
		{"heavy DE", sdk.LogisticsInput{Country: "DE", WeightGrams: 7200, Value: 1000}, "de-standard", 690 + 3*100, 1, 3},
		{"volumetric", sdk.LogisticsInput{Country: "DE", WeightGrams: 500, LengthMM: 400, WidthMM: 300, HeightMM: 200, Value: 1000}, "de-standard", 690, 1, 3},
		{"free", sdk.LogisticsInput{Country: "de", WeightGrams: 800, Value: 5000}, "de-standard", 0, 1, 3},
		{"region", sdk.LogisticsInput{Country: "DE", Region: "DE-SH", WeightGrams: 800, Value: 100}, "de-islands-standard", 990, 2, 5},
		{"world", sdk.LogisticsInput{Country: "JP", WeightGrams: 2500, Value: 100}, "world-standard", 1990 + 500, 5, 12},
	} {
		out, err := h.Quote(&c.in)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Options) != 2 {
			t.Fatalf("%s: %+v", c.name, out.Options)
		}
		o := out.Options[0]
		if o.Code != c.code || o.Price != c.price || o.MinDays != c.lo || o.MaxDays != c.hi {
			t.Errorf("%s: got %+v", c.name, o)
		}
		if e := out.Options[1]; e.Price != c.price*180/100 && c.price != 0 {
			t.Errorf("%s: express %+v", c.name, e)
		}
	}
}

func TestExpressNotFreeAndNoZone(t *testing.T) {
	h := sdktest.New().WithConfig(`{"free_shipping_from":100,"services":[{"code":"express","label":"Express","percent":200}],
		"zones":[{"name":"fr","countries":["FR"],"rates":[{"max_grams":1000,"price":500}],"min_days":2,"max_days":2}]}`)
	out, err := h.Quote(&sdk.LogisticsInput{Country: "FR", WeightGrams: 10, Value: 1000})
	if err != nil || len(out.Options) != 1 || out.Options[0].Price != 1000 {
		t.Fatalf("%+v %v", out, err)
	}
	out, err = h.Quote(&sdk.LogisticsInput{Country: "US", WeightGrams: 10})
	if err != nil || len(out.Options) != 0 {
		t.Fatalf("%+v %v", out, err)
	}
}
