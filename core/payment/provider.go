package payment

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/wasmart/wasmart/core/errs"
)

// ResultStatus is what a provider says about a payment operation.
type ResultStatus string

// Provider results.
const (
	ResultAuthorized ResultStatus = "authorized" // money held, capture later
	ResultCaptured   ResultStatus = "captured"   // money taken
	ResultPending    ResultStatus = "pending"    // waiting (3-D Secure, bank transfer): a webhook or staff will confirm
	ResultDeclined   ResultStatus = "declined"   // refused by the issuer
	ResultSucceeded  ResultStatus = "succeeded"  // a refund went through
	ResultFailed     ResultStatus = "failed"     // technical failure
)

// AuthorizeRequest asks a provider to take (or hold) money.
type AuthorizeRequest struct {
	PaymentID string
	OrderID   string
	Amount    int64
	Currency  string
	Capture   bool   // capture immediately
	Source    string // card number (test gateway) or a provider token; never stored
	Key       string // idempotency key for the provider
}

// CaptureRequest captures an authorised payment.
type CaptureRequest struct {
	PaymentID string
	Ref       string
	Amount    int64
	Currency  string
}

// RefundRequest gives money back.
type RefundRequest struct {
	RefundID string
	Ref      string // the payment's provider reference
	Amount   int64
	Currency string
}

// Result is a provider's answer.
type Result struct {
	Status  ResultStatus
	Ref     string // provider reference of the payment or refund
	Message string // shown to staff (and, for declines, the shopper)
}

// Header reads a request header (the web layer passes its request's).
type Header func(name string) string

// WebhookEvent is a verified provider notification.
type WebhookEvent struct {
	ID     string `json:"id"`   // provider event id: processed at most once
	Type   string `json:"type"` // EventPaymentSucceeded, ...
	Ref    string `json:"payment_ref"`
	Amount int64  `json:"amount"`
}

// Webhook event types.
const (
	EventPaymentSucceeded = "payment.succeeded"
	EventPaymentFailed    = "payment.failed"
)

// Provider is a payment service: built-in (manual, test gateway) or a real
// gateway added later. Implementations must be safe for concurrent use.
type Provider interface {
	Code() string
	Authorize(ctx context.Context, req *AuthorizeRequest) (*Result, error)
	Capture(ctx context.Context, req *CaptureRequest) (*Result, error)
	Refund(ctx context.Context, req *RefundRequest) (*Result, error)
	// ParseWebhook verifies a notification's signature and decodes it;
	// a forged, stale or malformed one is an error (errs.Unauthenticated or
	// errs.Invalid).
	ParseWebhook(h Header, body []byte, now time.Time) (*WebhookEvent, error)
}

// ----------------------------------------------------------------- manual

// Manual is bank transfer or cash on delivery: payments stay pending until
// staff mark them paid (Service.MarkPaid); refunds are recorded (the money
// goes back outside Wasmart).
type Manual struct{ Method string } // "bank_transfer" or "cod"

// Code is "manual".
func (Manual) Code() string { return "manual" }

// Authorize leaves the payment pending.
func (m Manual) Authorize(_ context.Context, req *AuthorizeRequest) (*Result, error) {
	return &Result{Status: ResultPending, Ref: "manual_" + req.PaymentID, Message: "awaiting payment"}, nil
}

// Capture confirms.
func (Manual) Capture(context.Context, *CaptureRequest) (*Result, error) {
	return &Result{Status: ResultCaptured}, nil
}

// Refund records.
func (Manual) Refund(_ context.Context, req *RefundRequest) (*Result, error) {
	return &Result{Status: ResultSucceeded, Ref: "manual_" + req.RefundID, Message: "refund recorded; return the money outside Wasmart"}, nil
}

// ParseWebhook: manual payments have no webhooks.
func (Manual) ParseWebhook(Header, []byte, time.Time) (*WebhookEvent, error) {
	return nil, errs.E(errs.NotFound, "manual payments have no webhooks")
}

// ----------------------------------------------------------- test gateway

// Test card numbers understood by TestGateway.
const (
	CardSuccess = "4242424242424242"
	CardDecline = "4000000000000002"
	CardPending = "4000000000003220" // pending until confirmed by webhook (like 3-D Secure)
)

// SignatureHeader carries the test gateway's webhook signature:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>".
const SignatureHeader = "Wasmart-Signature"

// WebhookTolerance is how old (or how far in the future) a signed webhook
// may be.
const WebhookTolerance = 5 * time.Minute

// TestGateway is an in-process card gateway for development and tests: it
// decides by card number (see CardSuccess, CardDecline, CardPending; any
// other Luhn-valid number succeeds) and signs its webhooks with Secret.
type TestGateway struct {
	Secret []byte
}

// Code is "test".
func (*TestGateway) Code() string { return "test" }

func digitsOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, s)
}

// Luhn reports whether a card number passes the Luhn check.
func Luhn(n string) bool {
	if len(n) < 12 || len(n) > 19 {
		return false
	}
	sum, dbl := 0, false
	for i := len(n) - 1; i >= 0; i-- {
		c := n[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if dbl {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		dbl = !dbl
	}
	return sum%10 == 0
}

func ref(prefix string) string {
	var b [12]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// Authorize decides by card number.
func (g *TestGateway) Authorize(_ context.Context, req *AuthorizeRequest) (*Result, error) {
	n := digitsOnly(req.Source)
	if !Luhn(n) {
		return nil, errs.Field("card_number", "is not a valid card number")
	}
	switch n {
	case CardDecline:
		return &Result{Status: ResultDeclined, Ref: ref("tg_"), Message: "Your card was declined."}, nil
	case CardPending:
		return &Result{Status: ResultPending, Ref: ref("tg_"), Message: "Waiting for the card issuer to confirm."}, nil
	}
	if req.Capture {
		return &Result{Status: ResultCaptured, Ref: ref("tg_")}, nil
	}
	return &Result{Status: ResultAuthorized, Ref: ref("tg_")}, nil
}

// Capture always succeeds.
func (g *TestGateway) Capture(context.Context, *CaptureRequest) (*Result, error) {
	return &Result{Status: ResultCaptured}, nil
}

// Refund always succeeds.
func (g *TestGateway) Refund(context.Context, *RefundRequest) (*Result, error) {
	return &Result{Status: ResultSucceeded, Ref: ref("tgr_")}, nil
}

// Sign returns the signature header value for body at now.
func (g *TestGateway) Sign(body []byte, now time.Time) string {
	ts := strconv.FormatInt(now.Unix(), 10)
	m := hmac.New(sha256.New, g.Secret)
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// Webhook builds a signed webhook the gateway would send (used by tests
// and the development "confirm payment" page).
func (g *TestGateway) Webhook(ev WebhookEvent, now time.Time) (body []byte, signature string) {
	body, _ = json.Marshal(ev)
	return body, g.Sign(body, now)
}

// ParseWebhook verifies the signature (constant-time) and the timestamp.
func (g *TestGateway) ParseWebhook(h Header, body []byte, now time.Time) (*WebhookEvent, error) {
	if len(g.Secret) == 0 {
		return nil, errs.E(errs.Unavailable, "the test gateway has no webhook secret")
	}
	sig := h(SignatureHeader)
	var ts, v1 string
	for _, part := range strings.Split(sig, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			v1 = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || v1 == "" {
		return nil, errs.E(errs.Unauthenticated, "missing or malformed webhook signature")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > WebhookTolerance || d < -WebhookTolerance {
		return nil, errs.E(errs.Unauthenticated, "webhook timestamp outside the tolerance")
	}
	want := g.Sign(body, time.Unix(sec, 0))
	if !hmac.Equal([]byte(want), []byte("t="+ts+",v1="+v1)) {
		return nil, errs.E(errs.Unauthenticated, "webhook signature does not match")
	}
	var ev WebhookEvent
	if err := json.Unmarshal(body, &ev); err != nil || ev.ID == "" || ev.Type == "" {
		return nil, errs.Field("body", "is not a webhook event")
	}
	return &ev, nil
}
