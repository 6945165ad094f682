package web

import (
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// The merchant side of the catalog: a JSON API and console pages for
// products (list with search, filters, cursor pagination and bulk edits;
// editor with options, variants, images, SEO and the review flow),
// categories and collections. Handlers are thin over core/catalog, which
// validates and enforces the workflow's transitions; who may publish is
// decided here by the route's permission (catalog.publish for approve,
// reject, publish, unpublish and archive; catalog.write to edit and submit).
//
// Every state-changing call is recorded in the audit log by core/catalog,
// in the change's own transaction: the entry exists exactly when the change
// committed.

// catalogPages are the console's product, category and collection pages.
func (s *Server) catalogPages(t *httpx.Table) {
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
