// Package api is Wasmart's JSON API: every /api/* route of the console
// host (shop, staff, catalog, inventory, customers, imports, orders,
// payments, returns, settings, plugins, design, content, promotions and
// campaigns, reviews, analytics, the platform API) and of the shop hosts (/api/store/*,
// /api/recommendations), one file per resource, with the request and
// answer types the OpenAPI document describes. The answer shapes the merchant console renders too live in
// web/internal/admin and are named here by alias (types.go).
//
// Each resource has its own handler type holding only the services it
// uses; API assembles them and Routes lists every route in the order the
// router tries them. Handlers are thin: the domain services validate, check
// permissions again and audit. It owns no tables.
package api

import (
	"log/slog"

	"github.com/wasmart/wasmart/core/aftersales"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/checkout"
	"github.com/wasmart/wasmart/core/content"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/design"
	"github.com/wasmart/wasmart/core/experiment"
	"github.com/wasmart/wasmart/core/idempotency"
	"github.com/wasmart/wasmart/core/inventory"
	"github.com/wasmart/wasmart/core/loyalty"
	"github.com/wasmart/wasmart/core/mailing"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/review"
	"github.com/wasmart/wasmart/core/segment"
	"github.com/wasmart/wasmart/core/shipping"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/plugins"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/session"
)

// Deps are the services the API calls; web.New passes the same Kit,
// Admin and Imports it hands the merchant console.
type Deps struct {
	Kit       *session.Kit
	Log       *slog.Logger
	DB        *store.DB
	Admin     *admin.Admin
	Imports   *admin.Imports
	Tenants   *tenants.Service
	Plugins   *plugins.Service
	Catalog   *catalog.Service
	Inventory *inventory.Service
	Customers *customer.Service
	Design    *design.Service
	Content   *content.Service

	Carts       *cart.Service
	Checkout    *checkout.Service
	Orders      *order.Service
	Payments    *payment.Service
	Shipments   *shipping.Service
	AfterSales  *aftersales.Service
	Idempotency *idempotency.Service
	Promotions  *promotion.Service
	Reviews     *review.Service
	Analytics   *analytics.Service
	Loyalty     *loyalty.Service
	Mailing     *mailing.Service
	Segments    *segment.Service
	// Experiments are the shop's A/B tests.
	Experiments *experiment.Service
}

// API is the JSON API's handlers, one per resource, in route order.
type API struct {
	areas []httpx.Area
}

// New builds the API's handlers over d.
func New(d Deps) *API {
	return &API{areas: []httpx.Area{
		&Accounts{Kit: d.Kit, tenants: d.Tenants, admin: d.Admin},
		&Shop{Kit: d.Kit, tenants: d.Tenants},
		&Platform{Kit: d.Kit, tenants: d.Tenants},
		&Catalog{catalog: d.Catalog, admin: d.Admin},
		&Inventory{inventory: d.Inventory, admin: d.Admin},
		&Customers{customers: d.Customers, admin: d.Admin},
		&Imports{imports: d.Imports, admin: d.Admin},
		&Orders{orders: d.Orders, shipments: d.Shipments, admin: d.Admin},
		&Payments{log: d.Log, orders: d.Orders, payments: d.Payments, idempotency: d.Idempotency},
		&Returns{afterSales: d.AfterSales},
		&Settings{db: d.DB},
		&Plugins{plugins: d.Plugins, admin: d.Admin},
		&Design{design: d.Design, admin: d.Admin},
		&Content{content: d.Content},
		&Promotions{promotions: d.Promotions},
		&Reviews{reviews: d.Reviews},
		&Analytics{analytics: d.Analytics, admin: d.Admin},
		&Goals{analytics: d.Analytics, admin: d.Admin},
		&Insight{insight: admin.NewInsight(d.Admin, d.Analytics)},
		&Loyalty{loyalty: d.Loyalty},
		&Mailing{Kit: d.Kit, mailing: d.Mailing},
		&Segments{segments: d.Segments},
		&Experiments{experiments: d.Experiments},
		&StoreMember{Kit: d.Kit, loyalty: d.Loyalty, customers: d.Customers},
		&Storefront{Kit: d.Kit, db: d.DB, carts: d.Carts, checkout: d.Checkout, orders: d.Orders, payments: d.Payments,
			shipments: d.Shipments, afterSales: d.AfterSales},
	}}
}

// Routes are every /api/* route, in the order the router tries them
// (resource by resource; the console's and the storefront's routes follow
// them in the server's table).
func (a *API) Routes() []httpx.Route {
	var t httpx.Table
	for _, x := range a.areas {
		t.Add(x.Routes()...)
	}
	return t.Routes()
}
