package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web/api"
)

// TestSalePriceOnProductPage: a live automatic promotion on a product
// shows on its (cached) page before any cart: the sale price, the list
// price struck through, the offer's label and end, and the JSON-LD Offer
// at the sale price with priceValidUntil; a coded offer on the same
// product does not; pausing the promotion through the API takes the sale
// off the page at once (the cached page is dropped).
func TestSalePriceOnProductPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, _ := startCommerceServer(t, db)
		sh := srv.signup("sale")
		if err := srv.Tenants.ChangePlan(context.Background(), tenants.System(), sh.ID, tenants.PlanScale); err != nil {
			t.Fatal(err)
		}
		s := setUpTestShop(t, srv, sh)
		o := s.Owner
		vid := s.variant(t, "Kettle", 2000, 20)
		p, err := s.cat.Catalog.ProductOfVariant(s.ctx, vid)
		if err != nil {
			t.Fatal(err)
		}
		page := func() string {
			r := s.req(t, "GET", "/products/"+p.Handle, nil, nil)
			if r.Status != 200 {
				t.Fatalf("product page: %d %s", r.Status, cut(r.Body))
			}
			return r.Body
		}
		if b := page(); strings.Contains(b, "<s data-compare>2") || strings.Contains(b, "priceValidUntil") {
			t.Fatalf("no offer yet, but the page shows a sale: %s", cut(b))
		}
		// A coded offer is the cart's business.
		if r := o.do("POST", "/api/promotions", fmt.Sprintf(`{"name":"Code","label":"Code only","kind":"percent_off","percent_bp":5000,"requires_code":true,
			"status":"active","target":{"product_ids":[%q]}}`, p.ID), nil); r.Status != 201 {
			t.Fatalf("create coded promotion: %d %s", r.Status, r.Body)
		}
		end := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
		var pr api.PromotionJSON
		r := o.do("POST", "/api/promotions", fmt.Sprintf(`{"name":"Kettles","label":"Kettle week −25%%","kind":"percent_off","percent_bp":2500,
			"status":"active","ends_at":%q,"target":{"product_ids":[%q]}}`, end.Format(time.RFC3339), p.ID), nil)
		if r.Status != 201 {
			t.Fatalf("create promotion: %d %s", r.Status, r.Body)
		}
		r.json(t, &pr)
		b := page()
		for _, want := range []string{"<span data-price>15.00 EUR</span>", "<s data-compare>20.00 EUR</s>", "Kettle week −25%",
			end.Format("2 Jan 2006 15:04 UTC"), `"price":"15.00"`, `"priceValidUntil":"` + end.Format("2006-01-02") + `"`} {
			if !strings.Contains(b, want) {
				i := strings.Index(b, `class="price`)
				t.Fatalf("sale page lacks %q: %s", want, b[max(0, i):min(len(b), i+400)])
			}
		}
		if strings.Contains(b, "Code only") || strings.Contains(b, "10.00 EUR") {
			t.Fatalf("the coded offer shows on the page: %s", cut(b))
		}
		o.post("/api/promotions/"+pr.ID+"/pause", nil, 200)
		if b := page(); strings.Contains(b, "Kettle week") || !strings.Contains(b, "<span data-price>20.00 EUR</span>") || strings.Contains(b, "priceValidUntil") {
			t.Fatalf("paused offer still on the page: %s", cut(b))
		}
	})
}
