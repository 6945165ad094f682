package httpx

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"
)

// CSRF protection for cookie-authenticated requests: a same-origin check of
// Sec-Fetch-Site and Origin (OWASP's "verifying origin with standard
// headers"), and, for browsers that send neither, a double-submit token (a
// random value in a host-only cookie that forms echo as _csrf and scripts as
// X-CSRF-Token).
// Requests authenticated by an API token in the Authorization header carry
// no ambient credentials and skip the check.

// CSRFField is the form field a page's token is posted back in.
const CSRFField = "_csrf"

const (
	csrfCookieName = "wsm_csrf"
	csrfHeader     = "X-CSRF-Token"
	csrfLocal      = "csrf_token"
)

// CookieName is the name a cookie is set under: with the "__Host-" prefix
// when the site is served over https (secure), so the browser keeps it
// host-only, path "/" and Secure, whoever tries to set it otherwise.
func CookieName(secure bool, base string) string {
	if secure {
		return "__Host-" + base
	}
	return base
}

// CSRFToken returns the request's token (the CSRF middleware minted one,
// and its cookie, if the browser had none yet); forms post it back as
// _csrf.
func CSRFToken(c *fiber.Ctx) string {
	if t, ok := c.Locals(csrfLocal).(string); ok {
		return t
	}
	return ""
}

// CSRF is the middleware that checks cookie-authenticated writes; secure
// marks its cookie Secure (and names it __Host-).
func CSRF(secure bool) fiber.Handler {
	name := CookieName(secure, csrfCookieName)
	return func(c *fiber.Ctx) error { return csrf(c, name, secure) }
}

func csrf(c *fiber.Ctx, name string, secure bool) error {
	tok := c.Cookies(name)
	if len(tok) != 43 {
		var b [32]byte
		rand.Read(b[:])
		tok = base64.RawURLEncoding.EncodeToString(b[:])
		c.Cookie(&fiber.Cookie{Name: name, Value: tok, Path: "/", HTTPOnly: true, Secure: secure,
			SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Now().Add(30 * 24 * time.Hour)})
		c.Locals(csrfLocal, tok)
		if !SafeMethod(c.Method()) && usesCookies(c) {
			return fiber.NewError(fiber.StatusForbidden, "missing CSRF token: reload the page and try again")
		}
		return c.Next()
	}
	c.Locals(csrfLocal, tok)
	if SafeMethod(c.Method()) || !usesCookies(c) {
		return c.Next()
	}
	if site := c.Get("Sec-Fetch-Site"); site == "cross-site" {
		return fiber.NewError(fiber.StatusForbidden, "cross-site request refused")
	}
	if origin := c.Get(fiber.HeaderOrigin); origin != "" && origin != "null" {
		if u, err := url.Parse(origin); err != nil || u.Host != string(c.Request().Host()) {
			return fiber.NewError(fiber.StatusForbidden, "cross-origin request refused")
		}
	}
	// A browser that says the request comes from this very origin (Fetch
	// metadata, or an Origin header naming this host, both checked above
	// for the cross-site case) cannot be a forged cross-site request: that
	// is enough on its own, so pages served from a shared cache may carry
	// forms without a per-visitor token. Without either header, the token
	// is required.
	if c.Get("Sec-Fetch-Site") == "same-origin" || c.Get(fiber.HeaderOrigin) != "" && c.Get(fiber.HeaderOrigin) != "null" {
		return c.Next()
	}
	sent := c.Get(csrfHeader)
	if sent == "" {
		sent = c.FormValue(CSRFField)
	}
	if subtle.ConstantTimeCompare([]byte(sent), []byte(tok)) != 1 {
		return fiber.NewError(fiber.StatusForbidden, "invalid CSRF token: reload the page and try again")
	}
	return c.Next()
}

// SafeMethod reports whether m is a method that changes nothing (GET,
// HEAD, OPTIONS).
func SafeMethod(m string) bool {
	return m == fiber.MethodGet || m == fiber.MethodHead || m == fiber.MethodOptions
}

// usesCookies reports whether the request could be riding on a browser's
// ambient credentials: it sends cookies and no Authorization header.
func usesCookies(c *fiber.Ctx) bool {
	return c.Get(fiber.HeaderAuthorization) == "" && len(c.Request().Header.Peek(fiber.HeaderCookie)) > 0
}
