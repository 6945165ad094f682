// Package web is Wasmart's HTTP face: the fiber app, its middleware, the
// route table where every route declares its permission (assembled from
// each area's routes) and the OpenAPI document built from it. The JSON
// API is the area web/api, the merchant console the area web/console, the
// platform console the area web/platform and each shop's storefront the
// area web/storefront, whose routes (and the storefront's shop-host
// middleware) the server registers. New takes every service it uses in
// Deps (cmd/wasmart/wire builds them) and builds none.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
	"github.com/wasmart/wasmart/core/aftersales"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/blob"
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
	"github.com/wasmart/wasmart/web/api"
	"github.com/wasmart/wasmart/web/console"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/session"
	"github.com/wasmart/wasmart/web/internal/view"
	"github.com/wasmart/wasmart/web/platform"
	"github.com/wasmart/wasmart/web/storefront"
)

// Config is the server's configuration.
type Config struct {
	// BaseDomain is the domain shops live under: a shop's storefront is
	// <slug>.<BaseDomain>. "localhost" works on a laptop with no DNS set-up.
	BaseDomain string
	// PublicURL is where the console is reached, e.g. http://localhost:8080.
	PublicURL string
	// BodyLimit caps request bodies in bytes (uploads have their own caps).
	BodyLimit int
	// RateLimitPerIP caps requests per minute from one IP.
	RateLimitPerIP int
	// Secure marks cookies Secure and sends HSTS; set when served over https.
	Secure bool
	// TrustProxy makes the server read client IPs and scheme from
	// X-Forwarded-* headers, on requests that come from a trusted proxy:
	// one of TrustedProxies, or by default any loopback or private-network
	// address (a proxy on the same host or inside the network). Requests
	// from anywhere else keep their own address, so a client cannot choose
	// the address the per-address limits count.
	TrustProxy bool
	// TrustedProxies are the proxies' addresses or CIDR ranges, for
	// TrustProxy; empty: DefaultTrustedProxies.
	TrustedProxies []string
	// Logger receives the access log and errors.
	Logger *slog.Logger
	// ShopCacheBytes caps the storefront page cache (default 64 MiB;
	// negative disables it).
	ShopCacheBytes int64
	// ShopBudget is each shop's storefront budget in units a second (a
	// page from the cache costs 1, a rendered page 5, the cart, checkout
	// and writes 20; see web/storefront/budget.go), multiplied by the plan's
	// StorefrontBudgetFactor. Default 500; negative: no per-shop limit.
	// ShopBudgetBurst is how many units a shop may spend at once (default
	// 30 seconds' worth).
	ShopBudget      float64
	ShopBudgetBurst int
	// NoAnalytics turns storefront event collection off (the overhead
	// benchmark compares with and without).
	NoAnalytics bool
	// ShopCacheRecheck is how often a shop's cached pages are checked
	// against the database for changes made by other processes (default
	// 1s; negative: on every request). Writes through this server drop the
	// shop's pages at once.
	ShopCacheRecheck time.Duration
}

// port is ":8080" from PublicURL, or "" for the scheme's default port.
// ShopURL is the address of a shop's storefront on the base domain, for
// links in e-mails sent outside a request.
func (c Config) ShopURL(slug string) string {
	c.defaults()
	scheme := "http"
	if c.Secure {
		scheme = "https"
	}
	return scheme + "://" + slug + "." + c.BaseDomain + c.port()
}

func (c *Config) port() string {
	u := c.PublicURL
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	u, _, _ = strings.Cut(u, "/")
	if i := strings.LastIndexByte(u, ':'); i >= 0 && !strings.HasSuffix(u, "]") {
		return u[i:]
	}
	return ""
}

func (c *Config) defaults() {
	if c.BaseDomain == "" {
		c.BaseDomain = "localhost"
	}
	if c.BodyLimit == 0 {
		c.BodyLimit = 1 << 20
	}
	if c.RateLimitPerIP == 0 {
		c.RateLimitPerIP = 6000
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.TrustProxy && len(c.TrustedProxies) == 0 {
		c.TrustedProxies = DefaultTrustedProxies
	}
}

// DefaultTrustedProxies are the addresses TrustProxy trusts unless told
// otherwise: loopback and the private-network ranges (RFC 1918, RFC 4193).
var DefaultTrustedProxies = []string{"127.0.0.0/8", "::1", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"}

// Server is the HTTP server with its dependencies.
type Server struct {
	// Kit answers who is asking (Current, Can, Shop, CurrentCustomer, ...).
	*session.Kit
	// Views renders pages (Render, Page, PageError, ...).
	*view.Views

	cfg          Config
	log          *slog.Logger
	db           *store.DB
	app          *fiber.App
	storeApp     *fiber.App
	storeHandler fasthttp.RequestHandler
	publicHost   string
	routes       []Route
	ipRate       *httpx.Limiter
	tenantRate   *httpx.Limiter
	errors       *httpx.Errors
	tenants      *tenants.Service
	catalog      *catalog.Service
	inventory    *inventory.Service
	customers    *customer.Service
	blobs        blob.Store
	design       *design.Service
	content      *content.Service
	store        *storefront.Handler
	planCache    sync.Map // tenant id -> planEntry
	commerce     *commerce
	admin        *admin.Admin
	imports      *admin.Imports
	plugins      *plugins.Service
	platform     *platform.Handler
	api          *api.API
	console      *console.Handler

	openapiOnce sync.Once
	openapiDoc  map[string]any
}

// Deps are the services the server calls. Every field is required but
// Blobs: New builds no service (cmd/wasmart/wire builds them all) and
// refuses Deps that lack one. The server closes none of them; whoever built
// them closes them after Serve returns.
type Deps struct {
	DB        *store.DB
	Tenants   *tenants.Service
	Plugins   *plugins.Service
	Catalog   *catalog.Service
	Inventory *inventory.Service
	Customers *customer.Service
	// Blobs stores uploaded images; nil: no image uploads and no /media on
	// shop hosts.
	Blobs blob.Store
	// Design and Content are the shop builder's services (themes,
	// sections, menus; pages, articles, subscribers).
	Design  *design.Service
	Content *content.Service

	// The commerce services: carts, checkout, orders, payments, shipping
	// and after-sales.
	Carts       *cart.Service
	Checkout    *checkout.Service
	Orders      *order.Service
	Payments    *payment.Service
	Shipments   *shipping.Service
	AfterSales  *aftersales.Service
	Idempotency *idempotency.Service
	// Promotions are the shops' offers, coupon codes and campaigns (the
	// carts and checkout above already price and redeem them).
	Promotions *promotion.Service
	// Reviews are the shops' product reviews: product pages show them,
	// shoppers write them from their orders, staff moderate them.
	Reviews *review.Service
	// Analytics collects storefront events and answers the KPIs.
	Analytics *analytics.Service
	// Loyalty is the shops' membership programmes (points, tiers,
	// referrals; checkout redeems points through it already).
	Loyalty *loyalty.Service
	// Mailing is the shops' e-mail campaigns (unsubscribe, open and click
	// links on shop hosts; campaigns in the console and API).
	Mailing *mailing.Service
	// Segments are the shops' customer segments and RFM scores.
	Segments *segment.Service
	// Experiments are the shops' A/B tests of product pages.
	Experiments *experiment.Service
	// Gateway is the built-in test card gateway (its secret signs the
	// webhooks the console's test-gateway form sends).
	Gateway *payment.TestGateway
	// OrderSecret signs order access tokens (Order-Token).
	OrderSecret []byte
}

// missing names the first required field of d that is not set.
func (d Deps) missing() string {
	v := reflect.ValueOf(d)
	for i := range v.NumField() {
		if name := v.Type().Field(i).Name; name != "Blobs" && v.Field(i).IsZero() {
			return name
		}
	}
	return ""
}

// commerce are the commerce services of Deps, as the handlers reach them
// (s.commerce.Orders, ...).
type commerce struct {
	Carts       *cart.Service
	Checkout    *checkout.Service
	Orders      *order.Service
	Payments    *payment.Service
	Shipments   *shipping.Service
	AfterSales  *aftersales.Service
	Idempotency *idempotency.Service
	Gateway     *payment.TestGateway
}

// New builds the server and its route table over the services in deps.
func New(cfg Config, deps Deps) (*Server, error) {
	cfg.defaults()
	if name := deps.missing(); name != "" {
		return nil, errors.New("web: Deps." + name + " is missing")
	}
	tpl, err := view.New(nil, nil) // the shared error page
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, db: deps.DB, tenants: deps.Tenants, plugins: deps.Plugins,
		catalog: deps.Catalog, inventory: deps.Inventory, customers: deps.Customers, blobs: deps.Blobs,
		design: deps.Design, content: deps.Content,
		commerce: &commerce{Carts: deps.Carts, Checkout: deps.Checkout, Orders: deps.Orders, Payments: deps.Payments,
			Shipments: deps.Shipments, AfterSales: deps.AfterSales, Idempotency: deps.Idempotency, Gateway: deps.Gateway}}
	s.ipRate = httpx.NewLimiter(cfg.RateLimitPerIP, time.Minute)
	s.tenantRate = httpx.NewLimiter(1, time.Minute)
	s.Kit = session.New(session.Config{Tenants: s.tenants, Customers: s.customers,
		Secure: cfg.Secure, TrustProxy: cfg.TrustProxy, BaseDomain: cfg.BaseDomain, Port: cfg.port(), OrderSecret: deps.OrderSecret})
	s.admin = admin.New(admin.Deps{Kit: s.Kit, Log: s.log, Tenants: s.tenants, Catalog: s.catalog, Inventory: s.inventory, Customers: s.customers,
		Design: s.design, Plugins: s.plugins, Orders: s.commerce.Orders, Payments: s.commerce.Payments, Shipments: s.commerce.Shipments,
		AfterSales: s.commerce.AfterSales, Blobs: s.blobs, Loyalty: deps.Loyalty, Segments: deps.Segments, Reviews: deps.Reviews, Mailing: deps.Mailing})
	s.imports = admin.NewImports(s.admin)
	if u, err := url.Parse(cfg.PublicURL); err == nil {
		s.publicHost = strings.ToLower(u.Hostname())
	}
	s.errors = &httpx.Errors{Log: cfg.Logger, BodyLimit: cfg.BodyLimit}
	s.Views = view.NewViews(tpl, s.Kit, s.tenants, s.errors)
	c := s.commerce
	collect := deps.Analytics
	if cfg.NoAnalytics {
		collect = nil
	}
	s.store, err = storefront.New(storefront.Config{CacheBytes: cfg.ShopCacheBytes, CacheRecheck: cfg.ShopCacheRecheck, Budget: cfg.ShopBudget, BudgetBurst: cfg.ShopBudgetBurst},
		storefront.Deps{Kit: s.Kit, Errors: s.errors, Log: s.log, DB: s.db, Tenants: s.tenants, Catalog: s.catalog, Customers: s.customers,
			Design: s.design, Content: s.content, Blobs: s.blobs, Plugins: s.plugins, Limiter: s.ipRate, Promotions: deps.Promotions, Loyalty: deps.Loyalty, Analytics: collect, Reviews: deps.Reviews, Mailing: deps.Mailing, Experiments: deps.Experiments,
			Baskets:  deps.Analytics,
			Commerce: storefront.Commerce{Carts: c.Carts, Checkout: c.Checkout, Orders: c.Orders, Payments: c.Payments, Shipments: c.Shipments, AfterSales: c.AfterSales}})
	if err != nil {
		return nil, err
	}
	if s.platform, err = platform.New(platform.Config{Kit: s.Kit, Errors: s.errors, Tenants: s.tenants, Plugins: s.plugins}); err != nil {
		return nil, err
	}
	s.api = api.New(api.Deps{Kit: s.Kit, Log: s.log, DB: s.db, Admin: s.admin, Imports: s.imports, Tenants: s.tenants, Plugins: s.plugins,
		Catalog: s.catalog, Inventory: s.inventory, Customers: s.customers, Design: s.design, Content: s.content,
		Carts: c.Carts, Checkout: c.Checkout, Orders: c.Orders, Payments: c.Payments, Shipments: c.Shipments, AfterSales: c.AfterSales, Idempotency: c.Idempotency,
		Promotions: deps.Promotions, Loyalty: deps.Loyalty, Analytics: deps.Analytics, Segments: deps.Segments, Reviews: deps.Reviews, Mailing: deps.Mailing,
		Experiments: deps.Experiments})
	s.console, err = console.New(console.Deps{Kit: s.Kit, Errors: s.errors, DB: s.db, Tenants: s.tenants, Catalog: s.catalog, Customers: s.customers,
		Design: s.design, Content: s.content, Plugins: s.plugins, Blobs: s.blobs, Admin: s.admin, Imports: s.imports,
		Promotions: deps.Promotions, Segments: deps.Segments, Reviews: deps.Reviews, Loyalty: deps.Loyalty, Mailing: deps.Mailing, Experiments: deps.Experiments,
		Analytics: deps.Analytics,
		Commerce:  console.Commerce{Orders: c.Orders, Payments: c.Payments, Shipments: c.Shipments, AfterSales: c.AfterSales, Gateway: c.Gateway},
		Preview:   func(rc *fasthttp.RequestCtx) { s.storeHandler(rc) }}) // storeHandler is set once the routes are
	if err != nil {
		return nil, err
	}
	onError := s.errors.Handler(s.RenderError)
	newApp := func() *fiber.App {
		return fiber.New(fiber.Config{
			AppName:                 "wasmart",
			BodyLimit:               cfg.BodyLimit,
			ErrorHandler:            onError,
			DisableStartupMessage:   true,
			ReadTimeout:             30 * time.Second,
			WriteTimeout:            60 * time.Second,
			IdleTimeout:             120 * time.Second,
			EnableTrustedProxyCheck: cfg.TrustProxy,
			TrustedProxies:          cfg.TrustedProxies,
			ProxyHeader: func() string {
				if cfg.TrustProxy {
					return fiber.HeaderXForwardedFor
				}
				return ""
			}(),
		})
	}
	s.app, s.storeApp = newApp(), newApp()
	s.errors.ReadBufferSize = s.app.Server().ReadBufferSize
	s.setBodyLimits()
	s.hookServerErrors()
	s.app.Use(func(c *fiber.Ctx) error {
		if isPluginUpload(c) {
			return c.Next()
		}
		return s.limitBody(c)
	}, s.hostDispatch)
	for _, a := range []*fiber.App{s.app, s.storeApp} {
		a.Use(httpx.AssignRequestID, httpx.AccessLog(s.log, onError), httpx.Recoverer(s.log), httpx.SecurityHeaders(cfg.Secure),
			httpx.LimitIP(s.ipRate, cfg.RateLimitPerIP), httpx.CSRF(cfg.Secure))
	}
	s.app.Use(s.store.DropCacheOnWrite, httpx.CheckInput)
	// After ResolveShop: the budget is per shop, and refusals wear the shop's look.
	s.storeApp.Use(s.store.ResolveShop, s.store.Budget, httpx.CheckInput)
	s.registerRoutes()
	notFound := func(c *fiber.Ctx) error {
		return fiber.NewError(fiber.StatusNotFound, "no such page: "+c.Path())
	}
	s.app.Use(notFound)
	s.storeApp.Use(notFound)
	s.storeHandler = s.storeApp.Handler()
	return s, nil
}

// InvalidateShop drops a shop's cached storefront pages (for callers that
// change a catalog without going through the server's write routes).
func (s *Server) InvalidateShop(tenantID string) { s.store.InvalidateShop(tenantID) }

// Plugins returns the server's plugin platform.
func (s *Server) Plugins() *plugins.Service { return s.plugins }

// App exposes the fiber app (tests drive it with real HTTP).
func (s *Server) App() *fiber.App { return s.app }

// Serve serves on ln until ctx is cancelled, then shuts down gracefully:
// in-flight requests finish (up to the grace period) before it returns.
func (s *Server) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- s.app.Listener(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	err := s.app.ShutdownWithTimeout(grace)
	// If the listener goroutine had not started serving yet, shutdown found
	// no server to stop; closing the listener makes it return either way.
	ln.Close()
	lerr := <-errc
	if err != nil {
		return err
	}
	if lerr != nil && !errors.Is(lerr, net.ErrClosed) {
		return lerr
	}
	return nil
}

// Host dispatch: the console host (the base domain, localhost, an IP
// address or PublicURL's host) is served by the console app; every other
// host is a shop's storefront, resolved to its shop by the storefront's
// ResolveShop before any shop-host route runs (web/storefront).

func (s *Server) isConsoleHost(host string) bool {
	h := strings.ToLower(host)
	if hh, _, err := net.SplitHostPort(h); err == nil {
		h = hh
	}
	h = strings.Trim(h, "[]")
	if h == "" || h == s.cfg.BaseDomain || h == "localhost" || net.ParseIP(h) != nil {
		return true
	}
	return h == s.publicHost
}

func (s *Server) hostDispatch(c *fiber.Ctx) error {
	if s.isConsoleHost(string(c.Request().Host())) {
		return c.Next()
	}
	// A domain ownership token is for the domain's own web server to
	// answer; no shop's host ever does, so the HTTP check cannot be passed
	// through Wasmart itself (tenants/domaincheck.go).
	if strings.HasPrefix(c.Path(), tenants.VerifyHTTPPath) {
		return c.Status(fiber.StatusNotFound).SendString("not found")
	}
	s.storeHandler(c.Context())
	return nil
}

// setBodyLimits lets the fasthttp server admit bodies up to the largest
// upload; limitBody then holds every other request to Config.BodyLimit.
func (s *Server) setBodyLimits() {
	if srv := s.app.Server(); srv != nil && srv.MaxRequestBodySize < max(httpx.UploadLimit, httpx.PluginUploadLimit) {
		srv.MaxRequestBodySize = max(httpx.UploadLimit, httpx.PluginUploadLimit)
	}
}

// isUpload reports whether a request may carry an upload larger than the
// general body limit.
func isUpload(c *fiber.Ctx) bool {
	if c.Method() != fiber.MethodPost {
		return false
	}
	p := c.Path()
	return strings.HasSuffix(p, "/images") || p == "/console/import" || p == "/api/imports"
}

// limitBody applies Config.BodyLimit to every request but console uploads.
// The fasthttp server itself admits bodies up to httpx.UploadLimit, and reads a
// body before any handler runs (unless the client sent Expect:
// 100-continue), so a refused request may still have been buffered: a
// per-request memory cost of up to httpx.UploadLimit that the IP rate limit
// bounds. Streaming request bodies would remove it.
func (s *Server) limitBody(c *fiber.Ctx) error {
	if !isUpload(c) || !s.isConsoleHost(string(c.Request().Host())) {
		if n := c.Request().Header.ContentLength(); n > s.cfg.BodyLimit || len(c.Request().Body()) > s.cfg.BodyLimit {
			return fiber.NewError(fiber.StatusRequestEntityTooLarge, "request body too large")
		}
	}
	return c.Next()
}

// isPluginUpload reports whether a request is a plugin upload, which may
// be larger than Config.BodyLimit.
func isPluginUpload(c *fiber.Ctx) bool {
	if c.Method() != fiber.MethodPost {
		return false
	}
	switch c.Path() {
	case "/api/plugins/uploads", "/console/plugins/upload", "/api/platform/plugins", "/platform/plugins":
		return int(c.Request().Header.ContentLength()) <= httpx.PluginUploadLimit
	}
	return false
}

// hookServerErrors makes requests fasthttp could not read (headers over the
// read buffer: 431; malformed header lines: 400) answer like every other
// error: the API's JSON for /api/* and for clients that ask for JSON, a
// page otherwise. fasthttp has dropped the request's header by then, so the
// request line is recovered from the start of the raw request that its
// error quotes; when even that is missing, the answer is JSON, the form
// every client can read.
func (s *Server) hookServerErrors() {
	srv := s.app.Server()
	if srv == nil || srv.ErrorHandler == nil {
		return
	}
	next := srv.ErrorHandler
	srv.ErrorHandler = func(ctx *fasthttp.RequestCtx, err error) {
		if len(ctx.Request.Header.RawHeaders()) == 0 { // the header was not read
			if uri := requestURIFromReadError(err); uri != "" {
				ctx.Request.SetRequestURI(uri)
			} else {
				ctx.Request.Header.Set(fiber.HeaderAccept, fiber.MIMEApplicationJSON)
			}
		}
		next(ctx, err)
	}
}

// requestURIFromReadError finds the request target in fasthttp's "error
// when reading request headers: ... contents: "GET /path HTTP/1.1\r\n..."",
// or returns "".
func requestURIFromReadError(err error) string {
	_, quoted, ok := strings.Cut(err.Error(), "contents: ")
	if !ok {
		return ""
	}
	q, qerr := strconv.QuotedPrefix(quoted)
	if qerr != nil {
		return ""
	}
	raw, qerr := strconv.Unquote(q)
	if qerr != nil {
		return ""
	}
	line, _, _ := strings.Cut(raw, "\n")
	fields := strings.Fields(line)
	if len(fields) < 2 || !strings.HasPrefix(fields[1], "/") {
		return ""
	}
	return fields[1]
}
