package console

import (
	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/view"
)

// Sign-up, sign-in with the MFA step, sign-out, password reset and
// invitations: the signed-out pages (their JSON twins are in the API).

// accountPages are sign-up, sign-in and the rest of the signed-out pages.
func (s *Accounts) accountPages(t *httpx.Table) {
	html := t.Group(httpx.ScopeNone, "accounts")
	html.Page("GET", "/", httpx.Public, "Landing: the console when signed in, else sign-in", s.handleLanding)
	html.Page("GET", "/login", httpx.Public, "Sign-in form", s.loginPage)
	html.Page("POST", "/login", httpx.Public, "Sign in", s.loginSubmit)
	html.Page("POST", "/login/mfa", httpx.Public, "Second sign-in step", s.mfaSubmit)
	html.Page("GET", "/signup", httpx.Public, "Shop sign-up form", s.signupPage)
	html.Page("POST", "/signup", httpx.Public, "Open a shop", s.signupSubmit)
	html.Page("GET", "/forgot", httpx.Public, "Password reset request form", s.forgotPage)
	html.Page("POST", "/forgot", httpx.Public, "Request a password reset e-mail", s.forgotSubmit)
	html.Page("GET", "/reset-password", httpx.Public, "New password form", s.resetPage)
	html.Page("POST", "/reset-password", httpx.Public, "Set a new password from an e-mailed token", s.resetSubmit)
	html.Page("GET", "/invitations/accept", httpx.Public, "Invitation acceptance form", s.invitePage)
	html.Page("POST", "/invitations/accept", httpx.Public, "Accept a staff invitation", s.inviteSubmit)
	html.Page("POST", "/logout", httpx.Authenticated, "Sign out", s.logout)
}

func (s *Accounts) handleLanding(c *fiber.Ctx) error {
	if _, err := s.Principal(c); err == nil {
		return c.Redirect("/console", fiber.StatusSeeOther)
	}
	return c.Redirect("/login", fiber.StatusSeeOther)
}

type loginData struct{ Next, Email, Challenge string }

func (s *Accounts) loginPage(c *fiber.Ctx) error {
	return s.Render(c, "auth/login", view.Page{Title: "Sign in", Data: loginData{Next: httpx.SafeRedirect(c.Query("next"), "/console")}, Flash: view.Flash(c)})
}

func (s *Accounts) loginSubmit(c *fiber.Ctx) error {
	next := httpx.SafeRedirect(c.FormValue("next"), "/console")
	res, err := s.tenants.Login(c.UserContext(), tenants.LoginInput{Email: c.FormValue("email"), Password: c.FormValue("password"),
		IP: c.IP(), UserAgent: c.Get(fiber.HeaderUserAgent), Device: s.DeviceToken(c)})
	if err != nil {
		return s.FormError(c, "auth/login", "Sign in", httpx.RetryAfter(c, err), loginData{Next: next, Email: c.FormValue("email")})
	}
	s.SetDeviceCookie(c, res.Device)
	if res.MFARequired {
		return s.Render(c, "auth/mfa", view.Page{Title: "Two-step verification", Data: loginData{Next: next, Challenge: res.ChallengeToken}})
	}
	s.SetStaffCookie(c, res.Token, res.Session.ExpiresAt)
	return c.Redirect(next, fiber.StatusSeeOther)
}

func (s *Accounts) mfaSubmit(c *fiber.Ctx) error {
	next := httpx.SafeRedirect(c.FormValue("next"), "/console")
	res, err := s.tenants.LoginMFA(c.UserContext(), c.FormValue("challenge"), c.FormValue("code"), c.IP(), c.Get(fiber.HeaderUserAgent))
	if err != nil {
		return s.FormError(c, "auth/mfa", "Two-step verification", err, loginData{Next: next, Challenge: c.FormValue("challenge")})
	}
	s.SetStaffCookie(c, res.Token, res.Session.ExpiresAt)
	return c.Redirect(next, fiber.StatusSeeOther)
}

func (s *Accounts) logout(c *fiber.Ctx) error {
	if err := s.tenants.Logout(c.UserContext(), s.StaffToken(c)); err != nil {
		return err
	}
	s.ClearStaffCookie(c)
	return c.Redirect("/login?flash=signed-out", fiber.StatusSeeOther)
}

type signupData struct {
	admin.SignupRequest
	BaseDomain string
}

func (s *Accounts) signupPage(c *fiber.Ctx) error {
	return s.Render(c, "auth/signup", view.Page{Title: "Open a shop", Data: signupData{SignupRequest: admin.SignupRequest{Currency: "EUR", Country: "FR"}, BaseDomain: s.BaseDomain()}})
}

func (s *Accounts) signupSubmit(c *fiber.Ctx) error {
	in := admin.SignupRequest{ShopName: c.FormValue("shop_name"), Slug: c.FormValue("slug"), Email: c.FormValue("email"), Name: c.FormValue("name"),
		Password: c.FormValue("password"), Currency: c.FormValue("currency"), Country: c.FormValue("country")}
	if _, _, err := s.admin.Signup(c, in); err != nil {
		in.Password = ""
		return s.FormError(c, "auth/signup", "Open a shop", err, signupData{SignupRequest: in, BaseDomain: s.BaseDomain()})
	}
	res, err := s.tenants.Login(c.UserContext(), tenants.LoginInput{Email: in.Email, Password: in.Password, Shop: in.Slug, IP: c.IP(), UserAgent: c.Get(fiber.HeaderUserAgent), Device: s.DeviceToken(c)})
	if err != nil {
		return err
	}
	s.SetDeviceCookie(c, res.Device)
	s.SetStaffCookie(c, res.Token, res.Session.ExpiresAt)
	return c.Redirect("/console?flash=welcome", fiber.StatusSeeOther)
}

func (s *Accounts) forgotPage(c *fiber.Ctx) error {
	return s.Render(c, "auth/forgot", view.Page{Title: "Reset your password"})
}

func (s *Accounts) forgotSubmit(c *fiber.Ctx) error {
	// The answer is the same whether or not the address has an account.
	if err := s.tenants.RequestPasswordReset(c.UserContext(), c.FormValue("email"), c.IP()); err != nil && errs.Is(err, errs.Internal) {
		return err
	} else if err != nil && errs.Is(err, errs.Invalid) {
		return s.FormError(c, "auth/forgot", "Reset your password", err, nil)
	}
	return s.Render(c, "auth/forgot", view.Page{Title: "Reset your password", Flash: "If that address has an account, a reset link is on its way."})
}

func (s *Accounts) resetPage(c *fiber.Ctx) error {
	return s.Render(c, "auth/reset", view.Page{Title: "Choose a new password", Data: map[string]string{"Token": c.Query("token")}})
}

func (s *Accounts) resetSubmit(c *fiber.Ctx) error {
	tok := c.FormValue("token")
	device, err := s.tenants.ResetPassword(c.UserContext(), tok, c.FormValue("password"), s.DeviceToken(c))
	if err != nil {
		return s.FormError(c, "auth/reset", "Choose a new password", err, map[string]string{"Token": tok})
	}
	s.SetDeviceCookie(c, device)
	return c.Redirect("/login?flash=password-reset", fiber.StatusSeeOther)
}

type inviteData struct {
	Token, ShopName, Email, Role string
	NewUser                      bool
}

func (s *Accounts) invitePage(c *fiber.Ctx) error {
	tok := c.Query("token")
	info, err := s.tenants.InvitationByToken(c.UserContext(), tok)
	if err != nil {
		return err
	}
	return s.Render(c, "auth/invite", view.Page{Title: "Join " + info.ShopName, Data: inviteData{Token: tok, ShopName: info.ShopName, Email: info.Email, Role: info.Role, NewUser: !info.HasAccount}})
}

func (s *Accounts) inviteSubmit(c *fiber.Ctx) error {
	tok := c.FormValue("token")
	info, err := s.tenants.InvitationByToken(c.UserContext(), tok)
	if err != nil {
		return err
	}
	_, shop, err := s.tenants.AcceptInvitation(c.UserContext(), tenants.AcceptInput{Token: tok, Name: c.FormValue("name"), Password: c.FormValue("password"), IP: c.IP()})
	if err != nil {
		return s.FormError(c, "auth/invite", "Join "+info.ShopName, err, inviteData{Token: tok, ShopName: info.ShopName, Email: info.Email, Role: info.Role, NewUser: !info.HasAccount})
	}
	res, err := s.tenants.Login(c.UserContext(), tenants.LoginInput{Email: info.Email, Password: c.FormValue("password"), Shop: shop.Slug, IP: c.IP(), UserAgent: c.Get(fiber.HeaderUserAgent), Device: s.DeviceToken(c)})
	if err != nil {
		return c.Redirect("/login?flash=invitation-accepted", fiber.StatusSeeOther)
	}
	s.SetDeviceCookie(c, res.Device)
	if res.MFARequired {
		return s.Render(c, "auth/mfa", view.Page{Title: "Two-step verification", Data: loginData{Next: "/console", Challenge: res.ChallengeToken}})
	}
	s.SetStaffCookie(c, res.Token, res.Session.ExpiresAt)
	return c.Redirect("/console?flash=welcome", fiber.StatusSeeOther)
}
