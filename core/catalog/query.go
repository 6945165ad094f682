package catalog

import (
	"context"
	"encoding/base64"
	"sort"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// Sort orders a product list.
type Sort string

// Sorts. SortManual is a manual collection's own order.
const (
	SortNewest    Sort = "newest"
	SortTitle     Sort = "title"
	SortPriceAsc  Sort = "price_asc"
	SortPriceDesc Sort = "price_desc"
	SortManual    Sort = "manual"
)

// Filter selects products for List.
type Filter struct {
	// Query matches title, vendor, type, handle, tags, SKUs and barcodes by
	// word prefix; all words must match.
	Query string
	// Published restricts to products shoppers can see now (the
	// storefront always sets it).
	Published bool
	// Status restricts to one status (console tabs); ignored with Published.
	Status Status
	// CategoryID includes the category's subcategories.
	CategoryID   string
	CollectionID string
	Tag          string
	Vendor       string
	ProductType  string
	Role         Role
	// PriceMin/PriceMax bound the product's lowest variant price.
	PriceMin, PriceMax *int64
	Sort               Sort
	Cursor             string // from the previous Page.Next
	Limit              int    // default 24, at most 250
}

// Page is one page of products and the cursor of the next ("" at the end).
type Page struct {
	Products []*Product
	Next     string
}

// ListPublished is List for the storefront: only visible products.
func (s *Service) ListPublished(ctx context.Context, f Filter) (*Page, error) {
	f.Published = true
	return s.List(ctx, f)
}

// List returns a page of products with their variants, images, tags and
// stock, in a constant number of queries (one for the page, one per kind of
// related row, and one for a collection's rules).
func (s *Service) List(ctx context.Context, f Filter) (*Page, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if f.Limit <= 0 {
		f.Limit = 24
	}
	if f.Limit > 250 {
		f.Limit = 250
	}
	sortGiven := f.Sort != ""
	if !sortGiven {
		f.Sort = SortNewest
		if f.Query != "" {
			f.Sort = SortTitle
		}
		if f.CollectionID != "" {
			f.Sort = SortManual // replaced by the collection's own sort below
		}
	}
	switch f.Sort {
	case SortNewest, SortTitle, SortPriceAsc, SortPriceDesc, SortManual:
	default:
		return nil, errs.Field("sort", "unknown sort %q", f.Sort)
	}
	if f.Sort == SortManual && f.CollectionID == "" {
		return nil, errs.Field("sort", "manual order needs a collection")
	}
	if !f.Role.Valid() {
		return nil, errs.Field("role", "unknown role")
	}
	page := &Page{}
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		sel := q.NewSelect().TableExpr("catalog_products AS p").ColumnExpr("p.*").Where("p.tenant_id = ?", tid)
		if f.CollectionID != "" {
			c, err := loadCollection(ctx, q, tid, "id", f.CollectionID)
			if err != nil {
				return err
			}
			if f.Published && !c.Published {
				return errs.NotFoundf("collection not found")
			}
			if !sortGiven {
				f.Sort = c.Sort
			}
			if c.Kind == Manual {
				sel = sel.Join("JOIN catalog_collection_products AS cp ON cp.tenant_id = p.tenant_id AND cp.product_id = p.id AND cp.collection_id = ?", c.ID).
					ColumnExpr("cp.position AS cp_position")
			} else {
				if f.Sort == SortManual {
					f.Sort = SortNewest
				}
				sel = applyRules(sel, tid, c)
			}
			if f.Sort == SortManual && c.Kind != Manual {
				f.Sort = SortNewest
			}
		}
		if f.Published {
			sel = sel.Where("p.status = 'published' AND (p.publish_at IS NULL OR p.publish_at <= ?)", s.now())
		} else if f.Status != "" {
			if !f.Status.Valid() {
				return errs.Field("status", "unknown status")
			}
			sel = sel.Where("p.status = ?", string(f.Status))
		}
		if f.CategoryID != "" {
			sel = sel.Where("p.category_id IN ("+subtreeSQL+")", tid, f.CategoryID, tid)
		}
		if f.Tag != "" {
			sel = sel.Where("EXISTS (SELECT 1 FROM catalog_product_tags t WHERE t.tenant_id = p.tenant_id AND t.product_id = p.id AND t.tag = ?)", f.Tag)
		}
		if f.Vendor != "" {
			sel = sel.Where("p.vendor = ?", f.Vendor)
		}
		if f.ProductType != "" {
			sel = sel.Where("p.product_type = ?", f.ProductType)
		}
		if f.Role != "" {
			sel = sel.Where("p.role = ?", string(f.Role))
		}
		if f.PriceMin != nil {
			sel = sel.Where("p.price_min >= ?", *f.PriceMin)
		}
		if f.PriceMax != nil {
			sel = sel.Where("p.price_min <= ?", *f.PriceMax)
		}
		if f.Query != "" {
			if s.db.Dialect() == store.Postgres {
				// Search queries are index range scans plus per-candidate
				// index probes; PostgreSQL's estimates for token ranges
				// are poor and it otherwise picks hash joins over whole
				// tables (measured 270 ms instead of tens on 100,000
				// products). Local to this read-only transaction.
				if _, err := q.ExecContext(ctx, "SELECT set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)"); err != nil {
					return errs.Wrap(err, "catalog: search")
				}
			}
			var empty bool
			var err error
			if sel, empty, err = applySearch(ctx, q, sel, tid, f.Query); err != nil {
				return err
			}
			if empty {
				return nil
			}
		}
		var err error
		if sel, err = applyCursor(sel, f.Sort, f.Cursor); err != nil {
			return err
		}
		type listRow struct {
			productRow
			CPPosition int64 `bun:"cp_position"`
		}
		var rows []listRow
		if err := sel.Limit(int64(f.Limit+1)).Scan(ctx, &rows); err != nil {
			return errs.Wrap(err, "catalog: list")
		}
		if len(rows) > f.Limit {
			rows = rows[:f.Limit]
			last := rows[len(rows)-1]
			page.Next = encodeCursor(f.Sort, last.productRow, last.CPPosition)
		}
		prs := make([]productRow, len(rows))
		for i := range rows {
			prs[i] = rows[i].productRow
		}
		page.Products, err = s.hydrate(ctx, q, tid, prs)
		return err
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

// subtreeSQL selects a category and its descendants; args: tenant, root id, tenant.
const subtreeSQL = `WITH RECURSIVE sub(id) AS (
	SELECT id FROM catalog_categories WHERE tenant_id = ? AND id = ?
	UNION SELECT c.id FROM catalog_categories c JOIN sub ON c.parent_id = sub.id WHERE c.tenant_id = ?)
	SELECT id FROM sub`

func applyCursor(sel *bun.SelectQuery, sort Sort, cursor string) (*bun.SelectQuery, error) {
	var id, val string
	if cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(cursor)
		parts := strings.SplitN(string(raw), "|", 3)
		if err != nil || len(parts) != 3 || parts[0] != string(sort) {
			return nil, errs.Field("cursor", "is not valid for this list")
		}
		id, val = parts[1], parts[2]
	}
	num := func() (int64, error) {
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			return 0, errs.Field("cursor", "is not valid for this list")
		}
		return n, nil
	}
	switch sort {
	case SortNewest:
		if cursor != "" {
			sel = sel.Where("p.id < ?", id)
		}
		return sel.OrderExpr("p.id DESC"), nil
	case SortTitle:
		if cursor != "" {
			sel = sel.Where("(p.title > ? OR (p.title = ? AND p.id > ?))", val, val, id)
		}
		return sel.OrderExpr("p.title ASC, p.id ASC"), nil
	case SortPriceAsc, SortPriceDesc:
		if cursor != "" {
			n, err := num()
			if err != nil {
				return nil, err
			}
			if sort == SortPriceAsc {
				sel = sel.Where("(p.price_min > ? OR (p.price_min = ? AND p.id > ?))", n, n, id)
			} else {
				sel = sel.Where("(p.price_min < ? OR (p.price_min = ? AND p.id < ?))", n, n, id)
			}
		}
		if sort == SortPriceAsc {
			return sel.OrderExpr("p.price_min ASC, p.id ASC"), nil
		}
		return sel.OrderExpr("p.price_min DESC, p.id DESC"), nil
	default: // manual
		if cursor != "" {
			n, err := num()
			if err != nil {
				return nil, err
			}
			sel = sel.Where("(cp.position > ? OR (cp.position = ? AND p.id > ?))", n, n, id)
		}
		return sel.OrderExpr("cp.position ASC, p.id ASC"), nil
	}
}

func encodeCursor(sort Sort, r productRow, pos int64) string {
	val := ""
	switch sort {
	case SortTitle:
		val = r.Title
	case SortPriceAsc, SortPriceDesc:
		val = strconv.FormatInt(r.PriceMin, 10)
	case SortManual:
		val = strconv.FormatInt(pos, 10)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(string(sort) + "|" + r.ID + "|" + val))
}

// denseTerm is the match count above which a single search term is
// checked per product (walking products in the requested order) instead
// of being looked up first; maxMatches caps the id set of the look-up.
const (
	denseTerm  = 3000
	maxMatches = 20000
)

// applySearch adds the query's terms to sel. Each term is first counted on
// the token index (capped); a term with no match empties the page at once.
// A single common term becomes an EXISTS check, so the database walks
// products in sort order until the page is full. Otherwise the matching
// product ids are computed on the token index alone (the rarest term
// drives, the others are index probes per candidate) and the product query
// selects those ids: both engines then plan primary-key look-ups and a
// small sort instead of a scan of the catalog.
func applySearch(ctx context.Context, q bun.IDB, sel *bun.SelectQuery, tid, query string) (*bun.SelectQuery, bool, error) {
	toks := tokenize(query, true)
	if len(toks) > 8 {
		toks = toks[:8]
	}
	type term struct {
		cond  string
		args  []any
		count int
	}
	terms := make([]term, 0, len(toks))
	for _, tok := range toks {
		t := term{cond: "token = ?", args: []any{tok.text}}
		if !tok.exact {
			t = term{cond: "token >= ? AND token < ?", args: []any{tok.text, tok.text + "\U0010FFFF"}}
		}
		args := append([]any{tid}, t.args...)
		if err := q.NewRaw("SELECT COUNT(*) FROM (SELECT 1 FROM catalog_search_tokens WHERE tenant_id = ? AND "+t.cond+" LIMIT "+strconv.Itoa(denseTerm+1)+") x", args...).Scan(ctx, &t.count); err != nil {
			return nil, false, errs.Wrap(err, "catalog: search")
		}
		if t.count == 0 {
			return sel, true, nil
		}
		terms = append(terms, t)
	}
	if len(terms) == 0 {
		return sel, false, nil
	}
	sort.SliceStable(terms, func(i, j int) bool { return terms[i].count < terms[j].count })
	exists := func(sel *bun.SelectQuery, t term, col string) *bun.SelectQuery {
		return sel.Where("EXISTS (SELECT 1 FROM catalog_search_tokens st WHERE st.tenant_id = ? AND st.product_id = "+col+" AND "+strings.ReplaceAll(t.cond, "token", "st.token")+")", append([]any{tid}, t.args...)...)
	}
	walk := func() *bun.SelectQuery {
		for _, t := range terms {
			sel = exists(sel, t, "p.id")
		}
		return sel
	}
	if len(terms) == 1 && terms[0].count > denseTerm {
		return walk(), false, nil
	}
	ids := q.NewSelect().TableExpr("catalog_search_tokens AS d").ColumnExpr("DISTINCT d.product_id").
		Where("d.tenant_id = ? AND "+strings.ReplaceAll(terms[0].cond, "token", "d.token"), append([]any{tid}, terms[0].args...)...)
	for _, t := range terms[1:] {
		ids = exists(ids, t, "d.product_id")
	}
	var matched []string
	if err := ids.Limit(maxMatches+1).Scan(ctx, &matched); err != nil && !store.NoRows(err) {
		return nil, false, errs.Wrap(err, "catalog: search")
	}
	switch {
	case len(matched) == 0:
		return sel, true, nil
	case len(matched) > maxMatches:
		return walk(), false, nil
	}
	return sel.Where("p.id IN (?)", bun.List(matched)), false, nil
}
