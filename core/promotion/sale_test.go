package promotion

import (
	"testing"
	"time"
)

func TestSaleUnitPrice(t *testing.T) {
	end := now.Add(48 * time.Hour)
	pct := active(Promotion{ID: "pct", Label: "−20% dresses", Kind: KindPercentOff, PercentBP: 2000, Target: Target{Tags: []string{"dress"}}, EndsAt: end})
	fixed := active(Promotion{ID: "fixed", Label: "−50 € off", Kind: KindAmountOff, Amount: 5000, Target: Target{ProductIDs: []string{"p-a"}}})
	flash := active(Promotion{ID: "flash", Label: "Flash", Kind: KindFlashSale, Flash: []FlashItem{{VariantID: "v-a", Price: 700, Quota: 5}}, EndsAt: end.Add(time.Hour)})
	soldOut := flash
	counted := flash
	counted.ShowRemaining, counted.Flash = true, []FlashItem{{VariantID: "v-a", Price: 700, Quota: 5, Sold: 2}}
	soldOut.Flash = []FlashItem{{VariantID: "v-a", Price: 700, Quota: 5, Sold: 5}}
	conditional := func(edit func(*Promotion)) Promotion {
		p := active(Promotion{ID: "cond", Kind: KindPercentOff, PercentBP: 5000, Target: Target{ProductIDs: []string{"p-a"}}})
		edit(&p)
		return p
	}
	whole := active(Promotion{ID: "whole", Kind: KindPercentOff, PercentBP: 5000}) // an order discount
	later := pct
	later.StartsAt = now.Add(time.Hour)
	cases := []struct {
		name   string
		promos []Promotion
		line   Line
		want   Sale
		ok     bool
	}{
		{"percent on a tag", []Promotion{pct}, line("a", 3, 10000, "Dress"), Sale{Price: 8000, Label: "−20% dresses", Until: end}, true},
		{"fixed capped at the price", []Promotion{fixed}, line("a", 1, 3000), Sale{Price: 0, Label: "−50 € off"}, true},
		{"flash price while quota lasts", []Promotion{flash}, line("a", 1, 1000), Sale{Price: 700, Label: "Flash", Until: end.Add(time.Hour), Flash: true}, true},
		{"flash showing what is left", []Promotion{counted}, line("a", 1, 1000), Sale{Price: 700, Label: "Flash", Until: end.Add(time.Hour), Flash: true, Left: 3}, true},
		{"flash sold out", []Promotion{soldOut}, line("a", 1, 1000), Sale{}, false},
		{"other product", []Promotion{fixed, pct}, line("b", 1, 1000), Sale{}, false},
		{"not started", []Promotion{later}, line("a", 1, 1000, "dress"), Sale{}, false},
		{"coded", []Promotion{conditional(func(p *Promotion) { p.RequiresCode = true })}, line("a", 1, 1000), Sale{}, false},
		{"minimum spend", []Promotion{conditional(func(p *Promotion) { p.Conditions.MinSubtotal = 100 })}, line("a", 1, 1000), Sale{}, false},
		{"quantity", []Promotion{conditional(func(p *Promotion) { p.Conditions.MinQuantity = 2 })}, line("a", 1, 1000), Sale{}, false},
		{"first order", []Promotion{conditional(func(p *Promotion) { p.Conditions.FirstOrder = true })}, line("a", 1, 1000), Sale{}, false},
		{"members", []Promotion{conditional(func(p *Promotion) { p.Conditions.CustomerTags = []string{"vip"} })}, line("a", 1, 1000), Sale{}, false},
		{"signed in", []Promotion{conditional(func(p *Promotion) { p.Conditions.SignedIn = true })}, line("a", 1, 1000), Sale{}, false},
		{"order discount", []Promotion{whole}, line("a", 1, 1000), Sale{}, false},
		{"conditional beside a sale", []Promotion{pct, conditional(func(p *Promotion) { p.Conditions.MinSubtotal = 100 })}, line("a", 1, 1000, "dress"),
			Sale{Price: 800, Label: "−20% dresses", Until: end}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sn := &Snapshot{Promotions: c.promos}
			s, ok := sn.Sales().UnitPrice(c.line, "EUR", now)
			if ok != c.ok || s != c.want {
				t.Fatalf("UnitPrice = %+v, %v; want %+v, %v", s, ok, c.want, c.ok)
			}
		})
	}
}
