package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web/api"
)

// TestPromotionPreviewConsole: the promotion page's Preview form lists the
// shop's variants; submitted with two lines it shows, in money, the
// sample cart with the promotion alone and beside the live promotions;
// a bad quantity re-renders the page naming the line; an analyst (read
// only) may preview too.
func TestPromotionPreviewConsole(t *testing.T) {
	srv, _ := startCommerceServer(t, storetest.SQLite(t))
	sh := srv.signup("previewdesk")
	if err := srv.Tenants.ChangePlan(context.Background(), tenants.System(), sh.ID, tenants.PlanScale); err != nil {
		t.Fatal(err)
	}
	s := setUpTestShop(t, srv, sh)
	c := s.Owner
	kettle, mug := s.variant(t, "Kettle", 2000, 20), s.variant(t, "Mug", 500, 20)
	var p api.PromotionJSON
	c.post("/api/promotions", api.PromotionRequest{Name: "Ten off", Label: "−10% everything", Kind: "percent_off", PercentBP: 1000}, 201).json(t, &p)
	c.post("/api/promotions", api.PromotionRequest{Name: "Big", Label: "−50% kettles", Kind: "percent_off", PercentBP: 5000, Status: "active",
		Target: api.PromotionTarget{VariantIDs: []string{kettle}}}, 201)

	page := "/console/promotions/" + p.ID
	wantConsolePage(t, c.do("GET", page, "", nil), 200, `id="preview"`, `name="variant1"`, `value="`+kettle+`"`, "Kettle", "20.00 EUR")
	q := url.Values{"variant1": {kettle}, "qty1": {"1"}, "variant2": {mug}, "qty2": {"2"}}
	r := c.do("GET", page+"/preview?"+q.Encode(), "", nil)
	wantConsolePage(t, r, 200, "This promotion alone: it saves 3.00 EUR", "total 27.00 EUR", "−10% everything: −3.00 EUR",
		"With the shop&#39;s live promotions: it does not apply", "−50% kettles: −10.00 EUR", "cannot be combined")
	if !strings.Contains(r.Body, `<option value="`+mug+`" selected>`) {
		t.Fatalf("the form forgot the chosen variant: %s", cut(r.Body))
	}
	q.Set("qty2", "lots")
	wantConsolePage(t, c.do("GET", page+"/preview?"+q.Encode(), "", nil), 400, "Quantity, line 2")
	wantConsolePage(t, c.do("GET", page+"/preview?variant3=no-such-variant&qty3=1", "", nil), 400, "Variant, line 3")
	wantConsolePage(t, c.do("GET", page+"/preview", "", nil), 400, "choose at least one variant")

	an := srv.staff(s.shop, "an@example.com", "analyst")
	q.Set("qty2", "2")
	wantConsolePage(t, an.do("GET", page+"/preview?"+q.Encode(), "", nil), 200, "This promotion alone: it saves 3.00 EUR")
}
