package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web"
	"github.com/wasmart/wasmart/web/api"
)

// TestAPIAnswersJSONForSuspendedShop is issue 9 item 9 (first case): a
// suspended shop's /api/store/* answered the HTML maintenance page; the API
// answers its JSON error (503, Retry-After), the storefront keeps its page.
func TestAPIAnswersJSONForSuspendedShop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := startServer(t, db)
		sh := newTestShop(t, srv, "napping")
		v := sh.variant(t, "Pillow", 1500, 3)
		if err := srv.Tenants.Suspend(context.Background(), tenants.System(), sh.ID, "test"); err != nil {
			t.Fatal(err)
		}
		for _, r := range []response{
			sh.req(t, "GET", "/api/store/cart", nil, nil),
			sh.req(t, "POST", "/api/store/cart/lines", api.CartLineRequest{VariantID: v, Quantity: 1}, nil),
			sh.req(t, "POST", "/api/store/checkout", checkoutBody("eva@example.com"), map[string]string{"Idempotency-Key": "k1"}),
			sh.req(t, "GET", "/api/store/nothing-here", nil, map[string]string{"Accept": "text/html"}),
		} {
			if r.Status != 503 || r.Header.Get("Retry-After") == "" {
				t.Errorf("suspended shop's API: %d (Retry-After %q), want 503 with Retry-After", r.Status, r.Header.Get("Retry-After"))
			}
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("suspended shop's API answers %q: %.200s", ct, r.Body)
				continue
			}
			var body web.ErrorBody
			r.json(t, &body)
			if body.Error.Code != "unavailable" || body.Error.Message == "" {
				t.Errorf("suspended shop's API error %s, want code unavailable with a message", r.Body)
			}
		}
		if r := sh.req(t, "GET", "/", nil, nil); r.Status != 503 || !strings.Contains(r.Body, "short break") {
			t.Errorf("suspended storefront: %d, want the maintenance page: %.200s", r.Status, r.Body)
		}
	})
}

// rawGet sends a GET with one header of n bytes over a raw connection (the
// Go client refuses nothing, but keeps this independent of its limits) and
// returns the answer.
func rawGet(t *testing.T, port, host, path string, n int, accept string) (*http.Response, string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", "127.0.0.1:"+port, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nAccept: %s\r\nX-Big: %s\r\nConnection: close\r\n\r\n", path, host, accept, strings.Repeat("a", n))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("GET %s with a %d-byte header: %v", path, n, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestAPIAnswersJSONForOversizedHeaders is issue 9 item 9 (second case):
// headers over the server's read buffer got fasthttp's 431 as an HTML page
// even on /api/*; the API answers its JSON error, pages keep an HTML one.
func TestAPIAnswersJSONForOversizedHeaders(t *testing.T) {
	srv := startServer(t, storetest.SQLite(t))
	sh := srv.signup("bigheads")
	console := "localhost:" + srv.Port
	shopHost := sh.Slug + ".localhost:" + srv.Port
	for _, n := range []int{8 << 10, 64 << 10} {
		for _, tc := range []struct{ host, path, accept string }{
			{console, "/api/products", "*/*"},
			{console, "/api/products?x=1", "text/html"},
			{shopHost, "/api/store/cart", "text/html,application/xhtml+xml"},
		} {
			resp, body := rawGet(t, srv.Port, tc.host, tc.path, n, tc.accept)
			if resp.StatusCode != 431 {
				t.Errorf("%s with a %d-byte header: %d, want 431", tc.path, n, resp.StatusCode)
			}
			var eb web.ErrorBody
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") || json.Unmarshal([]byte(body), &eb) != nil || eb.Error.Code != "too_large" || eb.Error.Message == "" {
				t.Errorf("%s with a %d-byte header answers %q, want the API's JSON error: %.200s", tc.path, n, ct, body)
			}
		}
		// A page still gets a page.
		resp, body := rawGet(t, srv.Port, console, "/console", n, "text/html")
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 431 || !strings.HasPrefix(ct, "text/html") {
			t.Errorf("/console with a %d-byte header: %d %q, want a 431 page: %.200s", n, resp.StatusCode, ct, body)
		}
	}
}
