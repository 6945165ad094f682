package tenants

import (
	"context"

	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/tenants/perm"
)

// Principal kinds.
const (
	KindStaff         = "staff"
	KindToken         = "token"
	KindPlatformAdmin = "platform-admin"
	KindSystem        = "system"
)

// Principal is who a request acts for, as returned by AuthenticateSession
// and AuthenticateToken. The zero Principal is anonymous.
type Principal struct {
	Kind          string   // staff, token, platform-admin, system
	UserID        string   // staff and platform admins
	Email         string   // staff and platform admins
	TenantID      string   // current shop ("" for a platform admin outside any shop)
	TenantSlug    string   // current shop's slug
	TenantStatus  string   // active, suspended, closed
	Roles         []string // roles in the current shop
	PlatformRoles []string // platform_admin / platform_support, if any
	SessionID     string   // for staff and platform admins
	TokenID       string   // for API tokens
	MFA           bool     // the session passed a second factor
	IP            string   // set by the web layer for audit records
}

// IsPlatformAdmin reports whether the principal holds a platform role.
func (p Principal) IsPlatformAdmin() bool { return len(p.PlatformRoles) > 0 }

// HasRole reports whether the principal holds a role in its current shop.
func (p Principal) HasRole(role string) bool {
	for _, r := range p.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Actor converts the principal for audit records.
func (p Principal) Actor() tenancy.Actor {
	a := tenancy.Actor{Kind: p.Kind, ID: p.UserID, Name: p.Email, IP: p.IP}
	switch p.Kind {
	case KindToken:
		a.ID, a.Name = p.TokenID, "api token"
	case KindSystem:
		a.ID, a.Name = "system", "system"
	case KindPlatformAdmin:
		a.Kind = "platform"
	}
	return a
}

// Context returns ctx scoped to the principal's shop (if any) with the
// principal as actor: the context store calls and audit records expect.
func (p Principal) Context(ctx context.Context) context.Context {
	ctx = tenancy.WithActor(ctx, p.Actor())
	if p.TenantID != "" {
		ctx = tenancy.WithTenant(ctx, p.TenantID)
	}
	return ctx
}

// System is the principal the CLI and seeders act as: a platform admin
// with no shop.
func System() Principal {
	return Principal{Kind: KindSystem, UserID: "system", Email: "system", PlatformRoles: []string{perm.PlatformAdmin}}
}
