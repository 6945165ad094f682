package web_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web/api"
)

type errBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

// TestBadInput: each bad request gets a clear 4xx naming the field, and
// nothing is written.
func TestBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := startServer(t, db)
		sh := srv.signup("acme")
		anon := srv.client()
		big := `{"shop_name":"` + strings.Repeat("x", 2<<20) + `"}`
		cases := []struct {
			name, path, body string
			c                *client
			status           int
			field            string
		}{
			{"malformed JSON", "/api/signup", `{"shop_name": "x",`, anon, 400, "body"},
			{"not JSON", "/api/signup", `shop_name=x`, anon, 400, "body"},
			{"unknown field", "/api/signup", `{"shop_name":"x","colour":"red"}`, anon, 400, "colour"},
			{"wrong type", "/api/signup", `{"shop_name":12}`, anon, 400, "shop_name"},
			{"invalid e-mail", "/api/signup", `{"shop_name":"X","slug":"valid-slug","email":"nope","password":"` + testPassword + `","currency":"EUR","country":"FR"}`, anon, 400, "email"},
			{"invalid slug", "/api/signup", `{"shop_name":"X","slug":"Bad Slug!","email":"a@b.example.com","password":"` + testPassword + `","currency":"EUR","country":"FR"}`, anon, 400, "slug"},
			{"reserved slug", "/api/signup", `{"shop_name":"X","slug":"admin","email":"a@b.example.com","password":"` + testPassword + `","currency":"EUR","country":"FR"}`, anon, 400, "slug"},
			{"taken slug", "/api/signup", `{"shop_name":"X","slug":"acme","email":"a@b.example.com","password":"` + testPassword + `","currency":"EUR","country":"FR"}`, anon, 409, "slug"},
			{"weak password", "/api/signup", `{"shop_name":"X","slug":"fresh-slug","email":"a@b.example.com","password":"password123","currency":"EUR","country":"FR"}`, anon, 400, "password"},
			{"bad currency", "/api/signup", `{"shop_name":"X","slug":"fresh-slug","email":"a@b.example.com","password":"` + testPassword + `","currency":"EURO","country":"FR"}`, anon, 400, "currency"},
			{"unknown permission", "/api/roles", `{"name":"r1","permissions":["launch.missiles"]}`, sh.Owner, 400, "permissions"},
			{"bad domain", "/api/shop/domains", `{"domain":"not a host"}`, sh.Owner, 400, "domain"},
		}
		for _, tc := range cases {
			r := tc.c.do("POST", tc.path, tc.body, nil)
			if r.Status != tc.status {
				t.Errorf("%s: status %d, want %d: %s", tc.name, r.Status, tc.status, cut(r.Body))
				continue
			}
			var e errBody
			r.json(t, &e)
			if e.Error.Code == "" || e.Error.Message == "" {
				t.Errorf("%s: no error code/message: %s", tc.name, r.Body)
			}
			if tc.field != "" && e.Error.Field != tc.field {
				t.Errorf("%s: field %q, want %q (%s)", tc.name, e.Error.Field, tc.field, e.Error.Message)
			}
		}
		// A body over the limit is refused before it is read.
		req, _ := http.NewRequest("POST", srv.URL+"/api/signup", strings.NewReader(big))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Expect", "100-continue")
		resp, err := (&http.Client{Transport: &http.Transport{ExpectContinueTimeout: 10 * time.Second}}).Do(req)
		if err != nil {
			t.Fatalf("body over limit: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 413 || !strings.Contains(string(body), "too_large") {
			t.Errorf("body over limit: %d %s", resp.StatusCode, body)
		}
		// Nothing half-written: only the one shop exists.
		pg, err := srv.Tenants.ListTenants(context.Background(), tenants.System(), tenants.TenantFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(pg.Tenants) != 1 {
			t.Fatalf("%d shops after bad sign-ups, want 1", len(pg.Tenants))
		}
		// A suspended shop's API token is refused; its console is read-only.
		var tok api.TokenJSON
		sh.Owner.post("/api/tokens", api.TokenRequest{Name: "t", Role: "administrator"}, 201).json(t, &tok)
		if err := srv.Tenants.Suspend(context.Background(), tenants.System(), sh.ID, "test"); err != nil {
			t.Fatal(err)
		}
		if r := srv.tokenClient(tok.Secret).do("GET", "/api/shop", "", nil); r.Status != 401 && r.Status != 403 {
			t.Errorf("suspended shop's token: %d %s", r.Status, r.Body)
		}
		if r := sh.Owner.do("GET", "/api/shop", "", nil); r.Status != 200 {
			t.Errorf("suspended shop's owner cannot read: %d %s", r.Status, r.Body)
		}
		if r := sh.Owner.do("PATCH", "/api/shop", `{"name":"New"}`, nil); r.Status != 403 {
			t.Errorf("suspended shop accepted a change: %d %s", r.Status, r.Body)
		}
		// Its storefront shows the maintenance page.
		if r := anon.do("GET", "/", "", map[string]string{"Host": "acme.localhost:" + srv.Port}); r.Status != 503 || !strings.Contains(r.Body, "short break") {
			t.Errorf("suspended storefront: %d %s", r.Status, cut(r.Body))
		}
	})
}

// TestSecurityHeadersAndCSRF: headers on every answer; a cookie-carrying
// write without the CSRF token is refused.
func TestSecurityHeadersAndCSRF(t *testing.T) {
	srv := startServer(t, storetest.SQLite(t))
	sh := srv.signup("shopx")
	r := sh.Owner.do("GET", "/console", "", nil)
	if r.Status != 200 {
		t.Fatalf("console: %d", r.Status)
	}
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Request-Id", "Referrer-Policy"} {
		if r.Header.Get(h) == "" {
			t.Errorf("missing %s", h)
		}
	}
	if !strings.Contains(r.Header.Get("Content-Security-Policy"), "frame-ancestors") {
		t.Errorf("CSP lacks frame-ancestors")
	}
	// Same session, no token: refused, nothing changed.
	r = sh.Owner.do("PATCH", "/api/shop", `{"name":"Hijacked"}`, map[string]string{"X-CSRF-Token": "wrong"})
	if r.Status != 403 {
		t.Fatalf("write without CSRF token: %d %s", r.Status, r.Body)
	}
	// Another origin (a sibling shop host is same-site, not same-origin)
	// is refused even with the right token.
	r = sh.Owner.do("PATCH", "/api/shop", `{"name":"Hijacked"}`, map[string]string{"Origin": "http://evil.localhost:" + srv.Port})
	if r.Status != 403 {
		t.Fatalf("write from another origin: %d %s", r.Status, r.Body)
	}
	r = sh.Owner.do("PATCH", "/api/shop", `{"name":"Hijacked"}`, map[string]string{"Sec-Fetch-Site": "cross-site"})
	if r.Status != 403 {
		t.Fatalf("cross-site write: %d %s", r.Status, r.Body)
	}
	var shop api.ShopJSON
	sh.Owner.getJSON("/api/shop", &shop)
	if shop.Name == "Hijacked" {
		t.Fatal("CSRF-less write went through")
	}
	// The browser's own origin needs no token (pages from a shared cache
	// carry none of their own).
	r = sh.Owner.do("PATCH", "/api/shop", `{"name":"Renamed"}`, map[string]string{"X-CSRF-Token": "", "Origin": srv.URL})
	if r.Status != 200 {
		t.Fatalf("same-origin write: %d %s", r.Status, r.Body)
	}
	// Storefront and console cookies are separate hosts: the staff session
	// does not reach the shop host.
	if r := sh.Owner.do("GET", "/", "", map[string]string{"Host": "shopx.localhost:" + srv.Port}); r.Status != 200 {
		t.Fatalf("storefront: %d", r.Status)
	}
}

// TestStaticAssets: the console's stylesheet and script are served.
func TestStaticAssets(t *testing.T) {
	srv := startServer(t, storetest.SQLite(t))
	for path, ct := range map[string]string{"/static/app.css": "text/css", "/static/app.js": "javascript"} {
		r := srv.client().do("GET", path, "", nil)
		if r.Status != 200 || !strings.Contains(r.Header.Get("Content-Type"), ct) {
			t.Errorf("%s: %d %q", path, r.Status, r.Header.Get("Content-Type"))
		}
	}
}
