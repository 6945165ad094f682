package web_test

import (
	"context"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/checkout"
	"github.com/wasmart/wasmart/core/loyalty"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/web/api"
)

// loyaltyWorker is the outbox worker serve runs, with the programme's
// handlers; drain delivers everything due.
func loyaltyWorker(t testing.TB, srv *testServer) func() {
	w := outbox.NewWorker(srv.DB, outbox.SMTPConfig{})
	for topic, h := range srv.Services.Loyalty.Handlers() {
		w.Handle(topic, h)
	}
	return func() {
		t.Helper()
		for range 20 {
			n, err := w.RunOnce(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				return
			}
		}
		t.Fatal("the outbox does not drain")
	}
}

// enableLoyalty turns the shop's programme on with the settings edit
// makes to the defaults.
func (s *testShop) enableLoyalty(t testing.TB, edit func(*loyalty.Settings), tiers []loyalty.Tier) {
	t.Helper()
	st := loyalty.DefaultSettings()
	st.Enabled = true
	if edit != nil {
		edit(&st)
	}
	if r := s.Owner.send("PUT", "/api/loyalty/settings", st, 200); r.Status != 200 {
		t.Fatalf("settings: %d %s", r.Status, r.Body)
	}
	if tiers != nil {
		if r := s.Owner.send("PUT", "/api/loyalty/tiers", api.LoyaltyTiersRequest{Tiers: tiers}, 200); r.Status != 200 {
			t.Fatalf("tiers: %d %s", r.Status, r.Body)
		}
	}
}

var memberPointsRe = regexp.MustCompile(`id="member-points">(-?\d+)<`)

// points reads the balance the account page shows.
func (c *shopClient) points() string {
	c.t.Helper()
	r := c.get("/account")
	m := memberPointsRe.FindStringSubmatch(r.Body)
	if r.Status != 200 || m == nil {
		c.t.Fatalf("account page without points: %d %.600s", r.Status, r.Body)
	}
	return m[1]
}

// checkoutJSON posts /api/store/checkout as the signed-in shopper's
// script would (their cookies, same origin), paying by card.
func (c *shopClient) checkoutJSON(in api.CheckoutRequest, card, key string) response {
	c.t.Helper()
	var body map[string]any
	j, _ := json.Marshal(in)
	json.Unmarshal(j, &body)
	body["payment"] = map[string]string{"method": checkout.PayCard, "card": card}
	b, _ := json.Marshal(body)
	return c.do("POST", "/api/store/checkout", strings.NewReader(string(b)), map[string]string{"Content-Type": "application/json", "Origin": c.base, "Idempotency-Key": key})
}

func timelineText(t testing.TB, s *testShop, id string) string {
	t.Helper()
	var msgs []string
	for _, e := range s.order(t, id).Timeline {
		msgs = append(msgs, e.Message)
	}
	return strings.Join(msgs, "\n")
}

// TestMemberPointsAtCheckout: a signed-in shopper earns sign-up points and
// points on a paid order through the outbox handlers serve runs, sees them
// on the account page, redeems some at the next checkout through the form
// (the order's total, paid total and timeline say so) and through the JSON
// API; asking for more than they hold or than the order allows is refused
// next to the field (or naming "points") in words, with nothing placed;
// cancelling gives the points back; points that pay the whole order need
// no card.
func TestMemberPointsAtCheckout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, _ := startCommerceServer(t, db)
		s := newTestShop(t, srv, "points")
		_, small, _ := s.tee(t, 20, 0)
		drain := loyaltyWorker(t, srv)
		// 10 points per euro; 100 points pay 1.00; up to half an order.
		s.enableLoyalty(t, func(st *loyalty.Settings) {
			st.EarnPerUnit, st.RedeemRate, st.MaxRedeemPercent, st.SignupPoints = 10, 100, 50, 100
		}, nil)
		staff := tenancy.WithActor(s.ctx, tenancy.Actor{Kind: "staff", ID: s.OwnerID, Name: "Owner"})

		b := s.buyer(t)
		wantSeeOther(t, b.post("/account/signup", url.Values{"email": {"eva@example.com"}, "password": {shopperPassword}}), "/account")
		drain()
		if p := b.points(); p != "100" {
			t.Fatalf("after sign-up: %s points", p)
		}

		// Two tees by card: 40.00 of items earn 400 points once paid.
		wantSeeOther(t, b.addToCart(small, "2"), "/cart")
		id1, _ := orderPath(t, b.post("/checkout", checkoutValues(b.checkoutForm(), "eva@example.com", payment.CardSuccess)))
		drain()
		drain() // delivered again: posts once
		wantPage(t, b.get("/account"), 200, `id="member-points">500<`, "order #")
		o1, _ := srv.Services.Orders.Get(staff, id1)
		customerID := o1.CustomerID

		// Next order, 24.90 (20.00 + 4.90 delivery), through the form.
		wantSeeOther(t, b.addToCart(small, "1"), "/cart")
		key := b.checkoutForm()
		wantPage(t, b.get("/checkout"), 200, `name="points"`)
		orders := s.orderCount(t)
		for _, tc := range []struct{ points, says string }{
			{"1000", "only 500 points are available"},
			{"1300", "at most 1245 points can be used on this order"},
			{"lots", "enter a whole number of points"},
			{"-5", "enter a whole number of points"},
		} {
			form := checkoutValues(key, "eva@example.com", payment.CardSuccess)
			form.Set("points", tc.points)
			r := b.post("/checkout", form)
			if r.Status != 400 && r.Status != 422 {
				t.Fatalf("%s points: %d", tc.points, r.Status)
			}
			wantPage(t, r, r.Status, `id="err-points"`, tc.says)
		}
		if s.orderCount(t) != orders || b.points() != "500" {
			t.Fatal("a refused checkout placed an order or spent points")
		}
		form := checkoutValues(key, "eva@example.com", payment.CardSuccess)
		form.Set("points", "300")
		id2, _ := orderPath(t, b.post("/checkout", form))
		o2 := s.order(t, id2)
		if o2.Order.Total != 2490 || o2.Order.PaidTotal != 2490 || o2.Order.Status != order.Paid || len(o2.Payments) != 1 || o2.Payments[0].Amount != 2190 {
			t.Fatalf("order total %d paid %d %s, payments %+v", o2.Order.Total, o2.Order.PaidTotal, o2.Order.Status, o2.Payments)
		}
		if tl := timelineText(t, s, id2); !strings.Contains(tl, "Paid 3.00 EUR with 300 points") {
			t.Fatalf("timeline:\n%s", tl)
		}
		// 200 left, and 21.90 paid by card (17.00 of items) earn 170.
		drain()
		if p := b.points(); p != "370" {
			t.Fatalf("after redeeming 300 and earning 170: %s", p)
		}

		// The JSON API, for the same shopper: too many is a 422 naming
		// "points"; 100 points pay 1.00.
		wantSeeOther(t, b.addToCart(small, "1"), "/cart")
		in := api.CheckoutRequest{Email: "eva@example.com", ShippingCode: "colissimo",
			ShippingAddress: order.Address{Name: "Eva Martin", Line1: "1 rue de Rivoli", City: "Paris", PostalCode: "75001", Country: "FR"}}
		in.Points = 371
		wantError(t, b.checkoutJSON(in, payment.CardSuccess, "j1"), 422, "points")
		in.Points = 100
		r := b.checkoutJSON(in, payment.CardSuccess, "j2")
		if r.Status != 201 {
			t.Fatalf("JSON checkout: %d %s", r.Status, r.Body)
		}
		var placed api.CheckoutJSON
		r.json(t, &placed)
		if placed.Total != 2490 || placed.PaidTotal != 2490 || placed.Payment == nil || placed.Payment.Amount != 2390 {
			t.Fatalf("JSON order: total %d paid %d payment %+v", placed.Total, placed.PaidTotal, placed.Payment)
		}
		drain()
		if p := b.points(); p != "460" { // 370 − 100 + 190 (19.00 of items by card)
			t.Fatalf("after the JSON order: %s", p)
		}
		// Cancelled: the 100 come back and the 190 it earned go.
		if _, err := srv.Services.Orders.Cancel(staff, placed.ID, "changed mind"); err != nil {
			t.Fatal(err)
		}
		wantPage(t, b.get("/account"), 200, `id="member-points">370<`, "cancelled")

		// The whole order in points (the shop now allows 100 %): no card.
		s.enableLoyalty(t, func(st *loyalty.Settings) {
			st.EarnPerUnit, st.RedeemRate, st.MaxRedeemPercent, st.SignupPoints = 10, 100, 100, 100
		}, nil)
		s.Owner.send("POST", "/api/customers/"+customerID+"/points", api.LoyaltyAdjustRequest{Points: 2500, Reason: "sorry for the delay"}, 201)
		wantSeeOther(t, b.addToCart(small, "1"), "/cart")
		form = checkoutValues(b.checkoutForm(), "eva@example.com", "")
		form.Set("payment", "card")
		form.Set("points", "2490")
		id3, _ := orderPath(t, b.post("/checkout", form))
		o3 := s.order(t, id3)
		if o3.Order.Status != order.Paid || o3.Order.PaidTotal != 2490 || len(o3.Payments) != 0 {
			t.Fatalf("points-only order %s paid %d, payments %+v", o3.Order.Status, o3.Order.PaidTotal, o3.Payments)
		}
		drain()
		if p := b.points(); p != "380" { // 370 + 2500 − 2490; nothing paid in money, nothing earned
			t.Fatalf("after the points-only order: %s", p)
		}
		// Something left to pay and no card number: refused, nothing placed.
		wantSeeOther(t, b.addToCart(small, "1"), "/cart")
		form = checkoutValues(b.checkoutForm(), "eva@example.com", "")
		form.Set("payment", "card")
		form.Set("points", "300")
		orders = s.orderCount(t)
		wantPage(t, b.post("/checkout", form), 400, `id="err-card"`)
		if s.orderCount(t) != orders || b.points() != "380" {
			t.Fatal("a checkout without a card placed an order or spent points")
		}
	})
}

// TestMemberTierPerks: a tier's discount percent and free shipping apply
// to a member of that tier on the checkout page and the order, and not to
// a new member or a guest.
func TestMemberTierPerks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, _ := startCommerceServer(t, db)
		s := newTestShop(t, srv, "perks")
		_, small, _ := s.tee(t, 20, 0)
		drain := loyaltyWorker(t, srv)
		s.enableLoyalty(t, nil, []loyalty.Tier{
			{Code: "member", Name: "Member", MultiplierPct: 100},
			{Code: "gold", Name: "Gold", Threshold: 3000, MultiplierPct: 100, DiscountPct: 10, FreeShipping: true},
		})
		signUp := func(email string) *shopClient {
			b := s.buyer(t)
			wantSeeOther(t, b.post("/account/signup", url.Values{"email": {email}, "password": {shopperPassword}}), "/account")
			return b
		}
		gold, plain := signUp("gold@example.com"), signUp("new@example.com")
		// 40.00 paid: gold at once.
		wantSeeOther(t, gold.addToCart(small, "2"), "/cart")
		orderPath(t, gold.post("/checkout", checkoutValues(gold.checkoutForm(), "gold@example.com", payment.CardSuccess)))
		drain()
		wantPage(t, gold.get("/account"), 200, `id="member-tier">Gold<`, "10% off every order", "Free shipping")

		place := func(b *shopClient, email string) order.Order {
			t.Helper()
			id, _ := orderPath(t, b.post("/checkout", checkoutValues(b.checkoutForm(), email, payment.CardSuccess)))
			return *s.order(t, id).Order
		}
		wantSeeOther(t, gold.addToCart(small, "1"), "/cart")
		wantPage(t, gold.get("/cart"), 200, "Gold member −10%", "-2.00 EUR")
		wantPage(t, gold.get("/checkout"), 200, "Gold member −10%", "Gold member free shipping")
		og := place(gold, "gold@example.com")
		if og.ShippingTotal != 0 || og.Total != 1800 {
			t.Fatalf("gold order: shipping %d total %d (want 0, 1800)", og.ShippingTotal, og.Total)
		}
		wantSeeOther(t, plain.addToCart(small, "1"), "/cart")
		for _, page := range []string{"/cart", "/checkout"} {
			if r := plain.get(page); r.Status != 200 || strings.Contains(r.Body, "Gold member") {
				t.Fatalf("%s: a new member sees the gold perks (%d)", page, r.Status)
			}
		}
		on := place(plain, "new@example.com")
		if on.ShippingTotal != 490 || on.Total != 2490 {
			t.Fatalf("new member's order: shipping %d total %d (want 490, 2490)", on.ShippingTotal, on.Total)
		}
	})
}
