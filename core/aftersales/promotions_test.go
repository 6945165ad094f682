package aftersales_test

import (
	"context"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/aftersales"
	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/cart/carttest"
	"github.com/wasmart/wasmart/core/checkout"
	"github.com/wasmart/wasmart/core/idempotency"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/shipping"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

// promoShop is a shop wired as cmd/wasmart/wire wires it: carts priced
// with promotions, checkout redeeming them, cancellations and full refunds
// releasing them, returns and partial refunds reversing them; 8% tax added
// and 5.00 delivery; a 满减 offer (200−20, 300−40) in a campaign with a
// budget, unlocked by the code SAVE, once per customer.
type promoShop struct {
	staff, shopper context.Context
	shop           *carttest.Shop
	carts          *cart.Service
	co             *checkout.Service
	pay            *payment.Service
	ship           *shipping.Service
	after          *aftersales.Service
	orders         *order.Service
	promos         *promotion.Service
	campaign       *promotion.Campaign
	spendSave      *promotion.Promotion
}

func newPromoShop(t *testing.T, db *store.DB) *promoShop {
	base := tenancy.WithTenant(context.Background(), "shop1")
	s := &promoShop{
		shopper: tenancy.WithActor(base, tenancy.Actor{Kind: "customer", ID: "guest", Name: "Eva"}),
		staff:   tenancy.WithActor(base, tenancy.Actor{Kind: "staff", ID: "s1", Name: "Sam"}),
		shop:    carttest.New(db, "USD"),
	}
	if err := checkout.SaveSettings(s.staff, db, checkout.Settings{Currency: "USD", ReturnWindowDays: 30,
		Tax:      pricing.TaxConfig{ShippingTaxable: true, Rates: []pricing.TaxRate{{Name: "NY tax", Country: "US", Region: "NY", RatePPM: 80_000}}},
		Shipping: pricing.ShippingConfig{Zones: []pricing.Zone{{Code: "us", Countries: []string{"US"}, Methods: []pricing.Method{{Code: "ground", Label: "Ground", Kind: pricing.MethodFlat, Price: 500}}}}},
	}); err != nil {
		t.Fatal(err)
	}
	idem := idempotency.New(db)
	stock := &checkout.Stock{Inv: s.shop.Inventory}
	s.promos = promotion.New(db, nil)
	offers := &checkout.Promotions{Offers: s.promos}
	s.carts = cart.New(db, nil, checkout.CartConfig(nil))
	s.carts.Offers = offers
	s.orders = order.NewService(db, stock)
	s.orders.OnCancel(offers.Release)
	s.pay = payment.New(db, idem, stock, &payment.TestGateway{Secret: []byte("x")})
	s.pay.OnRefund(offers.Refunded)
	s.co = checkout.New(db, s.carts, idem, stock, s.pay)
	if err := s.co.Register(offers); err != nil {
		t.Fatal(err)
	}
	s.ship = shipping.New(db)
	s.after = aftersales.New(db, s.pay, s.shop.Inventory)
	s.after.OnResolve(offers.Returned)
	var err error
	if s.campaign, err = s.promos.CreateCampaign(s.staff, promotion.Campaign{Name: "11.11", Currency: "USD", Budget: 100_000}); err != nil {
		t.Fatal(err)
	}
	if s.spendSave, err = s.promos.CreateWithCode(s.staff, promotion.Promotion{Name: "满减", Label: "Spend 300 save 40", Kind: promotion.KindSpendSave,
		Status: promotion.StatusActive, Currency: "USD", CampaignID: s.campaign.ID, RequiresCode: true, PerCustomerLimit: 1,
		Tiers: []promotion.Tier{{Spend: 20_000, Off: 2_000}, {Spend: 30_000, Off: 4_000}}}, "SAVE"); err != nil {
		t.Fatal(err)
	}
	return s
}

// buy places and pays an order of the given variants (in this order) and
// quantities with the code, and ships all of it.
func (s *promoShop) buy(t *testing.T, lines map[string]int64, which []string, key string) *order.Order {
	t.Helper()
	return s.buyAs(t, "eva@example.com", lines, which, key)
}

func (s *promoShop) buyAs(t *testing.T, email string, lines map[string]int64, which []string, key string) *order.Order {
	t.Helper()
	owner := cart.Owner{Token: cart.NewToken()}
	for _, v := range which {
		if _, err := s.carts.Add(s.shopper, owner, v, lines[v], cart.PriceOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	o, _, err := s.co.Place(s.shopper, owner, checkout.Input{Email: email, ShippingCode: "ground", Codes: []string{"save"},
		ShippingAddress: order.Address{Name: "Eva", Line1: "1 Broadway", City: "New York", Region: "NY", Country: "US"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.pay.Pay(s.shopper, payment.PayInput{OrderID: o.ID, Provider: "test", Source: payment.CardSuccess}, "pay-"+key); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ship.Create(s.staff, o.ID, shipping.Input{Carrier: "UPS", TrackingNumber: "1Z" + key}); err != nil {
		t.Fatal(err)
	}
	got, err := s.orders.Get(s.staff, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// returnUnits requests, approves and receives a return of qty units of a
// line; resolve says how it ends ("refund", "credit", "reject" or "" to
// leave it requested).
func (s *promoShop) returnUnits(t *testing.T, o *order.Order, lineID string, qty int64, resolve string) *aftersales.Return {
	t.Helper()
	r, err := s.after.Request(s.staff, aftersales.RequestInput{OrderID: o.ID, Lines: []aftersales.LineQty{{LineID: lineID, Quantity: qty}}})
	if err != nil {
		t.Fatal(err)
	}
	if resolve == "reject" {
		if r, err = s.after.Reject(s.staff, r.ID, ""); err != nil {
			t.Fatal(err)
		}
		return r
	}
	if resolve == "" {
		return r
	}
	return s.resolve(t, r.ID, resolve)
}

// resolve approves and receives a requested return and refunds or credits
// it.
func (s *promoShop) resolve(t *testing.T, id, how string) *aftersales.Return {
	t.Helper()
	if _, err := s.after.Approve(s.staff, id, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.after.Receive(s.staff, id, false, ""); err != nil {
		t.Fatal(err)
	}
	var r *aftersales.Return
	var err error
	if how == "refund" {
		r, err = s.after.Refund(s.staff, id, 0)
	} else {
		r, err = s.after.Credit(s.staff, id, 0)
	}
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (s *promoShop) figures(t *testing.T) (promo *promotion.Promotion, campaign *promotion.Campaign, stats *promotion.Stats) {
	t.Helper()
	var err error
	if promo, err = s.promos.Get(s.staff, s.spendSave.ID); err != nil {
		t.Fatal(err)
	}
	if campaign, err = s.promos.Campaign(s.staff, s.campaign.ID); err != nil {
		t.Fatal(err)
	}
	if stats, err = s.promos.Stats(s.staff, promotion.StatsFilter{CampaignID: s.campaign.ID}); err != nil {
		t.Fatal(err)
	}
	return promo, campaign, stats
}

// TestReturnsWithOrderDiscountReversePromotion: an order with a 满减
// discount spread over its lines; a partial return is refunded at what the
// units were paid, net of their share of the discount, and takes exactly
// that share off the promotion's and campaign's figures and budgets while
// the code stays used; refunding the rest of the order gives the code, the
// customer's use and the budget back and drops the order from the figures.
func TestReturnsWithOrderDiscountReversePromotion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newPromoShop(t, db)
		red := s.shop.Variant(t, s.staff, "Shirt red", 6667, 10, carttest.VariantOpts{})
		blue := s.shop.Variant(t, s.staff, "Shirt blue", 5500, 10, carttest.VariantOpts{})
		o := s.buy(t, map[string]int64{red: 3, blue: 2}, []string{red, blue}, "o1")
		// 3×66.67 + 2×55.00 = 310.01 reaches the 300−40 tier; the 40.00 is
		// spread 20001:11000 → 25.81 and 14.19 (largest remainder).
		if o.Subtotal != 31_001 || o.Discounts != -4_000 || len(o.Pricing.Promotions) != 1 || o.Pricing.Promotions[0].Code != "SAVE" {
			t.Fatalf("order %+v", o)
		}
		shares := o.LineDiscounts()
		redLine, blueLine := o.Lines[0], o.Lines[1]
		if shares[redLine.ID][s.spendSave.ID] != 2_581 || shares[blueLine.ID][s.spendSave.ID] != 1_419 ||
			redLine.Total != 20_001-2_581 || blueLine.Total != 11_000-1_419 {
			t.Fatalf("shares %v, lines %+v %+v", shares, redLine, blueLine)
		}
		// One red shirt back: a third of what the line was paid, tax
		// included, rounded down.
		paidRed := redLine.Total + redLine.Tax
		r := s.returnUnits(t, o, redLine.ID, 1, "refund")
		if r.Amount != paidRed/3 || r.ResolvedAmount != r.Amount || r.Status != aftersales.Refunded {
			t.Fatalf("return %+v, red line paid %d", r, paidRed)
		}
		promo, camp, st := s.figures(t)
		reversed := int64(2_581 / 3) // the unit's part of the line's share
		if promo.Used != 1 || promo.Spent != 4_000-reversed || camp.Spent != 4_000-reversed {
			t.Fatalf("after a partial return: used %d, spent %d, campaign %d", promo.Used, promo.Spent, camp.Spent)
		}
		if len(st.Totals) != 1 || st.Totals[0].Orders != 1 || st.Totals[0].Discount != 4_000-reversed || st.Totals[0].Revenue != o.Total-r.Amount {
			t.Fatalf("stats after a partial return %+v (order %d, returned %d)", st.Totals, o.Total, r.Amount)
		}
		if page, _ := s.promos.Codes(s.staff, s.spendSave.ID, promotion.CodeFilter{}); page.Codes[0].Used != 1 {
			t.Fatalf("a partial return gave the code back: %+v", page.Codes)
		}
		// The rest of the money back: the order is refunded in full and
		// everything is released.
		got, _ := s.orders.Get(s.staff, o.ID)
		if _, err := s.pay.RefundToOrder(s.staff, o.ID, got.PaidTotal-got.RefundedTotal, "goodwill", ""); err != nil {
			t.Fatal(err)
		}
		if got, _ = s.orders.Get(s.staff, o.ID); got.Status != order.Refunded {
			t.Fatalf("status %s", got.Status)
		}
		promo, camp, st = s.figures(t)
		if promo.Used != 0 || promo.Spent != 0 || camp.Spent != 0 || len(st.Totals) != 0 {
			t.Fatalf("after a full refund: used %d, spent %d, campaign %d, stats %+v", promo.Used, promo.Spent, camp.Spent, st.Totals)
		}
		if page, _ := s.promos.Codes(s.staff, s.spendSave.ID, promotion.CodeFilter{}); page.Codes[0].Used != 0 {
			t.Fatalf("a full refund kept the code used: %+v", page.Codes)
		}
		// The customer may use the once-per-customer code again.
		o2 := s.buy(t, map[string]int64{red: 3, blue: 2}, []string{red, blue}, "o2")
		if o2.Discounts != -4_000 {
			t.Fatalf("second order %+v", o2)
		}
		// A later return of an order already released leaves the figures
		// alone; a partial money refund lowers the revenue only.
		if _, err := s.pay.RefundToOrder(s.staff, o2.ID, 1_000, "late delivery", ""); err != nil {
			t.Fatal(err)
		}
		promo, _, st = s.figures(t)
		if promo.Used != 1 || promo.Spent != 4_000 || st.Totals[0].Revenue != o2.Total-1_000 || st.Totals[0].Discount != 4_000 {
			t.Fatalf("after a goodwill refund: %+v %+v", promo, st.Totals)
		}
	})
}

// TestReturnsAddUpToWhatWasPaid is the returns property over random orders
// with a 满减 discount spread over their lines, returned in random splits
// (some rejected and asked again, some left pending while later ones are
// asked): a return that does not take a line's last units is worth exactly
// its units' part rounded down, the returns of every line add up to
// exactly what the line was paid, so all of an order's returns give back
// exactly its total less delivery and delivery's tax, and never more on
// the way; crediting them all reverses exactly the promotion's discount
// while the code stays used.
func TestReturnsAddUpToWhatWasPaid(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newPromoShop(t, db)
		seed := time.Now().UnixNano()
		t.Logf("seed %d", seed)
		rng := rand.New(rand.NewSource(seed))
		var variants []string
		for i, price := range []int64{6667, 1999, 333, 12_345} {
			variants = append(variants, s.shop.Variant(t, s.staff, "Item "+string(rune('A'+i)), price, 1_000, carttest.VariantOpts{}))
		}
		var revenue int64
		for round := 0; round < 3; round++ {
			lines := map[string]int64{variants[3]: 3} // 370.35: past the top tier
			which := []string{}
			for _, v := range variants[:3] {
				if rng.Intn(3) > 0 {
					lines[v] = 1 + rng.Int63n(7)
					which = append(which, v)
				}
			}
			which = append(which, variants[3])
			// A new customer each round: the code is once per customer.
			o := s.buyAs(t, fmt.Sprintf("eva%d@example.com", round), lines, which, fmt.Sprint("p", round))
			var lineTax, want int64
			for _, l := range o.Lines {
				lineTax += l.Tax
				want += l.Total + l.Tax
			}
			if shipTax := o.TaxTotal - lineTax; want != o.Total-o.ShippingTotal-shipTax || o.Discounts != -4_000 || shipTax == 0 {
				t.Fatalf("lines paid %d, order %+v", want, o)
			}
			var total int64
			var pending []string
			for _, l := range o.Lines {
				paid := l.Total + l.Tax
				var line int64
				for left := l.Quantity; left > 0; {
					k := 1 + rng.Int63n(left)
					resolve := []string{"credit", "credit", "reject", ""}[rng.Intn(4)]
					r := s.returnUnits(t, o, l.ID, k, resolve)
					if resolve == "reject" {
						continue
					}
					if k < left && r.Amount != money.Portion(paid, k, l.Quantity) {
						t.Fatalf("return of %d/%d units worth %d, the line paid %d", k, l.Quantity, r.Amount, paid)
					}
					if resolve == "" {
						pending = append(pending, r.ID)
					}
					line += r.Amount
					total += r.Amount
					left -= k
					if total > want {
						t.Fatalf("returns %d past what the lines were paid %d", total, want)
					}
				}
				if line != paid {
					t.Fatalf("line returned for %d, paid %d", line, paid)
				}
			}
			if total != want {
				t.Fatalf("returns %d, lines paid %d", total, want)
			}
			for _, id := range pending {
				s.resolve(t, id, "credit")
			}
			// Every unit credited: the whole discount is reversed and the
			// revenue left is delivery; the use is kept (the shopper holds
			// the value as store credit).
			revenue += o.Total - want
			st, err := s.promos.Stats(s.staff, promotion.StatsFilter{PromotionID: s.spendSave.ID})
			if err != nil {
				t.Fatal(err)
			}
			if len(st.ByPromotion) != 1 || st.ByPromotion[0].Discount != 0 || st.ByPromotion[0].Revenue != revenue || st.ByPromotion[0].Orders != int64(round+1) {
				t.Fatalf("round %d: after every unit came back %+v, want revenue %d", round, st.ByPromotion, revenue)
			}
			promo, camp, _ := s.figures(t)
			if promo.Spent != 0 || camp.Spent != 0 || promo.Used != int64(round+1) {
				t.Fatalf("round %d: spent %d, campaign %d, used %d", round, promo.Spent, camp.Spent, promo.Used)
			}
		}
	})
}
