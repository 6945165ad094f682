package analytics

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

// partitionsAhead is how many days of event partitions exist ahead of
// today on PostgreSQL.
const partitionsAhead = 7

// Maintain is the hourly housekeeping: on PostgreSQL it creates the event
// partitions of the coming week and drops the partitions older than the
// longest raw-event retention of any shop; on both engines it deletes each
// shop's raw events past its own retention, rollups past the rollup
// retention, salts older than two days (so visitor ids cannot be
// recomputed) and the bot flags of past days.
func (s *Service) Maintain(ctx context.Context) error {
	ctx = tenancy.WithPlatform(ctx)
	now := s.now()
	today := now.Truncate(24 * time.Hour)
	var custom []Settings
	err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&custom).Scan(ctx)
	})
	if err != nil && !store.NoRows(err) {
		return errs.Wrap(err, "analytics: settings")
	}
	longest := DefaultRawRetentionDays
	for _, st := range custom {
		longest = max(longest, st.RawRetentionDays)
	}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if s.db.Dialect() == store.Postgres {
			if _, err := q.ExecContext(ctx, "SELECT analytics_events_partitions(?::date, ?::date)",
				today.AddDate(0, 0, -1).Format(time.DateOnly), today.AddDate(0, 0, partitionsAhead).Format(time.DateOnly)); err != nil {
				return err
			}
			// A partition holds one UTC day; it goes when the whole day
			// is past every shop's retention (plus a day of margin for
			// shops east of UTC).
			if _, err := q.ExecContext(ctx, "SELECT analytics_events_drop_before(?::date)",
				today.AddDate(0, 0, -longest-1).Format(time.DateOnly)); err != nil {
				return err
			}
		}
		if _, err := q.ExecContext(ctx, `DELETE FROM analytics_events WHERE occurred_at < ?
			AND tenant_id NOT IN (SELECT tenant_id FROM analytics_settings)`, now.AddDate(0, 0, -DefaultRawRetentionDays)); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `DELETE FROM analytics_daily WHERE day < ?
			AND tenant_id NOT IN (SELECT tenant_id FROM analytics_settings)`, now.AddDate(0, 0, -DefaultRetentionDays).Format(time.DateOnly)); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `DELETE FROM analytics_hourly WHERE day < ?
			AND tenant_id NOT IN (SELECT tenant_id FROM analytics_settings)`, now.AddDate(0, 0, -DefaultRetentionDays).Format(time.DateOnly)); err != nil {
			return err
		}
		for _, st := range custom {
			if _, err := q.ExecContext(ctx, "DELETE FROM analytics_events WHERE tenant_id = ? AND occurred_at < ?",
				st.TenantID, now.AddDate(0, 0, -st.RawRetentionDays)); err != nil {
				return err
			}
			cut := now.AddDate(0, 0, -st.RetentionDays).Format(time.DateOnly)
			if _, err := q.ExecContext(ctx, "DELETE FROM analytics_daily WHERE tenant_id = ? AND day < ?", st.TenantID, cut); err != nil {
				return err
			}
			if _, err := q.ExecContext(ctx, "DELETE FROM analytics_hourly WHERE tenant_id = ? AND day < ?", st.TenantID, cut); err != nil {
				return err
			}
		}
		// Local days run up to 14 hours ahead of UTC: a salt of the UTC
		// day before yesterday is no shop's today.
		if _, err := q.ExecContext(ctx, "DELETE FROM analytics_salts WHERE day < ?", today.AddDate(0, 0, -1).Format(time.DateOnly)); err != nil {
			return err
		}
		_, err := q.ExecContext(ctx, "DELETE FROM analytics_bots WHERE day < ?", today.AddDate(0, 0, -2).Format(time.DateOnly))
		return err
	})
	if err != nil {
		return errs.Wrap(err, "analytics: maintain")
	}
	s.wmu.Lock()
	clear(s.salts)
	old := today.AddDate(0, 0, -1).Format(time.DateOnly)
	for k := range s.flagged {
		if _, rest, _ := strings.Cut(k, "\x00"); rest[:min(len(rest), len(old))] < old {
			delete(s.flagged, k)
		}
	}
	s.wmu.Unlock()
	return nil
}
