package web

import (
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// The merchant console shell: home, shop switcher, account and MFA, staff
// and roles, API tokens, audit log and shop settings, with a JSON API for
// each of them.

// shopAPI is the shop, its staff, roles, API tokens and audit log over JSON.
func (s *Server) shopAPI(t *httpx.Table) {
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
}
