package analytics

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/store"
)

// Attribution is the traffic source of the shopper's current session (the
// visitor the request h comes from, in the context's shop): that of the
// session's first event, read from the day's events. A Do-Not-Track
// shopper, a bot or a visitor not yet counted today gets none, and events
// still in the buffer (written within Options.Interval, 1 s by default)
// are not seen yet. Checkout writes it on the order (channel attribution).
func (s *Service) Attribution(ctx context.Context, h Hit) (order.Attribution, error) {
	if s == nil || h.NoTrack || IsBot(h.UserAgent) {
		return order.Attribution{}, nil
	}
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return order.Attribution{}, err
	}
	now := s.now()
	var src SourceKey
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		st := defaultSettings(tenant)
		if err := readSettings(ctx, q, tenant, &st); err != nil {
			return err
		}
		day := now.In(st.location()).Format(time.DateOnly)
		salt, err := loadSalt(ctx, q, tenant, day, false)
		if err != nil || salt == nil {
			return err
		}
		var evs []rollEvent
		err = q.NewSelect().Model((*eventRow)(nil)).Column("occurred_at", "source", "medium", "campaign").
			Where("tenant_id = ? AND day = ? AND visitor = ?", tenant, day, visitorID(salt, tenant, h.IP, h.UserAgent)).
			OrderExpr("occurred_at DESC").Limit(1000).Scan(ctx, &evs)
		if err != nil && !store.NoRows(err) {
			return err
		}
		if len(evs) == 0 || now.Sub(evs[0].OccurredAt) >= SessionGap {
			return nil
		}
		first := 0
		for i := 1; i < len(evs) && evs[i-1].OccurredAt.Sub(evs[i].OccurredAt) < SessionGap; i++ {
			first = i
		}
		src = evs[first].source()
		return nil
	})
	if err != nil {
		return order.Attribution{}, errs.Wrap(err, "analytics: attribution")
	}
	return order.Attribution{Source: src.Source, Medium: src.Medium, Campaign: src.Campaign}, nil
}

// VisitorID is the pseudonymous id core/analytics counts the request's
// visitor under today (the shop's day; the id changes every day, by
// design), for other packages that must tell visitors apart without a
// cookie (core/loyalty's share links). It is "" for a bot or a browser
// that asks not to be tracked.
func (s *Service) VisitorID(ctx context.Context, h Hit) (string, error) {
	if s == nil || h.NoTrack || IsBot(h.UserAgent) {
		return "", nil
	}
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return "", err
	}
	now := s.now()
	var id string
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		st := defaultSettings(tenant)
		if err := readSettings(ctx, q, tenant, &st); err != nil {
			return err
		}
		salt, err := loadSalt(ctx, q, tenant, now.In(st.location()).Format(time.DateOnly), true)
		if err != nil || salt == nil {
			return err
		}
		id = visitorID(salt, tenant, h.IP, h.UserAgent)
		return nil
	})
	return id, errs.Wrap(err, "analytics: visitor")
}
