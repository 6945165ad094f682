package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web/api"
)

// TestCampaignFromTemplate: the console's "new campaign from template"
// form offers the suggested promotions as a ticked checkbox and creates
// them as drafts in the campaign (its window theirs); unticked, only the
// campaign; a refused form creates neither. POST
// /api/campaigns/from-template does the same over JSON (active when asked,
// the window in the given time zone) and names the field at fault; a
// warehouse member gets 403.
func TestCampaignFromTemplate(t *testing.T) {
	srv, _ := startCommerceServer(t, storetest.SQLite(t))
	sh := srv.signup("festival")
	if err := srv.Tenants.ChangePlan(context.Background(), tenants.System(), sh.ID, tenants.PlanScale); err != nil {
		t.Fatal(err)
	}
	s := setUpTestShop(t, srv, sh)
	mk := srv.staff(s.shop, "mk-fest@example.com", "marketing")
	wantConsolePage(t, mk.do("GET", "/console/campaigns/new?template=singles-day&year=2026", "", nil), 200,
		`name="template" value="singles-day"`, `name="suggestions" checked`, "and make them active")

	form := func(kv ...string) string {
		return consoleForm(append([]string{"name", "11.11 2026", "theme", "Singles' Day", "starts_at", "2026-11-11T00:00", "ends_at", "2026-11-12T00:00",
			"template", "singles-day", "year", "2026"}, kv...)...)
	}
	campaignPromotions := func(id string) []api.PromotionJSON {
		var pg api.PromotionPage
		mk.getJSON("/api/promotions?campaign="+id, &pg)
		return pg.Promotions
	}
	// Refused: nothing at all.
	wantConsolePage(t, mk.do("POST", "/console/campaigns", form("suggestions", "on", "budget", "lots"), nil), 400, "Budget", "双11 满减")
	var camps []api.CampaignJSON
	mk.getJSON("/api/campaigns", &camps)
	var all api.PromotionPage
	mk.getJSON("/api/promotions", &all)
	if len(camps) != 0 || len(all.Promotions) != 0 {
		t.Fatalf("a refused form created %d campaigns, %d promotions", len(camps), len(all.Promotions))
	}

	r := mk.do("POST", "/console/campaigns", form("suggestions", "on"), nil)
	wantSeeOther(t, r, "/console/campaigns/")
	page := strings.SplitN(r.Header.Get("Location"), "?", 2)[0]
	id := strings.TrimPrefix(page, "/console/campaigns/")
	ps := campaignPromotions(id)
	if len(ps) != 2 {
		t.Fatalf("suggested promotions: %+v", ps)
	}
	for _, p := range ps {
		if p.Status != "draft" || p.StartsAt == nil || !p.StartsAt.Equal(time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)) || p.Currency != "EUR" {
			t.Fatalf("suggested promotion: %+v", p)
		}
	}
	wantConsolePage(t, mk.do("GET", page, "", nil), 200, "11.11 spend and save", "11.11 free delivery")

	r = mk.do("POST", "/console/campaigns", form("name", "11.11 bare"), nil)
	wantSeeOther(t, r, "/console/campaigns/")
	if ps := campaignPromotions(strings.TrimPrefix(strings.SplitN(r.Header.Get("Location"), "?", 2)[0], "/console/campaigns/")); len(ps) != 0 {
		t.Fatalf("unticked, promotions were created: %+v", ps)
	}

	// Over JSON.
	var out api.FromTemplateJSON
	mk.post("/api/campaigns/from-template", api.FromTemplateRequest{Template: "christmas", Year: 2026, Currency: "EUR", TZ: "Europe/Paris",
		Suggestions: true, Activate: true}, 201).json(t, &out)
	if out.Campaign.Name != "Christmas 2026" || out.Campaign.StartsAt == nil || !out.Campaign.StartsAt.Equal(time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC)) ||
		len(out.Promotions) != 2 || out.Promotions[0].Status != "active" || out.Promotions[0].CampaignID != out.Campaign.ID {
		t.Fatalf("from template: %+v", out)
	}
	for _, bad := range []struct {
		body  api.FromTemplateRequest
		field string
	}{
		{api.FromTemplateRequest{Template: "easter", Year: 2026, Currency: "EUR"}, `"field":"template"`},
		{api.FromTemplateRequest{Template: "618", Year: 2026, Currency: "EUR", TZ: "Mars/Base"}, `"field":"tz"`},
		{api.FromTemplateRequest{Template: "618", Year: 2026}, `"field":"currency"`},
		{api.FromTemplateRequest{Template: "618", Year: 1999, Currency: "EUR"}, `"field":"year"`},
	} {
		if r := mk.post("/api/campaigns/from-template", bad.body, 400); !strings.Contains(r.Body, bad.field) {
			t.Errorf("%+v: %s", bad.body, r.Body)
		}
	}
	mk.getJSON("/api/campaigns", &camps)
	if len(camps) != 3 {
		t.Fatalf("%d campaigns", len(camps))
	}

	wh := srv.staff(s.shop, "wh-fest@example.com", "warehouse")
	if r := wh.do("POST", "/api/campaigns/from-template", `{"template":"618","year":2026,"currency":"EUR"}`, nil); r.Status != 403 {
		t.Fatalf("warehouse: %d", r.Status)
	}
	if r := wh.do("POST", "/console/campaigns", form("suggestions", "on"), nil); r.Status != 403 {
		t.Fatalf("warehouse console: %d", r.Status)
	}
}
