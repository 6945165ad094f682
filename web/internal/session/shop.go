package session

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// The storefront side: the shop a host resolved to, and its customer. The
// customer session lives in its own host-only cookie and its own table
// (customer_sessions): the storefront never reads the staff cookie, and
// the console and API never read this one, so neither kind of session can
// authenticate on the other side.

const (
	shopLocal     = "shop"
	customerLocal = "customer"
	shopperLocal  = "customer_id"

	// CartTokenHeader carries a guest cart's token for API clients (the
	// cart cookie does for browsers).
	CartTokenHeader = "Cart-Token"
)

// SetShop records the shop the request's host resolved to (the server's
// host middleware calls it before any storefront handler runs).
func SetShop(c *fiber.Ctx, t tenants.Tenant) { c.Locals(shopLocal, t) }

// Shop is the shop the storefront host resolved to (the zero Tenant off a
// storefront host).
func (k *Kit) Shop(c *fiber.Ctx) tenants.Tenant {
	t, _ := c.Locals(shopLocal).(tenants.Tenant)
	return t
}

// RequireCustomer admits a customer session on the shop's own host: the
// customer cookie, checked against the shop's customer sessions, and makes
// the customer the request's actor. Staff credentials are never looked at
// here. Signed-out browsers asking for a page are sent to sign in.
func (k *Kit) RequireCustomer(c *fiber.Ctx) error {
	tok := k.CustomerToken(c)
	if tok == "" || k.Shop(c).ID == "" {
		return customerDenied(c)
	}
	cu, _, err := k.cfg.Customers.Authenticate(c.UserContext(), tok)
	if err != nil {
		if errs.Is(err, errs.Unauthenticated) || errs.Is(err, errs.NotFound) {
			k.ClearCustomerCookie(c)
			return customerDenied(c)
		}
		return err
	}
	c.Locals(customerLocal, cu)
	// The customer acts on their own account: audit entries the services
	// write for it (consent, export, erasure) name them.
	c.SetUserContext(tenancy.WithActor(c.UserContext(), tenancy.Actor{Kind: "customer", ID: cu.ID, Name: cu.Email, IP: c.IP()}))
	return c.Next()
}

func customerDenied(c *fiber.Ctx) error {
	if c.Method() == fiber.MethodGet {
		return httpx.RedirectToLogin(c, "/account/login")
	}
	return errs.E(errs.Unauthenticated, "sign in to your customer account first")
}

// CurrentCustomer is the customer RequireCustomer admitted (nil on routes
// that do not require one).
func (k *Kit) CurrentCustomer(c *fiber.Ctx) *customer.Customer {
	cu, _ := c.Locals(customerLocal).(*customer.Customer)
	return cu
}

// CustomerToken is the customer session cookie's value ("" when absent).
func (k *Kit) CustomerToken(c *fiber.Ctx) string { return c.Cookies(k.CookieName(CustomerCookie)) }

// SetCustomerCookie starts a customer session in the browser. The cookie
// is host-only (no Domain): it is sent to this shop's host and nowhere
// else.
func (k *Kit) SetCustomerCookie(c *fiber.Ctx, token string) {
	c.Cookie(&fiber.Cookie{Name: k.CookieName(CustomerCookie), Value: token, Path: "/", HTTPOnly: true, Secure: k.cfg.Secure,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Now().Add(30 * 24 * time.Hour)})
}

// ClearCustomerCookie ends the customer session in the browser.
func (k *Kit) ClearCustomerCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: k.CookieName(CustomerCookie), Value: "", Path: "/", HTTPOnly: true, Secure: k.cfg.Secure,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Unix(1, 0)})
}

// ShopperID is the signed-in customer on the shop host, if any: the one
// RequireCustomer admitted, else the one the customer cookie names.
func (k *Kit) ShopperID(c *fiber.Ctx) string {
	switch v := c.Locals(customerLocal).(type) {
	case *customer.Customer:
		if v != nil {
			return v.ID
		}
	case customer.Customer:
		return v.ID
	}
	if id, ok := c.Locals(shopperLocal).(string); ok && id != "" {
		return id
	}
	tok := k.CustomerToken(c)
	if tok == "" || k.cfg.Customers == nil || k.Shop(c).ID == "" {
		return ""
	}
	cu, _, err := k.cfg.Customers.Authenticate(c.UserContext(), tok)
	if err != nil || cu == nil {
		return ""
	}
	c.Locals(shopperLocal, cu.ID)
	return cu.ID
}

// CartOwner is whose cart the request is about: the signed-in customer's,
// else the guest cart the Cart-Token header or cart cookie names. With
// create, a guest without one gets a new token (cookie and header), which
// is returned.
func (k *Kit) CartOwner(c *fiber.Ctx, create bool) (cart.Owner, string) {
	if id := k.ShopperID(c); id != "" {
		return cart.Owner{CustomerID: id}, ""
	}
	tok := c.Get(CartTokenHeader)
	if tok == "" {
		tok = k.GuestCartToken(c)
	}
	if tok != "" && len(tok) <= 128 {
		return cart.Owner{Token: tok}, ""
	}
	if !create {
		return cart.Owner{}, ""
	}
	tok = cart.NewToken()
	c.Cookie(&fiber.Cookie{Name: k.CookieName(CartCookie), Value: tok, Path: "/", HTTPOnly: true, Secure: k.cfg.Secure,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Now().Add(30 * 24 * time.Hour)})
	c.Set(CartTokenHeader, tok)
	return cart.Owner{Token: tok}, tok
}

// GuestCartToken is the cart cookie's value ("" when absent).
func (k *Kit) GuestCartToken(c *fiber.Ctx) string { return c.Cookies(k.CookieName(CartCookie)) }

// ClearCartCookie forgets the guest cart in the browser (after it was
// merged into a customer's cart).
func (k *Kit) ClearCartCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: k.CookieName(CartCookie), Value: "", Path: "/", HTTPOnly: true, Secure: k.cfg.Secure,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Unix(1, 0)})
}

// MaxCartCodes is how many coupon codes the codes cookie keeps.
const MaxCartCodes = 5

// CartCodes are the coupon codes the codes cookie holds: normalised
// codes (promotion.ValidCode); anything else in the cookie is ignored.
func (k *Kit) CartCodes(c *fiber.Ctx) []string {
	var out []string
	for _, code := range strings.Split(c.Cookies(k.CookieName(CodesCookie)), ".") {
		if promotion.ValidCode(code) && len(out) < MaxCartCodes {
			out = append(out, code)
		}
	}
	return out
}

// SetCartCodes keeps codes (well-formed ones, at most MaxCartCodes) in the
// codes cookie; none clears it.
func (k *Kit) SetCartCodes(c *fiber.Ctx, codes []string) {
	var keep []string
	for _, code := range codes {
		if promotion.ValidCode(code) && len(keep) < MaxCartCodes {
			keep = append(keep, code)
		}
	}
	ck := &fiber.Cookie{Name: k.CookieName(CodesCookie), Value: strings.Join(keep, "."), Path: "/", HTTPOnly: true, Secure: k.cfg.Secure,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Now().Add(30 * 24 * time.Hour)}
	if len(keep) == 0 {
		ck.Expires = time.Unix(1, 0)
	}
	c.Cookie(ck)
}
