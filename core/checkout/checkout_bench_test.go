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
	"github.com/wasmart/wasmart/core/checkout"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// BenchmarkCheckout places one-line orders from parallel shoppers and
// reports orders/s and latency percentiles.
func BenchmarkCheckout(b *testing.B) {
	storetest.EachB(b, func(b *testing.B, db *store.DB) {
		e := setup(b, db)
		v := e.shop.Variant(b, e.ctx, "Bench", 1000, 1_000_000_000, carttest.VariantOpts{})
		placeParallel(b, e, v, input())
	})
}

// BenchmarkCheckoutWithPromotions is BenchmarkCheckout in a shop running
// five automatic promotions (two of which the cart gets) with the shopper
// entering a coupon code, against the same shop with none live: the
// issue's throughput ratio (goal ≥ 0.9).
func BenchmarkCheckoutWithPromotions(b *testing.B) {
	storetest.EachB(b, func(b *testing.B, db *store.DB) {
		for _, mode := range []string{"none", "5-promotions+coupon"} {
			e := setupPromotions(b, db)
			{
				v := e.shop.Variant(b, e.ctx, "Bench "+mode, 1000, 1_000_000_000, carttest.VariantOpts{})
				in := input()
				if mode != "none" {
					in = benchOffers(b, e)
				}
				b.Run(mode, func(b *testing.B) { placeParallel(b, e.env, v, in) })
			}
		}
	})
}

// benchOffers makes the shop run BenchmarkCheckoutWithPromotions' five
// automatic promotions and coupon, and returns the checkout input that
// enters the coupon.
func benchOffers(t testing.TB, e *promoEnv) checkout.Input {
	all := []promotion.Class{promotion.ClassProduct, promotion.ClassOrder, promotion.ClassShipping}
	e.create(t, promotion.Promotion{Name: "5% off", Label: "5% off", Kind: promotion.KindPercentOff, PercentBP: 500, CombinesWith: all})
	e.create(t, promotion.Promotion{Name: "Tiers", Label: "Spend 50 save 5", Kind: promotion.KindSpendSave, Currency: "EUR", CombinesWith: all,
		Tiers: []promotion.Tier{{Spend: 5000, Off: 500}, {Spend: 10000, Off: 1200}}})
	e.create(t, promotion.Promotion{Name: "VIP", Label: "VIP 10%", Kind: promotion.KindPercentOff, PercentBP: 1000, CombinesWith: all,
		Conditions: promotion.Conditions{CustomerTags: []string{"vip"}}})
	e.create(t, promotion.Promotion{Name: "First", Label: "First order 3 off", Kind: promotion.KindAmountOff, Amount: 300, Currency: "EUR", CombinesWith: all,
		Conditions: promotion.Conditions{FirstOrder: true, SignedIn: true}})
	e.create(t, promotion.Promotion{Name: "Big", Label: "Over 500", Kind: promotion.KindAmountOff, Amount: 5000, Currency: "EUR", CombinesWith: all,
		Conditions: promotion.Conditions{MinSubtotal: 50_000}})
	coded := e.create(t, promotion.Promotion{Name: "Coupon", Label: "Coupon 2 off", Kind: promotion.KindAmountOff, Amount: 200, Currency: "EUR",
		RequiresCode: true, CombinesWith: all})
	if _, err := e.promos.AddCode(e.ctx, coded.ID, "BENCH2", 0); err != nil {
		t.Fatal(err)
	}
	return withCodes("bench2")
}

// placeParallel checks out b.N one-line carts of variant v from 4 ×
// GOMAXPROCS concurrent shoppers and reports orders/s and latency
// percentiles.
func placeParallel(b *testing.B, e *env, v string, in checkout.Input) {
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
			if _, _, err := e.checkout.Place(e.ctx, owners[i], in, fmt.Sprint(b.Name(), "-", i)); err != nil {
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
