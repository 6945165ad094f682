package web_test

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/loyalty"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/web/api"
)

// sendJSON is the shopper's script calling the shop-host API (their
// cookies, same origin).
func (c *shopClient) sendJSON(method, path string, v any) response {
	c.t.Helper()
	b, _ := json.Marshal(v)
	return c.do(method, path, strings.NewReader(string(b)), map[string]string{"Content-Type": "application/json", "Origin": c.base})
}

// visit opens path as a browser with its own user agent (a visitor as
// core/analytics tells them apart).
func (c *shopClient) visit(path, browser string) response {
	c.t.Helper()
	return c.do("GET", path, nil, map[string]string{"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0 " + browser})
}

var couponCodeRe = regexp.MustCompile(`class="coupon-code">([A-Z0-9-]+)<`)

// TestMemberPerksHTTP: a shop sells a 5.00 coupon for 500 points and pays
// 25 points for a share link opened by someone new (2 a day); a shopper
// buys the coupon through the JSON API (a second one, beyond the
// balance, is a 422 naming points) and sees its code on the account
// page; gives their birthday once; shares a product: visitors count once
// each, never the sharer, up to the cap. Staff see the customer's
// coupons; a member-day promotion with a bad day is a 422 naming it.
func TestMemberPerksHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, _ := startCommerceServer(t, db)
		s := newTestShop(t, srv, "perks")
		s.tee(t, 20, 0)
		drain := loyaltyWorker(t, srv)
		var five api.PromotionJSON
		s.Owner.post("/api/promotions", api.PromotionRequest{Name: "Five off", Label: "5.00 EUR off", Kind: "amount_off", Amount: 500, Currency: "EUR",
			RequiresCode: true, Status: "active"}, 201).json(t, &five)
		s.enableLoyalty(t, func(st *loyalty.Settings) {
			st.SignupPoints, st.SharePoints, st.MaxSharesPerDay = 100, 25, 2
			st.Coupons = []loyalty.CouponOffer{{ID: "five-off", Name: "5 EUR off", Points: 500, PromotionID: five.ID, ValidDays: 60}}
		}, nil)
		// A catalogue coupon must be a coded promotion of the shop.
		bad := loyalty.DefaultSettings()
		bad.Coupons = []loyalty.CouponOffer{{Name: "Bad", Points: 10, PromotionID: "nope"}}
		wantPage(t, s.Owner.send("PUT", "/api/loyalty/settings", bad, 0), 400, `"field":"coupons[0].promotion_id"`)

		b := s.buyer(t)
		wantSeeOther(t, b.post("/account/signup", url.Values{"email": {"mia@example.com"}, "password": {shopperPassword}}), "/account")
		drain()
		var m api.StoreMemberJSON
		r := b.get("/api/store/account/loyalty")
		r.json(t, &m)
		if m.Balance != 100 || len(m.Offers) != 1 || m.Share != "?share="+m.ReferralCode || len(m.Coupons) != 0 {
			t.Fatalf("member %d %s", r.Status, r.Body)
		}
		s.Owner.send("POST", "/api/customers/"+m.CustomerID+"/points", api.LoyaltyAdjustRequest{Points: 500, Reason: "welcome gift"}, 201)

		// Buy: 600 → 100; a second is refused with the field.
		var cp api.LoyaltyCoupon
		r = b.sendJSON("POST", "/api/store/account/coupons", api.CouponPurchase{Offer: "five-off"})
		if r.Status != 201 {
			t.Fatalf("buy: %d %s", r.Status, r.Body)
		}
		r.json(t, &cp)
		wantPage(t, b.sendJSON("POST", "/api/store/account/coupons", api.CouponPurchase{Offer: "five-off"}), 422, `"field":"points"`, "only 100 points are available")
		wantPage(t, b.sendJSON("POST", "/api/store/account/coupons", api.CouponPurchase{Offer: "nope"}), 400, `"field":"coupon"`)
		wantPage(t, b.post("/account/coupons", url.Values{"offer": {"five-off"}}), 422, "only 100 points are available")
		page := b.get("/account")
		wantPage(t, page, 200, `id="member-points">100<`, `id="buy-coupon"`, "5 EUR off — 500 points", "Valid until", "5.00 EUR off")
		if got := couponCodeRe.FindStringSubmatch(page.Body); got == nil || got[1] != cp.Code {
			t.Fatalf("account page coupon %v, want %s", got, cp.Code)
		}
		var staffView []api.LoyaltyCoupon
		s.Owner.getJSON("/api/customers/"+m.CustomerID+"/coupons", &staffView)
		if len(staffView) != 1 || staffView[0].Code != cp.Code {
			t.Fatalf("staff view %+v", staffView)
		}

		// Birthday: once; then staff.
		wantPage(t, b.sendJSON("PUT", "/api/store/account/birthday", api.BirthdayRequest{Month: 13, Day: 1}), 400, `"field":"birthday.month"`)
		wantPage(t, b.sendJSON("PUT", "/api/store/account/birthday", api.BirthdayRequest{Month: 6, Day: 14}), 200, `"month":6`)
		wantPage(t, b.sendJSON("PUT", "/api/store/account/birthday", api.BirthdayRequest{Month: 7, Day: 1}), 409, `"field":"birthday"`)
		wantPage(t, b.post("/account/birthday", url.Values{"birth_month": {"7"}, "birth_day": {"1"}}), 409, "ask the shop to change it")
		wantPage(t, b.get("/account"), 200, `id="birthday-set">Your birthday: 14/6.`)

		// Sharing: the sharer's own click earns nothing; each new visitor
		// once; at most two a day.
		link := "/products/linen-tee" + m.Share
		if r := b.visit(link, "sharer"); r.Status != 302 || r.Header.Get("Location") != "/products/linen-tee" {
			t.Fatalf("share link: %d %q", r.Status, r.Header.Get("Location"))
		}
		other := s.buyer(t)
		for _, ua := range []string{"friend-1", "friend-1", "friend-2", "friend-3"} {
			if r := other.visit(link, ua); r.Status != 302 {
				t.Fatalf("visit: %d", r.Status)
			}
		}
		if p := b.points(); p != "150" {
			t.Fatalf("after shares: %s points, want 100 + 2 × 25", p)
		}
		// A bot earns nothing either.
		other.do("GET", link, nil, map[string]string{"User-Agent": "Googlebot/2.1"})

		// Member days: a bad day is refused, naming the field.
		wantPage(t, s.Owner.send("POST", "/api/promotions", api.PromotionRequest{Name: "Gold day", Label: "Gold day", Kind: "percent_off", PercentBP: 1000,
			Conditions: promotion.Conditions{Segments: []string{"tier:gold"}, MonthDays: []int{8, 0}}}, 0), 400, `"field":"conditions.month_days[1]"`)
		var day api.PromotionJSON
		s.Owner.post("/api/promotions", api.PromotionRequest{Name: "Gold day", Label: "Gold day", Kind: "percent_off", PercentBP: 1000, Status: "active",
			Conditions: promotion.Conditions{Segments: []string{"tier:gold"}, MonthDays: []int{18, 8}, Weekdays: []int{5}}}, 201).json(t, &day)
		if c := day.Conditions; len(c.MonthDays) != 2 || c.MonthDays[0] != 8 || len(c.Weekdays) != 1 {
			t.Fatalf("stored %+v", c)
		}
		wantPage(t, s.Owner.do("GET", "/console/promotions/"+day.ID, "", nil), 200, `name="month_days" value="8, 18"`, `name="weekday_5" checked`,
			"only on the 8th and 18th of each month or Fridays")
		wantPage(t, s.Owner.do("GET", "/console/loyalty", "", nil), 200, `name="share_points" value="25"`, `value="5 EUR off"`, `<option value="`+five.ID+`" selected>`)
	})
}
