package web

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// authorize is the permission check every route passes through: it resolves
// the principal, puts the tenant (taken only from the principal, never from
// the request) and the actor in the context, and asks casbin.
func (s *Server) authorize(r Route) fiber.Handler {
	return func(c *fiber.Ctx) error {
		switch r.Perm {
		case Public:
			return c.Next()
		case Customer:
			return s.RequireCustomer(c)
		}
		p, err := s.Principal(c)
		if err != nil {
			if r.HTML && c.Method() == fiber.MethodGet && errs.Is(err, errs.Unauthenticated) {
				return httpx.RedirectToLogin(c, "/login")
			}
			return err
		}
		c.SetUserContext(p.Context(c.UserContext()))
		switch r.Scope {
		case ScopePlatform:
			if !p.IsPlatformAdmin() {
				return errs.E(errs.Forbidden, "platform admins only")
			}
			c.SetUserContext(tenancy.WithPlatform(c.UserContext()))
		case ScopeTenant:
			if p.TenantID == "" {
				if r.HTML && c.Method() == fiber.MethodGet && p.IsPlatformAdmin() {
					return c.Redirect("/platform", fiber.StatusSeeOther)
				}
				return errs.E(errs.Forbidden, "no shop selected: switch to one of your shops first")
			}
			if r.IsAPI() {
				if limit := s.planRate(c, p.TenantID); limit > 0 {
					if ok, _ := s.tenantRate.Allow(p.TenantID, int(limit)); !ok {
						return errs.E(errs.RateLimited, "this shop's plan allows %d API requests per minute", limit)
					}
				}
			}
		}
		if r.Perm == Authenticated {
			return c.Next()
		}
		if err := s.tenants.Authorize(c.UserContext(), p, perm.Permission(r.Perm)); err != nil {
			return err
		}
		return c.Next()
	}
}

// planRate is the shop's API requests per minute, cached for a minute.
func (s *Server) planRate(c *fiber.Ctx, tenantID string) int64 {
	now := time.Now()
	if v, ok := s.planCache.Load(tenantID); ok {
		e := v.(planEntry)
		if now.Before(e.until) {
			return e.rate
		}
	}
	plan, err := s.tenants.PlanOf(c.UserContext(), tenantID)
	if err != nil {
		return 0
	}
	s.planCache.Store(tenantID, planEntry{rate: plan.APIRequestsPerMinute, until: now.Add(time.Minute)})
	return plan.APIRequestsPerMinute
}

type planEntry struct {
	rate  int64
	until time.Time
}
