package api

import (
	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/loyalty"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/session"
)

// StoreMember is the signed-in shopper's membership over JSON on the
// shop's own host (/api/store/account/*): their points, tier, coupons
// and the shop's points catalogue; buying a coupon with points; giving
// their birthday (once).
type StoreMember struct {
	*session.Kit
	loyalty   *loyalty.Service
	customers *customer.Service
}

// LoyaltyCoupon is a personal code the programme gave the customer.
type LoyaltyCoupon = loyalty.Coupon

// LoyaltyCouponOffer is a coupon of the shop's points catalogue.
type LoyaltyCouponOffer = loyalty.CouponOffer

// StoreMemberJSON is the shopper's membership: points, tier, progress,
// their coupons (newest first) and the coupons points buy.
type StoreMemberJSON struct {
	loyalty.Member
	Coupons []LoyaltyCoupon      `json:"coupons"`
	Offers  []LoyaltyCouponOffer `json:"offers"`
	// Share is the query that makes a product's address the shopper's
	// share link ("?share=CODE"); empty when sharing earns nothing.
	Share string `json:"share,omitempty"`
}

// CouponPurchase buys the catalogue's offer with points; Key makes a
// retry safe (the same key buys once).
type CouponPurchase struct {
	Offer string `json:"offer"`
	Key   string `json:"key,omitempty"`
}

// BirthdayRequest gives the shopper's birthday (month 1–12, day 1–31).
type BirthdayRequest struct {
	Month int `json:"month"`
	Day   int `json:"day"`
}

// Routes are the shopper's membership routes.
func (s *StoreMember) Routes() []httpx.Route {
	var t httpx.Table
	api := t.Group(httpx.ScopeStorefront, "store")
	api.API("GET", "/api/store/account/loyalty", httpx.Customer, "The signed-in customer's points, tier, coupons and the points catalogue", nil, StoreMemberJSON{}, s.apiMember)
	api.API("POST", "/api/store/account/coupons", httpx.Customer, "Buy a coupon of the catalogue with points (more than the balance is 422 on points)", CouponPurchase{}, LoyaltyCoupon{}, s.apiBuy)
	api.API("PUT", "/api/store/account/birthday", httpx.Customer, "Give the customer's birthday, once (a second time is 409: staff change it)", BirthdayRequest{}, customer.Customer{}, s.apiBirthday)
	return t.Routes()
}

func (s *StoreMember) shopper(c *fiber.Ctx) (string, error) {
	id := s.ShopperID(c)
	if id == "" {
		return "", errs.E(errs.Unauthenticated, "sign in to your customer account first")
	}
	if s.loyalty == nil {
		return "", errs.NotFoundf("this shop has no membership programme")
	}
	return id, nil
}

func (s *StoreMember) apiMember(c *fiber.Ctx) error {
	id, err := s.shopper(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	m, p, err := s.loyalty.Member(ctx, id)
	if err != nil {
		return err
	}
	if !p.Settings.Enabled {
		return errs.NotFoundf("this shop has no membership programme")
	}
	coupons, err := s.loyalty.Coupons(ctx, id)
	if err != nil {
		return err
	}
	out := StoreMemberJSON{Member: *m, Coupons: coupons, Offers: p.Settings.Coupons}
	if p.Settings.SharePoints > 0 {
		out.Share = "?" + loyalty.ShareParam + "=" + m.ReferralCode
	}
	return c.JSON(out)
}

func (s *StoreMember) apiBuy(c *fiber.Ctx) error {
	id, err := s.shopper(c)
	if err != nil {
		return err
	}
	var in CouponPurchase
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	cp, err := s.loyalty.RedeemForCoupon(c.UserContext(), id, in.Offer, in.Key)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(cp)
}

func (s *StoreMember) apiBirthday(c *fiber.Ctx) error {
	id := s.ShopperID(c)
	if id == "" {
		return errs.E(errs.Unauthenticated, "sign in to your customer account first")
	}
	var in BirthdayRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	cu, err := s.customers.SetOwnBirthday(c.UserContext(), id, customer.Birthday{Month: in.Month, Day: in.Day})
	if err != nil {
		return err
	}
	return c.JSON(cu)
}
