package web_test

import (
	"testing"

	"github.com/wasmart/wasmart/core/loyalty"
	"github.com/wasmart/wasmart/web/api"
)

// victimLoyalty gives shop A a loyalty programme with a tier of its own
// and a customer with points adjusted by hand, and returns what of it
// may never show to another shop.
func victimLoyalty(t *testing.T, owner *client, customerID string) []string {
	t.Helper()
	st := loyalty.DefaultSettings()
	st.Enabled = true
	owner.send("PUT", "/api/loyalty/settings", st, 200)
	tiers := loyalty.DefaultTiers()
	tiers[1].Name = "Alpha secret tier"
	owner.send("PUT", "/api/loyalty/tiers", api.LoyaltyTiersRequest{Tiers: tiers}, 200)
	var e api.LoyaltyEntry
	owner.send("POST", "/api/customers/"+customerID+"/points", api.LoyaltyAdjustRequest{Points: 777, Reason: "Alpha secret adjustment"}, 201).json(t, &e)
	return []string{"Alpha secret tier", "Alpha secret adjustment", e.ID}
}
