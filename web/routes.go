package web

import (
	"net/http"
	"sort"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/console"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// The route table's types, named here for callers outside web (tests, the
// command), which cannot import web/internal.
type (
	// Route is one entry of the route table.
	Route = httpx.Route
	// Scope says whose data a route touches.
	Scope = httpx.Scope
	// ErrorBody is the one JSON error shape every API failure uses.
	ErrorBody = httpx.ErrorBody
	// ErrorDetail says what is wrong and where.
	ErrorDetail = httpx.ErrorDetail
	// QueryParam is an optional query parameter of a route.
	QueryParam = httpx.QueryParam
)

// Permission declarations and scopes (see httpx).
const (
	Public        = httpx.Public
	Authenticated = httpx.Authenticated
	Customer      = httpx.Customer

	ScopeNone       = httpx.ScopeNone
	ScopeTenant     = httpx.ScopeTenant
	ScopePlatform   = httpx.ScopePlatform
	ScopeStorefront = httpx.ScopeStorefront
)

// Registry is the Prometheus registry /metrics serves; other packages add
// their collectors to it.
func Registry() *prometheus.Registry { return httpx.Registry() }

// registerRoutes builds the route table: this is the one list of route
// groups, each declared once, grouped by the area that serves it. Within a
// group the order of declaration is kept (the router tries routes in that
// order); groups of different areas never declare overlapping paths.
func (s *Server) registerRoutes() {
	var t httpx.Table
	s.systemRoutes(&t)

	// The JSON API.
	t.Add(s.api.Routes()...)

	// The merchant console, and signing in to it.
	t.Add(s.console.Routes()...)

	// The platform console.
	t.Add(s.platform.Routes()...)

	// Each shop's storefront.
	t.Add(s.store.Routes()...)

	for _, r := range t.Routes() {
		s.handle(r)
	}
}

// systemRoutes are health, readiness, metrics, the OpenAPI document and
// the console's static assets.
func (s *Server) systemRoutes(t *httpx.Table) {
	sys := t.Group(httpx.ScopeNone, "system")
	sys.API("GET", "/healthz", httpx.Public, "Liveness", nil, nil, s.handleHealthz)
	sys.API("GET", "/readyz", httpx.Public, "Readiness: the database answers", nil, nil, s.handleReadyz)
	sys.API("GET", "/metrics", httpx.Public, "Prometheus metrics", nil, nil, httpx.Metrics)
	sys.API("GET", "/api/openapi.json", httpx.Public, "This OpenAPI document", nil, nil, s.handleOpenAPI)
	sys.Page("GET", "/static/*", httpx.Public, "Console assets", filesystem.New(filesystem.Config{Root: http.FS(console.Assets()), MaxAge: 3600}))
}

// Routes returns the route table, sorted by path then method.
func (s *Server) Routes() []Route {
	out := append([]Route(nil), s.routes...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// handle registers a route: the permission check runs before the handler.
func (s *Server) handle(r Route) {
	if r.Perm == "" {
		// Still registered so TestEveryRouteHasPermission can name it; it
		// refuses every request rather than serve unchecked.
		s.routes = append(s.routes, r)
		app := s.app
		if r.Scope == ScopeStorefront {
			app = s.storeApp
		}
		app.Add(r.Method, r.Path, func(c *fiber.Ctx) error {
			return fiber.NewError(fiber.StatusForbidden, "route declares no permission")
		})
		return
	}
	s.routes = append(s.routes, r)
	if r.Scope == ScopeStorefront {
		s.storeApp.Add(r.Method, r.Path, s.authorize(r), r.Handler)
		return
	}
	s.app.Add(r.Method, r.Path, s.authorize(r), r.Handler)
}

func (s *Server) handleHealthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

func (s *Server) handleReadyz(c *fiber.Ctx) error {
	if err := s.db.Ping(c.UserContext()); err != nil {
		s.log.Warn("readyz: database unreachable", "err", err)
		c.Status(fiber.StatusServiceUnavailable)
		return c.JSON(ErrorBody{Error: ErrorDetail{Code: "unavailable", Message: "database unreachable"}})
	}
	return c.JSON(fiber.Map{"status": "ready", "database": s.db.Dialect()})
}

// authorize is the permission check every route passes through: it resolves
// the principal, puts the tenant (taken only from the principal, never from
// the request) and the actor in the context, and asks casbin.
func (s *Server) authorize(r Route) fiber.Handler {
	return func(c *fiber.Ctx) error {
		switch r.Perm {
		case Public:
			return c.Next()
		case Customer:
			return s.RequireCustomer(c)
		}
		p, err := s.Principal(c)
		if err != nil {
			if r.HTML && c.Method() == fiber.MethodGet && errs.Is(err, errs.Unauthenticated) {
				return httpx.RedirectToLogin(c, "/login")
			}
			return err
		}
		c.SetUserContext(p.Context(c.UserContext()))
		switch r.Scope {
		case ScopePlatform:
			if !p.IsPlatformAdmin() {
				return errs.E(errs.Forbidden, "platform admins only")
			}
			c.SetUserContext(tenancy.WithPlatform(c.UserContext()))
		case ScopeTenant:
			if p.TenantID == "" {
				if r.HTML && c.Method() == fiber.MethodGet && p.IsPlatformAdmin() {
					return c.Redirect("/platform", fiber.StatusSeeOther)
				}
				return errs.E(errs.Forbidden, "no shop selected: switch to one of your shops first")
			}
			if r.IsAPI() {
				if limit := s.planRate(c, p.TenantID); limit > 0 {
					if ok, _ := s.tenantRate.Allow(p.TenantID, int(limit)); !ok {
						return errs.E(errs.RateLimited, "this shop's plan allows %d API requests per minute", limit)
					}
				}
			}
		}
		if r.Perm == Authenticated {
			return c.Next()
		}
		if err := s.tenants.Authorize(c.UserContext(), p, perm.Permission(r.Perm)); err != nil {
			return err
		}
		return c.Next()
	}
}

// planRate is the shop's API requests per minute, cached for a minute.
func (s *Server) planRate(c *fiber.Ctx, tenantID string) int64 {
	now := time.Now()
	if v, ok := s.planCache.Load(tenantID); ok {
		e := v.(planEntry)
		if now.Before(e.until) {
			return e.rate
		}
	}
	plan, err := s.tenants.PlanOf(c.UserContext(), tenantID)
	if err != nil {
		return 0
	}
	s.planCache.Store(tenantID, planEntry{rate: plan.APIRequestsPerMinute, until: now.Add(time.Minute)})
	return plan.APIRequestsPerMinute
}

type planEntry struct {
	rate  int64
	until time.Time
}
