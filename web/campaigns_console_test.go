package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web/api"
)

// TestCampaignConsole drives the campaign pages as a marketing member: the
// list offers festival templates, a template fills the form, bad input is
// re-rendered naming the field and creates nothing, a campaign is created
// and edited; after a shopper's order uses its promotion the report page
// shows the figures, an accessible SVG chart and the CSV link, and the
// JSON and CSV reports and the templates route agree. A warehouse member
// gets 403 on every page.
func TestCampaignConsole(t *testing.T) {
	srv, _ := startCommerceServer(t, storetest.SQLite(t))
	sh := srv.signup("campdesk")
	if err := srv.Tenants.ChangePlan(context.Background(), tenants.System(), sh.ID, tenants.PlanScale); err != nil {
		t.Fatal(err)
	}
	s := setUpTestShop(t, srv, sh)
	mk := srv.staff(s.shop, "mk@example.com", "marketing")

	wantConsolePage(t, mk.do("GET", "/console", "", nil), 200, `href="/console/campaigns"`)
	wantConsolePage(t, mk.do("GET", "/console/campaigns", "", nil), 200, "No campaigns yet.", "template=singles-day", "Black Friday")
	wantConsolePage(t, mk.do("GET", "/console/campaigns/new?template=singles-day", "", nil), 200,
		`value="11.11 `, `value="Singles&#39; Day"`, `T00:00"`, "spend 200.00")
	wantConsolePage(t, mk.do("GET", "/console/campaigns/new?template=easter", "", nil), 400, "Template")

	start := time.Now().UTC().Add(-24 * time.Hour).Format("2006-01-02T15:04")
	form := func(kv ...string) string {
		base := []string{"name", "Spring push", "theme", "spring", "starts_at", start, "ends_at", "", "budget", "100.00", "version", ""}
		for i := 0; i+1 < len(kv); i += 2 {
			for j := 0; j+1 < len(base); j += 2 {
				if base[j] == kv[i] {
					base[j+1] = kv[i+1]
				}
			}
		}
		return consoleForm(base...)
	}
	wantConsolePage(t, mk.do("POST", "/console/campaigns", form("budget", "lots"), nil), 400, "Budget", `value="Spring push"`)
	wantConsolePage(t, mk.do("POST", "/console/campaigns", form("ends_at", "2000-01-01T00:00"), nil), 400, "Ends")
	wantConsolePage(t, mk.do("POST", "/console/campaigns", form("starts_at", "soon"), nil), 400, "Starts")
	wantConsolePage(t, mk.do("POST", "/console/campaigns", form("name", ""), nil), 400, "Name")
	var camps []api.CampaignJSON
	mk.getJSON("/api/campaigns", &camps)
	if len(camps) != 0 {
		t.Fatalf("bad forms created %d campaigns", len(camps))
	}
	r := mk.do("POST", "/console/campaigns", form(), nil)
	wantSeeOther(t, r, "/console/campaigns/")
	page := strings.SplitN(r.Header.Get("Location"), "?", 2)[0]
	id := strings.TrimPrefix(page, "/console/campaigns/")
	wantConsolePage(t, mk.do("GET", page, "", nil), 200, "Spring push", `value="100.00"`, "No promotions in this campaign yet")
	wantSeeOther(t, mk.do("POST", page, form("version", "1", "name", "Spring push 2", "budget", "200.00"), nil), page)
	var camp api.CampaignJSON
	mk.getJSON("/api/campaigns/"+id, &camp)
	if camp.Name != "Spring push 2" || camp.Budget != 20000 || camp.Currency != "EUR" || camp.Version != 2 {
		t.Fatalf("edited: %+v", camp)
	}
	wantConsolePage(t, mk.do("GET", "/console/campaigns", "", nil), 200, "Spring push 2", "active", "200.00")

	// A shopper's order with the campaign's promotion.
	var p api.PromotionJSON
	mk.post("/api/promotions", api.PromotionRequest{CampaignID: id, Name: "Five off", Label: "−5 €", Kind: "amount_off", Amount: 500,
		Currency: "EUR", Status: "active"}, 201).json(t, &p)
	kettle := s.variant(t, "Kettle", 2000, 20)
	o, _ := s.place(t, s.cart(t, map[string]int64{kettle: 2}), "camp-1")
	if o.Total != 4000-500+490 {
		t.Fatalf("order total %d", o.Total)
	}
	var rep api.CampaignReportJSON
	mk.getJSON("/api/campaigns/"+id+"/report", &rep)
	if rep.Orders != 1 || rep.Revenue != o.Total || rep.Discount != 500 || rep.Customers != 1 || rep.NewCustomers != 1 || rep.AverageOrder != o.Total ||
		rep.ROI == nil || rep.Currency != "EUR" || len(rep.Days) != 2 {
		t.Fatalf("report: %+v", rep)
	}
	csv := mk.do("GET", "/api/campaigns/"+id+"/report.csv", "", nil)
	if csv.Status != 200 || !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(csv.Body, "total,1,"+money.Format(o.Total, "EUR")+",5.00,EUR") {
		t.Fatalf("csv: %d %s", csv.Status, cut(csv.Body))
	}
	wantErrField(t, mk.do("GET", "/api/campaigns/"+id+"/report?tz=Mars/Olympus", "", nil), 400, "tz")
	if r := mk.do("GET", "/api/campaigns/nope/report.csv", "", nil); r.Status != 404 {
		t.Fatalf("csv of an unknown campaign: %d", r.Status)
	}
	var tps []api.CampaignTemplateJSON
	mk.getJSON("/api/campaigns/templates?currency=EUR&year=2026&tz=Asia/Shanghai", &tps)
	if len(tps) != len(promotion.TemplateKeys) || tps[2].Key != "singles-day" || !tps[2].Campaign.StartsAt.Equal(time.Date(2026, 11, 10, 16, 0, 0, 0, time.UTC)) {
		t.Fatalf("templates: %+v", tps)
	}
	wantErrField(t, mk.do("GET", "/api/campaigns/templates?year=2026", "", nil), 400, "currency")
	wantErrField(t, mk.do("GET", "/api/campaigns/templates?currency=EUR&year=soon", "", nil), 400, "year")

	wantConsolePage(t, mk.do("GET", page+"/report", "", nil), 200, "New customers", "Return on the discount", "5.00",
		`<title id="chart-title">`, `<desc id="chart-desc">`, "Revenue (solid)", "Discount given (hatched)",
		`href="/api/campaigns/`+id+`/report.csv"`, `href="/console/promotions/`+p.ID+`"`)
	wantConsolePage(t, mk.do("GET", page, "", nil), 200, "Five off")

	// Warehouse staff may not.
	wh := srv.staff(s.shop, "wh@example.com", "warehouse")
	if r := wh.do("GET", "/console", "", nil); r.Status != 200 || strings.Contains(r.Body, `href="/console/campaigns"`) {
		t.Fatalf("warehouse console home: %d, campaigns link shown: %v", r.Status, strings.Contains(r.Body, `href="/console/campaigns"`))
	}
	for _, x := range []struct{ method, path, body string }{
		{"GET", "/console/campaigns", ""}, {"GET", "/console/campaigns/new", ""}, {"GET", page, ""}, {"GET", page + "/report", ""},
		{"POST", "/console/campaigns", form()}, {"POST", page, form("version", "2")}, {"GET", "/api/campaigns/" + id + "/report.csv", ""},
	} {
		if r := wh.do(x.method, x.path, x.body, nil); r.Status != 403 {
			t.Errorf("warehouse %s %s: %d, want 403", x.method, x.path, r.Status)
		}
	}
}
