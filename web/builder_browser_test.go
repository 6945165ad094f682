package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wasmart/wasmart/core/design"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/web/api"
)

// TestBrowserShopBuilder: a member of the operations team switches the
// theme, changes colours and logo, adds a hero and a featured collection to
// the home page and reorders them, previews the draft (the live shop is
// unchanged), publishes (the live shop changes) and restores the previous
// version; screenshots of both themes at desktop and phone widths.
func TestBrowserShopBuilder(t *testing.T) {
	chromiumPath(t)
	srv := startServerWithBlobs(t, storetest.SQLite(t))
	const slug = "brand-e2e"
	sh := srv.scaleShop(slug)
	o := sh.Owner
	// A small catalog and a first published design (Grid) to restore to.
	var ids []string
	for i, name := range []string{"Harbour Linen Shirt", "Tangerine Scarf", "Canvas Tote", "Enamel Mug"} {
		b := sampleProduct(name, fmt.Sprintf("BRB-%d", i))
		b.Status = "published"
		var p api.ProductJSON
		o.post("/api/products", b, 201).json(t, &p)
		if r := o.upload("/api/products/"+p.ID+"/images", "image", "p.png", testPNG(600, 600), map[string]string{"alt": name}); r.Status != 201 {
			t.Fatalf("image: %d %s", r.Status, r.Body)
		}
		ids = append(ids, p.ID)
	}
	var col api.CollectionJSON
	o.post("/api/collections", api.CollectionBody{Title: "Spring Picks", Kind: "manual", Published: true}, 201).json(t, &col)
	o.send("PUT", "/api/collections/"+col.ID+"/products", api.CollectionProducts{ProductIDs: ids}, 204)
	var d api.DraftJSON
	o.getJSON("/api/design/draft", &d)
	doc := d.Document
	doc.Templates["home"] = []design.Section{
		{Type: "hero", Settings: design.Settings{"heading": "Welcome to Brand", "subheading": "Everyday things, well made.", "button_label": "Shop now", "button_link": map[string]any{"kind": "search"}}},
		{Type: "product_grid", Settings: design.Settings{"heading": "New in", "limit": 4}},
		{Type: "testimonials", Settings: design.Settings{"heading": "Kind words"}, Blocks: []design.Settings{{"quote": "Lovely quality.", "author": "Ann", "rating": 5}, {"quote": "Fast delivery.", "author": "Bo", "rating": 4}, {"quote": "Will buy again.", "author": "Cy", "rating": 5}}},
		{Type: "newsletter"},
	}
	o.send("PUT", "/api/design/draft", api.DraftBody{Version: d.Version, Document: doc}, 200).json(t, &d)
	o.post("/api/design/publish", api.DesignVersionBody{Version: d.Version}, 200)
	opsEmail := "ops@" + slug + ".example.com"
	srv.staff(sh, opsEmail, "operations")
	shopURL := "http://" + slug + ".localhost:" + srv.Port + "/"

	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	browser := newBrowser(t, ctx)
	shopper := newTab(t, browser, "shopper", srv.URL)
	shopper.open(shopURL, 200)
	shopper.wantText("main", "Welcome to Brand")
	shopper.screenshots("theme-grid")

	ops := newTab(t, browser, "operations", srv.URL)
	ops.login(opsEmail, testPassword)
	ops.click(`aside.sidenav a[href="/console/builder"]`, 200)
	ops.wantText("main h1", "Shop builder")

	// Switch theme.
	ops.do("choose editorial", chromedp.SetValue(chromedp.CSS(`#theme-select`), "editorial"))
	ops.click(`#theme-switch button[type=submit]`, 200)
	ops.wantText("#theme-h", "Editorial")

	// Colours and logo.
	logo := filepath.Join(t.TempDir(), "logo.png")
	if err := os.WriteFile(logo, testPNG(360, 120), 0o644); err != nil {
		t.Fatal(err)
	}
	ops.do("colours", chromedp.SetValue(chromedp.CSS(`#theme-form [name=color_accent]`), "#8a1c4a"),
		chromedp.SetValue(chromedp.CSS(`#theme-form [name=color_background]`), "#fffaf2"))
	ops.do("logo", chromedp.SetUploadFiles(chromedp.CSS(`#theme-form input[name="logo__file"]`), []string{logo}))
	ops.click(`#theme-form button[type=submit]`, 200)
	ops.wantText("p.flash", "")
	if v := ops.value(`#theme-form [name=color_accent]`); v != "#8a1c4a" {
		ops.fail("accent colour", fmt.Errorf("is %q", v))
	}

	// Add a hero, set its heading; add a featured collection.
	ops.do("choose hero", chromedp.SetValue(chromedp.CSS(`#add-type`), "hero"))
	ops.click(`#add-section button[type=submit]`, 200)
	ops.fill(`#section-form`, "heading", "Spring edit", "button_label", "See the picks")
	ops.do("hero link", chromedp.SetValue(chromedp.CSS(`#section-form [name=button_link]`), "collection:"+col.ID))
	ops.click(`#section-form button[type=submit]`, 200)
	ops.do("choose featured", chromedp.SetValue(chromedp.CSS(`#add-type`), "featured_collection"))
	ops.click(`#add-section button[type=submit]`, 200)
	ops.wantText(`#section-list`, "Featured collection", "Spring edit")
	order := func() string {
		return strings.Join(ops.attrs(`#section-list li[data-type]`, "data-type"), ",")
	}
	if got := order(); !strings.HasSuffix(got, "hero,featured_collection") {
		ops.fail("order", fmt.Errorf("%s", got))
	}
	// Reorder: the featured collection goes above the hero, then to the top.
	for i := 0; i < 5 && !strings.HasPrefix(order(), "featured_collection"); i++ {
		ops.click(`#section-list li[data-type=featured_collection] button.move-up`, 200)
	}
	if got := order(); !strings.HasPrefix(got, "featured_collection") || strings.Index(got, "featured_collection") > strings.Index(got, ",hero") {
		ops.fail("reorder", fmt.Errorf("%s", got))
	}
	ops.screenshot("builder-01-console.png")

	// Preview shows the draft; the live shop is unchanged.
	ops.open("/console/builder/preview/", 200)
	ops.wantText("main", "Spring edit", "Spring Picks")
	ops.wantText(".preview-bar", "Preview")
	if cls := ops.attr("body", "class"); !strings.Contains(cls, "theme-editorial") {
		ops.fail("preview theme", fmt.Errorf("body class %q", cls))
	}
	ops.screenshot("builder-02-preview.png")
	shopper.open(shopURL, 200)
	if body := shopper.text("main"); strings.Contains(body, "Spring edit") || !strings.Contains(body, "Welcome to Brand") {
		shopper.fail("live shop during preview", fmt.Errorf("shows %q", body[:min(len(body), 200)]))
	}

	// Publish: the live shop changes.
	ops.open("/console/builder", 200)
	ops.click(`#publish`, 200)
	shopper.open(shopURL, 200)
	shopper.wantText("main", "Spring edit", "Spring Picks")
	if cls := shopper.attr("body", "class"); !strings.Contains(cls, "theme-editorial") {
		shopper.fail("published theme", fmt.Errorf("body class %q", cls))
	}
	if src := shopper.attr(".site-header img.logo", "src"); !strings.HasPrefix(src, "/brand/") {
		shopper.fail("logo", fmt.Errorf("src %q", src))
	}
	accent, err := chromedp.Run(shopper.ctx, chromedp.Evaluate[string](`getComputedStyle(document.documentElement).getPropertyValue('--c-accent').trim()`))
	if err != nil || accent != "#8a1c4a" {
		shopper.fail("accent variable", fmt.Errorf("%q %v", accent, err))
	}
	shopper.screenshots("theme-editorial")

	// Restore the previous version (Grid).
	ops.open("/console/builder", 200)
	ops.click(`button.restore[data-number="1"]`, 200)
	shopper.open(shopURL, 200)
	shopper.wantText("main", "Welcome to Brand")
	if cls := shopper.attr("body", "class"); !strings.Contains(cls, "theme-grid") {
		shopper.fail("restored theme", fmt.Errorf("body class %q", cls))
	}
	if strings.Contains(shopper.text("main"), "Spring edit") {
		shopper.fail("restored content", fmt.Errorf("still shows the new hero"))
	}
}

// attrs is an attribute of every element sel selects.
func (b *tab) attrs(sel, name string) []string {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	js := fmt.Sprintf(`Array.from(document.querySelectorAll(%q), e => e.getAttribute(%q) || "")`, sel, name)
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](js))
	if err != nil {
		b.fail("attributes of "+sel, err)
	}
	return out
}

// screenshots saves the current page at desktop (1280 px) and phone
// (390 px) widths as <prefix>-desktop.png and <prefix>-phone.png.
func (b *tab) screenshots(prefix string) {
	b.t.Helper()
	b.do("desktop width", chromedp.EmulateViewport(1280, 900), chromedp.Reload())
	b.screenshot(prefix + "-desktop.png")
	b.do("phone width", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Reload())
	b.screenshot(prefix + "-phone.png")
	b.do("back to desktop", chromedp.EmulateViewport(1280, 900), chromedp.Reload())
}
