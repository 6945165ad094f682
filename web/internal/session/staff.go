package session

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/tenants/perm"
)

const principalLocal = "principal"

// Principal resolves the request's credentials once and caches them: an
// API token from "Authorization: Bearer", else the staff session cookie.
func (k *Kit) Principal(c *fiber.Ctx) (tenants.Principal, error) {
	if p, ok := c.Locals(principalLocal).(tenants.Principal); ok {
		return p, nil
	}
	var p tenants.Principal
	var err error
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || tok == "" {
			return p, &errs.Error{Code: errs.Unauthenticated, Field: "Authorization", Message: `must be "Bearer <API token>"`}
		}
		p, err = k.cfg.Tenants.AuthenticateToken(c.UserContext(), tok)
	} else if v := k.StaffToken(c); v != "" {
		p, err = k.cfg.Tenants.AuthenticateSession(c.UserContext(), v)
	} else {
		return p, errs.E(errs.Unauthenticated, "sign in first")
	}
	if err != nil {
		return p, err
	}
	p.IP = c.IP()
	c.Locals(principalLocal, p)
	return p, nil
}

// Current is the principal the permission check admitted (the zero
// Principal on public routes nobody signed in to).
func (k *Kit) Current(c *fiber.Ctx) tenants.Principal { return Current(c) }

// Current is the principal the permission check admitted, for code that
// holds no Kit.
func Current(c *fiber.Ctx) tenants.Principal {
	p, _ := c.Locals(principalLocal).(tenants.Principal)
	return p
}

// Can reports whether the current principal holds a permission.
func (k *Kit) Can(c *fiber.Ctx, p perm.Permission) bool {
	ok, _ := k.cfg.Tenants.Can(c.UserContext(), k.Current(c), p)
	return ok
}

// StaffToken is the staff session cookie's value ("" when absent).
func (k *Kit) StaffToken(c *fiber.Ctx) string { return c.Cookies(k.CookieName(StaffCookie)) }

// SetStaffCookie starts a staff session in the browser.
func (k *Kit) SetStaffCookie(c *fiber.Ctx, token string, expires time.Time) {
	c.Cookie(&fiber.Cookie{Name: k.CookieName(StaffCookie), Value: token, Path: "/", HTTPOnly: true,
		Secure: k.cfg.Secure, SameSite: fiber.CookieSameSiteLaxMode, Expires: expires})
}

// ClearStaffCookie ends the staff session in the browser.
func (k *Kit) ClearStaffCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: k.CookieName(StaffCookie), Value: "", Path: "/", HTTPOnly: true,
		Secure: k.cfg.Secure, SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Unix(1, 0)})
}
