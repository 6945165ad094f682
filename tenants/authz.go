package tenants

import (
	"container/list"
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/tenants/perm"
)

// The casbin model. A request is (role, permission); a policy row grants a
// permission to a role. Which roles a principal holds comes from its
// membership or token (one indexed lookup at authentication), so the
// enforcers never hold per-user rows.
const casbinModel = `
[request_definition]
r = sub, obj

[policy_definition]
p = sub, obj

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.sub == p.sub && r.obj == p.obj
`

// authorizer holds one global enforcer for the built-in roles (loaded from
// package perm, never stored per tenant) and a bounded LRU of per-tenant
// enforcers holding only that tenant's custom roles, loaded lazily through
// the bun adapter and dropped when the tenant's roles change. Every enforcer
// is casbin's SyncedCachedEnforcer, so a repeated decision is a map lookup.
type authorizer struct {
	db     *store.DB
	global *casbin.SyncedCachedEnforcer

	mu    sync.Mutex
	cap   int
	lru   *list.List // of *tenantEnforcer, most recent first
	byTen map[string]*list.Element
	gen   atomic.Uint64 // bumped on every invalidation

	loads atomic.Int64 // tenant enforcer loads (tests, metrics)
}

type tenantEnforcer struct {
	tenant string
	e      *casbin.SyncedCachedEnforcer
}

func newEnforcer(a persist.Adapter) (*casbin.SyncedCachedEnforcer, error) {
	m, err := model.NewModelFromString(casbinModel)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return casbin.NewSyncedCachedEnforcer(m)
	}
	return casbin.NewSyncedCachedEnforcer(m, a)
}

func newAuthorizer(db *store.DB, capacity int) (*authorizer, error) {
	g, err := newEnforcer(nil)
	if err != nil {
		return nil, fmt.Errorf("tenants: casbin model: %w", err)
	}
	var rules [][]string
	for _, r := range append(perm.TenantRoles(), perm.PlatformRoles()...) {
		for _, p := range r.Permissions {
			rules = append(rules, []string{r.Name, string(p)})
		}
	}
	if _, err := g.AddPolicies(rules); err != nil {
		return nil, fmt.Errorf("tenants: built-in policies: %w", err)
	}
	return &authorizer{db: db, global: g, cap: capacity, lru: list.New(), byTen: map[string]*list.Element{}}, nil
}

// tenantEnforcer returns the custom-role enforcer of a tenant, loading it on
// a miss.
func (a *authorizer) tenant(ctx context.Context, tenantID string) (*casbin.SyncedCachedEnforcer, error) {
	a.mu.Lock()
	if el, ok := a.byTen[tenantID]; ok {
		a.lru.MoveToFront(el)
		e := el.Value.(*tenantEnforcer).e
		a.mu.Unlock()
		return e, nil
	}
	a.mu.Unlock()

	gen := a.gen.Load()
	e, err := newEnforcer(&Adapter{db: a.db, tenant: tenantID, ctx: ctx})
	if err != nil {
		return nil, errs.Wrap(err, "tenants: load roles")
	}
	a.loads.Add(1)

	a.mu.Lock()
	defer a.mu.Unlock()
	if a.gen.Load() != gen {
		// Roles changed while loading: use this copy once, don't cache it.
		return e, nil
	}
	if el, ok := a.byTen[tenantID]; ok { // another goroutine won the race
		a.lru.MoveToFront(el)
		return el.Value.(*tenantEnforcer).e, nil
	}
	a.byTen[tenantID] = a.lru.PushFront(&tenantEnforcer{tenant: tenantID, e: e})
	for a.lru.Len() > a.cap {
		last := a.lru.Back()
		a.lru.Remove(last)
		delete(a.byTen, last.Value.(*tenantEnforcer).tenant)
	}
	return e, nil
}

func (a *authorizer) invalidate(tenantID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.gen.Add(1)
	if el, ok := a.byTen[tenantID]; ok {
		a.lru.Remove(el)
		delete(a.byTen, tenantID)
	}
}

func (a *authorizer) invalidateAll() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.gen.Add(1)
	a.lru.Init()
	a.byTen = map[string]*list.Element{}
}

// Can reports whether the principal holds a permission. Platform
// permissions are checked against the principal's platform roles; tenant
// permissions against its roles in its current tenant, through the global
// enforcer for built-in roles and the tenant's own enforcer for custom
// roles. A suspended shop keeps read-only permissions only; a closed shop
// none.
func (s *Service) Can(ctx context.Context, p Principal, permission perm.Permission) (bool, error) {
	info, ok := perm.Lookup(permission)
	if !ok {
		return false, errs.Wrap(fmt.Errorf("unknown permission %q", permission), "tenants.Can")
	}
	if info.Scope == perm.PlatformScope {
		for _, r := range p.PlatformRoles {
			if ok, err := s.authz.global.Enforce(r, string(permission)); err != nil || ok {
				return ok, errs.Wrap(err, "tenants.Can")
			}
		}
		return false, nil
	}
	if p.TenantID == "" || p.Kind == "" {
		return false, nil
	}
	switch p.TenantStatus {
	case StatusActive:
	case StatusSuspended:
		if !info.ReadOnly {
			return false, nil
		}
	default:
		return false, nil
	}
	for _, r := range p.Roles {
		var e *casbin.SyncedCachedEnforcer
		if perm.IsBuiltInTenantRole(r) {
			e = s.authz.global
		} else {
			var err error
			if e, err = s.authz.tenant(ctx, p.TenantID); err != nil {
				return false, err
			}
		}
		ok, err := e.Enforce(r, string(permission))
		if err != nil {
			return false, errs.Wrap(err, "tenants.Can")
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// Authorize is Can as an error: nil when allowed, otherwise a Forbidden
// error saying why (unauthenticated for a zero principal).
func (s *Service) Authorize(ctx context.Context, p Principal, permission perm.Permission) error {
	if p.Kind == "" {
		return errs.E(errs.Unauthenticated, "please log in")
	}
	ok, err := s.Can(ctx, p, permission)
	if err != nil {
		return err
	}
	if ok {
		return nil
	}
	info, _ := perm.Lookup(permission)
	if info.Scope == perm.TenantScope && p.TenantStatus == StatusSuspended && !info.ReadOnly {
		return errs.E(errs.Forbidden, "this shop is suspended; changes are disabled")
	}
	if info.Scope == perm.TenantScope && p.TenantStatus == StatusClosed {
		return errs.E(errs.Forbidden, "this shop is closed")
	}
	return errs.E(errs.Forbidden, "you do not have the %s permission", permission)
}

// Adapter is a small bun-backed casbin adapter storing policy rules in the
// casbin_rules table, scoped to one tenant (tenant_id leads its key). It
// implements persist.Adapter, persist.BatchAdapter and
// persist.FilteredAdapter (the filter is a tenant id). Writes use the
// transaction given to InTx when set, so role changes and their policy rows
// commit together.
type Adapter struct {
	db       *store.DB
	q        bun.IDB
	ctx      context.Context
	tenant   string
	filtered bool
}

// NewAdapter returns an adapter for one tenant's rules.
func NewAdapter(db *store.DB, tenantID string) *Adapter {
	return &Adapter{db: db, tenant: tenantID, ctx: context.Background()}
}

// InTx returns a copy of the adapter writing through q.
func (a *Adapter) InTx(ctx context.Context, q bun.IDB) *Adapter {
	c := *a
	c.ctx, c.q = ctx, q
	return &c
}

type casbinRule struct {
	bun.BaseModel `bun:"table:casbin_rules"`
	TenantID      string `bun:"tenant_id,pk"`
	ID            string `bun:"id,pk"`
	PType         string `bun:"ptype"`
	V0            string `bun:"v0"`
	V1            string `bun:"v1"`
	V2            string `bun:"v2"`
	V3            string `bun:"v3"`
}

func (r casbinRule) values() []string {
	vals := []string{r.V0, r.V1, r.V2, r.V3}
	n := len(vals)
	for n > 0 && vals[n-1] == "" {
		n--
	}
	return vals[:n]
}

func (a *Adapter) ruleOf(ptype string, rule []string) (casbinRule, error) {
	if len(rule) > 4 {
		return casbinRule{}, fmt.Errorf("casbin adapter: rule has %d fields, at most 4 are stored", len(rule))
	}
	r := casbinRule{TenantID: a.tenant, ID: store.NewID(), PType: ptype}
	dst := []*string{&r.V0, &r.V1, &r.V2, &r.V3}
	for i, v := range rule {
		*dst[i] = v
	}
	return r, nil
}

func (a *Adapter) scope() context.Context {
	ctx := a.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	return tenancy.WithTenant(ctx, a.tenant)
}

func (a *Adapter) read(fn store.Func) error {
	if a.q != nil {
		return fn(a.scope(), a.q)
	}
	return a.db.Read(a.scope(), fn)
}

func (a *Adapter) write(fn store.Func) error {
	if a.q != nil {
		return fn(a.scope(), a.q)
	}
	return a.db.Write(a.scope(), fn)
}

func (a *Adapter) load(m model.Model, tenant string) error {
	var rows []casbinRule
	err := a.read(func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&rows).Where("tenant_id = ?", tenant).OrderExpr("id").Scan(ctx)
	})
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := persist.LoadPolicyArray(append([]string{r.PType}, r.values()...), m); err != nil {
			return err
		}
	}
	return nil
}

// LoadPolicy loads the tenant's rules.
func (a *Adapter) LoadPolicy(m model.Model) error { return a.load(m, a.tenant) }

// LoadFilteredPolicy loads the rules of the tenant named by filter (a
// string); it must be the adapter's tenant.
func (a *Adapter) LoadFilteredPolicy(m model.Model, filter interface{}) error {
	t, ok := filter.(string)
	if !ok || t != a.tenant {
		return fmt.Errorf("casbin adapter: filter must be the adapter's tenant id")
	}
	a.filtered = true
	return a.load(m, t)
}

// IsFiltered reports whether LoadFilteredPolicy was used.
func (a *Adapter) IsFiltered() bool { return a.filtered }

// SavePolicy replaces the tenant's rules with the model's.
func (a *Adapter) SavePolicy(m model.Model) error {
	var rows []casbinRule
	for _, sec := range []string{"p", "g"} {
		for ptype, ast := range m[sec] {
			for _, rule := range ast.Policy {
				r, err := a.ruleOf(ptype, rule)
				if err != nil {
					return err
				}
				rows = append(rows, r)
			}
		}
	}
	return a.write(func(ctx context.Context, q bun.IDB) error {
		if _, err := q.NewDelete().Model((*casbinRule)(nil)).Where("tenant_id = ?", a.tenant).Exec(ctx); err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		_, err := q.NewInsert().Model(&rows).Exec(ctx)
		return err
	})
}

// AddPolicy stores one rule.
func (a *Adapter) AddPolicy(_ string, ptype string, rule []string) error {
	return a.AddPolicies("", ptype, [][]string{rule})
}

// AddPolicies stores rules.
func (a *Adapter) AddPolicies(_ string, ptype string, rules [][]string) error {
	if len(rules) == 0 {
		return nil
	}
	rows := make([]casbinRule, 0, len(rules))
	for _, rule := range rules {
		r, err := a.ruleOf(ptype, rule)
		if err != nil {
			return err
		}
		rows = append(rows, r)
	}
	return a.write(func(ctx context.Context, q bun.IDB) error {
		_, err := q.NewInsert().Model(&rows).Exec(ctx)
		return err
	})
}

// RemovePolicy deletes one rule.
func (a *Adapter) RemovePolicy(_ string, ptype string, rule []string) error {
	return a.RemovePolicies("", ptype, [][]string{rule})
}

// RemovePolicies deletes rules.
func (a *Adapter) RemovePolicies(_ string, ptype string, rules [][]string) error {
	return a.write(func(ctx context.Context, q bun.IDB) error {
		for _, rule := range rules {
			r, err := a.ruleOf(ptype, rule)
			if err != nil {
				return err
			}
			if _, err := q.NewDelete().Model((*casbinRule)(nil)).
				Where("tenant_id = ? AND ptype = ? AND v0 = ? AND v1 = ? AND v2 = ? AND v3 = ?", a.tenant, ptype, r.V0, r.V1, r.V2, r.V3).
				Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}

// RemoveFilteredPolicy deletes rules whose fields from fieldIndex on equal
// the non-empty fieldValues.
func (a *Adapter) RemoveFilteredPolicy(_ string, ptype string, fieldIndex int, fieldValues ...string) error {
	if fieldIndex < 0 || fieldIndex+len(fieldValues) > 4 {
		return fmt.Errorf("casbin adapter: filter out of range")
	}
	return a.write(func(ctx context.Context, q bun.IDB) error {
		d := q.NewDelete().Model((*casbinRule)(nil)).Where("tenant_id = ? AND ptype = ?", a.tenant, ptype)
		for i, v := range fieldValues {
			if v != "" {
				d.Where("v"+fmt.Sprint(fieldIndex+i)+" = ?", v)
			}
		}
		_, err := d.Exec(ctx)
		return err
	})
}

var (
	_ persist.Adapter         = (*Adapter)(nil)
	_ persist.BatchAdapter    = (*Adapter)(nil)
	_ persist.FilteredAdapter = (*Adapter)(nil)
	_                         = strings.Cut
)
