package web

import (
	"net"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/tenants"
)

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
