package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/web"
)

// wantField asserts a 400 whose JSON error names field.
func wantField(t *testing.T, what string, r response, field string) {
	t.Helper()
	if r.Status != 400 {
		t.Errorf("%s: %d, want 400: %.300s", what, r.Status, r.Body)
		return
	}
	var body web.ErrorBody
	r.json(t, &body)
	if body.Error.Field != field || body.Error.Code != "invalid" {
		t.Errorf("%s: error %+v, want an input error naming %q", what, body.Error, field)
	}
}

// TestControlCharactersInInputAnswer400 is issue 9 item 5: a NUL byte in
// any string answered 500 (on PostgreSQL the driver's error ended up in the
// SQL text). Control characters no text field needs are refused at the
// boundary — JSON bodies, query parameters, form values and the path — with
// a 400 naming the field; tab, line feed and carriage return stay allowed.
func TestControlCharactersInInputAnswer400(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := startServer(t, db)
		sh := newTestShop(t, srv, "ctl")
		v := sh.variant(t, "Cup", 900, 5)
		p, err := sh.cat.Catalog.ProductOfVariant(sh.ctx, v)
		if err != nil {
			t.Fatal(err)
		}

		// The four reported cases.
		wantField(t, "anonymous ticket with a NUL in the subject",
			sh.req(t, "POST", "/api/store/tickets", `{"email":"eva@example.com","kind":"question","subject":"a\u0000b","body":"hello"}`, nil), "subject")
		wantField(t, "cart line with a NUL in variant_id",
			sh.req(t, "POST", "/api/store/cart/lines", `{"variant_id":"a\u0000b","quantity":1}`, nil), "variant_id")
		wantField(t, "customer search with a NUL in q", sh.Owner.do("GET", "/api/customers?q=a%00b", "", nil), "q")
		wantField(t, "product with a NUL in the title",
			sh.Owner.do("POST", "/api/products", `{"title":"a\u0000b","variants":[{"price":100}]}`, nil), "title")

		// Nested JSON: the path of the string, and of a key.
		wantField(t, "a NUL in a variant's SKU",
			sh.Owner.do("POST", "/api/products", `{"title":"Mug","options":["Size"],"variants":[{"price":100,"options":["S"]},{"sku":"ok","price":1,"options":["M"]},{"sku":"x\u0007y","price":100,"options":["L"]}]}`, nil), "variants[2].sku")
		wantField(t, "a NUL in an object key",
			sh.Owner.do("POST", "/api/products", `{"title":"Mug","variants":[{"price":100}],"a\u0000b":1}`, nil), "body")
		wantField(t, "a NUL in a nested object key",
			sh.Owner.do("POST", "/api/products", `{"title":"Mug","variants":[{"price":100,"a\u0000b":1}]}`, nil), "variants[0]")

		// Query parameters and path on the storefront.
		if r := sh.req(t, "GET", "/search?q=a%00b", nil, map[string]string{"Accept": "text/html"}); r.Status != 400 || !strings.Contains(r.Body, "control character") {
			t.Errorf("storefront search with a NUL: %d, want 400 saying why: %.300s", r.Status, r.Body)
		}
		if r := sh.req(t, "GET", "/products/"+p.Handle+"%00", nil, nil); r.Status != 400 {
			t.Errorf("product page with a NUL in the path: %d, want 400: %.300s", r.Status, r.Body)
		}
		wantField(t, "API path with a NUL", sh.Owner.do("GET", "/api/products/a%00b", "", nil), "path")
		wantField(t, "a NUL in a query parameter's name", sh.Owner.do("GET", "/api/customers?a%00b=1", "", nil), "query")

		// Form values: a console form and a storefront form (HTML answers).
		form := url.Values{"title": {"a\x00b"}, "status": {"draft"}, "price": {"1.00"}}.Encode()
		if r := sh.Owner.do("POST", "/console/products", form, nil); r.Status != 400 || !strings.Contains(r.Body, "(title)") {
			t.Errorf("console product form with a NUL in the title: %d, want 400 naming title: %.300s", r.Status, r.Body)
		}
		track := url.Values{"number": {"1001"}, "email": {"eva\x00@example.com"}}.Encode()
		if r := sh.req(t, "POST", "/track", track, map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": "http://" + sh.Slug + ".localhost:" + srv.Port}); r.Status != 400 || !strings.Contains(r.Body, "(email)") {
			t.Errorf("storefront track form with a NUL in the e-mail: %d, want 400 naming email: %.300s", r.Status, r.Body)
		}
		// JSON typed into a console form field: the path inside it.
		ship := `{"zones":[{"code":"fr","name":"Fr\u0000ance","countries":["FR"],"methods":[]}]}`
		wantConsolePage(t, sh.Owner.do("POST", "/console/settings/checkout", consoleForm("currency", "EUR", "hold_hours", "24", "return_window_days", "14", "shipping", ship), nil),
			400, "(shipping.zones[0].name)", "control character")

		// Invalid UTF-8 in a query parameter is refused the same way.
		wantField(t, "customer search with invalid UTF-8", sh.Owner.do("GET", "/api/customers?q=a%ffb", "", nil), "q")

		// Every control character, in multi-line text (a ticket's body) and
		// in a query parameter: only tab, LF and CR get through.
		chars := []rune{0x7f, 0x80, 0x85, 0x9f}
		for r := rune(0); r < 0x20; r++ {
			chars = append(chars, r)
		}
		for _, ch := range chars {
			allowed := ch == '\t' || ch == '\n' || ch == '\r'
			name := fmt.Sprintf("U+%04X", ch)
			body := fmt.Sprintf(`{"email":"eva@example.com","kind":"question","subject":"Hello","body":"line one\u%04xline two"}`, ch)
			r := sh.req(t, "POST", "/api/store/tickets", body, nil)
			if allowed {
				if r.Status != 201 {
					t.Errorf("ticket body with %s: %d, want 201: %.300s", name, r.Status, r.Body)
				}
			} else {
				wantField(t, "ticket body with "+name, r, "body")
			}
			if ch == 0x7f || ch >= 0x80 { // JSON allows these unescaped too
				raw := fmt.Sprintf(`{"email":"eva@example.com","kind":"question","subject":"Hel%clo","body":"x"}`, ch)
				wantField(t, "ticket subject with a raw "+name, sh.req(t, "POST", "/api/store/tickets", raw, nil), "subject")
			}
			r = sh.Owner.do("GET", "/api/customers?q="+url.QueryEscape("a"+string(ch)+"b"), "", nil)
			if allowed {
				if r.Status != 200 {
					t.Errorf("customer search with %s: %d, want 200: %.300s", name, r.Status, r.Body)
				}
			} else {
				wantField(t, "customer search with "+name, r, "q")
			}
		}
	})
}
