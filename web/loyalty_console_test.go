package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web/api"
)

// TestLoyaltyConsole drives the loyalty pages: the owner saves settings
// and a tier table through the forms (bad values re-render naming the
// field in the form's words and change nothing), and adjusts a
// customer's points from the customer page with a reason (audited; more
// than the balance is refused in words). Roles: marketing edits and
// adjusts (loyalty.write); customer service sees the membership on the
// customer page but has no adjustment form and gets 403 posting one
// (loyalty.read only: loyalty.write would let it change the programme's
// rates too); warehouse gets 403 on every loyalty page.
func TestLoyaltyConsole(t *testing.T) {
	srv, _ := startCommerceServer(t, storetest.SQLite(t))
	sh := srv.signup("loyaltydesk")
	if err := srv.Tenants.ChangePlan(context.Background(), tenants.System(), sh.ID, tenants.PlanScale); err != nil {
		t.Fatal(err)
	}
	s := setUpTestShop(t, srv, sh)
	c := s.Owner
	cu, _, err := srv.Services.Customers.SignUp(s.ctx, customer.SignUpInput{Email: "mia@example.com", Password: shopperPassword}, customer.SessionMeta{})
	if err != nil {
		t.Fatal(err)
	}
	custPage := "/console/customers/" + cu.ID

	wantConsolePage(t, c.do("GET", "/console", "", nil), 200, `href="/console/loyalty"`)
	wantConsolePage(t, c.do("GET", "/console/loyalty", "", nil), 200, `name="earn_per_unit" value="1"`, `name="tier_name_4" value="Premium"`, "money spent (EUR)")
	// No programme yet: the customer page has no membership section.
	if r := c.do("GET", custPage, "", nil); strings.Contains(r.Body, `id="membership"`) {
		t.Fatal("membership shown before the programme is on")
	}

	settings := func(kv ...string) string {
		base := []string{"enabled", "on", "earn_per_unit", "2", "redeem_rate", "100", "max_redeem_percent", "30", "signup_points", "50", "review_points", "20",
			"referrer_points", "300", "referred_points", "100", "max_referrals_per_month", "5", "expiry_days", "365", "expiry_notice_days", "30",
			"qualify_by", "spend", "window_days", "365", "excluded_products", ""}
		for i := 0; i+1 < len(kv); i += 2 {
			for j := 0; j+1 < len(base); j += 2 {
				if base[j] == kv[i] {
					base[j+1] = kv[i+1]
				}
			}
		}
		return consoleForm(base...)
	}
	wantConsolePage(t, c.do("POST", "/console/loyalty/settings", settings("max_redeem_percent", "150"), nil), 400, "Most of an order points may pay (%)", "between 0 and 100")
	wantConsolePage(t, c.do("POST", "/console/loyalty/settings", settings("earn_per_unit", "lots"), nil), 400, "Points per currency unit spent", "whole number")
	var prog api.LoyaltyProgram
	c.getJSON("/api/loyalty", &prog)
	if prog.Settings.Enabled {
		t.Fatal("a refused form turned the programme on")
	}
	wantSeeOther(t, c.do("POST", "/console/loyalty/settings", settings(), nil), "/console/loyalty")
	c.getJSON("/api/loyalty", &prog)
	if st := prog.Settings; !st.Enabled || st.EarnPerUnit != 2 || st.MaxRedeemPercent != 30 || st.ReferrerPoints != 300 || st.WindowDays != 365 {
		t.Fatalf("settings %+v", st)
	}

	// The monthly coupon is one of the shop's promotions that need a code.
	var vipMonth api.PromotionJSON
	c.post("/api/promotions", api.PromotionRequest{Name: "VIP month", Label: "VIP month −10%", Kind: "percent_off", PercentBP: 1000,
		RequiresCode: true, Status: "active"}, 201).json(t, &vipMonth)
	tiers := func(kv ...string) string {
		base := []string{"tier_code_0", "member", "tier_name_0", "Member", "tier_threshold_0", "0", "tier_multiplier_0", "100",
			"tier_code_1", "vip", "tier_name_1", "VIP", "tier_threshold_1", "250.00", "tier_multiplier_1", "150", "tier_discount_1", "5",
			"tier_free_shipping_1", "on", "tier_birthday_1", "200", "tier_coupon_1", vipMonth.ID}
		base = append(base, kv...)
		return consoleForm(base...)
	}
	wantConsolePage(t, c.do("POST", "/console/loyalty/tiers", tiers("tier_code_2", "gold", "tier_name_2", "Gold", "tier_threshold_2", "100.00"), nil), 400,
		"Tier 3: threshold", "higher than the tier before")
	wantConsolePage(t, c.do("POST", "/console/loyalty/tiers", tiers("tier_code_2", "gold", "tier_name_2", "Gold", "tier_threshold_2", "a lot"), nil), 400, "Tier 3: threshold")
	wantConsolePage(t, c.do("POST", "/console/loyalty/tiers", strings.Replace(tiers(), vipMonth.ID, "VIPMONTH", 1), nil), 400, "Tier 2: monthly coupon", "require a code")
	wantSeeOther(t, c.do("POST", "/console/loyalty/tiers", tiers(), nil), "/console/loyalty")
	c.getJSON("/api/loyalty", &prog)
	if len(prog.Tiers) != 2 || prog.Tiers[1].Threshold != 25000 || prog.Tiers[1].MultiplierPct != 150 || !prog.Tiers[1].FreeShipping ||
		prog.Tiers[1].DiscountPct != 5 || prog.Tiers[1].BirthdayPoints != 200 || prog.Tiers[1].MonthlyCoupon != vipMonth.ID {
		t.Fatalf("tiers %+v", prog.Tiers)
	}
	wantConsolePage(t, c.do("GET", "/console/loyalty", "", nil), 200, `name="tier_threshold_1" value="250.00"`, `name="tier_code_2" value=""`,
		`<option value="`+vipMonth.ID+`" selected>VIP month (active)</option>`)

	// A customer's membership and a manual adjustment.
	wantConsolePage(t, c.do("GET", custPage, "", nil), 200, `id="member-tier">Member<`, `id="member-points">0<`, `id="adjust-points"`, `id="referral-code"`)
	adjust := func(cl *client, points, reason string) response {
		return cl.do("POST", custPage+"/points", consoleForm("points", points, "reason", reason), nil)
	}
	wantConsolePage(t, adjust(c, "-10", "typo"), 422, "only 0 points are available")
	wantConsolePage(t, adjust(c, "ten", "typo"), 400, "Points to add or take")
	wantConsolePage(t, adjust(c, "120", ""), 400, "Reason")
	wantSeeOther(t, adjust(c, "120", "parcel arrived late"), custPage)
	wantConsolePage(t, c.do("GET", custPage, "", nil), 200, `id="member-points">120<`, "adjust: parcel arrived late")
	var audit api.AuditPage
	c.getJSON("/api/audit?action=loyalty.adjust", &audit)
	if len(audit.Entries) != 1 || !strings.Contains(audit.Entries[0].After, "parcel arrived late") || audit.Entries[0].ObjectID != cu.ID {
		t.Fatalf("audit %+v", audit.Entries)
	}

	// Roles.
	mk := srv.staff(s.shop, "mk@example.com", "marketing")
	wantConsolePage(t, mk.do("GET", "/console/loyalty", "", nil), 200, `name="tier_name_1" value="VIP"`, "Save tiers")
	wantSeeOther(t, mk.do("POST", "/console/loyalty/settings", settings("signup_points", "75"), nil), "/console/loyalty")
	wantSeeOther(t, adjust(mk, "-20", "duplicate goodwill"), custPage)
	cs := srv.staff(s.shop, "cs@example.com", "customer_service")
	r := cs.do("GET", custPage, "", nil)
	wantConsolePage(t, r, 200, `id="member-points">100<`)
	if strings.Contains(r.Body, `id="adjust-points"`) {
		t.Fatal("customer service sees the adjustment form")
	}
	if r := cs.do("GET", "/console/loyalty", "", nil); r.Status != 200 || strings.Contains(r.Body, "Save tiers") {
		t.Fatalf("customer service programme page: %d (read-only expected)", r.Status)
	}
	for _, x := range []struct{ path, body string }{{"/console/loyalty/settings", settings()}, {"/console/loyalty/tiers", tiers()}, {custPage + "/points", consoleForm("points", "5", "reason", "x")}} {
		if r := cs.do("POST", x.path, x.body, nil); r.Status != 403 {
			t.Errorf("customer service POST %s: %d, want 403", x.path, r.Status)
		}
	}
	wh := srv.staff(s.shop, "wh@example.com", "warehouse")
	if r := wh.do("GET", "/console", "", nil); r.Status != 200 || strings.Contains(r.Body, `href="/console/loyalty"`) {
		t.Fatalf("warehouse console home: %d, loyalty link shown", r.Status)
	}
	for _, x := range []struct{ method, path, body string }{
		{"GET", "/console/loyalty", ""}, {"POST", "/console/loyalty/settings", settings()}, {"POST", "/console/loyalty/tiers", tiers()},
		{"POST", custPage + "/points", consoleForm("points", "5", "reason", "x")},
	} {
		if r := wh.do(x.method, x.path, x.body, nil); r.Status != 403 {
			t.Errorf("warehouse %s %s: %d, want 403", x.method, x.path, r.Status)
		}
	}
	c.getJSON("/api/loyalty", &prog)
	if prog.Settings.SignupPoints != 75 || len(prog.Tiers) != 2 {
		t.Fatalf("after the others tried: %+v", prog)
	}
}
