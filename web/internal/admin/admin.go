// Package admin is what a merchant does to a shop, shared by the JSON API
// (web/api) and the merchant console (web/console): the plan and
// permission checks around a change, the domain call, its audit line, and
// the result in the API's JSON shapes. A handler of either area reads its
// request (JSON body or form), calls an Admin or Imports method, and
// answers with JSON or a page; neither area keeps its own copy of a rule.
//
// The JSON types here are the API's response shapes that the console
// renders too (a product, a customer, a stock page, an import job, ...).
// They live here rather than in web/api because the areas never import
// each other, and a second set of console view types would be a copy that
// drifts; web/api names them (by alias) with the rest of its types, and the
// OpenAPI document names them by their Go names as it does every web type
// (web/openapi.go), so moving them changes no schema name. API-only request
// and response types stay in web/api. These types are the API's, separate
// from the domain structs: a domain change does not change them.
//
// The package also holds the query parsers both areas use (product,
// customer, audit, plugin run and tenant filters), so a console URL and an
// API URL filter the same way. It owns no tables and imports no area.
package admin

import (
	"log/slog"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/aftersales"
	"github.com/wasmart/wasmart/core/blob"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/design"
	"github.com/wasmart/wasmart/core/inventory"
	"github.com/wasmart/wasmart/core/loyalty"
	"github.com/wasmart/wasmart/core/mailing"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/core/review"
	"github.com/wasmart/wasmart/core/segment"
	"github.com/wasmart/wasmart/core/shipping"
	"github.com/wasmart/wasmart/plugins"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web/internal/session"
)

// Deps are the services an Admin calls.
type Deps struct {
	Kit        *session.Kit
	Log        *slog.Logger
	Tenants    *tenants.Service
	Catalog    *catalog.Service
	Inventory  *inventory.Service
	Customers  *customer.Service
	Design     *design.Service
	Plugins    *plugins.Service
	Orders     *order.Service
	Payments   *payment.Service
	Shipments  *shipping.Service
	AfterSales *aftersales.Service
	// Blobs keeps uploaded import files; nil: temporary files.
	Blobs blob.Store
	// The customer overview's sections (overview.go); nil: the section
	// is left out.
	Loyalty  *loyalty.Service
	Segments *segment.Service
	Reviews  *review.Service
	Mailing  *mailing.Service
}

// Admin runs a merchant's changes to the current shop.
type Admin struct {
	kit        *session.Kit
	log        *slog.Logger
	tenants    *tenants.Service
	catalog    *catalog.Service
	inventory  *inventory.Service
	customers  *customer.Service
	design     *design.Service
	plugins    *plugins.Service
	orders     *order.Service
	payments   *payment.Service
	shipments  *shipping.Service
	afterSales *aftersales.Service
	blobs      blob.Store
	loyalty    *loyalty.Service
	segments   *segment.Service
	reviews    *review.Service
	mailing    *mailing.Service
}

// New returns an Admin over d.
func New(d Deps) *Admin {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Admin{kit: d.Kit, log: d.Log, tenants: d.Tenants, catalog: d.Catalog, inventory: d.Inventory, customers: d.Customers,
		design: d.Design, plugins: d.Plugins, orders: d.Orders, payments: d.Payments, shipments: d.Shipments, afterSales: d.AfterSales,
		blobs: d.Blobs, loyalty: d.Loyalty, segments: d.Segments, reviews: d.Reviews, mailing: d.Mailing}
}

// ShopCurrency is the current shop's currency (USD when it has none).
func (a *Admin) ShopCurrency(c *fiber.Ctx) string {
	t, err := a.tenants.Tenant(c.UserContext(), a.kit.Current(c).TenantID)
	if err != nil || t.Currency == "" {
		return "USD"
	}
	return t.Currency
}
