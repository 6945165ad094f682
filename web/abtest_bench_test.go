package web_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/experiment"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/web"
)

// BenchmarkABProductPage serves a product page over real HTTP with
// keep-alive, from the page cache and rendered each time, without and
// with a running A/B test on the product ("+test": the visitor's arm
// picked, the page keyed by it, the exposure queued), as a browser with
// its cookie jar (one visitor, one arm). The cached modes check the
// cache's fingerprint once, so every request is a cache hit.
func BenchmarkABProductPage(b *testing.B) {
	storetest.EachB(b, func(b *testing.B, db *store.DB) {
		for _, mode := range []string{"cached", "cached+test", "uncached", "uncached+test"} {
			e := startShop(b, db, "abbench-"+strings.ReplaceAll(mode, "+", "-"), func(c *web.Config) {
				c.ShopBudget = -1
				if strings.HasPrefix(mode, "uncached") {
					c.ShopCacheBytes = -1
				} else {
					// Stock just received would drop the page at every
					// recheck for a few seconds: check once.
					c.ShopCacheRecheck = time.Hour
				}
			})
			f := e.seed()
			if strings.HasSuffix(mode, "+test") {
				title := "Linen Shirt, washed"
				if _, err := e.srv.Services.Experiments.CreateProduct(e.ctx, experiment.ProductInput{Name: "Bench", ProductID: f.shirt.ID, MaxChangeBP: 1000,
					Arms: []experiment.ArmInput{{Weight: 50}, {Weight: 50, Title: &title, PriceChangeBP: 500}}}); err != nil {
					b.Fatal(err)
				}
			}
			e.srv.Server.InvalidateShop(e.shop.ID)
			c := e.client()
			url := c.base + "/products/linen-shirt"
			get := func() int {
				req, _ := http.NewRequest("GET", url, nil)
				req.Header.Set("User-Agent", testBrowserUA)
				resp, err := c.http.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				return resp.StatusCode
			}
			if st := get(); st != 200 {
				b.Fatalf("status %d", st)
			}
			if strings.HasSuffix(mode, "+test") && c.cookie(experiment.VisitorCookie) == "" {
				b.Fatal("no visitor cookie: the benchmark would not measure the test")
			}
			b.Run(mode, func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if st := get(); st != 200 {
						b.Fatalf("status %d", st)
					}
				}
			})
		}
	})
}
