package console

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/view"
)

// The merchant console shell: home, shop switcher, account and MFA, staff
// and roles, API tokens, audit log and shop settings.

// consolePages are the console shell: home, shop switcher, your account,
// staff and roles, API tokens, audit log and shop settings.
func (s *Shop) consolePages(t *httpx.Table) {
	html := t.Group(httpx.ScopeTenant, "console")
	own := t.Group(httpx.ScopeNone, "console")
	html.Page("GET", "/console", perm.ShopRead, "Console home", s.consoleHome)
	own.Page("POST", "/console/switch", httpx.Authenticated, "Switch the current shop", s.consoleSwitch)
	own.Page("GET", "/console/account", httpx.Authenticated, "Your account, MFA and sessions", s.accountPage)
	own.Page("POST", "/console/account/mfa", httpx.Authenticated, "Begin MFA enrolment", s.accountMFABegin)
	own.Page("POST", "/console/account/mfa/verify", httpx.Authenticated, "Confirm MFA enrolment", s.accountMFAVerify)
	own.Page("POST", "/console/account/password", httpx.Authenticated, "Change your password", s.accountPassword)
	own.Page("POST", "/console/account/logout-all", httpx.Authenticated, "Sign out of every session", s.accountLogoutAll)
	html.Page("GET", "/console/staff", perm.StaffRead, "Staff and roles", s.staffPage)
	html.Page("POST", "/console/staff/invite", perm.StaffManage, "Invite a staff member", s.staffInvite)
	html.Page("POST", "/console/staff/:user/role", perm.StaffManage, "Change a staff member's role", s.staffRole)
	html.Page("POST", "/console/staff/:user/remove", perm.StaffManage, "Remove a staff member", s.staffRemove)
	html.Page("GET", "/console/roles/new", perm.StaffManage, "New custom role form", s.roleNewPage)
	html.Page("POST", "/console/roles", perm.StaffManage, "Create a custom role", s.roleCreate)
	html.Page("GET", "/console/roles/:name", perm.StaffManage, "Edit a custom role", s.roleEditPage)
	html.Page("POST", "/console/roles/:name", perm.StaffManage, "Update a custom role", s.roleUpdate)
	html.Page("POST", "/console/roles/:name/delete", perm.StaffManage, "Delete a custom role", s.roleDelete)
	html.Page("GET", "/console/tokens", perm.TokensManage, "API tokens", s.tokensPage)
	html.Page("POST", "/console/tokens", perm.TokensManage, "Create an API token", s.tokenCreate)
	html.Page("POST", "/console/tokens/:id/revoke", perm.TokensManage, "Revoke an API token", s.tokenRevoke)
	html.Page("GET", "/console/audit", perm.AuditRead, "Audit log", s.auditPage)
	html.Page("GET", "/console/settings", perm.ShopRead, "Shop settings", s.settingsPage)
	html.Page("POST", "/console/settings", perm.ShopManage, "Update shop settings", s.settingsSave)
	html.Page("POST", "/console/settings/domains", perm.ShopManage, "Add a custom domain", s.domainAdd)
	html.Page("POST", "/console/settings/domains/remove", perm.ShopManage, "Remove a custom domain", s.domainRemove)
	html.Page("POST", "/console/settings/domains/verify", perm.ShopManage, "Verify a custom domain (DNS TXT record or HTTP token)", s.domainVerify)
	s.reportPages(t)
}

type homeData struct {
	Status, Plan, Currency, Country, Role, StorefrontURL string
	Quotas                                               []quotaRow
	// Dash is the shop's dashboard, for staff who may read analytics.
	Dash *dashData
	// Goals are the active goals' progress, for staff who may read goals
	// (ShowGoals); the "goals-home" block (goals.go).
	Goals     []goalRow
	ShowGoals bool
}

type quotaRow struct {
	Name        string
	Used, Limit string
}

func (s *Shop) consoleHome(c *fiber.Ctx) error {
	p := s.Current(c)
	t, err := s.tenants.Tenant(c.UserContext(), p.TenantID)
	if err != nil {
		return err
	}
	plan, _ := tenants.LookupPlan(t.Plan)
	seats, err := s.tenants.SeatsUsed(c.UserContext(), p)
	if err != nil {
		return err
	}
	limit := func(n int64) string {
		if n == tenants.Unlimited {
			return "unlimited"
		}
		return itoa(n)
	}
	d := homeData{Status: t.Status, Plan: plan.Title, Currency: t.Currency, Country: t.Country, Role: strings.Join(p.Roles, ", "),
		StorefrontURL: s.StorefrontURL(t.Slug),
		Quotas: []quotaRow{
			{"Staff seats (members and pending invitations)", itoa(seats), limit(plan.StaffSeats)},
			{"Products", "—", limit(plan.Products)},
			{"Plugins", "—", limit(plan.Plugins)},
			{"API requests per minute", "—", limit(plan.APIRequestsPerMinute)},
		}}
	if s.analytics != nil && s.Can(c, perm.AnalyticsRead) {
		if d.Dash, err = s.dashboard(c, t.Currency); err != nil {
			return err
		}
	}
	if d.ShowGoals = s.analytics != nil && s.Can(c, perm.GoalsRead); d.ShowGoals {
		if d.Goals, err = s.goalsHome(c); err != nil {
			return err
		}
	}
	if c.Query("flash") == "welcome" {
		c.Request().URI().QueryArgs().Set("flash", "welcome")
	}
	return s.Page(c, "console/home", t.Name, "home", d)
}

func (s *Shop) consoleSwitch(c *fiber.Ctx) error {
	if err := s.tenants.SwitchShop(c.UserContext(), s.Current(c), c.FormValue("tenant_id")); err != nil {
		return err
	}
	return c.Redirect("/console", fiber.StatusSeeOther)
}

type accountData struct {
	Name, Email   string
	MFAEnabled    bool
	Enrol         *enrolView
	RecoveryCodes []string
}

type enrolView struct{ Secret, QRBase64 string }

func (s *Shop) account(c *fiber.Ctx, enrol *tenants.TOTPEnrolment, codes []string) error {
	p := s.Current(c)
	u, err := s.tenants.User(c.UserContext(), p.UserID)
	if err != nil {
		return err
	}
	d := accountData{Name: u.Name, Email: u.Email, MFAEnabled: u.MFAEnabled, RecoveryCodes: codes}
	if enrol != nil {
		d.Enrol = &enrolView{Secret: enrol.Secret, QRBase64: base64.StdEncoding.EncodeToString(enrol.QRPNG)}
	}
	if d.Name == "" {
		d.Name = u.Email
	}
	return s.PageWithError(c, "console/account", "Your account", "account", d)
}

func (s *Shop) accountPage(c *fiber.Ctx) error { return s.account(c, nil, nil) }

func (s *Shop) accountMFABegin(c *fiber.Ctx) error {
	e, err := s.tenants.BeginTOTP(c.UserContext(), s.Current(c))
	if err != nil {
		return s.PageError(c, err, func() error { return s.account(c, nil, nil) })
	}
	return s.account(c, &e, nil)
}

func (s *Shop) accountMFAVerify(c *fiber.Ctx) error {
	codes, err := s.tenants.ConfirmTOTP(c.UserContext(), s.Current(c), strings.TrimSpace(c.FormValue("code")))
	if err != nil {
		return s.PageError(c, err, func() error { return s.account(c, nil, nil) })
	}
	return s.account(c, nil, codes)
}

func (s *Shop) accountPassword(c *fiber.Ctx) error {
	if err := s.tenants.ChangePassword(c.UserContext(), s.Current(c), c.FormValue("current"), c.FormValue("password")); err != nil {
		return s.PageError(c, err, func() error { return s.account(c, nil, nil) })
	}
	return view.Done(c, "/console/account")
}

func (s *Shop) accountLogoutAll(c *fiber.Ctx) error {
	if _, err := s.tenants.LogoutAll(c.UserContext(), s.Current(c), false); err != nil {
		return err
	}
	s.ClearStaffCookie(c)
	return c.Redirect("/login?flash=signed-out", fiber.StatusSeeOther)
}

type staffData struct {
	Members     []tenants.StaffMember
	Invitations []tenants.Invitation
	Roles       []roleView
	RoleNames   []string
	CanManage   bool
}

type roleView struct {
	Name        string
	BuiltIn     bool
	Permissions []string
}

func (s *Shop) staffData(c *fiber.Ctx) (staffData, error) {
	p, ctx := s.Current(c), c.UserContext()
	var d staffData
	var err error
	if d.Members, err = s.tenants.Staff(ctx, p); err != nil {
		return d, err
	}
	if d.Invitations, err = s.tenants.Invitations(ctx, p); err != nil {
		return d, err
	}
	roles, err := s.tenants.Roles(ctx, p)
	if err != nil {
		return d, err
	}
	for _, r := range roles {
		v := roleView{Name: r.Name, BuiltIn: r.BuiltIn}
		for _, x := range r.Permissions {
			v.Permissions = append(v.Permissions, string(x))
		}
		d.Roles = append(d.Roles, v)
		d.RoleNames = append(d.RoleNames, r.Name)
	}
	d.CanManage, _ = s.tenants.Can(ctx, p, perm.StaffManage)
	return d, nil
}

func (s *Shop) staffPage(c *fiber.Ctx) error {
	d, err := s.staffData(c)
	if err != nil {
		return err
	}
	return s.PageWithError(c, "console/staff", "Staff & roles", "staff", d)
}

func (s *Shop) staffInvite(c *fiber.Ctx) error {
	if _, err := s.tenants.InviteStaff(c.UserContext(), s.Current(c), c.FormValue("email"), c.FormValue("role")); err != nil {
		return s.PageError(c, err, func() error { return s.staffPage(c) })
	}
	return view.Done(c, "/console/staff")
}

func (s *Shop) staffRole(c *fiber.Ctx) error {
	if err := s.tenants.SetStaffRole(c.UserContext(), s.Current(c), c.Params("user"), c.FormValue("role")); err != nil {
		return s.PageError(c, err, func() error { return s.staffPage(c) })
	}
	return view.Done(c, "/console/staff")
}

func (s *Shop) staffRemove(c *fiber.Ctx) error {
	if err := s.tenants.RemoveStaff(c.UserContext(), s.Current(c), c.Params("user")); err != nil {
		return s.PageError(c, err, func() error { return s.staffPage(c) })
	}
	return view.Done(c, "/console/staff")
}

type roleEditData struct {
	New  bool
	Name string
	All  []perm.Info
	Has  map[string]bool
}

func tenantPerms() []perm.Info {
	var out []perm.Info
	for _, i := range perm.All() {
		if i.Scope == perm.TenantScope {
			out = append(out, i)
		}
	}
	return out
}

func (s *Shop) roleNewPage(c *fiber.Ctx) error {
	return s.PageWithError(c, "console/role", "New role", "staff", roleEditData{New: true, All: tenantPerms(), Has: map[string]bool{}})
}

func formPerms(c *fiber.Ctx) []perm.Permission {
	var out []perm.Permission
	args := c.Request().PostArgs()
	for _, v := range args.PeekMulti("permissions") {
		out = append(out, perm.Permission(v))
	}
	return out
}

func (s *Shop) roleCreate(c *fiber.Ctx) error {
	in := tenants.RoleInput{Name: c.FormValue("name"), Permissions: formPerms(c)}
	if _, err := s.tenants.CreateRole(c.UserContext(), s.Current(c), in); err != nil {
		return s.PageError(c, err, func() error {
			has := map[string]bool{}
			for _, p := range in.Permissions {
				has[string(p)] = true
			}
			return s.PageWithError(c, "console/role", "New role", "staff", roleEditData{New: true, Name: in.Name, All: tenantPerms(), Has: has})
		})
	}
	return view.Done(c, "/console/staff")
}

func (s *Shop) roleEditPage(c *fiber.Ctx) error {
	roles, err := s.tenants.Roles(c.UserContext(), s.Current(c))
	if err != nil {
		return err
	}
	for _, r := range roles {
		if r.Name == c.Params("name") && !r.BuiltIn {
			has := map[string]bool{}
			for _, p := range r.Permissions {
				has[string(p)] = true
			}
			return s.PageWithError(c, "console/role", "Role "+r.Name, "staff", roleEditData{Name: r.Name, All: tenantPerms(), Has: has})
		}
	}
	return errs.NotFoundf("no custom role %q", c.Params("name"))
}

func (s *Shop) roleUpdate(c *fiber.Ctx) error {
	name := c.Params("name")
	if _, err := s.tenants.UpdateRole(c.UserContext(), s.Current(c), name, tenants.RoleInput{Name: name, Permissions: formPerms(c)}); err != nil {
		return s.PageError(c, err, func() error { return s.roleEditPage(c) })
	}
	return view.Done(c, "/console/staff")
}

func (s *Shop) roleDelete(c *fiber.Ctx) error {
	if err := s.tenants.DeleteRole(c.UserContext(), s.Current(c), c.Params("name")); err != nil {
		return s.PageError(c, err, func() error { return s.staffPage(c) })
	}
	return view.Done(c, "/console/staff")
}

type tokensData struct {
	Tokens    []tokenView
	RoleNames []string
	NewToken  string
}

type tokenView struct {
	tenants.APIToken
	Revoked bool
}

func (s *Shop) tokensPageWith(c *fiber.Ctx, newToken string) error {
	p, ctx := s.Current(c), c.UserContext()
	toks, err := s.tenants.Tokens(ctx, p)
	if err != nil {
		return err
	}
	d := tokensData{NewToken: newToken}
	for _, t := range toks {
		d.Tokens = append(d.Tokens, tokenView{APIToken: t, Revoked: t.RevokedAt != nil})
	}
	roles, err := s.tenants.Roles(ctx, p)
	if err != nil {
		return err
	}
	for _, r := range roles {
		if r.Name != perm.Owner {
			d.RoleNames = append(d.RoleNames, r.Name)
		}
	}
	return s.PageWithError(c, "console/tokens", "API tokens", "tokens", d)
}

func (s *Shop) tokensPage(c *fiber.Ctx) error { return s.tokensPageWith(c, "") }

func (s *Shop) tokenCreate(c *fiber.Ctx) error {
	_, secret, err := s.tenants.CreateToken(c.UserContext(), s.Current(c), c.FormValue("name"), c.FormValue("role"))
	if err != nil {
		return s.PageError(c, err, func() error { return s.tokensPageWith(c, "") })
	}
	return s.tokensPageWith(c, secret)
}

func (s *Shop) tokenRevoke(c *fiber.Ctx) error {
	if err := s.tenants.RevokeToken(c.UserContext(), s.Current(c), c.Params("id")); err != nil {
		return err
	}
	return view.Done(c, "/console/tokens")
}

type auditFilterView struct{ Action, Actor, Object string }

type auditData struct {
	Entries []audit.Entry
	Filter  auditFilterView
	Next    string
}

func (s *Shop) auditPage(c *fiber.Ctx) error {
	pg, err := s.tenants.Audit(c.UserContext(), s.Current(c), admin.AuditFilter(c))
	if err != nil {
		return err
	}
	return s.Page(c, "console/audit", "Audit log", "audit", auditData{Entries: pg.Entries, Next: pg.Next,
		Filter: auditFilterView{Action: c.Query("action"), Actor: c.Query("actor"), Object: c.Query("object")}})
}

type settingsData struct {
	Name, Slug, Currency, Country, Plan, BaseDomain string
	Domains                                         []tenants.Domain
	CanManage                                       bool
}

func (s *Shop) settingsPage(c *fiber.Ctx) error {
	p, ctx := s.Current(c), c.UserContext()
	t, err := s.tenants.Tenant(ctx, p.TenantID)
	if err != nil {
		return err
	}
	doms, err := s.tenants.Domains(ctx, p)
	if err != nil {
		return err
	}
	d := settingsData{Name: t.Name, Slug: t.Slug, Currency: t.Currency, Country: t.Country, Plan: t.Plan, BaseDomain: s.BaseDomain()}
	d.Domains = doms
	d.CanManage, _ = s.tenants.Can(ctx, p, perm.ShopManage)
	return s.PageWithError(c, "console/settings", "Settings", "settings", d)
}

func (s *Shop) settingsSave(c *fiber.Ctx) error {
	if _, err := s.tenants.UpdateShop(c.UserContext(), s.Current(c), c.FormValue("name")); err != nil {
		return s.PageError(c, err, func() error { return s.settingsPage(c) })
	}
	return view.Done(c, "/console/settings")
}

func (s *Shop) domainAdd(c *fiber.Ctx) error {
	if _, err := s.tenants.AddDomain(c.UserContext(), s.Current(c), c.FormValue("host")); err != nil {
		return s.PageError(c, err, func() error { return s.settingsPage(c) })
	}
	return view.Done(c, "/console/settings")
}

func (s *Shop) domainVerify(c *fiber.Ctx) error {
	if _, err := s.tenants.VerifyDomain(c.UserContext(), s.Current(c), c.FormValue("host")); err != nil {
		return s.PageError(c, err, func() error { return s.settingsPage(c) })
	}
	return c.Redirect("/console/settings?flash=domain-verified", fiber.StatusSeeOther)
}

func (s *Shop) domainRemove(c *fiber.Ctx) error {
	if err := s.tenants.RemoveDomain(c.UserContext(), s.Current(c), c.FormValue("host")); err != nil {
		return s.PageError(c, err, func() error { return s.settingsPage(c) })
	}
	return view.Done(c, "/console/settings")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
