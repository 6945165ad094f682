// Package console is the merchant console and signing in to it: the
// signed-out pages (sign-up, sign-in with the MFA step, password reset,
// invitations), the console shell (home with the shop's dashboard of
// KPIs for staff who may read analytics, shop switcher, your account,
// staff and roles, API tokens, audit log, shop settings and domains), and
// the console's pages for the catalog, inventory, customers, CSV import
// and export, orders with payments, shipments, returns and tickets,
// checkout settings and mail templates, promotions with their coupon
// codes and figures, the loyalty programme (settings, tiers, customers'
// points and adjustments), plugins, and the shop builder
// (sections, theme, menus, content pages and articles, with a live
// preview of the draft). Its templates (templates/auth, templates/console)
// and assets (static/, served by the server at /static/*, see Assets) are
// embedded beside it; pages are laid out by the shared console layout of
// web/internal/view.
//
// Each resource group is its own handler type (Accounts, Shop, Catalog,
// Inventory, Customers, Imports, Orders, Promotions, Reviews, Loyalty, Segments, Plugins, Builder) holding only
// the services it calls; Handler assembles them and its Routes are the
// console's routes in the order the router tries them. The operations
// the console shares with the JSON API live in web/internal/admin. It
// imports no other web area: the builder's preview reaches the shop host
// through the Preview function the server hands it.
//
// It owns no tables: every read and write goes through the domain
// services (tenants, catalog, inventory, customer, design, content, the
// commerce services, promotions, analytics, plugins) and their owners' functions (checkout
// settings, order mail templates).
package console

import (
	"embed"
	"io/fs"

	"github.com/valyala/fasthttp"
	"github.com/wasmart/wasmart/core/aftersales"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/blob"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/content"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/design"
	"github.com/wasmart/wasmart/core/experiment"
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
	"github.com/wasmart/wasmart/web/internal/view"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Assets are the console's static assets (static/app.css, static/app.js),
// which the server serves at /static/*.
func Assets() fs.FS { return staticFS }

// Commerce are the order services the console's order pages call.
type Commerce struct {
	Orders     *order.Service
	Payments   *payment.Service
	Shipments  *shipping.Service
	AfterSales *aftersales.Service
	// Gateway is the built-in test card gateway (its secret signs the
	// webhooks the test-gateway form sends).
	Gateway *payment.TestGateway
}

// Deps are what the console calls. Admin and Imports are the instances
// the JSON API uses too.
type Deps struct {
	Kit    *session.Kit
	Errors *httpx.Errors // the server's error mapping, for errors shown on a form
	// DB is handed to the owners' functions for checkout settings and
	// mail templates.
	DB        *store.DB
	Tenants   *tenants.Service
	Catalog   *catalog.Service
	Customers *customer.Service
	Design    *design.Service
	Content   *content.Service
	Plugins   *plugins.Service
	// Blobs serves product images (nil: none).
	Blobs    blob.Store
	Commerce Commerce
	// Promotions are the shop's offers and coupon codes.
	Promotions *promotion.Service
	// Mailing is the shop's e-mail campaigns.
	Mailing *mailing.Service
	// Segments are the shop's customer segments and RFM thresholds.
	Segments *segment.Service
	// Reviews are the shop's product reviews (the moderation queue).
	Reviews *review.Service
	// Loyalty is the shop's membership programme (settings, tiers,
	// customers' points).
	Loyalty *loyalty.Service
	// Analytics answers the home dashboard's KPIs (nil: the home shows
	// the plan's quotas only).
	Analytics *analytics.Service
	Admin     *admin.Admin
	Imports   *admin.Imports
	// Preview serves a request on the shop host in-process (the builder's
	// live preview of the draft).
	Preview fasthttp.RequestHandler

	// Experiments are the shop's A/B tests.
	Experiments *experiment.Service
}

// Handler is the console: one handler per resource group.
type Handler struct {
	accounts  *Accounts
	shop      *Shop
	catalog   *Catalog
	inventory *Inventory
	insight   *Insight
	customers *Customers
	imports   *Imports
	orders    *Orders
	promos    *Promotions
	mailing   *Mailing
	segments  *Segments
	goals     *Goals
	reviews   *Reviews
	loyalty   *Loyalty
	plugins   *Plugins
	builder   *Builder

	experiments *Experiments
}

// New parses the console's templates and returns its handler.
func New(d Deps) (*Handler, error) {
	pages, err := fs.Sub(templateFS, "templates")
	if err != nil {
		return nil, err
	}
	tpl, err := view.New(pages, nil)
	if err != nil {
		return nil, err
	}
	b := base{Kit: d.Kit, Views: view.NewViews(tpl, d.Kit, d.Tenants, d.Errors)}
	customers := &Customers{base: b, customers: d.Customers, admin: d.Admin, loyalty: d.Loyalty}
	return &Handler{
		accounts:  &Accounts{base: b, tenants: d.Tenants, admin: d.Admin},
		shop:      &Shop{base: b, tenants: d.Tenants, analytics: d.Analytics, admin: d.Admin},
		catalog:   &Catalog{base: b, tenants: d.Tenants, catalog: d.Catalog, admin: d.Admin, blobs: d.Blobs},
		inventory: &Inventory{base: b, admin: d.Admin},
		insight:   &Insight{base: b, insight: admin.NewInsight(d.Admin, d.Analytics)},
		customers: customers,
		imports:   &Imports{base: b, imports: d.Imports, admin: d.Admin},
		orders:    &Orders{base: b, db: d.DB, tenants: d.Tenants, commerce: d.Commerce, admin: d.Admin},
		promos:    &Promotions{base: b, promotions: d.Promotions, catalog: d.Catalog, admin: d.Admin},
		mailing:   &Mailing{base: b, mailing: d.Mailing},
		segments:  &Segments{base: b, segments: d.Segments, admin: d.Admin},
		goals:     &Goals{base: b, analytics: d.Analytics, admin: d.Admin},
		reviews:   &Reviews{base: b, reviews: d.Reviews, blobs: d.Blobs},
		loyalty:   &Loyalty{Customers: customers, promotions: d.Promotions},
		plugins:   &Plugins{base: b, tenants: d.Tenants, plugins: d.Plugins, admin: d.Admin},
		builder: &Builder{base: b, design: d.Design, content: d.Content, catalog: d.Catalog, admin: d.Admin,
			preview: d.Preview},
		experiments: &Experiments{base: b, experiments: d.Experiments, catalog: d.Catalog},
	}, nil
}

// Routes are the console's routes, in the order the router tries them.
func (h *Handler) Routes() []httpx.Route {
	var t httpx.Table
	h.accounts.accountPages(&t)
	h.shop.consolePages(&t)
	h.catalog.catalogPages(&t)
	h.inventory.inventoryPages(&t)
	h.insight.insightPages(&t)
	h.customers.customerPages(&t)
	h.imports.importPages(&t)
	h.orders.orderPages(&t)
	h.promos.promotionPages(&t)
	h.reviews.reviewPages(&t)
	h.promos.campaignPages(&t)
	h.mailing.mailingPages(&t)
	h.segments.segmentPages(&t)
	h.goals.goalPages(&t)
	h.loyalty.loyaltyPages(&t)
	h.plugins.pluginPages(&t)
	h.builder.builderPages(&t)
	h.experiments.experimentPages(&t)
	return t.Routes()
}

// base is what every console handler uses: who is asking and the pages.
type base struct {
	// Kit answers who is asking (Current, Can, StorefrontURL, cookies).
	*session.Kit
	// Views renders the pages (Page, PageWithError, PageError, FormError).
	*view.Views
}

// Accounts serves the signed-out pages: sign-up, sign-in, password
// reset, invitations, and sign-out (accounts.go).
type Accounts struct {
	base
	tenants *tenants.Service
	admin   *admin.Admin
}

// Shop serves the console shell: home (with the dashboard,
// dashboard.go), shop switcher, your account, staff and roles, API
// tokens, audit log and settings (shop.go).
type Shop struct {
	base
	tenants   *tenants.Service
	analytics *analytics.Service
	admin     *admin.Admin // the dashboard's low stock
}

// Catalog serves the product, category and collection pages (catalog.go).
type Catalog struct {
	base
	tenants *tenants.Service
	catalog *catalog.Service
	admin   *admin.Admin
	blobs   blob.Store
}

// Inventory serves the stock pages (inventory.go).
type Inventory struct {
	base
	admin *admin.Admin
}

// Customers serves the customer pages (customers.go): the customer page
// is one view of the customer (admin.CustomerOverview), with the points
// adjustment form when the shop runs a programme.
type Customers struct {
	base
	customers *customer.Service
	admin     *admin.Admin
	loyalty   *loyalty.Service // the loyalty pages' (loyalty.go)
}

// Loyalty serves the loyalty programme's pages and points adjustments
// (loyalty.go); an adjustment refused shows the customer page again.
type Loyalty struct {
	*Customers
	// promotions lists the coded promotions a monthly coupon or a points
	// coupon may be.
	promotions *promotion.Service
}

// Imports serves CSV import and export (imports.go).
type Imports struct {
	base
	imports *admin.Imports
	admin   *admin.Admin
}

// Orders serves orders, payments, shipments, returns, tickets, checkout
// settings and mail templates (orders.go).
type Orders struct {
	base
	db       *store.DB
	tenants  *tenants.Service
	commerce Commerce
	admin    *admin.Admin
}

// Promotions serves the promotion and coupon code pages (promotions.go).
type Promotions struct {
	base
	promotions *promotion.Service
	catalog    *catalog.Service // the Preview's variants
	admin      *admin.Admin
}

// Reviews serves the review moderation queue (reviews.go).
type Reviews struct {
	base
	reviews *review.Service
	blobs   blob.Store
}

// Plugins serves the plugin pages (plugins.go).
type Plugins struct {
	base
	tenants *tenants.Service
	plugins *plugins.Service
	admin   *admin.Admin
}

// Builder serves the shop builder, menus, content pages and articles
// (builder.go).
type Builder struct {
	base
	design  *design.Service
	content *content.Service
	catalog *catalog.Service
	admin   *admin.Admin
	preview fasthttp.RequestHandler
}
