package web_test

import (
	"context"
	"testing"

	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/web/api"
)

// victimInsight gives shop A reorder settings, a variant's own reorder
// override, and bought-together rules mined from two orders pairing its
// product with a partner product (whose title and id are markers), so
// the cross-tenant test proves no other shop's insight or rules show
// them. A's stock and sales (victimCommerce) feed its inventory insight.
func victimInsight(t *testing.T, srv *testServer, a victim) []string {
	t.Helper()
	o := a.Owner
	o.send("PUT", "/api/inventory/reorder-settings", map[string]int{"lead_time_days": 9, "review_days": 5, "safety_days": 4, "history_weeks": 6, "slow_days": 45}, 200)
	o.send("PUT", "/api/variants/"+a.Commerce["variant"]+"/reorder", map[string]any{"lead_time_days": 2, "safety_stock": 6}, 200)
	ctx := tenancy.WithActor(tenancy.WithTenant(context.Background(), a.ID), tenancy.Actor{Kind: "staff", ID: a.OwnerID, Name: "Owner"})
	partner, err := srv.Services.Catalog.Create(ctx, catalog.ProductInput{Title: "Alpha bought-together partner", Handle: "alpha-partner",
		Variants: []catalog.VariantInput{{SKU: "ALPHA-PARTNER", Price: 500}}})
	if err != nil {
		t.Fatal(err)
	}
	main, err := srv.Services.Catalog.Get(ctx, a.Commerce["product"])
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		basketOrder(t, srv.DB, ctx, main, partner)
	}
	o.send("PUT", "/api/analytics/bought-together/settings", map[string]any{"min_support": 0.01, "min_confidence": 0.01, "window_days": 365}, 200)
	var rules api.BasketRulesJSON
	o.getJSON("/api/analytics/bought-together", &rules)
	found := false
	for _, r := range rules.Rules {
		found = found || r.WithProductTitle == "Alpha bought-together partner"
	}
	if !found {
		t.Fatalf("shop A's own rules do not show its pair: %+v", rules)
	}
	var in api.InsightJSON
	o.getJSON("/api/inventory/insight", &in)
	if len(in.Variants) == 0 || in.Settings.SlowDays != 45 {
		t.Fatalf("shop A's own insight: %+v", in)
	}
	return []string{"Alpha bought-together partner", "ALPHA-PARTNER", partner.ID}
}
