package loyalty

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/store"
)

// Qualification metrics (Settings.QualifyBy).
const (
	QualifySpend  = "spend"  // money paid (minor units, net of refunds) in the window
	QualifyPoints = "points" // points earned in the window
)

// Settings are a shop's programme rules. The zero programme is off:
// nothing is earned or redeemed until the shop enables it.
type Settings struct {
	Enabled bool `json:"enabled"`
	// EarnPerUnit is the points earned per whole currency unit paid (1:
	// one point per euro), before the tier's multiplier.
	EarnPerUnit int64 `json:"earn_per_unit"`
	// RedeemRate is how many points are worth one whole currency unit at
	// checkout (100: 100 points pay 1.00).
	RedeemRate int64 `json:"redeem_rate"`
	// MaxRedeemPercent is the largest share of an order's total points may
	// pay (1–100).
	MaxRedeemPercent int64 `json:"max_redeem_percent"`
	SignupPoints     int64 `json:"signup_points"`
	ReviewPoints     int64 `json:"review_points"`
	ReferrerPoints   int64 `json:"referrer_points"` // to whoever referred, once the referred's first order is paid
	ReferredPoints   int64 `json:"referred_points"` // to the referred customer, at the same time
	// MaxReferralsPerMonth caps rewarded referrals per referrer in 30 days
	// (0: no cap).
	MaxReferralsPerMonth int64 `json:"max_referrals_per_month"`
	// ExpiryDays is how long a lot of points lives (0: points never
	// expire); ExpiryNoticeDays before that the customer gets an e-mail.
	ExpiryDays       int64 `json:"expiry_days"`
	ExpiryNoticeDays int64 `json:"expiry_notice_days"`
	// QualifyBy and WindowDays: tiers are reached by spend or points over
	// the last WindowDays days.
	QualifyBy  string `json:"qualify_by"`
	WindowDays int64  `json:"window_days"`
	// ExcludedProducts earn no points.
	ExcludedProducts []string `json:"excluded_products"`
	// SharePoints are earned when someone new opens a customer's share
	// link (ShareClick), at most MaxSharesPerDay paid clicks per sharer
	// in 24 hours.
	SharePoints     int64 `json:"share_points"`
	MaxSharesPerDay int64 `json:"max_shares_per_day"`
	// Coupons is the catalogue of coupons customers may buy with points
	// (RedeemForCoupon).
	Coupons []CouponOffer `json:"coupons"`
}

// CouponOffer is a coupon in the points catalogue: Points buy one
// personal single-use code of the promotion PromotionID (one that
// requires a code, e.g. 5.00 off), valid ValidDays days (0: no end).
type CouponOffer struct {
	ID          string `json:"id"` // stable, for the shopper's form; made from the name when empty
	Name        string `json:"name"`
	Points      int64  `json:"points"`
	PromotionID string `json:"promotion_id"`
	ValidDays   int64  `json:"valid_days"`
}

// Offer returns the catalogue's coupon with the id, or nil.
func (s *Settings) Offer(id string) *CouponOffer {
	for i := range s.Coupons {
		if s.Coupons[i].ID == id {
			return &s.Coupons[i]
		}
	}
	return nil
}

// DefaultSettings are a new shop's rules (the programme off).
func DefaultSettings() Settings {
	return Settings{EarnPerUnit: 1, RedeemRate: 100, MaxRedeemPercent: 50, SignupPoints: 100, ReviewPoints: 50,
		ReferrerPoints: 500, ReferredPoints: 200, MaxReferralsPerMonth: 20, ExpiryDays: 365, ExpiryNoticeDays: 30,
		QualifyBy: QualifySpend, WindowDays: 365, ExcludedProducts: []string{}, SharePoints: 10, MaxSharesPerDay: 20, Coupons: []CouponOffer{}}
}

// Limits on settings and tiers.
const (
	maxPoints   = 1_000_000_000
	maxExcluded = 500
	maxCoupons  = 20
	MaxTiers    = 10
)

func (s *Settings) validate() error {
	switch {
	case s.EarnPerUnit < 0 || s.EarnPerUnit > 1000:
		return errs.Field("earn_per_unit", "must be between 0 and 1000")
	case s.RedeemRate < 1 || s.RedeemRate > 1_000_000:
		return errs.Field("redeem_rate", "must be between 1 and 1000000")
	case s.MaxRedeemPercent < 0 || s.MaxRedeemPercent > 100:
		return errs.Field("max_redeem_percent", "must be between 0 and 100")
	case s.SignupPoints < 0 || s.SignupPoints > maxPoints:
		return errs.Field("signup_points", "must be between 0 and %d", maxPoints)
	case s.ReviewPoints < 0 || s.ReviewPoints > maxPoints:
		return errs.Field("review_points", "must be between 0 and %d", maxPoints)
	case s.ReferrerPoints < 0 || s.ReferrerPoints > maxPoints:
		return errs.Field("referrer_points", "must be between 0 and %d", maxPoints)
	case s.ReferredPoints < 0 || s.ReferredPoints > maxPoints:
		return errs.Field("referred_points", "must be between 0 and %d", maxPoints)
	case s.MaxReferralsPerMonth < 0 || s.MaxReferralsPerMonth > 10_000:
		return errs.Field("max_referrals_per_month", "must be between 0 and 10000")
	case s.ExpiryDays < 0 || s.ExpiryDays > 3650:
		return errs.Field("expiry_days", "must be between 0 (never) and 3650")
	case s.ExpiryNoticeDays < 0 || s.ExpiryDays > 0 && s.ExpiryNoticeDays >= s.ExpiryDays:
		return errs.Field("expiry_notice_days", "must be at least 0 and less than expiry_days")
	case s.QualifyBy != QualifySpend && s.QualifyBy != QualifyPoints:
		return errs.Field("qualify_by", "must be %q or %q", QualifySpend, QualifyPoints)
	case s.WindowDays < 1 || s.WindowDays > 3650:
		return errs.Field("window_days", "must be between 1 and 3650")
	case len(s.ExcludedProducts) > maxExcluded:
		return errs.Field("excluded_products", "at most %d products", maxExcluded)
	case s.SharePoints < 0 || s.SharePoints > maxPoints:
		return errs.Field("share_points", "must be between 0 and %d", maxPoints)
	case s.MaxSharesPerDay < 0 || s.MaxSharesPerDay > 10_000:
		return errs.Field("max_shares_per_day", "must be between 0 and 10000")
	case len(s.Coupons) > maxCoupons:
		return errs.Field("coupons", "at most %d coupons", maxCoupons)
	}
	if s.Coupons == nil {
		s.Coupons = []CouponOffer{}
	}
	ids := map[string]bool{}
	for i := range s.Coupons {
		o := &s.Coupons[i]
		f := fmt.Sprintf("coupons[%d].", i)
		o.Name, o.PromotionID = strings.TrimSpace(o.Name), strings.TrimSpace(o.PromotionID)
		o.ID = strings.ToLower(strings.TrimSpace(o.ID))
		if o.ID == "" {
			o.ID = slug(o.Name)
		}
		switch {
		case o.Name == "" || utf8.RuneCountInString(o.Name) > 60 || !printable(o.Name):
			return errs.Field(f+"name", "give a name of up to 60 characters")
		case o.ID == "" || len(o.ID) > 40 || strings.Trim(o.ID, "abcdefghijklmnopqrstuvwxyz0123456789_-") != "":
			return errs.Field(f+"id", "use 1–40 letters, digits, - or _")
		case ids[o.ID]:
			return errs.Field(f+"id", "is used twice")
		case o.Points < 1 || o.Points > maxPoints:
			return errs.Field(f+"points", "must be between 1 and %d", maxPoints)
		case o.PromotionID == "" || len(o.PromotionID) > 64 || !printable(o.PromotionID):
			return errs.Field(f+"promotion_id", "choose a promotion that requires a code")
		case o.ValidDays < 0 || o.ValidDays > 3650:
			return errs.Field(f+"valid_days", "must be between 0 (no end) and 3650")
		}
		ids[o.ID] = true
	}
	if s.ExcludedProducts == nil {
		s.ExcludedProducts = []string{}
	}
	for i, id := range s.ExcludedProducts {
		if id = strings.TrimSpace(id); id == "" || len(id) > 64 || !printable(id) {
			return errs.Field(fmt.Sprintf("excluded_products[%d]", i), "is not a product id")
		}
		s.ExcludedProducts[i] = id
	}
	return nil
}

// Tier is one membership level. Benefits are cumulative by convention
// (each tier lists what it gives; nothing is inherited implicitly).
type Tier struct {
	bun.BaseModel `bun:"table:loyalty_tiers" json:"-"`
	TenantID      string `bun:"tenant_id,pk" json:"-"`
	Code          string `bun:"code,pk" json:"code"`
	Level         int    `bun:"level" json:"level"` // 0 for the entry tier, rising
	Name          string `bun:"name" json:"name"`
	// Threshold is what QualifyBy must reach over the window: minor units
	// of spend, or points.
	Threshold int64 `bun:"threshold" json:"threshold"`
	// Benefits.
	MultiplierPct  int64  `bun:"multiplier_pct" json:"multiplier_pct"` // points earned ×pct/100
	FreeShipping   bool   `bun:"free_shipping" json:"free_shipping"`
	DiscountPct    int64  `bun:"discount_pct" json:"discount_pct"`       // off every order's items
	BirthdayPoints int64  `bun:"birthday_points" json:"birthday_points"` // the birthday gift in points (GrantBirthday)
	MonthlyCoupon  string `bun:"monthly_coupon" json:"monthly_coupon"`   // a promotion requiring a code: each member gets a personal code of it monthly (coupons.go)
}

// Segment is the promotion segment members of the tier belong to
// ("tier:gold"), for core/promotion's Conditions.Segments.
func (t *Tier) Segment() string { return SegmentPrefix + t.Code }

// SegmentPrefix starts every tier segment.
const SegmentPrefix = "tier:"

// DefaultTiers are the five tiers of SEEDS §7, thresholds in spend (minor
// units of the shop's currency).
func DefaultTiers() []Tier {
	return []Tier{
		{Code: "new_member", Level: 0, Name: "New member", Threshold: 0, MultiplierPct: 100},
		{Code: "bronze", Level: 1, Name: "Bronze", Threshold: 10_000, MultiplierPct: 100, BirthdayPoints: 100},
		{Code: "silver", Level: 2, Name: "Silver", Threshold: 50_000, MultiplierPct: 125, FreeShipping: true, BirthdayPoints: 200},
		{Code: "gold", Level: 3, Name: "Gold", Threshold: 150_000, MultiplierPct: 150, FreeShipping: true, DiscountPct: 5, BirthdayPoints: 500},
		{Code: "premium", Level: 4, Name: "Premium", Threshold: 500_000, MultiplierPct: 200, FreeShipping: true, DiscountPct: 10, BirthdayPoints: 1000},
	}
}

// slug is an id made from a name: lower-case letters and digits joined
// by "-".
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		default:
			dash = true
		}
	}
	out := b.String() // never ends in "-": a dash is written before a letter only
	return out[:min(len(out), 40)]
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

func validateTiers(ts []Tier) error {
	if len(ts) == 0 || len(ts) > MaxTiers {
		return errs.Field("tiers", "give between 1 and %d tiers", MaxTiers)
	}
	seen := map[string]bool{}
	for i := range ts {
		t := &ts[i]
		f := fmt.Sprintf("tiers[%d].", i)
		t.Code = strings.ToLower(strings.TrimSpace(t.Code))
		t.Name = strings.TrimSpace(t.Name)
		t.MonthlyCoupon = strings.TrimSpace(t.MonthlyCoupon)
		t.Level = i
		switch {
		case t.Code == "" || len(t.Code) > 32 || strings.Trim(t.Code, "abcdefghijklmnopqrstuvwxyz0123456789_-") != "":
			return errs.Field(f+"code", "use 1–32 letters, digits, - or _")
		case seen[t.Code]:
			return errs.Field(f+"code", "is used twice")
		case t.Name == "" || utf8.RuneCountInString(t.Name) > 60 || !printable(t.Name):
			return errs.Field(f+"name", "give a name of up to 60 characters")
		case i == 0 && t.Threshold != 0:
			return errs.Field(f+"threshold", "the first tier starts at 0")
		case i > 0 && t.Threshold <= ts[i-1].Threshold:
			return errs.Field(f+"threshold", "must be higher than the tier before")
		case t.Threshold < 0 || t.Threshold > 1<<50:
			return errs.Field(f+"threshold", "is out of range")
		case t.MultiplierPct < 0 || t.MultiplierPct > 1000:
			return errs.Field(f+"multiplier_pct", "must be between 0 and 1000")
		case t.DiscountPct < 0 || t.DiscountPct > 100:
			return errs.Field(f+"discount_pct", "must be between 0 and 100")
		case t.BirthdayPoints < 0 || t.BirthdayPoints > maxPoints:
			return errs.Field(f+"birthday_points", "is out of range")
		case len(t.MonthlyCoupon) > 64 || !printable(t.MonthlyCoupon):
			return errs.Field(f+"monthly_coupon", "is not a code")
		}
		seen[t.Code] = true
	}
	return nil
}

type settingsRow struct {
	bun.BaseModel `bun:"table:loyalty_settings"`
	TenantID      string    `bun:"tenant_id,pk"`
	Enabled       bool      `bun:"enabled"` // Settings.Enabled, for LiveSQL
	Data          string    `bun:"data"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

// Program is a shop's settings with its tiers (lowest first).
type Program struct {
	Settings Settings `json:"settings"`
	Tiers    []Tier   `json:"tiers"`
}

// TierByCode returns the tier with the code, or the entry tier.
func (p *Program) TierByCode(code string) *Tier {
	for i := range p.Tiers {
		if p.Tiers[i].Code == code {
			return &p.Tiers[i]
		}
	}
	return &p.Tiers[0]
}

// qualified is the highest tier whose threshold metric reaches.
func (p *Program) qualified(metric int64) *Tier {
	t := &p.Tiers[0]
	for i := range p.Tiers {
		if metric >= p.Tiers[i].Threshold {
			t = &p.Tiers[i]
		}
	}
	return t
}

// LiveSQL is a boolean SQL expression telling whether the tenant (an SQL
// expression, usually "?") runs the programme, so its tier perks can
// apply: core/checkout's settings statement carries it beside
// promotion.LiveSQL, and asks for Perks only then.
func LiveSQL(tenantExpr string) string {
	return "EXISTS (SELECT 1 FROM loyalty_settings WHERE tenant_id = " + tenantExpr + " AND enabled)"
}

// programIn reads the shop's programme in q (two statements).
func programIn(ctx context.Context, q bun.IDB, tenant string) (*Program, error) {
	p := &Program{Settings: DefaultSettings()}
	var row settingsRow
	err := q.NewSelect().Model(&row).Where("tenant_id = ?", tenant).Scan(ctx)
	switch {
	case err == nil:
		if err := json.Unmarshal([]byte(row.Data), &p.Settings); err != nil {
			return nil, errs.Wrap(err, "loyalty: settings")
		}
	case !store.NoRows(err):
		return nil, errs.Wrap(err, "loyalty: settings")
	}
	if err := q.NewSelect().Model(&p.Tiers).Where("tenant_id = ?", tenant).Order("level").Scan(ctx); err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "loyalty: tiers")
	}
	if len(p.Tiers) == 0 {
		p.Tiers = DefaultTiers()
	}
	return p, nil
}

// Program returns the shop's settings and tiers.
func (s *Service) Program(ctx context.Context) (*Program, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var p *Program
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		p, err = programIn(ctx, q, tenant)
		return err
	})
	return p, err
}

// SaveSettings validates and stores the shop's settings, audited.
func (s *Service) SaveSettings(ctx context.Context, in Settings) (*Settings, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	b, _ := json.Marshal(in)
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		for i, o := range in.Coupons {
			if err := codedPromotion(ctx, q, tenant, o.PromotionID, fmt.Sprintf("coupons[%d].promotion_id", i)); err != nil {
				return err
			}
		}
		row := settingsRow{TenantID: tenant, Enabled: in.Enabled, Data: string(b), UpdatedAt: s.now()}
		if _, err := q.NewInsert().Model(&row).On("CONFLICT (tenant_id) DO UPDATE").Set("enabled = EXCLUDED.enabled, data = EXCLUDED.data, updated_at = EXCLUDED.updated_at").Exec(ctx); err != nil {
			return errs.Wrap(err, "loyalty: save settings")
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tenant, Action: "loyalty.settings", ObjectType: "loyalty_settings", ObjectID: tenant, After: string(b)})
	})
	if err != nil {
		return nil, err
	}
	return &in, nil
}

// SaveTiers replaces the shop's tiers (lowest first), audited. Customers
// keep the tier code they hold; a code that no longer exists reads as
// the entry tier until the next order or review.
func (s *Service) SaveTiers(ctx context.Context, ts []Tier) ([]Tier, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if err := validateTiers(ts); err != nil {
		return nil, err
	}
	for i := range ts {
		ts[i].TenantID = tenant
	}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		for i, t := range ts {
			if t.MonthlyCoupon == "" {
				continue
			}
			if err := codedPromotion(ctx, q, tenant, t.MonthlyCoupon, fmt.Sprintf("tiers[%d].monthly_coupon", i)); err != nil {
				return err
			}
		}
		if _, err := q.NewDelete().Model((*Tier)(nil)).Where("tenant_id = ?", tenant).Exec(ctx); err != nil {
			return errs.Wrap(err, "loyalty: save tiers")
		}
		if _, err := q.NewInsert().Model(&ts).Exec(ctx); err != nil {
			return errs.Wrap(err, "loyalty: save tiers")
		}
		names := make([]string, len(ts))
		for i, t := range ts {
			names[i] = fmt.Sprintf("%s≥%d", t.Code, t.Threshold)
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tenant, Action: "loyalty.tiers", ObjectType: "loyalty_tiers", ObjectID: tenant, After: strings.Join(names, ", ")})
	})
	if err != nil {
		return nil, err
	}
	return ts, nil
}

// TierSQL is the tier code ("" for none) of the customer row c (its
// tenant_id and id columns), for core/segment's rules.
const TierSQL = "COALESCE((SELECT a.tier_code FROM loyalty_accounts a WHERE a.tenant_id = c.tenant_id AND a.customer_id = c.id), '')"

// BalanceSQL is the points balance (the sum of the ledger's entries) of
// the customer row c, for core/segment's rules.
const BalanceSQL = "COALESCE((SELECT SUM(e.points) FROM loyalty_entries e WHERE e.tenant_id = c.tenant_id AND e.customer_id = c.id), 0)"

// codedPromotion is a 422 on field unless id is one of the shop's
// promotions that require a code (the promotion personal codes are
// issued of).
func codedPromotion(ctx context.Context, q bun.IDB, tenant, id, field string) error {
	_, err := promotion.CodedPromotionIn(ctx, q, tenant, id)
	var e *errs.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &e) && (e.Code == errs.NotFound || e.Field == "requires_code"):
		return errs.Field(field, "choose one of the shop's promotions that require a code")
	}
	return err
}
