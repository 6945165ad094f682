package web_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

const shopperPassword = "shopper secret 2026"

func TestStorefrontCustomerAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := startShop(t, db, "acct", nil)
		c := e.client()

		wantPage(t, c.get("/account/signup"), 200, `name="email"`, `name="phone"`, `name="password"`, `<label for="su-email">`)
		// Not signed in: the account page sends to the login form.
		r := c.get("/account")
		if r.Status != 303 || r.Header.Get("Location") != "/account/login?next=/account" {
			t.Fatalf("anonymous /account: %d %q", r.Status, r.Header.Get("Location"))
		}

		// Bad input names the field and keeps what was typed.
		for _, tc := range []struct {
			form  url.Values
			field string
		}{
			{url.Values{"email": {"not-an-email"}, "password": {shopperPassword}}, "email"},
			{url.Values{"phone": {"12ab"}, "password": {shopperPassword}}, "phone"},
			{url.Values{"email": {"weak@example.com"}, "password": {"short"}}, "password"},
			{url.Values{"password": {shopperPassword}}, "email"},
		} {
			r := c.post("/account/signup", tc.form)
			if r.Status != 400 || !strings.Contains(r.Body, "("+tc.field+")") {
				t.Errorf("sign-up %v: %d, want 400 naming %s: %.400s", tc.form, r.Status, tc.field, r.Body)
			}
			if v := tc.form.Get("email"); v != "" && !strings.Contains(r.Body, `value="`+v+`"`) {
				t.Errorf("sign-up form lost the e-mail typed")
			}
			if strings.Contains(r.Body, shopperPassword) {
				t.Error("password echoed back")
			}
		}

		// Sign up by e-mail with marketing consent.
		r = c.post("/account/signup", url.Values{"email": {"Ann@Example.com"}, "password": {shopperPassword}, "first_name": {"Ann"}, "accepts_marketing": {"1"}})
		if r.Status != 303 || r.Header.Get("Location") != "/account" {
			t.Fatalf("sign-up: %d %.300s", r.Status, r.Body)
		}
		if ck := r.Header.Get("Set-Cookie"); !strings.Contains(ck, "wsm_customer=wsc_") || !strings.Contains(ck, "HttpOnly") || strings.Contains(strings.ToLower(ck), "domain=") {
			t.Errorf("customer cookie: %s", ck)
		}
		r = c.get("/account")
		wantPage(t, r, 200, "Your account", `value="ann@example.com"`, `value="Ann"`, "You agreed to receive news and offers", "storefront sign-up form", "recorded 20")

		// The same e-mail again is a conflict, in another browser.
		c2 := e.client()
		r = c2.post("/account/signup", url.Values{"email": {"ann@example.com"}, "password": {shopperPassword}})
		if r.Status != 409 || !strings.Contains(r.Body, "already exists") {
			t.Errorf("duplicate sign-up: %d %.300s", r.Status, r.Body)
		}
		// Sign up by phone only.
		r = c2.post("/account/signup", url.Values{"phone": {"+33 6 12 34 56 78"}, "password": {shopperPassword}})
		if r.Status != 303 {
			t.Fatalf("phone sign-up: %d %.300s", r.Status, r.Body)
		}
		if r := e.client().post("/account/signup", url.Values{"phone": {"+33612345678"}, "password": {shopperPassword}}); r.Status != 409 {
			t.Errorf("duplicate phone: %d", r.Status)
		}

		// Profile, address, consent.
		r = c.post("/account/profile", url.Values{"email": {"ann@example.com"}, "first_name": {"Ann"}, "last_name": {"Lee"}})
		if r.Status != 303 {
			t.Fatalf("profile: %d %.300s", r.Status, r.Body)
		}
		r = c.post("/account/profile", url.Values{"email": {"bad@"}, "first_name": {"Ann"}})
		if r.Status != 400 || !strings.Contains(r.Body, "(email)") {
			t.Errorf("bad profile e-mail: %d", r.Status)
		}
		r = c.post("/account/addresses", url.Values{"first_name": {"Ann"}, "last_name": {"Lee"}, "line1": {"1 Rue de la Paix"}, "city": {"Paris"}, "postal_code": {"75002"}, "country": {"ZZZ"}})
		if r.Status != 400 || !strings.Contains(r.Body, "(country)") || !strings.Contains(r.Body, `value="1 Rue de la Paix"`) {
			t.Errorf("bad address: %d %.500s", r.Status, r.Body)
		}
		r = c.post("/account/addresses", url.Values{"first_name": {"Ann"}, "last_name": {"Lee"}, "line1": {"1 Rue de la Paix"}, "city": {"Paris"}, "postal_code": {"75002"}, "country": {"fr"}})
		if r.Status != 303 {
			t.Fatalf("address: %d %.300s", r.Status, r.Body)
		}
		r = c.get("/account?saved=address")
		wantPage(t, r, 200, "Lee", "1 Rue de la Paix", "The address is saved.", "<strong>Default</strong>")
		r = c.post("/account/consent", url.Values{})
		if r.Status != 303 {
			t.Fatalf("consent: %d", r.Status)
		}
		wantPage(t, c.get("/account"), 200, "You do not receive news and offers", "storefront account page")

		// Export: a JSON download of the customer's data.
		r = c.get("/account/export")
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment;") {
			t.Fatalf("export: %d %v", r.Status, r.Header)
		}
		var exp struct {
			Customer struct {
				Email    string `json:"email"`
				LastName string `json:"last_name"`
			} `json:"customer"`
			Addresses []map[string]any `json:"addresses"`
		}
		if err := json.Unmarshal([]byte(r.Body), &exp); err != nil || exp.Customer.Email != "ann@example.com" || exp.Customer.LastName != "Lee" || len(exp.Addresses) != 1 {
			t.Fatalf("export %v: %s", err, r.Body)
		}
		if strings.Contains(r.Body, "argon2") || strings.Contains(r.Body, "wsc_") {
			t.Error("export contains secrets")
		}

		// Logout, wrong password, login by e-mail.
		if r := c.post("/account/logout", url.Values{}); r.Status != 303 {
			t.Fatalf("logout: %d", r.Status)
		}
		if r := c.get("/account"); r.Status != 303 {
			t.Errorf("account after logout: %d", r.Status)
		}
		r = c.post("/account/login", url.Values{"identifier": {"ann@example.com"}, "password": {"wrong password"}})
		if r.Status != 401 || !strings.Contains(r.Body, `value="ann@example.com"`) {
			t.Errorf("wrong password: %d", r.Status)
		}
		r = c.post("/account/login", url.Values{"identifier": {"ann@example.com"}, "password": {shopperPassword}, "next": {"//evil.example/"}})
		if r.Status != 303 || r.Header.Get("Location") != "/account" {
			t.Fatalf("login: %d %q", r.Status, r.Header.Get("Location"))
		}
		// Password change keeps this browser signed in.
		if r := c.post("/account/password", url.Values{"current_password": {"nope nope nope"}, "new_password": {"another secret 2026"}}); r.Status == 303 {
			t.Error("password changed with a wrong current password")
		}
		if r := c.post("/account/password", url.Values{"current_password": {shopperPassword}, "new_password": {"another secret 2026"}}); r.Status != 303 {
			t.Fatalf("password change: %d %.300s", r.Status, r.Body)
		}
		wantPage(t, c.get("/account"), 200, "Your account")

		// Delete: confirmation required, then anonymised and signed out.
		r = c.post("/account/delete", url.Values{"confirm": {"no"}})
		if r.Status != 400 || !strings.Contains(r.Body, "(confirm)") {
			t.Errorf("delete without confirmation: %d", r.Status)
		}
		if r := c.post("/account/delete", url.Values{"confirm": {"DELETE"}}); r.Status != 303 {
			t.Fatalf("delete: %d %.300s", r.Status, r.Body)
		}
		if r := c.get("/account"); r.Status != 303 {
			t.Errorf("account after delete: %d", r.Status)
		}
		if r := c.post("/account/login", url.Values{"identifier": {"ann@example.com"}, "password": {"another secret 2026"}}); r.Status != 401 {
			t.Errorf("login after delete: %d", r.Status)
		}
		// The e-mail is free again.
		if r := e.client().post("/account/signup", url.Values{"email": {"ann@example.com"}, "password": {shopperPassword}}); r.Status != 303 {
			t.Errorf("sign-up with a deleted account's e-mail: %d %.300s", r.Status, r.Body)
		}

		// Writes without the CSRF token are refused.
		raw := e.client()
		raw.get("/account/login")
		if r := raw.do("POST", "/account/login", strings.NewReader("identifier=a&password=b"), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}); r.Status != 403 {
			t.Errorf("login without CSRF token: %d", r.Status)
		}
	})
}

// TestStorefrontSessionsSeparate: a staff session never authenticates on
// the storefront, a customer session never on the console or API, and a
// customer session of one shop never on another shop.
func TestStorefrontSessionsSeparate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := startShop(t, db, "alpha", nil)
		beta := e.srv.signup("beta")
		_ = beta

		// The owner's staff session cookie.
		var staff string
		u, _ := url.Parse(e.srv.URL)
		for _, ck := range e.shop.Owner.http.Jar.Cookies(u) {
			if ck.Name == "wsm_session" {
				staff = ck.Value
			}
		}
		if staff == "" {
			t.Fatal("no staff session cookie")
		}
		if r := e.shop.Owner.do("GET", "/api/me", "", nil); r.Status != 200 {
			t.Fatalf("staff session on the console: %d", r.Status)
		}

		// A customer of alpha.
		c := e.client()
		if r := c.post("/account/signup", url.Values{"email": {"bo@example.com"}, "password": {shopperPassword}}); r.Status != 303 {
			t.Fatalf("sign-up: %d", r.Status)
		}
		cust := c.cookie("wsm_customer")
		if !strings.HasPrefix(cust, "wsc_") {
			t.Fatalf("customer cookie %q", cust)
		}

		// Staff credentials on the storefront, by either cookie name: not signed in.
		for _, cookie := range []string{"wsm_session=" + staff, "wsm_customer=" + staff} {
			r := e.client().do("GET", "/account", nil, map[string]string{"Cookie": cookie})
			if r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/account/login") {
				t.Errorf("storefront with %s: %d %q", cookie[:12], r.Status, r.Header.Get("Location"))
			}
		}
		// Customer credentials on the console and API, by either cookie name or as a bearer token.
		anon := e.srv.client()
		for _, hdr := range []map[string]string{{"Cookie": "wsm_customer=" + cust}, {"Cookie": "wsm_session=" + cust}, {"Authorization": "Bearer " + cust}} {
			if r := anon.do("GET", "/api/me", "", hdr); r.Status != 401 {
				t.Errorf("API with customer credentials %v: %d", hdr, r.Status)
			}
			if r := anon.do("GET", "/console", "", hdr); r.Status == 200 {
				t.Errorf("console with customer credentials %v: %d", hdr, r.Status)
			}
		}
		// Alpha's customer on beta's storefront.
		bc := e.clientFor("beta")
		if r := bc.do("GET", "/account", nil, map[string]string{"Cookie": "wsm_customer=" + cust}); r.Status != 303 {
			t.Errorf("other shop's customer session: %d", r.Status)
		}
		// And alpha's customer is still signed in at alpha.
		wantPage(t, c.get("/account"), 200, "bo@example.com")
	})
}
