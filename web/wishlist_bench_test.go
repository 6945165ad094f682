package web_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/wishlist"
	"github.com/wasmart/wasmart/web"
)

// BenchmarkWishlistProductPage is the cost of the wishlist's saved state
// on the cached product page: a visitor without cookies ("anonymous", the
// page cache alone), a shopper whose request carries a guest cart cookie
// but who keeps no wishlist ("cart-no-list": one indexed read before the
// cache), and a shopper who saved the product ("saved": the page rendered
// for them alone, never cached).
func BenchmarkWishlistProductPage(b *testing.B) {
	storetest.EachB(b, func(b *testing.B, db *store.DB) {
		e := startShop(b, db, "bench-wishlist", func(c *web.Config) { c.ShopBudget = -1 })
		f := e.seed()
		saver, idle := cart.NewToken(), cart.NewToken()
		if _, err := e.srv.Services.Wishlists.Add(e.ctx, wishlist.Owner{Token: saver}, f.shirt.ID, ""); err != nil {
			b.Fatal(err)
		}
		c := e.client()
		url := c.base + "/products/linen-shirt"
		get := func(cookie string) string {
			req, _ := http.NewRequest("GET", url, nil)
			if cookie != "" {
				req.Header.Set("Cookie", "wsm_cart="+cookie)
			}
			resp, err := c.http.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
			return string(body)
		}
		if strings.Contains(get(idle), savedMark) || !strings.Contains(get(saver), savedMark) {
			b.Fatal("the saved state is wrong: the benchmark would measure nothing")
		}
		for _, m := range []struct{ name, cookie string }{{"anonymous", ""}, {"cart-no-list", idle}, {"saved", saver}} {
			get(m.cookie)
			b.Run(m.name, func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					get(m.cookie)
				}
			})
		}
	})
}
