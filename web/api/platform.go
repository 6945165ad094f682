package api

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/session"
)

// The platform console's JSON API: tenants (search, suspend, resume, change
// plan), platform admins and the mailbox. The pages are in web/platform.

// Platform serves the platform JSON API.
type Platform struct {
	*session.Kit
	tenants *tenants.Service
}

// Routes are the platform console over JSON.
func (s *Platform) Routes() []httpx.Route {
	var t httpx.Table
	api := t.Group(httpx.ScopePlatform, "platform")
	api.API("GET", "/api/platform/tenants", perm.PlatformTenantsRead, "Search shops (q, status, plan, cursor)", nil, TenantPageJSON{}, s.apiPlatformTenants)
	api.API("POST", "/api/platform/tenants/:id/suspend", perm.PlatformTenantsManage, "Suspend a shop", SuspendRequest{}, nil, s.apiPlatformSuspend)
	api.API("POST", "/api/platform/tenants/:id/resume", perm.PlatformTenantsManage, "Resume a shop", nil, nil, s.apiPlatformResume)
	api.API("PUT", "/api/platform/tenants/:id/plan", perm.PlatformTenantsManage, "Change a shop's plan", PlanRequest{}, nil, s.apiPlatformPlan)
	api.API("GET", "/api/platform/admins", perm.PlatformTenantsRead, "Platform admins", nil, []AdminJSON{}, s.apiPlatformAdmins)
	api.API("POST", "/api/platform/admins", perm.PlatformAdminsManage, "Add a platform admin", AdminRequest{}, AdminJSON{}, s.apiPlatformAdminAdd)
	api.API("GET", "/api/platform/mailbox", perm.PlatformMailboxRead, "Sent and queued e-mail (to, cursor)", nil, MailPageJSON{}, s.apiPlatformMailbox)
	return t.Routes()
}

// TenantPageJSON is a page of shops.
type TenantPageJSON struct {
	Tenants []ShopJSON `json:"tenants"`
	Next    string     `json:"next,omitempty"`
}

// SuspendRequest says why a shop is suspended.
type SuspendRequest struct {
	Reason string `json:"reason"`
}

// PlanRequest changes a plan.
type PlanRequest struct {
	Plan string `json:"plan"`
}

// AdminRequest adds a platform admin.
type AdminRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Role     string `json:"role"`
}

// AdminJSON is a platform admin.
type AdminJSON struct {
	UserID    string    `json:"user_id"`
	Email     string    `json:"email"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

// MailPageJSON is a page of the mailbox.
type MailPageJSON struct {
	Mail []MailJSON `json:"mail"`
	Next string     `json:"next,omitempty"`
}

// MailJSON is one e-mail.
type MailJSON struct {
	ID        string    `json:"id"`
	TenantID  string    `json:"tenant_id,omitempty"`
	Topic     string    `json:"topic"`
	To        string    `json:"to"`
	Subject   string    `json:"subject"`
	Text      string    `json:"text"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
}

func (s *Platform) apiPlatformTenants(c *fiber.Ctx) error {
	pg, err := s.tenants.ListTenants(c.UserContext(), s.Current(c), admin.TenantFilter(c))
	if err != nil {
		return err
	}
	out := TenantPageJSON{Tenants: []ShopJSON{}, Next: pg.Next}
	for _, t := range pg.Tenants {
		out.Tenants = append(out.Tenants, shopJSON(t, s.StorefrontURL(t.Slug)))
	}
	return c.JSON(out)
}

func (s *Platform) apiPlatformSuspend(c *fiber.Ctx) error {
	var in SuspendRequest
	if len(c.Body()) > 0 {
		if err := httpx.DecodeJSON(c, &in); err != nil {
			return err
		}
	}
	if err := s.tenants.Suspend(c.UserContext(), s.Current(c), c.Params("id"), in.Reason); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Platform) apiPlatformResume(c *fiber.Ctx) error {
	if err := s.tenants.Resume(c.UserContext(), s.Current(c), c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Platform) apiPlatformPlan(c *fiber.Ctx) error {
	var in PlanRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	if err := s.tenants.ChangePlan(c.UserContext(), s.Current(c), c.Params("id"), in.Plan); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Platform) apiPlatformAdmins(c *fiber.Ctx) error {
	admins, err := s.tenants.PlatformAdmins(c.UserContext(), s.Current(c))
	if err != nil {
		return err
	}
	out := []AdminJSON{}
	for _, a := range admins {
		out = append(out, AdminJSON{UserID: a.UserID, Email: a.Email, Role: a.Role, CreatedAt: a.CreatedAt})
	}
	return c.JSON(out)
}

func (s *Platform) apiPlatformAdminAdd(c *fiber.Ctx) error {
	var in AdminRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	u, err := s.tenants.CreatePlatformAdmin(c.UserContext(), s.Current(c), in.Email, in.Password, in.Role)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(AdminJSON{UserID: u.ID, Email: u.Email, Role: in.Role, CreatedAt: u.CreatedAt})
}

func (s *Platform) apiPlatformMailbox(c *fiber.Ctx) error {
	pg, err := s.tenants.Mailbox(c.UserContext(), s.Current(c), outbox.MailFilter{To: c.Query("to"), Before: c.Query("cursor")})
	if err != nil {
		return err
	}
	out := MailPageJSON{Mail: []MailJSON{}, Next: pg.Next}
	for _, m := range pg.Mail {
		out.Mail = append(out.Mail, MailJSON{ID: m.ID, TenantID: m.TenantID, Topic: m.Topic, To: m.To, Subject: m.Subject, Text: m.Text, Status: m.Status, CreatedAt: m.CreatedAt})
	}
	return c.JSON(out)
}
