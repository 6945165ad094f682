package catalog

import (
	"context"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// Count returns how many products the shop has, whatever their status
// (what plan quotas count).
func (s *Service) Count(ctx context.Context) (int64, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw("SELECT COUNT(*) FROM catalog_products WHERE tenant_id = ?", tid).Scan(ctx, &n)
	})
	if err != nil {
		return 0, errs.Wrap(err, "catalog: count")
	}
	return n, nil
}
