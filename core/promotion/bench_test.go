package promotion_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/promotion"
)

// benchPromotions are 20 live promotions of every kind a shop runs at
// once: product offers on tags, categories and products, order tiers,
// buy X get Y, a gift, delivery offers, a flash sale and a coded one;
// some combine, some are exclusive, some miss their conditions.
func benchPromotions(now time.Time) []promotion.Promotion {
	live := func(id string, k promotion.Kind, prio int, with ...promotion.Class) promotion.Promotion {
		return promotion.Promotion{ID: id, Name: id, Label: id, Kind: k, Status: promotion.StatusActive, Priority: prio, Currency: "USD",
			StartsAt: now.Add(-time.Hour), EndsAt: now.Add(time.Hour), CombinesWith: with}
	}
	all := []promotion.Class{promotion.ClassProduct, promotion.ClassOrder, promotion.ClassShipping}
	var ps []promotion.Promotion
	for i := 0; i < 4; i++ { // percent off a tag, combinable
		p := live(fmt.Sprint("tag", i), promotion.KindPercentOff, 1, all...)
		p.Target.Tags, p.PercentBP = []string{fmt.Sprint("tag", i)}, int64(500+i*100)
		ps = append(ps, p)
	}
	for i := 0; i < 3; i++ { // amount off a category per item, exclusive
		p := live(fmt.Sprint("cat", i), promotion.KindAmountOff, 0)
		p.Target.Categories, p.Amount, p.PerItem = []string{fmt.Sprint("cat", i)}, int64(100+i*50), true
		ps = append(ps, p)
	}
	for i := 0; i < 2; i++ { // percent off named products, capped
		p := live(fmt.Sprint("prod", i), promotion.KindPercentOff, 0, all...)
		p.Target.ProductIDs, p.PercentBP, p.MaxDiscount = []string{fmt.Sprint("p", i), fmt.Sprint("p", i+10)}, 1500, 2000
		ps = append(ps, p)
	}
	for i := 0; i < 3; i++ { // spend X save Y tiers on the order
		p := live(fmt.Sprint("tiers", i), promotion.KindSpendSave, 0, all...)
		p.Tiers = []promotion.Tier{{Spend: 20000, Off: 2000}, {Spend: 30000, Off: 4000}, {Spend: int64(50000 + i*10000), Off: 8000}}
		ps = append(ps, p)
	}
	for i := 0; i < 2; i++ { // buy 2 get 1 in a category
		p := live(fmt.Sprint("buyget", i), promotion.KindBuyGet, 0, promotion.ClassOrder, promotion.ClassShipping)
		p.Target.Categories, p.BuyGet = []string{fmt.Sprint("cat", i+1)}, promotion.BuyGet{Buy: 2, Get: 1, PercentBP: 10000}
		ps = append(ps, p)
	}
	gift := live("gift", promotion.KindGift, 0, all...)
	gift.GiftVariantID, gift.GiftQuantity, gift.Conditions.MinSubtotal = "gift-variant", 1, 15000
	ps = append(ps, gift)
	for i := 0; i < 2; i++ { // delivery offers
		p := live(fmt.Sprint("ship", i), promotion.KindShipping, 0, all...)
		p.PercentBP, p.Conditions.MinSubtotal = int64(5000+5000*i), int64(10000*(i+1))
		ps = append(ps, p)
	}
	flash := live("flash", promotion.KindFlashSale, 2, all...)
	flash.Flash = []promotion.FlashItem{{VariantID: "v3", Price: 500, Quota: 100}, {VariantID: "v7", Price: 600, Quota: 100}}
	ps = append(ps, flash)
	members := live("members", promotion.KindPercentOff, 1, all...)
	members.PercentBP, members.Conditions.CustomerTags = 1000, []string{"vip"} // misses: the shopper has no tag
	ps = append(ps, members)
	coded := live("coded", promotion.KindAmountOff, 0, all...)
	coded.Amount, coded.RequiresCode = 500, true
	ps = append(ps, coded)
	return ps
}

func benchCart(n int, now time.Time) *pricing.Input {
	in := &pricing.Input{Currency: "USD", Now: now, Destination: pricing.Address{Country: "US", Region: "NY"}, ShippingCode: "std",
		Shipping: pricing.ShippingConfig{Zones: []pricing.Zone{{Code: "us", Name: "US", Countries: []string{"US"}, Methods: []pricing.Method{
			{Code: "std", Label: "Standard", Kind: pricing.MethodFlat, Price: 500, FreeOver: 10000}}}}},
		Tax: pricing.TaxConfig{ShippingTaxable: true, Rates: []pricing.TaxRate{{Name: "State", Country: "US", Region: "NY", RatePPM: 40_000}}}}
	for i := 0; i < n; i++ {
		in.Lines = append(in.Lines, pricing.Line{ID: fmt.Sprintf("line-%03d", i), VariantID: fmt.Sprint("v", i), ProductID: fmt.Sprint("p", i%20),
			Quantity: int64(1 + i%3), UnitPrice: int64(999 + i), WeightGrams: 250, Taxable: true, RequiresShipping: true,
			Tags: []string{fmt.Sprint("tag", i%6)}, Categories: []string{fmt.Sprint("cat", i%4)}})
	}
	return in
}

// BenchmarkPriceCartWithPromotions prices carts of 1, 50 and 200 lines
// through the whole pipeline (base, promotions, shipping, tax) with 20
// live promotions, against the same pipeline without promotions. The
// issue's goal: 200 lines under 200 µs and under 2× the pipeline without.
func BenchmarkPriceCartWithPromotions(b *testing.B) {
	now := time.Date(2026, 11, 11, 12, 0, 0, 0, time.UTC)
	stage := &promotion.Stage{Promotions: benchPromotions(now), Codes: map[string]promotion.Code{}}
	for _, n := range []int{1, 50, 200} {
		for _, mode := range []string{"none", "20-promotions"} {
			b.Run(fmt.Sprintf("lines=%d/%s", n, mode), func(b *testing.B) {
				p := &pricing.Pipeline{}
				if mode != "none" {
					p.Promotions = stage
				}
				ctx := context.Background()
				in := benchCart(n, now)
				res, err := p.Price(ctx, in)
				if err != nil {
					b.Fatal(err)
				}
				if mode != "none" && len(res.Promotions) == 0 {
					b.Fatal("no promotion applied: the benchmark would measure nothing")
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := p.Price(ctx, in); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
