package aftersales

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// ComplaintTimes lists when the tenant's complaint tickets were opened in
// [from, to), in q: what core/analytics counts for the complaint rate.
func ComplaintTimes(ctx context.Context, q bun.IDB, tenantID string, from, to time.Time) ([]time.Time, error) {
	var out []time.Time
	err := q.NewSelect().TableExpr("tickets").Column("created_at").
		Where("tenant_id = ? AND kind = ? AND created_at >= ? AND created_at < ?", tenantID, KindComplaint, from, to).Scan(ctx, &out)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "aftersales.ComplaintTimes")
	}
	return out, nil
}

// ReturnTimes lists when the tenant's return requests that were not
// rejected were opened in [from, to), in q: what core/analytics counts for
// the return rate.
func ReturnTimes(ctx context.Context, q bun.IDB, tenantID string, from, to time.Time) ([]time.Time, error) {
	var out []time.Time
	err := q.NewSelect().TableExpr("returns").Column("created_at").
		Where("tenant_id = ? AND status <> 'rejected' AND created_at >= ? AND created_at < ?", tenantID, from, to).Scan(ctx, &out)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "aftersales.ReturnTimes")
	}
	return out, nil
}
