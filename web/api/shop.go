package api

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/session"
)

// JSON API for the shop shell: shop profile, domains, staff, roles, tokens
// and the audit log. Handlers are thin: the tenants service validates,
// checks permissions again and audits.

// ShopJSON is a shop.
type ShopJSON struct {
	ID         string    `json:"id"`
	Slug       string    `json:"slug"`
	Name       string    `json:"name"`
	Status     string    `json:"status"`
	Plan       string    `json:"plan"`
	Currency   string    `json:"currency"`
	Country    string    `json:"country"`
	Storefront string    `json:"storefront"`
	CreatedAt  time.Time `json:"created_at"`
}

// ShopPatch renames the shop.
type ShopPatch struct {
	Name string `json:"name"`
}

// DomainRequest adds a custom domain.
type DomainRequest struct {
	Host string `json:"domain"`
}

// DomainJSON is a custom domain: pending until the shop proves it controls
// it, then verified (only a verified domain serves the shop).
type DomainJSON struct {
	Host        string     `json:"domain"`
	Status      string     `json:"status"` // pending or verified
	VerifiedAt  *time.Time `json:"verified_at,omitempty"`
	VerifiedVia string     `json:"verified_via,omitempty"` // dns, http, or existing (added before verification existed)
	// Verification says, while the domain is pending, how to prove it.
	Verification *DomainVerificationJSON `json:"verification,omitempty"`
}

// DomainVerificationJSON is how to verify a pending domain: publish the
// token in a DNS TXT record or serve it over HTTP, then call verify.
type DomainVerificationJSON struct {
	Token         string     `json:"token"`
	TXTName       string     `json:"txt_name"`
	TXTValue      string     `json:"txt_value"`
	HTTPURL       string     `json:"http_url"`
	HTTPBody      string     `json:"http_body"`
	VerifyURL     string     `json:"verify_url"`
	Instructions  string     `json:"instructions"`
	LastCheckedAt *time.Time `json:"last_checked_at,omitempty"`
	LastError     string     `json:"last_error,omitempty"`
}

func domainJSON(d tenants.Domain) DomainJSON {
	out := DomainJSON{Host: d.Host, Status: d.Status(), VerifiedAt: d.VerifiedAt, VerifiedVia: d.VerifiedVia}
	if d.VerifiedAt == nil {
		out.Verification = &DomainVerificationJSON{Token: d.Token, TXTName: d.TXTName(), TXTValue: d.Token,
			HTTPURL: d.HTTPURL(), HTTPBody: d.Token, VerifyURL: "/api/shop/domains/" + d.Host + "/verify",
			Instructions: domainInstructions(d), LastCheckedAt: d.CheckedAt, LastError: d.CheckError}
	}
	return out
}

// domainInstructions tells a merchant, in plain words, how to verify a
// pending domain.
func domainInstructions(d tenants.Domain) string {
	return "To prove that " + d.Host + " is yours, do one of these: " +
		"(1) at your DNS provider, add a TXT record named " + d.TXTName() + " with the value " + d.Token + "; or " +
		"(2) on the web server that answers for " + d.Host + ", make " + d.HTTPURL() + " return the text " + d.Token + ". " +
		"Then press Verify (or POST /api/shop/domains/" + d.Host + "/verify). DNS changes can take a few minutes to show. " +
		"Point " + d.Host + " at this platform before or after verifying; it shows your shop only once verified."
}

// StaffJSON is a staff member.
type StaffJSON struct {
	UserID   string    `json:"user_id"`
	Email    string    `json:"email"`
	Name     string    `json:"name"`
	Role     string    `json:"role"`
	MFA      bool      `json:"mfa"`
	JoinedAt time.Time `json:"joined_at"`
}

// InviteRequest invites a staff member.
type InviteRequest struct {
	Email string `json:"email"`
	Role  string `json:"role"`
}

// InvitationJSON is a pending invitation.
type InvitationJSON struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Role      string    `json:"role"`
	ExpiresAt time.Time `json:"expires_at"`
}

// RoleAssign sets a staff member's role.
type RoleAssign struct {
	Role string `json:"role"`
}

// RoleJSON is a role and its permissions.
type RoleJSON struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Permissions []string `json:"permissions"`
	BuiltIn     bool     `json:"built_in,omitempty"`
}

// TokenRequest creates an API token.
type TokenRequest struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// TokenJSON is an API token; Secret is set only in the creation answer.
type TokenJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Role       string     `json:"role"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	Secret     string     `json:"secret,omitempty"`
}

// AuditPage is a page of the audit log.
type AuditPage struct {
	Entries []AuditJSON `json:"entries"`
	Next    string      `json:"next,omitempty"`
}

// AuditJSON is one audit record.
type AuditJSON struct {
	ID         string    `json:"id"`
	At         time.Time `json:"at"`
	ActorKind  string    `json:"actor_kind"`
	ActorID    string    `json:"actor_id"`
	ActorName  string    `json:"actor_name"`
	Action     string    `json:"action"`
	ObjectType string    `json:"object_type"`
	ObjectID   string    `json:"object_id"`
	Before     string    `json:"before,omitempty"`
	After      string    `json:"after,omitempty"`
	IP         string    `json:"ip"`
}

// shopJSON is t as the API shows it; storefront is its storefront URL.
func shopJSON(t tenants.Tenant, storefront string) ShopJSON {
	return ShopJSON{ID: t.ID, Slug: t.Slug, Name: t.Name, Status: t.Status, Plan: t.Plan, Currency: t.Currency, Country: t.Country,
		Storefront: storefront, CreatedAt: t.CreatedAt}
}

func (s *Shop) apiShop(c *fiber.Ctx) error {
	t, err := s.tenants.Tenant(c.UserContext(), s.Current(c).TenantID)
	if err != nil {
		return err
	}
	return c.JSON(shopJSON(t, s.StorefrontURL(t.Slug)))
}

func (s *Shop) apiShopPatch(c *fiber.Ctx) error {
	var in ShopPatch
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	t, err := s.tenants.UpdateShop(c.UserContext(), s.Current(c), in.Name)
	if err != nil {
		return err
	}
	return c.JSON(shopJSON(t, s.StorefrontURL(t.Slug)))
}

func (s *Shop) apiDomains(c *fiber.Ctx) error {
	doms, err := s.tenants.Domains(c.UserContext(), s.Current(c))
	if err != nil {
		return err
	}
	out := []DomainJSON{}
	for _, d := range doms {
		out = append(out, domainJSON(d))
	}
	return c.JSON(out)
}

func (s *Shop) apiDomainAdd(c *fiber.Ctx) error {
	var in DomainRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	d, err := s.tenants.AddDomain(c.UserContext(), s.Current(c), in.Host)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(domainJSON(d))
}

func (s *Shop) apiDomainVerify(c *fiber.Ctx) error {
	d, err := s.tenants.VerifyDomain(c.UserContext(), s.Current(c), c.Params("host"))
	if err != nil {
		return err
	}
	return c.JSON(domainJSON(d))
}

func (s *Shop) apiDomainRemove(c *fiber.Ctx) error {
	if err := s.tenants.RemoveDomain(c.UserContext(), s.Current(c), c.Params("host")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Shop) apiStaff(c *fiber.Ctx) error {
	staff, err := s.tenants.Staff(c.UserContext(), s.Current(c))
	if err != nil {
		return err
	}
	out := []StaffJSON{}
	for _, m := range staff {
		out = append(out, StaffJSON{UserID: m.UserID, Email: m.Email, Name: m.Name, Role: m.Role, MFA: m.MFA, JoinedAt: m.JoinedAt})
	}
	return c.JSON(out)
}

func (s *Shop) apiInvite(c *fiber.Ctx) error {
	var in InviteRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	inv, err := s.tenants.InviteStaff(c.UserContext(), s.Current(c), in.Email, in.Role)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(InvitationJSON{ID: inv.ID, Email: inv.Email, Role: inv.Role, ExpiresAt: inv.ExpiresAt})
}

func (s *Shop) apiInvitations(c *fiber.Ctx) error {
	invs, err := s.tenants.Invitations(c.UserContext(), s.Current(c))
	if err != nil {
		return err
	}
	out := []InvitationJSON{}
	for _, inv := range invs {
		out = append(out, InvitationJSON{ID: inv.ID, Email: inv.Email, Role: inv.Role, ExpiresAt: inv.ExpiresAt})
	}
	return c.JSON(out)
}

func (s *Shop) apiStaffRole(c *fiber.Ctx) error {
	var in RoleAssign
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	if err := s.tenants.SetStaffRole(c.UserContext(), s.Current(c), c.Params("user"), in.Role); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Shop) apiStaffRemove(c *fiber.Ctx) error {
	if err := s.tenants.RemoveStaff(c.UserContext(), s.Current(c), c.Params("user")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func roleJSON(r tenants.Role) RoleJSON {
	out := RoleJSON{Name: r.Name, Description: r.Description, BuiltIn: r.BuiltIn, Permissions: []string{}}
	for _, p := range r.Permissions {
		out.Permissions = append(out.Permissions, string(p))
	}
	return out
}

func roleInput(in RoleJSON) tenants.RoleInput {
	ri := tenants.RoleInput{Name: in.Name, Description: in.Description}
	for _, p := range in.Permissions {
		ri.Permissions = append(ri.Permissions, perm.Permission(p))
	}
	return ri
}

func (s *Shop) apiRoles(c *fiber.Ctx) error {
	roles, err := s.tenants.Roles(c.UserContext(), s.Current(c))
	if err != nil {
		return err
	}
	out := []RoleJSON{}
	for _, r := range roles {
		out = append(out, roleJSON(r))
	}
	return c.JSON(out)
}

func (s *Shop) apiRoleCreate(c *fiber.Ctx) error {
	var in RoleJSON
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	r, err := s.tenants.CreateRole(c.UserContext(), s.Current(c), roleInput(in))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(roleJSON(r))
}

func (s *Shop) apiRoleUpdate(c *fiber.Ctx) error {
	var in RoleJSON
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	r, err := s.tenants.UpdateRole(c.UserContext(), s.Current(c), c.Params("name"), roleInput(in))
	if err != nil {
		return err
	}
	return c.JSON(roleJSON(r))
}

func (s *Shop) apiRoleDelete(c *fiber.Ctx) error {
	if err := s.tenants.DeleteRole(c.UserContext(), s.Current(c), c.Params("name")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func tokenJSON(t tenants.APIToken) TokenJSON {
	return TokenJSON{ID: t.ID, Name: t.Name, Prefix: t.Prefix, Role: t.Role, CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt}
}

func (s *Shop) apiTokens(c *fiber.Ctx) error {
	toks, err := s.tenants.Tokens(c.UserContext(), s.Current(c))
	if err != nil {
		return err
	}
	out := []TokenJSON{}
	for _, t := range toks {
		out = append(out, tokenJSON(t))
	}
	return c.JSON(out)
}

func (s *Shop) apiTokenCreate(c *fiber.Ctx) error {
	var in TokenRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	t, secret, err := s.tenants.CreateToken(c.UserContext(), s.Current(c), in.Name, in.Role)
	if err != nil {
		return err
	}
	out := tokenJSON(t)
	out.Secret = secret
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (s *Shop) apiTokenRevoke(c *fiber.Ctx) error {
	if err := s.tenants.RevokeToken(c.UserContext(), s.Current(c), c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Shop) apiAudit(c *fiber.Ctx) error {
	pg, err := s.tenants.Audit(c.UserContext(), s.Current(c), admin.AuditFilter(c))
	if err != nil {
		return err
	}
	return c.JSON(auditPage(pg))
}

func auditPage(pg audit.Page) AuditPage {
	out := AuditPage{Entries: []AuditJSON{}, Next: pg.Next}
	for _, e := range pg.Entries {
		out.Entries = append(out.Entries, AuditJSON{ID: e.ID, At: e.At, ActorKind: e.ActorKind, ActorID: e.ActorID, ActorName: e.ActorName,
			Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID, Before: e.Before, After: e.After, IP: e.IP})
	}
	return out
}

// Shop serves the shop shell's routes.
type Shop struct {
	*session.Kit
	tenants *tenants.Service
}

// Routes are the shop, its staff, roles, API tokens and audit log over JSON.
func (s *Shop) Routes() []httpx.Route {
	var t httpx.Table
	api := t.Group(httpx.ScopeTenant, "shop")
	api.API("GET", "/api/shop", perm.ShopRead, "The current shop", nil, ShopJSON{}, s.apiShop)
	api.API("PATCH", "/api/shop", perm.ShopManage, "Rename the shop", ShopPatch{}, ShopJSON{}, s.apiShopPatch)
	api.API("GET", "/api/shop/domains", perm.ShopRead, "Custom domains with their status (pending or verified) and, while pending, how to verify them", nil, []DomainJSON{}, s.apiDomains)
	api.API("POST", "/api/shop/domains", perm.ShopManage, "Claim a custom domain: it stays pending, serving nothing, until verified; the answer has the token and instructions", DomainRequest{}, DomainJSON{}, s.apiDomainAdd)
	api.API("POST", "/api/shop/domains/:host/verify", perm.ShopManage, "Check a pending domain's DNS TXT record or HTTP token; when it holds the token the domain is verified and serves the shop (422 naming what is missing otherwise)", nil, DomainJSON{}, s.apiDomainVerify)
	api.API("DELETE", "/api/shop/domains/:host", perm.ShopManage, "Remove a custom domain", nil, nil, s.apiDomainRemove)
	api.API("GET", "/api/staff", perm.StaffRead, "Staff of the shop", nil, []StaffJSON{}, s.apiStaff)
	api.API("POST", "/api/staff/invitations", perm.StaffManage, "Invite a staff member by e-mail", InviteRequest{}, InvitationJSON{}, s.apiInvite)
	api.API("GET", "/api/staff/invitations", perm.StaffRead, "Pending invitations", nil, []InvitationJSON{}, s.apiInvitations)
	api.API("PUT", "/api/staff/:user/role", perm.StaffManage, "Change a staff member's role", RoleAssign{}, nil, s.apiStaffRole)
	api.API("DELETE", "/api/staff/:user", perm.StaffManage, "Remove a staff member", nil, nil, s.apiStaffRemove)
	api.API("GET", "/api/roles", perm.StaffRead, "Built-in and custom roles", nil, []RoleJSON{}, s.apiRoles)
	api.API("POST", "/api/roles", perm.StaffManage, "Create a custom role", RoleJSON{}, RoleJSON{}, s.apiRoleCreate)
	api.API("PUT", "/api/roles/:name", perm.StaffManage, "Update a custom role", RoleJSON{}, RoleJSON{}, s.apiRoleUpdate)
	api.API("DELETE", "/api/roles/:name", perm.StaffManage, "Delete a custom role", nil, nil, s.apiRoleDelete)
	api.API("GET", "/api/tokens", perm.TokensManage, "API tokens (never their secrets)", nil, []TokenJSON{}, s.apiTokens)
	api.API("POST", "/api/tokens", perm.TokensManage, "Create an API token; the secret is in this answer only", TokenRequest{}, TokenJSON{}, s.apiTokenCreate)
	api.API("DELETE", "/api/tokens/:id", perm.TokensManage, "Revoke an API token", nil, nil, s.apiTokenRevoke)
	api.API("GET", "/api/audit", perm.AuditRead, "Audit log, newest first (filters: action, actor, object_type, object_id, cursor)", nil, AuditPage{}, s.apiAudit)
	return t.Routes()
}
