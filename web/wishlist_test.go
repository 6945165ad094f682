package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/web"
	"github.com/wasmart/wasmart/web/api"
)

// saveForm posts the product page's wishlist form as a browser does:
// without a CSRF token (the page is cached), with the same-origin proof.
func (c *shopClient) saveForm(action, productID, variantID, back string) response {
	c.t.Helper()
	f := url.Values{"product_id": {productID}, "variant_id": {variantID}, "back": {back}}
	return c.do("POST", action, strings.NewReader(f.Encode()), c.sameOrigin())
}

const savedMark = `aria-pressed="true"`

// TestWishlistHTTP: a guest saves a product from the product page without
// JavaScript and comes back to it marked "Saved", rendered for them alone
// (no-store) while the shared cached page shows every other shopper
// "Save to wishlist"; saving twice keeps one item; the store API lists
// the same list by the guest's cart token with current prices and takes
// variants; another shop's product is a 404 naming product_id; signing in
// brings the guest's list into the customer's; and the saves move the
// wishlist rate KPI.
func TestWishlistHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, _ := startCommerceServer(t, db)
		s := newTestShop(t, srv, "savers")
		other := newTestShop(t, srv, "elsewhere")
		tee, _, _ := s.tee(t, 5, 5)
		mugVariant := s.variant(t, "Mug", 1200, 5)
		foreign := other.variant(t, "Foreign", 900, 1)
		mug := productOfVariant(t, s, mugVariant)
		foreignProduct := productOfVariant(t, other, foreign)

		b := browserClient(s.buyer(t))
		page := "/products/linen-tee"
		r := b.get(page)
		wantPage(t, r, 200, "Save to wishlist", `action="/wishlist/add"`)
		if strings.Contains(r.Body, savedMark) {
			t.Fatal("an anonymous page shows a saved state")
		}
		for range 2 { // idempotent
			wantSeeOther(t, b.saveForm("/wishlist/add", tee.ID, "", page), page)
		}
		if b.cookie("wsm_cart") == "" {
			t.Fatal("a guest's save keeps no guest token")
		}
		// The saver's page: saved, for them alone.
		r = b.get(page)
		wantPage(t, r, 200, savedMark, `action="/wishlist/remove"`)
		if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
			t.Fatalf("the saver's product page is cacheable: %q", cc)
		}
		// Everybody else: the shared cached page, never the saver's state,
		// also a shopper with a guest token of their own.
		for i, o := range []*shopClient{s.buyer(t), s.buyer(t)} {
			if i == 1 {
				wantSeeOther(t, o.addToCart(mugVariant, "1"), "/cart")
			}
			r := o.get(page)
			wantPage(t, r, 200, "Save to wishlist")
			if strings.Contains(r.Body, savedMark) {
				t.Fatalf("shopper %d sees another shopper's saved state", i)
			}
		}
		if !web.CachedPaths(srv.Server, s.ID)[page] {
			t.Fatal("the product page is not in the page cache: the leak check would not test it")
		}
		wantPage(t, b.get("/wishlist"), 200, "Linen Tee", "1 saved")

		// The store API, by the same guest token.
		tok := map[string]string{"Cart-Token": b.cookie("wsm_cart")}
		var wl api.WishlistJSON
		s.req(t, "GET", "/api/store/wishlist", nil, tok).json(t, &wl)
		if len(wl.Items) != 1 || wl.Items[0].ProductID != tee.ID || wl.Items[0].Price != 2000 || !wl.Items[0].Available || wl.Max != 200 {
			t.Fatalf("API list: %+v", wl)
		}
		add := func(body api.WishlistRequest, want int) api.WishlistJSON {
			r := s.req(t, "POST", "/api/store/wishlist", body, tok)
			if r.Status != want {
				t.Fatalf("API add %+v: %d %s", body, r.Status, r.Body)
			}
			var out api.WishlistJSON
			r.json(t, &out)
			return out
		}
		if got := add(api.WishlistRequest{ProductID: mug.ID, VariantID: mugVariant}, 201); got.Added == nil || !*got.Added || len(got.Items) != 2 ||
			got.Items[0].VariantID != mugVariant || got.Items[0].Price != 1200 {
			t.Fatalf("API variant add: %+v", got)
		}
		if got := add(api.WishlistRequest{ProductID: mug.ID, VariantID: mugVariant}, 200); got.Added == nil || *got.Added || len(got.Items) != 2 {
			t.Fatalf("API add again: %+v", got)
		}
		// A live 25 % offer on the mug: the list shows its sale price, on
		// the API and on /wishlist (the cards' pricing).
		if r := s.Owner.do("POST", "/api/promotions", fmt.Sprintf(`{"name":"Mugs","label":"Mug week -25%%","kind":"percent_off","percent_bp":2500,
			"status":"active","target":{"product_ids":[%q]}}`, mug.ID), nil); r.Status != 201 {
			t.Fatalf("create promotion: %d %s", r.Status, r.Body)
		}
		s.req(t, "GET", "/api/store/wishlist", nil, tok).json(t, &wl)
		if it := wl.Items[0]; it.ProductID != mug.ID || it.Price != 1200 || it.SalePrice != 900 || it.SaleLabel != "Mug week -25%" {
			t.Fatalf("API sale price: %+v", it)
		}
		if it := wl.Items[1]; it.ProductID != tee.ID || it.SalePrice != 0 {
			t.Fatalf("API: a product without an offer: %+v", it)
		}
		wantPage(t, b.get("/wishlist"), 200, "Mug week -25%", "9.00", "12.00")
		// Another shop's product or variant: 404 naming the field, on the API and the form.
		wantError(t, s.req(t, "POST", "/api/store/wishlist", api.WishlistRequest{ProductID: foreignProduct.ID}, tok), 404, "product_id")
		wantError(t, s.req(t, "POST", "/api/store/wishlist", api.WishlistRequest{ProductID: tee.ID, VariantID: foreign}, tok), 404, "variant_id")
		wantError(t, s.req(t, "POST", "/api/store/wishlist", api.WishlistRequest{}, tok), 400, "product_id")
		if r := b.saveForm("/wishlist/add", foreignProduct.ID, "", page); r.Status != 404 {
			t.Fatalf("form with another shop's product: %d", r.Status)
		}
		// Remove over the API, then the tee from /wishlist's form.
		s.req(t, "DELETE", "/api/store/wishlist?product_id="+mug.ID+"&variant_id="+mugVariant, nil, tok).json(t, &wl)
		if len(wl.Items) != 1 {
			t.Fatalf("after API remove: %+v", wl)
		}

		// Sign-in merges the guest's list into the customer's (who saved
		// the mug from another device).
		saver, _, err := srv.Services.Customers.SignUp(s.ctx, customer.SignUpInput{Email: "saver@example.com", Password: testPassword}, customer.SessionMeta{})
		if err != nil {
			t.Fatal(err)
		}
		phone := s.buyer(t)
		wantSeeOther(t, phone.post("/account/login", url.Values{"identifier": {"saver@example.com"}, "password": {testPassword}}), "/account")
		wantSeeOther(t, phone.saveForm("/wishlist/add", mug.ID, "", "/wishlist"), "/wishlist")
		wantSeeOther(t, b.post("/account/login", url.Values{"identifier": {"saver@example.com"}, "password": {testPassword}}), "/account")
		r = b.get("/wishlist")
		wantPage(t, r, 200, "Linen Tee", "Mug", "2 saved")
		var mine api.WishlistJSON
		s.req(t, "GET", "/api/store/wishlist", nil, map[string]string{"Cookie": "wsm_customer=" + b.cookie("wsm_customer")}).json(t, &mine)
		if len(mine.Items) != 2 {
			t.Fatalf("the customer's list after sign-in: %+v", mine)
		}
		s.req(t, "GET", "/api/store/wishlist", nil, tok).json(t, &wl)
		if len(wl.Items) != 0 {
			t.Fatalf("the guest list is still there after the merge: %+v", wl)
		}
		// Staff: the customer's page lists what they saved; the product
		// page counts the shoppers who saved it.
		wantPage(t, s.Owner.do("GET", "/console/customers/"+saver.ID, "", nil), 200, `id="ov-wishlist"`, "2 saved", "Linen Tee", "Mug")
		wantPage(t, s.Owner.do("GET", "/console/products/"+tee.ID, "", nil), 200, `Saved by <strong>1</strong> shopper (wishlists)`)
		// Remove from /wishlist; the empty state.
		wantSeeOther(t, b.post("/wishlist/remove", url.Values{"product_id": {tee.ID}}), "/wishlist")
		wantSeeOther(t, b.post("/wishlist/remove", url.Values{"product_id": {mug.ID}}), "/wishlist")
		wantPage(t, b.get("/wishlist"), 200, `id="wishlist-empty"`)

		// The saves are counted: one browser session that saved.
		ctx := context.Background()
		if err := srv.Services.Analytics.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Services.Analytics.Rollup(ctx); err != nil {
			t.Fatal(err)
		}
		var rep api.KPIReport
		s.Owner.getJSON("/api/analytics/kpis", &rep)
		if got := kpiOf(t, rep, "wishlist_rate"); got <= 0 {
			t.Fatalf("wishlist rate %v after a save", got)
		}
		var none api.KPIReport
		other.Owner.getJSON("/api/analytics/kpis", &none)
		if got := kpiOf(t, none, "wishlist_rate"); got > 0 {
			t.Fatalf("another shop's wishlist rate moved: %v", got)
		}
	})
}

// productOfVariant is the product a test variant belongs to.
func productOfVariant(t *testing.T, s *testShop, variantID string) *catalog.Product {
	t.Helper()
	pg, err := s.cat.Catalog.List(s.ctx, catalog.Filter{Limit: 250})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pg.Products {
		for _, v := range p.Variants {
			if v.ID == variantID {
				return p
			}
		}
	}
	t.Fatalf("no product with variant %s", variantID)
	return nil
}
