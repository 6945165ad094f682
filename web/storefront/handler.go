// Package storefront is each shop's storefront on the shop's own host
// (<slug>.<base domain> or a verified custom domain): the catalog pages,
// search, sitemaps and robots.txt, customer accounts, the cart, checkout,
// order, tracking and return pages, the shop builder's themes, sections,
// content pages, blog and newsletter, the per-shop page cache and the
// per-shop request budget. Its templates (templates/), theme stylesheets
// (themes/) and assets (static/) are embedded beside it.
//
// It owns no tables: it reads through the domain services (catalog,
// inventory, customer, design, content and the commerce services), and
// its page cache asks the owners what changed (catalog.LastChange,
// design.LastChange, content.LastChange, inventory.MovedProducts) in one
// read transaction.
//
// The web server builds one Handler, registers its Routes, and uses a
// small surface for the shop host's middleware chain: ResolveShop, Budget,
// DropCacheOnWrite and InvalidateShop. It imports no other web area.
package storefront

import (
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/aftersales"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/blob"
	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/checkout"
	"github.com/wasmart/wasmart/core/content"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/design"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/experiment"
	"github.com/wasmart/wasmart/core/loyalty"
	"github.com/wasmart/wasmart/core/mailing"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/review"
	"github.com/wasmart/wasmart/core/shipping"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/plugins"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/session"
	"github.com/wasmart/wasmart/web/internal/view"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config tunes the page cache and the per-shop budget.
type Config struct {
	// CacheBytes caps the page cache (0: 64 MiB; negative: no pages are
	// stored).
	CacheBytes int64
	// CacheRecheck is how often a shop's cached pages are checked against
	// the database for changes made by other processes (0: 1 s; negative:
	// on every request).
	CacheRecheck time.Duration
	// Budget is each shop's budget in units a second (see budget.go),
	// multiplied by the plan's StorefrontBudgetFactor (0: 500; negative:
	// no per-shop limit). BudgetBurst is how many units a shop may spend
	// at once (0: 30 seconds' worth; at least one dear request's cost).
	Budget      float64
	BudgetBurst int
}

func (c *Config) defaults() {
	if c.Budget == 0 {
		c.Budget = defaultShopBudget
	}
	if c.BudgetBurst <= 0 {
		c.BudgetBurst = int(c.Budget * defaultShopBudgetBurst)
	}
	c.BudgetBurst = max(c.BudgetBurst, costDear)
}

// Commerce are the purchase-flow services the storefront's pages call.
type Commerce struct {
	Carts      *cart.Service
	Checkout   *checkout.Service
	Orders     *order.Service
	Payments   *payment.Service
	Shipments  *shipping.Service
	AfterSales *aftersales.Service
}

// Deps are what the storefront calls.
type Deps struct {
	Kit    *session.Kit
	Errors *httpx.Errors
	Log    *slog.Logger
	// DB is read for the page cache's checks (through the owners' reads)
	// and the shop's checkout settings (the return window).
	DB        *store.DB
	Tenants   *tenants.Service
	Catalog   *catalog.Service
	Customers *customer.Service
	Design    *design.Service
	Content   *content.Service
	// Blobs serves product and design images (nil: none).
	Blobs blob.Store
	// Plugins ranks recommendations (nil: none shown).
	Plugins *plugins.Service
	// Baskets are the shop's bought-together rules shown on product
	// pages (nil: none shown).
	Baskets  *analytics.Service
	Commerce Commerce
	// Promotions gives product pages their sale prices (nil: none shown).
	Promotions *promotion.Service
	// Reviews are shown on product pages and written from order pages.
	Reviews *review.Service
	// Loyalty shows members their points, tier and referral link (nil:
	// none shown).
	Loyalty *loyalty.Service
	// Mailing answers the unsubscribe, open and click links of campaign
	// mail.
	Mailing *mailing.Service
	// Limiter counts the per-address caps of customer sign-in, sign-up,
	// order tracking and the analytics beacon (the server's per-address
	// limiter).
	Limiter *httpx.Limiter
	// Analytics counts page views and shopper events (nil: nothing is
	// counted).
	Analytics *analytics.Service
	// Experiments are the shop's A/B tests of product pages (nil: none).
	Experiments *experiment.Service
}

// Handler serves the storefront: the shop host's middleware (ResolveShop,
// Budget), the page cache's surface for the rest of the server, and the
// routes of its three parts, each holding only the services it uses:
// catalogPages (the anonymous, cached catalog and content pages, sitemaps
// and media), accountPages (customer accounts) and purchasePages (cart,
// checkout, orders, tracking and returns).
type Handler struct {
	*layout

	cfg      Config
	tenants  *tenants.Service
	cache    *shopCache
	budgets  shopBudgets
	pages    *catalogPages
	accounts *accountPages
	purchase *purchasePages
	mail     *mailPages
}

// layout is what every storefront page is drawn with, shared by the
// Handler and its parts: the session kit, the templates, and the services
// behind every page's look: the shop's design (theme, menus, sections
// whose links and cards resolve to catalog and content handles) and its
// category navigation.
type layout struct {
	*session.Kit
	*view.Views

	log       *slog.Logger
	analytics *analytics.Service // nil: off (analytics.go)
	catalog   *catalog.Service
	content   *content.Service
	design    *design.Service

	// experiments are the A/B tests (nil: none; experiment.go).
	experiments *experiment.Service
}

// New parses the storefront's templates and returns its handler.
func New(cfg Config, d Deps) (*Handler, error) {
	cfg.defaults()
	pages, err := fs.Sub(templateFS, "templates")
	if err != nil {
		return nil, err
	}
	tpl, err := view.New(pages, template.FuncMap{"shopMoney": view.Money, "co": coFieldOf, "offers": offersBlockOf})
	if err != nil {
		return nil, err
	}
	l := &layout{Kit: d.Kit, Views: view.NewViews(tpl, d.Kit, d.Tenants, d.Errors), log: d.Log, analytics: d.Analytics, experiments: d.Experiments,
		catalog: d.Catalog, content: d.Content, design: d.Design}
	cache := newShopCache(cfg.CacheBytes, cfg.CacheRecheck, d.DB, d.Design, d.Log)
	offers := sales{offers: d.Promotions, db: d.DB}
	recs := recommender{plugins: d.Plugins, baskets: d.Baskets, catalog: d.Catalog, sales: offers, log: d.Log}
	return &Handler{layout: l, cfg: cfg, tenants: d.Tenants, cache: cache,
		pages: &catalogPages{layout: l, cache: cache, blobs: d.Blobs, recs: recs, sales: offers,
			members: members{carts: d.Commerce.Carts}, ipRate: d.Limiter, reviews: d.Reviews, loyalty: d.Loyalty},
		accounts: &accountPages{layout: l, customers: d.Customers, carts: d.Commerce.Carts, afterSales: d.Commerce.AfterSales, ipRate: d.Limiter, loyalty: d.Loyalty, reviews: d.Reviews},
		purchase: &purchasePages{layout: l, customers: d.Customers, commerce: d.Commerce, db: d.DB, ipRate: d.Limiter, recs: recs, reviews: d.Reviews, mailing: d.Mailing},
		mail:     &mailPages{layout: l, mailing: d.Mailing},
	}, nil
}

// Routes are the storefront's routes, in the order the router tries them.
func (s *Handler) Routes() []httpx.Route {
	var t httpx.Table
	s.pages.routes(&t)
	s.accounts.routes(&t)
	s.purchase.routes(&t)
	s.purchase.reviewRoutes(&t)
	s.mail.routes(&t)
	s.pages.contentRoutes(&t)
	return t.Routes()
}

// ResolveShop is the shop host's first middleware: it finds the shop for
// the request's host; unknown and closed shops are 404, a suspended shop
// gets the maintenance page (the API a 503 JSON error). Errors after it
// are shown in the shop's own look (JSON for the API).
func (s *Handler) ResolveShop(c *fiber.Ctx) error {
	t, err := s.tenants.ResolveHost(c.UserContext(), string(c.Request().Host()))
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return errs.NotFoundf("no shop answers at %s", c.Hostname())
		}
		return err
	}
	switch t.Status {
	case tenants.StatusActive:
	case tenants.StatusSuspended:
		c.Set(fiber.HeaderRetryAfter, "3600")
		if httpx.WantsJSON(c) { // the API's own error, never the page
			return errs.E(errs.Unavailable, "%s is taking a short break and not taking orders right now; please come back later", t.Name)
		}
		c.Status(fiber.StatusServiceUnavailable)
		c.SetUserContext(tenancy.WithTenant(c.UserContext(), t.ID))
		return s.maintenancePage(c, t)
	default:
		return errs.NotFoundf("no shop answers at %s", c.Hostname())
	}
	session.SetShop(c, t)
	c.SetUserContext(tenancy.WithTenant(c.UserContext(), t.ID))
	s.previewFromToken(c) // ?preview=<token>: the draft design (design.go)
	s.withVisitor(c)      // the A/B tests' visitor, for prices (experiment.go)
	err = c.Next()
	if err != nil && !httpx.WantsJSON(c) {
		return s.shopError(c, err)
	}
	return err
}
