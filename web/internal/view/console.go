package view

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/session"
)

// Views renders an HTML area's pages: its Templates, and for the console
// and platform console the page helpers that add the navigation header,
// the flash message and the input error of a failed form post. An area's
// handler type embeds *Views and calls these as its own methods
// (s.Page(c, ...), s.PageError(c, err, again)).
type Views struct {
	*Templates
	kit     *session.Kit
	tenants *tenants.Service
	errors  *httpx.Errors
}

// NewViews returns the page helpers over an area's templates.
func NewViews(t *Templates, kit *session.Kit, ts *tenants.Service, errors *httpx.Errors) *Views {
	return &Views{Templates: t, kit: kit, tenants: ts, errors: errors}
}

// ToError turns a handler's error into its status and domain error (see
// httpx.Errors), for pages that show input errors themselves.
func (v *Views) ToError(c *fiber.Ctx, err error) (int, *errs.Error) { return v.errors.ToError(c, err) }

const pageErrorLocal = "page_error"

// nav builds the console header for the signed-in principal.
func (v *Views) nav(c *fiber.Ctx, p tenants.Principal) (*Nav, error) {
	ctx := c.UserContext()
	n := &Nav{UserName: p.Email, UserEmail: p.Email, Can: map[string]bool{}}
	shops, err := v.tenants.Shops(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	for _, sh := range shops {
		n.Shops = append(n.Shops, NavShop{ID: sh.TenantID, Name: sh.Name, Slug: sh.Slug, Current: sh.TenantID == p.TenantID})
		if sh.TenantID == p.TenantID {
			n.TenantName, n.TenantSlug = sh.Name, sh.Slug
		}
	}
	if p.TenantID != "" {
		perms, err := v.tenants.Permissions(ctx, p)
		if err != nil {
			return nil, err
		}
		for _, x := range perms {
			n.Can[string(x)] = true
		}
		n.Storefront = v.kit.StorefrontURL(p.TenantSlug)
	}
	return n, nil
}

// Page renders a console page for the current principal.
func (v *Views) Page(c *fiber.Ctx, tmpl, title, section string, data any) error {
	p := v.kit.Current(c)
	n, err := v.nav(c, p)
	if err != nil {
		return err
	}
	if strings.HasPrefix(tmpl, "platform/") {
		n.Platform = true
	}
	return v.Render(c, tmpl, Page{Title: title, Section: section, Nav: n, Data: data, Flash: Flash(c)})
}

// PageWithError renders a page, showing an input error stored by
// PageError.
func (v *Views) PageWithError(c *fiber.Ctx, tmpl, title, section string, data any) error {
	p := v.kit.Current(c)
	n, err := v.nav(c, p)
	if err != nil {
		return err
	}
	// Platform pages, and the account page of a platform admin outside any
	// shop, show the platform navigation.
	n.Platform = strings.HasPrefix(tmpl, "platform/") || p.TenantID == "" && p.IsPlatformAdmin()
	de, _ := c.Locals(pageErrorLocal).(*errs.Error)
	return v.Render(c, tmpl, Page{Title: title, Section: section, Nav: n, Data: data, Flash: Flash(c), Error: de})
}

// PageError re-renders a console page with an input error (4xx): again
// renders the page, through PageWithError. Other errors are handed on.
func (v *Views) PageError(c *fiber.Ctx, err error, again func() error) error {
	status, de := v.ToError(c, err)
	if status >= 500 {
		return err
	}
	c.Locals(pageErrorLocal, de)
	c.Status(status)
	return again()
}

// FormError re-renders a signed-out form (sign-in, sign-up) with the
// input error for 4xx errors; other errors go to the error handler.
func (v *Views) FormError(c *fiber.Ctx, tmpl, title string, err error, data any) error {
	status, de := v.ToError(c, err)
	if status >= 500 {
		return err
	}
	c.Status(status)
	return v.Render(c, tmpl, Page{Title: title, Error: de, Data: data})
}

// Done redirects back after a console form post, with the "saved" flash.
func Done(c *fiber.Ctx, to string) error {
	sep := "?"
	if strings.Contains(to, "?") {
		sep = "&"
	}
	return c.Redirect(to+sep+"flash=saved", fiber.StatusSeeOther)
}

var flashes = map[string]string{
	"signed-out":          "You are signed out.",
	"password-reset":      "Your password is changed; sign in with it.",
	"invitation-accepted": "Invitation accepted; sign in to continue.",
	"welcome":             "Welcome! Your shop is ready.",
	"saved":               "Saved.",
	"domain-verified":     "Domain verified: your shop answers on it once its DNS points here.",
}

// Flash is the message a redirect asked for with ?flash=<key> ("" for
// keys it does not know, so a link cannot put words on the page).
func Flash(c *fiber.Ctx) string { return flashes[c.Query("flash")] }
