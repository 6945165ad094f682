package web

import (
	"net/http"
	"sort"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/prometheus/client_golang/prometheus"
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

// registerRoutes builds the route table. Each area adds its routes in its
// own register function; this is the one list of them.
func (s *Server) registerRoutes() {
	s.handle(Route{Method: "GET", Path: "/healthz", Perm: Public, Summary: "Liveness", Tag: "system", Handler: s.handleHealthz})
	s.handle(Route{Method: "GET", Path: "/readyz", Perm: Public, Summary: "Readiness: the database answers", Tag: "system", Handler: s.handleReadyz})
	s.handle(Route{Method: "GET", Path: "/metrics", Perm: Public, Summary: "Prometheus metrics", Tag: "system", Handler: httpx.Metrics})
	s.handle(Route{Method: "GET", Path: "/api/openapi.json", Perm: Public, Summary: "This OpenAPI document", Tag: "system", Handler: s.handleOpenAPI})
	s.handle(Route{Method: "GET", Path: "/static/*", Perm: Public, Summary: "Console assets", Tag: "system", HTML: true,
		Handler: filesystem.New(filesystem.Config{Root: http.FS(staticFS), MaxAge: 3600})})
	s.registerAccountRoutes()
	s.registerConsoleRoutes()
	s.registerPlatformRoutes()
	s.registerStorefrontRoutes()
	s.registerShopCartRoutes()
	s.registerCommerceRoutes()
	s.registerCatalogRoutes()
	s.registerPluginRoutes()
	s.registerDesignRoutes()
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
