package web

import (
	"net"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/session"
)

// Host dispatch: the console host (the base domain, localhost, an IP
// address or PublicURL's host) is served by the console app; every other
// host is a shop's storefront, resolved to its shop before any storefront
// route runs.

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

// resolveShop finds the shop for the request's host; unknown and closed
// shops are 404, a suspended shop gets the maintenance page (the API a 503
// JSON error). Errors after it are shown in the shop's own look.
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
		c.Set(fiber.HeaderRetryAfter, "3600")
		if httpx.WantsJSON(c) { // the API's own error, never the page
			return errs.E(errs.Unavailable, "%s is taking a short break and not taking orders right now; please come back later", t.Name)
		}
		c.Status(fiber.StatusServiceUnavailable)
		c.SetUserContext(tenancy.WithTenant(c.UserContext(), t.ID))
		return s.maintenancePage(c, t) // storefront.go
	default:
		return errs.NotFoundf("no shop answers at %s", c.Hostname())
	}
	session.SetShop(c, t)
	c.SetUserContext(tenancy.WithTenant(c.UserContext(), t.ID))
	s.previewFromToken(c) // ?preview=<token>: the draft design (design_shop.go)
	err = c.Next()
	if err != nil && !httpx.WantsJSON(c) {
		return s.shopError(c, err) // storefront.go
	}
	return err
}
