package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDemoCheckout: in the demo shop a shopper buys a shirt through the
// storefront pages (product form, cart, checkout with the test card) and
// sees the confirmation; the checkout settings are seeded once.
func TestDemoCheckout(t *testing.T) {
	base, _, stop := startServe(t, t.TempDir())
	defer stop()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, path string, form url.Values) (int, string, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, base+path, body)
		req.Host = "demo.localhost"
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", "http://demo.localhost")
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header.Get("Location")
	}
	st, page, _ := do("GET", "/products/linen-shirt", nil)
	m := regexp.MustCompile(`name="variant_id" value="([^"]+)"`).FindStringSubmatch(page)
	if st != 200 || m == nil {
		t.Fatalf("product page: %d, form %v", st, m != nil)
	}
	if st, _, loc := do("POST", "/cart/add", url.Values{"variant_id": {m[1]}, "quantity": {"1"}}); st != 303 || !strings.HasPrefix(loc, "/cart") {
		t.Fatalf("add to cart: %d %s", st, loc)
	}
	// The cart suggests more (the demo's recommendation plugin), not what
	// is already in it.
	st, page, _ = do("GET", "/cart", nil)
	if st != 200 || !strings.Contains(page, "You may also like") {
		t.Fatalf("cart page without recommendations: %d", st)
	}
	if rec := page[strings.Index(page, "You may also like"):]; strings.Contains(rec, `href="/products/linen-shirt"`) {
		t.Fatal("the cart recommends the product already in it")
	}
	st, page, _ = do("GET", "/checkout", nil)
	key := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(page)
	if st != 200 || key == nil || !strings.Contains(page, "Colissimo") || !strings.Contains(page, "Pick up at the shop") {
		t.Fatalf("checkout: %d %.2000s", st, page)
	}
	st, page, loc := do("POST", "/checkout", url.Values{"key": {key[1]}, "email": {"eva@example.com"}, "shipping_address.name": {"Eva Martin"},
		"shipping_address.line1": {"1 rue de Rivoli"}, "shipping_address.city": {"Paris"}, "shipping_address.postal_code": {"75001"},
		"shipping_address.country": {"FR"}, "shipping_method": {"colissimo"}, "payment": {"card"}, "card": {"4242 4242 4242 4242"}})
	if st != 303 || !strings.HasPrefix(loc, "/orders/") {
		t.Fatalf("place order: %d %s %.2000s", st, loc, page)
	}
	st, page, _ = do("GET", loc, nil)
	if st != 200 || !strings.Contains(page, "Thank you for your order") || !strings.Contains(page, "#1001") || !strings.Contains(page, "pay-paid") {
		t.Fatalf("confirmation: %d %.3000s", st, page)
	}
}
