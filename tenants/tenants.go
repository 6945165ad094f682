package tenants

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/checkout"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/tenants/perm"
)

// Tenant statuses.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
	StatusClosed    = "closed"
)

// Tenant is a shop.
type Tenant struct {
	bun.BaseModel `bun:"table:tenants"`

	ID        string    `bun:"id,pk"`
	Slug      string    `bun:"slug"`
	Name      string    `bun:"name"`
	Status    string    `bun:"status"`
	Plan      string    `bun:"plan"`
	Currency  string    `bun:"currency"`
	Country   string    `bun:"country"`
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`
}

type membership struct {
	bun.BaseModel `bun:"table:memberships"`
	TenantID      string    `bun:"tenant_id,pk"`
	UserID        string    `bun:"user_id,pk"`
	Role          string    `bun:"role"`
	CreatedAt     time.Time `bun:"created_at"`
}

// ShopInput describes a new shop.
type ShopInput struct {
	Name     string
	Slug     string
	Currency string // ISO 4217, e.g. EUR
	Country  string // ISO 3166-1 alpha-2, e.g. FR
	Plan     string // default "free"
}

func (in *ShopInput) normalize() error {
	var err error
	if in.Name, err = cleanName("name", in.Name, 80, true); err != nil {
		return err
	}
	in.Slug = strings.ToLower(strings.TrimSpace(in.Slug))
	if err := ValidateSlug(in.Slug); err != nil {
		return err
	}
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	if !money.Known(in.Currency) {
		return errs.Field("currency", "must be an ISO 4217 currency code such as EUR or USD")
	}
	in.Country = strings.ToUpper(strings.TrimSpace(in.Country))
	if !ValidCountry(in.Country) {
		return errs.Field("country", "must be an ISO 3166-1 country code such as FR or US")
	}
	if in.Plan == "" {
		in.Plan = PlanFree
	}
	if _, ok := LookupPlan(in.Plan); !ok {
		return errs.Field("plan", "is not a known plan")
	}
	return nil
}

// SignupInput is a merchant's self-signup.
type SignupInput struct {
	ShopInput
	OwnerName string
	Email     string
	Password  string
	IP        string
}

// Signup creates a shop, its owner's account and the owner membership in
// one transaction. An e-mail that already has an account is refused (the
// person logs in and uses CreateShop instead).
func (s *Service) Signup(ctx context.Context, in SignupInput) (Tenant, User, error) {
	if err := in.normalize(); err != nil {
		return Tenant{}, User{}, err
	}
	email, err := requiredEmail("email", in.Email)
	if err != nil {
		return Tenant{}, User{}, err
	}
	name, err := cleanName("owner_name", in.OwnerName, 80, false)
	if err != nil {
		return Tenant{}, User{}, err
	}
	if err := CheckPassword("password", in.Password, email); err != nil {
		return Tenant{}, User{}, err
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return Tenant{}, User{}, errs.Wrap(err, "tenants.Signup")
	}
	now := s.now()
	u := userRow{ID: store.NewID(), Email: email, Name: name, PasswordHash: hash, Status: "active", CreatedAt: now, UpdatedAt: now}
	t := Tenant{ID: store.NewID(), Slug: in.Slug, Name: in.Name, Status: StatusActive, Plan: in.Plan, Currency: in.Currency, Country: in.Country, CreatedAt: now, UpdatedAt: now}
	actx := tenancy.WithActor(tenancy.WithTenant(ctx, t.ID), tenancy.Actor{Kind: KindStaff, ID: u.ID, Name: email, IP: in.IP})
	err = s.write(actx, func(ctx context.Context, q bun.IDB, changed func(change) error) error {
		if _, err := q.NewInsert().Model(&u).Exec(ctx); err != nil {
			if store.IsUniqueViolation(err) {
				return errs.Field("email", "already has an account; log in to create another shop")
			}
			return err
		}
		return s.insertShop(ctx, q, &t, u.ID, changed)
	})
	if err != nil {
		return Tenant{}, User{}, errs.Wrap(err, "tenants.Signup")
	}
	return t, u.public(), nil
}

func (s *Service) insertShop(ctx context.Context, q bun.IDB, t *Tenant, ownerID string, changed func(change) error) error {
	if _, err := q.NewInsert().Model(t).Exec(ctx); err != nil {
		if store.IsUniqueViolation(err) {
			return &errs.Error{Code: errs.Conflict, Field: "slug", Message: "is taken"}
		}
		return err
	}
	if _, err := q.NewInsert().Model(&membership{TenantID: t.ID, UserID: ownerID, Role: perm.Owner, CreatedAt: t.CreatedAt}).Exec(ctx); err != nil {
		return err
	}
	// The shop sells in its own currency from the first minute.
	if err := checkout.InitSettings(ctx, q, t.ID, t.Currency); err != nil {
		return err
	}
	if err := audit.Record(ctx, q, audit.Entry{TenantID: t.ID, Action: "shop.create", ObjectType: "shop", ObjectID: t.ID, After: "slug=" + t.Slug + " plan=" + t.Plan}); err != nil {
		return err
	}
	return changed(change{kind: "hosts"})
}

// CreateShop creates another shop owned by an existing user (a logged-in
// merchant, or the CLI acting as System for an e-mail's user).
func (s *Service) CreateShop(ctx context.Context, p Principal, ownerUserID string, in ShopInput) (Tenant, error) {
	if err := in.normalize(); err != nil {
		return Tenant{}, err
	}
	if p.Kind != KindSystem && !p.IsPlatformAdmin() && p.UserID != ownerUserID {
		return Tenant{}, errs.E(errs.Forbidden, "you can only create shops you own")
	}
	now := s.now()
	t := Tenant{ID: store.NewID(), Slug: in.Slug, Name: in.Name, Status: StatusActive, Plan: in.Plan, Currency: in.Currency, Country: in.Country, CreatedAt: now, UpdatedAt: now}
	err := s.write(tenancy.WithTenant(p.Context(ctx), t.ID), func(ctx context.Context, q bun.IDB, changed func(change) error) error {
		n, err := q.NewSelect().Model((*userRow)(nil)).Where("id = ? AND status = 'active'", ownerUserID).Count(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.Field("owner", "no such user")
		}
		return s.insertShop(ctx, q, &t, ownerUserID, changed)
	})
	return t, errs.Wrap(err, "tenants.CreateShop")
}

// Tenant returns a shop by id.
func (s *Service) Tenant(ctx context.Context, id string) (Tenant, error) {
	var t Tenant
	err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&t).Where("id = ?", id).Scan(ctx)
	})
	if store.NoRows(err) {
		return t, errs.NotFoundf("shop not found")
	}
	return t, errs.Wrap(err, "tenants.Tenant")
}

// TenantBySlug returns a shop by slug.
func (s *Service) TenantBySlug(ctx context.Context, slug string) (Tenant, error) {
	var t Tenant
	err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&t).Where("slug = ?", strings.ToLower(slug)).Scan(ctx)
	})
	if store.NoRows(err) {
		return t, errs.NotFoundf("shop not found")
	}
	return t, errs.Wrap(err, "tenants.TenantBySlug")
}

// UpdateShop changes a shop's name (shop.manage).
func (s *Service) UpdateShop(ctx context.Context, p Principal, name string) (Tenant, error) {
	if err := s.Authorize(ctx, p, perm.ShopManage); err != nil {
		return Tenant{}, err
	}
	name, err := cleanName("name", name, 80, true)
	if err != nil {
		return Tenant{}, err
	}
	var t Tenant
	err = s.write(p.Context(ctx), func(ctx context.Context, q bun.IDB, changed func(change) error) error {
		if err := q.NewSelect().Model(&t).Where("id = ?", p.TenantID).Scan(ctx); err != nil {
			return err
		}
		before := t.Name
		t.Name, t.UpdatedAt = name, s.now()
		if _, err := q.NewUpdate().Model(&t).Column("name", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		if err := audit.Record(ctx, q, audit.Entry{TenantID: t.ID, Action: "shop.update", ObjectType: "shop", ObjectID: t.ID, Before: "name=" + before, After: "name=" + name}); err != nil {
			return err
		}
		return changed(change{kind: "tenant", tenant: t.ID})
	})
	return t, errs.Wrap(err, "tenants.UpdateShop")
}

// Suspend suspends a shop (platform.tenants.manage): its storefront shows a
// maintenance page, its console is read-only and its API tokens are refused.
func (s *Service) Suspend(ctx context.Context, p Principal, tenantID, reason string) error {
	return s.setStatus(ctx, p, tenantID, StatusSuspended, reason, StatusActive)
}

// Resume reactivates a suspended shop (platform.tenants.manage).
func (s *Service) Resume(ctx context.Context, p Principal, tenantID string) error {
	return s.setStatus(ctx, p, tenantID, StatusActive, "", StatusSuspended)
}

// CloseShop closes a shop for good (platform.tenants.manage, or the shop's
// owner). Its slug stays taken.
func (s *Service) CloseShop(ctx context.Context, p Principal, tenantID, reason string) error {
	return s.setStatus(ctx, p, tenantID, StatusClosed, reason, StatusActive, StatusSuspended)
}

func (s *Service) setStatus(ctx context.Context, p Principal, tenantID, to, reason string, from ...string) error {
	ownerClosing := to == StatusClosed && p.TenantID == tenantID && p.HasRole(perm.Owner) && p.Kind == KindStaff
	if !ownerClosing {
		if err := s.Authorize(ctx, p, perm.PlatformTenantsManage); err != nil {
			return err
		}
	}
	reason, err := cleanName("reason", reason, 200, false)
	if err != nil {
		return err
	}
	actx := tenancy.WithTenant(tenancy.WithPlatform(p.Context(ctx)), tenantID)
	return errs.Wrap(s.write(actx, func(ctx context.Context, q bun.IDB, changed func(change) error) error {
		var t Tenant
		if err := q.NewSelect().Model(&t).Where("id = ?", tenantID).Scan(ctx); err != nil {
			if store.NoRows(err) {
				return errs.NotFoundf("shop not found")
			}
			return err
		}
		if t.Status == to {
			return nil
		}
		res, err := q.NewUpdate().Model((*Tenant)(nil)).Set("status = ?", to).Set("updated_at = ?", s.now()).
			Where("id = ? AND status IN (?)", tenantID, bun.List(from)).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return &errs.Error{Code: errs.Conflict, Field: "status", Message: "cannot change a " + t.Status + " shop to " + to}
		}
		after := "status=" + to
		if reason != "" {
			after += " reason=" + reason
		}
		if err := audit.Record(ctx, q, audit.Entry{TenantID: tenantID, Action: "shop." + map[string]string{StatusActive: "resume", StatusSuspended: "suspend", StatusClosed: "close"}[to],
			ObjectType: "shop", ObjectID: tenantID, Before: "status=" + t.Status, After: after}); err != nil {
			return err
		}
		if to == StatusClosed {
			// A closed shop's sessions lose it; its tokens die.
			if _, err := q.NewUpdate().Model((*apiToken)(nil)).Set("revoked_at = ?", s.now()).Where("tenant_id = ? AND revoked_at IS NULL", tenantID).Exec(ctx); err != nil {
				return err
			}
		}
		return changed(change{kind: "tenant", tenant: tenantID})
	}), "tenants.setStatus")
}

// TenantFilter selects shops for the platform console.
type TenantFilter struct {
	Query  string // matches slug, name or a custom domain (case-insensitive substring)
	Status string
	Plan   string
	Cursor string // Next from the previous page
	Limit  int    // default 50, max 200
}

// TenantPage is one page of shops, newest first.
type TenantPage struct {
	Tenants []Tenant
	Next    string
}

// ListTenants lists and searches shops (platform.tenants.read).
func (s *Service) ListTenants(ctx context.Context, p Principal, f TenantFilter) (TenantPage, error) {
	if err := s.Authorize(ctx, p, perm.PlatformTenantsRead); err != nil {
		return TenantPage{}, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	if limit > 200 {
		limit = 200
	}
	if f.Status != "" && f.Status != StatusActive && f.Status != StatusSuspended && f.Status != StatusClosed {
		return TenantPage{}, errs.Field("status", "must be active, suspended or closed")
	}
	var page TenantPage
	err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		sel := q.NewSelect().Model(&page.Tenants)
		if qs := strings.ToLower(strings.TrimSpace(f.Query)); qs != "" {
			like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(qs) + "%"
			sel.WhereGroup(" AND ", func(sq *bun.SelectQuery) *bun.SelectQuery {
				return sq.Where(`slug LIKE ? ESCAPE '\'`, like).
					WhereOr(`lower(name) LIKE ? ESCAPE '\'`, like).
					WhereOr(`id IN (SELECT shop_id FROM domains WHERE host LIKE ? ESCAPE '\')`, like)
			})
		}
		if f.Status != "" {
			sel.Where("status = ?", f.Status)
		}
		if f.Plan != "" {
			sel.Where("plan = ?", f.Plan)
		}
		if f.Cursor != "" {
			sel.Where("id < ?", f.Cursor)
		}
		return sel.OrderExpr("id DESC").Limit(int64(limit + 1)).Scan(ctx)
	})
	if err != nil {
		return TenantPage{}, errs.Wrap(err, "tenants.ListTenants")
	}
	if len(page.Tenants) > limit {
		page.Tenants = page.Tenants[:limit]
		page.Next = page.Tenants[limit-1].ID
	}
	return page, nil
}
