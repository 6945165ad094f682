package tenants

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/tenants/perm"
)

// Domain is one shop's claim on a custom host name. Host names are global
// (a host serves one shop platform-wide), so the table has no tenant_id.
//
// A claim starts pending with a random Token. It becomes verified when the
// shop proves it controls the domain (VerifyDomain): a DNS TXT record
// _wasmart-verify.<host> holding the token, or the token served at
// http://<host>/.well-known/wasmart-verify/<token>. Only a verified claim
// maps the host to the shop. Several shops may hold a pending claim on one
// host, so a squatter's claim never blocks the owner; the first to verify
// wins, the others' pending claims are dropped then, and nobody can claim a
// verified host.
type Domain struct {
	bun.BaseModel `bun:"table:domains"`

	Host     string `bun:"host,pk"`
	TenantID string `bun:"shop_id,pk"`
	// Token is what the TXT record or the HTTP file must hold (not a
	// secret: it is published); empty for domains verified before checks
	// existed.
	Token       string     `bun:"token"`
	VerifiedAt  *time.Time `bun:"verified_at"`
	VerifiedVia string     `bun:"verified_via"` // "dns", "http", or "existing" (added before verification existed)
	// CheckedAt and CheckError describe the last failed check of a pending
	// claim (what the merchant should fix).
	CheckedAt  *time.Time `bun:"checked_at"`
	CheckError string     `bun:"check_error"`
	CreatedAt  time.Time  `bun:"created_at"`
}

// Domain statuses.
const (
	DomainPending  = "pending"
	DomainVerified = "verified"
)

// Status is DomainPending or DomainVerified.
func (d Domain) Status() string {
	if d.VerifiedAt != nil {
		return DomainVerified
	}
	return DomainPending
}

// TXTName is the DNS name whose TXT record proves ownership of the domain.
func (d Domain) TXTName() string { return VerifyTXTPrefix + d.Host }

// HTTPURL is where the token may be served instead of the TXT record.
func (d Domain) HTTPURL() string { return "http://" + d.Host + VerifyHTTPPath + d.Token }

// The two ways to prove a domain is the shop's.
const (
	VerifyTXTPrefix = "_wasmart-verify."
	VerifyHTTPPath  = "/.well-known/wasmart-verify/"
)

// MaxDomains is how many custom domains (pending or verified) one shop may
// have.
const MaxDomains = 10

// AddDomain records the principal's shop's claim on a custom domain
// (shop.manage). The claim is pending: the domain serves nothing until
// VerifyDomain succeeds. A host another shop has verified is refused.
func (s *Service) AddDomain(ctx context.Context, p Principal, host string) (Domain, error) {
	if err := s.Authorize(ctx, p, perm.ShopManage); err != nil {
		return Domain{}, err
	}
	h, err := validateDomain(host, s.cfg.BaseDomain)
	if err != nil {
		return Domain{}, err
	}
	if u, err := url.Parse(s.cfg.ConsoleURL); err == nil && strings.EqualFold(u.Hostname(), h) {
		return Domain{}, errs.Field("domain", "must not be the platform's own host")
	}
	d := Domain{Host: h, TenantID: p.TenantID, Token: randomToken(20), CreatedAt: s.now()}
	err = s.write(p.Context(ctx), func(ctx context.Context, q bun.IDB, changed func(change) error) error {
		n, err := q.NewSelect().Model((*Domain)(nil)).Where("shop_id = ?", p.TenantID).Count(ctx)
		if err != nil {
			return err
		}
		if n >= MaxDomains {
			return &errs.Error{Code: errs.QuotaExceeded, Field: "domain", Message: "a shop may have at most " + itoa(MaxDomains) + " domains"}
		}
		if err := lockHost(ctx, q, s.db.Dialect(), h); err != nil {
			return err
		}
		var owner string
		err = q.NewSelect().Model((*Domain)(nil)).Column("shop_id").Where("host = ? AND verified_at IS NOT NULL", h).Scan(ctx, &owner)
		switch {
		case err == nil && owner == p.TenantID:
			return &errs.Error{Code: errs.Conflict, Field: "domain", Message: "is already one of this shop's domains"}
		case err == nil:
			return &errs.Error{Code: errs.Conflict, Field: "domain", Message: "is already in use by another shop"}
		case !store.NoRows(err):
			return err
		}
		if _, err := q.NewInsert().Model(&d).Exec(ctx); err != nil {
			if store.IsUniqueViolation(err) {
				return &errs.Error{Code: errs.Conflict, Field: "domain", Message: "is already one of this shop's domains"}
			}
			return err
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: p.TenantID, Action: "domain.add", ObjectType: "domain", ObjectID: h, After: h + " (pending verification)"})
	})
	return d, errs.Wrap(err, "tenants.AddDomain")
}

// VerifyDomain checks that the principal's shop controls a domain it claimed
// (shop.manage): the TXT record first, then the HTTP token (domaincheck.go).
// On success the claim is verified and the host serves the shop; other
// shops' pending claims on it are dropped. On failure the claim stays
// pending, the reason is recorded on it and returned as an unprocessable
// error naming the field "domain". Verifying a verified domain is a no-op.
// The checks run before the write transaction opens.
func (s *Service) VerifyDomain(ctx context.Context, p Principal, host string) (Domain, error) {
	if err := s.Authorize(ctx, p, perm.ShopManage); err != nil {
		return Domain{}, err
	}
	h := normalizeDomain(host)
	var d Domain
	err := s.db.Read(p.Context(ctx), func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&d).Where("host = ? AND shop_id = ?", h, p.TenantID).Scan(ctx)
	})
	if store.NoRows(err) {
		return Domain{}, errs.NotFoundf("domain not found")
	}
	if err != nil {
		return Domain{}, errs.Wrap(err, "tenants.VerifyDomain")
	}
	if d.VerifiedAt != nil {
		return d, nil
	}
	via, reason := s.checkDomain(ctx, d)
	now := s.now()
	err = s.write(p.Context(ctx), func(ctx context.Context, q bun.IDB, changed func(change) error) error {
		if via == "" {
			res, err := q.NewUpdate().Model((*Domain)(nil)).Set("checked_at = ?", now).Set("check_error = ?", reason).
				Where("host = ? AND shop_id = ? AND verified_at IS NULL", h, p.TenantID).Exec(ctx)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return errs.NotFoundf("domain not found")
			}
			return nil
		}
		if err := lockHost(ctx, q, s.db.Dialect(), h); err != nil {
			return err
		}
		taken := &errs.Error{Code: errs.Conflict, Field: "domain", Message: "was verified by another shop first"}
		res, err := q.NewUpdate().Model((*Domain)(nil)).Set("verified_at = ?", now).Set("verified_via = ?", via).
			Set("checked_at = ?", now).Set("check_error = ''").
			Where("host = ? AND shop_id = ? AND verified_at IS NULL", h, p.TenantID).Exec(ctx)
		if err != nil {
			if store.IsUniqueViolation(err) {
				return taken
			}
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			// Our claim went while the check ran: dropped because another
			// shop verified first, or removed.
			if n, err := q.NewSelect().Model((*Domain)(nil)).Where("host = ? AND verified_at IS NOT NULL", h).Count(ctx); err != nil {
				return err
			} else if n > 0 {
				return taken
			}
			return errs.NotFoundf("domain not found")
		}
		dropped, err := q.NewDelete().Model((*Domain)(nil)).Where("host = ? AND shop_id <> ? AND verified_at IS NULL", h, p.TenantID).Exec(ctx)
		if err != nil {
			return err
		}
		after := h + " verified by " + via
		if n, _ := dropped.RowsAffected(); n > 0 {
			after += "; " + itoa(n) + " pending claim(s) of other shops dropped"
		}
		if err := audit.Record(ctx, q, audit.Entry{TenantID: p.TenantID, Action: "domain.verify", ObjectType: "domain", ObjectID: h, After: after}); err != nil {
			return err
		}
		return changed(change{kind: "hosts"})
	})
	if err != nil {
		return Domain{}, errs.Wrap(err, "tenants.VerifyDomain")
	}
	if via == "" {
		return Domain{}, &errs.Error{Code: errs.Unprocessable, Field: "domain", Message: reason}
	}
	d.VerifiedAt, d.VerifiedVia, d.CheckedAt, d.CheckError = &now, via, &now, ""
	return d, nil
}

// RemoveDomain detaches a custom domain (pending or verified) from the
// principal's shop.
func (s *Service) RemoveDomain(ctx context.Context, p Principal, host string) error {
	if err := s.Authorize(ctx, p, perm.ShopManage); err != nil {
		return err
	}
	h := normalizeDomain(host)
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

// Domains lists the principal's shop's custom domains, pending and
// verified (shop.read).
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

// lockHost makes claims on one host take turns: on PostgreSQL an advisory
// lock for the transaction (SQLite runs one writer at a time), so two shops
// verifying the same host at once do not deadlock on each other's rows and
// a claim cannot slip in while another is being verified.
func lockHost(ctx context.Context, q bun.IDB, d string, host string) error {
	if d != store.Postgres {
		return nil
	}
	_, err := q.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", "wasmart-domain:"+host)
	return err
}

func normalizeDomain(host string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(host)), ".")
}

// ResolveHost finds the shop a request's Host header names:
// <slug>.<base domain>, <slug>.localhost (any port, so a laptop needs no DNS
// set-up) or a verified custom domain. It returns the shop whatever its status (the
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
			// Only a verified claim maps a host to a shop.
			return q.NewSelect().Model(&t).Where("id = (SELECT shop_id FROM domains WHERE host = ? AND verified_at IS NOT NULL)", h).Scan(ctx)
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
