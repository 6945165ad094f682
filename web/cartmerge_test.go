package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/web/api"
)

// TestCartMergedAtSignIn: what a guest put in the cart is in the customer's
// cart after signing in on the storefront, and the guest cookie is gone.
func TestCartMergedAtSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, _ := startCommerceServer(t, db)
		s := newTestShop(t, srv, "mergers")
		v := s.variant(t, "Mug", 1200, 5)
		cs := srv.Services.Customers
		if _, _, err := cs.SignUp(s.ctx, customer.SignUpInput{Email: "m@example.com", Password: testPassword}, customer.SessionMeta{}); err != nil {
			t.Fatal(err)
		}
		r := s.req(t, "POST", "/api/store/cart/lines", api.CartLineRequest{VariantID: v, Quantity: 2}, nil)
		guest := r.Header.Get("Cart-Token")
		if r.Status != 200 || guest == "" {
			t.Fatalf("guest add: %d %s", r.Status, r.Body)
		}
		csrf := strings.Repeat("c", 43)
		form := url.Values{"identifier": {"m@example.com"}, "password": {testPassword}, "_csrf": {csrf}}.Encode()
		req, _ := http.NewRequest("POST", srv.URL+"/account/login", strings.NewReader(form))
		req.Host = s.Slug + ".localhost:" + srv.Port
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Cookie", "wsm_cart="+guest+"; wsm_csrf="+csrf)
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 303 {
			t.Fatalf("sign-in: %d", resp.StatusCode)
		}
		var session string
		for _, ck := range resp.Cookies() {
			if ck.Name == "wsm_customer" {
				session = ck.Value
			}
			if ck.Name == "wsm_cart" && ck.Value != "" {
				t.Fatalf("guest cart cookie kept: %q", ck.Value)
			}
		}
		var cv api.CartJSON
		s.req(t, "GET", "/api/store/cart", nil, map[string]string{"Cookie": "wsm_customer=" + session}).json(t, &cv)
		if len(cv.Lines) != 1 || cv.Lines[0].Quantity != 2 {
			t.Fatalf("customer cart after sign-in: %+v", cv.Lines)
		}
	})
}
