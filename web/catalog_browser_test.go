package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// TestBrowserProductReviewToStorefront: an operations staff member (no
// publish permission) creates a product with 2 options and 4 variants in
// the console, uploads an image and submits it for review; the owner
// approves it; the product is then on the storefront with its JSON-LD and
// in the sitemap.
func TestBrowserProductReviewToStorefront(t *testing.T) {
	chromiumPath(t)
	srv := startServerWithBlobs(t, storetest.SQLite(t))
	const slug = "shirts-e2e"
	sh := srv.scaleShop(slug)
	opsEmail := "ops@" + slug + ".example.com"
	srv.staff(sh, opsEmail, "operations")

	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	browser := newBrowser(t, ctx)

	// 1. Operations creates the product: 2 options, 4 variants.
	ops := newTab(t, browser, "operations", srv.URL)
	ops.login(opsEmail, testPassword)
	ops.wantPath("/console")
	ops.click(`aside.sidenav a[href="/console/products"]`, 200)
	ops.click(`#new-product`, 200)
	ops.wantText("main h1", "New product")
	form := `#product-form`
	ops.fill(form, "title", "Harbour Linen Shirt", "vendor", "Tangerine Mills", "tags", "linen, summer",
		"option1", "Size", "option2", "Colour")
	evalCtx, evalCancel := context.WithTimeout(ops.ctx, stepTimeout)
	_, err := chromedp.Run(evalCtx, chromedp.Evaluate[bool](`(() => {
		document.querySelector('#product-form [name=body_html]').value = '<p>Breathable <strong>linen</strong>.</p><script>alert(1)</script>';
		document.querySelector('#product-form [name=seo_description]').value = 'A breathable linen shirt.';
		const rows = [["S","Sand"],["S","Navy"],["M","Sand"],["M","Navy"]];
		const set = (n, i, v) => { document.querySelectorAll('#product-form [name=' + n + ']')[i].value = v; };
		rows.forEach((r, i) => { set('v_opt1', i, r[0]); set('v_opt2', i, r[1]); set('v_sku', i, 'HLS-' + r[0] + '-' + r[1]); set('v_price', i, i < 2 ? '39.90' : '42.50'); set('v_safety', i, '2'); });
		return true; })()`))
	evalCancel()
	if err != nil {
		ops.fail("description and variants", err)
	}
	ops.screenshot("catalog-01-new-product.png")
	ops.click(`#save`, 200)
	ops.wantText("#status", "draft")
	productPath := ops.path()
	if !strings.HasPrefix(productPath, "/console/products/") {
		ops.fail("after create", fmt.Errorf("on %s", productPath))
	}
	if n := len(ops.texts(`table.variants input[name=v_id][value]:not([value=""])`)); n != 4 {
		ops.fail("variants", fmt.Errorf("%d saved, want 4", n))
	}

	// 2. Upload an image; the page shows its rendition.
	img := filepath.Join(t.TempDir(), "shirt.png")
	if err := os.WriteFile(img, testPNG(1000, 1200), 0o644); err != nil {
		t.Fatal(err)
	}
	ops.fill(`#image-form`, "alt", "Harbour shirt, front")
	ops.do("choose image", chromedp.SetUploadFiles(`#image-file`, []string{img}))
	ops.click(`#upload`, 200)
	ops.do("image shown", chromedp.WaitVisible(chromedp.CSS(`section img[alt="Harbour shirt, front"]`)))
	// 3. No publish button for operations; submit for review.
	if n := len(ops.texts(`#publish, #approve`)); n != 0 {
		ops.fail("publish controls", fmt.Errorf("operations sees %d publish buttons", n))
	}
	ops.fill(`form[action$="/submit"]`, "comment", "Ready: 4 variants, photo attached")
	ops.click(`#submit-review`, 200)
	ops.wantText("#status", "in_review")
	ops.wantText("main", "Waiting for a reviewer")
	ops.screenshot("catalog-02-submitted.png")

	// 4. The owner approves it.
	owner := newTab(t, browser, "owner", srv.URL)
	owner.login(sh.OwnerEmail, testPassword)
	owner.open("/console/products?status=in_review", 200)
	owner.wantText("main table", "Harbour Linen Shirt")
	owner.click(`main table a[href="`+productPath+`"]`, 200)
	owner.wantText("main", "Ready: 4 variants, photo attached")
	owner.fill(`form[action$="/approve"]`, "comment", "Looks good")
	owner.click(`#approve`, 200)
	owner.wantText("#status", "published")
	owner.wantText("main ol.reviews", "in_review → published", "Looks good")
	owner.screenshot("catalog-03-approved.png")
	shopURL := owner.attr(`main a[href*="/products/"][target=_blank]`, "href")

	// 5. The product on the storefront, its JSON-LD and sitemap entry.
	shopper := newTab(t, browser, "shopper", srv.URL)
	shopper.open(shopURL, 200)
	shopper.wantText("body", "Harbour Linen Shirt", "39.90")
	shopper.screenshot("catalog-04-storefront.png")
	ctx2, c2 := context.WithTimeout(shopper.ctx, 5*time.Second)
	lds, err := chromedp.Run(ctx2, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('script[type="application/ld+json"]'), e => e.textContent)`))
	c2()
	if err != nil {
		shopper.fail("JSON-LD", err)
	}
	var product map[string]any
	breadcrumbs := false
	for _, raw := range lds {
		var docs []map[string]any
		var one map[string]any
		if json.Unmarshal([]byte(raw), &one) == nil {
			docs = append(docs, one)
			if g, ok := one["@graph"].([]any); ok {
				for _, x := range g {
					if m, ok := x.(map[string]any); ok {
						docs = append(docs, m)
					}
				}
			}
		} else {
			json.Unmarshal([]byte(raw), &docs)
		}
		for _, d := range docs {
			switch d["@type"] {
			case "Product":
				product = d
			case "BreadcrumbList":
				breadcrumbs = true
			}
		}
	}
	if product == nil || !breadcrumbs {
		shopper.fail("JSON-LD", fmt.Errorf("no Product and BreadcrumbList in %q", lds))
	}
	ld, _ := json.Marshal(product)
	for _, want := range []string{`"name":"Harbour Linen Shirt"`, `"Offer"`, `HLS-M-Navy`, `"priceCurrency":"EUR"`, `42.5`, `"image"`} {
		if !strings.Contains(string(ld), want) {
			shopper.fail("JSON-LD Product", fmt.Errorf("lacks %s: %s", want, ld))
		}
	}
	if strings.Contains(shopper.text("body"), "alert(1)") {
		shopper.fail("description", fmt.Errorf("script shown"))
	}
	handle := shopURL[strings.LastIndex(shopURL, "/products/")+len("/products/"):]
	if !sitemapHas(t, srv, slug, "/products/"+handle) {
		t.Fatalf("sitemap.xml has no entry for /products/%s", handle)
	}
}

var locRe = regexp.MustCompile(`<loc>([^<]+)</loc>`)

// sitemapHas reports whether the shop's sitemap (or a child of its index)
// lists a URL ending in path.
func sitemapHas(t *testing.T, srv *testServer, slug, path string) bool {
	t.Helper()
	host := slug + ".localhost:" + srv.Port
	get := func(u string) string {
		u = strings.Replace(strings.Replace(u, "https://", "http://", 1), "http://"+host, "http://127.0.0.1:"+srv.Port, 1)
		req, _ := http.NewRequest("GET", u, nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
		}
		return string(b)
	}
	body := get("http://" + host + "/sitemap.xml")
	docs := []string{body}
	if strings.Contains(body, "<sitemapindex") {
		for _, m := range locRe.FindAllStringSubmatch(body, -1) {
			docs = append(docs, get(m[1]))
		}
	}
	for _, d := range docs {
		for _, m := range locRe.FindAllStringSubmatch(d, -1) {
			if strings.HasSuffix(m[1], path) {
				return true
			}
		}
	}
	return false
}
