package console

import (
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/view"
)

// catalogPages are the console's product, category and collection pages.
func (s *Catalog) catalogPages(t *httpx.Table) {
	html := t.Group(httpx.ScopeTenant, "console")
	html.Page("GET", "/console/products", perm.CatalogRead, "Products", s.productsPage)
	html.Page("POST", "/console/products/bulk", perm.CatalogWrite, "Bulk edit products", s.productsBulk)
	html.Page("GET", "/console/products/new", perm.CatalogWrite, "New product form", s.productNewPage)
	html.Page("POST", "/console/products", perm.CatalogWrite, "Create a product", s.productCreate)
	html.Page("GET", "/console/products/:product", perm.CatalogRead, "Product editor", s.productPage)
	html.Page("POST", "/console/products/:product", perm.CatalogWrite, "Save a product", s.productSave)
	html.Page("POST", "/console/products/:product/delete", perm.CatalogWrite, "Delete a product", s.productDelete)
	html.Page("POST", "/console/products/:product/submit", perm.CatalogWrite, "Submit for review", s.productSubmit)
	html.Page("POST", "/console/products/:product/approve", perm.CatalogPublish, "Approve and publish", s.productApprove)
	html.Page("POST", "/console/products/:product/reject", perm.CatalogPublish, "Send back with a comment", s.productReject)
	html.Page("POST", "/console/products/:product/publish", perm.CatalogPublish, "Publish now or schedule", s.productPublish)
	html.Page("POST", "/console/products/:product/unpublish", perm.CatalogPublish, "Back to draft", s.productUnpublish)
	html.Page("POST", "/console/products/:product/archive", perm.CatalogPublish, "Archive", s.productArchive)
	html.Page("POST", "/console/products/:product/images", perm.CatalogWrite, "Upload an image", s.productImageUpload)
	html.Page("GET", "/console/products/:product/images/:image", perm.CatalogRead, "An image or its rendition (?w=320)", s.productImageFile)
	html.Page("POST", "/console/products/:product/images/:image/delete", perm.CatalogWrite, "Delete an image", s.productImageDelete)
	html.Page("GET", "/console/categories", perm.CatalogRead, "Categories", s.categoriesPage)
	html.Page("POST", "/console/categories", perm.CatalogWrite, "Create a category", s.categoryCreate)
	html.Page("POST", "/console/categories/:category", perm.CatalogWrite, "Update a category", s.categorySave)
	html.Page("POST", "/console/categories/:category/delete", perm.CatalogWrite, "Delete a category", s.categoryDelete)
	html.Page("GET", "/console/collections", perm.CatalogRead, "Collections", s.collectionsPage)
	html.Page("POST", "/console/collections", perm.CatalogWrite, "Create a collection", s.collectionCreate)
	html.Page("GET", "/console/collections/:collection", perm.CatalogRead, "Collection editor", s.collectionPage)
	html.Page("POST", "/console/collections/:collection", perm.CatalogWrite, "Save a collection", s.collectionSave)
	html.Page("POST", "/console/collections/:collection/delete", perm.CatalogWrite, "Delete a collection", s.collectionDelete)
}

// Console pages for products, categories and collections. Forms work
// without JavaScript: the editor shows the product's variants plus a few
// blank rows, and blank rows are ignored on save.

type productsData struct {
	Products   []productRowView
	Next       string
	Filter     url.Values
	Q, Status  string
	Category   string
	Tag        string
	Sort       string
	Categories []admin.CategoryJSON
	CanWrite   bool
	CanPublish bool
	Statuses   []string
	Sorts      []string
}

type productRowView struct {
	ID, Title, Handle, Status, Price, Vendor, Role string
	Variants                                       int
	Stock                                          int64
	Thumb                                          string
	Tags                                           []string
	PublishAt                                      *time.Time
}

func priceRange(p *catalog.Product) string {
	lo, hi := money.Format(p.PriceMin, p.Currency), money.Format(p.PriceMax, p.Currency)
	if lo == hi {
		return lo + " " + p.Currency
	}
	return lo + "–" + hi + " " + p.Currency
}

func thumbURL(p *catalog.Product) string {
	for _, im := range p.Images {
		if im.Key != "" {
			return "/console/products/" + p.ID + "/images/" + im.ID + "?w=320"
		}
		if im.Src != "" {
			return im.Src
		}
	}
	return ""
}

func (s *Catalog) productsPage(c *fiber.Ctx) error {
	f, err := admin.ProductFilter(c)
	if err != nil {
		return err
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	ctx := c.UserContext()
	d := productsData{Q: f.Query, Status: string(f.Status), Category: f.CategoryID, Tag: f.Tag, Sort: string(f.Sort),
		CanWrite: s.Can(c, perm.CatalogWrite), CanPublish: s.Can(c, perm.CatalogPublish),
		Statuses: []string{"draft", "in_review", "published", "archived"}, Sorts: []string{"newest", "title", "price_asc", "price_desc"}}
	tree, err := s.catalog.CategoryTree(ctx)
	if err != nil {
		return err
	}
	d.Categories = admin.CategoriesJSON(tree)
	pg, err := s.catalog.List(ctx, f)
	if err != nil {
		return s.PageError(c, err, func() error { return s.PageWithError(c, "console/products", "Products", "products", d) })
	}
	for _, p := range pg.Products {
		v := productRowView{ID: p.ID, Title: p.Title, Handle: p.Handle, Status: string(p.Status), Price: priceRange(p), Vendor: p.Vendor,
			Role: string(p.Role), Variants: len(p.Variants), Thumb: thumbURL(p), Tags: p.Tags, PublishAt: p.PublishAt}
		for _, x := range p.Variants {
			if x.Stock != nil {
				v.Stock += x.Stock.Available
			}
		}
		d.Products = append(d.Products, v)
	}
	if pg.Next != "" {
		q := url.Values{}
		for k, v := range map[string]string{"q": f.Query, "status": string(f.Status), "category": f.CategoryID, "tag": f.Tag, "sort": string(f.Sort), "cursor": pg.Next} {
			if v != "" {
				q.Set(k, v)
			}
		}
		d.Next = "/console/products?" + q.Encode()
	}
	return s.PageWithError(c, "console/products", "Products", "products", d)
}

func (s *Catalog) productsBulk(c *fiber.Ctx) error {
	args := c.Request().PostArgs()
	var b admin.BulkBody
	for _, v := range args.PeekMulti("ids") {
		b.ProductIDs = append(b.ProductIDs, string(v))
	}
	b.AddTags = catalog.SplitTags(c.FormValue("add_tags"))
	b.RemoveTags = catalog.SplitTags(c.FormValue("remove_tags"))
	b.Status = c.FormValue("status")
	b.IncludeCompareAt = c.FormValue("compare_at") == "on"
	if v := strings.TrimSpace(c.FormValue("price_value")); v != "" {
		neg := strings.HasPrefix(v, "-")
		v = strings.TrimPrefix(strings.TrimPrefix(v, "-"), "+")
		switch c.FormValue("price_mode") {
		case "percent":
			f, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64)
			if err != nil {
				return s.bulkError(c, errs.Field("price_value", "must be a percentage such as 10 or -12.5"))
			}
			if neg {
				f = -f
			}
			b.PricePercent = f
		default:
			n, err := money.Parse("price_value", v, s.admin.ShopCurrency(c))
			if err != nil {
				return s.bulkError(c, err)
			}
			if neg {
				n = -n
			}
			b.PriceAmount = n
		}
	}
	n, err := s.admin.Bulk(c, b)
	if err != nil {
		return s.bulkError(c, err)
	}
	back := httpx.SafeRedirect(c.FormValue("back"), "/console/products")
	if back != "/console/products" && !strings.HasPrefix(back, "/console/products?") {
		back = "/console/products"
	}
	return c.Redirect(back+sepOf(back)+"flash="+url.QueryEscape(strconv.Itoa(n)+" products updated"), fiber.StatusSeeOther)
}

func sepOf(u string) string {
	if strings.Contains(u, "?") {
		return "&"
	}
	return "?"
}

func (s *Catalog) bulkError(c *fiber.Ctx, err error) error {
	return s.PageError(c, err, func() error { return s.productsPage(c) })
}

// productView is the editor's data.
type productView struct {
	New        bool
	P          admin.ProductJSON
	Currency   string
	Options    [3]string
	Rows       []variantRowView
	TagsText   string
	Categories []admin.CategoryJSON
	Roles      []string
	Images     []imageView
	Reviews    []admin.ReviewJSON
	CanWrite   bool
	CanPublish bool
	Storefront string
	Uploads    bool
	// SavedBy is how many shoppers saved the product, shown when
	// SavedShown (wishlist.go).
	SavedBy    int
	SavedShown bool
}

type variantRowView struct {
	ID, SKU, Barcode, Price, CompareAt, Cost string
	Opts                                     [3]string
	Weight, Length, Width, Height, Safety    string
	Backorder                                bool
	Available                                string
}

type imageView struct {
	ID, Thumb, Alt string
	Width, Height  int
}

func amountText(v *int64, currency string) string {
	if v == nil {
		return ""
	}
	return money.Format(*v, currency)
}

func numText(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

func (s *Catalog) productView(c *fiber.Ctx, p *catalog.Product) (productView, error) {
	ctx := c.UserContext()
	v := productView{CanWrite: s.Can(c, perm.CatalogWrite), CanPublish: s.Can(c, perm.CatalogPublish), Uploads: s.blobs != nil,
		Roles: []string{"", "traffic", "profit", "image", "campaign"}}
	tree, err := s.catalog.CategoryTree(ctx)
	if err != nil {
		return v, err
	}
	v.Categories = admin.CategoriesJSON(tree)
	blank := 4
	if p == nil {
		v.New = true
		v.Currency = s.admin.ShopCurrency(c)
	} else {
		blank = 2
		v.P = admin.ProductJSONOf(p)
		v.Currency = p.Currency
		for i, o := range p.Options {
			v.Options[i] = o.Name
		}
		v.TagsText = strings.Join(p.Tags, ", ")
		for _, x := range p.Variants {
			r := variantRowView{ID: x.ID, SKU: x.SKU, Barcode: x.Barcode, Opts: x.Options, Price: money.Format(x.Price, p.Currency),
				CompareAt: amountText(x.CompareAtPrice, p.Currency), Cost: amountText(x.Cost, p.Currency), Weight: numText(x.WeightGrams),
				Length: numText(x.LengthMM), Width: numText(x.WidthMM), Height: numText(x.HeightMM), Safety: numText(x.SafetyStock),
				Backorder: x.AllowBackorder}
			if x.Stock != nil {
				r.Available = strconv.FormatInt(x.Stock.Available, 10)
			}
			v.Rows = append(v.Rows, r)
		}
		for _, im := range p.Images {
			iv := imageView{ID: im.ID, Alt: im.Alt, Width: im.Width, Height: im.Height, Thumb: im.Src}
			if im.Key != "" {
				iv.Thumb = "/console/products/" + p.ID + "/images/" + im.ID + "?w=320"
			}
			v.Images = append(v.Images, iv)
		}
		evs, err := s.catalog.ReviewHistory(ctx, p.ID)
		if err != nil {
			return v, err
		}
		v.Reviews = admin.ReviewsJSON(evs)
		if p.Status == catalog.Published {
			if t, err := s.tenants.Tenant(ctx, s.Current(c).TenantID); err == nil {
				v.Storefront = strings.TrimSuffix(s.StorefrontURL(t.Slug), "/") + "/products/" + p.Handle
			}
		}
	}
	for i := 0; i < blank; i++ {
		v.Rows = append(v.Rows, variantRowView{})
	}
	return v, nil
}

// productForm reads the editor form. Prices are decimals in the product's
// currency; a variant row with nothing filled in is ignored.
func (s *Catalog) productForm(c *fiber.Ctx, currency string) (catalog.ProductInput, int, error) {
	in := catalog.ProductInput{Handle: c.FormValue("handle"), Title: c.FormValue("title"), BodyHTML: c.FormValue("body_html"),
		Vendor: c.FormValue("vendor"), ProductType: c.FormValue("product_type"), CategoryID: c.FormValue("category_id"),
		Role: catalog.Role(c.FormValue("role")), SEOTitle: c.FormValue("seo_title"), SEODescription: c.FormValue("seo_description"),
		Currency: currency, Tags: catalog.SplitTags(c.FormValue("tags"))}
	for i := 1; i <= 3; i++ {
		in.Options = append(in.Options, c.FormValue("option"+strconv.Itoa(i)))
	}
	version, _ := strconv.Atoi(c.FormValue("version"))
	args := c.Request().PostArgs()
	col := func(name string) []string {
		var out []string
		for _, v := range args.PeekMulti(name) {
			out = append(out, strings.TrimSpace(string(v)))
		}
		return out
	}
	ids, skus, barcodes, prices := col("v_id"), col("v_sku"), col("v_barcode"), col("v_price")
	o1, o2, o3 := col("v_opt1"), col("v_opt2"), col("v_opt3")
	compare, cost, weight, length, width, height, safety, backorder := col("v_compare"), col("v_cost"), col("v_weight"), col("v_length"), col("v_width"), col("v_height"), col("v_safety"), col("v_backorder")
	at := func(xs []string, i int) string {
		if i < len(xs) {
			return xs[i]
		}
		return ""
	}
	for i := range prices {
		if at(ids, i) == "" && at(skus, i) == "" && at(barcodes, i) == "" && prices[i] == "" && at(o1, i) == "" && at(o2, i) == "" && at(o3, i) == "" {
			continue
		}
		n := len(in.Variants)
		field := func(name string) string { return "variants[" + strconv.Itoa(n) + "]." + name }
		v := catalog.VariantInput{ID: at(ids, i), SKU: at(skus, i), Barcode: at(barcodes, i), Options: [3]string{at(o1, i), at(o2, i), at(o3, i)},
			AllowBackorder: at(backorder, i) == "yes"}
		if prices[i] == "" {
			return in, version, errs.Field(field("price"), "variant %d needs a price", n+1)
		}
		p, err := money.Parse(field("price"), prices[i], currency)
		if err != nil {
			return in, version, err
		}
		v.Price = p
		for _, x := range []struct {
			val, name string
			dst       **int64
		}{{at(compare, i), "compare_at_price", &v.CompareAtPrice}, {at(cost, i), "cost", &v.Cost}} {
			if x.val == "" {
				continue
			}
			a, err := money.Parse(field(x.name), x.val, currency)
			if err != nil {
				return in, version, err
			}
			*x.dst = &a
		}
		for _, x := range []struct {
			val, name string
			dst       *int64
		}{{at(weight, i), "weight_grams", &v.WeightGrams}, {at(length, i), "length_mm", &v.LengthMM}, {at(width, i), "width_mm", &v.WidthMM},
			{at(height, i), "height_mm", &v.HeightMM}, {at(safety, i), "safety_stock", &v.SafetyStock}} {
			if x.val == "" {
				continue
			}
			k, err := strconv.ParseInt(x.val, 10, 64)
			if err != nil || k < 0 {
				return in, version, errs.Field(field(x.name), "must be a whole number, not %q", x.val)
			}
			*x.dst = k
		}
		in.Variants = append(in.Variants, v)
	}
	return in, version, nil
}

func (s *Catalog) productNewPage(c *fiber.Ctx) error {
	v, err := s.productView(c, nil)
	if err != nil {
		return err
	}
	return s.PageWithError(c, "console/product", "New product", "products", v)
}

// productFormAgain re-renders the editor with what the user typed.
func (s *Catalog) productFormAgain(c *fiber.Ctx, p *catalog.Product, in catalog.ProductInput) error {
	v, err := s.productView(c, p)
	if err != nil {
		return err
	}
	v.P.Title, v.P.Handle, v.P.BodyHTML, v.P.Vendor, v.P.ProductType = in.Title, in.Handle, in.BodyHTML, in.Vendor, in.ProductType
	v.P.CategoryID, v.P.Role, v.P.SEOTitle, v.P.SEODescription = in.CategoryID, string(in.Role), in.SEOTitle, in.SEODescription
	v.TagsText = strings.Join(in.Tags, ", ")
	copy(v.Options[:], in.Options)
	args := c.Request().PostArgs()
	v.Rows = nil
	get := func(name string, i int) string {
		xs := args.PeekMulti(name)
		if i < len(xs) {
			return string(xs[i])
		}
		return ""
	}
	for i := range args.PeekMulti("v_price") {
		v.Rows = append(v.Rows, variantRowView{ID: get("v_id", i), SKU: get("v_sku", i), Barcode: get("v_barcode", i), Price: get("v_price", i),
			Opts: [3]string{get("v_opt1", i), get("v_opt2", i), get("v_opt3", i)}, CompareAt: get("v_compare", i), Cost: get("v_cost", i),
			Weight: get("v_weight", i), Length: get("v_length", i), Width: get("v_width", i), Height: get("v_height", i), Safety: get("v_safety", i),
			Backorder: get("v_backorder", i) == "yes"})
	}
	title := "New product"
	if p != nil {
		title = p.Title
	}
	return s.PageWithError(c, "console/product", title, "products", v)
}

func (s *Catalog) productCreate(c *fiber.Ctx) error {
	in, _, err := s.productForm(c, s.admin.ShopCurrency(c))
	if err == nil {
		var p *catalog.Product
		p, err = s.admin.CreateProduct(c, in)
		if err == nil {
			return view.Done(c, "/console/products/"+p.ID)
		}
	}
	return s.PageError(c, err, func() error { return s.productFormAgain(c, nil, in) })
}

func (s *Catalog) productPage(c *fiber.Ctx) error {
	p, err := s.catalog.Get(c.UserContext(), c.Params("product"))
	if err != nil {
		return err
	}
	v, err := s.productView(c, p)
	if err != nil {
		return err
	}
	if v.SavedBy, v.SavedShown, err = savedBy(c, s.wishlists, p.ID); err != nil {
		return err
	}
	return s.PageWithError(c, "console/product", p.Title, "products", v)
}

func (s *Catalog) productSave(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p, err := s.catalog.Get(ctx, c.Params("product"))
	if err != nil {
		return err
	}
	in, version, err := s.productForm(c, p.Currency)
	if err == nil {
		if version == 0 {
			err = errs.Field("version", "reload the product and try again")
		} else {
			_, err = s.catalog.Update(ctx, p.ID, version, in)
			if err == nil {
				return view.Done(c, "/console/products/"+p.ID)
			}
		}
	}
	return s.PageError(c, err, func() error { return s.productFormAgain(c, p, in) })
}

func (s *Catalog) productDelete(c *fiber.Ctx) error {
	id := c.Params("product")
	if err := s.catalog.Delete(c.UserContext(), id); err != nil {
		return s.PageError(c, err, func() error { return s.productPage(c) })
	}
	return view.Done(c, "/console/products")
}

// consoleStep runs a workflow step from the editor's buttons.
func (s *Catalog) consoleStep(c *fiber.Ctx, step string) error {
	var at *time.Time
	if v := strings.TrimSpace(c.FormValue("publish_at")); v != "" {
		t, err := parseLocalTime(v)
		if err != nil {
			return s.PageError(c, errs.Field("publish_at", "must be a date and time (UTC)"), func() error { return s.productPage(c) })
		}
		at = &t
	}
	if _, err := s.admin.Transition(c, step, c.FormValue("comment"), at); err != nil {
		return s.PageError(c, err, func() error { return s.productPage(c) })
	}
	return view.Done(c, "/console/products/"+c.Params("product"))
}

// parseLocalTime reads a datetime-local input (taken as UTC) or RFC 3339.
func parseLocalTime(v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errs.Field("publish_at", "must be a date and time")
}

func (s *Catalog) productSubmit(c *fiber.Ctx) error    { return s.consoleStep(c, "submit") }
func (s *Catalog) productApprove(c *fiber.Ctx) error   { return s.consoleStep(c, "approve") }
func (s *Catalog) productReject(c *fiber.Ctx) error    { return s.consoleStep(c, "reject") }
func (s *Catalog) productPublish(c *fiber.Ctx) error   { return s.consoleStep(c, "publish") }
func (s *Catalog) productUnpublish(c *fiber.Ctx) error { return s.consoleStep(c, "unpublish") }
func (s *Catalog) productArchive(c *fiber.Ctx) error   { return s.consoleStep(c, "archive") }

func (s *Catalog) productImageUpload(c *fiber.Ctx) error {
	if _, err := s.admin.UploadImage(c); err != nil {
		return s.PageError(c, err, func() error { return s.productPage(c) })
	}
	return view.Done(c, "/console/products/"+c.Params("product"))
}

func (s *Catalog) productImageDelete(c *fiber.Ctx) error {
	if err := s.catalog.DeleteImage(c.UserContext(), c.Params("product"), c.Params("image")); err != nil {
		return s.PageError(c, err, func() error { return s.productPage(c) })
	}
	return view.Done(c, "/console/products/"+c.Params("product"))
}

// productImageFile serves an uploaded image (or its rendition at least ?w
// pixels wide) from the blob store, to the shop's own staff.
func (s *Catalog) productImageFile(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p, err := s.catalog.Get(ctx, c.Params("product"))
	if err != nil {
		return err
	}
	for _, im := range p.Images {
		if im.ID != c.Params("image") {
			continue
		}
		if im.Key == "" {
			return c.Redirect(im.Src, fiber.StatusFound)
		}
		if s.blobs == nil {
			return errs.NotFoundf("image files are not available")
		}
		key := im.Key
		if w := c.QueryInt("w"); w > 0 {
			key = im.RenditionKey(w)
		}
		rc, info, err := s.blobs.Open(ctx, key)
		if err != nil {
			return err
		}
		defer rc.Close()
		data, err := io.ReadAll(rc)
		if err != nil {
			return err
		}
		ct := info.ContentType
		if ct == "" {
			ct = im.ContentType
		}
		c.Set(fiber.HeaderContentType, ct)
		c.Set(fiber.HeaderCacheControl, "private, max-age=3600")
		return c.Send(data)
	}
	return errs.NotFoundf("image not found")
}

type categoriesData struct {
	Categories []admin.CategoryJSON
	CanWrite   bool
}

func (s *Catalog) categoriesPage(c *fiber.Ctx) error {
	tree, err := s.catalog.CategoryTree(c.UserContext())
	if err != nil {
		return err
	}
	return s.PageWithError(c, "console/categories", "Categories", "products", categoriesData{Categories: admin.CategoriesJSON(tree), CanWrite: s.Can(c, perm.CatalogWrite)})
}

func categoryForm(c *fiber.Ctx) catalog.CategoryInput {
	pos, _ := strconv.Atoi(c.FormValue("position"))
	return catalog.CategoryInput{ParentID: c.FormValue("parent_id"), Name: c.FormValue("name"), Slug: c.FormValue("slug"), Description: c.FormValue("description"), Position: pos}
}

func (s *Catalog) categoryCreate(c *fiber.Ctx) error {
	_, err := s.catalog.CreateCategory(c.UserContext(), categoryForm(c))
	if err != nil {
		return s.PageError(c, err, func() error { return s.categoriesPage(c) })
	}
	return view.Done(c, "/console/categories")
}

func (s *Catalog) categorySave(c *fiber.Ctx) error {
	_, err := s.catalog.UpdateCategory(c.UserContext(), c.Params("category"), categoryForm(c))
	if err != nil {
		return s.PageError(c, err, func() error { return s.categoriesPage(c) })
	}
	return view.Done(c, "/console/categories")
}

func (s *Catalog) categoryDelete(c *fiber.Ctx) error {
	if err := s.catalog.DeleteCategory(c.UserContext(), c.Params("category")); err != nil {
		return s.PageError(c, err, func() error { return s.categoriesPage(c) })
	}
	return view.Done(c, "/console/categories")
}

type collectionsData struct {
	Collections []admin.CollectionJSON
	CanWrite    bool
}

func (s *Catalog) collectionsPage(c *fiber.Ctx) error {
	cs, err := s.catalog.Collections(c.UserContext(), false)
	if err != nil {
		return err
	}
	d := collectionsData{CanWrite: s.Can(c, perm.CatalogWrite)}
	for _, x := range cs {
		d.Collections = append(d.Collections, admin.CollectionJSONOf(x))
	}
	return s.PageWithError(c, "console/collections", "Collections", "products", d)
}

type collectionData struct {
	C          admin.CollectionJSON
	Rules      []admin.RuleJSON
	Products   []productRowView
	ProductIDs string
	Categories []admin.CategoryJSON
	CanWrite   bool
	Sorts      []string
}

// collectionForm reads the collection editor: up to 6 rule rows and, for a
// manual collection, product ids one per line (or comma-separated).
func collectionForm(c *fiber.Ctx) (catalog.CollectionInput, []string, bool) {
	pos, _ := strconv.Atoi(c.FormValue("position"))
	in := catalog.CollectionInput{Handle: c.FormValue("handle"), Title: c.FormValue("title"), BodyHTML: c.FormValue("body_html"),
		Kind: catalog.CollectionKind(c.FormValue("kind")), MatchAll: c.FormValue("match_all") != "any", Sort: catalog.Sort(c.FormValue("sort")),
		SEOTitle: c.FormValue("seo_title"), SEODescription: c.FormValue("seo_description"), Published: c.FormValue("published") == "on",
		Featured: c.FormValue("featured") == "on", Position: pos}
	if in.Kind == "" {
		in.Kind = catalog.Manual
	}
	args := c.Request().PostArgs()
	fields, rels, vals := args.PeekMulti("rule_field"), args.PeekMulti("rule_relation"), args.PeekMulti("rule_value")
	for i := range fields {
		if i >= len(rels) || i >= len(vals) || strings.TrimSpace(string(vals[i])) == "" {
			continue
		}
		in.Rules = append(in.Rules, catalog.Rule{Field: string(fields[i]), Relation: string(rels[i]), Value: strings.TrimSpace(string(vals[i]))})
	}
	given := args.Has("product_ids")
	ids := strings.FieldsFunc(c.FormValue("product_ids"), func(r rune) bool { return r == ',' || r == '\n' || r == '\r' || r == ' ' })
	return in, ids, given
}

func (s *Catalog) collectionCreate(c *fiber.Ctx) error {
	in, _, _ := collectionForm(c)
	x, err := s.catalog.CreateCollection(c.UserContext(), in)
	if err != nil {
		return s.PageError(c, err, func() error { return s.collectionsPage(c) })
	}
	return view.Done(c, "/console/collections/"+x.ID)
}

func (s *Catalog) collectionPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	x, err := s.catalog.Collection(ctx, c.Params("collection"))
	if err != nil {
		return err
	}
	d := collectionData{C: admin.CollectionJSONOf(x), CanWrite: s.Can(c, perm.CatalogWrite), Sorts: []string{"manual", "newest", "title", "price_asc", "price_desc"}}
	d.Rules = append(d.Rules, d.C.Rules...)
	for len(d.Rules) < len(d.C.Rules)+3 {
		d.Rules = append(d.Rules, admin.RuleJSON{})
	}
	tree, err := s.catalog.CategoryTree(ctx)
	if err != nil {
		return err
	}
	d.Categories = admin.CategoriesJSON(tree)
	pg, err := s.catalog.List(ctx, catalog.Filter{CollectionID: x.ID, Limit: 100})
	if err != nil {
		return err
	}
	var ids []string
	for _, p := range pg.Products {
		d.Products = append(d.Products, productRowView{ID: p.ID, Title: p.Title, Status: string(p.Status), Price: priceRange(p), Thumb: thumbURL(p)})
		ids = append(ids, p.ID)
	}
	d.ProductIDs = strings.Join(ids, "\n")
	return s.PageWithError(c, "console/collection", x.Title, "products", d)
}

func (s *Catalog) collectionSave(c *fiber.Ctx) error {
	ctx := c.UserContext()
	in, ids, given := collectionForm(c)
	x, err := s.catalog.UpdateCollection(ctx, c.Params("collection"), in)
	if err == nil && given && x.Kind == catalog.Manual {
		err = s.catalog.SetCollectionProducts(ctx, x.ID, ids)
	}
	if err != nil {
		return s.PageError(c, err, func() error { return s.collectionPage(c) })
	}
	return view.Done(c, "/console/collections/"+x.ID)
}

func (s *Catalog) collectionDelete(c *fiber.Ctx) error {
	if err := s.catalog.DeleteCollection(c.UserContext(), c.Params("collection")); err != nil {
		return s.PageError(c, err, func() error { return s.collectionPage(c) })
	}
	return view.Done(c, "/console/collections")
}
