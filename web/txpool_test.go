package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/plugins"
	"github.com/wasmart/wasmart/web/api"
)

// Issue #9 item 2: checkout's transaction took a second pool connection
// (the shop's plugins, read through a Read of their own when the per-shop
// cache had expired; a plugin's key-value calls and module loading did the
// same), so a burst of checkouts held every connection of the pool while
// each waited for one more, and the node froze for good.

// watModule compiles web/testdata/<name>.wat with wat2wasm (Debian package
// wabt; the Makefile installs it).
func watModule(t testing.TB, name string) []byte {
	t.Helper()
	bin, err := exec.LookPath("wat2wasm")
	if err != nil {
		t.Fatalf("wat2wasm not found: install wabt (apt-get install -y wabt)")
	}
	out := filepath.Join(t.TempDir(), name+".wasm")
	if b, err := exec.Command(bin, filepath.Join("testdata", name+".wat"), "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm %s: %v\n%s", name, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// enableKVPricing publishes testdata/kv_pricing.wat to the platform
// catalogue and installs and enables it for the shop.
func enableKVPricing(t testing.TB, svc *plugins.Service, sh *testShop) {
	t.Helper()
	man := []byte(`{"id":"kv-pricing","version":"1.0.0","abi_version":1,"extension_points":["pricing"],"limits":{"deadline_ms":5000}}`)
	if _, err := svc.Publish(tenancy.WithPlatform(context.Background()), plugins.PublishInput{Manifest: man, Wasm: watModule(t, "kv_pricing")}); err != nil {
		t.Fatal(err)
	}
	in, err := svc.Install(sh.ctx, "kv-pricing", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetEnabled(sh.ctx, in.ID, true); err != nil {
		t.Fatal(err)
	}
}

// kvRows is how many key-value entries the shop's plugins have.
func kvRows(t testing.TB, sh *testShop) int {
	t.Helper()
	var n int
	if err := sh.srv.DB.Read(sh.ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw("SELECT count(*) FROM plugin_kv WHERE tenant_id = ?", sh.ID).Scan(ctx, &n)
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// shopCall is one storefront API request made with ctx (safe to call from
// any goroutine): the status, or the error when it did not finish.
func (s *testShop) shopCall(ctx context.Context, method, path string, body []byte, hdr map[string]string) (int, string, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		return 0, "", nil, err
	}
	req.Host = s.Slug + ".localhost:" + s.srv.Port
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header, err
}

// TestCheckoutBurstColdPluginCacheDoesNotDeadlockPool releases 200
// checkouts at once on PostgreSQL with a pool of 4 connections, a plugin
// cache that is always cold (every pricing reloads the shop's plugins) and
// an enabled pricing plugin that reads and writes its key-value data on
// every call, from a fresh plugin service (its module is loaded from the
// database by the first calls). Every checkout must finish, with an order,
// before the deadline; before the fix they all waited for a second
// connection and none did.
func TestCheckoutBurstColdPluginCacheDoesNotDeadlockPool(t *testing.T) {
	const n = 200
	db := storetest.PostgresWith(t, store.Config{MaxConns: 4})
	srv, svc := startPluginServerWith(t, db, plugins.ServiceOptions{CacheTTL: time.Nanosecond})
	sh := newTestShop(t, srv, "burst")
	sh.http = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n, MaxConnsPerHost: n}}
	enableKVPricing(t, svc, sh)
	tea := sh.variant(t, "Tea", 1000, 10*n)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// run calls fn(i) for i < n from `parallel` goroutines released
	// together and returns the failures.
	run := func(parallel int, fn func(i int) error) []error {
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			fails []error
			start = make(chan struct{})
			next  = make(chan int, n)
		)
		for i := range n {
			next <- i
		}
		close(next)
		for range parallel {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for i := range next {
					if err := fn(i); err != nil {
						mu.Lock()
						fails = append(fails, err)
						mu.Unlock()
					}
				}
			}()
		}
		close(start)
		wg.Wait()
		return fails
	}
	line, _ := json.Marshal(api.CartLineRequest{VariantID: tea, Quantity: 1})
	tokens := make([]string, n)
	// Carts two at a time (a cart being shown also read the shop's plugins
	// through a second connection: more at once deadlocked here already).
	fails := run(2, func(i int) error {
		st, body, hdr, err := sh.shopCall(ctx, "POST", "/api/store/cart/lines", line, nil)
		if err != nil || st != 200 {
			return fmt.Errorf("cart %d: %d %s %v", i, st, cut(body), err)
		}
		tokens[i] = hdr.Get("Cart-Token")
		return nil
	})
	if len(fails) > 0 {
		t.Fatalf("%d of %d carts failed or did not finish; first: %v", len(fails), n, fails[0])
	}

	body := checkoutBody("burst@example.com")
	fails = run(n, func(i int) error {
		st, resp, _, err := sh.shopCall(ctx, "POST", "/api/store/checkout", body,
			map[string]string{"Cart-Token": tokens[i], "Idempotency-Key": fmt.Sprintf("burst-%d", i)})
		if err != nil || st != 201 {
			return fmt.Errorf("checkout %d: %d %s %v", i, st, cut(resp), err)
		}
		return nil
	})
	if len(fails) > 0 {
		t.Fatalf("%d of %d checkouts failed or did not finish within the deadline (pool deadlock?); first: %v", len(fails), n, fails[0])
	}
	var orders int
	if err := db.Read(sh.ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw("SELECT count(*) FROM orders WHERE tenant_id = ?", sh.ID).Scan(ctx, &orders)
	}); err != nil {
		t.Fatal(err)
	}
	if orders != n {
		t.Fatalf("%d orders, want %d", orders, n)
	}
	if avail, reserved, _ := sh.available(t, tea); avail != 9*n || reserved != n {
		t.Fatalf("stock: available %d reserved %d, want %d and %d", avail, reserved, 9*n, n)
	}
	// The plugin's key-value write was made in the checkouts' transactions.
	if got := kvRows(t, sh); got != 1 {
		t.Fatalf("plugin key-value entries: %d, want 1", got)
	}
	if r := srv.client().do("GET", "/readyz", "", nil); r.Status != 200 {
		t.Fatalf("readyz after the burst: %d %s", r.Status, r.Body)
	}
}

// TestPricingPluginKVRunsInCheckoutTransaction: a pricing plugin's
// key-value calls during a checkout happen in the checkout's transaction
// (on SQLite they used to wait forever for the single writer connection
// the checkout held): its write commits with the order and rolls back with
// a checkout that fails. While a cart is only shown (a read), it may read
// its data but its writes are refused rather than made through a second
// connection.
func TestPricingPluginKVRunsInCheckoutTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, svc := startPluginServer(t, db)
		sh := newTestShop(t, srv, "kvshop")
		enableKVPricing(t, svc, sh)
		tea := sh.variant(t, "Tea", 1000, 1)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		checkout := func(cartToken, key string) (int, string) {
			t.Helper()
			st, body, _, err := sh.shopCall(ctx, "POST", "/api/store/checkout", checkoutBody("kv@example.com"),
				map[string]string{"Cart-Token": cartToken, "Idempotency-Key": key})
			if err != nil {
				t.Fatalf("checkout did not finish: %v", err)
			}
			return st, body
		}

		first := sh.cart(t, map[string]int64{tea: 1})
		second := sh.cart(t, map[string]int64{tea: 1})
		if got := kvRows(t, sh); got != 0 {
			t.Fatalf("showing carts wrote %d key-value entries; writes during a read must be refused", got)
		}
		// Stock for one: the first checkout takes it.
		if st, body := checkout(first, "kv-1"); st != 201 {
			t.Fatalf("checkout: %d %s", st, body)
		}
		if got := kvRows(t, sh); got != 1 {
			t.Fatalf("after a checkout: %d key-value entries, want 1 (written in its transaction)", got)
		}
		// Empty the plugin's data, then a checkout that fails after
		// pricing: its key-value write is rolled back with it.
		if err := db.Write(sh.ctx, func(ctx context.Context, q bun.IDB) error {
			_, err := q.NewRaw("DELETE FROM plugin_kv WHERE tenant_id = ?", sh.ID).Exec(ctx)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if st, body := checkout(second, "kv-2"); st != 409 {
			t.Fatalf("checkout without stock: %d %s, want 409", st, body)
		}
		if got := kvRows(t, sh); got != 0 {
			t.Fatalf("a failed checkout left %d key-value entries", got)
		}
	})
}
