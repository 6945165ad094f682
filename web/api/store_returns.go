package api

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/aftersales"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/shipping"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// The shoppers' side of after-sales on the shop host: tracking by order
// number and e-mail, return requests (the order's e-mail is the proof,
// within the shop's return window) and service tickets.

// TrackRequest looks an order up by number and e-mail.
type TrackRequest struct {
	Number string `json:"number"`
	Email  string `json:"email"`
}

// returnRoutes are order tracking, return requests and tickets from
// shoppers, on the shop's own host.
func (s *Storefront) returnRoutes(t *httpx.Table) {
	api := t.Group(httpx.ScopeStorefront, "store")
	api.API("POST", "/api/store/track", httpx.Public, "Track an order by its number and e-mail", TrackRequest{}, shipping.Tracking{}, s.apiTrack)
	api.API("POST", "/api/store/returns", httpx.Public, "Ask for a return (the order's e-mail is required; within the shop's return window)", ReturnRequest{}, aftersales.Return{}, s.apiStoreReturn)
	api.API("POST", "/api/store/tickets", httpx.Public, "Open a service ticket (about an order: its e-mail is required)", TicketRequest{}, aftersales.Ticket{}, s.apiStoreTicket)
}

func (s *Storefront) apiTrack(c *fiber.Ctx) error {
	var in TrackRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(in.Number), "#"), 10, 64)
	if err != nil || n <= 0 {
		return errs.Field("number", "must be an order number such as #1001")
	}
	if strings.TrimSpace(in.Email) == "" {
		return errs.Field("email", "is required")
	}
	tr, err := s.shipments.Track(c.UserContext(), n, in.Email)
	if err != nil {
		return err
	}
	if tr.Shipments == nil {
		tr.Shipments = []shipping.Shipment{}
	}
	return c.JSON(tr)
}

func (s *Storefront) apiStoreReturn(c *fiber.Ctx) error {
	var in ReturnRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.Email) == "" {
		return errs.Field("email", "is required: the e-mail the order was placed with")
	}
	r, err := s.afterSales.Request(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(r)
}

func (s *Storefront) apiStoreTicket(c *fiber.Ctx) error {
	var in TicketRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	in.CustomerID = s.ShopperID(c) // never taken from the body
	t, err := s.afterSales.OpenTicket(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(t)
}
