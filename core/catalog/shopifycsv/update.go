package shopifycsv

import (
	"fmt"
	"slices"
	"strings"

	"github.com/wasmart/wasmart/core/catalog"
)

// An update-mode import (ImportOptions.UpdateExisting) plans each existing
// product's update from the shop's current data, reports the plan (a dry
// run stops there), and applies it (catalog.Batch.Update, in a savepoint of
// its own).

// update is what an import changes in one existing product.
type update struct {
	ProductChange
	vlines   []int // the file's line of each variant in in.Variants
	p        *catalog.Product
	in       catalog.ProductInput // merged with the product's current values, normalised
	status   catalog.Status       // the new status; "" keeps it
	catSet   bool                 // the category changes to catPath
	catPath  string
	stock    []catalog.ImportedStock // kept variants: the available stock to set
	newStock map[int]int64           // new variants (index in in.Variants): stock to receive
	images   []catalog.ExternalImage // images to add
	alts     map[string]string
	releases []string // SKUs the product gives up
}

func (u *update) unchanged() bool {
	return len(u.Fields)+len(u.VariantsAdded)+len(u.VariantsRemoved)+len(u.VariantsUpdated)+u.ImagesAdded == 0
}

// plan works out how the draft changes the existing product p. It returns
// nil (and reports why) when the update cannot be made.
func (im *importer) plan(d *draft, p *catalog.Product) (*update, error) {
	u := &update{ProductChange: ProductChange{Line: d.line, Handle: d.handle}, vlines: d.vlines, p: p, newStock: map[int]int64{}, alts: map[string]string{}}
	fail := func(line int, col, format string, args ...any) (*update, error) {
		im.problem(line, d.handle, col, fmt.Sprintf(format, args...), false)
		return nil, nil
	}
	f := d.in
	if p.Currency != im.opts.Currency {
		return fail(d.line, "Variant Price", "the product's prices are in %s but the file is read in %s", p.Currency, im.opts.Currency)
	}
	m := catalog.ProductInput{Handle: p.Handle, Role: p.Role, Currency: p.Currency, CategoryID: p.CategoryID}
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
		old, err := im.b.CategoryPath(p.CategoryID)
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
	for k := 0; k < catalog.MaxOptions; k++ {
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
		if to != from && !(from == catalog.InReview && to == catalog.Draft) {
			if !catalog.CanTransition(from, to) {
				return fail(d.line, col, "the product is %s and cannot become %s (make it a draft first)", from, to)
			}
			if im.b.SelfApproval(p, to) {
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
	in, err := im.cat.Normalize(m)
	if err != nil {
		if err := im.fieldProblem(d, err); err != nil {
			return nil, err
		}
		return nil, nil
	}
	u.in = in
	for i, mv := range in.Variants {
		title := (&catalog.Variant{Options: mv.Options}).Title()
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
		if d.hasQty[i] && d.qty[i] != avail && im.b.ImportsStock() {
			u.stock = append(u.stock, catalog.ImportedStock{VariantID: ev.ID, Quantity: d.qty[i]})
			after = d.qty[i]
			changed = true
		}
		if _, _, tracked := mv.Effective(&ev); after < 0 && tracked && !mv.AllowBackorder {
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
	have := map[string][]catalog.Image{}
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
		u.images = append(u.images, catalog.ExternalImage{Src: x.src, Alt: x.alt})
		u.ImagesAdded++
	}
	if altChanged {
		u.Fields = append(u.Fields, "Image Alt Text")
	}
	return u, nil
}

// mergeVariant is the file's variant fv for the existing variant ev:
// the file's values for the columns it has, ev's for the others.
func (im *importer) mergeVariant(fv catalog.VariantInput, ev catalog.Variant) catalog.VariantInput {
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
func variantDiffers(ev catalog.Variant, mv catalog.VariantInput) bool {
	taxCode, weightUnit, tracked := mv.Effective(&ev)
	return ev.Options != mv.Options || ev.SKU != mv.SKU || ev.Barcode != mv.Barcode || ev.Price != mv.Price ||
		!eqPtr(ev.CompareAtPrice, mv.CompareAtPrice) || !eqPtr(ev.Cost, mv.Cost) || ev.WeightGrams != mv.WeightGrams ||
		ev.LengthMM != mv.LengthMM || ev.WidthMM != mv.WidthMM || ev.HeightMM != mv.HeightMM || ev.SafetyStock != mv.SafetyStock ||
		ev.AllowBackorder != mv.AllowBackorder || ev.RequiresShipping != (mv.RequiresShipping == nil || *mv.RequiresShipping) ||
		ev.Taxable != (mv.Taxable == nil || *mv.Taxable) || ev.ImageSrc != mv.ImageSrc ||
		ev.TaxCode != taxCode || ev.WeightUnit != weightUnit || ev.InventoryTracked != tracked
}

func eqPtr[T comparable](a, b *T) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// apply writes one planned update. A refusal (say, the product was edited
// meanwhile) is reported at the product's line; the import goes on.
func (im *importer) apply(u *update) error {
	err := im.b.Update(catalog.ProductUpdate{ID: u.p.ID, Version: u.p.Version, Input: u.in, SetCategory: u.catSet, CategoryPath: u.catPath,
		Status: u.status, Comment: "CSV import", Stock: u.stock, NewStock: u.newStock, Images: u.images, ImageAlts: u.alts})
	if err == nil {
		im.rep.Imported++
		return nil
	}
	if err := im.fieldProblemAt(u.Handle, u.Line, u.vlines, "the product could not be updated: ", err); err != nil {
		return err
	}
	im.rep.Ready--
	im.rep.Updated--
	im.rep.Skipped++
	return nil
}
