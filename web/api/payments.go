package api

import (
	"encoding/json"
	"log/slog"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/idempotency"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// Payments: shoppers pay their order on the shop host (test card gateway
// or a manual method), payment providers call the webhook on the shop's
// host (the tenant comes from the host, the event is verified by the
// provider's HMAC signature and applied at most once per event id), and
// staff mark manual payments paid, capture and refund from the console
// host. Payments and refunds take an Idempotency-Key (required from
// shoppers, optional for staff); refunds can never sum past what was
// captured, even when sent concurrently (core/payment reserves the amount
// with a conditional UPDATE before calling the provider).

// StaffPayRequest records a manual payment (bank transfer, cash on
// delivery) that staff then mark paid.
type StaffPayRequest struct {
	Method string `json:"method"` // "bank_transfer" or "cod"
}

// MarkPaidRequest confirms a manual payment.
type MarkPaidRequest struct {
	Note string `json:"note,omitempty"`
}

// RefundRequest refunds part or all of a payment (or of an order, across
// its payments).
type RefundRequest struct {
	Amount int64  `json:"amount"`
	Reason string `json:"reason,omitempty"`
}

// PaymentsJSON are an order's payments and refunds.
type PaymentsJSON struct {
	Payments []payment.Payment `json:"payments"`
	Refunds  []payment.Refund  `json:"refunds"`
}

// Payments serves staff payments and refunds.
type Payments struct {
	log         *slog.Logger
	orders      *order.Service
	payments    *payment.Service
	idempotency *idempotency.Service
}

// Routes are staff payments and refunds over JSON.
func (s *Payments) Routes() []httpx.Route {
	var t httpx.Table
	api := t.Group(httpx.ScopeTenant, "payments")
	api.API("GET", "/api/orders/:order/payments", perm.OrdersRead, "An order's payments and refunds", nil, PaymentsJSON{}, s.apiOrderPayments)
	api.API("POST", "/api/orders/:order/payments", perm.OrdersWrite, "Record a manual payment (bank transfer, cash on delivery) for the balance; optional Idempotency-Key", StaffPayRequest{}, payment.Payment{}, s.apiStaffPay)
	api.API("POST", "/api/orders/:order/refunds", perm.OrdersRefund, "Refund an amount of the order across its payments, newest first; optional Idempotency-Key", RefundRequest{}, []payment.Refund{}, s.apiOrderRefund)
	api.API("POST", "/api/payments/:payment/mark-paid", perm.OrdersWrite, "Confirm a pending manual payment", MarkPaidRequest{}, payment.Payment{}, s.apiMarkPaid)
	api.API("POST", "/api/payments/:payment/capture", perm.OrdersWrite, "Capture an authorised payment", nil, payment.Payment{}, s.apiCapture)
	api.API("POST", "/api/payments/:payment/refunds", perm.OrdersRefund, "Refund part or all of a payment (never more than captured); optional Idempotency-Key", RefundRequest{}, payment.Refund{}, s.apiPaymentRefund)
	return t.Routes()
}

func (s *Payments) apiOrderPayments(c *fiber.Ctx) error {
	o, err := s.orders.Get(c.UserContext(), c.Params("order"))
	if err != nil {
		return err
	}
	ps, rs, err := s.payments.ForOrder(c.UserContext(), o.ID)
	if err != nil {
		return err
	}
	if ps == nil {
		ps = []payment.Payment{}
	}
	if rs == nil {
		rs = []payment.Refund{}
	}
	return c.JSON(PaymentsJSON{Payments: ps, Refunds: rs})
}

func (s *Payments) apiStaffPay(c *fiber.Ctx) error {
	key, err := idempotencyKey(c, false)
	if err != nil {
		return err
	}
	var in StaffPayRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	if in.Method != "bank_transfer" && in.Method != "cod" {
		return errs.Field("method", `must be "bank_transfer" or "cod"`)
	}
	o, err := s.orders.Get(c.UserContext(), c.Params("order"))
	if err != nil {
		return err
	}
	p, err := s.payments.Pay(c.UserContext(), payment.PayInput{OrderID: o.ID, Provider: "manual", Method: in.Method}, key)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(p)
}

func (s *Payments) apiMarkPaid(c *fiber.Ctx) error {
	var in MarkPaidRequest
	if len(c.Body()) > 0 {
		if err := httpx.DecodeJSON(c, &in); err != nil {
			return err
		}
	}
	p, err := s.payments.MarkPaid(c.UserContext(), c.Params("payment"), in.Note)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (s *Payments) apiCapture(c *fiber.Ctx) error {
	p, err := s.payments.Capture(c.UserContext(), c.Params("payment"))
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (s *Payments) apiPaymentRefund(c *fiber.Ctx) error {
	key, err := idempotencyKey(c, false)
	if err != nil {
		return err
	}
	var in RefundRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	if in.Amount <= 0 {
		return errs.Field("amount", "must be positive")
	}
	r, err := s.payments.Refund(c.UserContext(), payment.RefundInput{PaymentID: c.Params("payment"), Amount: in.Amount, Reason: in.Reason}, key)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(r)
}

func (s *Payments) apiOrderRefund(c *fiber.Ctx) error {
	key, err := idempotencyKey(c, false)
	if err != nil {
		return err
	}
	var in RefundRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	if in.Amount <= 0 {
		return errs.Field("amount", "must be positive")
	}
	o, err := s.orders.Get(c.UserContext(), c.Params("order"))
	if err != nil {
		return err
	}
	return s.idempotent(c, "order-refund:"+o.ID, key, func() (any, error) {
		return s.payments.RefundToOrder(c.UserContext(), o.ID, in.Amount, in.Reason, key)
	})
}

// idempotent runs fn at most once per key (lease mode: fn calls payment
// providers outside a transaction) and answers 201 with its JSON, or
// replays the stored answer byte for byte; the same key with another body
// is 422, with a request still in flight 409. Without a key fn just runs.
func (s *Payments) idempotent(c *fiber.Ctx, scope, key string, fn func() (any, error)) error {
	if key == "" {
		v, err := fn()
		if err != nil {
			return err
		}
		return c.Status(fiber.StatusCreated).JSON(v)
	}
	ctx := c.UserContext()
	req := idempotency.Request{Scope: scope, Key: key, Body: append([]byte(nil), c.Body()...)}
	prev, err := s.idempotency.Begin(ctx, req)
	if err != nil {
		return err
	}
	if prev == nil {
		v, err := fn()
		if err != nil {
			if ab := s.idempotency.Abort(ctx, req); ab != nil {
				s.log.Error("idempotency abort", "request_id", httpx.RequestID(c), "err", ab)
			}
			return err
		}
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		resp := idempotency.Response{Status: fiber.StatusCreated, Body: b}
		if err := s.idempotency.Finish(ctx, req, resp); err != nil {
			return err
		}
		prev = &resp
	} else {
		c.Set(replayedHeader, "true")
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Status(prev.Status).Send(prev.Body)
}
