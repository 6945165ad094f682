package analytics

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/store"
)

// What the console's dashboard reads besides the KPIs: the shop's today,
// its top products and its live visitors.

// Today is the context shop's current local day (a local midnight) with
// its settings.
func (s *Service) Today(ctx context.Context) (time.Time, Settings, error) {
	st, err := s.Settings(ctx)
	if err != nil {
		return time.Time{}, st, err
	}
	y, m, d := s.now().In(st.location()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, st.location()), st, nil
}

// TopProducts are the context shop's best-selling products by revenue
// over r (orders placed on its local days, as the sales KPIs count them),
// at most limit.
func (s *Service) TopProducts(ctx context.Context, r Range, limit int) ([]order.TopProduct, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 100 {
		return nil, errs.Field("limit", "must be 1 to 100")
	}
	var rows []order.TopProduct
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		rows, err = order.TopProducts(ctx, q, tenant, r.From.UTC(), r.To.AddDate(0, 0, 1).UTC(), limit)
		return err
	})
	return rows, err
}

// LiveWindow is how far back LiveVisitors looks.
const LiveWindow = 5 * time.Minute

// LiveVisitors counts the context shop's distinct visitors with an event
// in the last LiveWindow. It reads the raw events, not the rollups: the
// hourly rollups cannot say who was here in the last five minutes, and
// distinct visitors cannot be added up across hours. It is cheap all the
// same: the events' primary key starts with (tenant_id, occurred_at), so
// the query reads only the window's rows of one shop (and on PostgreSQL
// only today's partition); visitors flagged as bots that day and
// Do-Not-Track events (no visitor id) are left out. Events still in the
// collector's buffer (Options.Interval, 1 s by default) are not seen yet.
func (s *Service) LiveVisitors(ctx context.Context) (int64, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw(`SELECT COUNT(DISTINCT e.visitor) FROM analytics_events e
			WHERE e.tenant_id = ? AND e.occurred_at >= ? AND e.visitor <> ''
			AND NOT EXISTS (SELECT 1 FROM analytics_bots b WHERE b.tenant_id = e.tenant_id AND b.day = e.day AND b.visitor = e.visitor)`,
			tenant, s.now().Add(-LiveWindow)).Scan(ctx, &n)
	})
	if err != nil {
		return 0, errs.Wrap(err, "analytics: live visitors")
	}
	return n, nil
}
