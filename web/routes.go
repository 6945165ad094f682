package web

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
)

// registerRoutes builds the route table. Each area adds its routes in its
// own register function; this is the one list of them.
func (s *Server) registerRoutes() {
	s.handle(Route{Method: "GET", Path: "/healthz", Perm: Public, Summary: "Liveness", Tag: "system", Handler: s.handleHealthz})
	s.handle(Route{Method: "GET", Path: "/readyz", Perm: Public, Summary: "Readiness: the database answers", Tag: "system", Handler: s.handleReadyz})
	s.handle(Route{Method: "GET", Path: "/metrics", Perm: Public, Summary: "Prometheus metrics", Tag: "system", Handler: s.handleMetrics})
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
	_ = fiber.MethodGet
}
