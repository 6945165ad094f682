package catalog

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

// An update-mode import (ImportOptions.UpdateExisting) plans each existing
// product's update from the shop's current data, reports the plan (a dry
// run stops there), and applies it in a savepoint of its own.

// update is what an import changes in one existing product.
type update struct {
	ProductChange
	vlines   []int // the file's line of each variant in in.Variants
	row      *productRow
	in       ProductInput // merged with the product's current values, normalised
	status   Status       // the new status; "" keeps it
	catSet   bool         // the category changes to catPath
	catPath  string
	stock    []ImportedStock // kept variants: the available stock to set
	newStock map[int]int64   // new variants (index in in.Variants): stock to receive
	images   []draftImage    // images to add
	alts     map[string]string
	releases []string // SKUs the product gives up
}

func (u *update) unchanged() bool {
	return len(u.Fields)+len(u.VariantsAdded)+len(u.VariantsRemoved)+len(u.VariantsUpdated)+u.ImagesAdded == 0
}

// load reads the products an update-mode batch touches, with their
// variants, images, tags and stock.
func (im *importer) load(rows []productRow) (map[string]*Product, error) {
	ps, err := im.s.hydrate(im.ctx, im.q, im.tid, rows)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*Product, len(ps))
	for _, p := range ps {
		out[p.ID] = p
	}
	return out, nil
}

// categoryPath is a category's "A > B > C" path, as the export writes it.
func (im *importer) categoryPath(id string) (string, error) {
	if id == "" {
		return "", nil
	}
	if im.catPaths == nil {
		var rows []categoryRow
		if err := im.q.NewSelect().Model(&rows).Where("tenant_id = ?", im.tid).Scan(im.ctx); err != nil {
			return "", errs.Wrap(err, "catalog: import categories")
		}
		byID := make(map[string]*categoryRow, len(rows))
		for i := range rows {
			byID[rows[i].ID] = &rows[i]
		}
		im.catPaths = make(map[string]string, len(rows))
		for _, r := range rows {
			var names []string
			for c := byID[r.ID]; c != nil && len(names) < 100; {
				names = append([]string{c.Name}, names...)
				if c.ParentID == nil {
					break
				}
				c = byID[*c.ParentID]
			}
			im.catPaths[r.ID] = strings.Join(names, " > ")
		}
	}
	return im.catPaths[id], nil
}

// plan works out how the draft changes the existing product p. It returns
// nil (and reports why) when the update cannot be made.
func (im *importer) plan(d *draft, row *productRow, p *Product) (*update, error) {
	if p == nil {
		return nil, errs.E(errs.Internal, "catalog: import: product %s not loaded", row.ID)
	}
	u := &update{ProductChange: ProductChange{Line: d.line, Handle: d.handle}, vlines: d.vlines, row: row, newStock: map[int]int64{}, alts: map[string]string{}}
	fail := func(line int, col, format string, args ...any) (*update, error) {
		im.problem(line, d.handle, col, fmt.Sprintf(format, args...), false)
		return nil, nil
	}
	f := d.in
	if p.Currency != im.opts.Currency {
		return fail(d.line, "Variant Price", "the product's prices are in %s but the file is read in %s", p.Currency, im.opts.Currency)
	}
	m := ProductInput{Handle: p.Handle, Role: p.Role, Currency: p.Currency, CategoryID: p.CategoryID}
	for _, c := range []struct {
		col, name string
		file, cur string
		dst       *string
	}{
		{colTitle, "Title", f.Title, p.Title, &m.Title}, {colBody, "Body (HTML)", f.BodyHTML, p.BodyHTML, &m.BodyHTML},
		{colVendor, "Vendor", f.Vendor, p.Vendor, &m.Vendor}, {colType, "Type", f.ProductType, p.ProductType, &m.ProductType},
		{colSEOTitle, "SEO Title", f.SEOTitle, p.SEOTitle, &m.SEOTitle}, {colSEODesc, "SEO Description", f.SEODescription, p.SEODescription, &m.SEODescription},
	} {
		*c.dst = c.cur
		if im.has(c.col) {
			*c.dst = c.file
			if c.file != c.cur {
				u.Fields = append(u.Fields, c.name)
			}
		}
	}
	m.Tags = p.Tags
	if im.has(colTags) {
		m.Tags = f.Tags
		if a, b := slices.Sorted(slices.Values(f.Tags)), slices.Sorted(slices.Values(p.Tags)); !slices.Equal(a, b) {
			u.Fields = append(u.Fields, "Tags")
		}
	}
	if im.has(colCategory) {
		old, err := im.categoryPath(p.CategoryID)
		if err != nil {
			return nil, err
		}
		if d.category != old {
			u.catSet, u.catPath = true, d.category
			u.Fields = append(u.Fields, "Product Category")
		}
	}
	// The file's options and variants replace the product's.
	m.Options = f.Options
	for k := 0; k < MaxOptions; k++ {
		var was, now string
		if k < len(p.Options) {
			was = p.Options[k].Name
		}
		if k < len(f.Options) {
			now = f.Options[k]
		}
		if was != now {
			u.Fields = append(u.Fields, fmt.Sprintf("Option%d Name", k+1))
		}
	}
	g := p.Google
	for i, c := range googleCSV {
		if !im.has(strings.ToLower(c)) {
			continue
		}
		changed := false
		if dst := googleField(&g, i); dst != nil {
			src := *googleField(f.Google, i)
			changed, *dst = *dst != src, src
		} else {
			changed = !eqPtr(g.CustomProduct, f.Google.CustomProduct)
			g.CustomProduct = f.Google.CustomProduct
		}
		if changed {
			u.Fields = append(u.Fields, c)
		}
	}
	m.Google = &g
	if im.opts.Status == "" && (im.has(colStatus) || im.has(colPublished)) {
		from, to := p.Status, f.Status
		col := "Status"
		if !im.has(colStatus) {
			col = "Published"
		}
		// The export writes "draft" for a product in review.
		if to != from && !(from == InReview && to == Draft) {
			if !CanTransition(from, to) {
				return fail(d.line, col, "the product is %s and cannot become %s (make it a draft first)", from, to)
			}
			actor := tenancy.ActorFrom(im.ctx)
			if im.s.opts.FourEyes && from == InReview && to == Published && row.SubmittedBy != "" && row.SubmittedBy == actor.Kind+":"+actor.ID {
				return fail(d.line, col, "another staff member must approve this product")
			}
			u.status = to
			u.Fields = append(u.Fields, col)
		}
	}
	// Variants: the file's, matched to the product's by SKU, then by
	// option values; columns the file lacks keep the matched variant's
	// values.
	used := make([]bool, len(p.Variants))
	match := make([]int, len(f.Variants))
	bySKU, byOpts := map[string]int{}, map[[3]string]int{}
	for j, ev := range p.Variants {
		if ev.SKU != "" {
			bySKU[ev.SKU] = j
		}
		byOpts[ev.Options] = j
	}
	for i, fv := range f.Variants {
		j := -1
		if k, ok := bySKU[fv.SKU]; ok && fv.SKU != "" && !used[k] {
			j = k
		} else if k, ok := byOpts[fv.Options]; ok && !used[k] {
			j = k
		}
		match[i] = j
		if j < 0 {
			m.Variants = append(m.Variants, fv)
			continue
		}
		used[j] = true
		m.Variants = append(m.Variants, im.mergeVariant(fv, p.Variants[j]))
	}
	in, err := im.s.normalize(m)
	if err != nil {
		if err := im.fieldProblem(d, err); err != nil {
			return nil, err
		}
		return nil, nil
	}
	u.in = in
	for i, mv := range in.Variants {
		title := (&Variant{Options: mv.Options}).Title()
		j := match[i]
		if j < 0 {
			u.VariantsAdded = append(u.VariantsAdded, title)
			if d.qty[i] != 0 {
				u.newStock[i] = d.qty[i]
			}
			continue
		}
		ev := p.Variants[j]
		changed := ev.Position != i+1 || variantDiffers(ev, mv)
		if ev.SKU != "" && ev.SKU != mv.SKU {
			u.releases = append(u.releases, ev.SKU)
		}
		var avail int64
		if ev.Stock != nil {
			avail = ev.Stock.Available
		}
		after := avail
		if d.hasQty[i] && d.qty[i] != avail && im.s.opts.StockSink != nil {
			u.stock = append(u.stock, ImportedStock{VariantID: ev.ID, Quantity: d.qty[i]})
			after = d.qty[i]
			changed = true
		}
		var row variantRow
		mv.fill(&row, &variantRow{TaxCode: ev.TaxCode, WeightUnit: ev.WeightUnit, InventoryTracked: ev.InventoryTracked})
		if after < 0 && row.InventoryTracked && !mv.AllowBackorder {
			return fail(d.vlines[i], "Variant Inventory Policy", "the variant's stock is %d, which needs Variant Inventory Policy = continue (or a Variant Inventory Qty of 0 or more)", after)
		}
		if changed {
			u.VariantsUpdated = append(u.VariantsUpdated, title)
		}
	}
	for j, ev := range p.Variants {
		if used[j] {
			continue
		}
		if ev.Stock != nil && ev.Stock.Reserved > 0 {
			return fail(d.line, "", "variant %q is not in the file but has %d units reserved by checkouts, so it cannot be removed; keep its row or archive the product",
				ev.Title(), ev.Stock.Reserved)
		}
		u.VariantsRemoved = append(u.VariantsRemoved, ev.Title())
		if ev.SKU != "" {
			u.releases = append(u.releases, ev.SKU)
		}
	}
	// Images are added, never removed (an uploaded image cannot come back
	// from a URL); an external image's alt text follows the file. The
	// file's images are matched to the product's by URL, in order (a URL
	// may appear twice).
	have := map[string][]Image{}
	for _, x := range p.Images {
		if x.Src != "" {
			have[x.Src] = append(have[x.Src], x)
		}
	}
	altChanged := false
	for _, x := range sortImages(d.images) {
		if olds := have[x.src]; len(olds) > 0 {
			have[x.src] = olds[1:]
			if im.has(colImageAlt) && olds[0].Alt != x.alt {
				u.alts[olds[0].ID] = x.alt
				altChanged = true
			}
			continue
		}
		u.images = append(u.images, x)
		u.ImagesAdded++
	}
	if altChanged {
		u.Fields = append(u.Fields, "Image Alt Text")
	}
	return u, nil
}

// mergeVariant is the file's variant fv for the existing variant ev:
// the file's values for the columns it has, ev's for the others.
func (im *importer) mergeVariant(fv VariantInput, ev Variant) VariantInput {
	mv := fv
	mv.ID = ev.ID
	mv.LengthMM, mv.WidthMM, mv.HeightMM, mv.SafetyStock = ev.LengthMM, ev.WidthMM, ev.HeightMM, ev.SafetyStock
	keep := func(col string, apply func()) {
		if !im.has(col) {
			apply()
		}
	}
	keep(colSKU, func() { mv.SKU = ev.SKU })
	keep(colBarcode, func() { mv.Barcode = ev.Barcode })
	keep(colCompareAt, func() { mv.CompareAtPrice = ev.CompareAtPrice })
	keep(colCost, func() { mv.Cost = ev.Cost })
	keep(colGrams, func() { mv.WeightGrams = ev.WeightGrams })
	keep(colPolicy, func() { mv.AllowBackorder = ev.AllowBackorder })
	keep(colShipping, func() { b := ev.RequiresShipping; mv.RequiresShipping = &b })
	keep(colTaxable, func() { b := ev.Taxable; mv.Taxable = &b })
	keep(colVariantImage, func() { mv.ImageSrc = ev.ImageSrc })
	return mv
}

// variantDiffers reports whether writing mv changes ev.
func variantDiffers(ev Variant, mv VariantInput) bool {
	var row variantRow
	mv.fill(&row, &variantRow{TaxCode: ev.TaxCode, WeightUnit: ev.WeightUnit, InventoryTracked: ev.InventoryTracked})
	return ev.Options != mv.Options || ev.SKU != mv.SKU || ev.Barcode != mv.Barcode || ev.Price != mv.Price ||
		!eqPtr(ev.CompareAtPrice, mv.CompareAtPrice) || !eqPtr(ev.Cost, mv.Cost) || ev.WeightGrams != mv.WeightGrams ||
		ev.LengthMM != mv.LengthMM || ev.WidthMM != mv.WidthMM || ev.HeightMM != mv.HeightMM || ev.SafetyStock != mv.SafetyStock ||
		ev.AllowBackorder != mv.AllowBackorder || ev.RequiresShipping != (mv.RequiresShipping == nil || *mv.RequiresShipping) ||
		ev.Taxable != (mv.Taxable == nil || *mv.Taxable) || ev.ImageSrc != mv.ImageSrc ||
		ev.TaxCode != row.TaxCode || ev.WeightUnit != row.WeightUnit || ev.InventoryTracked != row.InventoryTracked
}

func eqPtr[T comparable](a, b *T) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// apply writes one planned update in a savepoint: the product, its
// variants, status, stock and images change together or not at all. A
// refusal (say, the product was edited meanwhile) is reported at the
// product's line; the import goes on.
func (im *importer) apply(u *update) error {
	err := im.q.RunInTx(im.ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		in := u.in
		if u.catSet {
			in.CategoryID = ""
			if u.catPath != "" {
				id, err := im.s.ensureCategoryPath(ctx, tx, im.tid, u.catPath, im.cats)
				if err != nil {
					return err
				}
				in.CategoryID = id
			}
		}
		id := u.row.ID
		if err := im.s.updateIn(ctx, tx, im.tid, id, u.row.Version, in); err != nil {
			return err
		}
		if u.status != "" {
			if err := im.s.transition(ctx, tx, im.tid, id, u.status, TransitionOptions{Comment: "CSV import"}, tenancy.ActorFrom(ctx)); err != nil {
				return err
			}
		}
		sink := im.s.opts.StockSink
		if len(u.stock) > 0 && sink != nil {
			if err := sink.SetImportedStock(ctx, tx, im.tid, u.stock); err != nil {
				return err
			}
		}
		if len(u.newStock) > 0 && sink != nil {
			var vars []variantRow
			if err := tx.NewSelect().Model(&vars).Column("id", "position", "allow_backorder", "inventory_tracked").
				Where("tenant_id = ? AND product_id = ?", im.tid, id).Scan(ctx); err != nil {
				return errs.Wrap(err, "catalog: import variants")
			}
			var levels []ImportedStock
			for _, v := range vars {
				if q, ok := u.newStock[v.Position-1]; ok {
					levels = append(levels, ImportedStock{VariantID: v.ID, Quantity: q, AllowBackorder: v.AllowBackorder || !v.InventoryTracked})
				}
			}
			if err := sink.ImportStock(ctx, tx, im.tid, levels); err != nil {
				return err
			}
		}
		if len(u.images) > 0 {
			var pos int
			if err := tx.NewRaw("SELECT COALESCE(MAX(position), 0) FROM catalog_images WHERE tenant_id = ? AND product_id = ?", im.tid, id).Scan(ctx, &pos); err != nil {
				return errs.Wrap(err, "catalog: import images")
			}
			now := im.s.now()
			rows := make([]imageRow, len(u.images))
			for i, x := range u.images {
				rows[i] = imageRow{TenantID: im.tid, ID: store.NewID(), ProductID: id, Position: pos + i + 1, Src: x.src, Alt: x.alt, CreatedAt: now}
			}
			if err := insertChunks(ctx, tx, rows, 14); err != nil {
				return err
			}
		}
		for imgID, alt := range u.alts {
			if _, err := tx.NewRaw("UPDATE catalog_images SET alt = ? WHERE tenant_id = ? AND id = ?", alt, im.tid, imgID).Exec(ctx); err != nil {
				return errs.Wrap(err, "catalog: import images")
			}
		}
		return nil
	})
	if err == nil {
		im.rep.Imported++
		return nil
	}
	// Categories made inside the rolled-back savepoint are gone.
	im.cats = map[string]string{}
	if err := im.fieldProblemAt(u.Handle, u.Line, u.vlines, "the product could not be updated: ", err); err != nil {
		return err
	}
	im.rep.Ready--
	im.rep.Updated--
	im.rep.Skipped++
	return nil
}
