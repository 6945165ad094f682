package web_test

import (
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/web"
	"github.com/wasmart/wasmart/web/api"
)

// TestDatabaseDownAnswers503 is issue 9 item 3: while PostgreSQL is
// unreachable, pages and the API answered 500 (product page, cart,
// checkout); they answer 503 with Retry-After — a page saying the shop is
// briefly unavailable, and the API's JSON error — and recover when the
// database is back.
func TestDatabaseDownAnswers503(t *testing.T) {
	db, relay := storetest.PostgresBehindRelay(t)
	srv := startServer(t, db)
	sh := newTestShop(t, srv, "outage")
	v := sh.variant(t, "Lamp", 2500, 5)
	p, err := sh.cat.Catalog.ProductOfVariant(sh.ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	tok := sh.cart(t, map[string]int64{v: 1})
	product := "/products/" + p.Handle
	if r := sh.req(t, "GET", product+"?warm=1", nil, nil); r.Status != 200 {
		t.Fatalf("product page before the outage: %d %s", r.Status, r.Body)
	}

	relay.Down()

	cart := map[string]string{"Cart-Token": tok}
	checkout := map[string]string{"Cart-Token": tok, "Idempotency-Key": "outage-1"}
	for _, tc := range []struct {
		name, method, path string
		body               any
		hdr                map[string]string
		console            bool
	}{
		{name: "product page", method: "GET", path: product},
		{name: "cart page", method: "GET", path: "/cart", hdr: map[string]string{"Cookie": "wsm_cart=" + tok}},
		{name: "cart API", method: "GET", path: "/api/store/cart", hdr: cart},
		{name: "add to cart API", method: "POST", path: "/api/store/cart/lines", body: api.CartLineRequest{VariantID: v, Quantity: 1}, hdr: cart},
		{name: "checkout API", method: "POST", path: "/api/store/checkout", body: checkoutBody("eva@example.com"), hdr: checkout},
		{name: "console page", method: "GET", path: "/console/products", console: true},
		{name: "console API", method: "GET", path: "/api/products", console: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r response
			if tc.console {
				r = sh.Owner.do(tc.method, tc.path, "", nil)
			} else {
				r = sh.req(t, tc.method, tc.path, tc.body, tc.hdr)
			}
			if r.Status != 503 {
				t.Fatalf("%s %s with the database down: %d, want 503: %.300s", tc.method, tc.path, r.Status, r.Body)
			}
			if ra := r.Header.Get("Retry-After"); ra == "" {
				t.Errorf("no Retry-After on the 503 (headers %v)", r.Header)
			}
			if strings.HasPrefix(tc.path, "/api/") {
				var body web.ErrorBody
				r.json(t, &body)
				if body.Error.Code != "unavailable" || body.Error.Message == "" {
					t.Errorf("error body %s, want code unavailable with a message", r.Body)
				}
				return
			}
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type %q, want an HTML page", ct)
			}
			if !strings.Contains(r.Body, "briefly unavailable") {
				t.Errorf("the page does not say the shop is briefly unavailable: %.500s", r.Body)
			}
		})
	}

	relay.Up(t)
	if r := sh.req(t, "GET", product+"?after=1", nil, nil); r.Status != 200 {
		t.Fatalf("product page after the database came back: %d %.300s", r.Status, r.Body)
	}
	if r := sh.req(t, "GET", "/api/store/cart", nil, cart); r.Status != 200 {
		t.Fatalf("cart after the database came back: %d %.300s", r.Status, r.Body)
	}
}
