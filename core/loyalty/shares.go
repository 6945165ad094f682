package loyalty

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// share is one visitor who opened a customer's share link.
type share struct {
	bun.BaseModel `bun:"table:loyalty_shares"`
	TenantID      string    `bun:"tenant_id,pk"`
	SharerID      string    `bun:"sharer_id,pk"`
	Visitor       string    `bun:"visitor,pk"`
	ProductID     string    `bun:"product_id"`
	Earned        bool      `bun:"earned"`
	CreatedAt     time.Time `bun:"created_at"`
}

// ShareParam is the query parameter of a share link: a product page's
// address with ?share=<the sharer's referral code>.
const ShareParam = "share"

// ShareClick pays the shop's SharePoints to the owner of token (their
// referral code, which their share links carry) when a new visitor opens
// the link: visitor is the visitor's pseudonymous id (core/analytics'
// VisitorID; "" counts nothing), viewerID the signed-in customer opening
// it, if any. A visitor counts once per sharer; the sharer themselves
// never; at most MaxSharesPerDay visitors are paid per sharer in 24
// hours (the others are recorded unpaid). It reports whether points were
// earned. An unknown token is nothing (a link is public: no error).
func (s *Service) ShareClick(ctx context.Context, token, productID, visitor, viewerID string) (bool, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return false, err
	}
	token = NormaliseReferralCode(token)
	if token == "" || len(token) > 32 || visitor == "" || len(visitor) > 64 || len(productID) > 64 {
		return false, nil
	}
	now := s.now()
	earned := false
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		p, err := programIn(ctx, q, tenant)
		if err != nil || !p.Settings.Enabled || p.Settings.SharePoints <= 0 {
			return err
		}
		var sharer string
		if err := q.NewSelect().Model((*account)(nil)).Column("customer_id").Where("tenant_id = ? AND referral_code = ?", tenant, token).
			Scan(ctx, &sharer); err != nil {
			if store.NoRows(err) {
				return nil
			}
			return errs.Wrap(err, "loyalty: share")
		}
		if sharer == viewerID {
			return nil // their own link
		}
		if err := known(ctx, q, tenant, sharer); err != nil {
			if errs.Is(err, errs.NotFound) {
				return nil
			}
			return err
		}
		// The sharer's account lock queues concurrent clicks, so the cap
		// below counts every click before this one.
		if _, err := lock(ctx, q, tenant, sharer, now); err != nil {
			return err
		}
		var paid int64
		if p.Settings.MaxSharesPerDay > 0 {
			if paid, err = q.NewSelect().Model((*share)(nil)).Where("tenant_id = ? AND sharer_id = ? AND earned AND created_at > ?",
				tenant, sharer, now.Add(-24*time.Hour)).Count(ctx); err != nil {
				return errs.Wrap(err, "loyalty: share")
			}
		}
		sh := &share{TenantID: tenant, SharerID: sharer, Visitor: visitor, ProductID: productID, CreatedAt: now,
			Earned: p.Settings.MaxSharesPerDay == 0 || paid < p.Settings.MaxSharesPerDay}
		res, err := q.NewInsert().Model(sh).On("CONFLICT DO NOTHING").Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "loyalty: share")
		}
		if n, _ := res.RowsAffected(); n == 0 || !sh.Earned {
			return nil // seen before, or over the cap
		}
		e, err := credit(ctx, q, post{tenant: tenant, customer: sharer, kind: KindEarn, key: "share:" + sharer + ":" + visitor,
			reason: "shared a product", now: now}, p.Settings.SharePoints, p.Settings.ExpiryDays)
		earned = e != nil
		return err
	})
	return earned, err
}
