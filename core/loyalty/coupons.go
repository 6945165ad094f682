package loyalty

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

// Coupon kinds.
const (
	CouponMonthly = "monthly" // a tier's monthly coupon
	CouponPoints  = "points"  // bought with points from the catalogue
)

// couponRow is a coupon the programme issued (loyalty_coupons).
type couponRow struct {
	bun.BaseModel `bun:"table:loyalty_coupons"`
	TenantID      string     `bun:"tenant_id,pk"`
	ID            string     `bun:"id,pk"`
	CustomerID    string     `bun:"customer_id"`
	Kind          string     `bun:"kind"`
	SourceKey     string     `bun:"source_key"`
	PromotionID   string     `bun:"promotion_id"`
	CodeID        string     `bun:"code_id"`
	Code          string     `bun:"code"`
	Points        int64      `bun:"points"`
	Reason        string     `bun:"reason"`
	ExpiresAt     *time.Time `bun:"expires_at"`
	CreatedAt     time.Time  `bun:"created_at"`
}

// Coupon is a personal code the programme gave a customer, as they see
// it on their account page.
type Coupon struct {
	ID        string     `json:"id"`
	Kind      string     `json:"kind"` // CouponMonthly or CouponPoints
	Code      string     `json:"code"`
	Label     string     `json:"label"`            // the promotion's, for the shopper
	Reason    string     `json:"reason"`           // "Gold monthly coupon, March 2026", "500 points"
	Points    int64      `json:"points,omitempty"` // what it cost
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	Used      bool       `json:"used"`
	CreatedAt time.Time  `json:"created_at"`
}

// Coupons lists the customer's coupons, newest first (at most 50).
func (s *Service) Coupons(ctx context.Context, customerID string) ([]Coupon, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	out := []Coupon{}
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var rows []couponRow
		if err := q.NewSelect().Model(&rows).Where("tenant_id = ? AND customer_id = ? AND code_id <> ''", tenant, customerID).
			Order("created_at DESC", "id DESC").Limit(50).Scan(ctx); err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "loyalty: coupons")
		}
		ids := make([]string, len(rows))
		for i := range rows {
			ids[i] = rows[i].CodeID
		}
		codes, err := promotion.PersonalCodesIn(ctx, q, tenant, customerID, ids)
		if err != nil {
			return err
		}
		for _, r := range rows {
			pc := codes[r.CodeID]
			out = append(out, Coupon{ID: r.ID, Kind: r.Kind, Code: r.Code, Label: pc.Label, Reason: r.Reason, Points: r.Points,
				ExpiresAt: r.ExpiresAt, Used: pc.Spent, CreatedAt: r.CreatedAt})
		}
		return nil
	})
	return out, err
}

// issue makes the personal code and records it under key, in q (after
// lock); it returns nil when key was issued before.
func issue(ctx context.Context, q bun.IDB, r *couponRow, prefix string) (*couponRow, error) {
	n, err := q.NewSelect().Model((*couponRow)(nil)).Where("tenant_id = ? AND source_key = ?", r.TenantID, r.SourceKey).Count(ctx)
	if err != nil || n > 0 {
		return nil, errs.Wrap(err, "loyalty: coupon")
	}
	c, err := promotion.IssuePersonalCode(ctx, q, r.TenantID, promotion.Personal{PromotionID: r.PromotionID, CustomerID: r.CustomerID,
		Prefix: prefix, ExpiresAt: r.ExpiresAt, Reason: r.Reason}, r.CreatedAt)
	if err != nil {
		return nil, err
	}
	r.CodeID, r.Code = c.ID, c.Code
	if _, err := q.NewInsert().Model(r).Exec(ctx); err != nil {
		return nil, errs.Wrap(err, "loyalty: coupon")
	}
	return r, nil
}

// RedeemForCoupon spends the catalogue offer's points (first earned,
// first spent, in one transaction with the code) and issues the customer
// a personal single-use code of its promotion. More points than the
// balance is a 422 on "points"; an unknown offer a 422 on "coupon".
// key makes a retry safe (the same key issues once and returns that
// coupon); empty: every call buys.
func (s *Service) RedeemForCoupon(ctx context.Context, customerID, offerID, key string) (*Coupon, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case customerID == "":
		return nil, errs.Field("customer_id", "points need a customer account")
	case len(key) > 100 || !printable(key):
		return nil, errs.Field("key", "is too long")
	}
	if key == "" {
		key = store.NewID()
	}
	now := s.now()
	var out *couponRow
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		p, err := programIn(ctx, q, tenant)
		if err != nil {
			return err
		}
		o := p.Settings.Offer(offerID)
		switch {
		case !p.Settings.Enabled:
			return errs.Field("coupon", "the shop runs no points programme")
		case o == nil:
			return errs.Field("coupon", "is not in the shop's coupon catalogue")
		}
		if err := known(ctx, q, tenant, customerID); err != nil {
			return err
		}
		if _, err := lock(ctx, q, tenant, customerID, now); err != nil {
			return err
		}
		src := "points:" + customerID + ":" + key
		var prior couponRow
		if err := q.NewSelect().Model(&prior).Where("tenant_id = ? AND source_key = ?", tenant, src).Scan(ctx); err == nil {
			out = &prior
			return nil
		} else if !store.NoRows(err) {
			return errs.Wrap(err, "loyalty: coupon")
		}
		if _, err := expireDue(ctx, q, tenant, customerID, now); err != nil {
			return err
		}
		if _, err := debit(ctx, q, post{tenant: tenant, customer: customerID, kind: KindRedeem, key: "coupon:" + customerID + ":" + key,
			reason: "coupon: " + o.Name, now: now}, o.Points, true, ""); err != nil {
			return err
		}
		r := &couponRow{TenantID: tenant, ID: store.NewID(), CustomerID: customerID, Kind: CouponPoints, SourceKey: src, PromotionID: o.PromotionID,
			Points: o.Points, Reason: fmt.Sprintf("%s for %d points", o.Name, o.Points), CreatedAt: now}
		if o.ValidDays > 0 {
			t := now.Add(time.Duration(o.ValidDays) * 24 * time.Hour)
			r.ExpiresAt = &t
		}
		if out, err = issue(ctx, q, r, "PTS-"); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tenant, Action: "loyalty.coupon", ObjectType: "customer", ObjectID: customerID,
			After: fmt.Sprintf("%d points for %s (%s)", o.Points, o.Name, r.Code)})
	})
	if err != nil {
		return nil, err
	}
	return &Coupon{ID: out.ID, Kind: out.Kind, Code: out.Code, Reason: out.Reason, Points: out.Points, ExpiresAt: out.ExpiresAt, CreatedAt: out.CreatedAt}, nil
}

// monthOf is the shop's month of now (in loc) and when it ends.
func monthOf(now time.Time, loc *time.Location) (string, time.Time) {
	l := now.In(loc)
	start := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc)
	return start.Format("2006-01"), start.AddDate(0, 1, 0).UTC()
}

// monthly issues this month's coupons of one shop (at most batch
// members a round): every member whose tier has a monthly coupon (a live
// promotion requiring a code) and has none for the shop's month yet gets
// a personal code of it, expiring when the month ends in the shop's time
// zone. The source key (month and customer) makes a second run issue
// nothing. It returns the coupons issued.
func (s *Service) monthly(ctx context.Context, tenant string, now time.Time) (int, error) {
	ctx = tenancy.WithActor(tenancy.ForTenant(ctx, tenant), tenancy.Actor{Kind: "system", ID: "loyalty", Name: "loyalty"})
	var p *Program
	var loc *time.Location
	var due []owner
	live := map[string]string{} // tier code → promotion id
	err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var err error
		if p, err = programIn(ctx, q, tenant); err != nil || !p.Settings.Enabled {
			return err
		}
		if loc, err = analytics.LocationIn(ctx, q, tenant); err != nil {
			return err
		}
		for _, t := range p.Tiers {
			if t.MonthlyCoupon == "" {
				continue
			}
			pr, err := promotion.CodedPromotionIn(ctx, q, tenant, t.MonthlyCoupon)
			if err != nil {
				if errs.Is(err, errs.NotFound) || errs.Is(err, errs.Invalid) {
					continue // the promotion is gone or automatic now: nothing to issue
				}
				return err
			}
			if pr.StatusAt(now) == promotion.StatusActive {
				live[t.Code] = t.MonthlyCoupon
			}
		}
		if len(live) == 0 {
			return nil
		}
		codes := make([]string, 0, len(live))
		for c := range live {
			codes = append(codes, c)
		}
		if _, ok := live[p.Tiers[0].Code]; ok {
			codes = append(codes, "") // accounts without a tier yet read as the entry tier
		}
		sort.Strings(codes)
		month, _ := monthOf(now, loc)
		err = q.NewSelect().Model((*account)(nil)).Column("tenant_id", "customer_id").
			Where("tenant_id = ? AND tier_code IN (?)", tenant, bun.List(codes)).
			Where("NOT EXISTS (SELECT 1 FROM loyalty_coupons c WHERE c.tenant_id = account.tenant_id AND c.source_key = ? || account.customer_id)", "monthly:"+month+":").
			OrderExpr("customer_id").Limit(batch).Scan(ctx, &due)
		if store.NoRows(err) {
			return nil
		}
		return err
	})
	if err != nil || len(due) == 0 {
		return 0, errs.Wrap(err, "loyalty: monthly coupons")
	}
	month, ends := monthOf(now, loc)
	issued := 0
	for _, o := range due {
		err := s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			a, err := lock(ctx, q, tenant, o.CustomerID, now)
			if err != nil {
				return err
			}
			t := p.TierByCode(a.TierCode)
			r := &couponRow{TenantID: tenant, ID: store.NewID(), CustomerID: o.CustomerID, Kind: CouponMonthly, SourceKey: "monthly:" + month + ":" + o.CustomerID,
				PromotionID: live[t.Code], Reason: fmt.Sprintf("%s monthly coupon, %s", t.Name, now.In(loc).Format("January 2006")), ExpiresAt: &ends, CreatedAt: now}
			gone := known(ctx, q, tenant, o.CustomerID)
			if gone != nil && !errs.Is(gone, errs.NotFound) {
				return gone
			}
			if gone != nil || r.PromotionID == "" {
				// Passed over this month (the customer is gone, or moved
				// meanwhile to a tier without a coupon): recorded without
				// a code so the round does not pick them again.
				r.PromotionID = ""
				_, err := q.NewInsert().Model(r).On("CONFLICT DO NOTHING").Exec(ctx)
				return errs.Wrap(err, "loyalty: monthly coupon")
			}
			prefix := strings.ToUpper(t.Code)
			if len(prefix) > 12 {
				prefix = prefix[:12]
			}
			done, err := issue(ctx, q, r, prefix+"-")
			if done != nil {
				issued++
			}
			return err
		})
		if err != nil {
			return issued, err
		}
	}
	return issued, nil
}

// monthlyShops lists the shops that run a programme with a tier that
// has a monthly coupon.
func (s *Service) monthlyShops(ctx context.Context) ([]string, error) {
	var ids []string
	err := s.db.Read(tenancy.WithPlatform(ctx), func(ctx context.Context, q bun.IDB) error {
		err := q.NewSelect().TableExpr("loyalty_tiers AS t").ColumnExpr("DISTINCT t.tenant_id").
			Join("JOIN loyalty_settings AS s ON s.tenant_id = t.tenant_id AND s.enabled").
			Where("t.monthly_coupon <> ''").OrderExpr("t.tenant_id").Scan(ctx, &ids)
		if store.NoRows(err) {
			return nil
		}
		return err
	})
	return ids, errs.Wrap(err, "loyalty: monthly coupons")
}
