package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web/api"
)

// TestPromotionConsole drives the promotion pages as the owner: a
// promotion created through the form shows in the list and its filters, a
// bad percent re-renders the form naming the field, the page edits and
// pauses it, generates codes and downloads them as CSV. A marketing staff
// member may use the pages; a warehouse one gets 403 on each.
func TestPromotionConsole(t *testing.T) {
	srv, _ := startCommerceServer(t, storetest.SQLite(t))
	sh := srv.signup("promodesk")
	// Two staff seats and more: a larger plan.
	if err := srv.Tenants.ChangePlan(context.Background(), tenants.System(), sh.ID, tenants.PlanScale); err != nil {
		t.Fatal(err)
	}
	s := setUpTestShop(t, srv, sh)
	c := s.Owner

	wantConsolePage(t, c.do("GET", "/console/promotions", "", nil), 200, `href="/console/promotions"`, "No promotions match.")
	wantConsolePage(t, c.do("GET", "/console/promotions/new", "", nil), 200, "Create promotion")

	form := func(kv ...string) string {
		base := []string{"name", "Spring ten", "label", "−10% this spring", "kind", "percent_off", "applies", "order", "status", "active",
			"percent", "10", "min_subtotal", "30.00", "combines_shipping", "on", "code", "spring10"}
		for i := 0; i+1 < len(kv); i += 2 {
			for j := 0; j+1 < len(base); j += 2 {
				if base[j] == kv[i] {
					base[j+1] = kv[i+1]
				}
			}
		}
		return consoleForm(base...)
	}
	// Bad input names the field in the form's words and creates nothing.
	wantConsolePage(t, c.do("POST", "/console/promotions", form("percent", "150"), nil), 400, "Percent off", "at most 100", `value="Spring ten"`)
	wantConsolePage(t, c.do("POST", "/console/promotions", form("min_subtotal", "thirty"), nil), 400, "Minimum spend")
	wantConsolePage(t, c.do("POST", "/console/promotions", form("name", ""), nil), 400, "Name")
	var pg api.PromotionPage
	c.getJSON("/api/promotions", &pg)
	if len(pg.Promotions) != 0 {
		t.Fatalf("bad forms created %d promotions", len(pg.Promotions))
	}

	r := c.do("POST", "/console/promotions", form(), nil)
	wantSeeOther(t, r, "/console/promotions/")
	page := strings.SplitN(r.Header.Get("Location"), "?", 2)[0]
	id := strings.TrimPrefix(page, "/console/promotions/")
	var p api.PromotionJSON
	c.getJSON("/api/promotions/"+id, &p)
	if p.Kind != "percent_off" || p.PercentBP != 1000 || p.Conditions.MinSubtotal != 3000 || p.Currency != "EUR" || p.Status != "active" ||
		!p.RequiresCode || len(p.CombinesWith) != 1 || p.CombinesWith[0] != "shipping" {
		t.Fatalf("created: %+v", p)
	}
	wantConsolePage(t, c.do("GET", "/console/promotions", "", nil), 200, "Spring ten", "Percent off", "active", "0.00 EUR")
	wantConsolePage(t, c.do("GET", "/console/promotions?status=active&kind=percent_off&q=spring", "", nil), 200, "Spring ten")
	wantConsolePage(t, c.do("GET", "/console/promotions?status=paused", "", nil), 200, "No promotions match.")
	wantConsolePage(t, c.do("GET", page, "", nil), 200, "SPRING10", "No orders have used it yet.", `value="30.00"`, "Pause")

	// Edit: spend X save Y tiers; a bad tier names its line.
	edit := func(kv ...string) string {
		return consoleForm(append([]string{"version", "1", "name", "Spring tiers", "label", "Save more", "kind", "spend_save", "applies", "order", "requires_code", "on"}, kv...)...)
	}
	wantConsolePage(t, c.do("POST", page, edit("tiers", "50.00 5.00\n100.00"), nil), 400, "Spend and save tiers")
	if r := c.do("POST", page, edit("tiers", "50.00 5.00\n100.00 15.00"), nil); r.Status != 303 {
		t.Fatalf("edit: %d %s", r.Status, cut(r.Body))
	}
	c.getJSON("/api/promotions/"+id, &p)
	if p.Kind != "spend_save" || len(p.Tiers) != 2 || p.Tiers[1].Spend != 10000 || p.Tiers[1].Off != 1500 || p.Version != 2 {
		t.Fatalf("edited: %+v", p)
	}
	// The page reads like the offer.
	wantConsolePage(t, c.do("GET", page, "", nil), 200, "Spend 50.00 EUR, save 5.00 EUR; spend 100.00 EUR, save 15.00 EUR, with a code")
	// A stale version is refused, not silently overwritten.
	if r := c.do("POST", page, edit("tiers", "1.00 1.00"), nil); r.Status != 409 {
		t.Fatalf("stale edit: %d", r.Status)
	}

	// Status, codes and the CSV.
	wantSeeOther(t, c.do("POST", page+"/pause", "", nil), page)
	wantConsolePage(t, c.do("GET", "/console/promotions?status=paused", "", nil), 200, "Spring tiers")
	wantConsolePage(t, c.do("POST", page+"/codes/generate", consoleForm("count", "lots"), nil), 400, "How many codes")
	wantConsolePage(t, c.do("POST", page+"/codes/generate", consoleForm("count", "20000"), nil), 400, "How many codes")
	wantSeeOther(t, c.do("POST", page+"/codes/generate", consoleForm("count", "25", "prefix", "VIP-", "usage_limit", "1"), nil), page)
	wantConsolePage(t, c.do("POST", page+"/codes", consoleForm("code", "spring10"), nil), 409, "Code")
	csv := c.do("GET", page+"/codes.csv", "", nil)
	if csv.Status != 200 || !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") || strings.Count(csv.Body, "VIP-") != 25 || !strings.Contains(csv.Body, "SPRING10") {
		t.Fatalf("csv: %d %s %s", csv.Status, csv.Header.Get("Content-Type"), cut(csv.Body))
	}
	wantConsolePage(t, c.do("GET", page, "", nil), 200, "VIP-", `href="`+page+`/codes.csv"`)

	// Roles.
	mk := srv.staff(s.shop, "mk@example.com", "marketing")
	wantConsolePage(t, mk.do("GET", "/console", "", nil), 200, `href="/console/promotions"`)
	wantConsolePage(t, mk.do("GET", "/console/promotions", "", nil), 200, "Spring tiers")
	wantSeeOther(t, mk.do("POST", page+"/activate", "", nil), page)
	wh := srv.staff(s.shop, "wh@example.com", "warehouse")
	if r := wh.do("GET", "/console", "", nil); r.Status != 200 || strings.Contains(r.Body, `href="/console/promotions"`) {
		t.Fatalf("warehouse console home: %d, promotions link shown: %v", r.Status, strings.Contains(r.Body, `href="/console/promotions"`))
	}
	for _, x := range []struct{ method, path, body string }{
		{"GET", "/console/promotions", ""}, {"GET", "/console/promotions/new", ""}, {"GET", page, ""}, {"GET", page + "/codes.csv", ""},
		{"POST", "/console/promotions", form()}, {"POST", page + "/end", ""}, {"POST", page + "/codes/generate", consoleForm("count", "1")},
	} {
		if r := wh.do(x.method, x.path, x.body, nil); r.Status != 403 {
			t.Errorf("warehouse %s %s: %d, want 403", x.method, x.path, r.Status)
		}
	}
	c.getJSON("/api/promotions", &pg)
	if len(pg.Promotions) != 1 || pg.Promotions[0].Status != "active" {
		t.Fatalf("after the warehouse tries: %+v", pg.Promotions)
	}
}
