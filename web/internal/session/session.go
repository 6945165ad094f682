// Package session answers, for every web area, who is asking and on whose
// behalf: the staff principal (an API token or the staff session cookie)
// and what it may do, the shop a storefront host resolved to, the
// storefront customer and the shopper's cart, and the cookies that carry
// them. It writes no audit entries: the core services record each change
// in the change's own transaction, with the actor and IP the request's
// context carries (set by the server's authorize step and RequireCustomer).
//
// An area's handler type embeds *Kit and calls these as its own methods
// (s.Current(c), s.Can(c, p)). The package imports no area and not the web
// server package.
package session

import (
	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// Cookie names (before the __Host- prefix a secure site adds).
const (
	// StaffCookie carries a staff member's console session.
	StaffCookie = "wsm_session"
	// CustomerCookie carries a storefront customer's session on the shop's
	// own host.
	CustomerCookie = "wsm_customer"
	// CartCookie carries a guest's cart token on the shop's own host.
	CartCookie = "wsm_cart"
	// CodesCookie carries the coupon codes the shopper applied on the
	// shop's own host (the storefront prices the cart and checkout with
	// them).
	CodesCookie = "wsm_codes"
)

// Config is what a Kit needs.
type Config struct {
	Tenants   *tenants.Service
	Customers *customer.Service
	// Secure: the site is served over https; cookies are Secure and
	// __Host- named.
	Secure bool
	// TrustProxy: the scheme a request came over is read from
	// X-Forwarded-Proto.
	TrustProxy bool
	// BaseDomain is the domain shops live under (<slug>.<BaseDomain>).
	BaseDomain string
	// Port is ":8080", or "" for the scheme's default port, in links to
	// storefronts.
	Port string
	// OrderSecret keys order access tokens.
	OrderSecret []byte
}

// Kit is the request-identity toolkit areas embed.
type Kit struct {
	cfg Config
}

// New returns a Kit over cfg.
func New(cfg Config) *Kit {
	return &Kit{cfg: cfg}
}

// CookieName is the name a cookie is set under on this site.
func (k *Kit) CookieName(base string) string { return httpx.CookieName(k.cfg.Secure, base) }

// BaseDomain is the domain shops live under.
func (k *Kit) BaseDomain() string { return k.cfg.BaseDomain }

func (k *Kit) scheme() string {
	if k.cfg.Secure {
		return "https"
	}
	return "http"
}

// StorefrontURL is the address of a shop's storefront on the base domain.
func (k *Kit) StorefrontURL(slug string) string {
	return k.scheme() + "://" + slug + "." + k.cfg.BaseDomain + k.cfg.Port
}

// BaseURL is the scheme and host the request reached, for absolute links
// (canonical tags, sitemaps).
func (k *Kit) BaseURL(c *fiber.Ctx) string {
	scheme := k.scheme()
	if k.cfg.TrustProxy && c.Protocol() == "https" {
		scheme = "https"
	}
	return scheme + "://" + string(c.Request().Host())
}
