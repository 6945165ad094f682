package pricing

import (
	"fmt"
	"testing"
)

// BenchmarkPriceCart is the in-process pipeline with no plugins: base
// prices, no-op promotions and extension, zone shipping, two tax rates.
func BenchmarkPriceCart(b *testing.B) {
	for _, n := range []int{1, 50, 200} {
		b.Run(fmt.Sprintf("lines=%d", n), func(b *testing.B) {
			in := benchCart(n)
			p := &Pipeline{}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Price(ctx, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
