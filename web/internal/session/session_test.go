package session

import "testing"

// TestOrderTokenIsPerShopAndOrder: an order token opens its own order of
// its own shop and nothing else, and needs the server's secret.
func TestOrderTokenIsPerShopAndOrder(t *testing.T) {
	k := New(Config{OrderSecret: []byte("secret one")})
	tok := k.OrderToken("shop-a", "order-1")
	if tok == "" || tok != k.OrderToken("shop-a", "order-1") {
		t.Fatalf("token not stable: %q", tok)
	}
	if !k.OrderTokenValid("shop-a", "order-1", tok) {
		t.Fatal("own token refused")
	}
	for _, c := range []struct{ shop, order, tok string }{
		{"shop-b", "order-1", tok},
		{"shop-a", "order-2", tok},
		{"shop-a", "order-1", ""},
		{"shop-a", "order-1", tok[:len(tok)-1]},
		{"shop-a", "order-1", New(Config{OrderSecret: []byte("secret two")}).OrderToken("shop-a", "order-1")},
	} {
		if k.OrderTokenValid(c.shop, c.order, c.tok) {
			t.Errorf("token %q accepted for %s/%s", c.tok, c.shop, c.order)
		}
	}
}

// TestCookiesAndURLs: cookies are __Host- named when the site is secure,
// and storefront links follow the scheme, base domain and port.
func TestCookiesAndURLs(t *testing.T) {
	plain := New(Config{BaseDomain: "localhost", Port: ":8080"})
	secure := New(Config{BaseDomain: "shops.example", Secure: true})
	if got := plain.CookieName(StaffCookie); got != "wsm_session" {
		t.Errorf("plain cookie %q", got)
	}
	if got := secure.CookieName(CustomerCookie); got != "__Host-wsm_customer" {
		t.Errorf("secure cookie %q", got)
	}
	if got := plain.StorefrontURL("acme"); got != "http://acme.localhost:8080" {
		t.Errorf("plain storefront %q", got)
	}
	if got := secure.StorefrontURL("acme"); got != "https://acme.shops.example" {
		t.Errorf("secure storefront %q", got)
	}
}
