package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/core/wishlist"
	"github.com/wasmart/wasmart/web"
	"github.com/wasmart/wasmart/web/api"
)

// victimWishlist is what shop A's wishlists are made of.
type victimWishlist struct {
	ProductID, VariantID, Title, GuestToken string
}

// victimWishlists gives shop A a published product saved by its customer
// and by a guest (a product and a variant), so the cross-tenant test
// proves no other shop sees or changes either list.
func victimWishlists(t *testing.T, srv *testServer, a victim) (victimWishlist, []string) {
	t.Helper()
	ctx := tenancy.WithTenant(context.Background(), a.ID)
	w := victimWishlist{Title: "Alpha wished-for lamp", GuestToken: cart.NewToken()}
	p, err := srv.Services.Catalog.Create(ctx, catalog.ProductInput{Title: w.Title, Handle: "alpha-wished-lamp", Status: catalog.Published,
		Variants: []catalog.VariantInput{{SKU: "ALPHA-LAMP-1", Price: 3100}}})
	if err != nil {
		t.Fatal(err)
	}
	w.ProductID, w.VariantID = p.ID, p.Variants[0].ID
	for _, o := range []wishlist.Owner{{CustomerID: a.Commerce["customer"]}, {Token: w.GuestToken}} {
		if _, err := srv.Services.Wishlists.Add(ctx, o, w.ProductID, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := srv.Services.Wishlists.Add(ctx, wishlist.Owner{Token: w.GuestToken}, w.ProductID, w.VariantID); err != nil {
		t.Fatal(err)
	}
	return w, []string{w.ProductID, w.VariantID, w.Title}
}

// probeWishlistsFromB calls every storefront and store-API wishlist route
// on shop B's host with shop A's guest token, customer session cookie
// name and product and variant ids: A's products are 404 naming the field,
// A's lists show nothing and do not change. A wishlist route added later
// without a probe here fails the test.
func probeWishlistsFromB(t *testing.T, srv *testServer, a victim, w victimWishlist, b shop) {
	t.Helper()
	bs := &testShop{shop: b, srv: srv, http: &http.Client{Timeout: 30 * time.Second}}
	guest := bs.buyer(t)
	u, _ := url.Parse(guest.base)
	guest.http.Jar.SetCookies(u, []*http.Cookie{{Name: "wsm_cart", Value: w.GuestToken, Path: "/"}}) // A's guest token in B's cart cookie
	guest.get("/")                                                                                   // a browser has B's CSRF cookie by now
	tok := map[string]string{"Cart-Token": w.GuestToken}
	probed := map[string]bool{}
	probe := func(method, path string, r response) response {
		t.Helper()
		probed[method+" "+strings.SplitN(path, "?", 2)[0]] = true
		if r.Status >= 500 {
			t.Errorf("%s %s on B's host: %d %s", method, path, r.Status, cut(r.Body))
		}
		for _, m := range a.markers {
			if strings.Contains(r.Body, m) && !strings.Contains(path, m) {
				t.Errorf("%s %s on B's host shows shop A's %q: %s", method, path, m, cut(r.Body))
			}
		}
		return r
	}
	var wl api.WishlistJSON
	probe("GET", "/api/store/wishlist", bs.req(t, "GET", "/api/store/wishlist", nil, tok)).json(t, &wl)
	if len(wl.Items) != 0 {
		t.Errorf("A's guest token lists on B's host: %+v", wl)
	}
	wantError(t, probe("POST", "/api/store/wishlist", bs.req(t, "POST", "/api/store/wishlist", api.WishlistRequest{ProductID: w.ProductID}, tok)), 404, "product_id")
	probe("DELETE", "/api/store/wishlist", bs.req(t, "DELETE", "/api/store/wishlist?product_id="+w.ProductID, nil, tok))
	// The forms and the page.
	hdr := guest.sameOrigin()
	form := url.Values{"product_id": {w.ProductID}, "variant_id": {w.VariantID}, "back": {"/"}}.Encode()
	if r := probe("POST", "/wishlist/add", guest.do("POST", "/wishlist/add", strings.NewReader(form), hdr)); r.Status != 404 {
		t.Errorf("POST /wishlist/add with A's product on B's host: %d", r.Status)
	}
	probe("POST", "/wishlist/remove", guest.do("POST", "/wishlist/remove", strings.NewReader(form), hdr))
	r := probe("GET", "/wishlist", guest.get("/wishlist"))
	wantPage(t, r, 200, `id="wishlist-empty"`)
	for _, rt := range srv.Server.Routes() {
		if rt.Scope == web.ScopeStorefront && strings.Contains(rt.Path, "wishlist") && !probed[rt.Method+" "+rt.Path] {
			t.Errorf("wishlist route %s %s is not probed across shops", rt.Method, rt.Path)
		}
	}
	// A's lists are as they were.
	ctx := tenancy.WithTenant(context.Background(), a.ID)
	for _, o := range []wishlist.Owner{{CustomerID: a.Commerce["customer"]}, {Token: w.GuestToken}} {
		items, err := srv.Services.Wishlists.Items(ctx, o)
		if err != nil || len(items) == 0 {
			t.Errorf("A's list of %+v after B's probes: %v %v", o, items, err)
		}
	}
}
