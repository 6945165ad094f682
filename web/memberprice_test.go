package web_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/plugins"
	"github.com/wasmart/wasmart/web/api"
	"github.com/wasmart/wasmart/web/internal/view"
)

// memberShop is a shop with the first-party pricing plugin enabled: 20 %
// off for customers tagged "member", and a 10 % volume tier from 3 units
// limited to the "tea" category. It sells Sencha (10.00, in "tea") and a
// Mug (20.00, no category).
func memberShop(t *testing.T, db *store.DB, slug string) (*testShop, string, string) {
	t.Helper()
	srv, svc := startPluginServer(t, db)
	man, wasm := pluginUpload(t, "pricing", "", "1.0.0")
	if _, err := svc.Publish(tenancy.WithPlatform(context.Background()), plugins.PublishInput{Manifest: man, Wasm: wasm}); err != nil {
		t.Fatal(err)
	}
	sh := newTestShop(t, srv, slug)
	tea, err := sh.cat.Catalog.CreateCategory(sh.ctx, catalog.CategoryInput{Name: "Tea", Slug: "tea"})
	if err != nil {
		t.Fatal(err)
	}
	product := func(title, handle, category string, price int64) string {
		p, err := sh.cat.Catalog.Create(sh.ctx, catalog.ProductInput{Title: title, Handle: handle, Status: catalog.Published, Currency: "EUR", CategoryID: category,
			Variants: []catalog.VariantInput{{SKU: strings.ToUpper(handle), Price: price}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := sh.cat.Inventory.Receive(sh.ctx, p.Variants[0].ID, "", 100, "test"); err != nil {
			t.Fatal(err)
		}
		return p.Variants[0].ID
	}
	sencha, mug := product("Sencha", "sencha", tea.ID, 1000), product("Mug", "mug", "", 2000)
	var inst api.InstallationJSON
	sh.Owner.post("/api/plugins/installations", api.InstallRequest{PluginID: "wasmart-pricing", Config: map[string]any{
		"price_lists":  []any{map[string]any{"customer_tag": "member", "label": "Member price", "percent": 20}},
		"volume_tiers": []any{map[string]any{"min_qty": 3, "percent": 10, "categories": []string{"tea"}}},
	}}, 201).json(t, &inst)
	if r := sh.Owner.do("PATCH", "/api/plugins/installations/"+inst.ID, `{"enabled":true}`, nil); r.Status != 200 {
		t.Fatalf("enable: %d %s", r.Status, r.Body)
	}
	sh.srv.Server.InvalidateShop(sh.ID)
	return sh, sencha, mug
}

// signedIn signs a new customer up (with the given tags, set by staff)
// and returns a browser signed in as them on the storefront.
func signedIn(t *testing.T, sh *testShop, email string, tags ...string) *shopClient {
	t.Helper()
	cs := sh.srv.Services.Customers
	cu, _, err := cs.SignUp(sh.ctx, customer.SignUpInput{Email: email, Password: testPassword}, customer.SessionMeta{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tags) > 0 {
		if _, err := cs.Update(sh.ctx, cu.ID, customer.UpdateInput{Email: email, Tags: tags}); err != nil {
			t.Fatal(err)
		}
	}
	b := sh.buyer(t)
	if r := b.post("/account/login", url.Values{"identifier": {email}, "password": {testPassword}}); r.Status != 303 {
		t.Fatalf("sign-in %s: %d %.300s", email, r.Status, r.Body)
	}
	return b
}

// TestMemberPriceApplies: a signed-in shopper tagged "member" sees the
// member price on the product page (rendered for them alone, never
// cached), in the cart (page and JSON) and pays it in the order, through
// the HTML checkout and the JSON one; an untagged shopper and a guest do
// not, also after the member's page was shown. The tags come from the
// account, never from the request.
func TestMemberPriceApplies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		sh, sencha, _ := memberShop(t, db, "members")
		full, member := view.Money(1000, "EUR"), view.Money(800, "EUR")

		guest := sh.buyer(t)
		wantPage(t, guest.get("/products/sencha"), 200, full) // cached for everyone
		m := signedIn(t, sh, "member@example.com", "member")
		r := m.get("/products/sencha")
		wantPage(t, r, 200, member, "Member price")
		if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
			t.Fatalf("a member's page is cacheable: %q", cc)
		}
		plain := signedIn(t, sh, "plain@example.com")
		for who, c := range map[string]*shopClient{"guest": guest, "untagged": plain} {
			if r := c.get("/products/sencha"); r.Status != 200 || strings.Contains(r.Body, "Member price") || strings.Contains(r.Body, member) {
				t.Fatalf("%s sees the member price: %d %.500s", who, r.Status, r.Body)
			}
		}

		// Cart and HTML checkout.
		if r := m.addToCart(sencha, "1"); r.Status != 303 {
			t.Fatalf("add: %d %.300s", r.Status, r.Body)
		}
		wantPage(t, m.get("/cart"), 200, member)
		var cj api.CartJSON
		if r := m.get("/api/store/cart"); r.Status != 200 || json.Unmarshal([]byte(r.Body), &cj) != nil || cj.Price.Merchandise != 800 {
			t.Fatalf("member's cart: %d %.300s", r.Status, r.Body)
		}
		key := m.checkoutForm()
		id, _ := orderPath(t, m.post("/checkout", checkoutValues(key, "member@example.com", payment.CardSuccess)))
		if o := sh.order(t, id).Order; o == nil || o.Subtotal != 1000 || o.Discounts != -200 || o.Total != 800+490 {
			t.Fatalf("member's order: %+v", o)
		}

		// The untagged shopper's JSON checkout, and a guest's: list price.
		if r := plain.do("POST", "/api/store/cart/lines", strings.NewReader(`{"variant_id":"`+sencha+`","quantity":1}`), jsonHdr(plain)); r.Status != 200 {
			t.Fatalf("untagged add: %d %s", r.Status, r.Body)
		}
		r = plain.do("POST", "/api/store/checkout", strings.NewReader(string(checkoutBody("plain@example.com"))), jsonHdr(plain, "Idempotency-Key", "plain-1"))
		var o order.Order
		if r.Status != 201 || json.Unmarshal([]byte(r.Body), &o) != nil || o.Discounts != 0 || o.Subtotal != 1000 {
			t.Fatalf("untagged order: %d %.300s", r.Status, r.Body)
		}
		if o, _ := sh.place(t, sh.cart(t, map[string]int64{sencha: 1}), "guest-1"); o.Discounts != 0 {
			t.Fatalf("guest order discounts %d", o.Discounts)
		}

		// The member's JSON checkout.
		if r := m.do("POST", "/api/store/cart/lines", strings.NewReader(`{"variant_id":"`+sencha+`","quantity":2}`), jsonHdr(m)); r.Status != 200 {
			t.Fatalf("member add: %d %s", r.Status, r.Body)
		}
		r = m.do("POST", "/api/store/checkout", strings.NewReader(string(checkoutBody("member@example.com"))), jsonHdr(m, "Idempotency-Key", "member-2"))
		if r.Status != 201 || json.Unmarshal([]byte(r.Body), &o) != nil || o.Discounts != -400 {
			t.Fatalf("member's JSON order: %d %.300s", r.Status, r.Body)
		}
	})
}

// TestVolumeTierByCategory: the cart fills each pricing line's categories
// (and tags) from the catalog, so the first-party plugin's volume tier
// limited to a category applies to the line in it and not to the other.
func TestVolumeTierByCategory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		sh, sencha, mug := memberShop(t, db, "tiers")
		var cj api.CartJSON
		sh.req(t, "GET", "/api/store/cart", nil, map[string]string{"Cart-Token": sh.cart(t, map[string]int64{sencha: 3, mug: 3})}).json(t, &cj)
		totals := map[string]int64{}
		for _, l := range cj.Lines {
			totals[l.VariantID] = l.Total
		}
		if totals[sencha] != 2700 || totals[mug] != 6000 || cj.Price.Merchandise != 8700 {
			t.Fatalf("line totals %v, merchandise %d", totals, cj.Price.Merchandise)
		}
	})
}

// jsonHdr is what the shop's own script sends with a JSON request: the
// content type and the CSRF token from its cookie.
func jsonHdr(c *shopClient, kv ...string) map[string]string {
	if c.cookie("wsm_csrf") == "" {
		c.get("/account/login")
	}
	h := map[string]string{"Content-Type": "application/json", "X-CSRF-Token": c.cookie("wsm_csrf")}
	for i := 0; i+1 < len(kv); i += 2 {
		h[kv[i]] = kv[i+1]
	}
	return h
}
