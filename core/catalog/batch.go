package catalog

import (
	"context"
	"strings"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

// Batch is one transaction over a shop's catalog for bulk work (the
// Shopify CSV import in core/catalog/shopifycsv): look-ups by handle and
// SKU, and products created with multi-row inserts or updated each in a
// savepoint of its own. A read-only batch (a dry run) reads exactly what a
// writing one would and cannot write. A Batch is used by one goroutine,
// inside the function given to InBatch.
type Batch struct {
	s     *Service
	ctx   context.Context
	q     bun.IDB
	tid   string
	write bool
	// cats caches category ids by "A > B > C" path (and by each prefix,
	// " > A > B"), found or created in this batch.
	cats map[string]string
	// catPaths is each category's path by id, loaded on first use.
	catPaths map[string]string
	// submittedBy is who submitted each product Products loaded for
	// review ("kind:id"), for SelfApproval.
	submittedBy map[string]string
}

// InBatch runs fn in one transaction on the context's shop: a read-only one
// unless write. What fn writes is committed together when it returns nil
// and rolled back when it returns an error, which InBatch returns as is.
func (s *Service) InBatch(ctx context.Context, write bool, fn func(*Batch) error) error {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	run := func(ctx context.Context, q bun.IDB) error {
		if write && s.db.Dialect() == store.Postgres {
			// Foreign-key checks reuse plans made from the tables'
			// statistics. When the catalog tables are small or were never
			// analysed those plans are sequential scans, and a large
			// import into them turns quadratic; custom plans see the
			// tables grow. With real statistics the generic plans are
			// index look-ups and much cheaper (measured: 20,000 rows into
			// a 40,000-product shop took 17 s with custom plans, 5 s
			// without).
			var tuples float64
			if err := q.NewRaw("SELECT COALESCE(MIN(reltuples), -1) FROM pg_class WHERE relname IN ('catalog_products', 'catalog_variants') AND relkind = 'r'").Scan(ctx, &tuples); err != nil {
				return errs.Wrap(err, "catalog: batch")
			}
			if tuples < 10000 {
				if _, err := q.ExecContext(ctx, "SET LOCAL plan_cache_mode = force_custom_plan"); err != nil {
					return errs.Wrap(err, "catalog: batch")
				}
			}
		}
		return fn(&Batch{s: s, ctx: ctx, q: q, tid: tid, write: write, cats: map[string]string{}, submittedBy: map[string]string{}})
	}
	if write {
		return s.db.Write(ctx, run)
	}
	return s.db.Read(ctx, run)
}

// Audit records e in the batch's transaction, for the shop of the batch:
// the entry commits with what the batch wrote, or not at all. A read-only
// batch records nothing.
func (b *Batch) Audit(e audit.Entry) error {
	if !b.write {
		return errs.E(errs.Internal, "catalog: audit in a read-only batch")
	}
	e.TenantID = b.tid
	return audit.Record(b.ctx, b.q, e)
}

// Count returns how many products the shop has, whatever their status.
func (b *Batch) Count() (int64, error) {
	var n int64
	if err := b.q.NewRaw("SELECT COUNT(*) FROM catalog_products WHERE tenant_id = ?", b.tid).Scan(b.ctx, &n); err != nil {
		return 0, errs.Wrap(err, "catalog: batch count")
	}
	return n, nil
}

// ProductIDs returns the ids of the shop's products that have these
// handles, by handle.
func (b *Batch) ProductIDs(handles []string) (map[string]string, error) {
	var rows []productRow
	if err := b.q.NewSelect().Model(&rows).Column("id", "handle").Where("tenant_id = ? AND handle IN (?)", b.tid, bun.List(handles)).
		Scan(b.ctx); err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "catalog: batch products")
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Handle] = r.ID
	}
	return out, nil
}

// Products returns the shop's products that have these handles, by handle,
// with their variants, images, tags and stock.
func (b *Batch) Products(handles []string) (map[string]*Product, error) {
	var rows []productRow
	if err := b.q.NewSelect().Model(&rows).Where("tenant_id = ? AND handle IN (?)", b.tid, bun.List(handles)).
		Scan(b.ctx); err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "catalog: batch products")
	}
	for _, r := range rows {
		b.submittedBy[r.ID] = r.SubmittedBy
	}
	ps, err := b.s.hydrate(b.ctx, b.q, b.tid, rows)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*Product, len(ps))
	for _, p := range ps {
		out[p.Handle] = p
	}
	return out, nil
}

// SKUOwners returns, for each of skus that a variant of the shop has, the
// id of that variant's product.
func (b *Batch) SKUOwners(skus []string) (map[string]string, error) {
	var owners []struct {
		SKU       string `bun:"sku"`
		ProductID string `bun:"product_id"`
	}
	if err := b.q.NewRaw("SELECT sku, product_id FROM catalog_variants WHERE tenant_id = ? AND sku IN (?)", b.tid, bun.List(skus)).
		Scan(b.ctx, &owners); err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "catalog: batch skus")
	}
	out := make(map[string]string, len(owners))
	for _, o := range owners {
		out[o.SKU] = o.ProductID
	}
	return out, nil
}

// CategoryPath returns a category's "A > B > C" path, as CategoryPaths
// writes it ("" for no category).
func (b *Batch) CategoryPath(id string) (string, error) {
	if id == "" {
		return "", nil
	}
	if b.catPaths == nil {
		var rows []categoryRow
		if err := b.q.NewSelect().Model(&rows).Where("tenant_id = ?", b.tid).Scan(b.ctx); err != nil {
			return "", errs.Wrap(err, "catalog: batch categories")
		}
		all := make([]*Category, len(rows))
		for i := range rows {
			all[i] = rows[i].toCategory()
		}
		b.catPaths = pathNames(all)
	}
	return b.catPaths[id], nil
}

// SelfApproval reports whether publishing p, loaded by Products, from
// review would have the batch's actor approve a product they submitted
// themselves, which Options.FourEyes forbids.
func (b *Batch) SelfApproval(p *Product, to Status) bool {
	return b.s.approvesOwn(p.Status, to, b.submittedBy[p.ID], tenancy.ActorFrom(b.ctx))
}

// ImportsStock reports whether the catalog records stock given with
// products (its StockSink is set); without it, NewProduct.Stock and
// ProductUpdate's stock change nothing.
func (b *Batch) ImportsStock() bool { return b.s.opts.StockSink != nil }

// ExternalImage is an image by URL, as a bulk import adds it.
type ExternalImage struct {
	Src string // an http or https URL (ValidImageURL)
	Alt string
}

// NewProduct is a product for Batch.Create.
type NewProduct struct {
	// Input is normalised (Normalize) and has a Handle; Create checks
	// neither the handle nor the SKUs against the shop (ProductIDs and
	// SKUOwners are for that).
	Input ProductInput
	// CategoryPath names the category, "A > B > C"; the categories that
	// do not exist are created. "" for none.
	CategoryPath string
	// Images in display order.
	Images []ExternalImage
	// Stock is each variant's initial stock, in the order of
	// Input.Variants (0 or missing: none).
	Stock []int64
}

// Create inserts products with multi-row inserts.
func (b *Batch) Create(ps []NewProduct) error {
	if !b.write {
		return errs.E(errs.Internal, "catalog: create in a read-only batch")
	}
	if len(ps) == 0 {
		return nil
	}
	now := b.s.now()
	var prods []productRow
	var vars []variantRow
	var tags []tagRow
	var toks []tokenRow
	var imgs []imageRow
	var stock []ImportedStock
	for _, np := range ps {
		in := np.Input
		pid := store.NewID()
		var cat *string
		if np.CategoryPath != "" {
			id, err := b.s.ensureCategoryPath(b.ctx, b.q, b.tid, np.CategoryPath, b.cats)
			if err != nil {
				return err
			}
			cat = strp(id)
		}
		lo, hi := in.priceRange()
		row := productRow{TenantID: b.tid, ID: pid, Handle: in.Handle, Title: in.Title, BodyHTML: in.BodyHTML, Vendor: in.Vendor,
			ProductType: in.ProductType, CategoryID: cat, Role: string(in.Role), SEOTitle: in.SEOTitle, SEODescription: in.SEODescription,
			Status: string(in.Status), Currency: in.Currency, PriceMin: lo, PriceMax: hi, Version: 1, CreatedAt: now, UpdatedAt: now}
		if in.Status == Published {
			row.PublishedAt = &now
		}
		if in.Google != nil {
			row.setGoogle(*in.Google)
		}
		setOptionNames(&row, in.Options)
		prods = append(prods, row)
		for i, v := range in.Variants {
			vr := variantRow{TenantID: b.tid, ID: store.NewID(), ProductID: pid, Position: i + 1, SKU: strp(v.SKU), Barcode: v.Barcode,
				Option1: v.Options[0], Option2: v.Options[1], Option3: v.Options[2], Price: v.Price, CompareAtPrice: v.CompareAtPrice,
				Cost: v.Cost, WeightGrams: v.WeightGrams, AllowBackorder: v.AllowBackorder,
				RequiresShipping: v.RequiresShipping == nil || *v.RequiresShipping, Taxable: v.Taxable == nil || *v.Taxable,
				ImageSrc: v.ImageSrc, CreatedAt: now, UpdatedAt: now}
			v.fill(&vr, nil)
			vars = append(vars, vr)
			if i < len(np.Stock) && np.Stock[i] != 0 {
				stock = append(stock, ImportedStock{VariantID: vr.ID, Quantity: np.Stock[i], AllowBackorder: vr.AllowBackorder || !vr.InventoryTracked})
			}
		}
		for _, t := range in.Tags {
			tags = append(tags, tagRow{TenantID: b.tid, ProductID: pid, Tag: t})
		}
		for _, t := range indexTokens(in.searchTexts(true)...) {
			toks = append(toks, tokenRow{TenantID: b.tid, Token: t, ProductID: pid})
		}
		for i, x := range np.Images {
			imgs = append(imgs, imageRow{TenantID: b.tid, ID: store.NewID(), ProductID: pid, Position: i + 1, Src: x.Src, Alt: x.Alt, CreatedAt: now})
		}
	}
	if err := insertChunks(b.ctx, b.q, prods, 39); err != nil {
		return err
	}
	if err := insertChunks(b.ctx, b.q, vars, 28); err != nil {
		return err
	}
	if err := insertChunks(b.ctx, b.q, tags, 3); err != nil {
		return err
	}
	if err := insertChunks(b.ctx, b.q, toks, 3); err != nil {
		return err
	}
	if err := insertChunks(b.ctx, b.q, imgs, 14); err != nil {
		return err
	}
	if len(stock) > 0 && b.s.opts.StockSink != nil {
		return b.s.opts.StockSink.ImportStock(b.ctx, b.q, b.tid, stock)
	}
	return nil
}

// ProductUpdate is one existing product's change for Batch.Update.
type ProductUpdate struct {
	ID      string
	Version int // the Version read (optimistic concurrency, as Update)
	// Input replaces the product as Update does; normalised (Normalize).
	Input ProductInput
	// SetCategory changes the category to CategoryPath ("A > B > C",
	// created when missing; "" for none) instead of Input.CategoryID.
	SetCategory  bool
	CategoryPath string
	// Status, when set, is the product's new status (Transition's rules),
	// recorded with Comment.
	Status  Status
	Comment string
	// Stock makes existing variants' available stock equal to these
	// quantities (StockSink.SetImportedStock).
	Stock []ImportedStock
	// NewStock is the stock new variants receive, by index in
	// Input.Variants.
	NewStock map[int]int64
	// Images are added after the product's; ImageAlts changes the alt text
	// of its images, by image id.
	Images    []ExternalImage
	ImageAlts map[string]string
}

// Update applies one update in a savepoint of its own: the product, its
// variants, status, stock and images change together or not at all, and a
// refusal (the product was edited meanwhile, say) leaves the batch's
// transaction usable for the next one.
func (b *Batch) Update(u ProductUpdate) error {
	if !b.write {
		return errs.E(errs.Internal, "catalog: update in a read-only batch")
	}
	err := b.q.RunInTx(b.ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		in := u.Input
		if u.SetCategory {
			in.CategoryID = ""
			if u.CategoryPath != "" {
				id, err := b.s.ensureCategoryPath(ctx, tx, b.tid, u.CategoryPath, b.cats)
				if err != nil {
					return err
				}
				in.CategoryID = id
			}
		}
		if err := b.s.updateIn(ctx, tx, b.tid, u.ID, u.Version, in); err != nil {
			return err
		}
		if u.Status != "" {
			if err := b.s.transition(ctx, tx, b.tid, u.ID, u.Status, TransitionOptions{Comment: u.Comment}, tenancy.ActorFrom(ctx)); err != nil {
				return err
			}
		}
		sink := b.s.opts.StockSink
		if len(u.Stock) > 0 && sink != nil {
			if err := sink.SetImportedStock(ctx, tx, b.tid, u.Stock); err != nil {
				return err
			}
		}
		if len(u.NewStock) > 0 && sink != nil {
			var vars []variantRow
			if err := tx.NewSelect().Model(&vars).Column("id", "position", "allow_backorder", "inventory_tracked").
				Where("tenant_id = ? AND product_id = ?", b.tid, u.ID).Scan(ctx); err != nil {
				return errs.Wrap(err, "catalog: batch variants")
			}
			var levels []ImportedStock
			for _, v := range vars {
				if q, ok := u.NewStock[v.Position-1]; ok {
					levels = append(levels, ImportedStock{VariantID: v.ID, Quantity: q, AllowBackorder: v.AllowBackorder || !v.InventoryTracked})
				}
			}
			if err := sink.ImportStock(ctx, tx, b.tid, levels); err != nil {
				return err
			}
		}
		if len(u.Images) > 0 {
			var pos int
			if err := tx.NewRaw("SELECT COALESCE(MAX(position), 0) FROM catalog_images WHERE tenant_id = ? AND product_id = ?", b.tid, u.ID).Scan(ctx, &pos); err != nil {
				return errs.Wrap(err, "catalog: batch images")
			}
			now := b.s.now()
			rows := make([]imageRow, len(u.Images))
			for i, x := range u.Images {
				rows[i] = imageRow{TenantID: b.tid, ID: store.NewID(), ProductID: u.ID, Position: pos + i + 1, Src: x.Src, Alt: x.Alt, CreatedAt: now}
			}
			if err := insertChunks(ctx, tx, rows, 14); err != nil {
				return err
			}
		}
		for imgID, alt := range u.ImageAlts {
			if _, err := tx.NewRaw("UPDATE catalog_images SET alt = ? WHERE tenant_id = ? AND id = ?", alt, b.tid, imgID).Exec(ctx); err != nil {
				return errs.Wrap(err, "catalog: batch images")
			}
		}
		return nil
	})
	if err != nil {
		// Categories made inside the rolled-back savepoint are gone.
		b.cats = map[string]string{}
	}
	return err
}

// insertChunks inserts rows in statements of at most ~30,000 parameters.
func insertChunks[T any](ctx context.Context, q bun.IDB, rows []T, cols int) error {
	per := max(1, 30000/cols)
	for len(rows) > 0 {
		n := min(len(rows), per)
		chunk := rows[:n]
		if _, err := q.NewInsert().Model(&chunk).Exec(ctx); err != nil {
			return errs.Wrap(err, "catalog: batch insert")
		}
		rows = rows[n:]
	}
	return nil
}

// AuditExport records that the shop's catalog is being exported (the
// export is the change: personal and commercial data leave the system), in
// a transaction of its own; an export starts only once this succeeded.
// what describes it ("CSV export published").
func (s *Service) AuditExport(ctx context.Context, what string) error {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "product.export", ObjectType: "product", After: what})
	})
}

// EachPage calls fn with every product of the shop that has status ("" for
// all), with variants, images, tags and stock, in pages of 200 in id
// order. Each page is read in a transaction of its own, so memory does not
// grow with the catalog; fn's error stops the walk and is returned.
func (s *Service) EachPage(ctx context.Context, status Status, fn func(page []*Product) error) error {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	after := ""
	for {
		var page []*Product
		err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
			sel := q.NewSelect().Model((*productRow)(nil)).Where("tenant_id = ? AND id > ?", tid, after).Order("id").Limit(200)
			if status != "" {
				sel = sel.Where("status = ?", string(status))
			}
			var rows []productRow
			if err := sel.Scan(ctx, &rows); err != nil {
				return errs.Wrap(err, "catalog: pages")
			}
			var err error
			page, err = s.hydrate(ctx, q, tid, rows)
			return err
		})
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		if err := fn(page); err != nil {
			return err
		}
		after = page[len(page)-1].ID
	}
}

// CategoryPaths returns every category's "A > B > C" path (root first),
// by id.
func (s *Service) CategoryPaths(ctx context.Context) (map[string]string, error) {
	all, err := s.Categories(ctx)
	if err != nil {
		return nil, err
	}
	return pathNames(all), nil
}

// pathNames is each category's path in all, by id.
func pathNames(all []*Category) map[string]string {
	byID := make(map[string]*Category, len(all))
	for _, c := range all {
		byID[c.ID] = c
	}
	out := make(map[string]string, len(all))
	for _, c := range all {
		var names []string
		for p := c; p != nil && len(names) < 100; p = byID[p.ParentID] {
			names = append([]string{p.Name}, names...)
		}
		out[c.ID] = strings.Join(names, " > ")
	}
	return out
}
