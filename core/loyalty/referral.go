package loyalty

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/store"
)

// Referral statuses.
const (
	ReferralPending  = "pending"  // linked; the referred customer has no paid order yet
	ReferralRewarded = "rewarded" // their first order was paid: both got points
	ReferralReversed = "reversed" // that order was refunded in full or cancelled: points taken back
)

// Referral links a referred customer to who referred them.
type Referral struct {
	bun.BaseModel `bun:"table:loyalty_referrals" json:"-"`
	TenantID      string     `bun:"tenant_id,pk" json:"-"`
	ReferredID    string     `bun:"referred_id,pk" json:"referred_id"`
	ReferrerID    string     `bun:"referrer_id" json:"referrer_id"`
	Status        string     `bun:"status" json:"status"`
	OrderID       string     `bun:"order_id" json:"order_id,omitempty"`
	CreatedAt     time.Time  `bun:"created_at" json:"created_at"`
	RewardedAt    *time.Time `bun:"rewarded_at" json:"rewarded_at,omitempty"`
}

// NormaliseReferralCode is a code as typed or taken from a link, in the
// form it is stored.
func NormaliseReferralCode(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// Refer links the customer to the owner of code. It refuses (a 422 on
// "referral_code") an unknown code, the customer's own code or that of an
// account with the same e-mail, a customer who already has a referrer, and
// one whose first order is already paid.
func (s *Service) Refer(ctx context.Context, customerID, code string) (*Referral, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	code = NormaliseReferralCode(code)
	if customerID == "" {
		return nil, errs.Field("customer_id", "is required")
	}
	if code == "" || len(code) > 32 {
		return nil, errs.Field("referral_code", "is not a referral code")
	}
	refused := func(msg string) error {
		return &errs.Error{Code: errs.Unprocessable, Field: "referral_code", Message: msg}
	}
	now := s.now()
	var r *Referral
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		var owner account
		if err := q.NewSelect().Model(&owner).Where("tenant_id = ? AND referral_code = ?", tenant, code).Scan(ctx); err != nil {
			if store.NoRows(err) {
				return refused("this referral code is not known")
			}
			return errs.Wrap(err, "loyalty: refer")
		}
		if owner.CustomerID == customerID {
			return refused("you cannot refer yourself")
		}
		me, err := customer.FactsIn(ctx, q, tenant, customerID)
		if err != nil {
			return err
		}
		them, err := customer.FactsIn(ctx, q, tenant, owner.CustomerID)
		if err != nil {
			return err
		}
		if me == nil || them == nil {
			return refused("this referral code is not known")
		}
		if me.Email != "" && strings.EqualFold(me.Email, them.Email) {
			return refused("you cannot refer yourself")
		}
		if _, err := lock(ctx, q, tenant, customerID, now); err != nil {
			return err
		}
		mutual, err := q.NewSelect().Model((*Referral)(nil)).Where("tenant_id = ? AND referred_id = ? AND referrer_id = ?", tenant, owner.CustomerID, customerID).Count(ctx)
		if err != nil {
			return errs.Wrap(err, "loyalty: refer")
		}
		if mutual > 0 {
			return refused("you referred this customer; they cannot refer you")
		}
		paid, err := q.NewSelect().Model((*orderRow)(nil)).Where("tenant_id = ? AND customer_id = ? AND paid_at IS NOT NULL", tenant, customerID).Count(ctx)
		if err != nil {
			return errs.Wrap(err, "loyalty: refer")
		}
		if paid > 0 {
			return refused("referrals are for new customers, before their first order")
		}
		r = &Referral{TenantID: tenant, ReferredID: customerID, ReferrerID: owner.CustomerID, Status: ReferralPending, CreatedAt: now}
		res, err := q.NewInsert().Model(r).On("CONFLICT DO NOTHING").Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "loyalty: refer")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return refused("you already have a referrer")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Referrals lists whom the customer referred, newest first (at most 200).
func (s *Service) Referrals(ctx context.Context, referrerID string) ([]Referral, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	out := []Referral{}
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		err := q.NewSelect().Model(&out).Where("tenant_id = ? AND referrer_id = ?", tenant, referrerID).Order("created_at DESC").Limit(200).Scan(ctx)
		if store.NoRows(err) {
			return nil
		}
		return errs.Wrap(err, "loyalty: referrals")
	})
	return out, err
}

// rewardReferral rewards both sides of a pending referral of o's customer
// (whose first paid order o is), in q; the referred customer's account is
// locked already, the referrer's is locked here.
func (s *Service) rewardReferral(ctx context.Context, q bun.IDB, p *Program, o *order.Order, now time.Time) error {
	var r Referral
	if err := q.NewSelect().Model(&r).Where("tenant_id = ? AND referred_id = ? AND status = ?", o.TenantID, o.CustomerID, ReferralPending).Scan(ctx); err != nil {
		if store.NoRows(err) {
			return nil
		}
		return errs.Wrap(err, "loyalty: referral")
	}
	if max := p.Settings.MaxReferralsPerMonth; max > 0 {
		n, err := q.NewSelect().Model((*Referral)(nil)).Where("tenant_id = ? AND referrer_id = ? AND status = ? AND rewarded_at > ?",
			o.TenantID, r.ReferrerID, ReferralRewarded, now.Add(-30*24*time.Hour)).Count(ctx)
		if err != nil {
			return errs.Wrap(err, "loyalty: referral")
		}
		if int64(n) >= max {
			return nil // over the cap: stays pending, never rewarded for a later order
		}
	}
	if _, err := q.NewUpdate().Model(&r).Set("status = ?, order_id = ?, rewarded_at = ?", ReferralRewarded, o.ID, now).WherePK().Exec(ctx); err != nil {
		return errs.Wrap(err, "loyalty: referral")
	}
	if _, err := credit(ctx, q, post{tenant: o.TenantID, customer: o.CustomerID, kind: KindEarn, key: "referred:" + o.CustomerID, orderID: o.ID,
		reason: "welcome: referred by a friend", now: now}, p.Settings.ReferredPoints, p.Settings.ExpiryDays); err != nil {
		return err
	}
	if _, err := lock(ctx, q, o.TenantID, r.ReferrerID, now); err != nil {
		return err
	}
	_, err := credit(ctx, q, post{tenant: o.TenantID, customer: r.ReferrerID, kind: KindEarn, key: "referrer:" + o.CustomerID, orderID: o.ID,
		reason: "a friend you referred placed their first order", now: now}, p.Settings.ReferrerPoints, p.Settings.ExpiryDays)
	return err
}

// reverseReferral takes back both rewards of the referral rewarded for
// orderID, in q.
func (s *Service) reverseReferral(ctx context.Context, q bun.IDB, tenant, orderID string, now time.Time) error {
	var r Referral
	if err := q.NewSelect().Model(&r).Where("tenant_id = ? AND order_id = ? AND status = ?", tenant, orderID, ReferralRewarded).Scan(ctx); err != nil {
		if store.NoRows(err) {
			return nil
		}
		return errs.Wrap(err, "loyalty: referral")
	}
	if _, err := q.NewUpdate().Model(&r).Set("status = ?", ReferralReversed).WherePK().Exec(ctx); err != nil {
		return errs.Wrap(err, "loyalty: referral")
	}
	for _, side := range []struct{ who, key string }{{r.ReferredID, "referred:"}, {r.ReferrerID, "referrer:"}} {
		if _, err := lock(ctx, q, tenant, side.who, now); err != nil {
			return err
		}
		var got int64
		if err := q.NewSelect().Model((*Entry)(nil)).Column("points").Where("tenant_id = ? AND source_key = ?", tenant, side.key+r.ReferredID).
			Scan(ctx, &got); err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "loyalty: referral")
		}
		if _, err := debit(ctx, q, post{tenant: tenant, customer: side.who, kind: KindReverse, key: "unrefer:" + side.key + r.ReferredID,
			orderID: orderID, reason: "referral order refunded", now: now}, got, false, ""); err != nil {
			return err
		}
	}
	return nil
}
