package api

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/session"
)

// Sign-up, sign-in with the MFA step, sign-out and "who am I" over JSON;
// the signed-out pages are the merchant console's.

// Accounts serves sign-up, sign-in and sign-out over JSON.
type Accounts struct {
	*session.Kit
	tenants *tenants.Service
	admin   *admin.Admin
}

// Routes are sign-up, sign-in and sign-out over JSON.
func (s *Accounts) Routes() []httpx.Route {
	var t httpx.Table
	api := t.Group(httpx.ScopeNone, "accounts")
	api.API("POST", "/api/signup", httpx.Public, "Open a shop (creates the shop and its owner)", SignupRequest{}, SignupResponse{}, s.apiSignup)
	api.API("POST", "/api/sessions", httpx.Public, "Sign in; sets the session cookie or asks for the MFA step", LoginRequest{}, LoginResponse{}, s.apiLogin)
	api.API("POST", "/api/sessions/mfa", httpx.Public, "Second sign-in step", MFARequest{}, LoginResponse{}, s.apiMFA)
	api.API("DELETE", "/api/sessions/current", httpx.Authenticated, "Sign out", nil, nil, s.apiLogout)
	api.API("GET", "/api/me", httpx.Authenticated, "Who am I: user, current shop, roles", nil, MeResponse{}, s.apiMe)
	return t.Routes()
}

// SignupResponse names the new shop.
type SignupResponse struct {
	TenantID   string `json:"tenant_id"`
	Slug       string `json:"slug"`
	UserID     string `json:"user_id"`
	Storefront string `json:"storefront"`
}

// LoginRequest signs in.
type LoginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Shop     string `json:"shop,omitempty"`
}

// MFARequest is the second step.
type MFARequest struct {
	Challenge string `json:"challenge"`
	Code      string `json:"code"`
}

// LoginResponse says whether the MFA step is needed.
type LoginResponse struct {
	MFARequired bool      `json:"mfa_required"`
	Challenge   string    `json:"challenge,omitempty"`
	ExpiresAt   time.Time `json:"expires_at"`
	CSRFToken   string    `json:"csrf_token,omitempty"`
}

// MeResponse describes the signed-in principal.
type MeResponse struct {
	Kind          string   `json:"kind"`
	UserID        string   `json:"user_id"`
	Email         string   `json:"email"`
	TenantID      string   `json:"tenant_id"`
	TenantSlug    string   `json:"tenant_slug"`
	TenantStatus  string   `json:"tenant_status"`
	Roles         []string `json:"roles"`
	PlatformRoles []string `json:"platform_roles"`
	MFA           bool     `json:"mfa"`
	Permissions   []string `json:"permissions"`
}

func (s *Accounts) apiSignup(c *fiber.Ctx) error {
	var in SignupRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	t, u, err := s.admin.Signup(c, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(SignupResponse{TenantID: t.ID, Slug: t.Slug, UserID: u.ID, Storefront: s.StorefrontURL(t.Slug)})
}

func (s *Accounts) apiLogin(c *fiber.Ctx) error {
	var in LoginRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	res, err := s.tenants.Login(c.UserContext(), tenants.LoginInput{Email: in.Email, Password: in.Password, Shop: in.Shop, IP: c.IP(), UserAgent: c.Get(fiber.HeaderUserAgent), Device: s.DeviceToken(c)})
	if err != nil {
		return httpx.RetryAfter(c, err)
	}
	s.SetDeviceCookie(c, res.Device)
	if res.MFARequired {
		return c.JSON(LoginResponse{MFARequired: true, Challenge: res.ChallengeToken, ExpiresAt: res.ChallengeUntil})
	}
	s.SetStaffCookie(c, res.Token, res.Session.ExpiresAt)
	return c.JSON(LoginResponse{ExpiresAt: res.Session.ExpiresAt, CSRFToken: httpx.CSRFToken(c)})
}

func (s *Accounts) apiMFA(c *fiber.Ctx) error {
	var in MFARequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	res, err := s.tenants.LoginMFA(c.UserContext(), in.Challenge, in.Code, c.IP(), c.Get(fiber.HeaderUserAgent))
	if err != nil {
		return err
	}
	s.SetStaffCookie(c, res.Token, res.Session.ExpiresAt)
	return c.JSON(LoginResponse{ExpiresAt: res.Session.ExpiresAt, CSRFToken: httpx.CSRFToken(c)})
}

func (s *Accounts) apiLogout(c *fiber.Ctx) error {
	if err := s.tenants.Logout(c.UserContext(), s.StaffToken(c)); err != nil {
		return err
	}
	s.ClearStaffCookie(c)
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Accounts) apiMe(c *fiber.Ctx) error {
	p, err := s.Principal(c)
	if err != nil {
		return err
	}
	me := MeResponse{Kind: p.Kind, UserID: p.UserID, Email: p.Email, TenantID: p.TenantID, TenantSlug: p.TenantSlug,
		TenantStatus: p.TenantStatus, Roles: nonNil(p.Roles), PlatformRoles: nonNil(p.PlatformRoles), MFA: p.MFA, Permissions: []string{}}
	if p.TenantID != "" {
		perms, err := s.tenants.Permissions(c.UserContext(), p)
		if err != nil {
			return err
		}
		for _, x := range perms {
			me.Permissions = append(me.Permissions, string(x))
		}
	}
	return c.JSON(me)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
