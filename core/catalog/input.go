package catalog

import (
	"context"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// InputOf is the ProductInput that keeps product p as it is (every
// editable field and variant), for callers that change a few fields and
// Update (core/experiment applying a test's winner).
func InputOf(p *Product) ProductInput {
	in := ProductInput{Handle: p.Handle, Title: p.Title, BodyHTML: p.BodyHTML, Vendor: p.Vendor, ProductType: p.ProductType,
		CategoryID: p.CategoryID, Role: p.Role, SEOTitle: p.SEOTitle, SEODescription: p.SEODescription, Currency: p.Currency,
		Tags: append([]string(nil), p.Tags...)}
	for _, o := range p.Options {
		in.Options = append(in.Options, o.Name)
	}
	for _, v := range p.Variants {
		requires, taxable, tracked, code := v.RequiresShipping, v.Taxable, v.InventoryTracked, v.TaxCode
		in.Variants = append(in.Variants, VariantInput{ID: v.ID, SKU: v.SKU, Barcode: v.Barcode, Options: v.Options, Price: v.Price,
			CompareAtPrice: v.CompareAtPrice, Cost: v.Cost, WeightGrams: v.WeightGrams, LengthMM: v.LengthMM, WidthMM: v.WidthMM,
			HeightMM: v.HeightMM, AllowBackorder: v.AllowBackorder, SafetyStock: v.SafetyStock, RequiresShipping: &requires,
			Taxable: &taxable, ImageSrc: v.ImageSrc, TaxCode: &code, WeightUnit: v.WeightUnit, InventoryTracked: &tracked})
	}
	return in
}

// Within runs fn in the batch's transaction, for a caller whose own rows
// must commit or roll back with what the batch writes.
func (b *Batch) Within(fn func(ctx context.Context, q bun.IDB) error) error {
	if !b.write {
		return errs.E(errs.Internal, "catalog: write in a read-only batch")
	}
	return fn(b.ctx, b.q)
}

// PutImagesFirst shows the product's images ids first, in that order,
// and its other images after them in their order.
func (b *Batch) PutImagesFirst(productID string, ids []string) error {
	if !b.write {
		return errs.E(errs.Internal, "catalog: write in a read-only batch")
	}
	var have []string
	if err := b.q.NewRaw("SELECT id FROM catalog_images WHERE tenant_id = ? AND product_id = ? ORDER BY position, id", b.tid, productID).Scan(b.ctx, &have); err != nil && !store.NoRows(err) {
		return errs.Wrap(err, "catalog: image order")
	}
	first := map[string]bool{}
	order := make([]string, 0, len(have))
	exists := map[string]bool{}
	for _, id := range have {
		exists[id] = true
	}
	for _, id := range ids {
		if exists[id] && !first[id] {
			first[id] = true
			order = append(order, id)
		}
	}
	for _, id := range have {
		if !first[id] {
			order = append(order, id)
		}
	}
	for i, id := range order {
		if _, err := b.q.NewRaw("UPDATE catalog_images SET position = ? WHERE tenant_id = ? AND id = ?", i+1, b.tid, id).Exec(b.ctx); err != nil {
			return errs.Wrap(err, "catalog: image order")
		}
	}
	return nil
}
