package web

import (
	"context"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/tenancy"
)

const (
	sessionCookie  = "wsm_session"
	customerCookie = "wsm_customer"
	principalLocal = "principal"
)

// Principal is who a request acts as, as the web layer sees it.
type Principal struct {
	Kind      string // "staff", "token", "platform"
	UserID    string
	Name      string
	Email     string
	TenantID  string // current shop; "" for platform admins
	SessionID string
	// TenantStatus is the current shop's status (active, suspended, closed).
	TenantStatus string
	// RatePerMinute is the shop's plan limit for API requests.
	RatePerMinute int
}

// Authenticator is what the web layer needs from the accounts service.
type Authenticator interface {
	// Session resolves a staff or platform session cookie value.
	Session(ctx context.Context, token string) (*Principal, error)
	// Token resolves an API token from an Authorization header.
	Token(ctx context.Context, token string) (*Principal, error)
	// Can decides a permission for the principal (casbin).
	Can(ctx context.Context, p *Principal, perm string) (bool, error)
}

// principal resolves the request's credentials once and caches them.
func (s *Server) principal(c *fiber.Ctx) (*Principal, error) {
	if p, ok := c.Locals(principalLocal).(*Principal); ok {
		return p, nil
	}
	var p *Principal
	var err error
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || tok == "" {
			return nil, errs.E(errs.Unauthenticated, "Authorization must be \"Bearer <API token>\"")
		}
		p, err = s.auth.Token(c.UserContext(), tok)
	} else if v := c.Cookies(s.cookieName(sessionCookie)); v != "" {
		p, err = s.auth.Session(c.UserContext(), v)
	} else {
		return nil, errs.E(errs.Unauthenticated, "sign in first")
	}
	if err != nil {
		return nil, err
	}
	c.Locals(principalLocal, p)
	return p, nil
}

// authorize is the permission check every route passes through: it resolves
// the principal, puts the tenant (taken only from the principal, never from
// the request) and the actor in the context, and asks casbin.
func (s *Server) authorize(r Route) fiber.Handler {
	return func(c *fiber.Ctx) error {
		switch r.Perm {
		case Public:
			return c.Next()
		case Customer:
			return s.requireCustomer(c)
		}
		p, err := s.principal(c)
		if err != nil {
			if r.HTML && c.Method() == fiber.MethodGet && errs.Is(err, errs.Unauthenticated) {
				return c.Redirect("/login?next="+urlEscape(c.OriginalURL()), fiber.StatusSeeOther)
			}
			return err
		}
		ctx := c.UserContext()
		ctx = tenancy.WithActor(ctx, tenancy.Actor{Kind: p.Kind, ID: p.UserID, Name: p.Name, IP: c.IP()})
		switch r.Scope {
		case ScopePlatform:
			if p.Kind != "platform" {
				return errs.E(errs.Forbidden, "platform console only")
			}
			ctx = tenancy.WithPlatform(ctx)
		case ScopeTenant:
			if p.TenantID == "" {
				return errs.E(errs.Forbidden, "no shop selected")
			}
			ctx = tenancy.WithTenant(ctx, p.TenantID)
			if p.TenantStatus != "active" && !safeMethod(c.Method()) {
				return errs.E(errs.Unavailable, "this shop is %s: changes are not accepted", p.TenantStatus)
			}
			if ok, _ := s.tenantRate.allow(p.TenantID, p.RatePerMinute); !ok && r.IsAPI() {
				return errs.E(errs.RateLimited, "this shop's plan allows %d API requests per minute", p.RatePerMinute)
			}
		}
		c.SetUserContext(ctx)
		if r.Perm == Authenticated {
			return c.Next()
		}
		ok, err := s.auth.Can(ctx, p, r.Perm)
		if err != nil {
			return err
		}
		if !ok {
			return errs.E(errs.Forbidden, "your role lacks the %q permission", r.Perm)
		}
		return c.Next()
	}
}

// requireCustomer is filled by the storefront: a customer session on the
// shop's own host.
func (s *Server) requireCustomer(c *fiber.Ctx) error {
	return errs.E(errs.Unauthenticated, "sign in to your customer account first")
}

func urlEscape(s string) string {
	return strings.NewReplacer("%", "%25", "&", "%26", "#", "%23", "?", "%3F", " ", "%20").Replace(s)
}
