package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/web"
)

// BenchmarkEventsOverhead serves the product page of
// BenchmarkStorefrontProductPage over real HTTP, from the page cache and
// rendered on every request, with analytics collection on (every request
// tracked with a browser's user agent, so the flusher does its full work
// beside the server) and off (Config.NoAnalytics). The pages must not be
// slower with collection on (goal: within 5%); the events dropped because
// the buffer was full are reported.
func BenchmarkEventsOverhead(b *testing.B) {
	storetest.EachB(b, func(b *testing.B, db *store.DB) {
		for _, cached := range []bool{true, false} {
			for _, on := range []bool{false, true} {
				mode := map[bool]string{true: "cached", false: "uncached"}[cached] + map[bool]string{true: "/collect", false: "/off"}[on]
				e := startShop(b, db, fmt.Sprintf("ev-%v-%v", cached, on), func(c *web.Config) {
					c.ShopBudget = -1
					c.NoAnalytics = !on
					if !cached {
						c.ShopCacheBytes = -1
					}
				})
				f := e.seed()
				for i := 0; i < 200; i++ {
					if _, err := e.cat.Create(e.ctx, catalog.ProductInput{Title: fmt.Sprintf("Filler %d", i), CategoryID: f.shirts.ID, Status: catalog.Published,
						Variants: []catalog.VariantInput{{SKU: fmt.Sprintf("F-%d", i), Price: 1000}}}); err != nil {
						b.Fatal(err)
					}
				}
				e.srv.Server.InvalidateShop(e.shop.ID)
				c := browserClient(e.client())
				url := c.base + "/products/linen-shirt"
				get := func() {
					resp, err := c.http.Get(url)
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Fatalf("status %d", resp.StatusCode)
					}
				}
				get()
				dropped := analytics.DroppedTotal()
				b.Run(mode, func(b *testing.B) {
					for i := 0; i < b.N; i++ {
						get()
					}
					b.ReportMetric(float64(analytics.DroppedTotal()-dropped), "dropped")
				})
				if err := e.srv.Services.Analytics.Flush(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
