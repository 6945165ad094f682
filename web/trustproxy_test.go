package web_test

import (
	"net/http"
	"testing"

	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/web"
)

// --trust-proxy used to set fiber's trusted-proxy check with no trusted
// proxies, so X-Forwarded-For was never read: behind a proxy every shopper
// shared the proxy's per-address limit. It is read from trusted proxies
// only, so a client elsewhere cannot pick the address it is counted under.
func TestTrustProxyReadsForwardedForFromTrustedProxies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		get := func(ts *testServer, xff string) int {
			req, _ := http.NewRequest("GET", ts.URL+"/healthz", nil)
			req.Header.Set("X-Forwarded-For", xff)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res.StatusCode
		}
		// The test client connects from 127.0.0.1: a trusted proxy by default.
		ts := startServer(t, db, func(c *web.Config) { c.TrustProxy, c.RateLimitPerIP = true, 3 })
		for i := 0; i < 3; i++ {
			if st := get(ts, "203.0.113.7"); st != 200 {
				t.Fatalf("request %d from 203.0.113.7: %d", i+1, st)
			}
		}
		if st := get(ts, "203.0.113.7"); st != http.StatusTooManyRequests {
			t.Fatalf("4th request from 203.0.113.7: %d, want 429", st)
		}
		if st := get(ts, "203.0.113.8"); st != 200 {
			t.Fatalf("another client behind the proxy: %d, want 200", st)
		}

		// A proxy list without this address: the header is ignored.
		ts = startServer(t, db, func(c *web.Config) {
			c.TrustProxy, c.RateLimitPerIP, c.TrustedProxies = true, 3, []string{"192.0.2.1"}
		})
		for i, xff := range []string{"198.51.100.1", "198.51.100.2", "198.51.100.3"} {
			if st := get(ts, xff); st != 200 {
				t.Fatalf("request %d: %d", i+1, st)
			}
		}
		if st := get(ts, "198.51.100.4"); st != http.StatusTooManyRequests {
			t.Fatalf("an untrusted sender chose its address: %d, want 429", st)
		}
	})
}
