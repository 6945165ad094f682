package tenants

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/tenants/perm"
)

// Invitation is a pending (or accepted) staff invitation.
type Invitation struct {
	bun.BaseModel `bun:"table:invitations"`

	TenantID   string     `bun:"tenant_id,pk"`
	ID         string     `bun:"id,pk"`
	Email      string     `bun:"email"`
	Role       string     `bun:"role"`
	TokenHash  string     `bun:"token_hash" json:"-"`
	InvitedBy  string     `bun:"invited_by"`
	CreatedAt  time.Time  `bun:"created_at"`
	ExpiresAt  time.Time  `bun:"expires_at"`
	AcceptedAt *time.Time `bun:"accepted_at"`
}

// InviteStaff e-mails an invitation to join the principal's shop with a
// role (staff.manage). Pending invitations use seats, so the plan's seat
// quota applies here; inviting the same address again replaces the old
// invitation.
func (s *Service) InviteStaff(ctx context.Context, p Principal, email, role string) (Invitation, error) {
	if err := s.Authorize(ctx, p, perm.StaffManage); err != nil {
		return Invitation{}, err
	}
	email, err := requiredEmail("email", email)
	if err != nil {
		return Invitation{}, err
	}
	if err := checkOwnerRule(p, role); err != nil {
		return Invitation{}, err
	}
	var inv Invitation
	err = s.write(p.Context(ctx), func(ctx context.Context, q bun.IDB, changed func(change) error) error {
		ok, err := roleExists(ctx, q, p.TenantID, role)
		if err != nil {
			return err
		}
		if !ok {
			return errs.Field("role", "no such role")
		}
		if err := lockTenant(ctx, q, p.TenantID); err != nil {
			return err
		}
		var t Tenant
		if err := q.NewSelect().Model(&t).Where("id = ?", p.TenantID).Scan(ctx); err != nil {
			return err
		}
		var member int
		if err := q.NewRaw(`SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.tenant_id = ? AND u.email = ?`, p.TenantID, email).Scan(ctx, &member); err != nil {
			return err
		}
		if member > 0 {
			return &errs.Error{Code: errs.Conflict, Field: "email", Message: "is already a member of this shop"}
		}
		if _, err := q.NewDelete().Model((*Invitation)(nil)).Where("tenant_id = ? AND email = ? AND accepted_at IS NULL", p.TenantID, email).Exec(ctx); err != nil {
			return err
		}
		now := s.now()
		seats, err := usedSeats(ctx, q, p.TenantID, now)
		if err != nil {
			return err
		}
		plan, _ := LookupPlan(t.Plan)
		if err := checkPlanQuota(plan, QuotaStaffSeats, seats); err != nil {
			return err
		}
		tok := randomToken(32)
		inv = Invitation{TenantID: p.TenantID, ID: store.NewID(), Email: email, Role: role, TokenHash: hashToken(tok), InvitedBy: p.UserID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.InviteTTL)}
		if _, err := q.NewInsert().Model(&inv).Exec(ctx); err != nil {
			return err
		}
		inviter := p.Email
		if inviter == "" {
			inviter = "The " + t.Name + " team"
		}
		if _, err := outbox.EnqueueMail(ctx, q, inviteMail(p.TenantID, email, inviter, t.Name, role, s.cfg.ConsoleURL+"/invitations/accept?token="+tok, inv.ExpiresAt)); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: p.TenantID, Action: "staff.invite", ObjectType: "invitation", ObjectID: inv.ID, After: "email=" + email + " role=" + role})
	})
	return inv, errs.Wrap(err, "tenants.InviteStaff")
}

// Invitations lists the shop's pending invitations (staff.read).
func (s *Service) Invitations(ctx context.Context, p Principal) ([]Invitation, error) {
	if err := s.Authorize(ctx, p, perm.StaffRead); err != nil {
		return nil, err
	}
	var out []Invitation
	err := s.db.Read(p.Context(ctx), func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&out).Where("tenant_id = ? AND accepted_at IS NULL AND expires_at > ?", p.TenantID, s.now()).OrderExpr("created_at DESC").Scan(ctx)
	})
	return out, errs.Wrap(err, "tenants.Invitations")
}

// RevokeInvitation withdraws a pending invitation (staff.manage).
func (s *Service) RevokeInvitation(ctx context.Context, p Principal, id string) error {
	if err := s.Authorize(ctx, p, perm.StaffManage); err != nil {
		return err
	}
	return errs.Wrap(s.db.Write(p.Context(ctx), func(ctx context.Context, q bun.IDB) error {
		res, err := q.NewDelete().Model((*Invitation)(nil)).Where("tenant_id = ? AND id = ? AND accepted_at IS NULL", p.TenantID, id).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.NotFoundf("invitation not found")
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: p.TenantID, Action: "staff.invite_revoke", ObjectType: "invitation", ObjectID: id})
	}), "tenants.RevokeInvitation")
}

// InvitationInfo is what the accept page shows.
type InvitationInfo struct {
	ShopName   string
	ShopSlug   string
	Email      string
	Role       string
	ExpiresAt  time.Time
	HasAccount bool // accept with the existing password instead of choosing one
}

var errBadInvite = errs.Field("token", "is invalid, expired or already used; ask for a new invitation")

func (s *Service) findInvitation(ctx context.Context, q bun.IDB, token string) (Invitation, Tenant, error) {
	var inv Invitation
	var t Tenant
	if token == "" || len(token) > 100 {
		return inv, t, errBadInvite
	}
	if err := q.NewSelect().Model(&inv).Where("token_hash = ?", hashToken(token)).Scan(ctx); err != nil {
		if store.NoRows(err) {
			return inv, t, errBadInvite
		}
		return inv, t, err
	}
	if inv.AcceptedAt != nil || !s.now().Before(inv.ExpiresAt) {
		return inv, t, errBadInvite
	}
	if err := q.NewSelect().Model(&t).Where("id = ?", inv.TenantID).Scan(ctx); err != nil {
		return inv, t, err
	}
	if t.Status != StatusActive {
		return inv, t, &errs.Error{Code: errs.Forbidden, Field: "token", Message: "this shop is not active"}
	}
	return inv, t, nil
}

// InvitationByToken describes an invitation for its accept page.
func (s *Service) InvitationByToken(ctx context.Context, token string) (InvitationInfo, error) {
	var info InvitationInfo
	err := s.db.Read(tenancy.WithPlatform(ctx), func(ctx context.Context, q bun.IDB) error {
		inv, t, err := s.findInvitation(ctx, q, token)
		if err != nil {
			return err
		}
		n, err := q.NewSelect().Model((*userRow)(nil)).Where("email = ?", inv.Email).Count(ctx)
		if err != nil {
			return err
		}
		info = InvitationInfo{ShopName: t.Name, ShopSlug: t.Slug, Email: inv.Email, Role: inv.Role, ExpiresAt: inv.ExpiresAt, HasAccount: n > 0}
		return nil
	})
	return info, errs.Wrap(err, "tenants.InvitationByToken")
}

// AcceptInput accepts an invitation. Password is the new account's password
// or, when the address already has an account, that account's password
// (which proves the person owns it).
type AcceptInput struct {
	Token    string
	Name     string
	Password string
	IP       string
}

// AcceptInvitation adds the invited person to the shop, creating their
// account if needed. The token works once.
func (s *Service) AcceptInvitation(ctx context.Context, in AcceptInput) (User, Tenant, error) {
	name, err := cleanName("name", in.Name, 80, false)
	if err != nil {
		return User{}, Tenant{}, err
	}
	var u userRow
	var t Tenant
	err = s.db.Write(tenancy.WithPlatform(ctx), func(ctx context.Context, q bun.IDB) error {
		inv, tt, err := s.findInvitation(ctx, q, in.Token)
		if err != nil {
			return err
		}
		t = tt
		now := s.now()
		// Claim the invitation first: concurrent accepts queue on this row
		// and all but one find it used.
		res, err := q.NewUpdate().Model((*Invitation)(nil)).Set("accepted_at = ?", now).
			Where("tenant_id = ? AND id = ? AND accepted_at IS NULL", inv.TenantID, inv.ID).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errBadInvite
		}
		err = q.NewSelect().Model(&u).Where("email = ?", inv.Email).Scan(ctx)
		switch {
		case store.NoRows(err):
			if err := CheckPassword("password", in.Password, inv.Email); err != nil {
				return err
			}
			h, err := HashPassword(in.Password)
			if err != nil {
				return err
			}
			u = userRow{ID: store.NewID(), Email: inv.Email, Name: name, PasswordHash: h, Status: "active", CreatedAt: now, UpdatedAt: now}
			if _, err := q.NewInsert().Model(&u).Exec(ctx); err != nil {
				if store.IsUniqueViolation(err) {
					return &errs.Error{Code: errs.Conflict, Field: "token", Message: "an account for this address was just created; try again"}
				}
				return err
			}
		case err != nil:
			return err
		default:
			if ok, _ := VerifyPassword(in.Password, u.PasswordHash); !ok {
				return errs.Field("password", "is not the password of the existing account for %s", inv.Email)
			}
		}
		ok, err := roleExists(ctx, q, t.ID, inv.Role)
		if err != nil {
			return err
		}
		if !ok {
			return &errs.Error{Code: errs.Conflict, Field: "token", Message: "the role of this invitation was deleted; ask for a new invitation"}
		}
		if err := lockTenant(ctx, q, t.ID); err != nil {
			return err
		}
		members, err := q.NewSelect().Model((*membership)(nil)).Where("tenant_id = ?", t.ID).Count(ctx)
		if err != nil {
			return err
		}
		plan, _ := LookupPlan(t.Plan)
		if err := checkPlanQuota(plan, QuotaStaffSeats, int64(members)); err != nil {
			return err
		}
		if _, err := q.NewInsert().Model(&membership{TenantID: t.ID, UserID: u.ID, Role: inv.Role, CreatedAt: now}).Exec(ctx); err != nil {
			if store.IsUniqueViolation(err) {
				return &errs.Error{Code: errs.Conflict, Field: "token", Message: "you are already a member of this shop"}
			}
			return err
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: t.ID, ActorKind: KindStaff, ActorID: u.ID, ActorName: u.Email, IP: in.IP,
			Action: "staff.join", ObjectType: "user", ObjectID: u.ID, After: "role=" + inv.Role})
	})
	if err != nil {
		return User{}, Tenant{}, errs.Wrap(err, "tenants.AcceptInvitation")
	}
	return u.public(), t, nil
}
