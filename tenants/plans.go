package tenants

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/tenants/perm"
)

// Plan names.
const (
	PlanFree   = "free"
	PlanGrowth = "growth"
	PlanScale  = "scale"
)

// Unlimited marks a quota with no limit.
const Unlimited int64 = -1

// Plan is a subscription plan and its quotas.
type Plan struct {
	Name                 string
	Title                string
	StaffSeats           int64 // members plus pending invitations
	Products             int64
	Plugins              int64 // installed plugins
	PrivatePlugins       bool  // may upload private plugins
	APIRequestsPerMinute int64
	// StorefrontBudgetFactor multiplies the server's per-shop storefront
	// budget (web.Config.ShopBudget): how much storefront traffic one shop
	// may send before it is answered 429.
	StorefrontBudgetFactor int64
}

var plans = []Plan{
	{PlanFree, "Free", 2, 100, 3, false, 60, 1},
	{PlanGrowth, "Growth", 10, 10_000, 15, false, 600, 2},
	{PlanScale, "Scale", 50, Unlimited, 50, true, 3_000, 4},
}

// Plans lists the plans, cheapest first.
func Plans() []Plan { return append([]Plan(nil), plans...) }

// LookupPlan returns a plan by name.
func LookupPlan(name string) (Plan, bool) {
	for _, p := range plans {
		if p.Name == name {
			return p, true
		}
	}
	return Plan{}, false
}

// Quota kinds for CheckQuota.
type Quota string

// Quotas.
const (
	QuotaStaffSeats     Quota = "staff_seats"
	QuotaProducts       Quota = "products"
	QuotaPlugins        Quota = "plugins"
	QuotaPrivatePlugins Quota = "private_plugins" // current is ignored: allowed or not
	QuotaAPIRequests    Quota = "api_requests_per_minute"
)

// Limit returns the plan's limit for a quota (Unlimited, or 0/1 for the
// private plugins switch).
func (p Plan) Limit(kind Quota) (int64, bool) {
	switch kind {
	case QuotaStaffSeats:
		return p.StaffSeats, true
	case QuotaProducts:
		return p.Products, true
	case QuotaPlugins:
		return p.Plugins, true
	case QuotaAPIRequests:
		return p.APIRequestsPerMinute, true
	case QuotaPrivatePlugins:
		if p.PrivatePlugins {
			return Unlimited, true
		}
		return 0, true
	}
	return 0, false
}

// PlanOf returns the plan of a shop.
func (s *Service) PlanOf(ctx context.Context, tenantID string) (Plan, error) {
	t, err := s.Tenant(ctx, tenantID)
	if err != nil {
		return Plan{}, err
	}
	p, ok := LookupPlan(t.Plan)
	if !ok {
		return Plan{}, errs.Wrap(errs.E(errs.Internal, "shop %s has unknown plan %q", t.ID, t.Plan), "tenants.PlanOf")
	}
	return p, nil
}

// CheckQuota is called where things are created: current is how many the
// shop has now, and the call fails with a quota_exceeded error (field named
// after the quota) when one more would pass the plan's limit.
func (s *Service) CheckQuota(ctx context.Context, tenantID string, kind Quota, current int64) error {
	p, err := s.PlanOf(ctx, tenantID)
	if err != nil {
		return err
	}
	return checkPlanQuota(p, kind, current)
}

func checkPlanQuota(p Plan, kind Quota, current int64) error {
	limit, ok := p.Limit(kind)
	if !ok {
		return errs.Wrap(errs.E(errs.Internal, "unknown quota %q", kind), "tenants.CheckQuota")
	}
	if limit == Unlimited || current+1 <= limit {
		return nil
	}
	if kind == QuotaPrivatePlugins {
		return &errs.Error{Code: errs.QuotaExceeded, Field: string(kind), Message: "the " + p.Title + " plan does not allow private plugins; upgrade to upload one"}
	}
	return &errs.Error{Code: errs.QuotaExceeded, Field: string(kind), Message: "the " + p.Title + " plan allows " + itoa(limit) + " " + humanQuota(kind) + "; upgrade for more"}
}

func humanQuota(k Quota) string {
	switch k {
	case QuotaStaffSeats:
		return "staff seats"
	case QuotaAPIRequests:
		return "API requests per minute"
	}
	return string(k)
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// ChangePlan moves a shop to another plan (platform.tenants.manage, or the
// shop's owner). A downgrade that would leave more staff than seats is
// refused.
func (s *Service) ChangePlan(ctx context.Context, p Principal, tenantID, plan string) error {
	isOwner := p.Kind == KindStaff && p.TenantID == tenantID && p.HasRole(perm.Owner)
	if isOwner {
		if err := s.Authorize(ctx, p, perm.ShopManage); err != nil {
			return err
		}
	} else if err := s.Authorize(ctx, p, perm.PlatformTenantsManage); err != nil {
		return err
	}
	np, ok := LookupPlan(plan)
	if !ok {
		return errs.Field("plan", "is not a known plan")
	}
	actx := tenancy.WithTenant(p.Context(ctx), tenantID)
	return errs.Wrap(s.write(actx, func(ctx context.Context, q bun.IDB, changed func(change) error) error {
		if err := lockTenant(ctx, q, tenantID); err != nil {
			return err
		}
		var t Tenant
		if err := q.NewSelect().Model(&t).Where("id = ?", tenantID).Scan(ctx); err != nil {
			return errs.NotFoundf("shop not found")
		}
		if t.Plan == plan {
			return nil
		}
		seats, err := usedSeats(ctx, q, tenantID, s.now())
		if err != nil {
			return err
		}
		if np.StaffSeats != Unlimited && seats > np.StaffSeats {
			return &errs.Error{Code: errs.Conflict, Field: "plan", Message: "the " + np.Title + " plan has " + itoa(np.StaffSeats) + " staff seats but the shop uses " + itoa(seats)}
		}
		if _, err := q.NewUpdate().Model((*Tenant)(nil)).Set("plan = ?", plan).Set("updated_at = ?", s.now()).Where("id = ?", tenantID).Exec(ctx); err != nil {
			return err
		}
		if err := audit.Record(ctx, q, audit.Entry{TenantID: tenantID, Action: "shop.plan", ObjectType: "shop", ObjectID: tenantID, Before: "plan=" + t.Plan, After: "plan=" + plan}); err != nil {
			return err
		}
		return changed(change{kind: "tenant", tenant: tenantID})
	}), "tenants.ChangePlan")
}

// lockTenant serialises quota checks of one shop: a no-op UPDATE takes the
// row lock on PostgreSQL (SQLite already runs one writer at a time), so two
// concurrent invitations cannot both take the last seat.
func lockTenant(ctx context.Context, q bun.IDB, tenantID string) error {
	_, err := q.NewRaw("UPDATE tenants SET updated_at = updated_at WHERE id = ?", tenantID).Exec(ctx)
	return err
}

// usedSeats counts members plus pending, unexpired invitations.
func usedSeats(ctx context.Context, q bun.IDB, tenantID string, now time.Time) (int64, error) {
	var n int64
	err := q.NewRaw(`SELECT (SELECT count(*) FROM memberships WHERE tenant_id = ?) +
		(SELECT count(*) FROM invitations WHERE tenant_id = ? AND accepted_at IS NULL AND expires_at > ?)`,
		tenantID, tenantID, now).Scan(ctx, &n)
	return n, err
}

// SeatsUsed is how many staff seats the principal's shop uses: members plus
// pending invitations, the number the plan's seat quota counts (shop.read).
func (s *Service) SeatsUsed(ctx context.Context, p Principal) (int64, error) {
	if err := s.Authorize(ctx, p, perm.ShopRead); err != nil {
		return 0, err
	}
	var n int64
	err := s.db.Read(p.Context(ctx), func(ctx context.Context, q bun.IDB) error {
		var err error
		n, err = usedSeats(ctx, q, p.TenantID, s.now())
		return err
	})
	return n, errs.Wrap(err, "tenants.SeatsUsed")
}
