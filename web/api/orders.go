package api

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/shipping"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// The merchant's order API on the console host: list with filters, one
// order with its timeline, payments, shipments and returns, staff notes,
// cancellation (stock goes back), the hand-set states (delivered,
// completed) and shipments. Every state change goes through core/order's
// transition table: an illegal one is 422 and changes nothing.

// NoteRequest adds a staff note.
type NoteRequest struct {
	Text string `json:"text"`
}

// CancelRequest cancels an order.
type CancelRequest struct {
	Reason string `json:"reason,omitempty"`
}

// StatusRequest moves an order to a state staff set by hand (delivered,
// completed).
type StatusRequest struct {
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
}

// ShipmentStatusRequest records a shipment's progress.
type ShipmentStatusRequest struct {
	Status string `json:"status"`
}

// ShipmentRequest ships some or all of an order's lines.
type ShipmentRequest = shipping.Input

// Orders serves the merchant's order routes.
type Orders struct {
	orders    *order.Service
	shipments *shipping.Service
	admin     *admin.Admin
}

// Routes are orders, their timeline and shipments over JSON.
func (s *Orders) Routes() []httpx.Route {
	var t httpx.Table
	api := t.Group(httpx.ScopeTenant, "orders")
	api.API("GET", "/api/orders", perm.OrdersRead, "Orders, newest first (filters: status, email, customer, number, before, limit)", nil, order.Page{}, s.apiOrders)
	api.API("GET", "/api/orders/:order", perm.OrdersRead, "An order with its timeline, payments, shipments and returns", nil, OrderDetail{}, s.apiOrder)
	api.API("GET", "/api/orders/:order/timeline", perm.OrdersRead, "An order's timeline, oldest first", nil, []order.Event{}, s.apiOrderTimeline)
	api.API("POST", "/api/orders/:order/notes", perm.OrdersWrite, "Add a staff note to the timeline", NoteRequest{}, order.Event{}, s.apiOrderNote)
	api.API("POST", "/api/orders/:order/cancel", perm.OrdersWrite, "Cancel an order that has not shipped; its stock goes back", CancelRequest{}, order.Order{}, s.apiOrderCancel)
	api.API("POST", "/api/orders/:order/status", perm.OrdersWrite, "Set a state staff may set by hand (delivered, completed)", StatusRequest{}, order.Order{}, s.apiOrderStatus)
	api.API("GET", "/api/orders/:order/shipments", perm.OrdersRead, "An order's shipments", nil, []shipping.Shipment{}, s.apiOrderShipments)
	api.API("POST", "/api/orders/:order/shipments", perm.FulfillmentWrite, "Ship some or all lines (no lines: everything not yet shipped) with carrier and tracking", ShipmentRequest{}, shipping.Shipment{}, s.apiShip)
	api.API("POST", "/api/shipments/:shipment/status", perm.FulfillmentWrite, "Record a shipment's progress (in_transit, out_for_delivery, delivered, failed)", ShipmentStatusRequest{}, shipping.Shipment{}, s.apiShipmentStatus)
	return t.Routes()
}

func orderFilter(c *fiber.Ctx) (order.Filter, error) {
	f := order.Filter{Status: order.Status(c.Query("status")), Email: c.Query("email"), CustomerID: c.Query("customer"), Before: c.Query("before")}
	if f.Status != "" && !f.Status.Valid() {
		return f, errs.Field("status", "is not an order state")
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return f, errs.Field("limit", "must be between 1 and 200")
		}
		f.Limit = n
	}
	return f, nil
}

func (s *Orders) apiOrders(c *fiber.Ctx) error {
	if n := strings.TrimPrefix(c.Query("number"), "#"); n != "" {
		num, err := strconv.ParseInt(n, 10, 64)
		if err != nil {
			return errs.Field("number", "must be an order number")
		}
		o, err := s.orders.GetByNumber(c.UserContext(), num)
		if errs.Is(err, errs.NotFound) {
			return c.JSON(order.Page{Orders: []order.Order{}})
		}
		if err != nil {
			return err
		}
		o.Lines = nil
		return c.JSON(order.Page{Orders: []order.Order{*o}})
	}
	f, err := orderFilter(c)
	if err != nil {
		return err
	}
	pg, err := s.orders.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	if pg.Orders == nil {
		pg.Orders = []order.Order{}
	}
	return c.JSON(pg)
}

func (s *Orders) apiOrder(c *fiber.Ctx) error {
	d, err := s.admin.OrderDetailOf(c, c.Params("order"))
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func (s *Orders) apiOrderTimeline(c *fiber.Ctx) error {
	o, err := s.orders.Get(c.UserContext(), c.Params("order"))
	if err != nil {
		return err
	}
	ev, err := s.orders.Timeline(c.UserContext(), o.ID)
	if err != nil {
		return err
	}
	if ev == nil {
		ev = []order.Event{}
	}
	return c.JSON(ev)
}

func (s *Orders) apiOrderNote(c *fiber.Ctx) error {
	var in NoteRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	ev, err := s.orders.AddNote(c.UserContext(), c.Params("order"), in.Text)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(ev)
}

func (s *Orders) apiOrderCancel(c *fiber.Ctx) error {
	var in CancelRequest
	if len(c.Body()) > 0 {
		if err := httpx.DecodeJSON(c, &in); err != nil {
			return err
		}
	}
	o, err := s.orders.Cancel(c.UserContext(), c.Params("order"), in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

func (s *Orders) apiOrderStatus(c *fiber.Ctx) error {
	var in StatusRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	st := order.Status(in.Status)
	if !st.Valid() {
		return errs.Field("status", "is not an order state")
	}
	o, err := s.orders.SetStatus(c.UserContext(), c.Params("order"), st, in.Message)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

func (s *Orders) apiOrderShipments(c *fiber.Ctx) error {
	o, err := s.orders.Get(c.UserContext(), c.Params("order"))
	if err != nil {
		return err
	}
	sh, err := s.shipments.ForOrder(c.UserContext(), o.ID)
	if err != nil {
		return err
	}
	if sh == nil {
		sh = []shipping.Shipment{}
	}
	return c.JSON(sh)
}

func (s *Orders) apiShip(c *fiber.Ctx) error {
	var in ShipmentRequest
	if len(c.Body()) > 0 {
		if err := httpx.DecodeJSON(c, &in); err != nil {
			return err
		}
	}
	for i, l := range in.Lines {
		if l.Quantity <= 0 {
			return errs.Field("lines["+strconv.Itoa(i)+"].quantity", "must be at least 1")
		}
	}
	sh, err := s.shipments.Create(c.UserContext(), c.Params("order"), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(sh)
}

func (s *Orders) apiShipmentStatus(c *fiber.Ctx) error {
	var in ShipmentStatusRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	switch st := shipping.Status(in.Status); st {
	case shipping.InTransit, shipping.OutForDelivery, shipping.Delivered, shipping.Failed, shipping.Shipped:
		sh, err := s.shipments.SetStatus(c.UserContext(), c.Params("shipment"), st)
		if err != nil {
			return err
		}
		return c.JSON(sh)
	}
	return errs.Field("status", "must be one of shipped, in_transit, out_for_delivery, delivered, failed")
}
