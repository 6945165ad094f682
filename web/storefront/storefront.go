package storefront

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/blob"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/loyalty"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/review"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/view"
)

// The storefront answers on each shop's own host (<slug>.<base domain>,
// <slug>.localhost or a verified custom domain); the console and API answer on the
// platform's host. The web server's host dispatch hands shop hosts to the
// storefront app, whose middleware starts with ResolveShop and Budget.
//
// Anonymous pages (home, categories, collections, products, search,
// sitemaps, robots.txt) carry no per-visitor content and no CSRF token, so
// they are rendered once and served from the per-shop page cache
// (cache.go) with an ETag and Last-Modified; customer pages
// (sign-up, login, account) are rendered per request and never cached.
// Every page is built from a constant number of queries: the category list
// once (navigation, breadcrumbs and slugs are computed from it), then one
// catalog read whose related rows come in one query per kind.

// maintenancePage tells shoppers a suspended shop is closed for now, in
// the shop's own look.
func (s *Handler) maintenancePage(c *fiber.Ctx, t tenants.Tenant) error {
	return s.renderShop(c, "shop/maintenance", &shopView{Shop: t, Head: shopHead{Title: t.Name, NoIndex: true}, Design: s.designFor(c)})
}

// catalogPages are the pages a visitor browses anonymously, served from
// the page cache (cache.go): the catalog pages, search, sitemaps,
// robots.txt, product and design images, and the shop builder's content
// pages, blog and newsletter sign-up (content.go).
type catalogPages struct {
	*layout

	cache *shopCache
	// blobs holds product and design images (nil: none).
	blobs   blob.Store
	recs    recommender
	sales   sales
	members members
	// reviews are the products' approved reviews.
	reviews *review.Service
	// ipRate caps the beacon per client (analytics.go).
	ipRate *httpx.Limiter
	// loyalty pays for share links (nil: none).
	loyalty *loyalty.Service
}

// routes are the shop's catalog pages, search, sitemaps, robots.txt and
// media.
func (s *catalogPages) routes(t *httpx.Table) {
	shop := t.Group(httpx.ScopeStorefront, "storefront")
	shop.Browse("/", "Storefront home: shopFeatured collections", s.shopHome)
	shop.Browse("/products/:handle", "Product page with variant picker and stock state", s.shopProduct)
	shop.Browse("/collections", "All collections", s.shopCollections)
	shop.Browse("/collections/:handle", "Collection page", s.shopCollection)
	shop.Browse("/categories/:slug", "Category page", s.shopCategory)
	shop.Browse("/search", "Search by name, SKU and tag with filters", s.shopSearch)
	shop.Browse("/sitemap.xml", "Sitemap (an index of child sitemaps when large)", s.shopSitemap)
	shop.Browse("/sitemaps/:name", "Child sitemap", s.shopSitemapChild)
	shop.Browse("/robots.txt", "robots.txt", s.shopRobots)
	shop.Browse("/media/*", "Product images and renditions", s.shopMedia)
	shop.Browse("/assets/*", "Storefront assets", s.shopAsset)
	shop.Page("POST", "/e", httpx.Public, "First-party analytics beacon: one client-only event (wishlist_add); 204, 429 when a client floods it", s.shopBeacon)
}

// ---- views ----

// shopHead is what a page puts in <head> for search engines and sharing.
type shopHead struct {
	Title       string
	Description string
	Canonical   string
	OGType      string
	OGImage     string
	NoIndex     bool
}

type shopCrumb struct{ Name, URL string }

// shopView is the data of every storefront page.
type shopView struct {
	Shop   tenants.Tenant
	Nav    []*catalog.Category
	Head   shopHead
	Crumbs []shopCrumb
	JSONLD template.JS
	CSRF   string
	Flash  string
	Error  *errs.Error
	Status int
	Query  string
	Sort   string
	Body   template.HTML // a collection's description (sanitised by catalog)

	Featured    []shopFeatured
	Collections []*catalog.Collection
	Collection  *catalog.Collection
	Category    *catalog.Category
	Subs        []*catalog.Category
	Cards       []shopCard
	Next        string
	Product     *shopProductView
	Search      *shopSearchView

	Customer  *customer.Customer
	Addresses []customer.Address
	Form      map[string]string
	Member    *memberView // the account page's loyalty section (nil: no programme)
	// StoreCredit is the account page's store credit (account.go).
	StoreCredit *creditView
	// Activity is the account page's reviews, returns and tickets
	// (account_activity.go).
	Activity *activityView

	// Design is the shop builder's published theme (or the draft in a
	// preview); Sections the page's composed sections; Content a content
	// page, article or blog list (design.go, content.go).
	Design   *shopDesign
	Sections []sectionView
	After    []sectionView // below the content of product and collection pages
	Content  *shopContent
}

// productIDs are the products a page shows, for the cache's stock
// invalidation.
func (v *shopView) productIDs() []string {
	var ids []string
	if v.Product != nil {
		ids = append(ids, v.Product.P.ID)
		for _, c := range v.Product.Recommended {
			ids = append(ids, c.ID)
		}
	}
	for _, c := range v.Cards {
		ids = append(ids, c.ID)
	}
	for _, f := range v.Featured {
		for _, c := range f.Cards {
			ids = append(ids, c.ID)
		}
	}
	for _, sec := range append(v.Sections, v.After...) {
		for _, c := range sec.Cards {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

type shopFeatured struct {
	Collection *catalog.Collection
	Cards      []shopCard
}

// shopCard is a product in a list. Price, CompareAt and Sale are set
// from its variants (pageSales.setCardPrice): list prices when built,
// sale prices once the page's offers are applied (sales.priceCards).
type shopCard struct {
	ID                 string
	URL, Title, Vendor string
	Price              string
	CompareAt          string
	Sale               *shopSale
	Stock              shopStock
	Image              *shopImageView

	p *catalog.Product
}

type shopImageView struct {
	Src, SrcSet, Alt string
	Width, Height    int
}

type shopStock struct {
	Code  string // in_stock, low, out, backorder
	Label string
}

type shopProductView struct {
	P        *catalog.Product
	Selected *catalog.Variant
	Price    string
	Compare  string
	// Sale is the selected variant's offer when it sells below its price.
	Sale     *shopSale
	Stock    shopStock
	Images   []shopImageView
	Variants []shopVariantView
	Body     template.HTML
	Data     template.JS // variant data for shop.js
	// Recommended are the shop's recommendations for this product (its
	// recommendation plugins, else best sellers).
	Recommended []shopCard
	// BoughtTogether are the products most often ordered with this one
	// (the shop's bought-together rules, recommend.go).
	BoughtTogether []shopCard
	// Reviews are the product's approved reviews (reviews.go).
	Reviews *productReviews
}

type shopVariantView struct {
	ID, Title, Price string
	Stock            shopStock
	Selected         bool
}

type shopSearchView struct {
	Q, Sort, Tag, Vendor, Type, Category, Min, Max string
	Count                                          int
}

// ---- helpers ----

func variantStock(v *catalog.Variant) shopStock {
	if v == nil || v.Stock == nil {
		return shopStock{"out", "Out of stock"}
	}
	st := v.Stock
	switch {
	case !v.InventoryTracked:
		return shopStock{"in_stock", "In stock"}
	case st.Available <= 0 && v.AllowBackorder:
		return shopStock{"backorder", "Available on backorder"}
	case st.Available <= 0:
		return shopStock{"out", "Out of stock"}
	case st.Available <= max(v.SafetyStock, 5):
		return shopStock{"low", fmt.Sprintf("Only %d left", st.Available)}
	}
	return shopStock{"in_stock", "In stock"}
}

// productStock is the best state over a product's variants.
func productStock(p *catalog.Product) shopStock {
	best := shopStock{"out", "Out of stock"}
	rank := map[string]int{"out": 0, "backorder": 1, "low": 2, "in_stock": 3}
	for i := range p.Variants {
		if st := variantStock(&p.Variants[i]); rank[st.Code] > rank[best.Code] {
			best = st
		}
	}
	if best.Code == "low" {
		best.Label = "Low stock"
	}
	return best
}

func imageOf(im *catalog.Image, width int) *shopImageView {
	if im == nil {
		return nil
	}
	if im.Key == "" {
		w, h := im.Width, im.Height
		if w <= 0 || h <= 0 {
			w, h = 800, 800
		}
		return &shopImageView{Src: im.Src, Alt: im.Alt, Width: w, Height: h}
	}
	dims := func(rw int) (int, int) {
		if im.Width <= 0 || im.Height <= 0 {
			return rw, rw
		}
		w := min(rw, im.Width)
		return w, max(1, im.Height*w/im.Width)
	}
	v := &shopImageView{Src: "/media/" + im.RenditionKey(width), Alt: im.Alt}
	v.Width, v.Height = dims(width)
	var set []string
	for _, r := range im.Renditions {
		w, _ := dims(r)
		set = append(set, "/media/"+im.RenditionKey(r)+" "+strconv.Itoa(w)+"w")
	}
	if n := len(im.Renditions); (n == 0 || im.Renditions[n-1] < im.Width) && im.Width > 0 {
		set = append(set, "/media/"+im.Key+" "+strconv.Itoa(im.Width)+"w")
	}
	v.SrcSet = strings.Join(set, ", ")
	return v
}

func shopCardOf(p *catalog.Product) shopCard {
	cd := shopCard{ID: p.ID, URL: "/products/" + p.Handle, Title: p.Title, Vendor: p.Vendor, Stock: productStock(p), p: p}
	(*pageSales)(nil).setCardPrice(&cd, p)
	if len(p.Images) > 0 {
		cd.Image = imageOf(&p.Images[0], 320)
	}
	return cd
}

func shopCards(ps []*catalog.Product) []shopCard {
	out := make([]shopCard, len(ps))
	for i, p := range ps {
		out[i] = shopCardOf(p)
	}
	return out
}

// categories loads the shop's categories once per page: the navigation
// (roots), slugs and breadcrumbs are computed from the flat list.
type catIndex struct {
	all    []*catalog.Category
	byID   map[string]*catalog.Category
	roots  []*catalog.Category
	kids   map[string][]*catalog.Category
	bySlug map[string]*catalog.Category
}

func (s *layout) categoryIndex(ctx context.Context) (*catIndex, error) {
	all, err := s.catalog.Categories(ctx)
	if err != nil {
		return nil, err
	}
	ix := &catIndex{all: all, byID: map[string]*catalog.Category{}, kids: map[string][]*catalog.Category{}, bySlug: map[string]*catalog.Category{}}
	for _, c := range all {
		ix.byID[c.ID] = c
		ix.bySlug[c.Slug] = c
	}
	for _, c := range all {
		if c.ParentID == "" || ix.byID[c.ParentID] == nil {
			ix.roots = append(ix.roots, c)
		} else {
			ix.kids[c.ParentID] = append(ix.kids[c.ParentID], c)
		}
	}
	return ix, nil
}

func (ix *catIndex) path(id string) []*catalog.Category {
	var out []*catalog.Category
	for c := ix.byID[id]; c != nil && len(out) < 32; c = ix.byID[c.ParentID] {
		out = append([]*catalog.Category{c}, out...)
	}
	return out
}

func (s *layout) newView(c *fiber.Ctx, ix *catIndex) *shopView {
	v := &shopView{Shop: s.Shop(c), Design: s.designFor(c)}
	if ix != nil {
		v.Nav = ix.roots
	}
	return v
}

// formView is a per-visitor page (a form, the account, the purchase
// flow): not for the index, with the shop's navigation when it loads.
func (s *layout) formView(c *fiber.Ctx, title string) *shopView {
	v := s.newView(c, nil)
	if ix, err := s.categoryIndex(c.UserContext()); err == nil {
		v.Nav = ix.roots
	}
	v.Head = shopHead{Title: title + " · " + v.Shop.Name, NoIndex: true}
	v.Form = map[string]string{}
	return v
}

// renderShopBytes executes a storefront page.
func (s *layout) renderShopBytes(name string, v *shopView) ([]byte, error) {
	return s.Execute(name, v)
}

// renderShop writes a per-visitor page (never cached).
func (s *layout) renderShop(c *fiber.Ctx, name string, v *shopView) error {
	if v.CSRF == "" {
		v.CSRF = httpx.CSRFToken(c)
	}
	b, err := s.renderShopBytes(name, v)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(b)
}

// cached serves an anonymous page from the shop's page cache, building and
// storing it on a miss. build's errors are answered as usual and not cached.
func (s *catalogPages) cached(c *fiber.Ctx, build func() ([]byte, string, []string, error)) error {
	return s.cachedWith(c, nil, build)
}

// cachedWith is cached for a page analytics counts: build fills facts,
// which are kept with the page, and the page is counted as it leaves the
// cache (analytics.go), whether it was stored, rendered or not modified.
func (s *catalogPages) cachedWith(c *fiber.Ctx, facts *pageFacts, build func() ([]byte, string, []string, error)) error {
	t := s.Shop(c)
	modified, gen := s.cache.fresh(c.UserContext(), t)
	key := string(c.Request().Host()) + "\x00" + string(c.Request().RequestURI()) + cacheVary(c)
	if p := s.cache.get(t.ID, key, gen); p != nil && !isPreview(c) {
		markCheap(c) // shop budget: served without rendering
		s.trackPage(c, p)
		return sendCacheable(c, p)
	}
	body, ctype, products, err := build()
	if err != nil {
		return err
	}
	if isPreview(c) { // a staff preview of the draft: never cached
		c.Set(fiber.HeaderContentType, ctype)
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Send(previewLinks(c, body))
	}
	p := &cachedPage{body: body, etag: etagOf(body), ctype: ctype, modified: modified, gen: gen, products: products}
	if facts != nil {
		p.facts = *facts
	}
	s.cache.put(t.ID, key, p)
	s.trackPage(c, p)
	return sendCacheable(c, p)
}

func (s *catalogPages) cachedPage(c *fiber.Ctx, name string, build func() (*shopView, error)) error {
	var facts pageFacts
	return s.cachedWith(c, &facts, func() ([]byte, string, []string, error) {
		v, err := build()
		if err != nil {
			return nil, "", nil, err
		}
		s.afterSections(c, name, v)
		if err := s.sales.priceCards(c, v.cards()); err != nil {
			return nil, "", nil, err
		}
		facts = factsOf(v)
		b, err := s.renderShopBytes(name, v)
		return b, fiber.MIMETextHTMLCharsetUTF8, v.productIDs(), err
	})
}

// shopError renders an error in the shop's look.
func (s *layout) shopError(c *fiber.Ctx, err error) error {
	status, de := s.ToError(c, err)
	t := s.Shop(c)
	v := &shopView{Shop: t, Status: status, Head: shopHead{Title: errorTitle(status) + " · " + t.Name, NoIndex: true},
		Form: map[string]string{"title": errorTitle(status), "message": de.Message, "field": de.Field}, Design: s.designFor(c)}
	if ix, err := s.categoryIndex(c.UserContext()); err == nil {
		v.Nav = ix.roots
	}
	v.CSRF = httpx.CSRFToken(c)
	b, rerr := s.renderShopBytes("shop/error", v)
	if rerr != nil {
		s.log.Error("render shop error page", "err", rerr)
		return err
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(b)
}

func errorTitle(status int) string {
	switch status {
	case 400:
		return "Please check your input"
	case 401:
		return "Please sign in"
	case 403:
		return "Not allowed"
	case 404:
		return "Page not found"
	case 409:
		return "Already exists"
	case 429:
		return "Too many requests"
	case 503:
		return "Briefly unavailable"
	}
	if status >= 500 {
		return "Something went wrong"
	}
	return "Error"
}

func ldJSON(v any) template.JS {
	b, _ := json.Marshal(v) // escapes <, > and & so </script> cannot appear
	return template.JS(b)
}

// listErr names the storefront's parameter in the catalog's input errors.
func listErr(err error) error {
	var de *errs.Error
	if errors.As(err, &de) && de.Field == "cursor" {
		return &errs.Error{Code: de.Code, Field: "after", Message: "is not a valid page cursor"}
	}
	return err
}

// ---- pages ----

const featuredPerCollection = 8
const maxFeatured = 4

func (s *catalogPages) shopHome(c *fiber.Ctx) error {
	return s.cachedPage(c, "shop/home", func() (*shopView, error) {
		ctx := c.UserContext()
		ix, err := s.categoryIndex(ctx)
		if err != nil {
			return nil, err
		}
		v := s.newView(c, ix)
		t := v.Shop
		if v.Design.HasHome { // composed in the shop builder
			return s.designHome(c, v), nil
		}
		cols, err := s.catalog.Collections(ctx, true)
		if err != nil {
			return nil, err
		}
		v.Collections = cols
		for _, col := range cols {
			if !col.Featured || len(v.Featured) >= maxFeatured {
				continue
			}
			pg, err := s.catalog.ListPublished(ctx, catalog.Filter{CollectionID: col.ID, Limit: featuredPerCollection})
			if err != nil {
				return nil, err
			}
			v.Featured = append(v.Featured, shopFeatured{Collection: col, Cards: shopCards(pg.Products)})
		}
		if len(v.Featured) == 0 {
			pg, err := s.catalog.ListPublished(ctx, catalog.Filter{Limit: featuredPerCollection})
			if err != nil {
				return nil, err
			}
			v.Cards = shopCards(pg.Products)
		}
		base := s.BaseURL(c)
		v.Head = shopHead{Title: t.Name, Description: "Shop " + t.Name + " online.", Canonical: base + "/", OGType: "website"}
		v.JSONLD = ldJSON(map[string]any{"@context": "https://schema.org", "@type": "WebSite", "name": t.Name, "url": base + "/",
			"potentialAction": map[string]any{"@type": "SearchAction", "target": base + "/search?q={query}", "query-input": "required name=query"}})
		return v, nil
	})
}

func (s *catalogPages) shopProduct(c *fiber.Ctx) error {
	handle := c.Params("handle")
	if h, err := url.PathUnescape(handle); err == nil {
		handle = h
	}
	if token := c.Query(loyalty.ShareParam); token != "" {
		return s.shareLink(c, handle, token)
	}
	sel := c.Query("variant")
	if len(sel) > 64 {
		return errs.Field("variant", "is not a variant of this product")
	}
	exp, arm, visitor, err := s.productArm(c, handle) // an A/B test's arm (experiment.go)
	if err != nil {
		return err
	}
	build := func(mine map[string]promotion.Sale) (*shopView, string, error) {
		ctx := c.UserContext()
		p, moved, err := s.catalog.ProductByHandle(ctx, handle)
		if err != nil {
			return nil, "", err
		}
		if moved {
			return nil, "/products/" + url.PathEscape(p.Handle), nil
		}
		applyArm(p, exp, arm)
		ix, err := s.categoryIndex(ctx)
		if err != nil {
			return nil, "", err
		}
		v := s.newView(c, ix)
		pv := &shopProductView{P: p, Body: template.HTML(p.BodyHTML)} // sanitised by catalog on save
		for i := range p.Variants {
			if p.Variants[i].ID == sel {
				pv.Selected = &p.Variants[i]
			}
		}
		// Without ?variant (or with a stale one), show the first variant
		// that can be bought, else the first.
		if pv.Selected == nil {
			for i := range p.Variants {
				if p.Variants[i].Stock != nil && p.Variants[i].Stock.InStock() {
					pv.Selected = &p.Variants[i]
					break
				}
			}
		}
		if pv.Selected == nil && len(p.Variants) > 0 {
			pv.Selected = &p.Variants[0]
		}
		type jsVariant struct {
			ID       string    `json:"id"`
			Options  [3]string `json:"options"`
			Price    string    `json:"price"`
			Compare  string    `json:"compare,omitempty"`
			Stock    string    `json:"stock"`
			StockMsg string    `json:"stock_label"`
		}
		var js []jsVariant
		base := s.BaseURL(c)
		pageURL := base + "/products/" + url.PathEscape(p.Handle)
		onSale, err := s.sales.productPage(c, p)
		if err != nil {
			return nil, "", err
		}
		onSale = onSale.withMine(mine) // a signed-in member's own prices (member.go)
		moneyOrNone := func(a int64) string {
			if a == 0 {
				return ""
			}
			return view.Money(a, p.Currency)
		}
		var offers []map[string]any
		low, high := int64(-1), int64(0)
		for i := range p.Variants {
			vr := &p.Variants[i]
			st := variantStock(vr)
			price, compare, sale := onSale.shown(vr)
			low, high = min(price, low), max(price, high)
			if low < 0 {
				low = price
			}
			vv := shopVariantView{ID: vr.ID, Title: vr.Title(), Price: view.Money(price, p.Currency), Stock: st, Selected: vr == pv.Selected}
			pv.Variants = append(pv.Variants, vv)
			jv := jsVariant{ID: vr.ID, Options: vr.Options, Price: vv.Price, Compare: moneyOrNone(compare), Stock: st.Code, StockMsg: st.Label}
			js = append(js, jv)
			avail := "https://schema.org/InStock"
			switch st.Code {
			case "out":
				avail = "https://schema.org/OutOfStock"
			case "backorder":
				avail = "https://schema.org/BackOrder"
			case "low":
				avail = "https://schema.org/LimitedAvailability"
			}
			o := map[string]any{"@type": "Offer", "price": money.Format(price, p.Currency), "priceCurrency": p.Currency,
				"availability": avail, "url": pageURL + "?variant=" + vr.ID, "itemCondition": "https://schema.org/NewCondition"}
			if sale != nil && !sale.Until.IsZero() {
				o["priceValidUntil"] = sale.Until.UTC().Format("2006-01-02")
			}
			if vr.SKU != "" {
				o["sku"] = vr.SKU
			}
			if vr.Barcode != "" {
				o["gtin"] = vr.Barcode
			}
			offers = append(offers, o)
		}
		jsb, _ := json.Marshal(js)
		pv.Data = template.JS(jsb)
		if pv.Selected != nil {
			price, compare, sale := onSale.shown(pv.Selected)
			pv.Price, pv.Compare, pv.Sale = view.Money(price, p.Currency), moneyOrNone(compare), sale
			pv.Stock = variantStock(pv.Selected)
		}
		var imageURLs []string
		for i := range p.Images {
			w := 800
			if i > 0 {
				w = 320
			}
			iv := imageOf(&p.Images[i], w)
			if iv.Alt == "" {
				iv.Alt = p.Title
			}
			pv.Images = append(pv.Images, *iv)
			u := iv.Src
			if strings.HasPrefix(u, "/") {
				u = base + u
			}
			imageURLs = append(imageURLs, u)
		}
		v.Product = pv
		if pv.Reviews, err = s.productReviews(c, p); err != nil {
			return nil, "", err
		}
		pv.Recommended = s.recs.cards(c, p.ID, nil)
		pv.BoughtTogether = s.recs.boughtTogether(c, p.ID)
		// Breadcrumbs: Home › category path › product.
		v.Crumbs = []shopCrumb{{"Home", "/"}}
		for _, cat := range ix.path(p.CategoryID) {
			v.Crumbs = append(v.Crumbs, shopCrumb{cat.Name, "/categories/" + url.PathEscape(cat.Slug)})
		}
		v.Crumbs = append(v.Crumbs, shopCrumb{p.Title, "/products/" + url.PathEscape(p.Handle)})

		title := p.SEOTitle
		if title == "" {
			title = p.Title + " · " + v.Shop.Name
		}
		desc := p.SEODescription
		if desc == "" {
			desc = view.Clip(view.PlainText(p.BodyHTML), 160)
		}
		if desc == "" {
			desc = p.Title
		}
		v.Head = shopHead{Title: title, Description: desc, Canonical: pageURL, OGType: "product"}
		if len(imageURLs) > 0 {
			v.Head.OGImage = imageURLs[0]
		}
		prod := map[string]any{"@context": "https://schema.org", "@type": "Product", "name": p.Title, "description": desc, "url": pageURL}
		if len(imageURLs) > 0 {
			prod["image"] = imageURLs
		}
		if p.Vendor != "" {
			prod["brand"] = map[string]any{"@type": "Brand", "name": p.Vendor}
		}
		if pv.Selected != nil && pv.Selected.SKU != "" {
			prod["sku"] = pv.Selected.SKU
		}
		if len(offers) == 1 {
			prod["offers"] = offers[0]
		} else if len(offers) > 1 {
			prod["offers"] = map[string]any{"@type": "AggregateOffer", "priceCurrency": p.Currency,
				"lowPrice": money.Format(low, p.Currency), "highPrice": money.Format(high, p.Currency),
				"offerCount": len(offers), "offers": offers}
		}
		pv.Reviews.addLD(prod)
		var items []map[string]any
		for i, cr := range v.Crumbs {
			items = append(items, map[string]any{"@type": "ListItem", "position": i + 1, "name": cr.Name, "item": base + cr.URL})
		}
		crumbs := map[string]any{"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": items}
		v.JSONLD = ldJSON([]any{prod, crumbs})
		return v, "", nil
	}
	done, err := s.personalProduct(c, handle, build)
	if !done && err == nil {
		err = s.cachedPageOrRedirect(c, "shop/product", func() (*shopView, string, error) { return build(nil) })
	}
	if err == nil {
		s.exposed(c, exp, arm, visitor)
	}
	return err
}

// cachedPageOrRedirect is cachedPage for pages that may answer with a
// permanent redirect instead (old product handles).
func (s *catalogPages) cachedPageOrRedirect(c *fiber.Ctx, name string, build func() (*shopView, string, error)) error {
	var redirect string
	var facts pageFacts
	err := s.cachedWith(c, &facts, func() ([]byte, string, []string, error) {
		v, to, err := build()
		if err != nil {
			return nil, "", nil, err
		}
		if to != "" {
			redirect = to
			return nil, "", nil, errRedirect
		}
		s.afterSections(c, name, v)
		if err := s.sales.priceCards(c, v.cards()); err != nil {
			return nil, "", nil, err
		}
		facts = factsOf(v)
		b, err := s.renderShopBytes(name, v)
		return b, fiber.MIMETextHTMLCharsetUTF8, v.productIDs(), err
	})
	if err == errRedirect {
		if q := string(c.Request().URI().QueryString()); q != "" {
			// The shopper's query goes along unless it is not fit for a header.
			redirect = httpx.SafeRedirect(redirect+"?"+q, redirect)
		}
		c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
		return c.Redirect(redirect, fiber.StatusMovedPermanently)
	}
	return err
}

var errRedirect = fmt.Errorf("redirect")

// listParams reads the sort and cursor of a product list.
func listParams(c *fiber.Ctx) (catalog.Sort, string, error) {
	sort := catalog.Sort(c.Query("sort"))
	switch sort {
	case "", catalog.SortNewest, catalog.SortTitle, catalog.SortPriceAsc, catalog.SortPriceDesc:
	default:
		return "", "", errs.Field("sort", "must be newest, title, price_asc or price_desc")
	}
	after := c.Query("after")
	if len(after) > 512 {
		return "", "", errs.Field("after", "is not a valid page cursor")
	}
	return sort, after, nil
}

// nextURL is the current URL with after= set to the next cursor.
func nextURL(c *fiber.Ctx, next string) string {
	if next == "" {
		return ""
	}
	q := url.Values{}
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) { q.Add(string(k), string(v)) })
	q.Set("after", next)
	return c.Path() + "?" + q.Encode()
}

func (s *catalogPages) canonicalList(c *fiber.Ctx, path string) string {
	u := s.BaseURL(c) + path
	if a := c.Query("after"); a != "" {
		u += "?after=" + url.QueryEscape(a)
	}
	return u
}

const pageSize = 24

func (s *catalogPages) shopCategory(c *fiber.Ctx) error {
	slug := c.Params("slug")
	if h, err := url.PathUnescape(slug); err == nil {
		slug = h
	}
	sort, after, err := listParams(c)
	if err != nil {
		return err
	}
	return s.cachedPage(c, "shop/list", func() (*shopView, error) {
		ctx := c.UserContext()
		ix, err := s.categoryIndex(ctx)
		if err != nil {
			return nil, err
		}
		cat := ix.bySlug[slug]
		if cat == nil {
			return nil, errs.NotFoundf("there is no category %q in this shop", slug)
		}
		pg, err := s.catalog.ListPublished(ctx, catalog.Filter{CategoryID: cat.ID, Sort: sort, Cursor: after, Limit: pageSize})
		if err != nil {
			return nil, listErr(err)
		}
		v := s.newView(c, ix)
		v.Category = cat
		v.Sort = string(sort)
		v.Subs = ix.kids[cat.ID]
		v.Cards = shopCards(pg.Products)
		v.Next = nextURL(c, pg.Next)
		v.Crumbs = []shopCrumb{{"Home", "/"}}
		for _, cc := range ix.path(cat.ID) {
			v.Crumbs = append(v.Crumbs, shopCrumb{cc.Name, "/categories/" + url.PathEscape(cc.Slug)})
		}
		desc := view.Clip(view.PlainText(cat.Description), 160)
		if desc == "" {
			desc = cat.Name + " at " + v.Shop.Name
		}
		v.Head = shopHead{Title: cat.Name + " · " + v.Shop.Name, Description: desc, Canonical: s.canonicalList(c, "/categories/"+url.PathEscape(cat.Slug)), OGType: "website"}
		v.JSONLD = s.breadcrumbLD(c, v.Crumbs)
		return v, nil
	})
}

func (s *catalogPages) breadcrumbLD(c *fiber.Ctx, crumbs []shopCrumb) template.JS {
	base := s.BaseURL(c)
	var items []map[string]any
	for i, cr := range crumbs {
		items = append(items, map[string]any{"@type": "ListItem", "position": i + 1, "name": cr.Name, "item": base + cr.URL})
	}
	return ldJSON(map[string]any{"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": items})
}

func (s *catalogPages) shopCollection(c *fiber.Ctx) error {
	handle := c.Params("handle")
	if h, err := url.PathUnescape(handle); err == nil {
		handle = h
	}
	sort, after, err := listParams(c)
	if err != nil {
		return err
	}
	return s.cachedPage(c, "shop/list", func() (*shopView, error) {
		ctx := c.UserContext()
		col, err := s.catalog.CollectionByHandle(ctx, handle)
		if err != nil {
			return nil, err
		}
		if !col.Published {
			return nil, errs.NotFoundf("there is no collection %q in this shop", handle)
		}
		pg, err := s.catalog.ListPublished(ctx, catalog.Filter{CollectionID: col.ID, Sort: sort, Cursor: after, Limit: pageSize})
		if err != nil {
			return nil, listErr(err)
		}
		ix, err := s.categoryIndex(ctx)
		if err != nil {
			return nil, err
		}
		v := s.newView(c, ix)
		v.Collection = col
		v.Sort = string(sort)
		v.Body = template.HTML(col.BodyHTML)
		v.Cards = shopCards(pg.Products)
		v.Next = nextURL(c, pg.Next)
		v.Crumbs = []shopCrumb{{"Home", "/"}, {"Collections", "/collections"}, {col.Title, "/collections/" + url.PathEscape(col.Handle)}}
		title := col.SEOTitle
		if title == "" {
			title = col.Title + " · " + v.Shop.Name
		}
		desc := col.SEODescription
		if desc == "" {
			desc = view.Clip(view.PlainText(col.BodyHTML), 160)
		}
		if desc == "" {
			desc = col.Title + " at " + v.Shop.Name
		}
		v.Head = shopHead{Title: title, Description: desc, Canonical: s.canonicalList(c, "/collections/"+url.PathEscape(col.Handle)), OGType: "website"}
		v.JSONLD = s.breadcrumbLD(c, v.Crumbs)
		return v, nil
	})
}

func (s *catalogPages) shopCollections(c *fiber.Ctx) error {
	return s.cachedPage(c, "shop/collections", func() (*shopView, error) {
		ctx := c.UserContext()
		ix, err := s.categoryIndex(ctx)
		if err != nil {
			return nil, err
		}
		cols, err := s.catalog.Collections(ctx, true)
		if err != nil {
			return nil, err
		}
		v := s.newView(c, ix)
		v.Collections = cols
		v.Crumbs = []shopCrumb{{"Home", "/"}, {"Collections", "/collections"}}
		v.Head = shopHead{Title: "Collections · " + v.Shop.Name, Description: "All collections of " + v.Shop.Name, Canonical: s.BaseURL(c) + "/collections", OGType: "website"}
		return v, nil
	})
}

const maxQueryLen = 200

func (s *catalogPages) shopSearch(c *fiber.Ctx) error {
	sort, after, err := listParams(c)
	if err != nil {
		return err
	}
	t := s.Shop(c)
	sv := &shopSearchView{Q: strings.TrimSpace(c.Query("q")), Sort: string(sort), Tag: c.Query("tag"), Vendor: c.Query("vendor"),
		Type: c.Query("type"), Category: c.Query("category"), Min: c.Query("min_price"), Max: c.Query("max_price")}
	for name, val := range map[string]string{"q": sv.Q, "tag": sv.Tag, "vendor": sv.Vendor, "type": sv.Type, "category": sv.Category} {
		if utf8.RuneCountInString(val) > maxQueryLen || !utf8.ValidString(val) {
			return errs.Field(name, "must be valid text of at most %d characters", maxQueryLen)
		}
	}
	f := catalog.Filter{Query: sv.Q, Tag: sv.Tag, Vendor: sv.Vendor, ProductType: sv.Type, Sort: sort, Cursor: after, Limit: pageSize}
	price := func(raw, field string) (*int64, error) {
		if raw == "" {
			return nil, nil
		}
		v, err := money.Parse(field, raw, t.Currency)
		if err != nil {
			return nil, err
		}
		return &v, nil
	}
	if f.PriceMin, err = price(sv.Min, "min_price"); err != nil {
		return err
	}
	if f.PriceMax, err = price(sv.Max, "max_price"); err != nil {
		return err
	}
	if f.PriceMin != nil && f.PriceMax != nil && *f.PriceMin > *f.PriceMax {
		return errs.Field("max_price", "must not be below min_price")
	}
	return s.cachedPage(c, "shop/search", func() (*shopView, error) {
		ctx := c.UserContext()
		ix, err := s.categoryIndex(ctx)
		if err != nil {
			return nil, err
		}
		if sv.Category != "" {
			cat := ix.bySlug[sv.Category]
			if cat == nil {
				return nil, errs.Field("category", "there is no category %q", sv.Category)
			}
			f.CategoryID = cat.ID
		}
		v := s.newView(c, ix)
		v.Search = sv
		v.Query = sv.Q
		searching := sv.Q != "" || sv.Tag != "" || sv.Vendor != "" || sv.Type != "" || sv.Category != "" || f.PriceMin != nil || f.PriceMax != nil
		if searching {
			pg, err := s.catalog.ListPublished(ctx, f)
			if err != nil {
				return nil, listErr(err)
			}
			v.Cards = shopCards(pg.Products)
			v.Next = nextURL(c, pg.Next)
			sv.Count = len(v.Cards)
		}
		title := "Search · " + v.Shop.Name
		if sv.Q != "" {
			title = "“" + sv.Q + "” · Search · " + v.Shop.Name
		}
		// Result pages are for people, not for the index.
		v.Head = shopHead{Title: title, Description: "Search " + v.Shop.Name, Canonical: s.BaseURL(c) + "/search", NoIndex: true}
		return v, nil
	})
}

// shareLink counts a visit through a customer's share link
// (/products/<handle>?share=<their referral code>) for the points it
// earns them (loyalty.ShareClick: once per new visitor, as core/analytics
// tells visitors apart, capped per day), then sends the visitor to the
// product's own address, so the shared page cache serves it. A failure
// to count never stops the visitor.
func (s *catalogPages) shareLink(c *fiber.Ctx, handle, token string) error {
	to := "/products/" + url.PathEscape(handle)
	if v := c.Query("variant"); v != "" && len(v) <= 64 {
		to += "?variant=" + url.QueryEscape(v)
	}
	if s.loyalty != nil && s.analytics != nil && !isPreview(c) && len(token) <= 32 {
		ctx := c.UserContext()
		err := func() error {
			p, _, err := s.catalog.ProductByHandle(ctx, handle)
			if err != nil {
				return err
			}
			visitor, err := s.analytics.VisitorID(ctx, s.hitOf(c, analytics.ProductView))
			if err != nil || visitor == "" {
				return err
			}
			_, err = s.loyalty.ShareClick(ctx, token, p.ID, visitor, s.ShopperID(c))
			return err
		}()
		if err != nil && !errs.Is(err, errs.NotFound) {
			s.log.Warn("share link", "request_id", httpx.RequestID(c), "err", err)
		}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Redirect(to, fiber.StatusFound)
}
