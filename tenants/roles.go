package tenants

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/tenants/perm"
)

// Role is a built-in or custom role as the console shows it.
type Role struct {
	Name        string
	Description string
	Permissions []perm.Permission
	BuiltIn     bool
}

// RoleInput creates or updates a custom role.
type RoleInput struct {
	Name        string
	Description string
	Permissions []perm.Permission
}

type roleRow struct {
	bun.BaseModel `bun:"table:roles"`
	TenantID      string    `bun:"tenant_id,pk"`
	Name          string    `bun:"name,pk"`
	Description   string    `bun:"description"`
	CreatedAt     time.Time `bun:"created_at"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

var roleNameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{1,39}$`)

func (in *RoleInput) normalize() error {
	in.Name = strings.ToLower(strings.TrimSpace(in.Name))
	if !roleNameRE.MatchString(in.Name) {
		return errs.Field("name", "must be 2 to 40 characters: a-z, 0-9, '_' or '-', starting with a letter")
	}
	if perm.IsBuiltInTenantRole(in.Name) || strings.HasPrefix(in.Name, "platform") {
		return errs.Field("name", "is the name of a built-in role")
	}
	var err error
	if in.Description, err = cleanName("description", in.Description, 200, false); err != nil {
		return err
	}
	seen := map[perm.Permission]bool{}
	var ps []perm.Permission
	for _, p := range in.Permissions {
		info, ok := perm.Lookup(p)
		if !ok || info.Scope != perm.TenantScope {
			return errs.Field("permissions", "%q is not a shop permission", p)
		}
		if !seen[p] {
			seen[p] = true
			ps = append(ps, p)
		}
	}
	if len(ps) == 0 {
		return errs.Field("permissions", "choose at least one permission")
	}
	perm.Sort(ps)
	in.Permissions = ps
	return nil
}

// MaxCustomRoles is how many custom roles one shop may define.
const MaxCustomRoles = 50

// Roles lists the built-in roles and the shop's custom roles (staff.read).
func (s *Service) Roles(ctx context.Context, p Principal) ([]Role, error) {
	if err := s.Authorize(ctx, p, perm.StaffRead); err != nil {
		return nil, err
	}
	var out []Role
	for _, r := range perm.TenantRoles() {
		out = append(out, Role{Name: r.Name, Description: r.Description, Permissions: r.Permissions, BuiltIn: true})
	}
	var rows []roleRow
	var rules []casbinRule
	err := s.db.Read(p.Context(ctx), func(ctx context.Context, q bun.IDB) error {
		if err := q.NewSelect().Model(&rows).Where("tenant_id = ?", p.TenantID).OrderExpr("name").Scan(ctx); err != nil {
			return err
		}
		return q.NewSelect().Model(&rules).Where("tenant_id = ? AND ptype = 'p'", p.TenantID).Scan(ctx)
	})
	if err != nil {
		return nil, errs.Wrap(err, "tenants.Roles")
	}
	perms := map[string][]perm.Permission{}
	for _, r := range rules {
		perms[r.V0] = append(perms[r.V0], perm.Permission(r.V1))
	}
	for _, r := range rows {
		ps := perms[r.Name]
		perm.Sort(ps)
		out = append(out, Role{Name: r.Name, Description: r.Description, Permissions: ps})
	}
	return out, nil
}

// CreateRole defines a custom role (staff.manage).
func (s *Service) CreateRole(ctx context.Context, p Principal, in RoleInput) (Role, error) {
	return s.saveRole(ctx, p, "", in)
}

// UpdateRole replaces a custom role's description and permissions
// (staff.manage). Renaming is not supported: create a new role and move
// staff to it.
func (s *Service) UpdateRole(ctx context.Context, p Principal, name string, in RoleInput) (Role, error) {
	if in.Name == "" {
		in.Name = name
	}
	if strings.ToLower(strings.TrimSpace(in.Name)) != name {
		return Role{}, errs.Field("name", "cannot be changed")
	}
	return s.saveRole(ctx, p, name, in)
}

func (s *Service) saveRole(ctx context.Context, p Principal, existing string, in RoleInput) (Role, error) {
	if err := s.Authorize(ctx, p, perm.StaffManage); err != nil {
		return Role{}, err
	}
	if err := in.normalize(); err != nil {
		return Role{}, err
	}
	err := s.write(p.Context(ctx), func(ctx context.Context, q bun.IDB, changed func(change) error) error {
		now := s.now()
		var before string
		if existing == "" {
			n, err := q.NewSelect().Model((*roleRow)(nil)).Where("tenant_id = ?", p.TenantID).Count(ctx)
			if err != nil {
				return err
			}
			if n >= MaxCustomRoles {
				return &errs.Error{Code: errs.QuotaExceeded, Field: "name", Message: "a shop may define at most " + itoa(MaxCustomRoles) + " custom roles"}
			}
			if _, err := q.NewInsert().Model(&roleRow{TenantID: p.TenantID, Name: in.Name, Description: in.Description, CreatedAt: now, UpdatedAt: now}).Exec(ctx); err != nil {
				if store.IsUniqueViolation(err) {
					return &errs.Error{Code: errs.Conflict, Field: "name", Message: "a role with this name exists"}
				}
				return err
			}
		} else {
			var old []casbinRule
			if err := q.NewSelect().Model(&old).Where("tenant_id = ? AND ptype = 'p' AND v0 = ?", p.TenantID, existing).OrderExpr("v1").Scan(ctx); err != nil {
				return err
			}
			for _, r := range old {
				before += r.V1 + " "
			}
			res, err := q.NewUpdate().Model((*roleRow)(nil)).Set("description = ?", in.Description).Set("updated_at = ?", now).
				Where("tenant_id = ? AND name = ?", p.TenantID, existing).Exec(ctx)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errs.NotFoundf("role not found")
			}
		}
		ad := NewAdapter(s.db, p.TenantID).InTx(ctx, q)
		if err := ad.RemoveFilteredPolicy("p", "p", 0, in.Name); err != nil {
			return err
		}
		rules := make([][]string, len(in.Permissions))
		var after []string
		for i, pm := range in.Permissions {
			rules[i] = []string{in.Name, string(pm)}
			after = append(after, string(pm))
		}
		if err := ad.AddPolicies("p", "p", rules); err != nil {
			return err
		}
		action := "role.create"
		if existing != "" {
			action = "role.update"
		}
		if err := audit.Record(ctx, q, audit.Entry{TenantID: p.TenantID, Action: action, ObjectType: "role", ObjectID: in.Name,
			Before: strings.TrimSpace(before), After: strings.Join(after, " ")}); err != nil {
			return err
		}
		return changed(change{kind: "roles", tenant: p.TenantID})
	})
	if err != nil {
		return Role{}, errs.Wrap(err, "tenants.saveRole")
	}
	return Role{Name: in.Name, Description: in.Description, Permissions: in.Permissions}, nil
}

// DeleteRole removes a custom role that no staff member or API token holds
// (staff.manage).
func (s *Service) DeleteRole(ctx context.Context, p Principal, name string) error {
	if err := s.Authorize(ctx, p, perm.StaffManage); err != nil {
		return err
	}
	if perm.IsBuiltInTenantRole(name) {
		return errs.Field("name", "built-in roles cannot be deleted")
	}
	return errs.Wrap(s.write(p.Context(ctx), func(ctx context.Context, q bun.IDB, changed func(change) error) error {
		var users, tokens int
		if err := q.NewRaw(`SELECT (SELECT count(*) FROM memberships WHERE tenant_id = ? AND role = ?),
			(SELECT count(*) FROM api_tokens WHERE tenant_id = ? AND role = ? AND revoked_at IS NULL)`,
			p.TenantID, name, p.TenantID, name).Scan(ctx, &users, &tokens); err != nil {
			return err
		}
		if users+tokens > 0 {
			return &errs.Error{Code: errs.Conflict, Field: "name", Message: "the role is held by " + itoa(int64(users)) + " staff and " + itoa(int64(tokens)) + " API tokens; move them to another role first"}
		}
		res, err := q.NewDelete().Model((*roleRow)(nil)).Where("tenant_id = ? AND name = ?", p.TenantID, name).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.NotFoundf("role not found")
		}
		if err := NewAdapter(s.db, p.TenantID).InTx(ctx, q).RemoveFilteredPolicy("p", "p", 0, name); err != nil {
			return err
		}
		if err := audit.Record(ctx, q, audit.Entry{TenantID: p.TenantID, Action: "role.delete", ObjectType: "role", ObjectID: name}); err != nil {
			return err
		}
		return changed(change{kind: "roles", tenant: p.TenantID})
	}), "tenants.DeleteRole")
}

// roleExists reports whether a role can be assigned in a shop.
func roleExists(ctx context.Context, q bun.IDB, tenantID, role string) (bool, error) {
	if perm.IsBuiltInTenantRole(role) {
		return true, nil
	}
	n, err := q.NewSelect().Model((*roleRow)(nil)).Where("tenant_id = ? AND name = ?", tenantID, role).Count(ctx)
	return n > 0, err
}

// StaffMember is one person in a shop.
type StaffMember struct {
	UserID   string    `bun:"user_id"`
	Email    string    `bun:"email"`
	Name     string    `bun:"name"`
	Role     string    `bun:"role"`
	MFA      bool      `bun:"totp_enabled"`
	JoinedAt time.Time `bun:"created_at"`
}

// Staff lists the shop's staff (staff.read).
func (s *Service) Staff(ctx context.Context, p Principal) ([]StaffMember, error) {
	if err := s.Authorize(ctx, p, perm.StaffRead); err != nil {
		return nil, err
	}
	var out []StaffMember
	err := s.db.Read(p.Context(ctx), func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw(`SELECT m.user_id, u.email, u.name, m.role, u.totp_enabled, m.created_at
			FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.tenant_id = ? ORDER BY m.created_at`, p.TenantID).Scan(ctx, &out)
	})
	return out, errs.Wrap(err, "tenants.Staff")
}

// checkOwnerRule enforces that only owners grant or take away the owner
// role.
func checkOwnerRule(p Principal, roles ...string) error {
	for _, r := range roles {
		if r == perm.Owner && !p.HasRole(perm.Owner) {
			return &errs.Error{Code: errs.Forbidden, Field: "role", Message: "only an owner can grant or remove the owner role"}
		}
	}
	return nil
}

// SetStaffRole changes a staff member's role (staff.manage). Only owners
// touch the owner role, and a shop always keeps one owner.
func (s *Service) SetStaffRole(ctx context.Context, p Principal, userID, role string) error {
	if err := s.Authorize(ctx, p, perm.StaffManage); err != nil {
		return err
	}
	return errs.Wrap(s.write(p.Context(ctx), func(ctx context.Context, q bun.IDB, changed func(change) error) error {
		var m membership
		if err := q.NewSelect().Model(&m).Where("tenant_id = ? AND user_id = ?", p.TenantID, userID).Scan(ctx); err != nil {
			if store.NoRows(err) {
				return errs.NotFoundf("staff member not found")
			}
			return err
		}
		if m.Role == role {
			return nil
		}
		ok, err := roleExists(ctx, q, p.TenantID, role)
		if err != nil {
			return err
		}
		if !ok {
			return errs.Field("role", "no such role")
		}
		if err := checkOwnerRule(p, m.Role, role); err != nil {
			return err
		}
		if m.Role == perm.Owner {
			if err := keepOneOwner(ctx, q, p.TenantID); err != nil {
				return err
			}
		}
		if _, err := q.NewUpdate().Model((*membership)(nil)).Set("role = ?", role).Where("tenant_id = ? AND user_id = ?", p.TenantID, userID).Exec(ctx); err != nil {
			return err
		}
		if err := audit.Record(ctx, q, audit.Entry{TenantID: p.TenantID, Action: "staff.role", ObjectType: "user", ObjectID: userID, Before: "role=" + m.Role, After: "role=" + role}); err != nil {
			return err
		}
		return changed(sessionsChanged)
	}), "tenants.SetStaffRole")
}

func keepOneOwner(ctx context.Context, q bun.IDB, tenantID string) error {
	n, err := q.NewSelect().Model((*membership)(nil)).Where("tenant_id = ? AND role = ?", tenantID, perm.Owner).Count(ctx)
	if err != nil {
		return err
	}
	if n <= 1 {
		return &errs.Error{Code: errs.Conflict, Field: "role", Message: "a shop must keep at least one owner"}
	}
	return nil
}

// RemoveStaff takes a person out of the shop (staff.manage). Their
// sessions lose the shop at the next request.
func (s *Service) RemoveStaff(ctx context.Context, p Principal, userID string) error {
	if err := s.Authorize(ctx, p, perm.StaffManage); err != nil {
		return err
	}
	return errs.Wrap(s.write(p.Context(ctx), func(ctx context.Context, q bun.IDB, changed func(change) error) error {
		var m membership
		if err := q.NewSelect().Model(&m).Where("tenant_id = ? AND user_id = ?", p.TenantID, userID).Scan(ctx); err != nil {
			if store.NoRows(err) {
				return errs.NotFoundf("staff member not found")
			}
			return err
		}
		if err := checkOwnerRule(p, m.Role); err != nil {
			return err
		}
		if m.Role == perm.Owner {
			if err := keepOneOwner(ctx, q, p.TenantID); err != nil {
				return err
			}
		}
		if _, err := q.NewDelete().Model((*membership)(nil)).Where("tenant_id = ? AND user_id = ?", p.TenantID, userID).Exec(ctx); err != nil {
			return err
		}
		if err := audit.Record(ctx, q, audit.Entry{TenantID: p.TenantID, Action: "staff.remove", ObjectType: "user", ObjectID: userID, Before: "role=" + m.Role}); err != nil {
			return err
		}
		return changed(sessionsChanged)
	}), "tenants.RemoveStaff")
}

// Permissions lists the permissions a principal holds in its shop (for the
// console to hide what it cannot do).
func (s *Service) Permissions(ctx context.Context, p Principal) ([]perm.Permission, error) {
	var out []perm.Permission
	for _, info := range perm.All() {
		ok, err := s.Can(ctx, p, info.Name)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, info.Name)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

// StaffWith lists the shop's staff whose role grants a permission, for
// notifications the platform sends on its own (low stock, new orders). It
// acts for the system, not for a signed-in principal.
func (s *Service) StaffWith(ctx context.Context, tenantID string, permission perm.Permission) ([]StaffMember, error) {
	t, err := s.Tenant(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	var all []StaffMember
	err = s.db.Read(tenancy.WithTenant(ctx, tenantID), func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw(`SELECT m.user_id, u.email, u.name, m.role, u.totp_enabled, m.created_at
			FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.tenant_id = ? AND u.status = 'active' ORDER BY m.created_at`, tenantID).Scan(ctx, &all)
	})
	if err != nil {
		return nil, errs.Wrap(err, "tenants.StaffWith")
	}
	var out []StaffMember
	for _, m := range all {
		p := Principal{Kind: KindStaff, UserID: m.UserID, TenantID: tenantID, TenantStatus: t.Status, Roles: []string{m.Role}}
		ok, err := s.Can(ctx, p, permission)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, m)
		}
	}
	return out, nil
}
