package admin

import (
	"io"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/tenants/perm"
)

// The catalog: the API shapes of products, categories and collections,
// and the changes whose rules both areas share: creating a product (the
// status and plan checks), the review workflow's steps, image uploads and
// bulk edits. core/catalog validates and enforces the workflow; who may
// publish is the route's permission, and for create and bulk also checked
// here.

// ProductJSON is a product with its variants, images and tags. Prices are
// integer minor units of Currency.
type ProductJSON struct {
	ID             string        `json:"id"`
	Handle         string        `json:"handle"`
	Title          string        `json:"title"`
	BodyHTML       string        `json:"body_html"`
	Vendor         string        `json:"vendor"`
	ProductType    string        `json:"product_type"`
	CategoryID     string        `json:"category_id,omitempty"`
	Role           string        `json:"role,omitempty"`
	SEOTitle       string        `json:"seo_title"`
	SEODescription string        `json:"seo_description"`
	Status         string        `json:"status"`
	PublishAt      *time.Time    `json:"publish_at,omitempty"`
	PublishedAt    *time.Time    `json:"published_at,omitempty"`
	Currency       string        `json:"currency"`
	PriceMin       int64         `json:"price_min"`
	PriceMax       int64         `json:"price_max"`
	Options        []OptionJSON  `json:"options"`
	Tags           []string      `json:"tags"`
	Variants       []VariantJSON `json:"variants"`
	Images         []ImageJSON   `json:"images"`
	Version        int           `json:"version"`
	CreatedAt      time.Time     `json:"created_at"`
	UpdatedAt      time.Time     `json:"updated_at"`
}

// OptionJSON is a product option and its values.
type OptionJSON struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

// VariantJSON is a variant; Stock sums every location. A variant whose
// inventory is not tracked (inventory_tracked false) is sold whatever its
// stock says.
type VariantJSON struct {
	ID               string     `json:"id"`
	SKU              string     `json:"sku"`
	Barcode          string     `json:"barcode"`
	Options          []string   `json:"options"`
	Price            int64      `json:"price"`
	CompareAtPrice   *int64     `json:"compare_at_price,omitempty"`
	Cost             *int64     `json:"cost,omitempty"`
	WeightGrams      int64      `json:"weight_grams"`
	LengthMM         int64      `json:"length_mm"`
	WidthMM          int64      `json:"width_mm"`
	HeightMM         int64      `json:"height_mm"`
	AllowBackorder   bool       `json:"allow_backorder"`
	SafetyStock      int64      `json:"safety_stock"`
	RequiresShipping bool       `json:"requires_shipping"`
	Taxable          bool       `json:"taxable"`
	InventoryTracked bool       `json:"inventory_tracked"`
	WeightUnit       string     `json:"weight_unit"`
	TaxCode          string     `json:"tax_code"`
	Stock            *StockJSON `json:"stock,omitempty"`
}

// StockJSON is stock summed over locations: on_hand = available + reserved.
type StockJSON struct {
	OnHand    int64 `json:"on_hand"`
	Available int64 `json:"available"`
	Reserved  int64 `json:"reserved"`
}

// ImageJSON is a product image. URL is the external address, or for an
// upload the console path of the original (add ?w=320 for a rendition).
type ImageJSON struct {
	ID         string `json:"id"`
	URL        string `json:"url"`
	Alt        string `json:"alt"`
	Width      int    `json:"width,omitempty"`
	Height     int    `json:"height,omitempty"`
	Renditions []int  `json:"renditions,omitempty"`
}

// ReviewJSON is one workflow event.
type ReviewJSON struct {
	From      string     `json:"from"`
	To        string     `json:"to"`
	Comment   string     `json:"comment,omitempty"`
	PublishAt *time.Time `json:"publish_at,omitempty"`
	ActorName string     `json:"actor_name"`
	ActorID   string     `json:"actor_id"`
	At        time.Time  `json:"at"`
}

// BulkBody edits many products at once: a price change by percent
// (-10.5 = 10.5 % cheaper) or by amount (minor units, may be negative),
// tags to add or remove, and a status.
type BulkBody struct {
	ProductIDs       []string `json:"product_ids"`
	PricePercent     float64  `json:"price_percent"`
	PriceAmount      int64    `json:"price_amount"`
	IncludeCompareAt bool     `json:"include_compare_at"`
	AddTags          []string `json:"add_tags"`
	RemoveTags       []string `json:"remove_tags"`
	Status           string   `json:"status"`
}

// CategoryJSON is a category; Depth is its level in the tree (0 = root).
type CategoryJSON struct {
	ID          string `json:"id"`
	ParentID    string `json:"parent_id,omitempty"`
	Name        string `json:"name"`
	Slug        string `json:"slug"`
	Description string `json:"description"`
	Position    int    `json:"position"`
	Depth       int    `json:"depth"`
}

// CollectionJSON is a collection.
type CollectionJSON struct {
	ID             string     `json:"id"`
	Handle         string     `json:"handle"`
	Title          string     `json:"title"`
	BodyHTML       string     `json:"body_html"`
	Kind           string     `json:"kind"`
	Rules          []RuleJSON `json:"rules"`
	MatchAll       bool       `json:"match_all"`
	Sort           string     `json:"sort"`
	SEOTitle       string     `json:"seo_title"`
	SEODescription string     `json:"seo_description"`
	Published      bool       `json:"published"`
	Featured       bool       `json:"featured"`
	Position       int        `json:"position"`
}

// RuleJSON is a rule of an automatic collection: field tag (equals,
// not_equals), category, vendor, type (equals) or price (at_least,
// at_most, minor units).
type RuleJSON struct {
	Field    string `json:"field"`
	Relation string `json:"relation"`
	Value    string `json:"value"`
}

// ProductJSONOf is a product in its API shape.
func ProductJSONOf(p *catalog.Product) ProductJSON {
	out := ProductJSON{ID: p.ID, Handle: p.Handle, Title: p.Title, BodyHTML: p.BodyHTML, Vendor: p.Vendor, ProductType: p.ProductType,
		CategoryID: p.CategoryID, Role: string(p.Role), SEOTitle: p.SEOTitle, SEODescription: p.SEODescription, Status: string(p.Status),
		PublishAt: p.PublishAt, PublishedAt: p.PublishedAt, Currency: p.Currency, PriceMin: p.PriceMin, PriceMax: p.PriceMax,
		Options: []OptionJSON{}, Tags: []string{}, Variants: []VariantJSON{}, Images: []ImageJSON{}, Version: p.Version,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	for _, o := range p.Options {
		out.Options = append(out.Options, OptionJSON{Name: o.Name, Values: append([]string{}, o.Values...)})
	}
	out.Tags = append(out.Tags, p.Tags...)
	for _, v := range p.Variants {
		vj := VariantJSON{ID: v.ID, SKU: v.SKU, Barcode: v.Barcode, Options: []string{}, Price: v.Price, CompareAtPrice: v.CompareAtPrice,
			Cost: v.Cost, WeightGrams: v.WeightGrams, LengthMM: v.LengthMM, WidthMM: v.WidthMM, HeightMM: v.HeightMM,
			AllowBackorder: v.AllowBackorder, SafetyStock: v.SafetyStock, RequiresShipping: v.RequiresShipping, Taxable: v.Taxable,
			InventoryTracked: v.InventoryTracked, WeightUnit: v.WeightUnit, TaxCode: v.TaxCode}
		for i := range p.Options {
			vj.Options = append(vj.Options, v.Options[i])
		}
		if v.Stock != nil {
			vj.Stock = &StockJSON{OnHand: v.Stock.OnHand, Available: v.Stock.Available, Reserved: v.Stock.Reserved}
		}
		out.Variants = append(out.Variants, vj)
	}
	for _, im := range p.Images {
		out.Images = append(out.Images, ImageJSONOf(p.ID, im))
	}
	return out
}

// ImageJSONOf is a product image in its API shape.
func ImageJSONOf(productID string, im catalog.Image) ImageJSON {
	u := im.Src
	if im.Key != "" {
		u = "/console/products/" + productID + "/images/" + im.ID
	}
	return ImageJSON{ID: im.ID, URL: u, Alt: im.Alt, Width: im.Width, Height: im.Height, Renditions: im.Renditions}
}

// checkCreateStatus refuses creating a product straight into a public
// status without the publish permission.
func (a *Admin) checkCreateStatus(c *fiber.Ctx, st catalog.Status) error {
	if st == "" || st == catalog.Draft || st == catalog.InReview {
		return nil
	}
	if !a.kit.Can(c, perm.CatalogPublish) {
		return &errs.Error{Code: errs.Forbidden, Field: "status", Message: "publishing needs the catalog.publish permission; submit the product for review instead"}
	}
	return nil
}

// checkProductQuota refuses a new product beyond the shop's plan.
func (a *Admin) checkProductQuota(c *fiber.Ctx, adding int64) error {
	n, err := a.catalog.Count(c.UserContext())
	if err != nil {
		return err
	}
	if adding < 1 {
		adding = 1
	}
	return a.tenants.CheckQuota(c.UserContext(), a.kit.Current(c).TenantID, tenants.QuotaProducts, n+adding-1)
}

// CreateProduct creates a product after the status and plan checks; the
// currency defaults to the shop's.
func (a *Admin) CreateProduct(c *fiber.Ctx, in catalog.ProductInput) (*catalog.Product, error) {
	if err := a.checkCreateStatus(c, in.Status); err != nil {
		return nil, err
	}
	if err := a.checkProductQuota(c, 1); err != nil {
		return nil, err
	}
	if in.Currency == "" {
		in.Currency = a.ShopCurrency(c)
	}
	return a.catalog.Create(c.UserContext(), in)
}

// ProductFilter reads the product list's query: q, status, category,
// collection, tag, vendor, type, role, sort, cursor, limit, price_min and
// price_max (minor units).
func ProductFilter(c *fiber.Ctx) (catalog.Filter, error) {
	f := catalog.Filter{Query: c.Query("q"), Status: catalog.Status(c.Query("status")), CategoryID: c.Query("category"),
		CollectionID: c.Query("collection"), Tag: c.Query("tag"), Vendor: c.Query("vendor"), ProductType: c.Query("type"),
		Role: catalog.Role(c.Query("role")), Sort: catalog.Sort(c.Query("sort")), Cursor: c.Query("cursor")}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return f, errs.Field("limit", "must be a positive whole number")
		}
		f.Limit = n
	}
	for _, x := range []struct {
		name string
		dst  **int64
	}{{"price_min", &f.PriceMin}, {"price_max", &f.PriceMax}} {
		if v := c.Query(x.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return f, errs.Field(x.name, "must be a price in minor units")
			}
			*x.dst = &n
		}
	}
	return f, nil
}

// Transition runs one workflow step and audits it.
func (a *Admin) Transition(c *fiber.Ctx, step string, comment string, at *time.Time) (*catalog.Product, error) {
	ctx, id := c.UserContext(), c.Params("product")
	var p *catalog.Product
	var err error
	switch step {
	case "submit":
		p, err = a.catalog.Submit(ctx, id, comment)
	case "approve":
		p, err = a.catalog.Approve(ctx, id, comment, at)
	case "reject":
		p, err = a.catalog.Reject(ctx, id, comment)
	case "publish":
		p, err = a.catalog.Publish(ctx, id, at)
	case "unpublish":
		p, err = a.catalog.Transition(ctx, id, catalog.Draft, catalog.TransitionOptions{Comment: comment})
	case "archive":
		p, err = a.catalog.Archive(ctx, id, comment)
	default:
		return nil, errs.NotFoundf("no step %q", step)
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// ReviewsJSON is a product's review history in its API shape.
func ReviewsJSON(evs []catalog.ReviewEvent) []ReviewJSON {
	out := []ReviewJSON{}
	for _, e := range evs {
		out = append(out, ReviewJSON{From: string(e.From), To: string(e.To), Comment: e.Comment, PublishAt: e.PublishAt, ActorName: e.Actor.Name, ActorID: e.Actor.ID, At: e.At})
	}
	return out
}

// UploadImage reads the multipart field "image" and stores it.
func (a *Admin) UploadImage(c *fiber.Ctx) (*catalog.Image, error) {
	fh, err := c.FormFile("image")
	if err != nil {
		return nil, errs.Field("image", "choose an image file to upload")
	}
	f, err := fh.Open()
	if err != nil {
		return nil, errs.Field("image", "could not read the upload")
	}
	defer f.Close()
	return a.catalog.AddImage(c.UserContext(), c.Params("product"), io.Reader(f), fh.Filename, c.FormValue("alt"))
}

// Bulk applies a bulk edit; publishing statuses, and taking products back
// to draft, need catalog.publish. It answers how many products changed.
func (a *Admin) Bulk(c *fiber.Ctx, b BulkBody) (int, error) {
	e := catalog.BulkEdit{ProductIDs: b.ProductIDs, AddTags: b.AddTags, RemoveTags: b.RemoveTags, Status: catalog.Status(b.Status)}
	if b.PricePercent != 0 || b.PriceAmount != 0 {
		bp := b.PricePercent * 100
		if bp < -10000 || bp > catalog.MaxBulkPercentBP {
			return 0, errs.Field("price_percent", "must be between -100 and %d", catalog.MaxBulkPercentBP/100)
		}
		if bp != float64(int64(bp)) {
			return 0, errs.Field("price_percent", "at most two decimals")
		}
		if b.PriceAmount > money.MaxUnitPrice || b.PriceAmount < -money.MaxUnitPrice {
			return 0, errs.Field("price_amount", "must be between -%d and %d minor units", int64(money.MaxUnitPrice), int64(money.MaxUnitPrice))
		}
		e.Price = &catalog.PriceChange{PercentBP: int64(bp), Amount: b.PriceAmount, CompareAt: b.IncludeCompareAt}
	}
	if e.Status != "" && e.Status != catalog.Draft && e.Status != catalog.InReview && !a.kit.Can(c, perm.CatalogPublish) {
		return 0, &errs.Error{Code: errs.Forbidden, Field: "status", Message: "publishing or archiving needs the catalog.publish permission"}
	}
	if e.Status == catalog.Draft && !a.kit.Can(c, perm.CatalogPublish) {
		return 0, &errs.Error{Code: errs.Forbidden, Field: "status", Message: "taking products back to draft needs the catalog.publish permission"}
	}
	return a.catalog.Bulk(c.UserContext(), e)
}

// CategoriesJSON flattens the category tree, parents before children.
func CategoriesJSON(tree []*catalog.Category) []CategoryJSON {
	out := []CategoryJSON{}
	var walk func([]*catalog.Category, int)
	walk = func(cs []*catalog.Category, depth int) {
		for _, x := range cs {
			out = append(out, CategoryJSON{ID: x.ID, ParentID: x.ParentID, Name: x.Name, Slug: x.Slug, Description: x.Description, Position: x.Position, Depth: depth})
			walk(x.Children, depth+1)
		}
	}
	walk(tree, 0)
	return out
}

// CollectionJSONOf is a collection in its API shape.
func CollectionJSONOf(x *catalog.Collection) CollectionJSON {
	out := CollectionJSON{ID: x.ID, Handle: x.Handle, Title: x.Title, BodyHTML: x.BodyHTML, Kind: string(x.Kind), Rules: []RuleJSON{},
		MatchAll: x.MatchAll, Sort: string(x.Sort), SEOTitle: x.SEOTitle, SEODescription: x.SEODescription, Published: x.Published,
		Featured: x.Featured, Position: x.Position}
	for _, r := range x.Rules {
		out.Rules = append(out.Rules, RuleJSON(r))
	}
	return out
}
