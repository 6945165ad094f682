package loyalty

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

// SweepResult counts what one Sweep did.
type SweepResult struct {
	Expired    int64 // points
	Notices    int   // expiry notices queued
	Reviewed   int   // accounts reviewed
	Downgraded int
	// DowngradeNotices counts the e-mails telling a customer their tier
	// goes down at the coming review.
	DowngradeNotices int
	// Coupons counts the monthly coupons issued.
	Coupons int
}

// batch bounds each part of one Sweep round.
const batch = 500

type owner struct {
	TenantID   string `bun:"tenant_id"`
	CustomerID string `bun:"customer_id"`
}

// Sweep is the programme's background round, for core/jobs (every few
// minutes; ctx any, the work is scoped shop by shop): it expires lots
// whose time has come, e-mails a notice for points that expire within the
// shop's notice period (once per lot), and runs the monthly tier review
// (accounts whose tier was last set or reviewed ReviewEvery ago), with
// its notice DowngradeNotice before (see review), and issues the tiers'
// monthly coupons (see monthly). Each customer is one transaction; at
// most 500 of each kind a round (monthly coupons: per shop).
func (s *Service) Sweep(ctx context.Context) (SweepResult, error) {
	var r SweepResult
	now := s.now()
	var due, notify, preview, review []owner
	err := s.db.Read(tenancy.WithPlatform(ctx), func(ctx context.Context, q bun.IDB) error {
		if err := q.NewSelect().Model((*Lot)(nil)).ColumnExpr("DISTINCT tenant_id, customer_id").
			Where("remaining > 0 AND expires_at <= ?", now).Limit(batch).Scan(ctx, &due); err != nil && !store.NoRows(err) {
			return err
		}
		// Notice candidates: a year ahead at most; each shop's notice
		// period is applied per customer below.
		if err := q.NewSelect().Model((*Lot)(nil)).ColumnExpr("DISTINCT tenant_id, customer_id").
			Where("remaining > 0 AND notified_at IS NULL AND expires_at > ? AND expires_at <= ?", now, now.Add(3650*24*time.Hour)).
			Limit(batch).Scan(ctx, &notify); err != nil && !store.NoRows(err) {
			return err
		}
		// Reviews due within DowngradeNotice whose check has not run
		// this cycle.
		if err := q.NewSelect().Model((*account)(nil)).Column("tenant_id", "customer_id").
			Where("tier_code <> '' AND reviewed_at <= ? AND reviewed_at > ? AND (previewed_at IS NULL OR previewed_at < reviewed_at)",
				now.Add(DowngradeNotice-ReviewEvery), now.Add(-ReviewEvery)).Limit(batch).Scan(ctx, &preview); err != nil && !store.NoRows(err) {
			return err
		}
		// Reviews due, except those waiting out a notice.
		err := q.NewSelect().Model((*account)(nil)).Column("tenant_id", "customer_id").
			Where("tier_code <> '' AND (reviewed_at IS NULL OR reviewed_at <= ?) AND (notice_at IS NULL OR reviewed_at IS NULL OR notice_at < reviewed_at OR notice_at <= ?)",
				now.Add(-ReviewEvery), now.Add(-DowngradeNotice)).Limit(batch).Scan(ctx, &review)
		if store.NoRows(err) {
			return nil
		}
		return err
	})
	if err != nil {
		return r, errs.Wrap(err, "loyalty: sweep")
	}
	shops, err := s.monthlyShops(ctx)
	if err != nil {
		return r, err
	}
	for _, tenant := range shops {
		n, err := s.monthly(ctx, tenant, now)
		r.Coupons += n
		if err != nil {
			return r, err
		}
	}
	for _, o := range due {
		err := s.db.Write(tenancy.ForTenant(ctx, o.TenantID), func(ctx context.Context, q bun.IDB) error {
			if _, err := lock(ctx, q, o.TenantID, o.CustomerID, now); err != nil {
				return err
			}
			n, err := expireDue(ctx, q, o.TenantID, o.CustomerID, now)
			r.Expired += n
			return err
		})
		if err != nil {
			return r, err
		}
	}
	for _, o := range notify {
		err := s.db.Write(tenancy.ForTenant(ctx, o.TenantID), func(ctx context.Context, q bun.IDB) error {
			sent, err := s.notice(ctx, q, o, now)
			if sent {
				r.Notices++
			}
			return err
		})
		if err != nil {
			return r, err
		}
	}
	for _, o := range preview {
		err := s.db.Write(tenancy.ForTenant(ctx, o.TenantID), func(ctx context.Context, q bun.IDB) error {
			p, err := programIn(ctx, q, o.TenantID)
			if err != nil {
				return err
			}
			a, err := lock(ctx, q, o.TenantID, o.CustomerID, now)
			if err != nil {
				return err
			}
			sent, err := s.preview(ctx, q, p, a, now)
			if sent {
				r.DowngradeNotices++
			}
			return err
		})
		if err != nil {
			return r, err
		}
	}
	for _, o := range review {
		err := s.db.Write(tenancy.ForTenant(ctx, o.TenantID), func(ctx context.Context, q bun.IDB) error {
			p, err := programIn(ctx, q, o.TenantID)
			if err != nil {
				return err
			}
			a, err := lock(ctx, q, o.TenantID, o.CustomerID, now)
			if err != nil {
				return err
			}
			noticedBefore := noticed(a)
			down, err := s.review(ctx, q, p, a, now)
			r.Reviewed++
			if down {
				r.Downgraded++
			} else if !noticedBefore && noticed(a) {
				r.DowngradeNotices++
			}
			return err
		})
		if err != nil {
			return r, err
		}
	}
	return r, nil
}

// notice mails the customer about their lots expiring within the shop's
// notice period and marks them notified.
func (s *Service) notice(ctx context.Context, q bun.IDB, o owner, now time.Time) (bool, error) {
	p, err := programIn(ctx, q, o.TenantID)
	if err != nil || p.Settings.ExpiryNoticeDays == 0 {
		return false, err
	}
	var lots []Lot
	if err := q.NewSelect().Model(&lots).Where("tenant_id = ? AND customer_id = ? AND remaining > 0 AND notified_at IS NULL AND expires_at > ? AND expires_at <= ?",
		o.TenantID, o.CustomerID, now, now.Add(time.Duration(p.Settings.ExpiryNoticeDays)*24*time.Hour)).Order("expires_at").Scan(ctx); err != nil && !store.NoRows(err) {
		return false, errs.Wrap(err, "loyalty: notice")
	}
	if len(lots) == 0 {
		return false, nil
	}
	var points int64
	ids := make([]string, len(lots))
	for i, l := range lots {
		points += l.Remaining
		ids[i] = l.ID
	}
	if _, err := q.NewUpdate().Model((*Lot)(nil)).Set("notified_at = ?", now).Where("tenant_id = ? AND id IN (?)", o.TenantID, bun.List(ids)).Exec(ctx); err != nil {
		return false, errs.Wrap(err, "loyalty: notice")
	}
	first := lots[0].ExpiresAt.Format("2 January 2006")
	return true, mailCustomer(ctx, q, o.TenantID, o.CustomerID, "loyalty.expiry_notice",
		fmt.Sprintf("%d of your points expire soon", points),
		fmt.Sprintf("%d of your points expire, the first on %s. Use them at checkout before then.\n", points, first))
}

// Topics the programme listens to (Register).
const (
	TopicSignedUp       = "customer.signed_up" // customer_id
	TopicReviewApproved = "review.approved"    // customer_id, review_id
)

// TopicTierChanged is the event the programme enqueues when a customer's
// tier changes (TierChanged), for e-mail automations and other listeners.
const TopicTierChanged = "loyalty.tier_changed"

// Handlers returns the outbox handlers that drive the programme, by topic:
// paid orders earn ("order.paid", and "order.placed" for orders placed
// paid), refunds reverse ("order.refunded"), sign-ups and approved reviews
// earn. Each is idempotent (the ledger's source keys), as the outbox
// retries.
func (s *Service) Handlers() map[string]outbox.Handler {
	type payload struct {
		OrderID    string `json:"order_id"`
		RefundID   string `json:"refund_id"`
		CustomerID string `json:"customer_id"`
		ReviewID   string `json:"review_id"`
	}
	on := func(fn func(ctx context.Context, q bun.IDB, p payload, m outbox.Message) error) outbox.Handler {
		return func(ctx context.Context, m outbox.Message) error {
			var p payload
			if err := json.Unmarshal([]byte(m.Payload), &p); err != nil {
				return nil // not ours to retry
			}
			ctx = tenancy.WithActor(tenancy.ForTenant(ctx, m.TenantID), tenancy.Actor{Kind: "system", ID: "loyalty", Name: "loyalty"})
			return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error { return fn(ctx, q, p, m) })
		}
	}
	paid := on(func(ctx context.Context, q bun.IDB, p payload, _ outbox.Message) error {
		if p.OrderID == "" {
			return nil
		}
		return s.OrderPaid(ctx, q, p.OrderID)
	})
	return map[string]outbox.Handler{
		"order.paid":   paid,
		"order.placed": paid,
		"order.refunded": on(func(ctx context.Context, q bun.IDB, p payload, m outbox.Message) error {
			if p.OrderID == "" {
				return nil
			}
			return s.OrderRefunded(ctx, q, p.OrderID, nonEmpty(p.RefundID, m.ID))
		}),
		TopicSignedUp: on(func(ctx context.Context, q bun.IDB, p payload, _ outbox.Message) error {
			if p.CustomerID == "" {
				return nil
			}
			_, err := s.EarnForSignup(ctx, q, p.CustomerID)
			return err
		}),
		TopicReviewApproved: on(func(ctx context.Context, q bun.IDB, p payload, _ outbox.Message) error {
			if p.CustomerID == "" || p.ReviewID == "" {
				return nil
			}
			_, err := s.EarnForReview(ctx, q, p.CustomerID, p.ReviewID)
			return err
		}),
	}
}
