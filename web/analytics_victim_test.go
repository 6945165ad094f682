package web_test

import (
	"context"
	"testing"

	"github.com/wasmart/wasmart/core/analytics"
)

// victimAnalytics gives shop A settings and counted traffic (a campaign
// whose names are markers), rolled up, so the cross-tenant test proves
// no other shop's analytics answer shows them.
func victimAnalytics(t *testing.T, srv *testServer, a victim) []string {
	t.Helper()
	a.Owner.send("PUT", "/api/analytics/settings", map[string]any{"time_zone": "Pacific/Chatham", "retention_days": 400, "raw_retention_days": 30}, 200)
	svc := srv.Services.Analytics
	for i, kind := range []analytics.Kind{analytics.PageView, analytics.ProductView, analytics.AddToCart, analytics.CheckoutStart} {
		svc.Track(analytics.Hit{TenantID: a.ID, Kind: kind, Path: "/alpha-secret-path", IP: "192.0.2.77", UserAgent: testBrowserUA,
			Host: a.Slug + ".localhost", UTMSource: "alpha-utm-source", UTMMedium: "alpha-utm-medium", UTMCampaign: "alpha-utm-campaign", Quantity: i})
	}
	ctx := context.Background()
	if err := svc.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Rollup(ctx); err != nil {
		t.Fatal(err)
	}
	var srcs []struct {
		Source string `json:"source"`
	}
	a.Owner.getJSON("/api/analytics/sources", &srcs)
	if len(srcs) == 0 || srcs[0].Source != "alpha-utm-source" {
		t.Fatalf("shop A's own sources do not show its traffic: %+v", srcs)
	}
	return []string{"Pacific/Chatham", "alpha-utm-source", "alpha-utm-medium", "alpha-utm-campaign"}
}
