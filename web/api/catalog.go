package api

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// Products (list with search, filters, cursor pagination and bulk edits;
// options, variants, images and the review flow), categories and
// collections over JSON. Handlers are thin over core/catalog, which
// validates, enforces the workflow's transitions and audits in the change's
// own transaction; who may publish is decided by the route's permission
// (catalog.publish for approve, reject, publish, unpublish and archive;
// catalog.write to edit and submit).

// Catalog serves the catalog routes.
type Catalog struct {
	catalog *catalog.Service
	admin   *admin.Admin
}

// Routes are products, categories and collections over JSON.
func (s *Catalog) Routes() []httpx.Route {
	var t httpx.Table
	api := t.Group(httpx.ScopeTenant, "catalog")
	api.API("GET", "/api/products", perm.CatalogRead, "Products: search (q matches title, vendor, type, tags, SKU, barcode by word prefix) and filters (status, category, collection, tag, vendor, type, role, price_min, price_max in minor units), sort, cursor pagination", nil, ProductPage{}, s.apiProducts)
	api.API("POST", "/api/products", perm.CatalogWrite, "Create a product (draft unless you may publish)", ProductBody{}, ProductJSON{}, s.apiProductCreate)
	api.API("POST", "/api/products/bulk", perm.CatalogWrite, "Bulk edit: price by percent or amount, tags, status (publishing statuses need catalog.publish)", BulkBody{}, BulkResult{}, s.apiProductsBulk)
	api.API("GET", "/api/products/:product", perm.CatalogRead, "One product with variants, images, tags and stock", nil, ProductJSON{}, s.apiProduct)
	api.API("PUT", "/api/products/:product", perm.CatalogWrite, "Replace a product's fields, options and variants (send the version you read)", ProductBody{}, ProductJSON{}, s.apiProductUpdate)
	api.API("DELETE", "/api/products/:product", perm.CatalogWrite, "Delete a product", nil, nil, s.apiProductDelete)
	api.API("POST", "/api/products/:product/submit", perm.CatalogWrite, "Submit a draft for review", ReviewBody{}, ProductJSON{}, s.apiProductSubmit)
	api.API("POST", "/api/products/:product/approve", perm.CatalogPublish, "Approve a product in review: publish now or at publish_at", ReviewBody{}, ProductJSON{}, s.apiProductApprove)
	api.API("POST", "/api/products/:product/reject", perm.CatalogPublish, "Send a product in review back to draft with a comment", ReviewBody{}, ProductJSON{}, s.apiProductReject)
	api.API("POST", "/api/products/:product/publish", perm.CatalogPublish, "Publish now or at publish_at", ReviewBody{}, ProductJSON{}, s.apiProductPublish)
	api.API("POST", "/api/products/:product/unpublish", perm.CatalogPublish, "Take a product back to draft", ReviewBody{}, ProductJSON{}, s.apiProductUnpublish)
	api.API("POST", "/api/products/:product/archive", perm.CatalogPublish, "Archive a product", ReviewBody{}, ProductJSON{}, s.apiProductArchive)
	api.API("GET", "/api/products/:product/reviews", perm.CatalogRead, "The product's review history with comments", nil, []ReviewJSON{}, s.apiProductReviews)
	api.API("POST", "/api/products/:product/images", perm.CatalogWrite, "Upload an image (multipart field \"image\", optional \"alt\"; JPEG, PNG, GIF or WebP)", nil, ImageJSON{}, s.apiImageUpload)
	api.API("DELETE", "/api/products/:product/images/:image", perm.CatalogWrite, "Delete an image", nil, nil, s.apiImageDelete)
	api.API("GET", "/api/categories", perm.CatalogRead, "Category tree (flat, parents before children)", nil, []CategoryJSON{}, s.apiCategories)
	api.API("POST", "/api/categories", perm.CatalogWrite, "Create a category", CategoryBody{}, CategoryJSON{}, s.apiCategoryCreate)
	api.API("PUT", "/api/categories/:category", perm.CatalogWrite, "Update a category (move it with parent_id)", CategoryBody{}, CategoryJSON{}, s.apiCategoryUpdate)
	api.API("DELETE", "/api/categories/:category", perm.CatalogWrite, "Delete a category without children", nil, nil, s.apiCategoryDelete)
	api.API("GET", "/api/collections", perm.CatalogRead, "Collections", nil, []CollectionJSON{}, s.apiCollections)
	api.API("POST", "/api/collections", perm.CatalogWrite, "Create a manual or automatic (rule-based) collection", CollectionBody{}, CollectionJSON{}, s.apiCollectionCreate)
	api.API("GET", "/api/collections/:collection", perm.CatalogRead, "One collection", nil, CollectionJSON{}, s.apiCollection)
	api.API("PUT", "/api/collections/:collection", perm.CatalogWrite, "Update a collection", CollectionBody{}, CollectionJSON{}, s.apiCollectionUpdate)
	api.API("DELETE", "/api/collections/:collection", perm.CatalogWrite, "Delete a collection", nil, nil, s.apiCollectionDelete)
	api.API("PUT", "/api/collections/:collection/products", perm.CatalogWrite, "Set a manual collection's products in order", CollectionProducts{}, nil, s.apiCollectionProducts)
	return t.Routes()
}

// ProductBody creates or replaces a product. Variants with an id are
// updated, new ones created, missing ones deleted. Version is required on
// update (optimistic concurrency); Status only on create (draft, or
// published for callers with catalog.publish).
type ProductBody struct {
	Handle         string        `json:"handle"`
	Title          string        `json:"title"`
	BodyHTML       string        `json:"body_html"`
	Vendor         string        `json:"vendor"`
	ProductType    string        `json:"product_type"`
	CategoryID     string        `json:"category_id"`
	Role           string        `json:"role"`
	SEOTitle       string        `json:"seo_title"`
	SEODescription string        `json:"seo_description"`
	Currency       string        `json:"currency"`
	Status         string        `json:"status"`
	Options        []string      `json:"options"`
	Tags           []string      `json:"tags"`
	Variants       []VariantBody `json:"variants"`
	Version        int           `json:"version"`
}

// VariantBody is one variant of a ProductBody.
type VariantBody struct {
	ID               string   `json:"id"`
	SKU              string   `json:"sku"`
	Barcode          string   `json:"barcode"`
	Options          []string `json:"options"`
	Price            int64    `json:"price"`
	CompareAtPrice   *int64   `json:"compare_at_price"`
	Cost             *int64   `json:"cost"`
	WeightGrams      int64    `json:"weight_grams"`
	LengthMM         int64    `json:"length_mm"`
	WidthMM          int64    `json:"width_mm"`
	HeightMM         int64    `json:"height_mm"`
	AllowBackorder   bool     `json:"allow_backorder"`
	SafetyStock      int64    `json:"safety_stock"`
	RequiresShipping *bool    `json:"requires_shipping"`
	Taxable          *bool    `json:"taxable"`
}

// ProductPage is a page of products; pass Next as cursor for the next.
type ProductPage struct {
	Products []ProductJSON `json:"products"`
	Next     string        `json:"next,omitempty"`
}

// ReviewBody carries a reviewer's comment and an optional scheduled
// publication time (RFC 3339).
type ReviewBody struct {
	Comment   string     `json:"comment"`
	PublishAt *time.Time `json:"publish_at"`
}

// BulkResult says how many products changed.
type BulkResult struct {
	Changed int `json:"changed"`
}

// CategoryBody creates or edits a category.
type CategoryBody struct {
	ParentID    string `json:"parent_id"`
	Name        string `json:"name"`
	Slug        string `json:"slug"`
	Description string `json:"description"`
	Position    int    `json:"position"`
}

// CollectionBody creates or edits a collection.
type CollectionBody struct {
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

// CollectionProducts lists a manual collection's products in order.
type CollectionProducts struct {
	ProductIDs []string `json:"product_ids"`
}

func (b ProductBody) input() catalog.ProductInput {
	in := catalog.ProductInput{Handle: b.Handle, Title: b.Title, BodyHTML: b.BodyHTML, Vendor: b.Vendor, ProductType: b.ProductType,
		CategoryID: b.CategoryID, Role: catalog.Role(b.Role), SEOTitle: b.SEOTitle, SEODescription: b.SEODescription,
		Currency: b.Currency, Options: b.Options, Tags: b.Tags, Status: catalog.Status(b.Status)}
	for _, v := range b.Variants {
		vi := catalog.VariantInput{ID: v.ID, SKU: v.SKU, Barcode: v.Barcode, Price: v.Price, CompareAtPrice: v.CompareAtPrice, Cost: v.Cost,
			WeightGrams: v.WeightGrams, LengthMM: v.LengthMM, WidthMM: v.WidthMM, HeightMM: v.HeightMM, AllowBackorder: v.AllowBackorder,
			SafetyStock: v.SafetyStock, RequiresShipping: v.RequiresShipping, Taxable: v.Taxable}
		copy(vi.Options[:], v.Options)
		in.Variants = append(in.Variants, vi)
	}
	return in
}

func (s *Catalog) apiProducts(c *fiber.Ctx) error {
	f, err := admin.ProductFilter(c)
	if err != nil {
		return err
	}
	pg, err := s.catalog.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	out := ProductPage{Products: []ProductJSON{}, Next: pg.Next}
	for _, p := range pg.Products {
		out.Products = append(out.Products, admin.ProductJSONOf(p))
	}
	return c.JSON(out)
}

func (s *Catalog) apiProduct(c *fiber.Ctx) error {
	p, err := s.catalog.Get(c.UserContext(), c.Params("product"))
	if err != nil {
		return err
	}
	return c.JSON(admin.ProductJSONOf(p))
}

func (s *Catalog) apiProductCreate(c *fiber.Ctx) error {
	var b ProductBody
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	p, err := s.admin.CreateProduct(c, b.input())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(admin.ProductJSONOf(p))
}

func (s *Catalog) apiProductUpdate(c *fiber.Ctx) error {
	var b ProductBody
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	if b.Version == 0 {
		return errs.Field("version", "send the version you read, so a concurrent change is not overwritten")
	}
	if b.Status != "" {
		return errs.Field("status", "change the status with submit, approve, publish, unpublish or archive")
	}
	p, err := s.catalog.Update(c.UserContext(), c.Params("product"), b.Version, b.input())
	if err != nil {
		return err
	}
	return c.JSON(admin.ProductJSONOf(p))
}

func (s *Catalog) apiProductDelete(c *fiber.Ctx) error {
	id := c.Params("product")
	if err := s.catalog.Delete(c.UserContext(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Catalog) apiStep(step string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var b ReviewBody
		if len(c.Body()) > 0 {
			if err := httpx.DecodeJSON(c, &b); err != nil {
				return err
			}
		}
		p, err := s.admin.Transition(c, step, b.Comment, b.PublishAt)
		if err != nil {
			return err
		}
		return c.JSON(admin.ProductJSONOf(p))
	}
}

func (s *Catalog) apiProductSubmit(c *fiber.Ctx) error { return s.apiStep("submit")(c) }

func (s *Catalog) apiProductApprove(c *fiber.Ctx) error { return s.apiStep("approve")(c) }

func (s *Catalog) apiProductReject(c *fiber.Ctx) error { return s.apiStep("reject")(c) }

func (s *Catalog) apiProductPublish(c *fiber.Ctx) error { return s.apiStep("publish")(c) }

func (s *Catalog) apiProductUnpublish(c *fiber.Ctx) error { return s.apiStep("unpublish")(c) }

func (s *Catalog) apiProductArchive(c *fiber.Ctx) error { return s.apiStep("archive")(c) }

func (s *Catalog) apiProductReviews(c *fiber.Ctx) error {
	if _, err := s.catalog.Get(c.UserContext(), c.Params("product")); err != nil {
		return err
	}
	evs, err := s.catalog.ReviewHistory(c.UserContext(), c.Params("product"))
	if err != nil {
		return err
	}
	return c.JSON(admin.ReviewsJSON(evs))
}

func (s *Catalog) apiImageUpload(c *fiber.Ctx) error {
	im, err := s.admin.UploadImage(c)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(admin.ImageJSONOf(c.Params("product"), *im))
}

func (s *Catalog) apiImageDelete(c *fiber.Ctx) error {
	if err := s.catalog.DeleteImage(c.UserContext(), c.Params("product"), c.Params("image")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Catalog) apiProductsBulk(c *fiber.Ctx) error {
	var b BulkBody
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	n, err := s.admin.Bulk(c, b)
	if err != nil {
		return err
	}
	return c.JSON(BulkResult{Changed: n})
}

func (s *Catalog) apiCategories(c *fiber.Ctx) error {
	tree, err := s.catalog.CategoryTree(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(admin.CategoriesJSON(tree))
}

func (b CategoryBody) input() catalog.CategoryInput {
	return catalog.CategoryInput{ParentID: b.ParentID, Name: b.Name, Slug: b.Slug, Description: b.Description, Position: b.Position}
}

func categoryJSON(x *catalog.Category) CategoryJSON {
	return CategoryJSON{ID: x.ID, ParentID: x.ParentID, Name: x.Name, Slug: x.Slug, Description: x.Description, Position: x.Position}
}

func (s *Catalog) apiCategoryCreate(c *fiber.Ctx) error {
	var b CategoryBody
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	x, err := s.catalog.CreateCategory(c.UserContext(), b.input())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(categoryJSON(x))
}

func (s *Catalog) apiCategoryUpdate(c *fiber.Ctx) error {
	var b CategoryBody
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	x, err := s.catalog.UpdateCategory(c.UserContext(), c.Params("category"), b.input())
	if err != nil {
		return err
	}
	return c.JSON(categoryJSON(x))
}

func (s *Catalog) apiCategoryDelete(c *fiber.Ctx) error {
	if err := s.catalog.DeleteCategory(c.UserContext(), c.Params("category")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (b CollectionBody) input() catalog.CollectionInput {
	in := catalog.CollectionInput{Handle: b.Handle, Title: b.Title, BodyHTML: b.BodyHTML, Kind: catalog.CollectionKind(b.Kind), MatchAll: b.MatchAll,
		Sort: catalog.Sort(b.Sort), SEOTitle: b.SEOTitle, SEODescription: b.SEODescription, Published: b.Published, Featured: b.Featured, Position: b.Position}
	for _, r := range b.Rules {
		in.Rules = append(in.Rules, catalog.Rule(r))
	}
	return in
}

func (s *Catalog) apiCollections(c *fiber.Ctx) error {
	cs, err := s.catalog.Collections(c.UserContext(), false)
	if err != nil {
		return err
	}
	out := []CollectionJSON{}
	for _, x := range cs {
		out = append(out, admin.CollectionJSONOf(x))
	}
	return c.JSON(out)
}

func (s *Catalog) apiCollection(c *fiber.Ctx) error {
	x, err := s.catalog.Collection(c.UserContext(), c.Params("collection"))
	if err != nil {
		return err
	}
	return c.JSON(admin.CollectionJSONOf(x))
}

func (s *Catalog) apiCollectionCreate(c *fiber.Ctx) error {
	var b CollectionBody
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	x, err := s.catalog.CreateCollection(c.UserContext(), b.input())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(admin.CollectionJSONOf(x))
}

func (s *Catalog) apiCollectionUpdate(c *fiber.Ctx) error {
	var b CollectionBody
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	x, err := s.catalog.UpdateCollection(c.UserContext(), c.Params("collection"), b.input())
	if err != nil {
		return err
	}
	return c.JSON(admin.CollectionJSONOf(x))
}

func (s *Catalog) apiCollectionDelete(c *fiber.Ctx) error {
	if err := s.catalog.DeleteCollection(c.UserContext(), c.Params("collection")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Catalog) apiCollectionProducts(c *fiber.Ctx) error {
	var b CollectionProducts
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	if err := s.catalog.SetCollectionProducts(c.UserContext(), c.Params("collection"), b.ProductIDs); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
