package web_test

import (
	"context"
	"testing"

	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/loyalty"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/web/api"
)

// victimLoyalty gives shop A a loyalty programme with a tier of its own
// (with a monthly coupon of A's coded promotion), a points coupon
// catalogue, and a customer with points adjusted by hand, a coupon bought
// with points, a monthly coupon and a paid share click; it returns what
// of it may never show to another shop.
func victimLoyalty(t *testing.T, srv *testServer, tenant string, owner *client, customerID, promotionID string) []string {
	t.Helper()
	st := loyalty.DefaultSettings()
	st.Enabled = true
	st.Coupons = []loyalty.CouponOffer{{Name: "Alpha secret coupon", Points: 500, PromotionID: promotionID, ValidDays: 30}}
	owner.send("PUT", "/api/loyalty/settings", st, 200)
	tiers := loyalty.DefaultTiers()
	tiers[0].MonthlyCoupon = promotionID
	tiers[1].Name = "Alpha secret tier"
	owner.send("PUT", "/api/loyalty/tiers", api.LoyaltyTiersRequest{Tiers: tiers}, 200)
	var e api.LoyaltyEntry
	owner.send("POST", "/api/customers/"+customerID+"/points", api.LoyaltyAdjustRequest{Points: 777, Reason: "Alpha secret adjustment"}, 201).json(t, &e)

	svc := srv.Services.Loyalty
	ctx := tenancy.WithTenant(context.Background(), tenant)
	bought, err := svc.RedeemForCoupon(ctx, customerID, "alpha-secret-coupon", "")
	if err != nil {
		t.Fatal(err)
	}
	if r, err := svc.Sweep(context.Background()); err != nil || r.Coupons == 0 {
		t.Fatalf("monthly coupons for the victim: %+v %v", r, err)
	}
	mine, err := svc.Coupons(ctx, customerID)
	if err != nil || len(mine) != 2 {
		t.Fatalf("victim coupons %+v %v", mine, err)
	}
	sharer, _, err := srv.Services.Customers.SignUp(ctx, customer.SignUpInput{Email: "alpha.sharer@alpha-mail.example", Password: testPassword}, customer.SessionMeta{})
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := svc.Member(ctx, sharer.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := svc.ShareClick(ctx, m.ReferralCode, "", "alpha-secret-visitor", ""); err != nil || !ok {
		t.Fatalf("victim share: %v %v", ok, err)
	}
	return []string{"Alpha secret tier", "Alpha secret adjustment", e.ID, "Alpha secret coupon", bought.Code, mine[0].Code, mine[1].Code, "alpha-secret-visitor"}
}
