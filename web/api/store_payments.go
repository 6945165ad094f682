package api

import (
	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// Paying an order on the shop host (Order-Token and Idempotency-Key
// required) and the payment providers' webhooks; see payments.go for the
// staff side and how refunds stay within what was captured.

// StorePayRequest pays an order's balance. Card is a card number for the
// test gateway; it is never stored (only its last four digits).
type StorePayRequest struct {
	Provider string `json:"provider"` // "test" or "manual"
	Method   string `json:"method,omitempty"`
	Card     string `json:"card,omitempty"`
}

// WebhookJSON is the answer to a provider's webhook.
type WebhookJSON struct {
	Duplicate bool   `json:"duplicate"`
	PaymentID string `json:"payment_id,omitempty"`
	Status    string `json:"status,omitempty"`
}

// paymentRoutes are paying an order and the providers' webhooks, on the
// shop's own host.
func (s *Storefront) paymentRoutes(t *httpx.Table) {
	api := t.Group(httpx.ScopeStorefront, "store")
	api.API("POST", "/api/store/orders/:order/payments", httpx.Public, "Pay the order's balance (Order-Token and Idempotency-Key headers required)", StorePayRequest{}, payment.Payment{}, s.apiStorePay)
	api.API("POST", "/api/store/payments/webhooks/:provider", httpx.Public, "Payment provider webhook (verified by the provider's signature, applied once per event id)", nil, WebhookJSON{}, s.apiPaymentWebhook)
}

func (s *Storefront) apiStorePay(c *fiber.Ctx) error {
	key, err := idempotencyKey(c, true)
	if err != nil {
		return err
	}
	var in StorePayRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	o, err := s.storeOrder(c, c.Params("order"))
	if err != nil {
		return err
	}
	switch in.Provider {
	case "test":
		if in.Card == "" {
			return errs.Field("card", "is required for card payments")
		}
	case "manual":
		if in.Method != "bank_transfer" && in.Method != "cod" {
			return errs.Field("method", `must be "bank_transfer" or "cod"`)
		}
	default:
		return errs.Field("provider", `must be "test" or "manual"`)
	}
	p, err := s.payments.Pay(c.UserContext(), payment.PayInput{OrderID: o.ID, Provider: in.Provider, Method: in.Method, Source: in.Card}, key)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(p)
}

func (s *Storefront) apiPaymentWebhook(c *fiber.Ctx) error {
	body := append([]byte(nil), c.Body()...)
	res, err := s.payments.HandleWebhook(c.UserContext(), c.Params("provider"), func(name string) string { return c.Get(name) }, body)
	if err != nil {
		return err
	}
	out := WebhookJSON{Duplicate: res.Duplicate}
	if res.Payment != nil {
		out.PaymentID, out.Status = res.Payment.ID, string(res.Payment.Status)
	}
	return c.JSON(out)
}
