package console

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/loyalty"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/view"
)

// loyaltyPages are the programme's pages: its settings and tiers
// (loyalty.read to see, loyalty.write to change: marketing, owner,
// administrator) and a customer's points adjustment (loyalty.write; the
// customer page shows the customer's membership to loyalty.read, which
// customer service has too).
func (s *Loyalty) loyaltyPages(t *httpx.Table) {
	html := t.Group(httpx.ScopeTenant, "console")
	html.Page("GET", "/console/loyalty", perm.LoyaltyRead, "Loyalty programme: settings and tiers", s.programPage)
	html.Page("POST", "/console/loyalty/settings", perm.LoyaltyWrite, "Save the loyalty programme's settings", s.saveSettings)
	html.Page("POST", "/console/loyalty/tiers", perm.LoyaltyWrite, "Save the membership tiers", s.saveTiers)
	html.Page("POST", "/console/customers/:customer/points", perm.LoyaltyWrite, "Adjust a customer's points with a reason", s.adjust)
}

// settingsForm is the settings form as typed.
type settingsForm struct {
	Enabled                                         bool
	EarnPerUnit, RedeemRate, MaxRedeemPercent       string
	SignupPoints, ReviewPoints                      string
	ReferrerPoints, ReferredPoints, MaxReferrals    string
	ExpiryDays, ExpiryNoticeDays, QualifyBy, Window string
	Excluded                                        string
	SharePoints, MaxShares                          string
	Coupons                                         []couponRow
}

// couponRow is one coupon of the points catalogue as typed.
type couponRow struct {
	ID, Name, Points, PromotionID, ValidDays string
}

// codedOption is a promotion that requires a code, for the pickers.
type codedOption struct {
	ID, Name string
}

// tierRow is one row of the tier table as typed.
type tierRow struct {
	Code, Name, Threshold, Multiplier, Discount, Birthday, Coupon string
	FreeShipping                                                  bool
}

type loyaltyData struct {
	S        settingsForm
	Coded    []codedOption // the shop's promotions that require a code
	Tiers    []tierRow
	Currency string
	BySpend  bool
	CanWrite bool
}

func settingsFormOf(st *loyalty.Settings, cur string) settingsForm {
	return settingsForm{Enabled: st.Enabled, EarnPerUnit: itoa(st.EarnPerUnit), RedeemRate: itoa(st.RedeemRate), MaxRedeemPercent: itoa(st.MaxRedeemPercent),
		SignupPoints: itoa(st.SignupPoints), ReviewPoints: itoa(st.ReviewPoints), ReferrerPoints: itoa(st.ReferrerPoints), ReferredPoints: itoa(st.ReferredPoints),
		MaxReferrals: itoa(st.MaxReferralsPerMonth),
		ExpiryDays:   itoa(st.ExpiryDays), ExpiryNoticeDays: itoa(st.ExpiryNoticeDays), QualifyBy: st.QualifyBy, Window: itoa(st.WindowDays),
		Excluded: strings.Join(st.ExcludedProducts, ", "), SharePoints: itoa(st.SharePoints), MaxShares: itoa(st.MaxSharesPerDay),
		Coupons: couponRowsOf(st.Coupons)}
}

// couponRowsOf is the catalogue's rows plus three empty ones to add to
// (up to the limit).
func couponRowsOf(os []loyalty.CouponOffer) []couponRow {
	rows := make([]couponRow, 0, len(os)+3)
	for _, o := range os {
		rows = append(rows, couponRow{ID: o.ID, Name: o.Name, Points: itoa(o.Points), PromotionID: o.PromotionID, ValidDays: itoa(o.ValidDays)})
	}
	for len(rows) < min(len(os)+3, maxCouponRows) {
		rows = append(rows, couponRow{})
	}
	return rows
}

// maxCouponRows is the most catalogue rows the form has.
const maxCouponRows = 20

func tierRowsOf(ts []loyalty.Tier, bySpend bool, cur string) []tierRow {
	rows := make([]tierRow, 0, loyalty.MaxTiers)
	for _, t := range ts {
		th := itoa(t.Threshold)
		if bySpend {
			th = money.Format(t.Threshold, cur)
		}
		rows = append(rows, tierRow{Code: t.Code, Name: t.Name, Threshold: th, Multiplier: itoa(t.MultiplierPct), Discount: itoa(t.DiscountPct),
			Birthday: itoa(t.BirthdayPoints), Coupon: t.MonthlyCoupon, FreeShipping: t.FreeShipping})
	}
	for len(rows) < loyalty.MaxTiers {
		rows = append(rows, tierRow{})
	}
	return rows
}

func (s *Loyalty) render(c *fiber.Ctx, d loyaltyData) error {
	d.CanWrite = s.Can(c, perm.LoyaltyWrite)
	return s.PageWithError(c, "console/loyalty", "Loyalty programme", "loyalty", d)
}

// stored is the page as the programme is now.
func (s *Loyalty) stored(c *fiber.Ctx) (loyaltyData, error) {
	p, err := s.loyalty.Program(c.UserContext())
	if err != nil {
		return loyaltyData{}, err
	}
	cur := s.admin.ShopCurrency(c)
	by := p.Settings.QualifyBy != loyalty.QualifyPoints
	coded, err := s.coded(c)
	if err != nil {
		return loyaltyData{}, err
	}
	return loyaltyData{S: settingsFormOf(&p.Settings, cur), Coded: coded, Tiers: tierRowsOf(p.Tiers, by, cur), Currency: cur, BySpend: by}, nil
}

// coded lists the shop's promotions that require a code (the newest 200),
// for the monthly coupon and catalogue pickers.
func (s *Loyalty) coded(c *fiber.Ctx) ([]codedOption, error) {
	if s.promotions == nil {
		return nil, nil
	}
	pg, err := s.promotions.List(c.UserContext(), promotion.Filter{Limit: 200})
	if err != nil {
		return nil, err
	}
	var out []codedOption
	for _, p := range pg.Promotions {
		if p.RequiresCode {
			out = append(out, codedOption{ID: p.ID, Name: p.Name + " (" + string(p.StatusAt(time.Now())) + ")"})
		}
	}
	return out, nil
}

func (s *Loyalty) programPage(c *fiber.Ctx) error {
	d, err := s.stored(c)
	if err != nil {
		return err
	}
	return s.render(c, d)
}

// formNumber reads a whole number of 0 or more typed under label.
func formNumber(label, v string) (int64, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(v, ",", ""), 10, 64)
	if err != nil || n < 0 {
		return 0, errs.Field(label, "must be a whole number of 0 or more, not %q", v)
	}
	return n, nil
}

func readSettingsForm(c *fiber.Ctx) settingsForm {
	v := func(k string) string { return c.FormValue(k) }
	return settingsForm{Enabled: v("enabled") == "on", EarnPerUnit: v("earn_per_unit"), RedeemRate: v("redeem_rate"), MaxRedeemPercent: v("max_redeem_percent"),
		SignupPoints: v("signup_points"), ReviewPoints: v("review_points"), ReferrerPoints: v("referrer_points"), ReferredPoints: v("referred_points"),
		MaxReferrals: v("max_referrals_per_month"),
		ExpiryDays:   v("expiry_days"), ExpiryNoticeDays: v("expiry_notice_days"), QualifyBy: v("qualify_by"), Window: v("window_days"),
		Excluded: v("excluded_products"), SharePoints: v("share_points"), MaxShares: v("max_shares_per_day"),
		Coupons: readCouponRows(c)}
}

func readCouponRows(c *fiber.Ctx) []couponRow {
	var rows []couponRow
	for i := range maxCouponRows {
		k := func(f string) string { return strings.TrimSpace(c.FormValue("coupon_" + f + "_" + strconv.Itoa(i))) }
		r := couponRow{ID: k("id"), Name: k("name"), Points: k("points"), PromotionID: k("promotion"), ValidDays: k("days")}
		if r.Name == "" && r.Points == "" && r.PromotionID == "" {
			continue // an empty row: no coupon
		}
		rows = append(rows, r)
	}
	return rows
}

// settings turns the form into the programme's settings; errors name the
// field as the form labels it.
func (f *settingsForm) settings(base loyalty.Settings) (loyalty.Settings, error) {
	st := base
	st.Enabled, st.QualifyBy = f.Enabled, f.QualifyBy
	for _, x := range []struct {
		dst   *int64
		label string
		v     string
	}{
		{&st.EarnPerUnit, settingsLabels["earn_per_unit"], f.EarnPerUnit},
		{&st.RedeemRate, settingsLabels["redeem_rate"], f.RedeemRate},
		{&st.MaxRedeemPercent, settingsLabels["max_redeem_percent"], f.MaxRedeemPercent},
		{&st.SignupPoints, settingsLabels["signup_points"], f.SignupPoints},
		{&st.ReviewPoints, settingsLabels["review_points"], f.ReviewPoints},
		{&st.ReferrerPoints, settingsLabels["referrer_points"], f.ReferrerPoints},
		{&st.ReferredPoints, settingsLabels["referred_points"], f.ReferredPoints},
		{&st.MaxReferralsPerMonth, settingsLabels["max_referrals_per_month"], f.MaxReferrals},
		{&st.ExpiryDays, settingsLabels["expiry_days"], f.ExpiryDays},
		{&st.ExpiryNoticeDays, settingsLabels["expiry_notice_days"], f.ExpiryNoticeDays},
		{&st.WindowDays, settingsLabels["window_days"], f.Window},
		{&st.SharePoints, settingsLabels["share_points"], f.SharePoints},
		{&st.MaxSharesPerDay, settingsLabels["max_shares_per_day"], f.MaxShares},
	} {
		n, err := formNumber(x.label, x.v)
		if err != nil {
			return st, err
		}
		*x.dst = n
	}
	st.ExcludedProducts = splitIDs(f.Excluded)
	st.Coupons = []loyalty.CouponOffer{}
	for i, r := range f.Coupons {
		o := loyalty.CouponOffer{ID: r.ID, Name: r.Name, PromotionID: r.PromotionID}
		row := "Coupon " + strconv.Itoa(i+1) + ": "
		var err error
		if o.Points, err = formNumber(row+couponLabels["points"], r.Points); err != nil {
			return st, err
		}
		if o.ValidDays, err = formNumber(row+couponLabels["valid_days"], r.ValidDays); err != nil {
			return st, err
		}
		st.Coupons = append(st.Coupons, o)
	}
	return st, nil
}

func (s *Loyalty) saveSettings(c *fiber.Ctx) error {
	d, err := s.stored(c)
	if err != nil {
		return err
	}
	p, err := s.loyalty.Program(c.UserContext())
	if err != nil {
		return err
	}
	d.S = readSettingsForm(c)
	again := func() error { return s.render(c, d) }
	st, err := d.S.settings(p.Settings)
	if err == nil {
		_, err = s.loyalty.SaveSettings(c.UserContext(), st)
	}
	if err != nil {
		return s.PageError(c, loyaltyWords(err), again)
	}
	return view.Done(c, "/console/loyalty")
}

func (s *Loyalty) saveTiers(c *fiber.Ctx) error {
	d, err := s.stored(c)
	if err != nil {
		return err
	}
	again := func() error { return s.render(c, d) }
	d.Tiers = d.Tiers[:0]
	var ts []loyalty.Tier
	for i := range loyalty.MaxTiers {
		k := func(f string) string { return strings.TrimSpace(c.FormValue("tier_" + f + "_" + strconv.Itoa(i))) }
		r := tierRow{Code: k("code"), Name: k("name"), Threshold: k("threshold"), Multiplier: k("multiplier"), Discount: k("discount"),
			Birthday: k("birthday"), Coupon: k("coupon"), FreeShipping: k("free_shipping") == "on"}
		d.Tiers = append(d.Tiers, r)
		if r.Code == "" && r.Name == "" {
			continue // an empty row: no tier
		}
		row := "Tier " + strconv.Itoa(len(ts)+1)
		t := loyalty.Tier{Code: r.Code, Name: r.Name, FreeShipping: r.FreeShipping, MultiplierPct: 100}
		var err error
		if d.BySpend && r.Threshold != "" {
			t.Threshold, err = money.Parse(row+": "+tierLabels["threshold"], r.Threshold, d.Currency)
		} else {
			t.Threshold, err = formNumber(row+": "+tierLabels["threshold"], r.Threshold)
		}
		if err == nil && r.Multiplier != "" {
			t.MultiplierPct, err = formNumber(row+": "+tierLabels["multiplier_pct"], r.Multiplier)
		}
		if err == nil {
			t.DiscountPct, err = formNumber(row+": "+tierLabels["discount_pct"], r.Discount)
		}
		if err == nil {
			t.BirthdayPoints, err = formNumber(row+": "+tierLabels["birthday_points"], r.Birthday)
		}
		t.MonthlyCoupon = r.Coupon
		if err != nil {
			return s.PageError(c, err, again)
		}
		ts = append(ts, t)
	}
	if _, err := s.loyalty.SaveTiers(c.UserContext(), ts); err != nil {
		return s.PageError(c, loyaltyWords(err), again)
	}
	return view.Done(c, "/console/loyalty")
}

// adjust posts a staff adjustment from the customer page.
func (s *Loyalty) adjust(c *fiber.Ctx) error {
	id := c.Params("customer")
	again := func() error { return s.customerPage(c) }
	n, err := strconv.ParseInt(strings.TrimSpace(strings.ReplaceAll(c.FormValue("points"), "+", "")), 10, 64)
	if err != nil {
		return s.PageError(c, errs.Field("Points to add or take", "must be a whole number, negative to take points away"), again)
	}
	if _, err := s.loyalty.Adjust(c.UserContext(), id, n, c.FormValue("reason"), c.FormValue("key")); err != nil {
		return s.PageError(c, loyaltyWords(err), again)
	}
	return view.Done(c, "/console/customers/"+id)
}

// settingsLabels and tierLabels name the programme's fields as the forms
// label them.
var (
	settingsLabels = map[string]string{
		"earn_per_unit": "Points per currency unit spent", "redeem_rate": "Points worth one currency unit",
		"max_redeem_percent": "Most of an order points may pay (%)", "signup_points": "Points for signing up",
		"review_points": "Points for an approved review", "referrer_points": "Points for who refers a friend",
		"referred_points": "Points for the friend referred", "max_referrals_per_month": "Rewarded referrals per month (0: no limit)",
		"expiry_days": "Points expire after (days; 0: never)", "expiry_notice_days": "Expiry notice (days before)",
		"qualify_by": "Tiers are reached by", "window_days": "Over the last (days)", "excluded_products": "Products that earn no points",
		"points": "Points to add or take", "reason": "Reason",
		"share_points": "Points for a share link opened by someone new", "max_shares_per_day": "Paid share visits per customer a day (0: no limit)",
		"coupons": "Coupons for points",
	}
	couponLabels = map[string]string{
		"id": "id", "name": "name", "points": "points", "promotion_id": "promotion", "valid_days": "valid for (days)",
	}
	tierLabels = map[string]string{
		"code": "code", "name": "name", "threshold": "threshold", "multiplier_pct": "points multiplier (%)",
		"discount_pct": "discount (%)", "birthday_points": "birthday points", "monthly_coupon": "monthly coupon",
		"tiers": "Tiers",
	}
)

// loyaltyWords renames a service error's field to the form's label
// ("tiers[2].threshold" is "Tier 3: threshold").
func loyaltyWords(err error) error {
	var e *errs.Error
	if !errors.As(err, &e) || e.Field == "" {
		return err
	}
	cp := *e
	if l, ok := settingsLabels[e.Field]; ok {
		cp.Field = l
	} else if rest, ok := strings.CutPrefix(e.Field, "tiers["); ok {
		i, f, _ := strings.Cut(rest, "].")
		n, _ := strconv.Atoi(i)
		cp.Field = "Tier " + strconv.Itoa(n+1) + ": " + tierLabels[f]
	} else if rest, ok := strings.CutPrefix(e.Field, "coupons["); ok {
		i, f, _ := strings.Cut(rest, "].")
		n, _ := strconv.Atoi(i)
		cp.Field = "Coupon " + strconv.Itoa(n+1) + ": " + couponLabels[f]
	} else if l, ok := tierLabels[e.Field]; ok {
		cp.Field = l
	}
	return &cp
}
