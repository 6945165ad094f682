package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/web/api"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// TestSafeRedirectRefusesKnownBypasses runs the open-redirect bypasses
// collected by OWASP and others (and the header-injection ones) through the
// one validator every redirect to a request-supplied path uses.
func TestSafeRedirectRefusesKnownBypasses(t *testing.T) {
	const fb = "/fallback"
	bad := []string{
		"",
		// Other hosts.
		"//evil.test", "///evil.test", "////evil.test", "//evil.test/%2F..",
		"/\\evil.test", "\\/\\/evil.test", "\\\\evil.test", "/\\/evil.test", "\\/evil.test",
		"/%09/evil.test", "/%5Cevil.test", "/%5C%5Cevil.test", "/%2F%2Fevil.test", "/%2f%2fevil.test",
		"/%252F%252Fevil.test", "/%25252F%25252Fevil.test", "%2F%2Fevil.test", "/%2F/evil.test",
		"/.//evil.test", "/./evil.test", "/../evil.test", "/a/..//evil.test", "/%2e%2e/evil.test", "/%2E/%2Fevil.test",
		"/\t/evil.test", "/ /evil.test", "/%20/evil.test", "/%0a/evil.test", "/%00/evil.test",
		// Schemes and relative paths.
		"https://evil.test", "http:evil.test", "https:evil.test", "https:/evil.test", "javascript:alert(1)",
		"JavaScript:alert(1)", "data:text/html,x", "evil.test", "@evil.test", "%2Fevil.test", " /console",
		"\t/console", "\u00a0/console",
		// Header injection.
		"/\r\nSet-Cookie: pwn=1", "/\nSet-Cookie: pwn=1", "/\rSet-Cookie: pwn=1", "/%0d%0aSet-Cookie:%20pwn=1",
		"/%0aSet-Cookie:pwn=1", "/%0D%0ALocation:%20https://evil.test", "/console?x=\r\nSet-Cookie: pwn=1",
		"/console\x00", "/console\x7f", "/%7f",
		// Unicode tricks: look-alike slashes, invisible and control characters, raw non-ASCII.
		"/\u2215\u2215evil.test", "/%E2%88%95%E2%88%95evil.test", "/%EF%BC%8F%EF%BC%8Fevil.test", "/%EF%BC%BCevil.test",
		"/\uff0fevil.test", "/%E2%81%84evil.test", "/%E2%80%AEtset.live", "/%EF%BB%BFx", "/%C2%85x", "/%E2%80%A8x",
		"/%C0%AF%C0%AFevil.test", "/%FF", "/caf\u00e9",
		// Too long.
		"/" + strings.Repeat("a", 3000),
	}
	for _, in := range bad {
		if got := httpx.SafeRedirect(in, fb); got != fb {
			t.Errorf("SafeRedirect(%q) = %q, want the fallback", in, got)
		}
	}
	good := []string{
		"/", "/console", "/console/products?q=linen&status=draft", "/account/orders/01J?token=a%2Fb",
		"/console/products?q=blue%20shirt", "/products/cr%C3%A8me", "/account#addresses", "/search?q=100%",
		"/a/.b/c..", "/console/products?back=//x", "/p/%zz",
	}
	for _, in := range good {
		if got := httpx.SafeRedirect(in, fb); got != in {
			t.Errorf("SafeRedirect(%q) = %q, want it unchanged", in, got)
		}
	}
}

// checkRedirect fails when a response is not a 303 to wantLocation or
// carries the header an attacker tried to add.
func checkRedirect(t *testing.T, what string, r response, wantLocation string) {
	t.Helper()
	if r.Status != http.StatusSeeOther {
		t.Fatalf("%s: status %d, want 303: %.300s", what, r.Status, r.Body)
	}
	for _, ck := range r.Header.Values("Set-Cookie") {
		if strings.Contains(ck, "pwn") {
			t.Errorf("%s: injected header Set-Cookie: %s", what, ck)
		}
	}
	if len(r.Header.Values("Location")) != 1 {
		t.Errorf("%s: %d Location headers", what, len(r.Header.Values("Location")))
	}
	if loc := r.Header.Get("Location"); loc != wantLocation {
		t.Errorf("%s: Location %q, want %q", what, loc, wantLocation)
	}
}

// hostileNext are next= values that injected a header or left the host.
var hostileNext = []string{"/\r\nSet-Cookie: pwn=1", "/\nSet-Cookie: pwn=1", "/\rSet-Cookie: pwn=1"}

// TestLoginNextCRLFInjectionConsole: next=/%0d%0aSet-Cookie:... on the
// console's /login answered 303 with the attacker's Set-Cookie header, and
// GET /login?next=... copied the raw value into the form.
func TestLoginNextCRLFInjectionConsole(t *testing.T) {
	srv := startServer(t, storetest.SQLite(t))
	sh := srv.signup("crlfc")
	for _, next := range hostileNext {
		c := srv.client()
		r := c.do("GET", "/login?next="+url.QueryEscape(next), "", nil)
		if r.Status != 200 || !strings.Contains(r.Body, `name="next" value="/console"`) {
			t.Errorf("GET /login?next=%q: %d, the form must carry the safe target: %.600s", next, r.Status, r.Body)
		}
		form := url.Values{"email": {sh.OwnerEmail}, "password": {testPassword}, "next": {next}}
		checkRedirect(t, "POST /login next="+printable(next), c.do("POST", "/login", form.Encode(), nil), "/console")
		// A wrong password re-renders the form with the safe target too.
		form.Set("password", "wrong password here")
		r = c.do("POST", "/login", form.Encode(), nil)
		if strings.Contains(r.Body, "pwn") || !strings.Contains(r.Body, `name="next" value="/console"`) {
			t.Errorf("failed login re-rendered next=%q unsafely: %.600s", next, r.Body)
		}
	}
}

// TestLoginNextCRLFInjectionStorefront: the same on a shop's
// /account/login (and the sign-up form that shares the field).
func TestLoginNextCRLFInjectionStorefront(t *testing.T) {
	e := startShop(t, storetest.SQLite(t), "crlfs", nil)
	c := e.client()
	if r := c.post("/account/signup", url.Values{"email": {"ann@example.com"}, "password": {shopperPassword}}); r.Status != 303 {
		t.Fatalf("sign-up: %d %.300s", r.Status, r.Body)
	}
	for i, next := range hostileNext {
		c := e.client()
		r := c.get("/account/login?next=" + url.QueryEscape(next))
		if r.Status != 200 || strings.Contains(r.Body, "pwn") || !strings.Contains(r.Body, `name="next" value="/account"`) {
			t.Errorf("GET /account/login?next=%q: %d, the form must carry the safe target: %.600s", next, r.Status, r.Body)
		}
		r = c.post("/account/login", url.Values{"identifier": {"ann@example.com"}, "password": {shopperPassword}, "next": {next}})
		checkRedirect(t, "POST /account/login next="+printable(next), r, "/account")
		r = c.post("/account/signup", url.Values{"email": {"new" + strconv.Itoa(i) + "@example.com"}, "password": {shopperPassword}, "next": {next}})
		checkRedirect(t, "POST /account/signup next="+printable(next), r, "/account")
	}
}

// TestLoginNextOpenRedirect: next=/%09/evil.test gave Location: /\t/evil.test,
// which browsers follow to //evil.test; the other classic bypasses with it.
func TestLoginNextOpenRedirect(t *testing.T) {
	srv := startServer(t, storetest.SQLite(t))
	sh := srv.signup("openr")
	e := startShop(t, storetest.SQLite(t), "openrs", nil)
	sc := e.client()
	if r := sc.post("/account/signup", url.Values{"email": {"bob@example.com"}, "password": {shopperPassword}}); r.Status != 303 {
		t.Fatalf("sign-up: %d %.300s", r.Status, r.Body)
	}
	for _, next := range []string{"/\t/evil.test", "/%09/evil.test", "//evil.test", "/\\evil.test", "/.//evil.test", "/%2F%2Fevil.test", "https:evil.test", "/\u2215\u2215evil.test"} {
		form := url.Values{"email": {sh.OwnerEmail}, "password": {testPassword}, "next": {next}}
		checkRedirect(t, "console next="+printable(next), srv.client().do("POST", "/login", form.Encode(), nil), "/console")
		r := e.client().post("/account/login", url.Values{"identifier": {"bob@example.com"}, "password": {shopperPassword}, "next": {next}})
		checkRedirect(t, "storefront next="+printable(next), r, "/account")
	}
	// A genuine target still works on both.
	form := url.Values{"email": {sh.OwnerEmail}, "password": {testPassword}, "next": {"/console/products?q=linen"}}
	checkRedirect(t, "console genuine next", srv.client().do("POST", "/login", form.Encode(), nil), "/console/products?q=linen")
	r := e.client().post("/account/login", url.Values{"identifier": {"bob@example.com"}, "password": {shopperPassword}, "next": {"/account/orders"}})
	checkRedirect(t, "storefront genuine next", r, "/account/orders")
}

// TestProductBulkBackHeaderInjection: the bulk product form's back field
// went into Location whenever it began with /console/products.
func TestProductBulkBackHeaderInjection(t *testing.T) {
	srv := startServer(t, storetest.SQLite(t))
	sh := srv.signup("bulkback")
	var p api.ProductJSON
	sh.Owner.post("/api/products", sampleProduct("Linen Shirt", "LS"), 201).json(t, &p)
	for back, want := range map[string]string{
		"/console/products\r\nSet-Cookie: pwn=1": "/console/products?flash=1+products+updated",
		"/console/products/..//evil.test":        "/console/products?flash=1+products+updated",
		"/console/products?q=linen":              "/console/products?q=linen&flash=1+products+updated",
	} {
		form := url.Values{"ids": {p.ID}, "back": {back}, "add_tags": {"x"}}
		checkRedirect(t, "bulk back="+printable(back), sh.Owner.do("POST", "/console/products/bulk", form.Encode(), nil), want)
	}
}

// printable shows control characters in test messages.
func printable(s string) string {
	return strings.NewReplacer("\r", `\r`, "\n", `\n`, "\t", `\t`).Replace(s)
}
