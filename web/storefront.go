package web

import (
	"net"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/tenants"
)

// The storefront answers on each shop's own host (<slug>.<base domain>,
// <slug>.localhost or a custom domain); the console and API answer on the
// platform's host. hostDispatch is the first middleware of the console app
// and hands shop hosts to the storefront app, which has its own routes.

const shopLocal = "shop"

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
	s.storeHandler(c.Context())
	return nil
}

// resolveShop finds the shop for the request's host; unknown and closed
// shops are 404, a suspended shop gets the maintenance page.
func (s *Server) resolveShop(c *fiber.Ctx) error {
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
		c.Status(fiber.StatusServiceUnavailable)
		c.Set(fiber.HeaderRetryAfter, "3600")
		return s.render(c, "shop/maintenance", Page{Title: t.Name, Data: t})
	default:
		return errs.NotFoundf("no shop answers at %s", c.Hostname())
	}
	c.Locals(shopLocal, t)
	c.SetUserContext(tenancy.WithTenant(c.UserContext(), t.ID))
	return c.Next()
}

func (s *Server) shop(c *fiber.Ctx) tenants.Tenant {
	t, _ := c.Locals(shopLocal).(tenants.Tenant)
	return t
}

func (s *Server) registerStorefrontRoutes() {
	s.handle(Route{Method: "GET", Path: "/", Perm: Public, Scope: ScopeStorefront, Summary: "Storefront home", Tag: "storefront", HTML: true, Handler: s.shopHome})
}

func (s *Server) shopHome(c *fiber.Ctx) error {
	t := s.shop(c)
	c.Set(fiber.HeaderCacheControl, "public, max-age=60")
	return s.render(c, "shop/home", Page{Title: t.Name, Data: t})
}
