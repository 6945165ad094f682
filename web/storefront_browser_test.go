package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// TestStorefrontBrowser drives the storefront in Chromium: the variant
// picker's script updates price, stock and URL in place, the sort select
// submits itself, the storefront assets load, and a shopper signs up
// through the form and lands on the account page.
func TestStorefrontBrowser(t *testing.T) {
	chromiumPath(t) // skip before starting anything
	e := startShop(t, storetest.SQLite(t), "browse", nil)
	f := e.seed()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	browser := newBrowser(t, ctx)
	base := e.client().base
	b := newTab(t, browser, "shopper", base)

	b.open("/products/linen-shirt", 200)
	b.wantText("[data-price]", "49.00 EUR")
	b.wantText("[data-stock]", "In stock")
	assets := b.evalString(`Promise.all(Array.from(document.querySelectorAll('link[rel=stylesheet], script[src]'),
		e => fetch(e.href || e.src).then(r => (r.ok ? '' : (e.href || e.src) + ': HTTP ' + r.status))))
		.then(a => a.filter(Boolean).join('; '))`)
	if assets != "" {
		t.Errorf("storefront assets do not load: %s", assets)
	}
	if b.evalString(`document.documentElement.className`) != "js" {
		t.Error("shop.js did not run")
	}
	for i, want := range []struct{ price, stock string }{{"49.00 EUR", "In stock"}, {"50.00 EUR", "Only 3 left"}, {"51.00 EUR", "Out of stock"}, {"52.00 EUR", "Available on backorder"}} {
		id := f.shirt.Variants[i].ID
		b.evalString(fmt.Sprintf(`(() => { const s = document.querySelector('[data-variant-select]'); s.value = %q; s.dispatchEvent(new Event('change', {bubbles: true})); return '' })()`, id))
		b.wantText("[data-price]", want.price)
		b.wantText("[data-stock]", want.stock)
		loc := b.evalString(`location.search`)
		if q, _ := url.ParseQuery(strings.TrimPrefix(loc, "?")); q.Get("variant") != id {
			t.Errorf("variant %d: URL query %q", i, loc)
		}
	}
	b.screenshot("storefront-product.png")

	// Sorting a category submits the form on change.
	b.open("/categories/clothing", 200)
	ctx2, cancel2 := b.stepCtx()
	// SetValue fires the change event, as a person choosing would.
	_, err := chromedp.RunResponse(ctx2, chromedp.SetValue(chromedp.CSS("#sort"), "price_asc"))
	cancel2()
	if err != nil {
		b.fail("sort", err)
	}
	if got := b.evalString(`location.search`); got != "?sort=price_asc" {
		t.Errorf("after choosing a sort: %q", got)
	}

	// Sign up through the form.
	b.open("/account/signup", 200)
	b.fill(`form[action="/account/signup"]`, "email", "cy@example.com", "first_name", "Cy", "password", "a long shopper password")
	b.click(`form[action="/account/signup"] button[type=submit]`, 200)
	b.wantPath("/account")
	b.wantText("main", "Your account", "Marketing")
}

// evalString evaluates a JavaScript expression (awaiting a promise) to a
// string.
func (b *tab) evalString(js string) string {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.fail("evaluate", err)
	}
	return s
}
