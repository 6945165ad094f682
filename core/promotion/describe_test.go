package promotion_test

import (
	"testing"

	"github.com/wasmart/wasmart/core/promotion"
)

// TestDescribe: every kind reads as the offer a merchant set up, with its
// target, conditions, cap and code, in the promotion's currency.
func TestDescribe(t *testing.T) {
	names := func(kind, id string) string {
		return map[string]string{"collection:summer": "Summer", "product:shirt": "Linen Shirt", "variant:tote": "Tote bag"}[kind+":"+id]
	}
	for _, c := range []struct {
		p    promotion.Promotion
		want string
	}{
		{promotion.Promotion{Kind: promotion.KindPercentOff, PercentBP: 2000, Target: promotion.Target{ProductIDs: []string{"shirt"}},
			Conditions: promotion.Conditions{CustomerTags: []string{"vip"}}},
			"20% off Linen Shirt for customers tagged vip"},
		{promotion.Promotion{Kind: promotion.KindPercentOff, PercentBP: 1250, RequiresCode: true, MaxDiscount: 5000, Currency: "EUR"},
			"12.5% off the whole order, at most 50.00 EUR per order, with a code"},
		{promotion.Promotion{Kind: promotion.KindAmountOff, Amount: 500, PerItem: true, Currency: "EUR", Target: promotion.Target{Tags: []string{"sale"}}},
			"5.00 EUR off each item of items tagged sale"},
		{promotion.Promotion{Kind: promotion.KindSpendSave, Currency: "CNY", Tiers: []promotion.Tier{{Spend: 20000, Off: 2000}, {Spend: 30000, Off: 4000}}},
			"Spend 200.00 CNY, save 20.00 CNY; spend 300.00 CNY, save 40.00 CNY"},
		{promotion.Promotion{Kind: promotion.KindBuyGet, BuyGet: promotion.BuyGet{Buy: 2, Get: 1, PercentBP: 10000}, Target: promotion.Target{CollectionIDs: []string{"summer"}}},
			"Buy 2 from Summer, get 1 free"},
		{promotion.Promotion{Kind: promotion.KindBuyGet, BuyGet: promotion.BuyGet{Buy: 1, Get: 1, PercentBP: 5000, MaxRepeats: 1}, Target: promotion.Target{Categories: []string{"Shoes"}}},
			"Buy 1 from the Shoes category, get 1 at 50% off (up to once)"},
		{promotion.Promotion{Kind: promotion.KindGift, GiftVariantID: "tote", GiftQuantity: 1, Currency: "EUR", Conditions: promotion.Conditions{MinSubtotal: 10000}},
			"A free gift: 1 × Tote bag when the order reaches 100.00 EUR"},
		{promotion.Promotion{Kind: promotion.KindShipping, PercentBP: 10000, Currency: "EUR", Conditions: promotion.Conditions{MinSubtotal: 5000, Countries: []string{"FR", "DE"}}},
			"Free delivery to FR, DE when the order reaches 50.00 EUR"},
		{promotion.Promotion{Kind: promotion.KindFlashSale, Currency: "EUR", Flash: []promotion.FlashItem{{VariantID: "tote", Price: 990, Quota: 10}}},
			"Flash sale: Tote bag at 9.90 EUR, 10 at this price"},
		{promotion.Promotion{Kind: promotion.KindPercentOff, PercentBP: 1000, Target: promotion.Target{ProductIDs: []string{"gone", "shirt"}},
			Conditions: promotion.Conditions{FirstOrder: true, SignedIn: true, MinQuantity: 3, NewWithinDays: 14}},
			"10% off Linen Shirt or 1 other chosen item for 3 or more items, on products published in the last 14 days, for signed-in customers, on a first order"},
		{promotion.Promotion{Kind: promotion.KindPercentOff, PercentBP: 1500, Conditions: promotion.Conditions{Segments: []string{"tier:gold", "tier:premium"}}},
			"15% off the whole order for members of tier:gold or tier:premium"},
	} {
		if got := promotion.Describe(&c.p, names); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.p.Kind, got, c.want)
		}
	}
}

// Without names (a list of many promotions), chosen products are counted.
func TestDescribeWithoutNames(t *testing.T) {
	p := promotion.Promotion{Kind: promotion.KindBuyGet, BuyGet: promotion.BuyGet{Buy: 2, Get: 1, PercentBP: 10000}, Target: promotion.Target{ProductIDs: []string{"a", "b"}}}
	if got, want := promotion.Describe(&p, nil), "Buy 2 from 2 chosen items, get 1 free"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
