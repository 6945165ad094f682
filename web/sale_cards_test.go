package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web/api"
)

// TestSalePriceOnCards: while an automatic promotion runs, the product
// cards of the home, category and search pages (cached) show the sale
// price with the list price struck through and the offer's label; a flash
// sale's card shows its end and, as its merchant allows, the units left;
// pausing the promotion takes its sale off every card at once.
func TestSalePriceOnCards(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, _ := startCommerceServer(t, db)
		sh := srv.signup("salecards")
		if err := srv.Tenants.ChangePlan(context.Background(), tenants.System(), sh.ID, tenants.PlanScale); err != nil {
			t.Fatal(err)
		}
		s := setUpTestShop(t, srv, sh)
		o := s.Owner
		cat := must[*catalog.Category](t)(s.cat.Catalog.CreateCategory(s.ctx, catalog.CategoryInput{Name: "Kitchen"}))
		product := func(title string, price int64) *catalog.Product {
			p := must[*catalog.Product](t)(s.cat.Catalog.Create(s.ctx, catalog.ProductInput{Title: title, CategoryID: cat.ID, Status: catalog.Published,
				Variants: []catalog.VariantInput{{SKU: title, Price: price}}}))
			if err := s.cat.Inventory.Receive(s.ctx, p.Variants[0].ID, "", 20, "test"); err != nil {
				t.Fatal(err)
			}
			return p
		}
		kettle, toaster := product("Kettle", 2000), product("Toaster", 3000)
		get := func(path string) string {
			r := s.req(t, "GET", path, nil, nil)
			if r.Status != 200 {
				t.Fatalf("%s: %d %s", path, r.Status, cut(r.Body))
			}
			return r.Body
		}
		card := func(b, title string) string {
			i := strings.Index(b, `<span class="card-title">`+title+`</span>`)
			if i < 0 {
				t.Fatalf("no card %q: %s", title, cut(b))
			}
			j := strings.Index(b[i:], "</li>")
			return b[i : i+j]
		}
		pages := []string{"/", "/categories/" + cat.Slug, "/search?q=Kettle", "/search?category=" + cat.Slug}
		for _, path := range pages {
			if c := card(get(path), "Kettle"); strings.Contains(c, "<s>") || strings.Contains(c, "card-sale") || !strings.Contains(c, "20.00 EUR") {
				t.Fatalf("%s: a sale before any offer: %s", path, c)
			}
		}
		end := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
		var pr api.PromotionJSON
		r := o.do("POST", "/api/promotions", fmt.Sprintf(`{"name":"Kettles","label":"Kettle week −25%%","kind":"percent_off","percent_bp":2500,
			"status":"active","ends_at":%q,"target":{"product_ids":[%q]}}`, end.Format(time.RFC3339), kettle.ID), nil)
		if r.Status != 201 {
			t.Fatalf("create promotion: %d %s", r.Status, r.Body)
		}
		r.json(t, &pr)
		var flash api.PromotionJSON
		r = o.do("POST", "/api/promotions", fmt.Sprintf(`{"name":"Toaster hour","label":"Flash: toasters","kind":"flash_sale","currency":"EUR","status":"active",
			"ends_at":%q,"show_remaining":true,"flash":[{"variant_id":%q,"price":1990,"quota":7}]}`, end.Format(time.RFC3339), toaster.Variants[0].ID), nil)
		if r.Status != 201 {
			t.Fatalf("create flash sale: %d %s", r.Status, r.Body)
		}
		r.json(t, &flash)
		if !flash.ShowRemaining {
			t.Fatalf("show_remaining not kept: %+v", flash)
		}
		for _, path := range pages {
			c := card(get(path), "Kettle")
			for _, want := range []string{`<span class="card-price on-sale">15.00 EUR <s>20.00 EUR</s></span>`, "Kettle week −25%"} {
				if !strings.Contains(c, want) {
					t.Fatalf("%s: the Kettle card lacks %q: %s", path, want, c)
				}
			}
			if strings.Contains(c, " left at this price") || strings.Contains(c, "ends <time") {
				t.Fatalf("%s: a percent sale's card shows flash-sale details: %s", path, c)
			}
		}
		c := card(get("/categories/"+cat.Slug), "Toaster")
		for _, want := range []string{"19.90 EUR <s>30.00 EUR</s>", "Flash: toasters", "7 left at this price", end.Format("2 Jan 15:04 UTC")} {
			if !strings.Contains(c, want) {
				t.Fatalf("the Toaster card lacks %q: %s", want, c)
			}
		}
		// Without show_remaining the units left stay the merchant's.
		upd := fmt.Sprintf(`{"version":%d,"name":"Toaster hour","label":"Flash: toasters","kind":"flash_sale","currency":"EUR","status":"active",
			"ends_at":%q,"flash":[{"variant_id":%q,"price":1990,"quota":7}]}`, flash.Version, end.Format(time.RFC3339), toaster.Variants[0].ID)
		if r := o.do("PUT", "/api/promotions/"+flash.ID, upd, nil); r.Status != 200 {
			t.Fatalf("update flash sale: %d %s", r.Status, r.Body)
		}
		if c := card(get("/categories/"+cat.Slug), "Toaster"); strings.Contains(c, "left at this price") || !strings.Contains(c, "19.90 EUR") {
			t.Fatalf("units left shown without show_remaining: %s", c)
		}

		o.post("/api/promotions/"+pr.ID+"/pause", nil, 200)
		for _, path := range pages {
			if c := card(get(path), "Kettle"); strings.Contains(c, "<s>") || strings.Contains(c, "Kettle week") || !strings.Contains(c, "20.00 EUR") {
				t.Fatalf("%s: the paused offer is still on the card: %s", path, c)
			}
		}
	})
}
