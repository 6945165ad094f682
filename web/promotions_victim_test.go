package web_test

import (
	"testing"

	"github.com/wasmart/wasmart/web/api"
)

// victimPromotions gives the cross-tenant victim (shop A) a campaign, a
// coded promotion in it and a coupon code, made through the API, and
// returns their ids by route parameter name plus markers that must never
// show to shop B.
func victimPromotions(t *testing.T, owner *client) (map[string]string, []string) {
	t.Helper()
	var camp api.CampaignJSON
	owner.post("/api/campaigns", api.CampaignRequest{Name: "Alpha secret campaign", Theme: "alpha-theme", Currency: "EUR", Budget: 100_000}, 201).json(t, &camp)
	var p api.PromotionJSON
	owner.post("/api/promotions", api.PromotionRequest{CampaignID: camp.ID, Name: "Alpha secret promotion", Label: "Alpha secret label",
		Kind: "percent_off", PercentBP: 1000, RequiresCode: true, Status: "active"}, 201).json(t, &p)
	var code api.CodeJSON
	owner.post("/api/promotions/"+p.ID+"/codes", api.CodeRequest{Code: "ALPHASECRET10"}, 201).json(t, &code)
	return map[string]string{"promotion": p.ID, "campaign": camp.ID},
		[]string{camp.ID, p.ID, code.ID, "Alpha secret campaign", "Alpha secret promotion", "Alpha secret label", "ALPHASECRET10"}
}
