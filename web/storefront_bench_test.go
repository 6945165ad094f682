package web_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/web"
)

// BenchmarkStorefrontProductPage serves a product page (two options, four
// variants, stock, an image, a category path) over real HTTP with
// keep-alive, from the page cache ("cached", the steady state, including
// the conditional 304 answer) and rendered on every request ("uncached":
// the catalog reads and the template); "uncached+promotion" is uncached in
// a shop running a live 20%-off promotion on the product, so the page
// shows the sale price.
func BenchmarkStorefrontProductPage(b *testing.B) {
	storetest.EachB(b, func(b *testing.B, db *store.DB) {
		for _, mode := range []string{"cached", "uncached", "uncached+promotion"} {
			{
				e := startShop(b, db, "bench-"+strings.ReplaceAll(mode, "+", "-"), func(c *web.Config) {
					c.ShopBudget = -1 // measure the server, not the per-shop budget
					if mode != "cached" {
						c.ShopCacheBytes = -1
					}
				})
				f := e.seed()
				for i := 0; i < 200; i++ { // some catalog around it
					if _, err := e.cat.Create(e.ctx, catalog.ProductInput{Title: fmt.Sprintf("Filler %d", i), CategoryID: f.shirts.ID, Status: catalog.Published,
						Variants: []catalog.VariantInput{{SKU: fmt.Sprintf("F-%d", i), Price: 1000}}}); err != nil {
						b.Fatal(err)
					}
				}
				if mode == "uncached+promotion" {
					if _, err := e.srv.Services.Promotions.Create(e.ctx, promotion.Promotion{Name: "Linen week", Label: "Linen week −20%",
						Kind: promotion.KindPercentOff, Status: promotion.StatusActive, PercentBP: 2000, Target: promotion.Target{ProductIDs: []string{f.shirt.ID}}}); err != nil {
						b.Fatal(err)
					}
				}
				e.srv.Server.InvalidateShop(e.shop.ID)
				c := e.client()
				url := c.base + "/products/linen-shirt"
				get := func(hdr map[string]string) int {
					req, _ := http.NewRequest("GET", url, nil)
					for k, v := range hdr {
						req.Header.Set(k, v)
					}
					resp, err := c.http.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					return resp.StatusCode
				}
				if st := get(nil); st != 200 {
					b.Fatalf("status %d", st)
				}
				if mode == "uncached+promotion" {
					req, _ := http.NewRequest("GET", url, nil)
					resp, err := c.http.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if !strings.Contains(string(body), "Linen week −20%") {
						b.Fatal("the page does not show the sale: the benchmark would measure nothing")
					}
				}
				b.Run(mode, func(b *testing.B) {
					for i := 0; i < b.N; i++ {
						if st := get(nil); st != 200 {
							b.Fatalf("status %d", st)
						}
					}
				})
			}
		}
	})
}
