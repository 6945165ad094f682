package main

import (
	"testing"

	"github.com/wasmart/wasmart/sdk/sdktest"
)

// BenchmarkPricingNative is the native half of the BenchmarkPricingPlugin
// pair (package plugins/sandbox): the same handler, config and carts, called
// through the SDK harness (encode, dispatch, decode included).
func BenchmarkPricingNative(b *testing.B) {
	for _, n := range []int{1, 50, 200} {
		b.Run("lines="+itoa(int64(n)), func(b *testing.B) {
			h := sdktest.New().WithConfig(sdktest.VolumeTierConfig)
			in := sdktest.SampleCart(n)
			b.ReportAllocs()
			ops := 0
			sdktest.ReportCPU(b, func() int { return ops }, func() {
				for b.Loop() {
					ops++
					if _, err := h.Price(in); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
