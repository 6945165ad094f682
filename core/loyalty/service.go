// Package loyalty is a shop's membership programme: a points ledger,
// membership tiers and referrals.
//
// # Points
//
// The ledger is append-only: every change is an Entry (earn, redeem,
// expire, reverse, adjust) with a source key that is unique per shop, so
// each reason to post (an order, a sign-up, a review, a refund) posts at
// most once however often its event is delivered. A customer's balance is
// the sum of their entries, computed at every read. Every positive entry
// opens a Lot (with an expiry when the shop sets one); every negative entry
// takes from open lots first earned, first spent, and records what it took
// from which lot (loyalty_spends); a lot's remaining points never go below
// zero or above what it started with (CHECK constraints and conditional
// updates), so no lot is spent twice. Every write first locks the
// customer's account row (loyalty_accounts), so concurrent earns, redeems,
// expiries and refunds of one customer queue on PostgreSQL; SQLite writers
// are serialised anyway. The balance therefore equals the sum of the
// entries and of the lots' remaining points, and is never negative.
//
// Points are earned on paid orders (OrderPaid, from the "order.paid"
// event, or "order.placed" for orders the checkout placed paid):
// EarnPerUnit per whole currency unit of the money paid for items that are
// not excluded, times the tier's multiplier; on sign-up (the
// "customer.signed_up" event); on approved reviews (EarnForReview, or a
// "review.approved" event carrying customer_id and review_id); and on
// referrals. A refund ("order.refunded") reverses the order's points in
// proportion to the money refunded (never below a zero balance: points
// already spent stay spent). Redeeming is a checkout tender (Redeemer, a
// StepTenders hook): Input.Points at RedeemRate points per currency unit, up
// to MaxRedeemPercent of the order's total; a cancelled order gives them
// back to the lots they came from (Release, an order.CancelHook). Sweep,
// run by core/jobs, expires lots whose time has come and e-mails a notice
// ExpiryNoticeDays before. Staff adjust a balance with a reason (Adjust),
// audited; a negative adjustment beyond the balance is refused.
//
// # Tiers
//
// A shop has up to ten tiers (five by default, SEEDS §7: new member,
// bronze, silver, gold, premium), reached by spend or points over a
// rolling window. A paid order upgrades at once; Sweep's monthly review
// (30 days after the last change or review) moves a customer down to the
// tier they now qualify for, with notice: DowngradeNotice (a week) before
// the review, a check e-mails the customer whose tier the review would
// lower (the window by then no longer counting older orders) and says
// what keeps it; the review lowers the tier only after such a notice
// stood a week (a drop the check could not foresee, such as a refund in
// the last week, is noticed at the review and lowered a week later) and
// e-mails them again. The tier is kept per
// customer with its history. Benefits: the points multiplier applies when
// earning; the tier is a promotion segment, "tier:<code>" (Segments), so a
// member-only promotion or a member day is a promotion with that segment
// in Conditions.Segments; the tier's discount percent and free shipping
// are applied as built-in promotions limited to that segment (Perks, used
// by core/checkout's Promotions). A member day is a promotion with the
// tier's segment and recurring dates (promotion.Conditions MonthDays and
// Weekdays, counted in the shop's time zone). The tier's monthly coupon
// (Tier.MonthlyCoupon) names one of the shop's promotions that requires a
// code: Sweep gives every member of the tier, once per customer per month
// of the shop's time zone, a personal single-use code of it (core/
// promotion's IssuePersonalCode: usable by that account only, expiring
// when the month ends); the month and customer are the coupon's source
// key, so a sweep that runs twice, or two at once, issues nothing more.
// Birthday points are granted once a year per customer (GrantBirthday,
// ledger key BirthdayKey) by core/mailing's birthday round, on the
// customer's birthday in the shop's time zone, whether or not the shop
// sends the birthday mail (customers give their birthday once on the
// account page: customer.SetOwnBirthday).
//
// # Coupons for points and share links
//
// Settings.Coupons is a catalogue of coupons points buy (500 points for a
// 5.00 off code): RedeemForCoupon takes the points from the ledger, first
// earned first spent, and issues the personal single-use code in the same
// transaction, after the customer's account lock, so two purchases racing
// for one balance never overspend (the second is a 422 on "points").
// Coupons lists what a customer was given, with whether each was used.
//
// A customer's share link is a product's address with ?share= and their
// referral code; ShareClick pays SharePoints when someone new opens it: a
// visitor is core/analytics' pseudonymous visitor id (no cookie; it
// changes daily, so "new" means not seen under that day's id), counted
// once per sharer, never the sharer's own click, and at most
// MaxSharesPerDay paid visitors per sharer in 24 hours.
//
// # Referrals
//
// Every account has a personal code. Refer links a new customer to the
// code's owner once (one referrer per customer, never themselves or an
// account with the same e-mail, not after their first paid order); when
// the referred customer's first order is paid both get their points, and a
// full refund of that order takes them back.
//
// Tables: the package owns loyalty_settings, loyalty_tiers,
// loyalty_accounts, loyalty_tier_history, loyalty_entries, loyalty_lots,
// loyalty_spends, loyalty_orders, loyalty_referrals, loyalty_coupons and
// loyalty_shares.
package loyalty

import (
	"context"
	"embed"
	"io/fs"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

func init() {
	sub, _ := fs.Sub(migrationsFS, "migrations")
	store.RegisterMigrations(store.Migrations{Module: "loyalty", Order: 55, FS: sub})
}

// Service runs every shop's programme; each call acts on the context's
// tenant.
type Service struct {
	db  *store.DB
	now func() time.Time
}

// New returns a Service; now may be nil (the wall clock).
func New(db *store.DB, now func() time.Time) *Service {
	if now == nil {
		now = store.Now
	}
	return &Service{db: db, now: func() time.Time { return now().UTC().Truncate(time.Microsecond) }}
}

// Member is what a customer has in the programme.
type Member struct {
	CustomerID   string     `json:"customer_id"`
	Balance      int64      `json:"balance"`
	Tier         Tier       `json:"tier"`
	TierSince    *time.Time `json:"tier_since,omitempty"`
	Next         *Tier      `json:"next,omitempty"` // nil at the top
	Progress     int64      `json:"progress"`       // the qualifying metric now (spend or points over the window)
	ReferralCode string     `json:"referral_code"`
	// Expiring is the points that expire within the notice period, and
	// when the first of them does.
	Expiring   int64      `json:"expiring"`
	ExpiringAt *time.Time `json:"expiring_at,omitempty"`
}

// History is a customer's ledger and tier changes, newest first.
type History struct {
	Entries []Entry       `json:"entries"`
	Tiers   []TierHistory `json:"tiers"`
}

// Member returns the customer's programme state; it opens the account
// (and its referral code) on first use.
func (s *Service) Member(ctx context.Context, customerID string) (*Member, *Program, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, nil, err
	}
	if customerID == "" {
		return nil, nil, errs.NotFoundf("customer not found")
	}
	now := s.now()
	var m *Member
	var p *Program
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if p, err = programIn(ctx, q, tenant); err != nil {
			return err
		}
		if err := known(ctx, q, tenant, customerID); err != nil {
			return err
		}
		a, err := openAccount(ctx, q, tenant, customerID, now)
		if err != nil {
			return err
		}
		m = &Member{CustomerID: customerID, ReferralCode: a.ReferralCode, TierSince: a.TierSince}
		m.Tier = *p.TierByCode(a.TierCode)
		for i := range p.Tiers {
			if p.Tiers[i].Level == m.Tier.Level+1 {
				m.Next = &p.Tiers[i]
			}
		}
		if m.Progress, err = metricIn(ctx, q, tenant, customerID, &p.Settings, now); err != nil {
			return err
		}
		if m.Balance, err = balanceIn(ctx, q, tenant, customerID); err != nil {
			return err
		}
		if p.Settings.ExpiryDays > 0 {
			var soon []Lot
			if err := q.NewSelect().Model(&soon).Where("tenant_id = ? AND customer_id = ? AND remaining > 0 AND expires_at <= ?",
				tenant, customerID, now.Add(time.Duration(p.Settings.ExpiryNoticeDays)*24*time.Hour)).Order("expires_at").Scan(ctx); err != nil && !store.NoRows(err) {
				return errs.Wrap(err, "loyalty: expiring")
			}
			for i, l := range soon {
				m.Expiring += l.Remaining
				if i == 0 {
					m.ExpiringAt = l.ExpiresAt
				}
			}
		}
		return nil
	})
	return m, p, err
}

// History returns the customer's latest ledger entries and tier changes
// (at most limit each; 0 means 50, at most 500).
func (s *Service) History(ctx context.Context, customerID string, limit int) (*History, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	h := &History{Entries: []Entry{}, Tiers: []TierHistory{}}
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		if err := q.NewSelect().Model(&h.Entries).Where("tenant_id = ? AND customer_id = ?", tenant, customerID).
			Order("id DESC").Limit(int64(limit)).Scan(ctx); err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "loyalty: history")
		}
		if err := q.NewSelect().Model(&h.Tiers).Where("tenant_id = ? AND customer_id = ?", tenant, customerID).
			Order("id DESC").Limit(int64(limit)).Scan(ctx); err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "loyalty: tier history")
		}
		return nil
	})
	return h, err
}

// Balance returns the sum of the customer's entries.
func (s *Service) Balance(ctx context.Context, customerID string) (int64, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return 0, err
	}
	var b int64
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		b, err = balanceIn(ctx, q, tenant, customerID)
		return err
	})
	return b, err
}

// Adjust adds (points > 0) or takes (points < 0) points by hand, with a
// reason, audited. Taking more than the balance is a 422 on "points".
// key makes a retry safe (the same key posts once); empty: every call
// posts.
func (s *Service) Adjust(ctx context.Context, customerID string, points int64, reason, key string) (*Entry, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	switch {
	case customerID == "":
		return nil, errs.Field("customer_id", "is required")
	case points == 0 || points > maxPoints || points < -maxPoints:
		return nil, errs.Field("points", "must be a non-zero number of points up to %d", maxPoints)
	case reason == "" || utf8.RuneCountInString(reason) > 500 || !printable(reason):
		return nil, errs.Field("reason", "give a reason of up to 500 characters")
	case len(key) > 100:
		return nil, errs.Field("key", "is too long")
	}
	if key == "" {
		key = store.NewID()
	}
	actor := tenancy.ActorFrom(ctx)
	now := s.now()
	var out *Entry
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		p, err := programIn(ctx, q, tenant)
		if err != nil {
			return err
		}
		if err := known(ctx, q, tenant, customerID); err != nil {
			return err
		}
		if _, err := lock(ctx, q, tenant, customerID, now); err != nil {
			return err
		}
		if _, err := expireDue(ctx, q, tenant, customerID, now); err != nil {
			return err
		}
		pt := post{tenant: tenant, customer: customerID, kind: KindAdjust, key: "adjust:" + key, reason: reason, actor: nonEmpty(actor.Name, actor.ID), now: now}
		if points > 0 {
			if out, err = credit(ctx, q, pt, points, p.Settings.ExpiryDays); err != nil {
				return err
			}
		} else if _, err := debit(ctx, q, pt, -points, true, ""); err != nil {
			return err
		}
		if out == nil {
			out = &Entry{}
			if err := q.NewSelect().Model(out).Where("tenant_id = ? AND source_key = ?", tenant, pt.key).Scan(ctx); err != nil {
				return errs.Wrap(err, "loyalty: adjust")
			}
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tenant, Action: "loyalty.adjust", ObjectType: "customer", ObjectID: customerID,
			After: itoa(points) + " points: " + reason})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// earn credits points for a reason that happens once (key), if the
// programme is on, in q.
func (s *Service) earn(ctx context.Context, q bun.IDB, tenant, customerID, key, reason string, pick func(*Settings) int64) (*Entry, error) {
	p, err := programIn(ctx, q, tenant)
	if err != nil || !p.Settings.Enabled || pick(&p.Settings) <= 0 {
		return nil, err
	}
	now := s.now()
	if _, err := lock(ctx, q, tenant, customerID, now); err != nil {
		return nil, err
	}
	return credit(ctx, q, post{tenant: tenant, customer: customerID, kind: KindEarn, key: key, reason: reason, now: now}, pick(&p.Settings), p.Settings.ExpiryDays)
}

// EarnForSignup credits the shop's sign-up points once per customer, in
// the caller's transaction q.
func (s *Service) EarnForSignup(ctx context.Context, q bun.IDB, customerID string) (*Entry, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	return s.earn(ctx, q, tenant, customerID, "signup:"+customerID, "signed up", func(s *Settings) int64 { return s.SignupPoints })
}

// EarnForReview credits the shop's review points once per review, in the
// caller's transaction q; package reviews calls it when a review is
// approved (or publishes "review.approved", see Register).
func (s *Service) EarnForReview(ctx context.Context, q bun.IDB, customerID, reviewID string) (*Entry, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if reviewID == "" {
		return nil, errs.Field("review_id", "is required")
	}
	return s.earn(ctx, q, tenant, customerID, "review:"+reviewID, "review approved", func(s *Settings) int64 { return s.ReviewPoints })
}

// known is NotFound unless the customer is one of the shop's (enabled).
func known(ctx context.Context, q bun.IDB, tenant, customerID string) error {
	f, err := customer.FactsIn(ctx, q, tenant, customerID)
	if err == nil && f == nil {
		return errs.NotFoundf("customer not found")
	}
	return err
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// BirthdayKey is the ledger source key of a customer's birthday points in
// a year: unique per shop, so they are granted once a year however often
// the birthday round runs.
func BirthdayKey(customerID string, year int) string {
	return "birthday:" + customerID + ":" + strconv.Itoa(year)
}

// GrantBirthday credits the birthday points of the customer's tier once
// for year (BirthdayKey), in the caller's transaction q, when the
// programme is on and the tier gives any; core/mailing's birthday round
// calls it on the customer's birthday in the shop's time zone. It returns
// the points granted now (0: none, or granted before) and the tier.
func (s *Service) GrantBirthday(ctx context.Context, q bun.IDB, customerID string, year int) (int64, *Tier, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return 0, nil, err
	}
	p, err := programIn(ctx, q, tenant)
	if err != nil || !p.Settings.Enabled {
		return 0, nil, err
	}
	key := BirthdayKey(customerID, year)
	if done, err := posted(ctx, q, tenant, key); err != nil || done {
		return 0, nil, err
	}
	if err := known(ctx, q, tenant, customerID); err != nil {
		return 0, nil, err
	}
	now := s.now()
	a, err := lock(ctx, q, tenant, customerID, now)
	if err != nil {
		return 0, nil, err
	}
	t := p.TierByCode(a.TierCode)
	if t == nil || t.BirthdayPoints <= 0 {
		return 0, t, nil
	}
	e, err := credit(ctx, q, post{tenant: tenant, customer: customerID, kind: KindEarn, key: key, reason: "birthday gift (" + t.Name + ")", now: now},
		t.BirthdayPoints, p.Settings.ExpiryDays)
	if err != nil || e == nil {
		return 0, t, err
	}
	return e.Points, t, nil
}
