package web

import (
	"regexp"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/view"
)

// The platform console: tenants (search, suspend, resume, change plan),
// platform admins and the mailbox, with their JSON API.

// platformPages are the platform console: tenants, admins, mailbox.
func (s *Server) platformPages(t *httpx.Table) {
	html := t.Group(httpx.ScopePlatform, "platform")
	html.Page("GET", "/platform", perm.PlatformTenantsRead, "Tenants", s.platformTenants)
	html.Page("POST", "/platform/tenants/:id/suspend", perm.PlatformTenantsManage, "Suspend a shop", s.platformSuspend)
	html.Page("POST", "/platform/tenants/:id/resume", perm.PlatformTenantsManage, "Resume a shop", s.platformResume)
	html.Page("POST", "/platform/tenants/:id/plan", perm.PlatformTenantsManage, "Change a shop's plan", s.platformPlan)
	html.Page("GET", "/platform/admins", perm.PlatformTenantsRead, "Platform admins", s.platformAdmins)
	html.Page("POST", "/platform/admins", perm.PlatformAdminsManage, "Add a platform admin", s.platformAdminAdd)
	html.Page("GET", "/platform/mailbox", perm.PlatformMailboxRead, "Mailbox", s.platformMailbox)
}

// platformAPI is the platform console over JSON.
func (s *Server) platformAPI(t *httpx.Table) {
	api := t.Group(httpx.ScopePlatform, "platform")
	api.API("GET", "/api/platform/tenants", perm.PlatformTenantsRead, "Search shops (q, status, plan, cursor)", nil, TenantPageJSON{}, s.apiPlatformTenants)
	api.API("POST", "/api/platform/tenants/:id/suspend", perm.PlatformTenantsManage, "Suspend a shop", SuspendRequest{}, nil, s.apiPlatformSuspend)
	api.API("POST", "/api/platform/tenants/:id/resume", perm.PlatformTenantsManage, "Resume a shop", nil, nil, s.apiPlatformResume)
	api.API("PUT", "/api/platform/tenants/:id/plan", perm.PlatformTenantsManage, "Change a shop's plan", PlanRequest{}, nil, s.apiPlatformPlan)
	api.API("GET", "/api/platform/admins", perm.PlatformTenantsRead, "Platform admins", nil, []AdminJSON{}, s.apiPlatformAdmins)
	api.API("POST", "/api/platform/admins", perm.PlatformAdminsManage, "Add a platform admin", AdminRequest{}, AdminJSON{}, s.apiPlatformAdminAdd)
	api.API("GET", "/api/platform/mailbox", perm.PlatformMailboxRead, "Sent and queued e-mail (to, cursor)", nil, MailPageJSON{}, s.apiPlatformMailbox)
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

type platformTenantsData struct {
	Tenants         []tenants.Tenant
	Query, Status   string
	Next            string
	Statuses, Plans []string
	CanManage       bool
}

func (s *Server) platformTenants(c *fiber.Ctx) error {
	p, ctx := s.Current(c), c.UserContext()
	pg, err := s.tenants.ListTenants(ctx, p, admin.TenantFilter(c))
	if err != nil {
		return err
	}
	d := platformTenantsData{Tenants: pg.Tenants, Next: pg.Next, Query: c.Query("q"), Status: c.Query("status"),
		Statuses: []string{tenants.StatusActive, tenants.StatusSuspended, tenants.StatusClosed}}
	for _, pl := range tenants.Plans() {
		d.Plans = append(d.Plans, pl.Name)
	}
	d.CanManage, _ = s.tenants.Can(ctx, p, perm.PlatformTenantsManage)
	return s.PageWithError(c, "platform/tenants", "Tenants", "tenants", d)
}

func (s *Server) platformSuspend(c *fiber.Ctx) error {
	if err := s.tenants.Suspend(c.UserContext(), s.Current(c), c.Params("id"), c.FormValue("reason")); err != nil {
		return err
	}
	return view.Done(c, "/platform")
}

func (s *Server) platformResume(c *fiber.Ctx) error {
	if err := s.tenants.Resume(c.UserContext(), s.Current(c), c.Params("id")); err != nil {
		return err
	}
	return view.Done(c, "/platform")
}

func (s *Server) platformPlan(c *fiber.Ctx) error {
	if err := s.tenants.ChangePlan(c.UserContext(), s.Current(c), c.Params("id"), c.FormValue("plan")); err != nil {
		return s.PageError(c, err, func() error { return s.platformTenants(c) })
	}
	return view.Done(c, "/platform")
}

type adminsData struct {
	Admins    []tenants.PlatformAdmin
	CanManage bool
}

func (s *Server) platformAdmins(c *fiber.Ctx) error {
	p, ctx := s.Current(c), c.UserContext()
	admins, err := s.tenants.PlatformAdmins(ctx, p)
	if err != nil {
		return err
	}
	can, _ := s.tenants.Can(ctx, p, perm.PlatformAdminsManage)
	return s.PageWithError(c, "platform/admins", "Platform admins", "admins", adminsData{Admins: admins, CanManage: can})
}

func (s *Server) platformAdminAdd(c *fiber.Ctx) error {
	if _, err := s.tenants.CreatePlatformAdmin(c.UserContext(), s.Current(c), c.FormValue("email"), c.FormValue("password"), c.FormValue("role")); err != nil {
		return s.PageError(c, err, func() error { return s.platformAdmins(c) })
	}
	return view.Done(c, "/platform/admins")
}

type mailView struct {
	outbox.Message
	Links []string
}

var linkRe = regexp.MustCompile(`https?://[^\s<>"]+`)

func (s *Server) platformMailbox(c *fiber.Ctx) error {
	pg, err := s.tenants.Mailbox(c.UserContext(), s.Current(c), outbox.MailFilter{To: c.Query("to"), Before: c.Query("cursor")})
	if err != nil {
		return err
	}
	var mails []mailView
	for _, m := range pg.Mail {
		mails = append(mails, mailView{Message: m, Links: linkRe.FindAllString(m.Text, -1)})
	}
	return s.Page(c, "platform/mailbox", "Mailbox", "mailbox", map[string]any{"Mails": mails, "To": c.Query("to"), "Next": pg.Next})
}

func (s *Server) apiPlatformTenants(c *fiber.Ctx) error {
	pg, err := s.tenants.ListTenants(c.UserContext(), s.Current(c), admin.TenantFilter(c))
	if err != nil {
		return err
	}
	out := TenantPageJSON{Tenants: []ShopJSON{}, Next: pg.Next}
	for _, t := range pg.Tenants {
		out.Tenants = append(out.Tenants, s.shopJSON(t))
	}
	return c.JSON(out)
}

func (s *Server) apiPlatformSuspend(c *fiber.Ctx) error {
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

func (s *Server) apiPlatformResume(c *fiber.Ctx) error {
	if err := s.tenants.Resume(c.UserContext(), s.Current(c), c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) apiPlatformPlan(c *fiber.Ctx) error {
	var in PlanRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	if err := s.tenants.ChangePlan(c.UserContext(), s.Current(c), c.Params("id"), in.Plan); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) apiPlatformAdmins(c *fiber.Ctx) error {
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

func (s *Server) apiPlatformAdminAdd(c *fiber.Ctx) error {
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

func (s *Server) apiPlatformMailbox(c *fiber.Ctx) error {
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
