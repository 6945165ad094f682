package plugins

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/checkout"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/core/inventory"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/segment"
	"github.com/wasmart/wasmart/core/store"
)

// Shop data the host puts in plugin inputs (ABI.md §4: no read calls):
// recommendation candidates and co-purchase counts, and the reporting
// datasets. They are read (read-only) from the packages owning the data
// (core/catalog, core/inventory, core/order, core/checkout) and cached
// briefly so a busy storefront does not repeat them on every page.

// SalesWindow is how far back orders count for popularity and
// co-purchases.
const SalesWindow = 180 * 24 * time.Hour

const (
	maxCandidates  = 500
	shopDataTTL    = time.Minute
	maxCoPurchases = 200
)

func productIDs(sales []order.ProductSale) []string {
	ids := make([]string, len(sales))
	for i, r := range sales {
		ids[i] = r.ProductID
	}
	return ids
}

type candidateCache struct {
	mu sync.Mutex
	m  map[string]candidateEntry
}

type candidateEntry struct {
	until time.Time
	list  []extension.Candidate
}

var candidates = &candidateCache{m: map[string]candidateEntry{}}

// shopCurrency is the currency the shop sells in (its checkout settings),
// read in q.
func shopCurrency(ctx context.Context, q bun.IDB) (string, error) {
	st, err := checkout.LoadSettings(ctx, q)
	if err != nil {
		return "", err
	}
	return st.Currency, nil
}

// fillRecommendationData sets req.Candidates and req.CoPurchases from the
// shop's published products and paid orders.
func (s *Service) fillRecommendationData(ctx context.Context, req *extension.RecommendationRequest) error {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	candidates.mu.Lock()
	e, ok := candidates.m[tenant]
	candidates.mu.Unlock()
	if !ok || now.After(e.until) {
		list, err := s.loadCandidates(ctx, tenant, now)
		if err != nil {
			return err
		}
		e = candidateEntry{until: now.Add(shopDataTTL), list: list}
		candidates.mu.Lock()
		if len(candidates.m) > 10000 {
			candidates.m = map[string]candidateEntry{}
		}
		candidates.m[tenant] = e
		candidates.mu.Unlock()
	}
	req.Candidates = e.list
	anchors := append([]string(nil), req.CartProductIDs...)
	if req.ProductID != "" {
		anchors = append(anchors, req.ProductID)
	}
	if len(anchors) == 0 {
		return nil
	}
	return s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		rows, err := order.CoPurchases(ctx, q, tenant, anchors, now.Add(-SalesWindow).UTC(), maxCoPurchases)
		for _, r := range rows {
			req.CoPurchases = append(req.CoPurchases, extension.CoPurchase{ProductID: r.ProductID, WithProductID: r.WithProductID, Orders: r.Orders})
		}
		return err
	})
}

// loadCandidates lists the shop's published products, best sellers of the
// sales window first (then by id), at most maxCandidates, with their
// category, price, units sold, tags and whether any of their stock can sell
// (a product without stock levels counts as in stock).
func (s *Service) loadCandidates(ctx context.Context, tenant string, now time.Time) ([]extension.Candidate, error) {
	var out []extension.Candidate
	err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		sales, err := order.ProductSales(ctx, q, tenant, now.Add(-SalesWindow).UTC())
		if err != nil {
			return err
		}
		briefs, err := catalog.ProductBriefs(ctx, q, tenant, productIDs(sales))
		if err != nil {
			return err
		}
		var picked []catalog.ProductBrief
		sold := map[string]int64{}
		for _, r := range sales { // most sold first
			if b, ok := briefs[r.ProductID]; ok && b.Published && len(picked) < maxCandidates {
				picked = append(picked, b)
				sold[b.ID] = r.Units
			}
		}
		if len(picked) < maxCandidates {
			rest, err := catalog.FirstPublished(ctx, q, tenant, maxCandidates+len(picked))
			if err != nil {
				return err
			}
			for _, b := range rest {
				if _, ok := sold[b.ID]; !ok && len(picked) < maxCandidates {
					picked = append(picked, b)
				}
			}
		}
		ids := make([]string, len(picked))
		for i, b := range picked {
			ids[i] = b.ID
		}
		variants, err := catalog.ProductVariantIDs(ctx, q, tenant, ids)
		if err != nil {
			return err
		}
		vids := make([]string, 0, len(variants))
		for v := range variants {
			vids = append(vids, v)
		}
		stocked, err := inventory.Stocked(ctx, q, tenant, vids)
		if err != nil {
			return err
		}
		levels, inStock := map[string]bool{}, map[string]bool{}
		for v, ok := range stocked {
			p := variants[v]
			levels[p] = true
			inStock[p] = inStock[p] || ok
		}
		tags, err := catalog.ProductTags(ctx, q, tenant, ids)
		if err != nil {
			return err
		}
		for _, b := range picked {
			c := extension.Candidate{ProductID: b.ID, Price: b.PriceMin, SoldUnits: sold[b.ID], InStock: !levels[b.ID] || inStock[b.ID], Tags: tags[b.ID]}
			if b.CategorySlug != "" {
				c.Categories = []string{b.CategorySlug}
			}
			out = append(out, c)
		}
		return nil
	})
	return out, errs.Wrap(err, "plugins.candidates")
}

// datasets builds the reporting datasets of the context's tenant:
// "customers" (customer_id, last_order_ms, orders, spent, and r, f, m and
// group: the RFM scores 1-5 and group name against the shop's absolute
// thresholds, core/segment's Score) and "sales" (category, role, units,
// revenue), from counted orders of the last year.
func (s *Service) datasets(ctx context.Context, now time.Time) ([]extension.Dataset, error) {
	return s.datasetsIn(ctx, now, now.Add(-365*24*time.Hour).UTC(), now.UTC().Add(time.Nanosecond))
}

// datasetsIn is datasets over the counted orders placed in [since, until).
func (s *Service) datasetsIn(ctx context.Context, now, since, until time.Time) ([]extension.Dataset, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	customers := extension.Dataset{Name: "customers", Columns: []extension.Column{
		{Name: "customer_id", Type: extension.ColumnString}, {Name: "last_order_ms", Type: extension.ColumnInt},
		{Name: "orders", Type: extension.ColumnInt}, {Name: "spent", Type: extension.ColumnInt},
		{Name: "r", Type: extension.ColumnInt}, {Name: "f", Type: extension.ColumnInt}, {Name: "m", Type: extension.ColumnInt},
		{Name: "group", Type: extension.ColumnString}}}
	sales := extension.Dataset{Name: "sales", Columns: []extension.Column{
		{Name: "category", Type: extension.ColumnString}, {Name: "role", Type: extension.ColumnString},
		{Name: "units", Type: extension.ColumnInt}, {Name: "revenue", Type: extension.ColumnInt}}}
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		all, err := order.Purchases(ctx, q, tenant, since, 200000)
		if err != nil {
			return err
		}
		orders := all[:0]
		for _, o := range all {
			if o.PlacedAt.Before(until) {
				orders = append(orders, o)
			}
		}
		th, err := segment.ThresholdsIn(ctx, q, tenant)
		if err != nil {
			return err
		}
		type agg struct {
			last          time.Time
			orders, spent int64
		}
		by := map[string]*agg{}
		for _, o := range orders {
			k := o.CustomerID
			if k == "" {
				k = "guest:" + strings.ToLower(o.Email)
			}
			a := by[k]
			if a == nil {
				a = &agg{}
				by[k] = a
			}
			a.orders++
			a.spent += o.Total
			if o.PlacedAt.After(a.last) {
				a.last = o.PlacedAt
			}
		}
		keys := make([]string, 0, len(by))
		for k := range by {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			a := by[k]
			sc := th.Score(a.last, a.orders, a.spent, now)
			customers.Rows = append(customers.Rows, []extension.Cell{{Str: k}, {Int: a.last.UnixMilli()}, {Int: a.orders}, {Int: a.spent},
				{Int: int64(sc.R)}, {Int: int64(sc.F)}, {Int: int64(sc.M)}, {Str: segment.GroupByCode(sc.Group).Name}})
		}
		sold, err := order.ProductSalesIn(ctx, q, tenant, since, until)
		if err != nil {
			return err
		}
		type group struct{ category, role string }
		briefs, err := catalog.ProductBriefs(ctx, q, tenant, productIDs(sold))
		if err != nil {
			return err
		}
		totals := map[group]*[2]int64{} // units, revenue
		for _, r := range sold {
			b := briefs[r.ProductID] // a deleted product: no category, no role
			g := group{b.CategoryName, string(b.Role)}
			if totals[g] == nil {
				totals[g] = new([2]int64)
			}
			totals[g][0] += r.Units
			totals[g][1] += r.Revenue
		}
		groups := make([]group, 0, len(totals))
		for g := range totals {
			groups = append(groups, g)
		}
		sort.Slice(groups, func(i, j int) bool {
			if groups[i].category != groups[j].category {
				return groups[i].category < groups[j].category
			}
			return groups[i].role < groups[j].role
		})
		for _, g := range groups {
			cat, role := g.category, g.role
			if cat == "" {
				cat = "uncategorised"
			}
			if role == "" {
				role = "unassigned"
			}
			sales.Rows = append(sales.Rows, []extension.Cell{{Str: cat}, {Str: role}, {Int: totals[g][0]}, {Int: totals[g][1]}})
		}
		return nil
	})
	if err != nil {
		return nil, errs.Wrap(err, "plugins.datasets")
	}
	return []extension.Dataset{customers, sales}, nil
}
