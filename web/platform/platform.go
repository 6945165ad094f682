// Package platform is the platform console: the server-rendered pages
// platform admins use to search, suspend, resume and re-plan shops, add
// platform admins, read the mailbox and publish plugins to the catalogue.
// Its templates are embedded beside it (templates/platform) and laid out by
// the shared console layout of web/internal/view. The platform JSON API
// (/api/platform/*) is not here; the query of the shop search is shared
// with it through admin.TenantFilter, the catalogue grouping with the
// merchant console through plugins.CatalogEntries.
//
// It owns no tables: every read and write goes through the tenants and
// plugins services, which check the platform permissions again.
package platform

import (
	"embed"
	"io/fs"
	"regexp"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/plugins"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/session"
	"github.com/wasmart/wasmart/web/internal/view"
)

//go:embed templates
var templateFS embed.FS

// Handler serves the platform console's pages.
type Handler struct {
	// Kit answers who is asking (Current).
	*session.Kit
	// Views renders the pages (Page, PageWithError, PageError).
	*view.Views
	tenants *tenants.Service
	plugins *plugins.Service
}

// Config are what the platform console uses.
type Config struct {
	Kit     *session.Kit
	Errors  *httpx.Errors // the server's error mapping, for input errors shown on a form
	Tenants *tenants.Service
	Plugins *plugins.Service
}

// New parses the platform console's templates and returns its handler.
func New(cfg Config) (*Handler, error) {
	pages, err := fs.Sub(templateFS, "templates")
	if err != nil {
		return nil, err
	}
	tpl, err := view.New(pages, nil)
	if err != nil {
		return nil, err
	}
	return &Handler{Kit: cfg.Kit, Views: view.NewViews(tpl, cfg.Kit, cfg.Tenants, cfg.Errors),
		tenants: cfg.Tenants, plugins: cfg.Plugins}, nil
}

// Routes are the platform console's pages, in the order the router tries
// them.
func (h *Handler) Routes() []httpx.Route {
	var t httpx.Table
	h.shopPages(&t)
	h.pluginPages(&t)
	return t.Routes()
}

// shopPages are the platform console: tenants, admins, mailbox.
func (h *Handler) shopPages(t *httpx.Table) {
	html := t.Group(httpx.ScopePlatform, "platform")
	html.Page("GET", "/platform", perm.PlatformTenantsRead, "Tenants", h.tenantsPage)
	html.Page("POST", "/platform/tenants/:id/suspend", perm.PlatformTenantsManage, "Suspend a shop", h.suspend)
	html.Page("POST", "/platform/tenants/:id/resume", perm.PlatformTenantsManage, "Resume a shop", h.resume)
	html.Page("POST", "/platform/tenants/:id/plan", perm.PlatformTenantsManage, "Change a shop's plan", h.changePlan)
	html.Page("GET", "/platform/admins", perm.PlatformTenantsRead, "Platform admins", h.adminsPage)
	html.Page("POST", "/platform/admins", perm.PlatformAdminsManage, "Add a platform admin", h.addAdmin)
	html.Page("GET", "/platform/mailbox", perm.PlatformMailboxRead, "Mailbox", h.mailbox)
}

// pluginPages are the platform console's plugin catalogue.
func (h *Handler) pluginPages(t *httpx.Table) {
	html := t.Group(httpx.ScopePlatform, "platform")
	html.Page("GET", "/platform/plugins", perm.PlatformPluginsManage, "Plugin catalogue", h.pluginsPage)
	html.Page("POST", "/platform/plugins", perm.PlatformPluginsManage, "Publish a plugin to the catalogue", h.publishPlugin)
}

type tenantsData struct {
	Tenants         []tenants.Tenant
	Query, Status   string
	Next            string
	Statuses, Plans []string
	CanManage       bool
}

func (h *Handler) tenantsPage(c *fiber.Ctx) error {
	p, ctx := h.Current(c), c.UserContext()
	pg, err := h.tenants.ListTenants(ctx, p, admin.TenantFilter(c))
	if err != nil {
		return err
	}
	d := tenantsData{Tenants: pg.Tenants, Next: pg.Next, Query: c.Query("q"), Status: c.Query("status"),
		Statuses: []string{tenants.StatusActive, tenants.StatusSuspended, tenants.StatusClosed}}
	for _, pl := range tenants.Plans() {
		d.Plans = append(d.Plans, pl.Name)
	}
	d.CanManage, _ = h.tenants.Can(ctx, p, perm.PlatformTenantsManage)
	return h.PageWithError(c, "platform/tenants", "Tenants", "tenants", d)
}

func (h *Handler) suspend(c *fiber.Ctx) error {
	if err := h.tenants.Suspend(c.UserContext(), h.Current(c), c.Params("id"), c.FormValue("reason")); err != nil {
		return err
	}
	return view.Done(c, "/platform")
}

func (h *Handler) resume(c *fiber.Ctx) error {
	if err := h.tenants.Resume(c.UserContext(), h.Current(c), c.Params("id")); err != nil {
		return err
	}
	return view.Done(c, "/platform")
}

func (h *Handler) changePlan(c *fiber.Ctx) error {
	if err := h.tenants.ChangePlan(c.UserContext(), h.Current(c), c.Params("id"), c.FormValue("plan")); err != nil {
		return h.PageError(c, err, func() error { return h.tenantsPage(c) })
	}
	return view.Done(c, "/platform")
}

type adminsData struct {
	Admins    []tenants.PlatformAdmin
	CanManage bool
}

func (h *Handler) adminsPage(c *fiber.Ctx) error {
	p, ctx := h.Current(c), c.UserContext()
	admins, err := h.tenants.PlatformAdmins(ctx, p)
	if err != nil {
		return err
	}
	can, _ := h.tenants.Can(ctx, p, perm.PlatformAdminsManage)
	return h.PageWithError(c, "platform/admins", "Platform admins", "admins", adminsData{Admins: admins, CanManage: can})
}

func (h *Handler) addAdmin(c *fiber.Ctx) error {
	if _, err := h.tenants.CreatePlatformAdmin(c.UserContext(), h.Current(c), c.FormValue("email"), c.FormValue("password"), c.FormValue("role")); err != nil {
		return h.PageError(c, err, func() error { return h.adminsPage(c) })
	}
	return view.Done(c, "/platform/admins")
}

type mailView struct {
	outbox.Message
	Links []string
}

var linkRe = regexp.MustCompile(`https?://[^\s<>"]+`)

func (h *Handler) mailbox(c *fiber.Ctx) error {
	pg, err := h.tenants.Mailbox(c.UserContext(), h.Current(c), outbox.MailFilter{To: c.Query("to"), Before: c.Query("cursor")})
	if err != nil {
		return err
	}
	var mails []mailView
	for _, m := range pg.Mail {
		mails = append(mails, mailView{Message: m, Links: linkRe.FindAllString(m.Text, -1)})
	}
	return h.Page(c, "platform/mailbox", "Mailbox", "mailbox", map[string]any{"Mails": mails, "To": c.Query("to"), "Next": pg.Next})
}

type pluginsData struct {
	Catalog []plugins.CatalogEntry
}

func (h *Handler) pluginsPage(c *fiber.Ctx) error {
	vs, err := h.plugins.Catalog(c.UserContext())
	if err != nil {
		return err
	}
	return h.PageWithError(c, "platform/plugins", "Plugin catalogue", "plugins", pluginsData{Catalog: plugins.CatalogEntries(vs, nil)})
}

func (h *Handler) publishPlugin(c *fiber.Ctx) error {
	in, err := httpx.PluginUpload(c)
	if err == nil {
		_, err = h.plugins.Publish(c.UserContext(), in)
	}
	if err != nil {
		return h.PageError(c, err, func() error { return h.pluginsPage(c) })
	}
	return view.Done(c, "/platform/plugins")
}
