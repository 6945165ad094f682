// Package web is Wasmart's HTTP face: the fiber app, its middleware, the
// route table where every route declares its permission, the JSON API and
// its OpenAPI document, and the server-rendered merchant console, platform
// console and storefront (templates and assets embedded in the binary).
package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"html/template"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
	"github.com/wasmart/wasmart/core/blob"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/content"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/design"
	"github.com/wasmart/wasmart/core/inventory"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/plugins"
	"github.com/wasmart/wasmart/tenants"
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
	// X-Forwarded-* headers.
	TrustProxy bool
	// Logger receives the access log and errors.
	Logger *slog.Logger
	// ShopCacheBytes caps the storefront page cache (default 64 MiB;
	// negative disables it).
	ShopCacheBytes int64
	// ShopBudget is each shop's storefront budget in units a second (a
	// page from the cache costs 1, a rendered page 5, the cart, checkout
	// and writes 20; see shopbudget.go), multiplied by the plan's
	// StorefrontBudgetFactor. Default 500; negative: no per-shop limit.
	// ShopBudgetBurst is how many units a shop may spend at once (default
	// 30 seconds' worth).
	ShopBudget      float64
	ShopBudgetBurst int
	// ShopCacheRecheck is how often a shop's cached pages are checked
	// against the database for changes made by other processes (default
	// 1s; negative: on every request). Writes through this server drop the
	// shop's pages at once.
	ShopCacheRecheck time.Duration
}

func (c *Config) scheme() string {
	if c.Secure {
		return "https"
	}
	return "http"
}

// port is ":8080" from PublicURL, or "" for the scheme's default port.
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
	if c.ShopBudget == 0 {
		c.ShopBudget = defaultShopBudget
	}
	if c.ShopBudgetBurst <= 0 {
		c.ShopBudgetBurst = int(c.ShopBudget * defaultShopBudgetBurst)
	}
	c.ShopBudgetBurst = max(c.ShopBudgetBurst, costDear)
}

// Server is the HTTP server with its dependencies.
type Server struct {
	cfg          Config
	log          *slog.Logger
	db           *store.DB
	app          *fiber.App
	storeApp     *fiber.App
	storeHandler fasthttp.RequestHandler
	publicHost   string
	routes       []Route
	ipRate       *limiter
	tenantRate   *limiter
	budgets      shopBudgets
	tenants      *tenants.Service
	catalog      *catalog.Service
	inventory    *inventory.Service
	customers    *customer.Service
	blobs        blob.Store
	design       *design.Service
	content      *content.Service
	shopCache    *shopCache
	planCache    sync.Map // tenant id -> planEntry
	commerce     *Commerce
	plugins      *plugins.Service
	ownPlugins   bool // created by New: closed by Serve
	pages        map[string]*template.Template

	openapiOnce sync.Once
	openapiDoc  map[string]any
}

// Deps are the services the server calls.
//
// The domain services are built over DB when left nil (Blobs stays nil: no
// image uploads and no /media on shop hosts).
type Deps struct {
	// Commerce are the cart, checkout, order, payment, shipping and
	// after-sales services; nil: NewCommerce with defaults.
	Commerce *Commerce
	// Plugins is the plugin platform; nil: one on DB with default options
	// (in-memory compilation cache). Its Pipeline feeds the checkout
	// pricing pipeline of a Commerce built by New.
	Plugins *plugins.Service

	DB        *store.DB
	Tenants   *tenants.Service
	Catalog   *catalog.Service
	Inventory *inventory.Service
	Customers *customer.Service
	Blobs     blob.Store
	// Design and Content are the shop builder's services (themes, sections,
	// menus; pages, articles, subscribers); nil: built over DB.
	Design  *design.Service
	Content *content.Service
}

// New builds the server and its route table.
func New(cfg Config, deps Deps) (*Server, error) {
	cfg.defaults()
	if deps.DB == nil {
		return nil, errors.New("web: no database")
	}
	if deps.Tenants == nil {
		return nil, errors.New("web: no tenants service")
	}
	pages, err := loadTemplates()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, db: deps.DB, tenants: deps.Tenants, pages: pages,
		catalog: deps.Catalog, inventory: deps.Inventory, customers: deps.Customers, blobs: deps.Blobs}
	if s.inventory == nil {
		s.inventory = inventory.New(deps.DB, inventory.Options{})
	}
	if s.catalog == nil {
		s.catalog = catalog.New(deps.DB, catalog.Options{Blobs: deps.Blobs, Stock: s.inventory, StockSink: s.inventory})
	}
	if s.customers == nil {
		s.customers = customer.New(deps.DB, customer.Options{})
	}
	if s.design = deps.Design; s.design == nil {
		s.design = design.New(deps.DB, design.Options{Blobs: deps.Blobs})
	}
	if s.content = deps.Content; s.content == nil {
		s.content = content.New(deps.DB, nil)
		s.content.SetAssets(design.ExistingAssets)
	}
	s.shopCache = newShopCache(cfg.ShopCacheBytes, cfg.ShopCacheRecheck)
	s.ipRate = newLimiter(cfg.RateLimitPerIP, time.Minute)
	s.tenantRate = newLimiter(1, time.Minute)
	if s.plugins = deps.Plugins; s.plugins == nil {
		if s.plugins, err = plugins.NewService(deps.DB, plugins.ServiceOptions{}); err != nil {
			return nil, err
		}
		s.ownPlugins = true
	}
	if s.commerce = deps.Commerce; s.commerce == nil {
		s.commerce = NewCommerce(deps.DB, CommerceOptions{Inventory: s.inventory, Pipelines: s.plugins.Pipeline})
	}
	if u, err := url.Parse(cfg.PublicURL); err == nil {
		s.publicHost = strings.ToLower(u.Hostname())
	}
	newApp := func() *fiber.App {
		return fiber.New(fiber.Config{
			AppName:                 "wasmart",
			BodyLimit:               cfg.BodyLimit,
			ErrorHandler:            s.errorHandler,
			DisableStartupMessage:   true,
			ReadTimeout:             30 * time.Second,
			WriteTimeout:            60 * time.Second,
			IdleTimeout:             120 * time.Second,
			EnableTrustedProxyCheck: cfg.TrustProxy,
			ProxyHeader: func() string {
				if cfg.TrustProxy {
					return fiber.HeaderXForwardedFor
				}
				return ""
			}(),
		})
	}
	s.app, s.storeApp = newApp(), newApp()
	s.hookServerErrors()
	s.app.Use(func(c *fiber.Ctx) error {
		if isPluginUpload(c) {
			return c.Next()
		}
		return s.limitBody(c)
	}, s.hostDispatch)
	for _, a := range []*fiber.App{s.app, s.storeApp} {
		a.Use(s.requestID, s.accessLog, s.recoverer, s.securityHeaders, s.rateLimitIP, s.csrf)
	}
	s.app.Use(s.dropShopCacheOnWrite, s.checkInput)
	// After resolveShop: the budget is per shop, and refusals wear the shop's look.
	s.storeApp.Use(s.resolveShop, s.shopBudget, s.checkInput)
	s.registerRoutes()
	notFound := func(c *fiber.Ctx) error {
		return fiber.NewError(fiber.StatusNotFound, "no such page: "+c.Path())
	}
	s.app.Use(notFound)
	s.storeApp.Use(notFound)
	s.storeHandler = s.storeApp.Handler()
	return s, nil
}

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
	if s.ownPlugins {
		defer s.plugins.Close()
	}
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

const requestIDKey = "request_id"

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(requestIDKey).(string)
	return id
}

func (s *Server) requestID(c *fiber.Ctx) error {
	id := c.Get("X-Request-Id")
	if id == "" || len(id) > 64 {
		var b [12]byte
		rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Locals(requestIDKey, id)
	c.Set("X-Request-Id", id)
	return c.Next()
}

// recoverer turns a panic into a logged 500 with the usual JSON body.
func (s *Server) recoverer(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic", "request_id", requestID(c), "path", c.Path(), "panic", r)
			err = fiber.NewError(fiber.StatusInternalServerError, "internal error")
		}
	}()
	return c.Next()
}

func (s *Server) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		if herr := s.app.ErrorHandler(c, err); herr != nil {
			c.Status(fiber.StatusInternalServerError)
		}
	}
	status := c.Response().StatusCode()
	observe(c, status, time.Since(start))
	if s.log.Enabled(c.UserContext(), slog.LevelInfo) {
		s.log.LogAttrs(c.UserContext(), slog.LevelInfo, "http",
			slog.String("request_id", requestID(c)),
			slog.String("method", c.Method()),
			slog.String("host", c.Hostname()),
			slog.String("path", c.Path()),
			slog.Int("status", status),
			slog.Int("bytes", len(c.Response().Body())),
			slog.String("ip", c.IP()),
			slog.Duration("duration", time.Since(start)),
		)
	}
	return nil
}

func (s *Server) securityHeaders(c *fiber.Ctx) error {
	h := &c.Response().Header
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	if s.cfg.Secure || c.Protocol() == "https" {
		h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
	return c.Next()
}

func (s *Server) rateLimitIP(c *fiber.Ctx) error {
	if ok, retry := s.ipRate.allow(c.IP(), s.cfg.RateLimitPerIP); !ok {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(retry.Seconds()+1)))
		return fiber.NewError(fiber.StatusTooManyRequests, "too many requests from this address; retry later")
	}
	return c.Next()
}
