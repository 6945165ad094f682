package web_test

import (
	"context"
	"encoding/json"
	"html"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/aftersales"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/checkout"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// buyer is a browser on the shop's host: a cookie jar, no redirects
// followed.
func (s *testShop) buyer(t testing.TB) *shopClient {
	jar, _ := cookiejar.New(nil)
	addr := "127.0.0.1:" + s.srv.Port
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	return &shopClient{t: t, base: "http://" + s.Slug + ".localhost:" + s.srv.Port, http: &http.Client{Jar: jar, Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// tee creates a published product with two sizes: S (price 20.00, stock
// sStock) and M (price 22.00, stock mStock).
func (s *testShop) tee(t testing.TB, sStock, mStock int64) (*catalog.Product, string, string) {
	t.Helper()
	p, err := s.cat.Catalog.Create(s.ctx, catalog.ProductInput{Title: "Linen Tee", Handle: "linen-tee", Status: catalog.Published, Currency: "EUR", Options: []string{"Size"},
		Variants: []catalog.VariantInput{{SKU: "TEE-S", Options: [3]string{"S"}, Price: 2000}, {SKU: "TEE-M", Options: [3]string{"M"}, Price: 2200}}})
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range []int64{sStock, mStock} {
		if n > 0 {
			if err := s.cat.Inventory.Receive(s.ctx, p.Variants[i].ID, "", n, "test"); err != nil {
				t.Fatal(err)
			}
		}
	}
	s.srv.Server.InvalidateShop(s.ID)
	return p, p.Variants[0].ID, p.Variants[1].ID
}

// sameOrigin is what a browser sends with a form posted from the shop's
// own page.
func (c *shopClient) sameOrigin() map[string]string {
	return map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": c.base}
}

// addToCart posts the product page's form as a browser does: without a
// CSRF token (the page is cached), with the same-origin proof.
func (c *shopClient) addToCart(variant, qty string) response {
	c.t.Helper()
	f := url.Values{"variant_id": {variant}, "quantity": {qty}}
	return c.do("POST", "/cart/add", strings.NewReader(f.Encode()), c.sameOrigin())
}

var keyRe = regexp.MustCompile(`name="key" value="([^"]+)"`)

// checkoutForm opens the checkout page and returns its Idempotency-Key.
func (c *shopClient) checkoutForm() string {
	c.t.Helper()
	r := c.get("/checkout")
	wantPage(c.t, r, 200, `id="checkout-form"`, "Colissimo")
	m := keyRe.FindStringSubmatch(r.Body)
	if m == nil {
		c.t.Fatalf("no key in the checkout form")
	}
	return m[1]
}

func checkoutValues(key, email, card string) url.Values {
	f := url.Values{"key": {key}, "email": {email}, "shipping_address.name": {"Eva Martin"}, "shipping_address.line1": {"1 rue de Rivoli"},
		"shipping_address.city": {"Paris"}, "shipping_address.postal_code": {"75001"}, "shipping_address.country": {"FR"},
		"shipping_method": {"colissimo"}, "payment": {"card"}, "card": {card}}
	if card == "" {
		f.Set("payment", "bank_transfer")
	}
	return f
}

// orderPath checks a placed-order redirect and returns the order id and
// the confirmation page's path.
func orderPath(t testing.TB, r response) (string, string) {
	t.Helper()
	loc := r.Header.Get("Location")
	if r.Status != 303 || !strings.HasPrefix(loc, "/orders/") {
		t.Fatalf("checkout: %d to %q: %.800s", r.Status, loc, r.Body)
	}
	id, _, _ := strings.Cut(strings.TrimPrefix(loc, "/orders/"), "?")
	return id, loc
}

// TestShopPurchasePages: a shopper buys two variants through the HTML
// pages (product form, cart, checkout, confirmation); the checkout form
// submitted twice makes one order; stock problems and a bad address are
// shown on the page next to their fields; a pending card shows as pending;
// a manual payment waits for staff.
func TestShopPurchasePages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, _ := startCommerceServer(t, db)
		s := newTestShop(t, srv, "tees")
		_, small, medium := s.tee(t, 5, 1)
		b := s.buyer(t)

		// The product page carries the add-to-cart form.
		wantPage(t, b.get("/products/linen-tee"), 200, `action="/cart/add"`, `name="variant_id" value="`+small+`"`, `name="quantity"`)
		wantPage(t, b.get("/products/linen-tee?variant="+medium), 200, `name="variant_id" value="`+medium+`"`)

		// Add-to-cart without a token needs the same-origin proof.
		f := url.Values{"variant_id": {small}, "quantity": {"2"}}
		if r := b.do("POST", "/cart/add", strings.NewReader(f.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}); r.Status != 403 {
			t.Fatalf("tokenless add without origin: %d", r.Status)
		}
		if r := b.do("POST", "/cart/add", strings.NewReader(f.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": "http://evil.example"}); r.Status != 403 {
			t.Fatalf("tokenless add from another origin: %d", r.Status)
		}
		wantSeeOther(t, b.addToCart(small, "2"), "/cart")
		wantSeeOther(t, b.post("/cart/add", url.Values{"variant_id": {medium}, "quantity": {"1"}}), "/cart")

		// Bad quantities and variants are shown on the cart page.
		wantPage(t, b.addToCart(small, "-3"), 400, `id="cart-lines"`, "must be a whole number")
		wantPage(t, b.addToCart("nope", "1"), 404, `id="add-error"`)
		wantPage(t, b.addToCart(medium, "5"), 422, `id="add-error"`, "stock")

		r := b.get("/cart?done=added")
		wantPage(t, r, 200, "Added to your cart", "Linen Tee", "20.00 EUR", "22.00 EUR", "Subtotal", "62.00 EUR", "Includes TVA 20%", "chosen at checkout", `id="to-checkout"`)
		// Raising M past its stock is refused next to its field.
		wantPage(t, b.post("/cart/update", url.Values{"qty_" + small: {"2"}, "qty_" + medium: {"3"}}), 422, `name="qty_`+medium+`"`, "field-error")
		// Removing and adding back.
		wantSeeOther(t, b.post("/cart/update", url.Values{"remove": {medium}}), "/cart")
		if r := b.get("/cart"); strings.Contains(r.Body, "TEE-M") {
			t.Fatalf("M not removed")
		}
		wantSeeOther(t, b.post("/cart/add", url.Values{"variant_id": {medium}, "quantity": {"1"}}), "/cart")
		wantSeeOther(t, b.post("/cart/update", url.Values{"qty_" + small: {"1"}, "qty_" + medium: {"1"}}), "/cart")
		wantSeeOther(t, b.post("/cart/update", url.Values{"qty_" + small: {"2"}}), "/cart")

		// Checkout: a bad address comes back with the error at its field
		// and nothing placed.
		key := b.checkoutForm()
		bad := checkoutValues(key, "eva@example.com", payment.CardSuccess)
		bad.Del("shipping_address.city")
		r = b.post("/checkout", bad)
		wantPage(t, r, 400, `id="err-shipping_address-city"`, `value="1 rue de Rivoli"`, `value="`+key+`"`)
		bad = checkoutValues(key, "not-an-email", payment.CardSuccess)
		wantPage(t, b.post("/checkout", bad), 400, `id="err-email"`)
		bad = checkoutValues(key, "eva@example.com", "1234")
		wantPage(t, b.post("/checkout", bad), 400, `id="err-card"`)
		bad = checkoutValues(key, "eva@example.com", payment.CardSuccess)
		bad.Set("shipping_address.country", "ZZ")
		bad.Set("action", "update")
		wantPage(t, b.post("/checkout", bad), 200, `id="no-delivery"`)
		bad.Del("action")
		wantPage(t, b.post("/checkout", bad), 400, `id="err-shipping_method"`)
		if n := s.orderCount(t); n != 0 {
			t.Fatalf("%d orders after refused checkouts", n)
		}

		// The same form submitted twice (at once) places one order.
		good := checkoutValues(key, "Eva@Example.com", payment.CardSuccess)
		var wg sync.WaitGroup
		locs := make([]string, 2)
		for i := range locs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := b.post("/checkout", url.Values(cloneValues(good)))
				_, locs[i] = orderPath(t, r)
			}()
		}
		wg.Wait()
		if locs[0] != locs[1] {
			t.Fatalf("double submit went to %q and %q", locs[0], locs[1])
		}
		_, loc := orderPath(t, b.post("/checkout", good))
		if loc != locs[0] {
			t.Fatalf("resubmit went to %q", loc)
		}
		if n := s.orderCount(t); n != 1 {
			t.Fatalf("%d orders after a double submit, want 1", n)
		}
		// Confirmation: number, totals with delivery and tax, paid.
		r = b.get(loc)
		wantPage(t, r, 200, "Thank you for your order", `id="order-number">#1001`, "eva@example.com", "Linen Tee", "62.00 EUR", "Colissimo", "4.90 EUR", "66.90 EUR",
			`class="pay pay-paid">Paid`, "Card ending 4242", "Includes TVA 20%")
		id, _ := orderPath(t, response{Status: 303, Header: http.Header{"Location": {loc}}})
		if d := s.order(t, id); d.Order.Total != 6690 || d.Order.Status != order.Paid || len(d.Order.Lines) != 2 {
			t.Fatalf("order %+v", d.Order)
		}
		// Without the token the page is not found; the cart is empty.
		wantPage(t, b.get("/orders/"+id), 404)
		wantPage(t, b.get("/orders/"+id+"?token=forged"), 404)
		wantPage(t, b.get("/cart"), 200, `id="cart-empty"`)
		if a, _, _ := s.available(t, medium); a != 0 {
			t.Fatalf("M available %d", a)
		}

		// Another shopper's cart holds M, now sold out: the cart shows the
		// problem and checkout refuses with it on the page.
		b2 := s.buyer(t)
		wantSeeOther(t, b2.addToCart(small, "1"), "/cart")
		if err := s.cat.Inventory.Receive(s.ctx, medium, "", 1, "late"); err != nil {
			t.Fatal(err)
		}
		wantSeeOther(t, b2.addToCart(medium, "1"), "/cart")
		key2 := b2.checkoutForm()
		if err := s.cat.Inventory.Adjust(s.ctx, medium, "", -1, "broken"); err != nil {
			t.Fatal(err)
		}
		wantPage(t, b2.get("/cart"), 200, "Out of stock: remove it to check out.", `id="cart-problems"`)
		wantPage(t, b2.post("/checkout", checkoutValues(key2, "max@example.com", payment.CardSuccess)), 409, `id="err-lines"`, "not enough")
		// Removing it, the same form places the order; a pending card
		// shows as pending.
		wantSeeOther(t, b2.post("/cart/update", url.Values{"remove": {medium}}), "/cart")
		_, loc2 := orderPath(t, b2.post("/checkout", checkoutValues(key2, "max@example.com", payment.CardPending)))
		wantPage(t, b2.get(loc2), 200, "#1002", `class="pay pay-pending">Pending`, "waiting for your bank to confirm", "24.90 EUR")

		// A declined card leaves the order awaiting payment with a form to
		// pay again.
		b3 := s.buyer(t)
		wantSeeOther(t, b3.addToCart(small, "1"), "/cart")
		id3, loc3 := orderPath(t, b3.post("/checkout", checkoutValues(b3.checkoutForm(), "ana@example.com", payment.CardDecline)))
		r = b3.get(loc3)
		wantPage(t, r, 200, "#1003", `class="pay pay-failed">Failed`, "declined", `id="pay-again"`)
		tok := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(r.Body)[1]
		pk := keyRe.FindStringSubmatch(r.Body)[1]
		wantPage(t, b3.post("/orders/"+id3+"/pay", url.Values{"token": {tok}, "key": {pk}, "payment": {"card"}, "card": {"12"}}), 400, `id="err-card"`)
		wantSeeOther(t, b3.post("/orders/"+id3+"/pay", url.Values{"token": {tok}, "key": {pk}, "payment": {"card"}, "card": {payment.CardSuccess}}), "/orders/"+id3)
		wantPage(t, b3.get(loc3), 200, `class="pay pay-paid">Paid`, `id="order-status" class="status status-paid"`)

		// Bank transfer: the order waits for staff.
		b4 := s.buyer(t)
		wantSeeOther(t, b4.addToCart(small, "1"), "/cart")
		_, loc4 := orderPath(t, b4.post("/checkout", checkoutValues(b4.checkoutForm(), "bo@example.com", "")))
		wantPage(t, b4.get(loc4), 200, "Awaiting payment", "Bank transfer", "pending payment")

		// Another shop's host does not serve this shop's orders, even with
		// the order's link.
		other := newTestShop(t, srv, "tees-other")
		ob := other.buyer(t)
		wantPage(t, ob.get(loc), 404)
		wantPage(t, ob.get(strings.Replace(loc, "/orders/"+id, "/orders/"+id+"/return", 1)), 404)
		wantPage(t, ob.post("/orders/"+id+"/pay", url.Values{"token": {tok}, "key": {"k"}, "payment": {"cod"}}), 404)
	})
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// TestShopOrderHistoryAndReturns: a signed-in customer's orders are in
// their account and nobody else's; tracking by number and e-mail; a return
// request within the window is recorded, outside it is refused on the
// page.
func TestShopOrderHistoryAndReturns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, _ := startCommerceServer(t, db)
		s := newTestShop(t, srv, "hist")
		_, small, medium := s.tee(t, 10, 10)

		signupIn := func(c *shopClient, email string) *shopClient {
			wantSeeOther(t, c.post("/account/signup", url.Values{"email": {email}, "password": {testPassword}, "first_name": {"Eva"}, "last_name": {"Martin"}}), "/account")
			return c
		}
		// Eva fills a cart as a guest, then signs up: her cart comes along.
		eva := s.buyer(t)
		wantSeeOther(t, eva.addToCart(small, "2"), "/cart")
		signupIn(eva, "eva@example.com")
		max := signupIn(s.buyer(t), "max@example.com")
		wantPage(t, eva.get("/cart"), 200, "TEE-S")
		wantPage(t, max.get("/cart"), 200, `id="cart-empty"`)
		key := eva.checkoutForm()
		if r := eva.get("/checkout"); !strings.Contains(r.Body, `value="eva@example.com"`) || !strings.Contains(r.Body, `value="Eva Martin"`) {
			t.Fatalf("checkout not prefilled for the customer")
		}
		id, loc := orderPath(t, eva.post("/checkout", checkoutValues(key, "eva@example.com", payment.CardSuccess)))

		// History: eva sees her order; max sees none and cannot open it;
		// anonymous visitors are sent to sign in.
		wantPage(t, eva.get("/account/orders"), 200, `href="/account/orders/`+id+`"`, "#1001", "44.90 EUR")
		wantPage(t, eva.get("/account/orders/"+id), 200, `id="order-number">#1001`, "Linen Tee", "44.90 EUR")
		wantPage(t, eva.get("/orders/"+id), 200, "#1001") // her own, without the token
		r := max.get("/account/orders")
		wantPage(t, r, 200, `id="no-orders"`)
		if strings.Contains(r.Body, id) {
			t.Fatalf("another customer's history lists the order")
		}
		wantPage(t, max.get("/account/orders/"+id), 404)
		wantPage(t, max.get("/orders/"+id), 404)
		wantPage(t, max.get("/orders/"+id+"/return"), 404)
		if r := s.buyer(t).get("/account/orders"); r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/account/login") {
			t.Fatalf("anonymous history: %d %s", r.Status, r.Header.Get("Location"))
		}

		// Tracking by number and e-mail.
		anon := s.buyer(t)
		wantPage(t, anon.get("/track"), 200, `id="track-form"`)
		wantPage(t, anon.post("/track", url.Values{"number": {"#1001"}, "email": {"max@example.com"}}), 400, `id="err-number"`, "no order matches")
		wantPage(t, anon.post("/track", url.Values{"number": {"abc"}, "email": {"eva@example.com"}}), 400, `id="err-number"`)
		wantPage(t, anon.post("/track", url.Values{"number": {"1001"}, "email": {""}}), 400, `id="err-email"`)
		wantPage(t, anon.post("/track", url.Values{"number": {"#1001"}, "email": {"EVA@example.com"}}), 200, `id="tracking"`, "Not shipped yet", `id="order-link"`)

		// Not shipped: nothing to return yet.
		wantPage(t, eva.get("/orders/"+id+"/return"), 200, `id="nothing-to-return"`)

		// Staff ship everything with tracking.
		if r := s.Owner.do("POST", "/api/orders/"+id+"/shipments", `{"carrier":"La Poste","tracking_number":"6A42","tracking_url":"https://example.com/t/6A42"}`, nil); r.Status != 201 {
			t.Fatalf("ship: %d %s", r.Status, r.Body)
		}
		r = anon.post("/track", url.Values{"number": {"#1001"}, "email": {"eva@example.com"}})
		wantPage(t, r, 200, "6A42", `href="https://example.com/t/6A42"`, `id="return-link"`)
		retLink := html.UnescapeString(regexp.MustCompile(`href="([^"]+)" id="return-link"`).FindStringSubmatch(r.Body)[1])

		// Within the window: bad input is shown at its field, then the
		// request is recorded.
		r = anon.get(retLink)
		wantPage(t, r, 200, `id="window-open"`, `id="return-form"`)
		lineID := regexp.MustCompile(`name="qty_([^"]+)"`).FindStringSubmatch(r.Body)[1]
		tok := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(r.Body)[1]
		wantPage(t, anon.post("/orders/"+id+"/return", url.Values{"token": {tok}, "qty_" + lineID: {"3"}, "reason": {"too small"}}), 400, "must be a whole number from 0 to 2")
		wantPage(t, anon.post("/orders/"+id+"/return", url.Values{"token": {tok}, "qty_" + lineID: {"1"}}), 400, `id="err-reason"`)
		wantPage(t, anon.post("/orders/"+id+"/return", url.Values{"token": {tok}, "reason": {"too small"}}), 400, `id="err-lines"`)
		wantPage(t, anon.post("/orders/"+id+"/return", url.Values{"token": {"forged"}, "qty_" + lineID: {"1"}, "reason": {"too small"}}), 404)
		wantSeeOther(t, anon.post("/orders/"+id+"/return", url.Values{"token": {tok}, "qty_" + lineID: {"1"}, "reason": {"too small"}}), "/orders/"+id)
		wantPage(t, anon.get(loc+"&done=returned"), 200, "Your return request is sent", "requested", "too small")
		d := s.order(t, id)
		if len(d.Returns) != 1 || d.Returns[0].Status != aftersales.Requested || d.Returns[0].Amount != 2000 {
			t.Fatalf("returns %+v", d.Returns)
		}
		// The signed-in customer asks from the account for the other unit.
		wantSeeOther(t, eva.post("/orders/"+id+"/return", url.Values{"qty_" + lineID: {"1"}, "reason": {"colour"}}), "/account/orders/"+id)
		wantPage(t, eva.get("/account/orders/"+id+"?done=returned"), 200, "Your return request is sent", "colour")

		// Outside the window: the page says so and a post is refused. (The
		// shop now adds tax to its prices: the cart shows it added.)
		set := checkout.Settings{Currency: "EUR",
			Tax: pricing.TaxConfig{Inclusive: false, Rates: []pricing.TaxRate{{Name: "TVA", Country: "FR", RatePPM: 200_000}}},
			Shipping: pricing.ShippingConfig{Zones: []pricing.Zone{{Code: "fr", Name: "France", Countries: []string{"FR"},
				Methods: []pricing.Method{{Code: "colissimo", Label: "Colissimo", Kind: pricing.MethodFlat, Price: 490}}}}},
			HoldHours: 48, ReturnWindowDays: 0}
		bs, _ := json.Marshal(set)
		if r := s.Owner.do("PUT", "/api/settings/checkout", string(bs), nil); r.Status != 200 {
			t.Fatalf("settings: %d %s", r.Status, r.Body)
		}
		wantSeeOther(t, eva.addToCart(medium, "1"), "/cart")
		r = eva.get("/cart")
		wantPage(t, r, 200, "TVA 20%", "4.40 EUR", `id="total">26.40 EUR`)
		if strings.Contains(r.Body, "Includes TVA") {
			t.Fatalf("tax-exclusive shop shows tax as included")
		}
		id2, _ := orderPath(t, eva.post("/checkout", checkoutValues(eva.checkoutForm(), "eva@example.com", payment.CardSuccess)))
		if r := s.Owner.do("POST", "/api/orders/"+id2+"/shipments", `{}`, nil); r.Status != 201 {
			t.Fatalf("ship: %d %s", r.Status, r.Body)
		}
		r = eva.get("/orders/" + id2 + "/return")
		wantPage(t, r, 200, `id="window-closed"`)
		o2 := s.order(t, id2).Order
		wantPage(t, eva.post("/orders/"+id2+"/return", url.Values{"qty_" + o2.Lines[0].ID: {"1"}, "reason": {"late"}}), 422, "return window for this order closed")
		if d := s.order(t, id2); len(d.Returns) != 0 {
			t.Fatalf("a return outside the window was recorded")
		}
		// Order history pages list both orders, newest first.
		r = eva.get("/account/orders")
		if i, j := strings.Index(r.Body, "#1002"), strings.Index(r.Body, "#1001"); i < 0 || j < 0 || i > j {
			t.Fatalf("history order: %d %d", i, j)
		}
	})
}
