package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// shots saves a screenshot of the page at desktop width and at a phone's
// (390 px, the layout's narrow breakpoint), as name-desktop.png and
// name-phone.png.
func (b *tab) shots(name string) {
	b.t.Helper()
	b.do("desktop viewport", chromedp.EmulateViewport(1280, 900))
	b.screenshot(name + "-desktop.png")
	b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	b.screenshot(name + "-phone.png")
	b.do("desktop viewport", chromedp.EmulateViewport(1280, 900))
}

// TestBrowserShopPurchase: a shopper buys two variants through the
// storefront's own pages in Chromium: the product page's form (the
// variant picker's script switches what it adds), the cart (a quantity
// changed), the checkout form with the test card, and the confirmation;
// totals are checked on each page, and screenshots of cart, checkout and
// confirmation are taken at desktop and phone widths.
func TestBrowserShopPurchase(t *testing.T) {
	chromiumPath(t)
	srv, _ := startCommerceServer(t, storetest.SQLite(t))
	s := newTestShop(t, srv, "atelier")
	_, small, medium := s.tee(t, 5, 5)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	b := newTab(t, newBrowser(t, ctx), "shopper", s.buyer(t).base)

	// One S from the product page, then M after switching the picker (the
	// script updates the form in place, no reload).
	b.open("/products/linen-tee", 200)
	if v := b.value(`#add-to-cart [name=variant_id]`); v != small {
		b.fail("add-to-cart variant", fmt.Errorf("%q, want S %q", v, small))
	}
	b.click(`#add-to-cart button[type=submit]`, 200)
	b.wantPath("/cart")
	b.wantText("p.flash", "Added to your cart")
	b.wantText("header", "Cart")
	b.open("/products/linen-tee", 200)
	b.evalString(fmt.Sprintf(`(() => { const s = document.querySelector('[data-variant-select]'); s.value = %q; s.dispatchEvent(new Event('change', {bubbles: true})); return '' })()`, medium))
	if v := b.value(`#add-to-cart [name=variant_id]`); v != medium {
		b.fail("add-to-cart variant after picking M", fmt.Errorf("%q", v))
	}
	b.click(`#add-to-cart button[type=submit]`, 200)

	// The cart: two lines; S raised to 2.
	b.wantText("#cart-lines", "Linen Tee", "S", "M", "20.00 EUR", "22.00 EUR")
	b.fill(`#cart-form`, "qty_"+small, "2")
	b.click(`#cart-form button[name=update]`, 200)
	b.wantText("p.flash", "Your cart is updated")
	b.wantText("#totals", "Subtotal", "62.00 EUR", "Includes TVA 20%", "by shop")
	b.wantText("#total", "62.00 EUR")
	b.shots("purchase-01-cart")

	// Checkout: address, the one delivery option, the test card.
	b.click(`#to-checkout`, 200)
	b.wantPath("/checkout")
	b.wantText("#delivery", "Colissimo", "4.90 EUR")
	b.wantText("aside.summary #total", "66.90 EUR")
	b.fill(`#checkout-form`, "email", "eva@example.com", "shipping_address.name", "Eva Martin", "shipping_address.line1", "1 rue de Rivoli",
		"shipping_address.postal_code", "75001", "shipping_address.city", "Paris", "card", "4242 4242 4242 4242")
	b.shots("purchase-02-checkout")
	// A forgotten city comes back next to its field, with what was typed.
	b.evalString(`(() => { document.querySelector('[name="shipping_address.city"]').value = ''; return '' })()`)
	b.click(`#place-order`, 400)
	b.wantText("#err-shipping_address-city", "required")
	if v := b.value(`[name="shipping_address.line1"]`); v != "1 rue de Rivoli" {
		b.fail("kept address", fmt.Errorf("%q", v))
	}
	b.fill(`#checkout-form`, "shipping_address.city", "Paris", "card", "4242 4242 4242 4242")
	// An impatient double click (the browser may send the form twice)
	// still makes one order.
	ctx2, cancel2 := b.stepCtx()
	resp, err := chromedp.RunResponse(ctx2, chromedp.DoubleClick(chromedp.CSS(`#place-order`)))
	cancel2()
	b.checkResponse("double click on Place order", resp, err, 200)

	// Confirmation: number, paid, totals.
	if p := b.path(); !strings.HasPrefix(p, "/orders/") {
		b.fail("after placing", fmt.Errorf("on %s", p))
	}
	b.wantText("#thanks", "Thank you", "#1001", "eva@example.com")
	b.wantText("#payment-status", "Paid", "Card ending 4242", "66.90 EUR")
	b.wantText("#order-lines", "Linen Tee", "40.00 EUR", "22.00 EUR")
	b.wantText("#totals", "Colissimo", "4.90 EUR", "66.90 EUR")
	b.shots("purchase-03-confirmation")

	if n := s.orderCount(t); n != 1 {
		t.Fatalf("%d orders", n)
	}
	var pg order.Page
	s.Owner.getJSON("/api/orders", &pg)
	if o := pg.Orders[0]; o.Total != 6690 || o.Status != order.Paid || o.PaidTotal != 6690 {
		t.Fatalf("order %s total %d paid %d", o.Status, o.Total, o.PaidTotal)
	}
	if a, _, _ := s.available(t, small); a != 3 {
		t.Fatalf("S available %d, want 3", a)
	}
}
