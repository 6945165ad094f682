package loyalty

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/store"
)

// TierHistory is one change of a customer's tier.
type TierHistory struct {
	bun.BaseModel `bun:"table:loyalty_tier_history" json:"-"`
	TenantID      string    `bun:"tenant_id,pk" json:"-"`
	ID            string    `bun:"id,pk" json:"id"`
	CustomerID    string    `bun:"customer_id" json:"customer_id"`
	From          string    `bun:"from_tier" json:"from"`
	To            string    `bun:"to_tier" json:"to"`
	Reason        string    `bun:"reason" json:"reason"`
	At            time.Time `bun:"at" json:"at"`
}

// ReviewEvery is how long a tier holds before the review may lower it.
const ReviewEvery = 30 * 24 * time.Hour

// metricIn is the customer's qualifying figure over the window: money
// paid net of refunds, or points earned (positive earn entries).
func metricIn(ctx context.Context, q bun.IDB, tenant, customerID string, st *Settings, now time.Time) (int64, error) {
	since := now.Add(-time.Duration(st.WindowDays) * 24 * time.Hour)
	var sum int64
	var err error
	if st.QualifyBy == QualifyPoints {
		err = q.NewSelect().Model((*Entry)(nil)).ColumnExpr("COALESCE(SUM(points), 0)").
			Where("tenant_id = ? AND customer_id = ? AND kind = ? AND created_at > ?", tenant, customerID, KindEarn, since).Scan(ctx, &sum)
	} else {
		err = q.NewSelect().Model((*orderRow)(nil)).ColumnExpr("COALESCE(SUM(spend), 0)").
			Where("tenant_id = ? AND customer_id = ? AND paid_at > ?", tenant, customerID, since).Scan(ctx, &sum)
	}
	return sum, errs.Wrap(err, "loyalty: qualifying metric")
}

// move sets the account's tier and writes its history (in q, after lock).
func move(ctx context.Context, q bun.IDB, a *account, to *Tier, reason string, now time.Time) error {
	from := a.TierCode
	if _, err := q.NewUpdate().Model(a).Set("tier_code = ?, tier_since = ?, reviewed_at = ?", to.Code, now, now).WherePK().Exec(ctx); err != nil {
		return errs.Wrap(err, "loyalty: move tier")
	}
	a.TierCode, a.TierSince, a.ReviewedAt = to.Code, &now, &now
	h := &TierHistory{TenantID: a.TenantID, ID: store.NewID(), CustomerID: a.CustomerID, From: from, To: to.Code, Reason: reason, At: now}
	if _, err := q.NewInsert().Model(h).Exec(ctx); err != nil {
		return errs.Wrap(err, "loyalty: tier history")
	}
	_, err := outbox.EnqueueEvent(ctx, q, a.TenantID, TopicTierChanged, TierChanged{ChangeID: h.ID, CustomerID: a.CustomerID,
		From: from, To: to.Code, ToName: to.Name, Up: reason == "upgrade", At: now})
	return err
}

// TierChanged is the payload of TopicTierChanged.
type TierChanged struct {
	ChangeID   string    `json:"change_id"` // the tier history row: one event per change
	CustomerID string    `json:"customer_id"`
	From       string    `json:"from"` // tier code; "" for a new member
	To         string    `json:"to"`
	ToName     string    `json:"to_name"`
	Up         bool      `json:"up"` // an upgrade (false: the monthly review moved them down)
	At         time.Time `json:"at"`
}

// upgrade moves the customer up at once when they now qualify for a
// higher tier than they hold (never down: that is the review's job).
func (s *Service) upgrade(ctx context.Context, q bun.IDB, p *Program, a *account, now time.Time) error {
	metric, err := metricIn(ctx, q, a.TenantID, a.CustomerID, &p.Settings, now)
	if err != nil {
		return err
	}
	cur, want := p.TierByCode(a.TierCode), p.qualified(metric)
	if want.Level <= cur.Level && a.TierCode != "" {
		return nil
	}
	if a.TierCode == want.Code {
		return nil
	}
	return move(ctx, q, a, want, "upgrade", now)
}

// DowngradeNotice is how long before the review that lowers a tier the
// customer is told, and how long a notice stands before the downgrade.
const DowngradeNotice = 7 * 24 * time.Hour

// reviewDue is when the account's next monthly review is.
func reviewDue(a *account, now time.Time) time.Time {
	if a.ReviewedAt == nil {
		return now
	}
	return a.ReviewedAt.Add(ReviewEvery)
}

// noticed reports whether a downgrade notice was sent in the account's
// current review cycle.
func noticed(a *account) bool {
	return a.NoticeAt != nil && (a.ReviewedAt == nil || !a.NoticeAt.Before(*a.ReviewedAt))
}

// downgradeText is how much the customer must earn or spend to keep (or
// win back) tier from metric, in words.
func downgradeText(ctx context.Context, q bun.IDB, p *Program, a *account, tier *Tier, metric int64, verb string) (string, error) {
	if p.Settings.QualifyBy == QualifyPoints {
		return fmt.Sprintf("Earn %d more points within %d days to %s %s.", tier.Threshold-metric, p.Settings.WindowDays, verb, tier.Name), nil
	}
	var currency string
	if err := q.NewSelect().Model((*orderRow)(nil)).Column("currency").Where("tenant_id = ? AND customer_id = ?", a.TenantID, a.CustomerID).
		Order("created_at DESC").Limit(1).Scan(ctx, &currency); err != nil && !store.NoRows(err) {
		return "", errs.Wrap(err, "loyalty: review")
	}
	return fmt.Sprintf("Spend %s more within %d days to %s %s.", money.Formatter{}.Display(tier.Threshold-metric, currency), p.Settings.WindowDays, verb, tier.Name), nil
}

// notify e-mails the customer that the review on due would move them
// from cur to want, and records the notice.
func (s *Service) notify(ctx context.Context, q bun.IDB, p *Program, a *account, cur, want *Tier, metric int64, due, now time.Time) error {
	if _, err := q.NewUpdate().Model(a).Set("notice_at = ?, previewed_at = ?", now, now).WherePK().Exec(ctx); err != nil {
		return errs.Wrap(err, "loyalty: downgrade notice")
	}
	a.NoticeAt, a.PreviewedAt = &now, &now
	keep, err := downgradeText(ctx, q, p, a, cur, metric, "stay")
	if err != nil {
		return err
	}
	return mailCustomer(ctx, q, a.TenantID, a.CustomerID, TopicDowngradeNotice, "Your "+cur.Name+" membership is about to change",
		fmt.Sprintf("At our monthly review on %s your membership will change from %s to %s.\n\n%s\n", due.Format("2 January 2006"), cur.Name, want.Name, keep))
}

// Topics of the e-mails the tier review sends.
const (
	TopicDowngradeNotice = "loyalty.tier_down_notice" // DowngradeNotice before the review that lowers the tier
	TopicDowngraded      = "loyalty.tier_down"        // at that review
)

// preview runs DowngradeNotice before the account's review: when the
// review would lower the tier (the window then no longer counting what it
// counts now), the customer is told so; it runs once a cycle.
func (s *Service) preview(ctx context.Context, q bun.IDB, p *Program, a *account, now time.Time) (bool, error) {
	due := reviewDue(a, now)
	if a.ReviewedAt == nil || now.Before(due.Add(-DowngradeNotice)) || !now.Before(due) ||
		a.PreviewedAt != nil && !a.PreviewedAt.Before(*a.ReviewedAt) || noticed(a) {
		return false, nil
	}
	metric, err := metricIn(ctx, q, a.TenantID, a.CustomerID, &p.Settings, due)
	if err != nil {
		return false, err
	}
	cur, want := p.TierByCode(a.TierCode), p.qualified(metric)
	if want.Level >= cur.Level {
		_, err := q.NewUpdate().Model(a).Set("previewed_at = ?", now).WherePK().Exec(ctx)
		return false, errs.Wrap(err, "loyalty: preview")
	}
	return true, s.notify(ctx, q, p, a, cur, want, metric, due, now)
}

// review runs the account's monthly review (due ReviewEvery after the
// last change or review): it lowers the tier to what the customer
// qualifies for now, and mails them, if a notice went out at least
// DowngradeNotice before; without one (the drop came too late for the
// check before the review) the notice goes now and the downgrade waits
// DowngradeNotice. It returns whether it moved them down.
func (s *Service) review(ctx context.Context, q bun.IDB, p *Program, a *account, now time.Time) (bool, error) {
	if now.Before(reviewDue(a, now)) {
		return false, nil
	}
	metric, err := metricIn(ctx, q, a.TenantID, a.CustomerID, &p.Settings, now)
	if err != nil {
		return false, err
	}
	cur, want := p.TierByCode(a.TierCode), p.qualified(metric)
	if want.Level >= cur.Level {
		if _, err := q.NewUpdate().Model(a).Set("reviewed_at = ?", now).WherePK().Exec(ctx); err != nil {
			return false, errs.Wrap(err, "loyalty: review")
		}
		return false, nil
	}
	if !noticed(a) {
		return false, s.notify(ctx, q, p, a, cur, want, metric, now.Add(DowngradeNotice), now)
	}
	if now.Before(a.NoticeAt.Add(DowngradeNotice)) {
		return false, nil
	}
	if err := move(ctx, q, a, want, "monthly review", now); err != nil {
		return false, err
	}
	back, err := downgradeText(ctx, q, p, a, cur, metric, "be")
	if err != nil {
		return false, err
	}
	return true, mailCustomer(ctx, q, a.TenantID, a.CustomerID, TopicDowngraded,
		"Your membership is now "+want.Name,
		fmt.Sprintf("Your membership tier changed from %s to %s at our monthly review.\n\n%s again.\n", cur.Name, want.Name, strings.TrimSuffix(back, ".")))
}

// mailCustomer queues an e-mail to the customer through the outbox in q
// (nothing when they have no e-mail).
func mailCustomer(ctx context.Context, q bun.IDB, tenant, customerID, topic, subject, text string) error {
	f, err := customer.FactsIn(ctx, q, tenant, customerID)
	if err != nil || f == nil || f.Email == "" {
		return err
	}
	_, err = outbox.EnqueueMail(ctx, q, outbox.Mail{TenantID: tenant, Topic: topic, To: f.Email, Subject: subject, Text: text})
	return err
}

// Perks are what a customer's tier adds to pricing: their segments (for
// promotions' Conditions.Segments) and the tier's own benefits as built-in
// promotions limited to the tier's segment (discount percent, free
// shipping). IDs of those start with PerkPrefix; they have no usage to
// claim. Perks reads in q (two statements; none without a customer).
func (s *Service) Perks(ctx context.Context, q bun.IDB, tenant, customerID string) ([]string, []promotion.Promotion, error) {
	if customerID == "" {
		return nil, nil, nil
	}
	p, err := programIn(ctx, q, tenant)
	if err != nil || !p.Settings.Enabled {
		return nil, nil, err
	}
	var code string
	if err := q.NewSelect().Model((*account)(nil)).Column("tier_code").Where("tenant_id = ? AND customer_id = ?", tenant, customerID).
		Scan(ctx, &code); err != nil && !store.NoRows(err) {
		return nil, nil, errs.Wrap(err, "loyalty: perks")
	}
	t := p.TierByCode(code)
	segs := []string{SegmentPrefix + "member", t.Segment()}
	var promos []promotion.Promotion
	cond := promotion.Conditions{Segments: []string{t.Segment()}}
	all := []promotion.Class{promotion.ClassProduct, promotion.ClassOrder, promotion.ClassShipping}
	if t.DiscountPct > 0 {
		promos = append(promos, promotion.Promotion{ID: PerkPrefix + t.Code + ":discount", Name: t.Name + " discount",
			Label: fmt.Sprintf("%s member −%d%%", t.Name, t.DiscountPct), Kind: promotion.KindPercentOff, Status: promotion.StatusActive,
			PercentBP: t.DiscountPct * 100, Conditions: cond, CombinesWith: all})
	}
	if t.FreeShipping {
		promos = append(promos, promotion.Promotion{ID: PerkPrefix + t.Code + ":shipping", Name: t.Name + " free shipping",
			Label: t.Name + " member free shipping", Kind: promotion.KindShipping, Status: promotion.StatusActive, PercentBP: 10000, Conditions: cond, CombinesWith: all})
	}
	return segs, promos, nil
}

// PerkPrefix starts the IDs of the promotions Perks makes.
const PerkPrefix = "loyalty:"
