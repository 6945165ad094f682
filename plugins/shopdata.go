package plugins

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/core/store"
)

// Shop data the host puts in plugin inputs (ABI.md §4: no read calls):
// recommendation candidates and co-purchase counts, and the reporting
// datasets. Queries read the catalog, inventory and order tables directly
// (read-only) and are cached briefly so a busy storefront does not repeat
// them on every page.

// SalesWindow is how far back orders count for popularity and
// co-purchases.
const SalesWindow = 180 * 24 * time.Hour

const (
	maxCandidates  = 500
	shopDataTTL    = time.Minute
	countedStatus  = "o.status NOT IN ('pending_payment', 'cancelled')"
	maxCoPurchases = 200
)

type candidateCache struct {
	mu sync.Mutex
	m  map[string]candidateEntry
}

type candidateEntry struct {
	until time.Time
	list  []extension.Candidate
}

var candidates = &candidateCache{m: map[string]candidateEntry{}}

func shopCurrency(ctx context.Context, q bun.IDB, tenant string) (string, error) {
	var cur []string
	if err := q.NewRaw("SELECT currency FROM tenants WHERE id = ?", tenant).Scan(ctx, &cur); err != nil {
		return "", err
	}
	if len(cur) == 0 {
		return "EUR", nil
	}
	return cur[0], nil
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
		var rows []struct {
			ProductID string `bun:"product_id"`
			WithID    string `bun:"with_id"`
			N         int64  `bun:"n"`
		}
		if err := q.NewRaw(`SELECT a.product_id AS product_id, b.product_id AS with_id, COUNT(DISTINCT a.order_id) AS n
			FROM order_lines a
			JOIN order_lines b ON b.tenant_id = a.tenant_id AND b.order_id = a.order_id AND b.product_id <> a.product_id
			JOIN orders o ON o.tenant_id = a.tenant_id AND o.id = a.order_id
			WHERE a.tenant_id = ? AND a.product_id IN (?) AND b.product_id <> '' AND `+countedStatus+` AND o.placed_at >= ?
			GROUP BY a.product_id, b.product_id ORDER BY n DESC LIMIT ?`,
			tenant, bun.List(anchors), now.Add(-SalesWindow).UTC(), maxCoPurchases).Scan(ctx, &rows); err != nil {
			return err
		}
		for _, r := range rows {
			req.CoPurchases = append(req.CoPurchases, extension.CoPurchase{ProductID: r.ProductID, WithProductID: r.WithID, Orders: r.N})
		}
		return nil
	})
}

func (s *Service) loadCandidates(ctx context.Context, tenant string, now time.Time) ([]extension.Candidate, error) {
	var out []extension.Candidate
	err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var rows []struct {
			ID       string `bun:"id"`
			Category string `bun:"category"`
			Price    int64  `bun:"price_min"`
			Sold     int64  `bun:"sold"`
			Tracked  int64  `bun:"tracked"`
			Stocked  int64  `bun:"stocked"`
		}
		if err := q.NewRaw(`SELECT p.id, COALESCE(c.slug, '') AS category, p.price_min, COALESCE(s.sold, 0) AS sold,
				COALESCE(st.tracked, 0) AS tracked, COALESCE(st.stocked, 0) AS stocked
			FROM catalog_products p
			LEFT JOIN catalog_categories c ON c.tenant_id = p.tenant_id AND c.id = p.category_id
			LEFT JOIN (SELECT ol.product_id, SUM(ol.quantity) AS sold FROM order_lines ol
				JOIN orders o ON o.tenant_id = ol.tenant_id AND o.id = ol.order_id
				WHERE ol.tenant_id = ? AND `+countedStatus+` AND o.placed_at >= ? GROUP BY ol.product_id) s ON s.product_id = p.id
			LEFT JOIN (SELECT v.product_id, COUNT(*) AS tracked,
					SUM(CASE WHEN l.available > 0 OR l.backorder THEN 1 ELSE 0 END) AS stocked
				FROM catalog_variants v JOIN inventory_levels l ON l.tenant_id = v.tenant_id AND l.variant_id = v.id
				WHERE v.tenant_id = ? GROUP BY v.product_id) st ON st.product_id = p.id
			WHERE p.tenant_id = ? AND p.status = 'published'
			ORDER BY sold DESC, p.id LIMIT ?`, tenant, now.Add(-SalesWindow).UTC(), tenant, tenant, maxCandidates).Scan(ctx, &rows); err != nil {
			return err
		}
		idx := map[string]int{}
		for _, r := range rows {
			c := extension.Candidate{ProductID: r.ID, Price: r.Price, SoldUnits: r.Sold, InStock: r.Tracked == 0 || r.Stocked > 0}
			if r.Category != "" {
				c.Categories = []string{r.Category}
			}
			idx[r.ID] = len(out)
			out = append(out, c)
		}
		var tags []struct {
			ProductID string `bun:"product_id"`
			Tag       string `bun:"tag"`
		}
		if err := q.NewRaw("SELECT product_id, tag FROM catalog_product_tags WHERE tenant_id = ? ORDER BY product_id, tag LIMIT 20000", tenant).Scan(ctx, &tags); err != nil {
			return err
		}
		for _, t := range tags {
			if i, ok := idx[t.ProductID]; ok {
				out[i].Tags = append(out[i].Tags, t.Tag)
			}
		}
		return nil
	})
	return out, errs.Wrap(err, "plugins.candidates")
}

// datasets builds the reporting datasets of the context's tenant:
// "customers" (customer_id, last_order_ms, orders, spent) and "sales"
// (category, role, units, revenue), from counted orders of the last year.
func (s *Service) datasets(ctx context.Context, now time.Time) ([]extension.Dataset, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	since := now.Add(-365 * 24 * time.Hour).UTC()
	customers := extension.Dataset{Name: "customers", Columns: []extension.Column{
		{Name: "customer_id", Type: extension.ColumnString}, {Name: "last_order_ms", Type: extension.ColumnInt},
		{Name: "orders", Type: extension.ColumnInt}, {Name: "spent", Type: extension.ColumnInt}}}
	sales := extension.Dataset{Name: "sales", Columns: []extension.Column{
		{Name: "category", Type: extension.ColumnString}, {Name: "role", Type: extension.ColumnString},
		{Name: "units", Type: extension.ColumnInt}, {Name: "revenue", Type: extension.ColumnInt}}}
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var orders []struct {
			CustomerID string    `bun:"customer_id"`
			Email      string    `bun:"email"`
			PlacedAt   time.Time `bun:"placed_at"`
			Total      int64     `bun:"total"`
		}
		if err := q.NewSelect().TableExpr("orders AS o").Column("o.customer_id", "o.email", "o.placed_at", "o.total").
			Where("o.tenant_id = ?", tenant).Where(countedStatus).Where("o.placed_at >= ?", since).
			Limit(200000).Scan(ctx, &orders); err != nil {
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
			customers.Rows = append(customers.Rows, []extension.Cell{{Str: k}, {Int: a.last.UnixMilli()}, {Int: a.orders}, {Int: a.spent}})
		}
		var rows []struct {
			Category string `bun:"category"`
			Role     string `bun:"role"`
			Units    int64  `bun:"units"`
			Revenue  int64  `bun:"revenue"`
		}
		if err := q.NewRaw(`SELECT COALESCE(c.name, '') AS category, COALESCE(p.role, '') AS role,
				SUM(ol.quantity) AS units, SUM(ol.total) AS revenue
			FROM order_lines ol
			JOIN orders o ON o.tenant_id = ol.tenant_id AND o.id = ol.order_id
			LEFT JOIN catalog_products p ON p.tenant_id = ol.tenant_id AND p.id = ol.product_id
			LEFT JOIN catalog_categories c ON c.tenant_id = p.tenant_id AND c.id = p.category_id
			WHERE ol.tenant_id = ? AND `+countedStatus+` AND o.placed_at >= ?
			GROUP BY COALESCE(c.name, ''), COALESCE(p.role, '') ORDER BY 1, 2`, tenant, since).Scan(ctx, &rows); err != nil {
			return err
		}
		for _, r := range rows {
			cat, role := r.Category, r.Role
			if cat == "" {
				cat = "uncategorised"
			}
			if role == "" {
				role = "unassigned"
			}
			sales.Rows = append(sales.Rows, []extension.Cell{{Str: cat}, {Str: role}, {Int: r.Units}, {Int: r.Revenue}})
		}
		return nil
	})
	if err != nil {
		return nil, errs.Wrap(err, "plugins.datasets")
	}
	return []extension.Dataset{customers, sales}, nil
}
