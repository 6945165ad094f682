package promotion

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 11, 10, 0, 0, 0, time.UTC)

func cartOf(lines ...Line) *Cart {
	return &Cart{Currency: "EUR", Lines: lines, Now: now}
}

func line(id string, qty, price int64, tags ...string) Line {
	return Line{ID: id, VariantID: "v-" + id, ProductID: "p-" + id, Quantity: qty, UnitPrice: price, Tags: tags}
}

func active(p Promotion) Promotion {
	p.Status = StatusActive
	if p.Label == "" {
		p.Label = p.ID
	}
	if p.Currency == "" {
		p.Currency = "EUR"
	}
	return p
}

// got renders an outcome as "label:amount" per promotion, in order.
func got(o *Outcome) string {
	var b []string
	for _, a := range o.Applied {
		b = append(b, fmt.Sprintf("%s:%d", a.ID, a.Amount))
	}
	return strings.Join(b, " ")
}

func TestPromotionStacking(t *testing.T) {
	pct := func(id string, bp int64, prio int, with ...Class) Promotion {
		return active(Promotion{ID: id, Kind: KindPercentOff, PercentBP: bp, Priority: prio, CombinesWith: with})
	}
	tagPct := func(id, tag string, bp int64, with ...Class) Promotion {
		p := pct(id, bp, 0, with...)
		p.Target.Tags = []string{tag}
		return p
	}
	amt := func(id string, amount int64, with ...Class) Promotion {
		return active(Promotion{ID: id, Kind: KindAmountOff, Amount: amount, CombinesWith: with})
	}
	tiers := active(Promotion{ID: "tiers", Kind: KindSpendSave, Tiers: []Tier{{20000, 2000}, {30000, 4000}}, CombinesWith: []Class{ClassProduct}})
	cases := []struct {
		name   string
		lines  []Line
		promos []Promotion
		want   string
	}{
		{"exclusive: best for shopper", []Line{line("a", 1, 10000)},
			[]Promotion{pct("p10", 1000, 0), amt("a15", 1500)}, "a15:1500"},
		{"exclusive loses to a better compatible pair", []Line{line("a", 1, 10000, "summer")},
			[]Promotion{amt("a11", 1100), tagPct("s10", "summer", 1000, ClassOrder), pct("o5", 500, 0, ClassProduct)}, "s10:1000 o5:450"},
		{"priority wins over value", []Line{line("a", 1, 10000)},
			[]Promotion{pct("p10", 1000, 5), amt("a15", 1500)}, "p10:1000"},
		{"combine needs both sides", []Line{line("a", 1, 10000, "summer")},
			[]Promotion{tagPct("s10", "summer", 1000, ClassOrder), pct("o5", 500, 0)}, "s10:1000"},
		{"tiers on what remains after product discounts", []Line{line("a", 2, 16000, "summer")},
			[]Promotion{tiers, tagPct("s10", "summer", 1000, ClassOrder)}, "s10:3200 tiers:2000"},
		{"highest tier", []Line{line("a", 2, 16000)}, []Promotion{tiers}, "tiers:4000"},
		{"fixed amount capped at the cart", []Line{line("a", 1, 500)}, []Promotion{amt("a15", 1500)}, "a15:500"},
		{"max discount cap", []Line{line("a", 1, 10000)},
			[]Promotion{func() Promotion { p := pct("p50", 5000, 0); p.MaxDiscount = 1200; return p }()}, "p50:1200"},
		{"budget left caps", []Line{line("a", 1, 10000)},
			[]Promotion{func() Promotion { p := pct("p50", 5000, 0); p.Budget, p.Spent = 10000, 9700; return p }()}, "p50:300"},
		{"buy 2 get 1 free, cheapest, repeated", []Line{line("a", 4, 1000, "tee"), line("b", 2, 700, "tee")},
			[]Promotion{active(Promotion{ID: "b2g1", Kind: KindBuyGet, Target: Target{Tags: []string{"tee"}}, BuyGet: BuyGet{Buy: 2, Get: 1, PercentBP: 10000}})},
			"b2g1:1400"},
		{"flash sale: quota then normal price", []Line{line("a", 5, 2000)},
			[]Promotion{active(Promotion{ID: "flash", Kind: KindFlashSale, EndsAt: now.Add(time.Hour), Flash: []FlashItem{{VariantID: "v-a", Price: 1500, Quota: 10, Sold: 7}}})},
			"flash:1500"},
		{"gift in cart is free", []Line{line("a", 1, 5000), line("g", 1, 900)},
			[]Promotion{active(Promotion{ID: "gift", Kind: KindGift, GiftVariantID: "v-g", GiftQuantity: 1, Conditions: Conditions{MinSubtotal: 3000}})},
			"gift:900"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := Evaluate(c.promos, cartOf(c.lines...))
			if g := got(o); g != c.want {
				t.Fatalf("got %q, want %q; notes %+v", g, c.want, o.Notes)
			}
			checkOutcome(t, cartOf(c.lines...), o)
		})
	}
}

func TestReasons(t *testing.T) {
	min50 := active(Promotion{ID: "m50", Label: "Ten off", Kind: KindAmountOff, Amount: 1000, RequiresCode: true, Conditions: Conditions{MinSubtotal: 5000}})
	expired := active(Promotion{ID: "old", Label: "Old", Kind: KindPercentOff, PercentBP: 1000, RequiresCode: true, EndsAt: now.Add(-time.Hour)})
	first := active(Promotion{ID: "first", Label: "Welcome", Kind: KindPercentOff, PercentBP: 1000, RequiresCode: true, Conditions: Conditions{FirstOrder: true, SignedIn: true}})
	c := cartOf(line("a", 1, 3750))
	c.Codes = []Code{{Text: "ten", ID: "c1", PromotionID: "m50"}, {Text: "OLD", ID: "c2", PromotionID: "old"}, {Text: "nope"},
		{Text: "used", ID: "c3", PromotionID: "m50", UsageLimit: 1, Used: 1}, {Text: "hello", ID: "c4", PromotionID: "first"}}
	o := Evaluate([]Promotion{min50, expired, first}, c)
	var notes []string
	for _, n := range o.Notes {
		notes = append(notes, n.Code+": "+n.Reason)
	}
	want := []string{"NOPE: this code is not valid", "USED: this code has already been used",
		"TEN: minimum spend 50.00 EUR not reached (add 12.50 EUR)", "OLD: this offer has expired", "HELLO: sign in to use this offer"}
	if strings.Join(notes, "\n") != strings.Join(want, "\n") {
		t.Fatalf("notes:\n%s", strings.Join(notes, "\n"))
	}
	if len(o.Applied) != 0 {
		t.Fatalf("applied %+v", o.Applied)
	}
	c.Customer = Customer{ID: "cu1", Orders: 2}
	c.Codes = c.Codes[4:]
	if o := Evaluate([]Promotion{first}, c); len(o.Notes) != 1 || o.Notes[0].Reason != "this offer is for a first order only" {
		t.Fatalf("first order: %+v", o.Notes)
	}
}

// TestReasonsAtSalePrices: what an order or delivery offer misses is
// stated at the totals it is judged on, after the product discounts (the
// sale prices the shopper sees), not at list prices; the notes keep their
// order.
func TestReasonsAtSalePrices(t *testing.T) {
	sale := active(Promotion{ID: "sale", Label: "−20%", Kind: KindPercentOff, PercentBP: 2000, Target: Target{ProductIDs: []string{"p-a"}},
		CombinesWith: []Class{ClassOrder, ClassShipping}})
	tiers := active(Promotion{ID: "tiers", Label: "满减", Kind: KindSpendSave, Tiers: []Tier{{5000, 500}, {10000, 1500}},
		CombinesWith: []Class{ClassProduct, ClassShipping}})
	min50 := active(Promotion{ID: "m50", Label: "Ten off", Kind: KindAmountOff, Amount: 1000, RequiresCode: true, Conditions: Conditions{MinSubtotal: 5000},
		CombinesWith: []Class{ClassProduct}})
	ship := active(Promotion{ID: "ship", Label: "Free delivery", Kind: KindShipping, PercentBP: 10000, Conditions: Conditions{MinSubtotal: 4500},
		CombinesWith: []Class{ClassProduct, ClassOrder}})
	c := cartOf(line("a", 2, 2000)) // 40.00 EUR, 32.00 EUR on sale
	c.Codes = []Code{{Text: "TEN", ID: "c1", PromotionID: "m50"}, {Text: "nope"}}
	o := Evaluate([]Promotion{sale, tiers, min50, ship}, c)
	var notes []string
	for _, n := range o.Notes {
		notes = append(notes, n.Code+" "+n.Label+": "+n.Reason)
	}
	want := []string{"NOPE : this code is not valid", " 满减: spend 50.00 EUR to save 5.00 EUR (add 18.00 EUR)",
		"TEN Ten off: minimum spend 50.00 EUR not reached (add 18.00 EUR)", " Free delivery: minimum spend 45.00 EUR not reached (add 13.00 EUR)"}
	if strings.Join(notes, "\n") != strings.Join(want, "\n") {
		t.Fatalf("notes:\n%s", strings.Join(notes, "\n"))
	}
	if got(o) != "sale:800" {
		t.Fatalf("applied %s", got(o))
	}
	// At 7 units (112.00 EUR on sale) the second tier applies and no note
	// is left but the code's.
	c.Lines[0].Quantity = 7
	o = Evaluate([]Promotion{sale, tiers, min50, ship}, c)
	if got(o) != "sale:2800 tiers:1500" || len(o.Notes) != 2 || o.Notes[1].Code != "TEN" || strings.Contains(o.Notes[1].Reason, "minimum spend") {
		t.Fatalf("applied %s, notes %+v", got(o), o.Notes)
	}
}

func TestShippingAndGiftOutcome(t *testing.T) {
	ship := active(Promotion{ID: "ship", Kind: KindShipping, PercentBP: 10000, Conditions: Conditions{Countries: []string{"FR"}, MinSubtotal: 5000}, CombinesWith: []Class{ClassProduct, ClassOrder}})
	gift := active(Promotion{ID: "gift", Kind: KindGift, GiftVariantID: "v-g", GiftQuantity: 1, CombinesWith: []Class{ClassShipping}})
	c := cartOf(line("a", 1, 6000))
	c.Country = "FR"
	o := Evaluate([]Promotion{ship, gift}, c)
	if len(o.Shipping) != 1 || o.Shipping[0].PercentBP != 10000 || len(o.Gifts) != 1 || o.Gifts[0].InCart || o.Discount != 0 {
		t.Fatalf("outcome %+v", o)
	}
	c.Country = "DE"
	if o := Evaluate([]Promotion{ship}, c); len(o.Shipping) != 0 || len(o.Notes) != 1 || o.Notes[0].Reason != "this offer does not deliver to DE" {
		t.Fatalf("DE: %+v", o)
	}
}

// checkOutcome checks the invariants every outcome keeps.
func checkOutcome(t testing.TB, c *Cart, o *Outcome) {
	t.Helper()
	perLine := map[string]int64{}
	var total, order int64
	for _, a := range o.Adjustments {
		if a.Amount >= 0 {
			t.Fatalf("non-negative discount %+v", a)
		}
		total -= a.Amount
		if a.LineID == "" {
			order -= a.Amount
		} else {
			perLine[a.LineID] -= a.Amount
		}
	}
	var applied, sub int64
	for _, a := range o.Applied {
		if a.Amount <= 0 {
			t.Fatalf("applied without amount %+v", a)
		}
		applied += a.Amount
	}
	for _, l := range c.Lines {
		s := l.Quantity * l.UnitPrice
		sub += s
		if perLine[l.ID] > s {
			t.Fatalf("line %s below zero: %d off %d", l.ID, perLine[l.ID], s)
		}
		sub -= perLine[l.ID]
	}
	if order > sub {
		t.Fatalf("order below zero: %d off %d", order, sub)
	}
	if total != applied || total != o.Discount {
		t.Fatalf("adjustments %d, applied %d, discount %d", total, applied, o.Discount)
	}
}

// FuzzPromotionTotalsNeverNegative: whatever the cart and the promotions,
// adjustments are negative integers that add up to the discount, and no
// line and no order goes below zero.
func FuzzPromotionTotalsNeverNegative(f *testing.F) {
	for _, s := range []int64{1, 2, 3, 42, 1000} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, seed int64) {
		r := rand.New(rand.NewSource(seed))
		tags := []string{"a", "b", "c"}
		var lines []Line
		for i := 0; i < 1+r.Intn(8); i++ {
			lines = append(lines, line(fmt.Sprint(i), 1+r.Int63n(5), r.Int63n(5000), tags[r.Intn(3)]))
		}
		var promos []Promotion
		classes := []Class{ClassProduct, ClassOrder, ClassShipping}
		for i := 0; i < 1+r.Intn(8); i++ {
			p := Promotion{ID: fmt.Sprint("p", i), Priority: r.Intn(3)}
			switch r.Intn(7) {
			case 0:
				p.Kind, p.PercentBP = KindPercentOff, 1+r.Int63n(10000)
			case 1:
				p.Kind, p.Amount, p.PerItem = KindAmountOff, 1+r.Int63n(20000), r.Intn(2) == 0
			case 2:
				p.Kind, p.Tiers = KindSpendSave, []Tier{{1000, 300}, {5000, 4000}}
			case 3:
				p.Kind, p.BuyGet = KindBuyGet, BuyGet{Buy: 1 + r.Int63n(3), Get: 1 + r.Int63n(2), PercentBP: 1 + r.Int63n(10000), MaxRepeats: r.Int63n(3)}
			case 4:
				p.Kind, p.GiftVariantID = KindGift, lines[r.Intn(len(lines))].VariantID
			case 5:
				p.Kind, p.Flash = KindFlashSale, []FlashItem{{VariantID: lines[r.Intn(len(lines))].VariantID, Price: r.Int63n(3000), Quota: 1 + r.Int63n(6)}}
			default:
				p.Kind, p.PercentBP = KindShipping, 10000
			}
			if r.Intn(2) == 0 {
				p.Target.Tags = []string{tags[r.Intn(3)]}
			}
			if r.Intn(3) == 0 {
				p.MaxDiscount = r.Int63n(3000)
			}
			for _, c := range classes {
				if r.Intn(2) == 0 {
					p.CombinesWith = append(p.CombinesWith, c)
				}
			}
			promos = append(promos, active(p))
		}
		c := cartOf(lines...)
		checkOutcome(t, c, Evaluate(promos, c))
	})
}
