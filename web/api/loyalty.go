package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/loyalty"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// Loyalty is the shop's membership programme on the console host
// (loyalty.read: owner, administrator, marketing, customer service and
// the read-only analyst; loyalty.write: owner, administrator, marketing):
// the programme's settings and tiers, a customer's points, tier and
// history, and staff adjustments (audited, with a reason). core/loyalty
// validates; errors name the field ("tiers[2].threshold", "points").

type (
	// LoyaltySettings are the programme's rules (amounts in minor units).
	LoyaltySettings = loyalty.Settings
	// LoyaltyTier is one membership level with its benefits.
	LoyaltyTier = loyalty.Tier
	// LoyaltyEntry is one line of a customer's points ledger.
	LoyaltyEntry = loyalty.Entry
	// LoyaltyTierChange is one change of a customer's tier.
	LoyaltyTierChange = loyalty.TierHistory
)

// LoyaltyProgram is the shop's settings and tiers (lowest tier first).
type LoyaltyProgram struct {
	Settings LoyaltySettings `json:"settings"`
	Tiers    []LoyaltyTier   `json:"tiers"`
}

// LoyaltyTiersRequest replaces the tiers, lowest first (the first starts
// at threshold 0).
type LoyaltyTiersRequest struct {
	Tiers []LoyaltyTier `json:"tiers"`
}

// LoyaltyMember is a customer's points, tier and history.
type LoyaltyMember struct {
	loyalty.Member
	Entries     []LoyaltyEntry      `json:"entries"`
	TierChanges []LoyaltyTierChange `json:"tier_changes"`
}

// LoyaltyAdjustRequest adds (points > 0) or takes points by hand; Key
// makes a retry safe.
type LoyaltyAdjustRequest struct {
	Points int64  `json:"points"`
	Reason string `json:"reason"`
	Key    string `json:"key,omitempty"`
}

// Routes are the programme and customers' points over JSON.
func (s *Loyalty) Routes() []httpx.Route {
	var t httpx.Table
	api := t.Group(httpx.ScopeTenant, "loyalty")
	api.API("GET", "/api/loyalty", perm.LoyaltyRead, "The loyalty programme: settings and tiers", nil, LoyaltyProgram{}, s.apiProgram)
	api.API("PUT", "/api/loyalty/settings", perm.LoyaltyWrite, "Replace the programme's settings", LoyaltySettings{}, LoyaltySettings{}, s.apiSettings)
	api.API("PUT", "/api/loyalty/tiers", perm.LoyaltyWrite, "Replace the tiers (lowest first; names, thresholds, benefits)", LoyaltyTiersRequest{}, LoyaltyTiersRequest{}, s.apiTiers)
	api.API("GET", "/api/customers/:customer/loyalty", perm.LoyaltyRead, "A customer's points balance, tier, progress and history", nil, LoyaltyMember{}, s.apiMember,
		httpx.QueryParam{Name: "limit", Type: "integer", Description: "entries and tier changes, 1 to 500 (default 50)"})
	api.API("GET", "/api/customers/:customer/coupons", perm.LoyaltyRead, "The personal coupons the programme gave a customer (monthly, bought with points)", nil, []LoyaltyCoupon{}, s.apiCoupons)
	api.API("POST", "/api/customers/:customer/points", perm.LoyaltyWrite, "Adjust a customer's points with a reason (taking more than the balance is 422)", LoyaltyAdjustRequest{}, LoyaltyEntry{}, s.apiAdjust)
	return t.Routes()
}

// Loyalty handles the programme's routes.
type Loyalty struct {
	loyalty *loyalty.Service
}

func (s *Loyalty) apiProgram(c *fiber.Ctx) error {
	p, err := s.loyalty.Program(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(LoyaltyProgram{Settings: p.Settings, Tiers: p.Tiers})
}

func (s *Loyalty) apiSettings(c *fiber.Ctx) error {
	var in LoyaltySettings
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	out, err := s.loyalty.SaveSettings(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Loyalty) apiTiers(c *fiber.Ctx) error {
	var in LoyaltyTiersRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	out, err := s.loyalty.SaveTiers(c.UserContext(), in.Tiers)
	if err != nil {
		return err
	}
	return c.JSON(LoyaltyTiersRequest{Tiers: out})
}

func (s *Loyalty) apiMember(c *fiber.Ctx) error {
	ctx := c.UserContext()
	limit, _ := strconv.Atoi(c.Query("limit"))
	m, _, err := s.loyalty.Member(ctx, c.Params("customer"))
	if err != nil {
		return err
	}
	h, err := s.loyalty.History(ctx, m.CustomerID, limit)
	if err != nil {
		return err
	}
	return c.JSON(LoyaltyMember{Member: *m, Entries: h.Entries, TierChanges: h.Tiers})
}

func (s *Loyalty) apiAdjust(c *fiber.Ctx) error {
	var in LoyaltyAdjustRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	e, err := s.loyalty.Adjust(c.UserContext(), c.Params("customer"), in.Points, in.Reason, in.Key)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(e)
}

func (s *Loyalty) apiCoupons(c *fiber.Ctx) error {
	ctx := c.UserContext()
	m, _, err := s.loyalty.Member(ctx, c.Params("customer")) // NotFound for another shop's customer
	if err != nil {
		return err
	}
	out, err := s.loyalty.Coupons(ctx, m.CustomerID)
	if err != nil {
		return err
	}
	return c.JSON(out)
}
