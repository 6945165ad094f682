package catalog

import (
	"context"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// ProductOfVariant returns the product a variant belongs to (with all its
// variants), for pages that start from a variant such as its stock ledger.
func (s *Service) ProductOfVariant(ctx context.Context, variantID string) (*Product, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var pid string
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw("SELECT product_id FROM catalog_variants WHERE tenant_id = ? AND id = ?", tid, variantID).Scan(ctx, &pid)
	})
	if store.NoRows(err) {
		return nil, errs.NotFoundf("variant not found")
	}
	if err != nil {
		return nil, errs.Wrap(err, "catalog: variant")
	}
	return s.Get(ctx, pid)
}
