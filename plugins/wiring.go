package plugins

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/plugins/sandbox"
)

// activeSet is a tenant's enabled installations, ready to call, in order.
type activeSet struct {
	until time.Time
	list  []*sandbox.Installation
	pipe  *pricing.Pipeline // nil when no pricing or logistics plugin is enabled
}

func (s *Service) invalidate(tenant string) { s.active.Delete(tenant) }

// enabled returns the tenant's enabled installations in order (cached for
// CacheTTL; local changes drop the cache at once). On a cache miss they are
// read in q, the caller's transaction, or with q nil in a Read of their own.
func (s *Service) enabled(ctx context.Context, q bun.IDB, tenant string) (*activeSet, error) {
	now := time.Now()
	if v, ok := s.active.Load(tenant); ok {
		a := v.(*activeSet)
		if now.Before(a.until) {
			return a, nil
		}
	}
	a := &activeSet{until: now.Add(s.opts.CacheTTL)}
	load := func(ctx context.Context, q bun.IDB) error {
		var ins []Installed
		if err := q.NewSelect().Model(&ins).Where("tenant_id = ? AND enabled", tenant).OrderExpr("position, id").Scan(ctx); err != nil {
			return err
		}
		for _, in := range ins {
			inst, err := s.callable(ctx, q, &in, in.Version, in.Config)
			if err != nil {
				return err
			}
			a.list = append(a.list, inst)
		}
		return nil
	}
	var err error
	if q != nil {
		err = load(ctx, q)
	} else {
		err = s.db.Read(tenancy.WithTenant(ctx, tenant), load)
	}
	if err != nil {
		return nil, err
	}
	a.pipe = s.pipelineOf(a.list)
	s.active.Store(tenant, a)
	return a, nil
}

// callable builds the host's view of an installation at a version.
func (s *Service) callable(ctx context.Context, q bun.IDB, in *Installed, version, config string) (*sandbox.Installation, error) {
	v, m, err := s.manifestFor(ctx, q, in, version)
	if err != nil {
		return nil, err
	}
	return &sandbox.Installation{Tenant: in.TenantID, ID: in.ID, Manifest: m, ModuleHash: v.ModuleHash, Config: []byte(config)}, nil
}

func onPoint(list []*sandbox.Installation, p extension.Point) []*sandbox.Installation {
	var out []*sandbox.Installation
	for _, in := range list {
		if in.Manifest.Declares(p) {
			out = append(out, in)
		}
	}
	return out
}

func (s *Service) pipelineOf(list []*sandbox.Installation) *pricing.Pipeline {
	pr, lo := onPoint(list, extension.PointPricing), onPoint(list, extension.PointLogistics)
	if len(pr) == 0 && len(lo) == 0 {
		return nil
	}
	p := &pricing.Pipeline{}
	if len(pr) > 0 {
		p.Pricing = s.pricingChain(pr)
	}
	if len(lo) > 0 {
		p.Logistics = s.logisticsChain(lo)
	}
	return p
}

// PricingChain runs the pricing plugins of several installations, in
// order, on the same cart; their adjustments are concatenated. A plugin
// that fails contributes nothing (the host recorded the failure).
type PricingChain []extension.Pricing

// Price implements extension.Pricing.
func (c PricingChain) Price(ctx context.Context, req *extension.PricingRequest) ([]extension.Adjustment, error) {
	var out []extension.Adjustment
	for _, p := range c {
		adj, err := p.Price(ctx, req)
		if err == nil {
			out = append(out, adj...)
		}
	}
	return out, nil
}

// LogisticsChain merges the delivery options of several logistics plugins
// (the first plugin wins a duplicate code).
type LogisticsChain []extension.Logistics

// Quote implements extension.Logistics.
func (c LogisticsChain) Quote(ctx context.Context, req *extension.LogisticsRequest) ([]extension.DeliveryOption, error) {
	var out []extension.DeliveryOption
	seen := map[string]bool{}
	for _, l := range c {
		opts, err := l.Quote(ctx, req)
		if err != nil {
			continue
		}
		for _, o := range opts {
			if !seen[o.Code] {
				seen[o.Code] = true
				out = append(out, o)
			}
		}
	}
	return out, nil
}

func (s *Service) pricingChain(list []*sandbox.Installation) extension.Pricing {
	if len(list) == 1 {
		return &sandbox.PricingAdapter{Host: s.host, Install: list[0]}
	}
	c := make(PricingChain, len(list))
	for i, in := range list {
		c[i] = &sandbox.PricingAdapter{Host: s.host, Install: in}
	}
	return c
}

func (s *Service) logisticsChain(list []*sandbox.Installation) extension.Logistics {
	if len(list) == 1 {
		return &sandbox.LogisticsAdapter{Host: s.host, Install: list[0]}
	}
	c := make(LogisticsChain, len(list))
	for i, in := range list {
		c[i] = &sandbox.LogisticsAdapter{Host: s.host, Install: in}
	}
	return c
}

// Pipeline is a checkout.PipelineFunc: the pricing and logistics plugins
// of the context's tenant's enabled installations, read (when not cached)
// in q, the transaction pricing runs in (nil: a Read of its own). nil (no
// extensions) when there are none or they cannot be loaded; a failing
// plugin at call time means no adjustments from it and the built-in
// shipping methods.
func (s *Service) Pipeline(ctx context.Context, q bun.IDB) *pricing.Pipeline {
	tenant, ok := tenancy.TenantID(ctx)
	if !ok {
		return nil
	}
	a, err := s.enabled(ctx, q, tenant)
	if err != nil {
		return nil
	}
	return a.pipe
}

// Recommend ranks products for a storefront slot of the context's tenant
// with its first enabled recommendations plugin; the host fills in
// candidates and co-purchase counts from the shop's catalog and orders
// when the request has none. With no plugin, or when it fails, the
// built-in best sellers are returned.
func (s *Service) Recommend(ctx context.Context, req *extension.RecommendationRequest) ([]extension.Recommendation, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if req.Limit <= 0 {
		req.Limit = 8
	}
	if req.Now.IsZero() {
		req.Now = time.Now().UTC()
	}
	if req.Placement == "" {
		req.Placement = extension.PlacementProduct
		if req.ProductID == "" {
			req.Placement = extension.PlacementHome
		}
	}
	if req.Candidates == nil {
		if err := s.fillRecommendationData(ctx, req); err != nil {
			return nil, err
		}
	}
	a, err := s.enabled(ctx, nil, tenant)
	if err != nil {
		return sandbox.BestSellers{}.Recommend(ctx, req)
	}
	if rs := onPoint(a.list, extension.PointRecommendations); len(rs) > 0 {
		ad := &sandbox.RecommendationsAdapter{Host: s.host, Install: rs[0], Fallback: sandbox.BestSellers{}}
		return ad.Recommend(ctx, req)
	}
	return sandbox.BestSellers{}.Recommend(ctx, req)
}

// Report runs a reporting installation of the context's tenant on the
// datasets the host builds from the shop's orders and customers
// ("customers" for RFM, "sales" by category and product role). A failure
// is returned as the error (a *Failure the report page explains).
func (s *Service) Report(ctx context.Context, installationID, report string, params map[string]string) (*extension.Report, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var inst *sandbox.Installation
	var currency string
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var in Installed
		if err := q.NewSelect().Model(&in).Where("tenant_id = ? AND id = ?", tenant, installationID).Scan(ctx); err != nil {
			if store.NoRows(err) {
				return errs.NotFoundf("no plugin installation %q", installationID)
			}
			return err
		}
		var err error
		inst, err = s.callable(ctx, q, &in, in.Version, in.Config)
		if err != nil {
			return err
		}
		currency, err = shopCurrency(ctx, q)
		return err
	})
	if err != nil {
		return nil, errs.Wrap(err, "plugins.Report")
	}
	if !inst.Manifest.Declares(extension.PointReporting) {
		return nil, errs.Field("installation", "%s is not a reporting plugin", inst.Manifest)
	}
	now := time.Now().UTC()
	ds, err := s.reportDatasets(ctx, now, params)
	if err != nil {
		return nil, err
	}
	ad := &sandbox.ReportingAdapter{Host: s.host, Install: inst}
	return ad.Report(ctx, &extension.ReportRequest{Report: report, Currency: currency, Now: now, Params: params, Datasets: ds})
}

// BreakerStatus is an installation's breaker state and consecutive
// failures.
func (s *Service) BreakerStatus(tenant, installationID string) (sandbox.BreakerState, int) {
	return s.host.BreakerStatus(tenant, installationID)
}
