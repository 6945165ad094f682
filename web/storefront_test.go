package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/cmd/wasmart/wire"
	"github.com/wasmart/wasmart/core/blob"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/inventory"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/web"
)

// shopEnv is a running server with one signed-up shop and direct access to
// its catalog and stock (for seeding).
type shopEnv struct {
	t     testing.TB
	srv   *testServer
	shop  shop
	ctx   context.Context // the shop's tenant, a staff actor
	cat   *catalog.Service
	inv   *inventory.Service
	blobs blob.Store
}

func startShop(t testing.TB, db *store.DB, slug string, tweak func(*web.Config)) *shopEnv {
	t.Helper()
	blobs, err := blob.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s, _ := launch(t, db, serverSetup{wire: func(o *wire.Options) { o.Blobs = blobs }, cfg: tweak})
	cat, inv := s.Services.Catalog, s.Services.Inventory
	sh := s.signup(slug)
	actx := tenancy.WithActor(tenancy.WithTenant(context.Background(), sh.ID), tenancy.Actor{Kind: "staff", ID: sh.OwnerID, Name: "Owner"})
	return &shopEnv{t: t, srv: s, shop: sh, ctx: actx, cat: cat, inv: inv, blobs: blobs}
}

// shopClient talks to a shop's host (slug.localhost:port, dialled on
// 127.0.0.1) with its own cookie jar, as a browser would.
type shopClient struct {
	t    testing.TB
	base string
	http *http.Client
}

func (e *shopEnv) client() *shopClient {
	return e.clientFor(e.shop.Slug)
}

func (e *shopEnv) clientFor(slug string) *shopClient {
	jar, _ := cookiejar.New(nil)
	addr := "127.0.0.1:" + e.srv.Port
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	e.t.Cleanup(tr.CloseIdleConnections)
	return &shopClient{t: e.t, base: "http://" + slug + ".localhost:" + e.srv.Port, http: &http.Client{Jar: jar, Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *shopClient) do(method, path string, body io.Reader, hdr map[string]string) response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Body: string(b), Header: resp.Header}
}

func (c *shopClient) get(path string) response {
	c.t.Helper()
	return c.do("GET", path, nil, nil)
}

func (c *shopClient) cookie(name string) string {
	u, _ := url.Parse(c.base)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// post sends a form with the CSRF token, as the page's form would.
func (c *shopClient) post(path string, form url.Values) response {
	c.t.Helper()
	if c.cookie("wsm_csrf") == "" {
		c.get("/account/login")
	}
	form.Set("_csrf", c.cookie("wsm_csrf"))
	return c.do("POST", path, strings.NewReader(form.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

func must[T any](t testing.TB) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func pngBytes(t testing.TB, w, h int, c color.Color) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// fixture is a small catalog: a category tree, a featured collection, a
// product with two options and four variants in different stock states,
// an uploaded image, and a draft.
type fixture struct {
	clothing, shirts *catalog.Category
	summer           *catalog.Collection
	shirt, cap, hat  *catalog.Product
	draft            *catalog.Product
}

func (e *shopEnv) seed() fixture {
	t, ctx := e.t, e.ctx
	var f fixture
	f.clothing = must[*catalog.Category](t)(e.cat.CreateCategory(ctx, catalog.CategoryInput{Name: "Clothing", Description: "Things to wear"}))
	f.shirts = must[*catalog.Category](t)(e.cat.CreateCategory(ctx, catalog.CategoryInput{Name: "Shirts", ParentID: f.clothing.ID}))
	in := catalog.ProductInput{Title: "Linen Shirt", Vendor: "Acme", ProductType: "Shirt", CategoryID: f.shirts.ID, Tags: []string{"summer", "linen"},
		BodyHTML: "<p>Soft <b>linen</b> shirt.</p><script>alert(1)</script>", Options: []string{"Size", "Color"}, Status: catalog.Published, Currency: "EUR",
		SEODescription: "A soft linen shirt for hot days."}
	for i, o := range [][2]string{{"S", "Red"}, {"S", "Blue"}, {"M", "Red"}, {"M", "Blue"}} {
		vi := catalog.VariantInput{SKU: "LIN-" + o[0] + "-" + o[1], Options: [3]string{o[0], o[1]}, Price: 4900 + int64(i)*100, SafetyStock: 2}
		if i == 3 {
			vi.AllowBackorder = true
		}
		in.Variants = append(in.Variants, vi)
	}
	cmp := int64(6900)
	in.Variants[0].CompareAtPrice = &cmp
	f.shirt = must[*catalog.Product](t)(e.cat.Create(ctx, in))
	// S/Red 50 (in stock), S/Blue 3 (low), M/Red 0 (out), M/Blue 0 + backorder.
	must[struct{}](t)(struct{}{}, e.inv.Receive(ctx, f.shirt.Variants[0].ID, "", 50, "po-1"))
	must[struct{}](t)(struct{}{}, e.inv.Receive(ctx, f.shirt.Variants[1].ID, "", 3, "po-1"))
	must[*catalog.Image](t)(e.cat.AddImage(ctx, f.shirt.ID, bytes.NewReader(pngBytes(t, 1000, 1200, color.RGBA{200, 80, 60, 255})), "", "Red linen shirt"))
	f.cap = must[*catalog.Product](t)(e.cat.Create(ctx, catalog.ProductInput{Title: "Canvas Cap", Vendor: "Acme", CategoryID: f.clothing.ID, Tags: []string{"summer"}, Status: catalog.Published, Currency: "EUR",
		Variants: []catalog.VariantInput{{SKU: "CAP-1", Price: 1900}}}))
	must[struct{}](t)(struct{}{}, e.inv.Receive(ctx, f.cap.Variants[0].ID, "", 10, "po-1"))
	f.hat = must[*catalog.Product](t)(e.cat.Create(ctx, catalog.ProductInput{Title: "Straw Hat", Vendor: "Sunny", Status: catalog.Published, Currency: "EUR",
		Variants: []catalog.VariantInput{{SKU: "HAT-1", Price: 2500}}}))
	f.draft = must[*catalog.Product](t)(e.cat.Create(ctx, catalog.ProductInput{Title: "Secret Jacket", CategoryID: f.shirts.ID,
		Variants: []catalog.VariantInput{{SKU: "JAC-1", Price: 9900}}}))
	f.summer = must[*catalog.Collection](t)(e.cat.CreateCollection(ctx, catalog.CollectionInput{Title: "Summer", Kind: catalog.Manual, Published: true, Featured: true,
		BodyHTML: "<p>Light things for <em>warm</em> days.</p>"}))
	must[struct{}](t)(struct{}{}, e.cat.SetCollectionProducts(ctx, f.summer.ID, []string{f.shirt.ID, f.cap.ID}))
	e.srv.Server.InvalidateShop(e.shop.ID)
	// Reload the shirt with its image.
	f.shirt = must[*catalog.Product](t)(e.cat.Get(ctx, f.shirt.ID))
	return f
}

var ldRe = regexp.MustCompile(`(?s)<script type="application/ld\+json">(.*?)</script>`)

func jsonLD(t testing.TB, body string) []map[string]any {
	t.Helper()
	m := ldRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no JSON-LD in page")
	}
	var out []map[string]any
	if strings.HasPrefix(strings.TrimSpace(m[1]), "[") {
		if err := json.Unmarshal([]byte(m[1]), &out); err != nil {
			t.Fatalf("JSON-LD %s: %v", m[1], err)
		}
		return out
	}
	var one map[string]any
	if err := json.Unmarshal([]byte(m[1]), &one); err != nil {
		t.Fatalf("JSON-LD %s: %v", m[1], err)
	}
	return []map[string]any{one}
}

func wantPage(t testing.TB, r response, status int, contains ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %.600s", r.Status, status, r.Body)
	}
	for _, s := range contains {
		if !strings.Contains(r.Body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
}

var imgRe = regexp.MustCompile(`<img [^>]*>`)

func TestStorefrontPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := startShop(t, db, "sunny", nil)
		f := e.seed()
		c := e.client()
		base := c.base

		// Home: the featured collection with its products, head tags.
		r := c.get("/")
		wantPage(t, r, 200, "<title>Shop sunny</title>", `<link rel="canonical" href="`+base+`/">`, `property="og:title"`,
			`href="/collections/summer"`, "Linen Shirt", "Canvas Cap", `href="/categories/clothing"`, `<meta name="description"`)
		if strings.Contains(r.Body, "Secret Jacket") {
			t.Error("home lists a draft")
		}
		if r.Header.Get("ETag") == "" || r.Header.Get("Last-Modified") == "" {
			t.Errorf("home has no validators: %v", r.Header)
		}

		// Category page includes the subcategory's products; breadcrumbs.
		r = c.get("/categories/clothing")
		wantPage(t, r, 200, "<h1>Clothing</h1>", "Linen Shirt", "Canvas Cap", `href="/categories/shirts"`, `"BreadcrumbList"`, `<link rel="canonical" href="`+base+`/categories/clothing">`)
		if strings.Contains(r.Body, "Straw Hat") || strings.Contains(r.Body, "Secret Jacket") {
			t.Error("category page lists a product outside it or a draft")
		}
		for _, img := range imgRe.FindAllString(r.Body, -1) {
			if !strings.Contains(img, `loading="lazy"`) || !strings.Contains(img, `width="`) || !strings.Contains(img, `height="`) {
				t.Errorf("list image without lazy loading or size: %s", img)
			}
		}
		r = c.get("/categories/shirts")
		wantPage(t, r, 200, "Linen Shirt", `<a href="/categories/clothing">Clothing</a>`)

		// Collection page (manual order) with its sanitised description.
		r = c.get("/collections/summer")
		wantPage(t, r, 200, "<h1>Summer</h1>", "<em>warm</em>", "Linen Shirt", "Canvas Cap")
		if strings.Index(r.Body, "Linen Shirt") > strings.Index(r.Body, "Canvas Cap") {
			t.Error("manual collection order not kept")
		}
		wantPage(t, c.get("/collections"), 200, `href="/collections/summer"`)

		// Product page: picker, stock state, SEO, JSON-LD.
		r = c.get("/products/linen-shirt")
		wantPage(t, r, 200, "<h1>Linen Shirt</h1>", `<select id="variant" name="variant"`, "S / Red", "M / Blue",
			"49.00 EUR", "69.00 EUR", "In stock", `<meta name="description" content="A soft linen shirt for hot days.">`,
			`<link rel="canonical" href="`+base+`/products/linen-shirt">`, `<meta property="og:type" content="product">`,
			`<meta property="og:image" content="`+base+`/media/`, "(out of stock)", "<b>linen</b>")
		if strings.Contains(r.Body, "alert(1)") {
			t.Error("script from the description reached the page")
		}
		ld := jsonLD(t, r.Body)
		if len(ld) != 2 || ld[0]["@type"] != "Product" || ld[1]["@type"] != "BreadcrumbList" {
			t.Fatalf("JSON-LD: %v", ld)
		}
		offers := ld[0]["offers"].(map[string]any)
		if offers["@type"] != "AggregateOffer" || offers["lowPrice"] != "49.00" || offers["highPrice"] != "52.00" || offers["priceCurrency"] != "EUR" {
			t.Errorf("offers: %v", offers)
		}
		list := offers["offers"].([]any)
		avail := map[string]string{}
		for _, o := range list {
			om := o.(map[string]any)
			avail[om["sku"].(string)] = om["availability"].(string)
		}
		want := map[string]string{"LIN-S-Red": "https://schema.org/InStock", "LIN-S-Blue": "https://schema.org/LimitedAvailability",
			"LIN-M-Red": "https://schema.org/OutOfStock", "LIN-M-Blue": "https://schema.org/BackOrder"}
		for k, v := range want {
			if avail[k] != v {
				t.Errorf("offer %s availability %q, want %q", k, avail[k], v)
			}
		}
		items := ld[1]["itemListElement"].([]any)
		if len(items) != 4 || items[3].(map[string]any)["name"] != "Linen Shirt" || items[1].(map[string]any)["item"] != base+"/categories/clothing" {
			t.Errorf("breadcrumbs: %v", items)
		}
		// The picker without JS: ?variant= selects, and shows its state.
		for i, label := range []string{"In stock", "Only 3 left", "Out of stock", "Available on backorder"} {
			r = c.get("/products/linen-shirt?variant=" + f.shirt.Variants[i].ID)
			wantPage(t, r, 200, `<option value="`+f.shirt.Variants[i].ID+`" selected>`, label)
		}
		// Images: first eager with size, others lazy; media served with long cache.
		imgs := imgRe.FindAllString(r.Body, -1)
		if len(imgs) == 0 || !strings.Contains(imgs[0], `width="800"`) || !strings.Contains(imgs[0], `height="960"`) {
			t.Fatalf("product image: %v", imgs)
		}
		src := regexp.MustCompile(`src="([^"]+)"`).FindStringSubmatch(imgs[0])[1]
		m := c.get(src)
		if m.Status != 200 || m.Header.Get("Content-Type") != "image/png" || !strings.Contains(m.Header.Get("Cache-Control"), "max-age=31536000") {
			t.Fatalf("media %s: %d %v", src, m.Status, m.Header)
		}
		if r := c.do("GET", src, nil, map[string]string{"If-None-Match": m.Header.Get("ETag")}); r.Status != 304 {
			t.Errorf("media revalidation: %d", r.Status)
		}
		// Other blobs of the shop (import files) are not media.
		must[blob.Info](t)(e.blobs.Put(e.ctx, e.shop.ID+"/imports/x.csv", strings.NewReader("secret"), "text/csv"))
		if r := c.get("/media/" + e.shop.ID + "/imports/x.csv"); r.Status != 404 {
			t.Errorf("import file served as media: %d", r.Status)
		}
		// Another shop's media key is not served here.
		if r := c.get("/media/" + strings.Replace(strings.TrimPrefix(src, "/media/"), e.shop.ID, "someone-else", 1)); r.Status != 404 {
			t.Errorf("foreign media key: %d", r.Status)
		}

		// Drafts and unknown slugs: 404 in the shop's look.
		for _, p := range []string{"/products/secret-jacket", "/products/nope", "/categories/nope", "/collections/nope", "/nowhere"} {
			r := c.get(p)
			wantPage(t, r, 404, "Shop sunny", `href="/categories/clothing"`, "/assets/shop.css")
		}

		// Search by name, SKU and tag; filters; bad parameters are 400 naming the field.
		wantPage(t, c.get("/search?q=linen"), 200, "Linen Shirt", `<meta name="robots" content="noindex">`)
		wantPage(t, c.get("/search?q=LIN-M"), 200, "Linen Shirt")
		r = c.get("/search?tag=summer&sort=price_asc")
		wantPage(t, r, 200, "Linen Shirt", "Canvas Cap")
		if strings.Index(r.Body, "Canvas Cap") > strings.Index(r.Body, "Linen Shirt") {
			t.Error("price_asc order")
		}
		r = c.get("/search?q=hat&vendor=Sunny&min_price=20&max_price=30")
		wantPage(t, r, 200, "Straw Hat")
		r = c.get("/search?q=hat&max_price=10")
		wantPage(t, r, 200, "Nothing matches")
		wantPage(t, c.get("/search?category=shirts&q=shirt"), 200, "Linen Shirt")
		for q, field := range map[string]string{
			"sort=cheapest":                 "sort",
			"q=a&min_price=abc":             "min_price",
			"q=a&max_price=-5":              "max_price",
			"q=a&min_price=9&max_price=1":   "max_price",
			"q=a&after=garbage!!":           "after",
			"q=" + strings.Repeat("x", 201): "q",
			"category=nope":                 "category",
			"q=a&min_price=1.234":           "min_price",
		} {
			r := c.get("/search?" + q)
			if r.Status != 400 || !strings.Contains(r.Body, "("+field+")") || !strings.Contains(r.Body, "Shop sunny") {
				t.Errorf("search ?%s: %d, want 400 naming %s: %.300s", q, r.Status, field, r.Body)
			}
		}
		if r := c.get("/categories/clothing?sort=bogus"); r.Status != 400 {
			t.Errorf("bad sort on category: %d", r.Status)
		}

		// Sitemap and robots.
		r = c.get("/sitemap.xml")
		wantPage(t, r, 200, "<urlset", base+"/products/linen-shirt", base+"/collections/summer", base+"/categories/shirts", base+"/")
		if strings.Contains(r.Body, "secret-jacket") {
			t.Error("sitemap lists a draft")
		}
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/xml") {
			t.Errorf("sitemap type %q", r.Header.Get("Content-Type"))
		}
		if r := c.do("HEAD", "/products/linen-shirt", nil, nil); r.Status != 200 || r.Header.Get("ETag") == "" || r.Body != "" {
			t.Errorf("HEAD product page: %d %v", r.Status, r.Header)
		}
		wantPage(t, c.get("/robots.txt"), 200, "Sitemap: "+base+"/sitemap.xml", "Disallow: /account")

		// Conditional GETs: 304 on ETag and on Last-Modified.
		r = c.get("/products/linen-shirt")
		etag, lm := r.Header.Get("ETag"), r.Header.Get("Last-Modified")
		if r := c.do("GET", "/products/linen-shirt", nil, map[string]string{"If-None-Match": etag}); r.Status != 304 || r.Body != "" {
			t.Errorf("If-None-Match: %d", r.Status)
		}
		if r := c.do("GET", "/products/linen-shirt", nil, map[string]string{"If-Modified-Since": lm}); r.Status != 304 {
			t.Errorf("If-Modified-Since: %d", r.Status)
		}
		if r := c.do("GET", "/products/linen-shirt", nil, map[string]string{"If-None-Match": `"other"`}); r.Status != 200 {
			t.Errorf("stale If-None-Match: %d", r.Status)
		}

		// A new handle: the old URL answers 301, the page and ETag change.
		in := productInput(f.shirt)
		in.Handle = "linen-shirt-classic"
		in.Title = "Classic Linen Shirt"
		must[*catalog.Product](t)(e.cat.Update(e.ctx, f.shirt.ID, f.shirt.Version, in))
		e.srv.Server.InvalidateShop(e.shop.ID)
		r = c.get("/products/linen-shirt?variant=" + f.shirt.Variants[1].ID)
		if r.Status != 301 || r.Header.Get("Location") != "/products/linen-shirt-classic?variant="+f.shirt.Variants[1].ID {
			t.Fatalf("old handle: %d %q", r.Status, r.Header.Get("Location"))
		}
		r = c.do("GET", "/products/linen-shirt-classic", nil, map[string]string{"If-None-Match": etag})
		wantPage(t, r, 200, "Classic Linen Shirt")

		// A stock change made elsewhere shows after the recheck interval,
		// and drops only the pages showing that product.
		shirtURL := "/products/linen-shirt-classic?variant=" + f.shirt.Variants[2].ID
		wantPage(t, c.get(shirtURL), 200, "Out of stock")
		hat := c.get("/products/straw-hat")
		wantPage(t, hat, 200, "Straw Hat")
		hatShowsShirt := strings.Contains(hat.Body, `href="/products/linen-shirt-classic"`) // among its recommendations
		wantPage(t, c.get("/search?q=hat"), 200, "Straw Hat")
		wantPage(t, c.get("/collections/summer"), 200)
		must[struct{}](t)(struct{}{}, e.inv.Receive(e.ctx, f.shirt.Variants[2].ID, "", 40, "po-2"))
		time.Sleep(1100 * time.Millisecond)
		c.get("/robots.txt") // any request runs the check
		cachedPaths := web.CachedPaths(e.srv.Server, e.shop.ID)
		if !cachedPaths["/search?q=hat"] || cachedPaths[shirtURL] || cachedPaths["/collections/summer"] || cachedPaths["/products/straw-hat"] == hatShowsShirt {
			t.Errorf("after a stock change of the shirt, cached: %v", cachedPaths)
		}
		wantPage(t, c.get(shirtURL), 200, "In stock")

		// Another shop's host serves its own (empty) catalog.
		other := e.srv.signup("rainy")
		oc := e.clientFor(other.Slug)
		wantPage(t, oc.get("/"), 200, "Shop rainy", "catalogue is on its way")
		if r := oc.get("/products/linen-shirt-classic"); r.Status != 404 {
			t.Errorf("other shop shows this shop's product: %d", r.Status)
		}
		// Unknown shop host.
		if r := e.clientFor("ghost").get("/"); r.Status != 404 {
			t.Errorf("unknown shop: %d", r.Status)
		}
	})
}

func productInput(p *catalog.Product) catalog.ProductInput {
	in := catalog.ProductInput{Handle: p.Handle, Title: p.Title, BodyHTML: p.BodyHTML, Vendor: p.Vendor, ProductType: p.ProductType, CategoryID: p.CategoryID,
		Role: p.Role, SEOTitle: p.SEOTitle, SEODescription: p.SEODescription, Currency: p.Currency, Tags: p.Tags}
	for _, o := range p.Options {
		in.Options = append(in.Options, o.Name)
	}
	for _, v := range p.Variants {
		in.Variants = append(in.Variants, catalog.VariantInput{ID: v.ID, SKU: v.SKU, Barcode: v.Barcode, Options: v.Options, Price: v.Price,
			CompareAtPrice: v.CompareAtPrice, AllowBackorder: v.AllowBackorder, SafetyStock: v.SafetyStock})
	}
	return in
}

func TestStorefrontSitemapIndex(t *testing.T) {
	defer web.SetSitemapMax(3)()
	db := storetest.SQLite(t)
	e := startShop(t, db, "big", nil)
	for i := 0; i < 7; i++ {
		must[*catalog.Product](t)(e.cat.Create(e.ctx, catalog.ProductInput{Title: fmt.Sprintf("Thing %d", i), Status: catalog.Published,
			Variants: []catalog.VariantInput{{SKU: fmt.Sprintf("T-%d", i), Price: 100}}}))
	}
	e.srv.Server.InvalidateShop(e.shop.ID)
	c := e.client()
	r := c.get("/sitemap.xml")
	wantPage(t, r, 200, "<sitemapindex", c.base+"/sitemaps/pages.xml", c.base+"/sitemaps/products.xml")
	locs := regexp.MustCompile(`<loc>([^<]+)</loc>`).FindAllStringSubmatch(r.Body, -1)
	if len(locs) != 4 { // pages + 3 product files (3+3+1)
		t.Fatalf("index: %s", r.Body)
	}
	seen := map[string]bool{}
	for _, l := range locs[1:] {
		u, _ := url.Parse(l[1])
		r := c.get(u.Path)
		if r.Status != 200 {
			t.Fatalf("%s: %d", u.Path, r.Status)
		}
		for _, m := range regexp.MustCompile(`/products/(thing-\d)`).FindAllStringSubmatch(r.Body, -1) {
			if seen[m[1]] {
				t.Errorf("%s listed twice", m[1])
			}
			seen[m[1]] = true
		}
	}
	if len(seen) != 7 {
		t.Errorf("child sitemaps list %d products, want 7", len(seen))
	}
	wantPage(t, c.get("/sitemaps/pages.xml"), 200, c.base+"/")
	if r := c.get("/sitemaps/other.xml"); r.Status != 404 {
		t.Errorf("unknown child sitemap: %d", r.Status)
	}
}

// queryCounter counts SQL statements.
type queryCounter struct{ n atomic.Int64 }

func (q *queryCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}
func (q *queryCounter) AfterQuery(_ context.Context, _ *bun.QueryEvent) { q.n.Add(1) }

// TestStorefrontCategoryQueriesConstant: the number of SQL statements for a
// category page does not grow with the products on it (no N+1), with the
// page cache off.
func TestStorefrontCategoryQueriesConstant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// Event collection off: its batches are written in the background
		// and would land in the counts at random (its cost is measured by
		// BenchmarkStorefrontProductPage).
		e := startShop(t, db, "count", func(c *web.Config) { c.ShopCacheBytes = -1; c.ShopCacheRecheck = -1; c.NoAnalytics = true })
		counter := &queryCounter{}
		db.AddQueryHook(counter)
		c := e.client()
		counts := map[int]int64{}
		for _, n := range []int{5, 50} {
			cat := must[*catalog.Category](t)(e.cat.CreateCategory(e.ctx, catalog.CategoryInput{Name: fmt.Sprintf("Cat %d", n)}))
			for i := 0; i < n; i++ {
				p := must[*catalog.Product](t)(e.cat.Create(e.ctx, catalog.ProductInput{Title: fmt.Sprintf("P%d-%d", n, i), CategoryID: cat.ID, Status: catalog.Published,
					Tags: []string{"a", "b"}, Options: []string{"Size"},
					Variants: []catalog.VariantInput{{SKU: fmt.Sprintf("S%d-%d-a", n, i), Options: [3]string{"S"}, Price: 100}, {SKU: fmt.Sprintf("S%d-%d-b", n, i), Options: [3]string{"M"}, Price: 200}}}))
				must[struct{}](t)(struct{}{}, e.inv.Receive(e.ctx, p.Variants[0].ID, "", 5, "x"))
				if i%10 == 0 {
					must[*catalog.Image](t)(e.cat.AddImage(e.ctx, p.ID, bytes.NewReader(pngBytes(t, 40, 40, color.Gray{uint8(i)})), "", ""))
				}
			}
			path := "/categories/" + cat.Slug + "?sort=title"
			c.get(path) // warm the host cache
			counter.n.Store(0)
			r := c.get(path)
			if r.Status != 200 || strings.Count(r.Body, `class="card"`) != min(n, 24) {
				t.Fatalf("category page with %d products: %d, %d cards", n, r.Status, strings.Count(r.Body, `class="card"`))
			}
			counts[n] = counter.n.Load()
		}
		t.Logf("statements per category page: 5 products %d, 50 products %d", counts[5], counts[50])
		// At most 25: the page's reads (20 on PostgreSQL, where each read
		// transaction also sends BEGIN, the tenant setting and COMMIT),
		// the reviews' statement in the cache's fingerprint (this test
		// rechecks on every request) and one read of the shop's offers
		// for the cards' sale prices (4 on PostgreSQL, 1 on SQLite), once
		// per page whatever its cards.
		if counts[50] != counts[5] || counts[5] == 0 || counts[5] > 25 {
			t.Fatalf("statements grow with products: %v", counts)
		}
		// The next page (cursor) costs the same.
		r := c.get("/categories/cat-50?sort=title")
		next := regexp.MustCompile(`rel="next" href="([^"]+)"`).FindStringSubmatch(r.Body)
		if next == nil {
			t.Fatal("no next page link")
		}
		counter.n.Store(0)
		r = c.get(strings.ReplaceAll(next[1], "&amp;", "&"))
		if r.Status != 200 || strings.Count(r.Body, `class="card"`) != 24 || counter.n.Load() != counts[5] {
			t.Fatalf("page 2: %d, %d cards, %d statements", r.Status, strings.Count(r.Body, `class="card"`), counter.n.Load())
		}
	})
}

// TestStorefrontRoutesDeclared: every route the storefront app serves is in
// the route table with a permission and the storefront scope.
func TestStorefrontRoutesDeclared(t *testing.T) {
	srv := startServer(t, storetest.SQLite(t))
	declared := map[string]web.Route{}
	for _, r := range srv.Server.Routes() {
		if r.Scope == web.ScopeStorefront {
			declared[r.Method+" "+r.Path] = r
		}
	}
	served := web.StoreRoutes(srv.Server)
	if len(served) < 20 {
		t.Fatalf("only %d storefront routes served", len(served))
	}
	for _, mp := range served {
		r, ok := declared[mp]
		if !ok {
			t.Errorf("storefront serves %s, which the route table does not declare", mp)
			continue
		}
		if r.Perm != web.Public && r.Perm != web.Customer {
			t.Errorf("%s: storefront route with staff permission %q", mp, r.Perm)
		}
	}
}
