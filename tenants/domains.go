package tenants

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/tenants/perm"
)

// Domain is a custom host name of a shop. Host names are global (a host
// belongs to one shop platform-wide), so the table has no tenant_id.
type Domain struct {
	bun.BaseModel `bun:"table:domains"`

	Host      string    `bun:"host,pk"`
	TenantID  string    `bun:"shop_id"`
	CreatedAt time.Time `bun:"created_at"`
}

// MaxDomains is how many custom domains one shop may have.
const MaxDomains = 10

// AddDomain attaches a custom domain to the principal's shop (shop.manage).
// DNS verification is the operator's job (the domain must point here before
// it serves anything).
func (s *Service) AddDomain(ctx context.Context, p Principal, host string) (Domain, error) {
	if err := s.Authorize(ctx, p, perm.ShopManage); err != nil {
		return Domain{}, err
	}
	h, err := validateDomain(host, s.cfg.BaseDomain)
	if err != nil {
		return Domain{}, err
	}
	d := Domain{Host: h, TenantID: p.TenantID, CreatedAt: s.now()}
	err = s.write(p.Context(ctx), func(ctx context.Context, q bun.IDB, changed func(change) error) error {
		n, err := q.NewSelect().Model((*Domain)(nil)).Where("shop_id = ?", p.TenantID).Count(ctx)
		if err != nil {
			return err
		}
		if n >= MaxDomains {
			return &errs.Error{Code: errs.QuotaExceeded, Field: "domain", Message: "a shop may have at most " + itoa(MaxDomains) + " domains"}
		}
		if _, err := q.NewInsert().Model(&d).Exec(ctx); err != nil {
			if store.IsUniqueViolation(err) {
				return &errs.Error{Code: errs.Conflict, Field: "domain", Message: "is already in use"}
			}
			return err
		}
		if err := audit.Record(ctx, q, audit.Entry{TenantID: p.TenantID, Action: "domain.add", ObjectType: "domain", ObjectID: h, After: h}); err != nil {
			return err
		}
		return changed(change{kind: "hosts"})
	})
	return d, errs.Wrap(err, "tenants.AddDomain")
}

// RemoveDomain detaches a custom domain from the principal's shop.
func (s *Service) RemoveDomain(ctx context.Context, p Principal, host string) error {
	if err := s.Authorize(ctx, p, perm.ShopManage); err != nil {
		return err
	}
	h := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(host)), ".")
	return errs.Wrap(s.write(p.Context(ctx), func(ctx context.Context, q bun.IDB, changed func(change) error) error {
		res, err := q.NewDelete().Model((*Domain)(nil)).Where("host = ? AND shop_id = ?", h, p.TenantID).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFoundf("domain not found")
		}
		if err := audit.Record(ctx, q, audit.Entry{TenantID: p.TenantID, Action: "domain.remove", ObjectType: "domain", ObjectID: h, Before: h}); err != nil {
			return err
		}
		return changed(change{kind: "hosts"})
	}), "tenants.RemoveDomain")
}

// Domains lists the principal's shop's custom domains (shop.read).
func (s *Service) Domains(ctx context.Context, p Principal) ([]Domain, error) {
	if err := s.Authorize(ctx, p, perm.ShopRead); err != nil {
		return nil, err
	}
	var ds []Domain
	err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&ds).Where("shop_id = ?", p.TenantID).OrderExpr("host").Scan(ctx)
	})
	return ds, errs.Wrap(err, "tenants.Domains")
}

// ResolveHost finds the shop a request's Host header names:
// <slug>.<base domain>, <slug>.localhost (any port, so a laptop needs no DNS
// set-up) or a custom domain. It returns the shop whatever its status (the
// storefront shows a maintenance page for a suspended one) or a not_found
// error. Answers, including misses, are cached briefly and dropped whenever
// a shop or domain changes (on every process, via the change watcher).
func (s *Service) ResolveHost(ctx context.Context, host string) (Tenant, error) {
	h := NormalizeHost(host)
	if t, ok, hit := s.hosts.get(h, s.now()); hit {
		if !ok {
			return Tenant{}, errs.NotFoundf("no shop at %s", h)
		}
		return t, nil
	}
	gen := s.hosts.generation()
	t, found, err := s.resolveHost(ctx, h)
	if err != nil {
		return Tenant{}, err
	}
	s.hosts.put(h, t, found, s.now(), gen)
	if !found {
		return Tenant{}, errs.NotFoundf("no shop at %s", h)
	}
	return t, nil
}

// SlugFromHost returns the slug part of a platform host name, if it is one.
func (s *Service) SlugFromHost(host string) (string, bool) {
	h := NormalizeHost(host)
	for _, base := range []string{s.cfg.BaseDomain, "localhost"} {
		if base == "" {
			continue
		}
		if label, ok := strings.CutSuffix(h, "."+base); ok && label != "" && !strings.Contains(label, ".") {
			return label, true
		}
	}
	return "", false
}

func (s *Service) resolveHost(ctx context.Context, h string) (Tenant, bool, error) {
	if h == "" || h == "localhost" || h == s.cfg.BaseDomain {
		return Tenant{}, false, nil
	}
	var t Tenant
	var err error
	if slug, ok := s.SlugFromHost(h); ok {
		err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
			return q.NewSelect().Model(&t).Where("slug = ?", slug).Scan(ctx)
		})
	} else {
		err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
			return q.NewSelect().Model(&t).Where("id = (SELECT shop_id FROM domains WHERE host = ?)", h).Scan(ctx)
		})
	}
	if store.NoRows(err) {
		return Tenant{}, false, nil
	}
	if err != nil {
		return Tenant{}, false, errs.Wrap(err, "tenants.ResolveHost")
	}
	return t, true, nil
}

// hostCache is a small TTL cache of host resolutions, bounded by dropping
// everything when full (simple, and misses are cheap indexed lookups).
type hostCache struct {
	mu  sync.RWMutex
	ttl time.Duration
	max int
	m   map[string]hostEntry
	gen uint64 // bumped by clear; a lookup that raced a change is not cached
}

type hostEntry struct {
	t       Tenant
	found   bool
	expires time.Time
}

func newHostCache(ttl time.Duration, max int) *hostCache {
	return &hostCache{ttl: ttl, max: max, m: map[string]hostEntry{}}
}

func (c *hostCache) get(h string, now time.Time) (Tenant, bool, bool) {
	c.mu.RLock()
	e, ok := c.m[h]
	c.mu.RUnlock()
	if !ok || now.After(e.expires) {
		return Tenant{}, false, false
	}
	return e.t, e.found, true
}

func (c *hostCache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

func (c *hostCache) put(h string, t Tenant, found bool, now time.Time, gen uint64) {
	ttl := c.ttl
	if !found {
		ttl = min(ttl, 10*time.Second)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if len(c.m) >= c.max {
		c.m = map[string]hostEntry{}
	}
	c.m[h] = hostEntry{t: t, found: found, expires: now.Add(ttl)}
}

func (c *hostCache) clear() {
	c.mu.Lock()
	c.m = map[string]hostEntry{}
	c.gen++
	c.mu.Unlock()
}
