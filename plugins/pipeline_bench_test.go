package plugins

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/sdk/sdktest"
)

// pipelineCart is core/pricing's BenchmarkPriceCart cart: n lines, zone
// shipping, two tax rates.
func pipelineCart(n int) *pricing.Input {
	in := &pricing.Input{Currency: "USD"}
	for i := 0; i < n; i++ {
		in.Lines = append(in.Lines, pricing.Line{ID: fmt.Sprintf("line-%03d", i), VariantID: fmt.Sprintf("v%d", i), ProductID: fmt.Sprintf("p%d", i),
			Quantity: int64(1 + i%3), UnitPrice: int64(999 + i), WeightGrams: 250, Taxable: true, RequiresShipping: true})
	}
	in.Shipping = pricing.ShippingConfig{Zones: []pricing.Zone{
		{Code: "us", Name: "US", Countries: []string{"US"}, Methods: []pricing.Method{
			{Code: "std", Label: "Standard", Kind: pricing.MethodFlat, Price: 500, FreeOver: 10000},
			{Code: "parcel", Label: "By weight", Kind: pricing.MethodWeight, Rates: []pricing.WeightRate{{UpToGrams: 1000, Price: 300}, {UpToGrams: 5000, Price: 900}}},
			{Code: "free", Label: "Free", Kind: pricing.MethodFree, FreeOver: 20000},
		}},
		{Code: "row", Name: "World", Countries: []string{"*"}, Methods: []pricing.Method{{Code: "intl", Label: "International", Kind: pricing.MethodFlat, Price: 2500}}},
	}}
	in.Destination = pricing.Address{Country: "US", Region: "NY"}
	in.ShippingCode = "std"
	in.Tax = pricing.TaxConfig{ShippingTaxable: true, Rates: []pricing.TaxRate{
		{Name: "State", Country: "US", Region: "NY", RatePPM: 40_000}, {Name: "City", Country: "US", Region: "NY", RatePPM: 48_750}}}
	return in
}

// BenchmarkPipelineWithPlugin is the whole checkout pricing pipeline
// (base prices, the pricing extension, shipping, taxes, totals) with the
// first-party volume-tier plugin enabled, as the checkout gets it from
// Service.Pipeline: the tenant's cached enabled installations, the
// adapter, the host call, and run recording to the database (SQLite; the
// recorder writes in the background). plugin=none is the same cart with
// no plugin (BenchmarkPriceCart's pipeline); record=off skips run
// recording (dry runs and replays call plugins that way).
func BenchmarkPipelineWithPlugin(b *testing.B) {
	db := storetest.SQLite(b)
	s, err := NewService(db, ServiceOptions{Host: Options{CacheDir: testCacheDir(b)}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	man, wasm := firstPartyUpload(b, "pricing", "1.0.0")
	bg := context.Background()
	if _, err := s.Publish(tenancy.WithPlatform(bg), PublishInput{Manifest: man, Wasm: wasm}); err != nil {
		b.Fatal(err)
	}
	ctx := tenancy.WithTenant(bg, "bench")
	inst, err := s.Install(ctx, "wasmart-pricing", "", []byte(sdktest.VolumeTierConfig))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.SetEnabled(ctx, inst.ID, true); err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1, 50, 200} {
		in := pipelineCart(n)
		b.Run("plugin=none/lines="+strconv.Itoa(n), func(b *testing.B) {
			p := &pricing.Pipeline{}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Price(ctx, in); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("plugin=volume-tiers,record=off/lines="+strconv.Itoa(n), func(b *testing.B) {
			ctx := WithoutRecording(ctx)
			if _, err := s.Pipeline(ctx, nil).Price(ctx, in); err != nil {
				b.Fatal(err)
			}
			ops := 0
			b.ReportAllocs()
			b.ResetTimer()
			sdktest.ReportCPU(b, func() int { return ops }, func() {
				for b.Loop() {
					ops++
					if _, err := s.Pipeline(ctx, nil).Price(ctx, in); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
		b.Run("plugin=volume-tiers/lines="+strconv.Itoa(n), func(b *testing.B) {
			res, err := s.Pipeline(ctx, nil).Price(ctx, in) // warm the instance
			if err != nil || res.Discounts == 0 && n > 1 {
				b.Fatalf("warm-up: %+v %v", res, err)
			}
			ops := 0
			b.ReportAllocs()
			b.ResetTimer()
			sdktest.ReportCPU(b, func() int { return ops }, func() {
				for b.Loop() {
					ops++
					if _, err := s.Pipeline(ctx, nil).Price(ctx, in); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.ReportMetric(float64(s.Recorder().Dropped()), "dropped-records")
		})
	}
}
