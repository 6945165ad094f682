package pricing

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/core/money"
)

var ctx = context.Background()

func cart(lines ...Line) *Input {
	for i := range lines {
		if lines[i].ID == "" {
			lines[i].ID = fmt.Sprintf("l%d", i+1)
		}
	}
	return &Input{Currency: "USD", Lines: lines, Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func mustPrice(t *testing.T, p *Pipeline, in *Input) *Result {
	t.Helper()
	r, err := p.Price(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, r)
	return r
}

func checkInvariants(t *testing.T, r *Result) {
	t.Helper()
	var merch, adj, tax, lineTax int64
	for _, l := range r.Lines {
		if l.Total < 0 {
			t.Fatalf("line %s total %d < 0", l.ID, l.Total)
		}
		if l.Total != l.Subtotal+l.Adjusted {
			t.Fatalf("line %s: %d != %d + %d", l.ID, l.Total, l.Subtotal, l.Adjusted)
		}
		merch += l.Total
		lineTax += l.Tax
	}
	// Every line's adjustments are its line-level adjustments plus its
	// recorded shares of the order-level ones, which sum to their amounts.
	perLine := map[string]int64{}
	for _, a := range r.Adjustments {
		adj += a.Amount
		if a.Label == "" || a.Source == "" || a.Stage == "" {
			t.Fatalf("adjustment without label/source/stage: %+v", a)
		}
		if a.Level == LevelLine {
			perLine[a.LineID] += a.Amount
			if len(a.Lines) > 0 {
				t.Fatalf("line adjustment with shares: %+v", a)
			}
			continue
		}
		var shares int64
		for _, sh := range a.Lines {
			if sh.Amount == 0 || (sh.Amount < 0) != (a.Amount < 0) {
				t.Fatalf("share %+v of %+v", sh, a)
			}
			shares += sh.Amount
			perLine[sh.LineID] += sh.Amount
		}
		if shares != a.Amount {
			t.Fatalf("order adjustment %d spread as %d: %+v", a.Amount, shares, a.Lines)
		}
	}
	for _, l := range r.Lines {
		if perLine[l.ID] != l.Adjusted {
			t.Fatalf("line %s adjusted %d, adjustments and shares say %d", l.ID, l.Adjusted, perLine[l.ID])
		}
	}
	for _, x := range r.Taxes {
		tax += x.Amount
	}
	if merch != r.Merchandise || adj != r.Discounts || r.Subtotal+r.Discounts != r.Merchandise {
		t.Fatalf("merchandise %d (lines %d) discounts %d (adjustments %d) subtotal %d", r.Merchandise, merch, r.Discounts, adj, r.Subtotal)
	}
	if tax != r.TaxTotal {
		t.Fatalf("tax lines %d != tax total %d", tax, r.TaxTotal)
	}
	want := r.Merchandise + r.ShippingTotal
	if !r.TaxInclusive {
		want += r.TaxTotal
	}
	if r.Total != want || r.Total < 0 {
		t.Fatalf("total %d, want %d", r.Total, want)
	}
}

func TestBasePrices(t *testing.T) {
	r := mustPrice(t, nil, cart(Line{Quantity: 3, UnitPrice: 1250}, Line{Quantity: 1, UnitPrice: 99}))
	if r.Subtotal != 3849 || r.Total != 3849 || r.Lines[0].Total != 3750 {
		t.Fatalf("%+v", r)
	}
	var p Pipeline // zero value works
	if r2 := mustPrice(t, &p, cart(Line{Quantity: 2, UnitPrice: 5})); r2.Total != 10 {
		t.Fatal(r2.Total)
	}
}

// TestCurrencyMinorUnits prices in the currency's minor unit
// (money.Digits) and refuses a code that is not a currency.
func TestCurrencyMinorUnits(t *testing.T) {
	// A JPY tax rounds to whole yen.
	in := cart(Line{Quantity: 1, UnitPrice: 999, Taxable: true})
	in.Currency = "JPY"
	in.Destination = Address{Country: "JP"}
	in.Tax.Rates = []TaxRate{{Name: "Consumption tax", Country: "JP", RatePPM: 100_000}}
	if r := mustPrice(t, nil, in); r.TaxTotal != 100 || r.Total != 1099 { // 99.9 → 100
		t.Fatalf("JPY %+v", r)
	}
	in.Currency = "XXX"
	if _, err := (&Pipeline{}).Price(ctx, in); !errs.Is(err, errs.Invalid) {
		t.Fatalf("unknown currency: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	for name, in := range map[string]*Input{
		"zero quantity":     cart(Line{Quantity: 0, UnitPrice: 1}),
		"negative quantity": cart(Line{Quantity: -1, UnitPrice: 1}),
		"absurd quantity":   cart(Line{Quantity: MaxQuantity + 1, UnitPrice: 1}),
		"negative price":    cart(Line{Quantity: 1, UnitPrice: -1}),
		"huge price":        cart(Line{Quantity: 1, UnitPrice: money.MaxUnitPrice + 1}),
	} {
		if _, err := (*Pipeline)(nil).Price(ctx, in); !errs.Is(err, errs.Invalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	big := cart()
	for i := 0; i <= MaxLines; i++ {
		big.Lines = append(big.Lines, Line{ID: fmt.Sprint(i), Quantity: 1, UnitPrice: 1})
	}
	if _, err := (*Pipeline)(nil).Price(ctx, big); !errs.Is(err, errs.Invalid) {
		t.Fatal("501 lines accepted")
	}
	// The largest cart allowed cannot overflow.
	big.Lines = big.Lines[:MaxLines]
	for i := range big.Lines {
		big.Lines[i].Quantity, big.Lines[i].UnitPrice = MaxQuantity, money.MaxUnitPrice
	}
	if r := mustPrice(t, nil, big); r.Total != MaxLines*MaxQuantity*money.MaxUnitPrice {
		t.Fatal(r.Total)
	}
}

type promos []extension.Adjustment

func (p promos) Promote(context.Context, *PromotionRequest) ([]extension.Adjustment, error) {
	return p, nil
}

func TestAdjustmentsClampAndAllocate(t *testing.T) {
	p := &Pipeline{Promotions: promos{
		{Level: LevelLine, LineID: "l1", Amount: -5000, Label: "Too much off"},       // clamped to -1000
		{Level: LevelOrder, Amount: -100, Label: "Order 100 off", Code: "SAVE1"},     // split 0:... over remaining
		{Level: LevelLine, LineID: "l2", Amount: 7, Label: "Gift wrap", Source: "x"}, // surcharge
	}}
	r := mustPrice(t, p, cart(Line{Quantity: 1, UnitPrice: 1000}, Line{Quantity: 3, UnitPrice: 333}))
	if r.Lines[0].Total != 0 || r.Lines[0].Adjusted != -1000 {
		t.Fatalf("line 1 %+v", r.Lines[0])
	}
	if r.Lines[1].Total != 999+7-100 {
		t.Fatalf("line 2 %+v", r.Lines[1])
	}
	if r.Adjustments[0].Amount != -1000 || r.Adjustments[0].Stage != StagePromotions || r.Adjustments[0].Source != "promotions" {
		t.Fatalf("%+v", r.Adjustments)
	}
	// A fixed discount bigger than the order makes it free, never negative.
	p = &Pipeline{Promotions: promos{{Level: LevelOrder, Amount: -1_000_000, Label: "Free"}}}
	r = mustPrice(t, p, cart(Line{Quantity: 1, UnitPrice: 1000}, Line{Quantity: 2, UnitPrice: 1}))
	if r.Total != 0 || r.Discounts != -1002 {
		t.Fatalf("%+v", r)
	}
	// Proportional allocation with remainders adds up exactly.
	p = &Pipeline{Promotions: promos{{Level: LevelOrder, Amount: -10, Label: "10 off"}}}
	r = mustPrice(t, p, cart(Line{Quantity: 1, UnitPrice: 1}, Line{Quantity: 1, UnitPrice: 1}, Line{Quantity: 1, UnitPrice: 1}, Line{Quantity: 1, UnitPrice: 100}))
	if r.Merchandise != 93 {
		t.Fatalf("%+v", r)
	}
}

func TestExtensionFailuresNeverBreakPricing(t *testing.T) {
	var warned []Warning
	in := cart(Line{Quantity: 2, UnitPrice: 500})
	for name, impl := range map[string]extension.Pricing{
		"error": extension.PricingFunc(func(context.Context, *extension.PricingRequest) ([]extension.Adjustment, error) {
			return nil, errors.New("boom")
		}),
		"panic": extension.PricingFunc(func(context.Context, *extension.PricingRequest) ([]extension.Adjustment, error) {
			panic("bad plugin")
		}),
		"nonsense": extension.PricingFunc(func(context.Context, *extension.PricingRequest) ([]extension.Adjustment, error) {
			return []extension.Adjustment{{Level: LevelLine, LineID: "l1", Amount: -1}, {Level: LevelLine, LineID: "other-tenant", Amount: -100}}, nil
		}),
		"bad level": extension.PricingFunc(func(context.Context, *extension.PricingRequest) ([]extension.Adjustment, error) {
			return []extension.Adjustment{{Level: 9, Amount: -1}}, nil
		}),
	} {
		warned = nil
		p := &Pipeline{Pricing: impl, OnWarning: func(w Warning) { warned = append(warned, w) }}
		r := mustPrice(t, p, in)
		if r.Total != 1000 || len(r.Adjustments) != 0 || len(r.Warnings) != 1 || len(warned) != 1 || r.Warnings[0].Stage != StageExtension {
			t.Errorf("%s: %+v", name, r)
		}
	}
	ok := extension.PricingFunc(func(_ context.Context, req *extension.PricingRequest) ([]extension.Adjustment, error) {
		if req.Lines[0].UnitPrice != 500 || req.Subtotal() != 1000 {
			return nil, errors.New("bad request")
		}
		return []extension.Adjustment{{Level: LevelLine, LineID: "l1", Amount: -100, Label: "Bulk", Source: "plugin:bulk@1"}}, nil
	})
	r := mustPrice(t, &Pipeline{Pricing: ok}, in)
	if r.Total != 900 || r.Adjustments[0].Source != "plugin:bulk@1" || r.Adjustments[0].Stage != StageExtension {
		t.Fatalf("%+v", r)
	}
}

func shippingConfig() ShippingConfig {
	return ShippingConfig{
		Zones: []Zone{
			{Code: "us", Name: "US", Countries: []string{"US"}, Methods: []Method{
				{Code: "std", Label: "Standard", Kind: MethodFlat, Price: 500, FreeOver: 10000},
				{Code: "parcel", Label: "By weight", Kind: MethodWeight, Rates: []WeightRate{{1000, 300}, {5000, 900}}},
				{Code: "free", Label: "Free", Kind: MethodFree, FreeOver: 20000},
			}},
			{Code: "ca", Name: "California", Regions: []string{"US-CA"}, Methods: []Method{{Code: "ca-std", Label: "CA Standard", Kind: MethodFlat, Price: 700}}},
			{Code: "row", Name: "World", Countries: []string{"*"}, Methods: []Method{{Code: "intl", Label: "International", Kind: MethodFlat, Price: 2500}}},
		},
		Pickup: []Method{{Code: "pickup", Label: "Pick up in store", Kind: MethodPickup}},
	}
}

func codes(opts []ShippingOption) string {
	s := ""
	for _, o := range opts {
		s += fmt.Sprintf("%s=%d ", o.Code, o.Price)
	}
	return s
}

func TestShipping(t *testing.T) {
	cfg := shippingConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	in := cart(Line{Quantity: 2, UnitPrice: 1000, WeightGrams: 400, RequiresShipping: true})
	in.Shipping = cfg
	in.Destination = Address{Country: "US", Region: "NY"}
	r := mustPrice(t, nil, in)
	if got := codes(r.ShippingOptions); got != "pickup=0 parcel=300 std=500 " {
		t.Fatalf("US-NY: %s", got)
	}
	in.Destination.Region = "CA"
	if got := codes(mustPrice(t, nil, in).ShippingOptions); got != "pickup=0 ca-std=700 " {
		t.Fatalf("US-CA: %s", got)
	}
	in.Destination = Address{Country: "FR"}
	if got := codes(mustPrice(t, nil, in).ShippingOptions); got != "pickup=0 intl=2500 " {
		t.Fatalf("FR: %s", got)
	}
	// Heavier than the table, over the free threshold.
	in.Destination = Address{Country: "US"}
	in.Lines[0].Quantity, in.Lines[0].WeightGrams = 30, 200
	if got := codes(mustPrice(t, nil, in).ShippingOptions); got != "free=0 pickup=0 std=0 " {
		t.Fatalf("heavy: %s", got)
	}
	in.ShippingCode = "std"
	r = mustPrice(t, nil, in)
	if r.Shipping == nil || r.Shipping.Code != "std" || r.ShippingTotal != 0 {
		t.Fatalf("%+v", r.Shipping)
	}
	in.Lines[0].Quantity = 2
	if r = mustPrice(t, nil, in); r.ShippingTotal != 500 || r.Total != 2500 {
		t.Fatalf("%+v", r)
	}
	in.ShippingCode = "nope"
	if _, err := (*Pipeline)(nil).Price(ctx, in); !errs.Is(err, errs.Invalid) {
		t.Fatalf("unknown option: %v", err)
	}
	// Digital goods: no shipping needed, no options.
	d := cart(Line{Quantity: 1, UnitPrice: 100})
	d.Shipping = cfg
	d.Destination = Address{Country: "US"}
	if r := mustPrice(t, nil, d); r.ShippingNeeded || len(r.ShippingOptions) != 0 {
		t.Fatalf("%+v", r)
	}
	bad := ShippingConfig{Zones: []Zone{{Code: "z", Countries: []string{"US"}, Methods: []Method{{Code: "w", Kind: MethodWeight}}}}}
	if err := bad.Validate(); err == nil {
		t.Fatal("empty weight table accepted")
	}
}

func TestLogisticsExtension(t *testing.T) {
	in := cart(Line{Quantity: 1, UnitPrice: 1000, WeightGrams: 100, RequiresShipping: true})
	in.Shipping = shippingConfig()
	in.Destination = Address{Country: "DE"}
	p := &Pipeline{Logistics: extension.LogisticsFunc(func(_ context.Context, req *extension.LogisticsRequest) ([]extension.DeliveryOption, error) {
		if req.Parcel.WeightGrams != 100 || req.Destination.Country != "DE" {
			return nil, errors.New("bad parcel")
		}
		return []extension.DeliveryOption{{Code: "dhl", Label: "DHL", Price: 900, MinDays: 1, MaxDays: 2}}, nil
	})}
	in.ShippingCode = "dhl"
	r := mustPrice(t, p, in)
	if got := codes(r.ShippingOptions); got != "pickup=0 dhl=900 intl=2500 " || r.Shipping.Source != SourceLogistics {
		t.Fatalf("%s %+v", got, r.Shipping)
	}
	p.Logistics = extension.LogisticsFunc(func(context.Context, *extension.LogisticsRequest) ([]extension.DeliveryOption, error) {
		return []extension.DeliveryOption{{Code: "x", Price: -5}}, nil
	})
	in.ShippingCode = "intl"
	r = mustPrice(t, p, in)
	if len(r.Warnings) != 1 || r.ShippingTotal != 2500 {
		t.Fatalf("%+v", r)
	}
}

func TestTaxes(t *testing.T) {
	rates := []TaxRate{{Name: "GST", Country: "CA", RatePPM: 50_000}, {Name: "PST", Country: "CA", Region: "BC", RatePPM: 70_000}, {Name: "VAT", Country: "DE", RatePPM: 190_000}}
	in := cart(Line{Quantity: 1, UnitPrice: 1000, Taxable: true, RequiresShipping: true}, Line{Quantity: 1, UnitPrice: 500, Taxable: false})
	in.Tax = TaxConfig{Rates: rates, ShippingTaxable: true}
	in.Shipping = ShippingConfig{Zones: []Zone{{Code: "all", Countries: []string{"*"}, Methods: []Method{{Code: "s", Label: "S", Kind: MethodFlat, Price: 100}}}}}
	in.ShippingCode = "s"
	in.Destination = Address{Country: "CA", Region: "BC"}
	r := mustPrice(t, nil, in)
	// exclusive: 1000 × 12% + 100 × 12% = 132
	if r.TaxTotal != 132 || r.Total != 1000+500+100+132 || len(r.Taxes) != 2 || r.Taxes[0].Amount != 55 || r.Taxes[1].Amount != 77 {
		t.Fatalf("CA-BC %+v", r)
	}
	in.Destination.Region = "ON"
	if r = mustPrice(t, nil, in); r.TaxTotal != 55 {
		t.Fatalf("CA-ON %+v", r)
	}
	// inclusive: 1190 contains 190 of VAT; the total is what the shelf says.
	in.Tax.Inclusive = true
	in.Destination = Address{Country: "DE"}
	in.Lines[0].UnitPrice = 1190
	in.Tax.ShippingTaxable = false
	if r = mustPrice(t, nil, in); r.TaxTotal != 190 || r.Total != 1190+500+100 || r.Lines[0].Tax != 190 {
		t.Fatalf("DE %+v", r)
	}
	in.TaxExempt = true
	if r = mustPrice(t, nil, in); r.TaxTotal != 0 {
		t.Fatal("exempt taxed")
	}
	bad := TaxConfig{Rates: []TaxRate{{Name: "x", Country: "USA", RatePPM: 1}}}
	if bad.Validate() == nil {
		t.Fatal("bad country accepted")
	}
}

// TestRandomCartsKeepInvariants prices random carts with random promotions
// and checks that lines add up to totals and nothing goes negative.
func TestRandomCartsKeepInvariants(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for n := 0; n < 2000; n++ {
		in := cart()
		for i := 0; i < 1+rng.Intn(20); i++ {
			in.Lines = append(in.Lines, Line{ID: fmt.Sprint(i), Quantity: 1 + rng.Int63n(5), UnitPrice: rng.Int63n(5000), Taxable: rng.Intn(2) == 0, RequiresShipping: true, WeightGrams: rng.Int63n(900)})
		}
		var ps promos
		for k := 0; k < rng.Intn(4); k++ {
			if rng.Intn(2) == 0 {
				ps = append(ps, extension.Adjustment{Level: LevelOrder, Amount: rng.Int63n(20000) - 15000, Label: "o"})
			} else {
				ps = append(ps, extension.Adjustment{Level: LevelLine, LineID: fmt.Sprint(rng.Intn(len(in.Lines))), Amount: rng.Int63n(6000) - 5000, Label: "l"})
			}
		}
		in.Shipping = shippingConfig()
		in.Destination = Address{Country: "CA", Region: "BC"}
		in.ShippingCode = "intl"
		in.Tax = TaxConfig{Inclusive: rng.Intn(2) == 0, ShippingTaxable: true, Rates: []TaxRate{{Name: "GST", Country: "CA", RatePPM: 50_000}, {Name: "PST", Country: "CA", Region: "BC", RatePPM: 70_000}}}
		mustPrice(t, &Pipeline{Promotions: ps}, in)
	}
}

func benchCart(n int) *Input {
	in := cart()
	for i := 0; i < n; i++ {
		in.Lines = append(in.Lines, Line{ID: fmt.Sprintf("line-%03d", i), VariantID: fmt.Sprintf("v%d", i), Quantity: int64(1 + i%3), UnitPrice: int64(999 + i), WeightGrams: 250, Taxable: true, RequiresShipping: true})
	}
	in.Shipping = shippingConfig()
	in.Destination = Address{Country: "US", Region: "NY"}
	in.ShippingCode = "std"
	in.Tax = TaxConfig{ShippingTaxable: true, Rates: []TaxRate{{Name: "State", Country: "US", Region: "NY", RatePPM: 40_000}, {Name: "City", Country: "US", Region: "NY", RatePPM: 48_750}}}
	return in
}

type explained struct{ out *PromotionOutcome }

func (e explained) Promote(context.Context, *PromotionRequest) ([]extension.Adjustment, error) {
	return nil, errors.New("Explain is preferred")
}

func (e explained) Explain(_ context.Context, req *PromotionRequest) (*PromotionOutcome, error) {
	if req.Destination.Country != "FR" || len(req.Codes) != 1 {
		return nil, errors.New("request without destination or codes")
	}
	return e.out, nil
}

// An ExplainedPromotions stage reports its applied promotions and notes
// with the result, and its delivery discounts lower the options' prices;
// only the chosen option's discount counts as applied. When its
// adjustments are dropped, the rest goes with them.
func TestExplainedPromotions(t *testing.T) {
	out := &PromotionOutcome{
		Adjustments: []extension.Adjustment{{Level: LevelOrder, Amount: -500, Label: "5 off", Code: "p1"}},
		Applied:     []AppliedPromotion{{ID: "p1", Label: "5 off", Amount: 500}},
		Shipping:    []ShippingDiscount{{PromotionID: "ship", Label: "Free delivery", Methods: []string{"std"}, PercentBP: 10_000}, {PromotionID: "half", Label: "Half off", PercentBP: 5000}},
		Notes:       []PromotionNote{{Code: "NOPE", Reason: "this code is not valid"}},
	}
	in := cart(Line{Quantity: 2, UnitPrice: 1500, RequiresShipping: true})
	in.Codes = []string{"nope"}
	in.Destination = Address{Country: "FR"}
	in.Shipping = ShippingConfig{Zones: []Zone{{Code: "fr", Countries: []string{"FR"}, Methods: []Method{
		{Code: "std", Label: "Standard", Kind: MethodFlat, Price: 500}, {Code: "exp", Label: "Express", Kind: MethodFlat, Price: 1200}}}}}
	in.ShippingCode = "exp"
	r := mustPrice(t, &Pipeline{Promotions: explained{out}}, in)
	if got := codes(r.ShippingOptions); got != "std=0 exp=600 " {
		t.Fatalf("options %s", got)
	}
	if r.Total != 3000-500+600 || len(r.Promotions) != 2 || r.Promotions[1].ID != "half" || r.Promotions[1].Amount != 600 ||
		!r.Promotions[1].Shipping || len(r.PromotionNotes) != 1 || r.Shipping.DiscountLabel != "Half off" {
		t.Fatalf("result %+v", r)
	}
	out.Adjustments = append(out.Adjustments, extension.Adjustment{Level: LevelLine, LineID: "nope", Amount: -1})
	r = mustPrice(t, &Pipeline{Promotions: explained{out}}, in)
	if len(r.Promotions) != 0 || len(r.PromotionNotes) != 0 || r.ShippingTotal != 1200 || len(r.Warnings) != 1 {
		t.Fatalf("dropped outcome kept: %+v", r)
	}
}
