package tenants

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/tenants/perm"
)

type userRow struct {
	bun.BaseModel `bun:"table:users"`

	ID           string    `bun:"id,pk"`
	Email        string    `bun:"email"`
	Name         string    `bun:"name"`
	PasswordHash string    `bun:"password_hash"`
	Status       string    `bun:"status"`
	TOTPSecret   string    `bun:"totp_secret"`
	TOTPPending  string    `bun:"totp_pending"`
	TOTPEnabled  bool      `bun:"totp_enabled"`
	TOTPLastStep int64     `bun:"totp_last_step"`
	CreatedAt    time.Time `bun:"created_at"`
	UpdatedAt    time.Time `bun:"updated_at"`
}

// User is a person's account (global: one person may belong to several
// shops).
type User struct {
	ID         string
	Email      string
	Name       string
	MFAEnabled bool
	CreatedAt  time.Time
}

func (u userRow) public() User {
	return User{ID: u.ID, Email: u.Email, Name: u.Name, MFAEnabled: u.TOTPEnabled, CreatedAt: u.CreatedAt}
}

func (s *Service) userByID(ctx context.Context, q bun.IDB, id string) (userRow, error) {
	var u userRow
	err := q.NewSelect().Model(&u).Where("id = ?", id).Scan(ctx)
	if store.NoRows(err) {
		return u, errs.NotFoundf("user not found")
	}
	return u, err
}

// User returns an account.
func (s *Service) User(ctx context.Context, id string) (User, error) {
	var u userRow
	err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var err error
		u, err = s.userByID(ctx, q, id)
		return err
	})
	return u.public(), errs.Wrap(err, "tenants.User")
}

// UserByEmail returns the account with an e-mail address (for the CLI and
// seeding; never expose it to anonymous callers: it tells who has an
// account).
func (s *Service) UserByEmail(ctx context.Context, email string) (User, error) {
	var u userRow
	err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&u).Where("email = ?", strings.ToLower(strings.TrimSpace(email))).Scan(ctx)
	})
	if store.NoRows(err) {
		return User{}, errs.NotFoundf("user not found")
	}
	return u.public(), errs.Wrap(err, "tenants.UserByEmail")
}

// ShopMembership is one shop a user belongs to.
type ShopMembership struct {
	TenantID string `bun:"tenant_id"`
	Slug     string `bun:"slug"`
	Name     string `bun:"name"`
	Status   string `bun:"status"`
	Role     string `bun:"role"`
}

// Shops lists the shops a user belongs to (for the shop switcher). Closed
// shops are left out.
func (s *Service) Shops(ctx context.Context, userID string) ([]ShopMembership, error) {
	var out []ShopMembership
	err := s.db.Read(tenancy.WithPlatform(ctx), func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw(`SELECT m.tenant_id, t.slug, t.name, t.status, m.role FROM memberships m
			JOIN tenants t ON t.id = m.tenant_id WHERE m.user_id = ? AND t.status <> ? ORDER BY m.created_at, t.slug`,
			userID, StatusClosed).Scan(ctx, &out)
	})
	return out, errs.Wrap(err, "tenants.Shops")
}

// ChangePassword changes the principal's own password after checking the
// current one; every other session of the user is logged out.
func (s *Service) ChangePassword(ctx context.Context, p Principal, current, next string) error {
	if p.UserID == "" || p.Kind == KindToken {
		return errs.E(errs.Unauthenticated, "please log in")
	}
	return errs.Wrap(s.writeNotify(tenancy.WithPlatform(p.Context(ctx)), func(ctx context.Context, q bun.IDB) error {
		u, err := s.userByID(ctx, q, p.UserID)
		if err != nil {
			return err
		}
		if ok, _ := VerifyPassword(current, u.PasswordHash); !ok {
			return errs.Field("current_password", "is incorrect")
		}
		if err := CheckPassword("password", next, u.Email); err != nil {
			return err
		}
		h, err := HashPassword(next)
		if err != nil {
			return err
		}
		if _, err := q.NewUpdate().Model((*userRow)(nil)).Set("password_hash = ?", h).Set("updated_at = ?", s.now()).Where("id = ?", u.ID).Exec(ctx); err != nil {
			return err
		}
		if _, err := q.NewDelete().Model((*sessionRow)(nil)).Where("user_id = ? AND id <> ?", u.ID, p.SessionID).Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: "", Action: "user.password_change", ObjectType: "user", ObjectID: u.ID})
	}, sessionsChanged), "tenants.ChangePassword")
}

type platformAdmin struct {
	bun.BaseModel `bun:"table:platform_admins"`
	UserID        string    `bun:"user_id,pk"`
	Role          string    `bun:"role"`
	CreatedAt     time.Time `bun:"created_at"`
}

// PlatformAdmin is a user with a platform role.
type PlatformAdmin struct {
	UserID    string    `bun:"user_id"`
	Email     string    `bun:"email"`
	Role      string    `bun:"role"`
	CreatedAt time.Time `bun:"created_at"`
}

// CreatePlatformAdmin gives a platform role to the account with this
// e-mail, creating the account (with password) when there is none
// (platform.admins.manage; the CLI acts as System()). For an existing
// account the password is ignored.
func (s *Service) CreatePlatformAdmin(ctx context.Context, p Principal, email, password, role string) (User, error) {
	if err := s.Authorize(ctx, p, perm.PlatformAdminsManage); err != nil {
		return User{}, err
	}
	if !perm.IsPlatformRole(role) {
		return User{}, errs.Field("role", "must be %s or %s", perm.PlatformAdmin, perm.PlatformSupport)
	}
	email, err := requiredEmail("email", email)
	if err != nil {
		return User{}, err
	}
	var u userRow
	err = s.writeNotify(tenancy.WithPlatform(p.Context(ctx)), func(ctx context.Context, q bun.IDB) error {
		err := q.NewSelect().Model(&u).Where("email = ?", email).Scan(ctx)
		if store.NoRows(err) {
			if err := CheckPassword("password", password, email); err != nil {
				return err
			}
			h, err := HashPassword(password)
			if err != nil {
				return err
			}
			now := s.now()
			u = userRow{ID: store.NewID(), Email: email, PasswordHash: h, Status: "active", CreatedAt: now, UpdatedAt: now}
			if _, err := q.NewInsert().Model(&u).Exec(ctx); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		_, err = q.NewInsert().Model(&platformAdmin{UserID: u.ID, Role: role, CreatedAt: s.now()}).
			On("CONFLICT (user_id) DO UPDATE").Set("role = EXCLUDED.role").Exec(ctx)
		if err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: "", Action: "platform_admin.grant", ObjectType: "user", ObjectID: u.ID, After: "role=" + role + " email=" + email})
	}, sessionsChanged)
	return u.public(), errs.Wrap(err, "tenants.CreatePlatformAdmin")
}

// RemovePlatformAdmin takes a user's platform role away.
func (s *Service) RemovePlatformAdmin(ctx context.Context, p Principal, userID string) error {
	if err := s.Authorize(ctx, p, perm.PlatformAdminsManage); err != nil {
		return err
	}
	if userID == p.UserID {
		return errs.Field("user", "you cannot remove your own platform role")
	}
	return errs.Wrap(s.writeNotify(tenancy.WithPlatform(p.Context(ctx)), func(ctx context.Context, q bun.IDB) error {
		res, err := q.NewDelete().Model((*platformAdmin)(nil)).Where("user_id = ?", userID).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFoundf("platform admin not found")
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: "", Action: "platform_admin.revoke", ObjectType: "user", ObjectID: userID})
	}, sessionsChanged), "tenants.RemovePlatformAdmin")
}

// PlatformAdmins lists platform admins (platform.admins.manage).
func (s *Service) PlatformAdmins(ctx context.Context, p Principal) ([]PlatformAdmin, error) {
	if err := s.Authorize(ctx, p, perm.PlatformAdminsManage); err != nil {
		return nil, err
	}
	var out []PlatformAdmin
	err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw(`SELECT a.user_id, u.email, a.role, a.created_at FROM platform_admins a JOIN users u ON u.id = a.user_id ORDER BY u.email`).Scan(ctx, &out)
	})
	return out, errs.Wrap(err, "tenants.PlatformAdmins")
}
