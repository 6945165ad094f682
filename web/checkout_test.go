package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/cart/carttest"
	"github.com/wasmart/wasmart/core/checkout"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/web"
	"github.com/wasmart/wasmart/web/api"
)

// startCommerceServer is the default test server with its stop function,
// for tests that restart the server on the same database.
func startCommerceServer(t testing.TB, db *store.DB) (*testServer, func()) {
	t.Helper()
	return launch(t, db, serverSetup{})
}

// store is a shop with its catalog and stock, set up for checkout.
type testShop struct {
	shop
	srv  *testServer
	ctx  context.Context // the shop's tenant
	cat  *carttest.Shop
	http *http.Client
}

func newTestShop(t testing.TB, srv *testServer, slug string) *testShop {
	t.Helper()
	sh := srv.signup(slug)
	st := &testShop{shop: sh, srv: srv, ctx: tenancy.WithTenant(context.Background(), sh.ID), cat: carttest.New(srv.DB, "EUR"),
		http: &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 200}}}
	settings := checkout.Settings{Currency: "EUR",
		Tax: pricing.TaxConfig{Inclusive: true, Rates: []pricing.TaxRate{{Name: "TVA", Country: "FR", RatePPM: 200_000}}},
		Shipping: pricing.ShippingConfig{Zones: []pricing.Zone{{Code: "fr", Name: "France", Countries: []string{"FR"},
			Methods: []pricing.Method{{Code: "colissimo", Label: "Colissimo", Kind: pricing.MethodFlat, Price: 490}}}}},
		HoldHours: 48, ReturnWindowDays: 30}
	b, _ := json.Marshal(settings)
	if r := sh.Owner.do("PUT", "/api/settings/checkout", string(b), nil); r.Status != 200 {
		t.Fatalf("settings: %d %s", r.Status, r.Body)
	}
	return st
}

func (s *testShop) variant(t testing.TB, title string, price, stock int64) string {
	t.Helper()
	return s.cat.Variant(t, s.ctx, title, price, stock, carttest.VariantOpts{})
}

func (s *testShop) available(t testing.TB, variantID string) (available, reserved, onHand int64) {
	t.Helper()
	return s.cat.Available(t, s.ctx, variantID)
}

// shopReq sends a request to the shop's host without cookies (a headless
// client); body is JSON-encoded unless it is a string or []byte.
func (s *testShop) req(t testing.TB, method, path string, body any, hdr map[string]string) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = s.Slug + ".localhost:" + s.srv.Port
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, path, err)
		return response{}
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Body: string(rb), Header: resp.Header}
}

// cart starts a guest cart with the lines and returns its token.
func (s *testShop) cart(t testing.TB, lines map[string]int64) string {
	t.Helper()
	tok := ""
	for v, q := range lines {
		h := map[string]string{}
		if tok != "" {
			h["Cart-Token"] = tok
		}
		r := s.req(t, "POST", "/api/store/cart/lines", api.CartLineRequest{VariantID: v, Quantity: q}, h)
		if r.Status != 200 {
			t.Fatalf("add to cart: %d %s", r.Status, r.Body)
		}
		if tok == "" {
			tok = r.Header.Get("Cart-Token")
			if tok == "" {
				t.Fatalf("no Cart-Token in %v", r.Header)
			}
		}
	}
	return tok
}

func checkoutBody(email string) []byte {
	b, _ := json.Marshal(api.CheckoutRequest{Email: email, ShippingCode: "colissimo", PaymentMethod: "test",
		ShippingAddress: order.Address{Name: "Eva Martin", Line1: "1 rue de Rivoli", City: "Paris", PostalCode: "75001", Country: "FR"}})
	return b
}

// place checks out a cart and returns the order and its access token.
func (s *testShop) place(t testing.TB, cartToken, key string) (order.Order, string) {
	t.Helper()
	r := s.req(t, "POST", "/api/store/checkout", checkoutBody("eva@example.com"), map[string]string{"Cart-Token": cartToken, "Idempotency-Key": key})
	if r.Status != 201 {
		t.Fatalf("checkout: %d %s", r.Status, r.Body)
	}
	var o order.Order
	r.json(t, &o)
	return o, r.Header.Get("Order-Token")
}

func (s *testShop) pay(t testing.TB, o order.Order, tok, card string, want int) payment.Payment {
	t.Helper()
	r := s.req(t, "POST", "/api/store/orders/"+o.ID+"/payments", api.StorePayRequest{Provider: "test", Card: card},
		map[string]string{"Order-Token": tok, "Idempotency-Key": "pay-" + o.ID + card})
	if r.Status != want {
		t.Fatalf("pay: %d, want %d: %s", r.Status, want, r.Body)
	}
	var p payment.Payment
	if want == 201 {
		r.json(t, &p)
	}
	return p
}

func (s *testShop) order(t testing.TB, id string) api.OrderDetail {
	t.Helper()
	var d api.OrderDetail
	s.Owner.getJSON("/api/orders/"+id, &d)
	return d
}

func (s *testShop) orderCount(t testing.TB) int {
	t.Helper()
	var pg order.Page
	s.Owner.getJSON("/api/orders?limit=200", &pg)
	return len(pg.Orders)
}

func wantError(t testing.TB, r response, status int, field string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("got %d, want %d: %s", r.Status, status, r.Body)
	}
	var e web.ErrorBody
	r.json(t, &e)
	if field != "" && e.Error.Field != field {
		t.Fatalf("error names field %q, want %q: %s", e.Error.Field, field, r.Body)
	}
}

// TestIdempotentCheckout: 50 concurrent identical checkouts with one
// Idempotency-Key create one order and all get the same answer; the same
// key with another body is 422; after the server process is replaced by a
// new one on the same database, a replay still returns the same bytes.
func TestIdempotentCheckout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, stop := startCommerceServer(t, db)
		s := newTestShop(t, srv, "idem")
		v := s.variant(t, "Mug", 1290, 10)
		tok := s.cart(t, map[string]int64{v: 2})
		body := checkoutBody("eva@example.com")
		hdr := map[string]string{"Cart-Token": tok, "Idempotency-Key": "order-attempt-1"}

		const n = 50
		var wg sync.WaitGroup
		res := make([]response, n)
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				res[i] = s.req(t, "POST", "/api/store/checkout", body, hdr)
			}()
		}
		close(start)
		wg.Wait()
		first := res[0]
		replays := 0
		for i, r := range res {
			if r.Status != 201 || r.Body != first.Body {
				t.Fatalf("attempt %d: %d %s (first: %d %s)", i, r.Status, r.Body, first.Status, first.Body)
			}
			if r.Header.Get("Idempotent-Replayed") == "true" {
				replays++
			}
		}
		if replays != n-1 {
			t.Errorf("%d replays, want %d", replays, n-1)
		}
		if c := s.orderCount(t); c != 1 {
			t.Fatalf("%d orders, want 1", c)
		}
		if avail, reserved, _ := s.available(t, v); avail != 8 || reserved != 2 {
			t.Fatalf("stock available %d reserved %d, want 8 and 2", avail, reserved)
		}

		// Same key, another body.
		other := checkoutBody("someone.else@example.com")
		wantError(t, s.req(t, "POST", "/api/store/checkout", other, hdr), 422, "")

		// Restart: a new server process on the same database.
		stop()
		srv2, _ := startCommerceServer(t, db)
		s.srv = srv2
		s.http = &http.Client{Timeout: 30 * time.Second}
		r := s.req(t, "POST", "/api/store/checkout", body, hdr)
		if r.Status != 201 || r.Body != first.Body || r.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay after restart: %d %q\nwant the first body %q", r.Status, r.Body, first.Body)
		}
		if r.Header.Get("Order-Token") != first.Header.Get("Order-Token") || first.Header.Get("Order-Token") == "" {
			t.Fatalf("order token changed across the restart")
		}
		var o order.Order
		r.json(t, &o)
		if got := s.req(t, "GET", "/api/store/orders/"+o.ID, nil, map[string]string{"Order-Token": r.Header.Get("Order-Token")}); got.Status != 200 {
			t.Fatalf("read the order with its token: %d %s", got.Status, got.Body)
		}
		owner := srv2.client()
		owner.login(s.OwnerEmail, testPassword)
		var pg order.Page
		owner.getJSON("/api/orders", &pg)
		if len(pg.Orders) != 1 {
			t.Fatalf("%d orders after the restart, want 1", len(pg.Orders))
		}
	})
}

// TestNoOversellCheckout: 100 shoppers race through the HTTP checkout for
// the last 3 units: exactly 3 orders, stock 0, and no read ever sees
// negative stock or a broken on_hand = available + reserved.
func TestNoOversellCheckout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, _ := startCommerceServer(t, db)
		s := newTestShop(t, srv, "race")
		v := s.variant(t, "Last lamp", 4900, 3)
		const n = 100
		tokens := make([]string, n)
		for i := range tokens {
			tokens[i] = s.cart(t, map[string]int64{v: 1})
		}
		stopReads := make(chan struct{})
		var reads, bad atomic.Int64
		var readWG sync.WaitGroup
		readWG.Add(1)
		go func() {
			defer readWG.Done()
			for {
				select {
				case <-stopReads:
					return
				default:
				}
				avail, reserved, onHand := s.available(t, v)
				reads.Add(1)
				if avail < 0 || reserved < 0 || onHand != avail+reserved {
					bad.Add(1)
					t.Errorf("stock read: available %d reserved %d on hand %d", avail, reserved, onHand)
				}
				r := s.req(t, "GET", "/api/store/cart", nil, map[string]string{"Cart-Token": tokens[0]})
				var cv api.CartJSON
				if r.Status == 200 && json.Unmarshal([]byte(r.Body), &cv) == nil {
					for _, l := range cv.Lines {
						if l.Available < 0 {
							t.Errorf("cart shows %d available", l.Available)
						}
					}
				}
			}
		}()
		var wg sync.WaitGroup
		statuses := make([]int, n)
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r := s.req(t, "POST", "/api/store/checkout", checkoutBody(fmt.Sprintf("shopper%d@example.com", i)),
					map[string]string{"Cart-Token": tokens[i], "Idempotency-Key": fmt.Sprintf("k-%d", i)})
				statuses[i] = r.Status
				if r.Status != 201 && r.Status != 409 {
					t.Errorf("shopper %d: %d %s", i, r.Status, r.Body)
				}
			}()
		}
		close(start)
		wg.Wait()
		close(stopReads)
		readWG.Wait()
		won := 0
		for _, st := range statuses {
			if st == 201 {
				won++
			}
		}
		if won != 3 {
			t.Fatalf("%d shoppers got an order, want 3", won)
		}
		if c := s.orderCount(t); c != 3 {
			t.Fatalf("%d orders, want 3", c)
		}
		avail, reserved, onHand := s.available(t, v)
		if avail != 0 || reserved != 3 || onHand != 3 {
			t.Fatalf("stock available %d reserved %d on hand %d, want 0 3 3", avail, reserved, onHand)
		}
		t.Logf("%s: %d stock reads during the race, none negative", db.Dialect(), reads.Load())
	})
}

type stmtCounter struct {
	n   atomic.Int64
	log atomic.Bool
}

func (c *stmtCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }
func (c *stmtCounter) AfterQuery(_ context.Context, ev *bun.QueryEvent) {
	c.n.Add(1)
	if c.log.Load() && testing.Verbose() {
		q := strings.Join(strings.Fields(ev.Query), " ")
		if len(q) > 100 {
			q = q[:100]
		}
		fmt.Println("   SQL", q)
	}
}

// TestStatementsPerHTTPCheckout counts the SQL statements the server
// issues for one HTTP checkout of a one-line and a two-line cart (the
// whole request: shop resolution, idempotency key, pricing, stock, order,
// outbox), and for adding to the cart.
func TestStatementsPerHTTPCheckout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, _ := startCommerceServer(t, db)
		s := newTestShop(t, srv, "count")
		a := s.variant(t, "A", 1000, 100)
		b := s.variant(t, "B", 2000, 100)
		s.place(t, s.cart(t, map[string]int64{a: 1}), "warm")
		c := &stmtCounter{}
		db.AddQueryHook(c)
		for _, lines := range []map[string]int64{{a: 1}, {a: 1, b: 2}} {
			c.n.Store(0)
			tok := s.cart(t, map[string]int64{a: 1})
			addOne := c.n.Load()
			if len(lines) > 1 {
				s.req(t, "POST", "/api/store/cart/lines", api.CartLineRequest{VariantID: b, Quantity: 2}, map[string]string{"Cart-Token": tok})
			}
			c.n.Store(0)
			c.log.Store(true)
			s.place(t, tok, fmt.Sprintf("count-%d", len(lines)))
			c.log.Store(false)
			got := c.n.Load()
			t.Logf("%s: %d SQL statements for an HTTP checkout of %d line(s); %d to add the first line to a new cart", db.Dialect(), got, len(lines), addOne)
			if len(lines) == 1 && got >= 20 {
				t.Errorf("%d statements for a one-line HTTP checkout, want < 20", got)
			}
		}
	})
}

// TestCustomerCheckout: a signed-in customer's cart is theirs (the cart
// token is not needed), the order carries the customer, they read it and
// list their orders without an Order-Token, and another customer cannot.
func TestCustomerCheckout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, _ := startCommerceServer(t, db)
		s := newTestShop(t, srv, "members")
		v := s.variant(t, "Scarf", 3500, 5)
		cs := srv.Services.Customers
		signUp := func(email string) (string, map[string]string) {
			cu, tok, err := cs.SignUp(s.ctx, customer.SignUpInput{Email: email, Password: testPassword}, customer.SessionMeta{})
			if err != nil {
				t.Fatal(err)
			}
			csrf := strings.Repeat("c", 43) // a browser's double-submit token
			return cu.ID, map[string]string{"Cookie": "wsm_customer=" + tok + "; wsm_csrf=" + csrf, "X-CSRF-Token": csrf}
		}
		id, me := signUp("member@example.com")
		_, other := signUp("other@example.com")
		if r := s.req(t, "POST", "/api/store/cart/lines", api.CartLineRequest{VariantID: v, Quantity: 1}, me); r.Status != 200 || r.Header.Get("Cart-Token") != "" {
			t.Fatalf("customer add: %d %q %s", r.Status, r.Header.Get("Cart-Token"), r.Body)
		}
		var cv api.CartJSON
		r := s.req(t, "GET", "/api/store/cart", nil, me)
		r.json(t, &cv)
		if len(cv.Lines) != 1 {
			t.Fatalf("customer cart: %s", r.Body)
		}
		r = s.req(t, "GET", "/api/store/cart", nil, other)
		r.json(t, &cv)
		if len(cv.Lines) != 0 {
			t.Fatalf("another customer sees the cart: %s", r.Body)
		}
		hdr := map[string]string{"Idempotency-Key": "member-1"}
		for k, v := range me {
			hdr[k] = v
		}
		r = s.req(t, "POST", "/api/store/checkout", checkoutBody("member@example.com"), hdr)
		if r.Status != 201 {
			t.Fatalf("customer checkout: %d %s", r.Status, r.Body)
		}
		var o order.Order
		r.json(t, &o)
		if o.CustomerID != id {
			t.Fatalf("order customer %q, want %q", o.CustomerID, id)
		}
		if r := s.req(t, "GET", "/api/store/orders/"+o.ID, nil, me); r.Status != 200 {
			t.Fatalf("own order: %d %s", r.Status, r.Body)
		}
		wantError(t, s.req(t, "GET", "/api/store/orders/"+o.ID, nil, other), 404, "")
		var pg order.Page
		s.req(t, "GET", "/api/store/orders", nil, me).json(t, &pg)
		if len(pg.Orders) != 1 || pg.Orders[0].ID != o.ID {
			t.Fatalf("customer's orders: %+v", pg.Orders)
		}
		s.req(t, "GET", "/api/store/orders", nil, other).json(t, &pg)
		if len(pg.Orders) != 0 {
			t.Fatalf("other customer's orders: %+v", pg.Orders)
		}
		// Without a customer: refused (today the storefront's guard sends
		// GETs to its sign-in page rather than answering 401).
		if r := s.req(t, "GET", "/api/store/orders", nil, nil); r.Status == 200 && strings.HasPrefix(r.Body, "{") {
			t.Fatalf("orders without a customer: %d %s", r.Status, r.Body)
		}
	})
}
