package checkout_test

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/cart/carttest"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// BenchmarkCheckout places one-line orders from parallel shoppers and
// reports orders/s and latency percentiles.
func BenchmarkCheckout(b *testing.B) {
	storetest.EachB(b, func(b *testing.B, db *store.DB) {
		e := setup(b, db)
		v := e.shop.Variant(b, e.ctx, "Bench", 1000, 1_000_000_000, carttest.VariantOpts{})
		owners := make([]cart.Owner, b.N)
		for i := range owners {
			owners[i] = e.guest(b, map[string]int64{v: 1})
		}
		var next atomic.Int64
		var mu sync.Mutex
		lat := make([]time.Duration, 0, b.N)
		b.SetParallelism(4) // 4 × GOMAXPROCS concurrent shoppers
		b.ResetTimer()
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := next.Add(1) - 1
				t0 := time.Now()
				if _, _, err := e.checkout.Place(e.ctx, owners[i], input(), fmt.Sprint("bench-", i)); err != nil {
					b.Error(err)
					return
				}
				d := time.Since(t0)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		})
		el := time.Since(start)
		b.StopTimer()
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		if len(lat) > 0 {
			b.ReportMetric(float64(len(lat))/el.Seconds(), "orders/s")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		}
	})
}

// BenchmarkCheckoutOneShopper is one shopper's checkout latency, no
// contention.
func BenchmarkCheckoutOneShopper(b *testing.B) {
	storetest.EachB(b, func(b *testing.B, db *store.DB) {
		e := setup(b, db)
		v := e.shop.Variant(b, e.ctx, "Bench", 1000, 1_000_000_000, carttest.VariantOpts{})
		owners := make([]cart.Owner, b.N)
		for i := range owners {
			owners[i] = e.guest(b, map[string]int64{v: 1})
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, _, err := e.checkout.Place(e.ctx, owners[i], input(), fmt.Sprint("one-", i)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
