package storefront

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/aftersales"
	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/loyalty"
	"github.com/wasmart/wasmart/core/mailtoken"
	"github.com/wasmart/wasmart/core/review"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/view"
)

// Customer accounts on the shop's own host. The customer session (its
// cookie, its check, the current customer) is in web/internal/session.

// customerLoginsPerMinute caps sign-in and sign-up attempts per client
// address. Guessing against one account from many addresses is capped by
// the customer service (package loginguard), which lets known devices in.
const customerLoginsPerMinute = 10

// accountPages are customer sign-up, sign-in and the account.
type accountPages struct {
	*layout

	customers *customer.Service
	// carts takes in the browser's guest cart at sign-in.
	carts *cart.Service
	// afterSales reads the shopper's store credit.
	afterSales *aftersales.Service
	// ipRate caps sign-in and sign-up attempts per client address.
	ipRate *httpx.Limiter
	// loyalty: points, tier and referrals (nil: none).
	loyalty *loyalty.Service
	// reviews lists the shopper's own reviews (nil: none).
	reviews *review.Service
}

// memberView is the account page's loyalty section.
type memberView struct {
	*loyalty.Member
	Benefits []string
	ToNext   string // what is left to reach the next tier, in words
	Link     string // the referral link
	History  []loyalty.Entry
	// Coupons are the customer's personal codes (monthly coupons, coupons
	// bought with points); Offers the points catalogue; Share the query
	// that makes any product link a share link, and SharePoints what a
	// new visitor earns.
	Coupons     []couponLine
	Offers      []loyalty.CouponOffer
	Share       string
	SharePoints int64
	Key         string // a fresh idempotency key for the coupon form
}

// couponLine is a coupon on the account page.
type couponLine struct {
	loyalty.Coupon
	Status string // "Valid until 31 March 2026", "Used", "Expired"
}

// loadMember fills the account page's loyalty section when the shop runs
// a programme.
func (s *accountPages) loadMember(c *fiber.Ctx, v *shopView, customerID string) error {
	if s.loyalty == nil {
		return nil
	}
	ctx := c.UserContext()
	m, p, err := s.loyalty.Member(ctx, customerID)
	if err != nil || !p.Settings.Enabled {
		return err
	}
	h, err := s.loyalty.History(ctx, customerID, 20)
	if err != nil {
		return err
	}
	mv := &memberView{Member: m, History: h.Entries, Link: c.BaseURL() + "/account/signup?ref=" + m.ReferralCode}
	t := m.Tier
	if t.MultiplierPct != 100 {
		mv.Benefits = append(mv.Benefits, fmt.Sprintf("%d.%02d× points on every order", t.MultiplierPct/100, t.MultiplierPct%100))
	}
	if t.DiscountPct > 0 {
		mv.Benefits = append(mv.Benefits, fmt.Sprintf("%d%% off every order", t.DiscountPct))
	}
	if t.FreeShipping {
		mv.Benefits = append(mv.Benefits, "Free shipping")
	}
	if t.BirthdayPoints > 0 {
		mv.Benefits = append(mv.Benefits, fmt.Sprintf("%d birthday points", t.BirthdayPoints))
	}
	if t.MonthlyCoupon != "" {
		mv.Benefits = append(mv.Benefits, "A personal coupon every month")
	}
	coupons, err := s.loyalty.Coupons(ctx, customerID)
	if err != nil {
		return err
	}
	now := time.Now()
	for _, cp := range coupons {
		l := couponLine{Coupon: cp, Status: "Valid"}
		switch {
		case cp.Used:
			l.Status = "Used"
		case cp.ExpiresAt != nil && !now.Before(*cp.ExpiresAt):
			l.Status = "Expired"
		case cp.ExpiresAt != nil:
			l.Status = "Valid until " + dateText(cp.ExpiresAt.Add(-time.Second))
		}
		mv.Coupons = append(mv.Coupons, l)
	}
	mv.Offers, mv.Key = p.Settings.Coupons, store.NewID()
	if p.Settings.SharePoints > 0 {
		mv.Share, mv.SharePoints = "?"+loyalty.ShareParam+"="+m.ReferralCode, p.Settings.SharePoints
	}
	if n := m.Next; n != nil {
		left := n.Threshold - m.Progress
		if p.Settings.QualifyBy == loyalty.QualifyPoints {
			mv.ToNext = fmt.Sprintf("Earn %d more points within %d days to reach %s.", left, p.Settings.WindowDays, n.Name)
		} else {
			mv.ToNext = fmt.Sprintf("Spend %s more within %d days to reach %s.", view.Money(left, v.Shop.Currency), p.Settings.WindowDays, n.Name)
		}
	}
	v.Member = mv
	return nil
}

// routes are customer sign-up, sign-in and the account.
func (s *accountPages) routes(t *httpx.Table) {
	shop := t.Group(httpx.ScopeStorefront, "storefront")
	shop.Page("GET", "/account/signup", httpx.Public, "Customer sign-up form", s.shopSignupForm)
	shop.Page("POST", "/account/signup", httpx.Public, "Create a customer account (e-mail or phone and a password)", s.shopSignup)
	shop.Page("GET", "/account/login", httpx.Public, "Customer sign-in form", s.shopLoginForm)
	shop.Page("POST", "/account/login", httpx.Public, "Sign a customer in", s.shopLogin)
	shop.Page("POST", "/account/logout", httpx.Public, "Sign the customer out", s.shopLogout)
	shop.Page("GET", "/account/forgot", httpx.Public, "Forgotten password: ask for a reset link", s.shopForgotForm)
	shop.Page("POST", "/account/forgot", httpx.Public, "E-mail a password reset link", s.shopForgot)
	shop.Page("GET", "/account/reset", httpx.Public, "New password form (from an e-mailed link)", s.shopResetForm)
	shop.Page("POST", "/account/reset", httpx.Public, "Set a new password with an e-mailed token", s.shopReset)
	shop.Page("GET", "/account/verify", httpx.Public, "Confirm an e-mail address (from an e-mailed link)", s.shopVerifyForm)
	shop.Page("POST", "/account/verify", httpx.Public, "Mark the e-mail address verified with an e-mailed token", s.shopVerify)
	shop.Page("POST", "/account/verify/resend", httpx.Customer, "E-mail a new verification link", s.shopVerifyResend)
	shop.Page("GET", "/account", httpx.Customer, "Customer account: profile, addresses, consent, data", s.shopAccount)
	shop.Page("POST", "/account/profile", httpx.Customer, "Update the customer's profile", s.shopProfile)
	shop.Page("POST", "/account/password", httpx.Customer, "Change the customer's password", s.shopPassword)
	shop.Page("POST", "/account/addresses", httpx.Customer, "Add an address", s.shopAddAddress)
	shop.Page("POST", "/account/addresses/:id/delete", httpx.Customer, "Remove an address", s.shopDeleteAddress)
	shop.Page("POST", "/account/consent", httpx.Customer, "Give or withdraw marketing consent", s.shopConsent)
	shop.Page("POST", "/account/birthday", httpx.Customer, "Give the customer's birthday (once; staff change it after)", s.shopBirthday)
	shop.Page("POST", "/account/coupons", httpx.Customer, "Buy a coupon from the shop's catalogue with points", s.shopBuyCoupon)
	shop.Page("GET", "/account/export", httpx.Customer, "Download the customer's data (JSON)", s.shopExport)
	shop.Page("POST", "/account/delete", httpx.Customer, "Delete the account (personal data anonymised)", s.shopDeleteAccount)
}

// rememberDevice makes the browser a known device for the customer who
// just signed in. It is best effort: the sign-in stands if it fails.
func (s *accountPages) rememberDevice(c *fiber.Ctx, customerID string) {
	tok, err := s.customers.RememberDevice(c.UserContext(), customerID, s.DeviceToken(c))
	if err != nil {
		s.log.Warn("remember device", "request_id", httpx.RequestID(c), "err", err)
		return
	}
	s.SetDeviceCookie(c, tok)
}

func (s *accountPages) meta(c *fiber.Ctx) customer.SessionMeta {
	ua := c.Get(fiber.HeaderUserAgent)
	if len(ua) > 256 {
		ua = ua[:256]
	}
	return customer.SessionMeta{IP: c.IP(), UserAgent: ua, Device: s.DeviceToken(c)}
}

// shopFormError re-renders a form with the error and what was typed (never the
// password), with the error's status.
func (s *accountPages) shopFormError(c *fiber.Ctx, name string, v *shopView, err error) error {
	status, de := s.ToError(c, err)
	if status >= 500 {
		return err
	}
	v.Error = de
	c.Status(status)
	return s.renderShop(c, name, v)
}

func (s *accountPages) shopSignupForm(c *fiber.Ctx) error {
	v := s.formView(c, "Create an account")
	v.Form["next"] = httpx.SafeRedirect(c.Query("next"), "/account")
	v.Form["ref"] = loyalty.NormaliseReferralCode(c.Query("ref"))
	return s.renderShop(c, "shop/signup", v)
}

func (s *accountPages) shopSignup(c *fiber.Ctx) error {
	v := s.formView(c, "Create an account")
	in := customer.SignUpInput{
		Email: strings.TrimSpace(c.FormValue("email")), Phone: strings.TrimSpace(c.FormValue("phone")), Password: c.FormValue("password"),
		FirstName: strings.TrimSpace(c.FormValue("first_name")), LastName: strings.TrimSpace(c.FormValue("last_name")),
		AcceptsMarketing: c.FormValue("accepts_marketing") != "", ConsentSource: "storefront sign-up form",
		Verify: s.mailLink(c, "/account/verify?token="),
	}
	for _, k := range []string{"email", "phone", "first_name", "last_name", "accepts_marketing", "ref"} {
		v.Form[k] = c.FormValue(k)
	}
	v.Form["next"] = httpx.SafeRedirect(c.FormValue("next"), "/account")
	if ok, wait := s.ipRate.Allow("signup:"+c.IP(), customerLoginsPerMinute); !ok {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait.Seconds()+1)))
		return s.shopFormError(c, "shop/signup", v, errs.E(errs.RateLimited, "too many attempts; wait a minute and try again"))
	}
	cu, tok, err := s.customers.SignUp(c.UserContext(), in, s.meta(c))
	if err != nil {
		return s.shopFormError(c, "shop/signup", v, err)
	}
	s.SetCustomerCookie(c, tok)
	s.rememberDevice(c, cu.ID)
	s.mergeGuestCart(c, cu.ID)
	if ref := v.Form["ref"]; ref != "" && s.loyalty != nil {
		// The account exists either way; a code that does not apply (own,
		// unknown) is only logged.
		if _, err := s.loyalty.Refer(c.UserContext(), cu.ID, ref); err != nil && s.log != nil {
			s.log.Info("referral not recorded", "err", err)
		}
	}
	return c.Redirect(v.Form["next"], fiber.StatusSeeOther)
}

func (s *accountPages) shopLoginForm(c *fiber.Ctx) error {
	v := s.formView(c, "Sign in")
	v.Form["next"] = httpx.SafeRedirect(c.Query("next"), "/account")
	if c.Query("bye") != "" {
		v.Flash = "You are signed out."
	}
	if c.Query("deleted") != "" {
		v.Flash = "Your account is deleted."
	}
	if c.Query("reset") != "" {
		v.Flash = "Your password is changed. Sign in with it."
	}
	return s.renderShop(c, "shop/login", v)
}

func (s *accountPages) shopLogin(c *fiber.Ctx) error {
	v := s.formView(c, "Sign in")
	id := strings.TrimSpace(c.FormValue("identifier"))
	v.Form["identifier"] = id
	v.Form["next"] = httpx.SafeRedirect(c.FormValue("next"), "/account")
	if id == "" {
		return s.shopFormError(c, "shop/login", v, errs.Field("identifier", "enter your e-mail address or phone number"))
	}
	if ok, wait := s.ipRate.Allow("clogin:"+c.IP(), customerLoginsPerMinute); !ok {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait.Seconds()+1)))
		return s.shopFormError(c, "shop/login", v, errs.E(errs.RateLimited, "too many sign-in attempts; wait a minute and try again"))
	}
	cu, tok, err := s.customers.Login(c.UserContext(), id, c.FormValue("password"), s.meta(c))
	if err != nil {
		return s.shopFormError(c, "shop/login", v, httpx.RetryAfter(c, err))
	}
	s.SetCustomerCookie(c, tok)
	s.rememberDevice(c, cu.ID)
	s.mergeGuestCart(c, cu.ID)
	return c.Redirect(v.Form["next"], fiber.StatusSeeOther)
}

func (s *accountPages) shopLogout(c *fiber.Ctx) error {
	if tok := s.CustomerToken(c); tok != "" {
		if err := s.customers.Logout(c.UserContext(), tok); err != nil && !errs.Is(err, errs.Unauthenticated) && !errs.Is(err, errs.NotFound) {
			return err
		}
	}
	s.ClearCustomerCookie(c)
	return c.Redirect("/account/login?bye=1", fiber.StatusSeeOther)
}

var accountFlashes = map[string]string{
	"profile":  "Your profile is saved.",
	"password": "Your password is changed; other devices are signed out.",
	"address":  "The address is saved.",
	"removed":  "The address is removed.",
	"consent":  "Your marketing preference is saved.",
	"birthday": "Your birthday is saved.",
	"coupon":   "Your coupon is ready: find its code below.",
	"verify":   "We sent you a new link: check your inbox.",
	"verified": "Thank you: your e-mail address is confirmed.",
}

func (s *accountPages) loadAccount(c *fiber.Ctx, v *shopView) error {
	cu := s.CurrentCustomer(c)
	fresh, err := s.customers.Get(c.UserContext(), cu.ID)
	if err != nil {
		return err
	}
	v.Customer = fresh
	if v.Addresses, err = s.customers.Addresses(c.UserContext(), cu.ID); err != nil {
		return err
	}
	st, err := s.afterSales.StoreCredit(c.UserContext(), aftersales.CustomerCreditKey(cu.ID), 20)
	if err != nil {
		return err
	}
	v.StoreCredit = creditViewOf(st)
	if err := s.loadActivity(c, v, cu.ID); err != nil {
		return err
	}
	return s.loadMember(c, v, cu.ID)
}

// creditView is the store credit on the account page: the balance and
// the latest entries, in the shopper's words.
type creditView struct {
	Balance string // "" when there is none
	Entries []creditLine
}

type creditLine struct {
	Date, What, Amount string
}

func creditViewOf(st *aftersales.CreditStatement) *creditView {
	v := &creditView{}
	for _, b := range st.Balances {
		if v.Balance != "" {
			v.Balance += ", "
		}
		v.Balance += view.Money(b.Amount, b.Currency)
	}
	for _, e := range st.Entries {
		what := "Store credit"
		switch kind, _, _ := strings.Cut(e.Source, ":"); kind {
		case "return":
			what = "Credit for a return"
		case "order":
			what = "Spent on an order"
		case "cancel":
			what = "Given back: order cancelled"
		case "refund":
			what = "Given back: refund"
		}
		amount := view.Money(e.Amount, e.Currency)
		if e.Amount > 0 {
			amount = "+" + amount
		}
		v.Entries = append(v.Entries, creditLine{Date: dateText(e.CreatedAt), What: what, Amount: amount})
	}
	return v
}

func (s *accountPages) shopAccount(c *fiber.Ctx) error {
	v := s.formView(c, "Your account")
	if err := s.loadAccount(c, v); err != nil {
		return err
	}
	v.Flash = accountFlashes[c.Query("saved")]
	return s.renderShop(c, "shop/account", v)
}

// accountError shows the account page again with an input error.
func (s *accountPages) accountError(c *fiber.Ctx, err error) error {
	v := s.formView(c, "Your account")
	if lerr := s.loadAccount(c, v); lerr != nil {
		return lerr
	}
	c.Request().PostArgs().VisitAll(func(k, val []byte) {
		if key := string(k); !strings.Contains(key, "password") && key != httpx.CSRFField {
			v.Form[key] = string(val)
		}
	})
	return s.shopFormError(c, "shop/account", v, err)
}

func (s *accountPages) shopProfile(c *fiber.Ctx) error {
	cu := s.CurrentCustomer(c)
	cur, err := s.customers.Get(c.UserContext(), cu.ID)
	if err != nil {
		return err
	}
	// Staff-only fields (note, tags, state) are kept as they are.
	in := customer.UpdateInput{Email: strings.TrimSpace(c.FormValue("email")), Phone: strings.TrimSpace(c.FormValue("phone")),
		FirstName: strings.TrimSpace(c.FormValue("first_name")), LastName: strings.TrimSpace(c.FormValue("last_name")),
		Locale: cur.Locale, Note: cur.Note}
	if _, err := s.customers.Update(c.UserContext(), cu.ID, in); err != nil {
		return s.accountError(c, err)
	}
	return c.Redirect("/account?saved=profile", fiber.StatusSeeOther)
}

func (s *accountPages) shopPassword(c *fiber.Ctx) error {
	cu := s.CurrentCustomer(c)
	tok, err := s.customers.ChangePassword(c.UserContext(), cu.ID, c.FormValue("current_password"), c.FormValue("new_password"), s.meta(c))
	if err != nil {
		return s.accountError(c, err)
	}
	s.SetCustomerCookie(c, tok)
	return c.Redirect("/account?saved=password", fiber.StatusSeeOther)
}

func (s *accountPages) shopAddAddress(c *fiber.Ctx) error {
	cu := s.CurrentCustomer(c)
	a := customer.Address{FirstName: c.FormValue("first_name"), LastName: c.FormValue("last_name"), Company: c.FormValue("company"),
		Line1: c.FormValue("line1"), Line2: c.FormValue("line2"), City: c.FormValue("city"), Province: c.FormValue("province"),
		PostalCode: c.FormValue("postal_code"), Country: strings.ToUpper(strings.TrimSpace(c.FormValue("country"))), Phone: c.FormValue("address_phone"),
		IsDefault: c.FormValue("is_default") != ""}
	if _, err := s.customers.SaveAddress(c.UserContext(), cu.ID, a); err != nil {
		return s.accountError(c, err)
	}
	return c.Redirect("/account?saved=address#addresses", fiber.StatusSeeOther)
}

func (s *accountPages) shopDeleteAddress(c *fiber.Ctx) error {
	cu := s.CurrentCustomer(c)
	if err := s.customers.DeleteAddress(c.UserContext(), cu.ID, c.Params("id")); err != nil {
		return err
	}
	return c.Redirect("/account?saved=removed#addresses", fiber.StatusSeeOther)
}

func (s *accountPages) shopConsent(c *fiber.Ctx) error {
	cu := s.CurrentCustomer(c)
	if _, err := s.customers.SetMarketingConsent(c.UserContext(), cu.ID, c.FormValue("accepts_marketing") != "", "storefront account page"); err != nil {
		return s.accountError(c, err)
	}
	return c.Redirect("/account?saved=consent#consent", fiber.StatusSeeOther)
}

func (s *accountPages) shopBirthday(c *fiber.Ctx) error {
	month, err1 := strconv.Atoi(c.FormValue("birth_month"))
	day, err2 := strconv.Atoi(c.FormValue("birth_day"))
	if err1 != nil || err2 != nil {
		return s.accountError(c, errs.Field("birthday", "choose the month and day of your birthday"))
	}
	if _, err := s.customers.SetOwnBirthday(c.UserContext(), s.CurrentCustomer(c).ID, customer.Birthday{Month: month, Day: day}); err != nil {
		return s.accountError(c, err)
	}
	return c.Redirect("/account?saved=birthday#birthday", fiber.StatusSeeOther)
}

func (s *accountPages) shopBuyCoupon(c *fiber.Ctx) error {
	if s.loyalty == nil {
		return errs.NotFoundf("this shop has no points programme")
	}
	if _, err := s.loyalty.RedeemForCoupon(c.UserContext(), s.CurrentCustomer(c).ID, c.FormValue("offer"), c.FormValue("key")); err != nil {
		return s.accountError(c, err)
	}
	return c.Redirect("/account?saved=coupon#coupons", fiber.StatusSeeOther)
}

func (s *accountPages) shopExport(c *fiber.Ctx) error {
	cu := s.CurrentCustomer(c)
	b, err := s.customers.ExportJSON(c.UserContext(), cu.ID)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="my-data-`+time.Now().UTC().Format("2006-01-02")+`.json"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(b)
}

func (s *accountPages) shopDeleteAccount(c *fiber.Ctx) error {
	cu := s.CurrentCustomer(c)
	if strings.TrimSpace(strings.ToLower(c.FormValue("confirm"))) != "delete" {
		return s.accountError(c, errs.Field("confirm", `type DELETE to confirm`))
	}
	if err := s.customers.Delete(c.UserContext(), cu.ID); err != nil {
		return err
	}
	s.ClearCustomerCookie(c)
	return c.Redirect("/account/login?deleted=1", fiber.StatusSeeOther)
}

// mergeGuestCart folds the guest cart of this browser into the customer's
// cart at sign-in and forgets the guest cookie. A failed merge leaves the
// guest cart where it was (signing in still succeeds); it is logged.
func (s *accountPages) mergeGuestCart(c *fiber.Ctx, customerID string) {
	tok := s.GuestCartToken(c)
	if tok == "" || s.carts == nil {
		return
	}
	if err := s.carts.Merge(c.UserContext(), tok, customerID); err != nil {
		s.log.Warn("cart merge at sign-in", "request_id", httpx.RequestID(c), "err", err)
		return
	}
	s.ClearCartCookie(c)
}

// ---- password reset and e-mail verification (e-mailed links) ----

// mailLink is how the shop's mails name it and link back to page (its
// token is appended).
func (s *accountPages) mailLink(c *fiber.Ctx, page string) *customer.MailLink {
	return &customer.MailLink{Shop: s.Shop(c).Name, URL: s.BaseURL(c) + page, IP: c.IP()}
}

// linkError words a refused e-mailed link for the shopper.
func linkError(err error) error {
	if err == mailtoken.ErrInvalid {
		return errs.Field("token", "this link has expired or was already used")
	}
	return err
}

func (s *accountPages) shopForgotForm(c *fiber.Ctx) error {
	return s.renderShop(c, "shop/forgot", s.formView(c, "Forgot your password?"))
}

func (s *accountPages) shopForgot(c *fiber.Ctx) error {
	v := s.formView(c, "Forgot your password?")
	v.Form["email"] = strings.TrimSpace(c.FormValue("email"))
	if ok, wait := s.ipRate.Allow("cforgot:"+c.IP(), customerLoginsPerMinute); !ok {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait.Seconds()+1)))
		return s.shopFormError(c, "shop/forgot", v, errs.E(errs.RateLimited, "too many requests; wait a minute and try again"))
	}
	if err := s.customers.RequestPasswordReset(c.UserContext(), v.Form["email"], *s.mailLink(c, "/account/reset?token=")); err != nil {
		return s.shopFormError(c, "shop/forgot", v, err)
	}
	v.Flash = "If that address has an account here, a link to choose a new password is on its way. It works once, for one hour."
	return s.renderShop(c, "shop/forgot", v)
}

func (s *accountPages) shopResetForm(c *fiber.Ctx) error {
	v := s.formView(c, "Choose a new password")
	v.Form["token"] = c.Query("token")
	return s.renderShop(c, "shop/reset", v)
}

func (s *accountPages) shopReset(c *fiber.Ctx) error {
	v := s.formView(c, "Choose a new password")
	v.Form["token"] = c.FormValue("token")
	device, err := s.customers.ResetPassword(c.UserContext(), v.Form["token"], c.FormValue("password"), s.meta(c))
	if err != nil {
		return s.shopFormError(c, "shop/reset", v, linkError(err))
	}
	s.SetDeviceCookie(c, device)
	return c.Redirect("/account/login?reset=1", fiber.StatusSeeOther)
}

func (s *accountPages) shopVerifyForm(c *fiber.Ctx) error {
	v := s.formView(c, "Confirm your e-mail address")
	v.Form["token"] = c.Query("token")
	return s.renderShop(c, "shop/verify", v)
}

func (s *accountPages) shopVerify(c *fiber.Ctx) error {
	v := s.formView(c, "Confirm your e-mail address")
	v.Form["token"] = c.FormValue("token")
	if _, err := s.customers.VerifyEmail(c.UserContext(), v.Form["token"]); err != nil {
		if s.ShopperID(c) != "" {
			v.Form["signed_in"] = "1"
		}
		return s.shopFormError(c, "shop/verify", v, linkError(err))
	}
	if s.ShopperID(c) != "" {
		return c.Redirect("/account?saved=verified", fiber.StatusSeeOther)
	}
	v.Flash = "Thank you: your e-mail address is confirmed."
	v.Form["token"] = ""
	return s.renderShop(c, "shop/verify_done", v)
}

func (s *accountPages) shopVerifyResend(c *fiber.Ctx) error {
	if err := s.customers.SendVerification(c.UserContext(), s.CurrentCustomer(c).ID, *s.mailLink(c, "/account/verify?token=")); err != nil {
		return s.accountError(c, err)
	}
	return c.Redirect("/account?saved=verify", fiber.StatusSeeOther)
}
