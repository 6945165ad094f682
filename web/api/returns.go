package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/aftersales"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// After-sales: the returns queue and service tickets for staff (console
// host), and for shoppers (shop host) the tracking lookup by order number
// and e-mail, return requests (the order's e-mail is the proof, within the
// shop's return window) and tickets.

// ReturnRequest asks for a return (shoppers give the order's e-mail).
type ReturnRequest = aftersales.RequestInput

// ReturnNote approves or rejects with a note for the shopper.
type ReturnNote struct {
	Note string `json:"note,omitempty"`
}

// ReceiveRequest records returned goods as back.
type ReceiveRequest struct {
	Restock    bool   `json:"restock"`
	LocationID string `json:"location_id,omitempty"`
}

// ResolveRequest refunds or credits a received return (amount 0: the
// value of the returned goods).
type ResolveRequest struct {
	Amount int64 `json:"amount,omitempty"`
}

// TicketRequest opens a ticket.
type TicketRequest = aftersales.TicketInput

// TicketReply adds a message to a ticket.
type TicketReply struct {
	Body string `json:"body"`
}

// TicketStatusRequest changes a ticket's status.
type TicketStatusRequest struct {
	Status string `json:"status"`
}

// Returns serves the returns queue and service tickets.
type Returns struct {
	afterSales *aftersales.Service
}

// Routes are the returns queue and service tickets over JSON.
func (s *Returns) Routes() []httpx.Route {
	var t httpx.Table
	api := t.Group(httpx.ScopeTenant, "returns")
	api.API("GET", "/api/returns", perm.ReturnsRead, "Returns queue, newest first (filters: status, order, before, limit)", nil, []aftersales.Return{}, s.apiReturns)
	api.API("POST", "/api/returns", perm.ReturnsWrite, "Record a return for an order (staff: no window)", ReturnRequest{}, aftersales.Return{}, s.apiReturnCreate)
	api.API("GET", "/api/returns/:return", perm.ReturnsRead, "A return with its lines", nil, aftersales.Return{}, s.apiReturn)
	api.API("POST", "/api/returns/:return/approve", perm.ReturnsWrite, "Approve a return request", ReturnNote{}, aftersales.Return{}, s.returnStep("approve"))
	api.API("POST", "/api/returns/:return/reject", perm.ReturnsWrite, "Reject a return request (frees its quantities)", ReturnNote{}, aftersales.Return{}, s.returnStep("reject"))
	api.API("POST", "/api/returns/:return/receive", perm.ReturnsWrite, "Record the goods as back, restocked or not", ReceiveRequest{}, aftersales.Return{}, s.apiReturnReceive)
	api.API("POST", "/api/returns/:return/restock", perm.ReturnsWrite, "Retry restocking a received return", ReceiveRequest{}, aftersales.Return{}, s.apiReturnRestock)
	api.API("POST", "/api/returns/:return/refund", perm.OrdersRefund, "Refund a received return to the original payments (retries are safe)", ResolveRequest{}, aftersales.Return{}, s.apiReturnRefund)
	api.API("POST", "/api/returns/:return/credit", perm.ReturnsWrite, "Resolve a received return with store credit", ResolveRequest{}, aftersales.Return{}, s.apiReturnCredit)
	api.API("POST", "/api/returns/:return/exchange", perm.ReturnsWrite, "Resolve a received return by exchange", ReturnNote{}, aftersales.Return{}, s.returnStep("exchange"))

	api.API("GET", "/api/tickets", perm.OrdersRead, "Service tickets, newest first (filters: status, order, email, before, limit)", nil, []aftersales.Ticket{}, s.apiTickets)
	api.API("POST", "/api/tickets", perm.OrdersWrite, "Open a ticket on a shopper's behalf", TicketRequest{}, aftersales.Ticket{}, s.apiTicketCreate)
	api.API("GET", "/api/tickets/:ticket", perm.OrdersRead, "A ticket with its messages", nil, aftersales.Ticket{}, s.apiTicket)
	api.API("POST", "/api/tickets/:ticket/replies", perm.OrdersWrite, "Reply to a ticket (it then waits for the customer)", TicketReply{}, aftersales.Message{}, s.apiTicketReply)
	api.API("POST", "/api/tickets/:ticket/status", perm.OrdersWrite, "Set a ticket's status (open, waiting, resolved, closed)", TicketStatusRequest{}, aftersales.Ticket{}, s.apiTicketStatus)
	return t.Routes()
}

func limitParam(c *fiber.Ctx) (int, error) {
	v := c.Query("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 200 {
		return 0, errs.Field("limit", "must be between 1 and 200")
	}
	return n, nil
}

func (s *Returns) apiReturns(c *fiber.Ctx) error {
	n, err := limitParam(c)
	if err != nil {
		return err
	}
	rs, err := s.afterSales.List(c.UserContext(), aftersales.ReturnFilter{Status: aftersales.ReturnStatus(c.Query("status")), OrderID: c.Query("order"), Before: c.Query("before"), Limit: n})
	if err != nil {
		return err
	}
	if rs == nil {
		rs = []aftersales.Return{}
	}
	return c.JSON(rs)
}

func (s *Returns) apiReturnCreate(c *fiber.Ctx) error {
	var in ReturnRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	r, err := s.afterSales.Request(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(r)
}

func (s *Returns) apiReturn(c *fiber.Ctx) error {
	r, err := s.afterSales.Get(c.UserContext(), c.Params("return"))
	if err != nil {
		return err
	}
	return c.JSON(r)
}

func (s *Returns) returnStep(step string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var in ReturnNote
		if len(c.Body()) > 0 {
			if err := httpx.DecodeJSON(c, &in); err != nil {
				return err
			}
		}
		as, ctx, id := s.afterSales, c.UserContext(), c.Params("return")
		var r *aftersales.Return
		var err error
		switch step {
		case "approve":
			r, err = as.Approve(ctx, id, in.Note)
		case "reject":
			r, err = as.Reject(ctx, id, in.Note)
		default:
			r, err = as.Exchange(ctx, id, in.Note)
		}
		if err != nil {
			return err
		}
		return c.JSON(r)
	}
}

func (s *Returns) apiReturnReceive(c *fiber.Ctx) error {
	var in ReceiveRequest
	if len(c.Body()) > 0 {
		if err := httpx.DecodeJSON(c, &in); err != nil {
			return err
		}
	}
	r, err := s.afterSales.Receive(c.UserContext(), c.Params("return"), in.Restock, in.LocationID)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

func (s *Returns) apiReturnRestock(c *fiber.Ctx) error {
	var in ReceiveRequest
	if len(c.Body()) > 0 {
		if err := httpx.DecodeJSON(c, &in); err != nil {
			return err
		}
	}
	r, err := s.afterSales.Restock(c.UserContext(), c.Params("return"), in.LocationID)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

func (s *Returns) resolveAmount(c *fiber.Ctx) (int64, error) {
	var in ResolveRequest
	if len(c.Body()) > 0 {
		if err := httpx.DecodeJSON(c, &in); err != nil {
			return 0, err
		}
	}
	if in.Amount < 0 {
		return 0, errs.Field("amount", "must not be negative")
	}
	return in.Amount, nil
}

func (s *Returns) apiReturnRefund(c *fiber.Ctx) error {
	amt, err := s.resolveAmount(c)
	if err != nil {
		return err
	}
	r, err := s.afterSales.Refund(c.UserContext(), c.Params("return"), amt)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

func (s *Returns) apiReturnCredit(c *fiber.Ctx) error {
	amt, err := s.resolveAmount(c)
	if err != nil {
		return err
	}
	r, err := s.afterSales.Credit(c.UserContext(), c.Params("return"), amt)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

func (s *Returns) apiTickets(c *fiber.Ctx) error {
	n, err := limitParam(c)
	if err != nil {
		return err
	}
	ts, err := s.afterSales.Tickets(c.UserContext(), aftersales.TicketFilter{Status: aftersales.TicketStatus(c.Query("status")), OrderID: c.Query("order"),
		Email: c.Query("email"), Before: c.Query("before"), Limit: n})
	if err != nil {
		return err
	}
	if ts == nil {
		ts = []aftersales.Ticket{}
	}
	return c.JSON(ts)
}

func (s *Returns) apiTicketCreate(c *fiber.Ctx) error {
	var in TicketRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	t, err := s.afterSales.OpenTicket(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(t)
}

func (s *Returns) apiTicket(c *fiber.Ctx) error {
	t, err := s.afterSales.Ticket(c.UserContext(), c.Params("ticket"))
	if err != nil {
		return err
	}
	return c.JSON(t)
}

func (s *Returns) apiTicketReply(c *fiber.Ctx) error {
	var in TicketReply
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	m, err := s.afterSales.Reply(c.UserContext(), c.Params("ticket"), in.Body)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(m)
}

func (s *Returns) apiTicketStatus(c *fiber.Ctx) error {
	var in TicketStatusRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	st := aftersales.TicketStatus(in.Status)
	switch st {
	case aftersales.TicketOpen, aftersales.TicketWaiting, aftersales.TicketResolved, aftersales.TicketClosed:
	default:
		return errs.Field("status", "must be open, waiting, resolved or closed")
	}
	if err := s.afterSales.SetTicketStatus(c.UserContext(), c.Params("ticket"), st); err != nil {
		return err
	}
	t, err := s.afterSales.Ticket(c.UserContext(), c.Params("ticket"))
	if err != nil {
		return err
	}
	return c.JSON(t)
}
