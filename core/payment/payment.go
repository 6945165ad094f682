// Package payment takes money for orders and gives it back.
//
// A Provider (authorise, capture, refund, webhook) does the talking to a
// payment service; two are built in: Manual (bank transfer or cash on
// delivery, marked paid by staff) and TestGateway (decides by card number so
// the whole flow runs without the internet). Payment records keep amounts
// captured and refunded; an order's paid_total and refunded_total follow
// them, and its state moves to paid, partially_refunded or refunded with a
// timeline event and an outbox event in the same transaction.
//
// # Never refunding more than was paid
//
// A refund first reserves its amount with a conditional UPDATE
// (refunded_amount + x <= captured_amount), backed by a CHECK constraint, in
// its own transaction; only then is the provider called, and a second
// transaction marks the refund succeeded (and updates the order) or failed
// (and gives the reservation back). Concurrent refunds therefore can never
// sum past what was captured, on either engine, and a crash between the two
// steps leaves a pending refund that still counts against the payment (the
// safe side) for staff to reconcile.
//
// # Webhooks
//
// Webhooks are verified by the provider (the test gateway: HMAC-SHA256 over
// timestamp and body, with a timestamp tolerance) and processed at most once
// per provider event id: the event id is inserted in the same transaction as
// its effect.
//
// Payments and refunds take an optional idempotency key (package
// idempotency, lease mode, since providers are called outside transactions).
//
// Tables: the package owns payments, payment_refunds and
// payment_webhook_events; the order's paid and refunded totals are
// core/order's (order.AddPaid, order.AddRefunded).
package payment

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/idempotency"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

func init() {
	sub, _ := fs.Sub(migrationsFS, "migrations")
	store.RegisterMigrations(store.Migrations{Module: "payment", Order: 42, FS: sub})
}

// Status is a payment's state.
type Status string

// Payment states.
const (
	StatusPending    Status = "pending"
	StatusAuthorized Status = "authorized"
	StatusCaptured   Status = "captured"
	StatusFailed     Status = "failed"
	StatusVoided     Status = "voided"
)

// Payment is money taken (or being taken) for an order.
type Payment struct {
	bun.BaseModel `bun:"table:payments"`

	TenantID       string    `bun:"tenant_id,pk" json:"-"`
	ID             string    `bun:"id,pk" json:"id"`
	OrderID        string    `bun:"order_id" json:"order_id"`
	Provider       string    `bun:"provider" json:"provider"`
	ProviderRef    string    `bun:"provider_ref" json:"provider_ref,omitempty"`
	Method         string    `bun:"method" json:"method,omitempty"`
	CardLast4      string    `bun:"card_last4" json:"card_last4,omitempty"`
	Status         Status    `bun:"status" json:"status"`
	Currency       string    `bun:"currency" json:"currency"`
	Amount         int64     `bun:"amount" json:"amount"`
	CapturedAmount int64     `bun:"captured_amount" json:"captured_amount"`
	RefundedAmount int64     `bun:"refunded_amount" json:"refunded_amount"`
	Message        string    `bun:"message" json:"message,omitempty"`
	CreatedAt      time.Time `bun:"created_at" json:"created_at"`
	UpdatedAt      time.Time `bun:"updated_at" json:"updated_at"`
}

// Refundable is what can still be refunded.
func (p *Payment) Refundable() int64 { return p.CapturedAmount - p.RefundedAmount }

// Refund states.
const (
	RefundPending   = "pending"
	RefundSucceeded = "succeeded"
	RefundFailed    = "failed"
)

// Refund is money given back from one payment.
type Refund struct {
	bun.BaseModel `bun:"table:payment_refunds"`

	TenantID    string    `bun:"tenant_id,pk" json:"-"`
	ID          string    `bun:"id,pk" json:"id"`
	PaymentID   string    `bun:"payment_id" json:"payment_id"`
	OrderID     string    `bun:"order_id" json:"order_id"`
	Amount      int64     `bun:"amount" json:"amount"`
	Status      string    `bun:"status" json:"status"`
	Reason      string    `bun:"reason" json:"reason,omitempty"`
	ProviderRef string    `bun:"provider_ref" json:"provider_ref,omitempty"`
	Message     string    `bun:"message" json:"message,omitempty"`
	ActorKind   string    `bun:"actor_kind" json:"actor_kind"`
	ActorID     string    `bun:"actor_id" json:"actor_id"`
	CreatedAt   time.Time `bun:"created_at" json:"created_at"`
	UpdatedAt   time.Time `bun:"updated_at" json:"updated_at"`
}

type webhookRow struct {
	bun.BaseModel `bun:"table:payment_webhook_events"`
	TenantID      string    `bun:"tenant_id,pk"`
	Provider      string    `bun:"provider,pk"`
	EventID       string    `bun:"event_id,pk"`
	EventType     string    `bun:"event_type"`
	ReceivedAt    time.Time `bun:"received_at"`
}

// PendingTimeout is how long a pending card payment blocks a new attempt on
// the same order; after it, a new attempt voids the old one.
const PendingTimeout = 30 * time.Minute

// Service takes payments for the context's tenant.
type Service struct {
	db        *store.DB
	idem      *idempotency.Service
	inventory order.Inventory
	mu        sync.RWMutex
	providers map[string]Provider
	refunded  []RefundHook
	// Now is the clock (tests).
	Now func() time.Time
}

// RefundHook runs inside the transaction that records a succeeded refund,
// after the order's refunded total and state moved (o is the order as it
// is then: refunded when this refund completed it): checkout.Promotions'
// Refunded is one (a partial refund lowers the promotions' revenue, a full
// one gives their usage back). An error rolls the recording back and the
// refund stays pending for staff to reconcile.
type RefundHook func(ctx context.Context, q bun.IDB, o *order.Order, amount int64) error

// OnRefund adds hooks run for every succeeded refund, at wiring time,
// before the service is used.
func (s *Service) OnRefund(hooks ...RefundHook) { s.refunded = append(s.refunded, hooks...) }

// New returns a Service with the given providers. inv (may be nil) commits
// the order's stock holds when it is paid.
func New(db *store.DB, idem *idempotency.Service, inv order.Inventory, providers ...Provider) *Service {
	s := &Service{db: db, idem: idem, inventory: inv, providers: map[string]Provider{}, Now: store.Now}
	for _, p := range providers {
		s.providers[p.Code()] = p
	}
	return s
}

// Register adds or replaces a provider.
func (s *Service) Register(p Provider) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.providers[p.Code()] = p
}

// Provider returns a registered provider.
func (s *Service) Provider(code string) (Provider, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.providers[code]
	if !ok {
		return nil, errs.Field("provider", "unknown payment provider %q", code)
	}
	return p, nil
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// PayInput starts a payment for an order's balance.
type PayInput struct {
	OrderID  string `json:"order_id"`
	Provider string `json:"provider"` // "test", "manual", ...
	Method   string `json:"method,omitempty"`
	Source   string `json:"-"` // card number or token; never stored, never hashed into logs
}

// withKey runs fn at most once per key (lease mode), replaying the stored
// JSON result into out. An empty key runs fn unguarded. A failed fn stores
// nothing (a retry is a new attempt) and its result and error are returned.
func withKey[T any](ctx context.Context, s *Service, scope, key string, body any, fn func() (*T, error)) (*T, error) {
	if key == "" || s.idem == nil {
		return fn()
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, errs.Wrap(err, "payment idempotency body")
	}
	req := idempotency.Request{Scope: scope, Key: key, Body: b}
	prev, err := s.idem.Begin(ctx, req)
	if err != nil {
		return nil, err
	}
	if prev != nil {
		out := new(T)
		if err := json.Unmarshal(prev.Body, out); err != nil {
			return nil, errs.Wrap(err, "payment idempotency replay")
		}
		return out, nil
	}
	out, err := fn()
	if err != nil {
		if ab := s.idem.Abort(ctx, req); ab != nil {
			return nil, ab
		}
		return out, err // e.g. a declined payment, with its error
	}
	rb, err := json.Marshal(out)
	if err != nil {
		return nil, errs.Wrap(err, "payment idempotency response")
	}
	if err := s.idem.Finish(ctx, req, idempotency.Response{Status: 200, Body: rb}); err != nil {
		return nil, err
	}
	return out, nil
}

// Pay charges the order's outstanding balance through a provider. The card
// source is part of the idempotency hash only as its last four digits.
func (s *Service) Pay(ctx context.Context, in PayInput, key string) (*Payment, error) {
	body := struct {
		PayInput
		Last4 string `json:"last4"`
	}{in, last4(in.Source)}
	return withKey(ctx, s, "pay:"+in.OrderID, key, body, func() (*Payment, error) { return s.pay(ctx, in) })
}

func last4(src string) string {
	d := digitsOnly(src)
	if len(d) >= 4 && Luhn(d) {
		return d[len(d)-4:]
	}
	return ""
}

func (s *Service) pay(ctx context.Context, in PayInput) (*Payment, error) {
	prov, err := s.Provider(in.Provider)
	if err != nil {
		return nil, err
	}
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	p := &Payment{TenantID: tenant, ID: store.NewID(), OrderID: in.OrderID, Provider: prov.Code(), Method: in.Method,
		CardLast4: last4(in.Source), Status: StatusPending}
	// 1. Record the attempt; the order row's version bump serialises
	// concurrent attempts on one order.
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		o, err := order.Load(ctx, q, in.OrderID)
		if err != nil {
			return err
		}
		if o.Status != order.PendingPayment {
			return &errs.Error{Code: errs.Unprocessable, Field: "order", Message: "order " + o.Name() + " is " + strings.ReplaceAll(string(o.Status), "_", " ") + ", not awaiting payment"}
		}
		if err := order.Lock(ctx, q, tenant, o.ID); err != nil {
			return err
		}
		var open []Payment
		if err := q.NewSelect().Model(&open).Where("tenant_id = ? AND order_id = ? AND status IN ('pending', 'authorized')", tenant, o.ID).Scan(ctx); err != nil {
			return errs.Wrap(err, "payment open")
		}
		now := s.now()
		for _, op := range open {
			if op.Provider != "manual" && now.Sub(op.CreatedAt) < PendingTimeout {
				return errs.E(errs.Conflict, "a payment for this order is awaiting confirmation")
			}
			if _, err := q.NewUpdate().Model((*Payment)(nil)).Set("status = ?", StatusVoided).Set("updated_at = ?", now).
				Where("tenant_id = ? AND id = ? AND status = ?", tenant, op.ID, op.Status).Exec(ctx); err != nil {
				return errs.Wrap(err, "payment void")
			}
		}
		amount := o.Balance()
		if amount <= 0 {
			return errs.E(errs.Unprocessable, "nothing to pay")
		}
		p.Amount, p.Currency, p.CreatedAt, p.UpdatedAt = amount, o.Currency, now, now
		_, err = q.NewInsert().Model(p).Exec(ctx)
		return errs.Wrap(err, "payment insert")
	})
	if err != nil {
		return nil, err
	}
	// 2. Ask the provider (outside any transaction).
	res, perr := prov.Authorize(ctx, &AuthorizeRequest{PaymentID: p.ID, OrderID: p.OrderID, Amount: p.Amount, Currency: p.Currency, Capture: true, Source: in.Source, Key: p.ID})
	// 3. Record the outcome.
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if perr != nil {
			return s.setStatus(ctx, q, p, StatusFailed, "", errs.CodeOf(perr) == errs.Invalid, perr.Error())
		}
		switch res.Status {
		case ResultCaptured:
			p.ProviderRef = res.Ref
			return s.capture(ctx, q, p, p.Amount, "Payment received ("+prov.Code()+")")
		case ResultAuthorized:
			return s.setStatus(ctx, q, p, StatusAuthorized, res.Ref, false, res.Message)
		case ResultPending:
			return s.setStatus(ctx, q, p, StatusPending, res.Ref, false, res.Message)
		default:
			return s.setStatus(ctx, q, p, StatusFailed, res.Ref, true, res.Message)
		}
	})
	if err != nil {
		return nil, err
	}
	if perr != nil {
		return p, perr
	}
	if p.Status == StatusFailed {
		return p, &errs.Error{Code: errs.Unprocessable, Field: "payment", Message: nonEmpty(res.Message, "the payment was declined")}
	}
	return p, nil
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (s *Service) setStatus(ctx context.Context, q bun.IDB, p *Payment, st Status, ref string, event bool, msg string) error {
	p.Status, p.Message, p.UpdatedAt = st, msg, s.now()
	if ref != "" {
		p.ProviderRef = ref
	}
	if _, err := q.NewUpdate().Model(p).Column("status", "provider_ref", "message", "updated_at").WherePK().Exec(ctx); err != nil {
		return errs.Wrap(err, "payment status")
	}
	if event || st == StatusPending {
		_, err := order.AddEvent(ctx, q, p.TenantID, p.OrderID, order.EventPayment,
			fmt.Sprintf("Payment %s (%s): %s", st, p.Provider, msg), map[string]any{"payment_id": p.ID, "amount": p.Amount})
		return err
	}
	return nil
}

// capture marks amount of p captured and applies it to the order.
func (s *Service) capture(ctx context.Context, q bun.IDB, p *Payment, amount int64, msg string) error {
	now := s.now()
	res, err := q.NewUpdate().Model((*Payment)(nil)).
		Set("status = ?", StatusCaptured).Set("captured_amount = captured_amount + ?", amount).
		Set("provider_ref = ?", p.ProviderRef).Set("updated_at = ?", now).
		Where("tenant_id = ? AND id = ? AND status IN ('pending', 'authorized') AND captured_amount + ? <= amount", p.TenantID, p.ID, amount).Exec(ctx)
	if err != nil {
		return errs.Wrap(err, "payment capture")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.E(errs.Conflict, "the payment is no longer awaiting capture")
	}
	p.Status, p.CapturedAmount, p.UpdatedAt = StatusCaptured, p.CapturedAmount+amount, now
	if err := order.AddPaid(ctx, q, p.TenantID, p.OrderID, amount, now); err != nil {
		return err
	}
	o, err := order.Load(ctx, q, p.OrderID)
	if err != nil {
		return err
	}
	if _, err := order.AddEvent(ctx, q, p.TenantID, p.OrderID, order.EventPayment, msg+": "+strconv.FormatInt(amount, 10)+" "+p.Currency,
		map[string]any{"payment_id": p.ID, "amount": amount}); err != nil {
		return err
	}
	if o.Status == order.PendingPayment && o.Balance() <= 0 {
		if err := order.Transition(ctx, q, o, order.Paid, "Order paid", nil); err != nil {
			return err
		}
		if s.inventory != nil {
			if err := s.inventory.Commit(ctx, q, o.TenantID, o.ID); err != nil {
				return err
			}
		}
		_, err = outbox.EnqueueEvent(ctx, q, o.TenantID, "order.paid", map[string]any{"order_id": o.ID, "number": o.Number, "payment_id": p.ID, "amount": amount, "email": o.Email})
		return err
	}
	return nil
}

// MarkPaid confirms a pending manual payment (staff saw the transfer or
// took the cash).
func (s *Service) MarkPaid(ctx context.Context, paymentID, note string) (*Payment, error) {
	var p Payment
	err := s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if err := s.load(ctx, q, paymentID, &p); err != nil {
			return err
		}
		if p.Provider != "manual" {
			return errs.Field("payment", "only manual payments are marked paid by staff")
		}
		if p.Status != StatusPending {
			return &errs.Error{Code: errs.Unprocessable, Field: "payment", Message: "the payment is " + string(p.Status)}
		}
		msg := "Marked paid by staff"
		if n := strings.TrimSpace(note); n != "" {
			msg += " (" + n + ")"
		}
		return s.capture(ctx, q, &p, p.Amount, msg)
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// Capture captures an authorised payment in full.
func (s *Service) Capture(ctx context.Context, paymentID string) (*Payment, error) {
	var p Payment
	if err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error { return s.load(ctx, q, paymentID, &p) }); err != nil {
		return nil, err
	}
	if p.Status != StatusAuthorized {
		return nil, &errs.Error{Code: errs.Unprocessable, Field: "payment", Message: "the payment is " + string(p.Status) + ", not authorised"}
	}
	prov, err := s.Provider(p.Provider)
	if err != nil {
		return nil, err
	}
	res, err := prov.Capture(ctx, &CaptureRequest{PaymentID: p.ID, Ref: p.ProviderRef, Amount: p.Amount, Currency: p.Currency})
	if err != nil {
		return nil, err
	}
	if res.Status != ResultCaptured {
		return nil, errs.E(errs.Unprocessable, "capture refused: %s", res.Message)
	}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error { return s.capture(ctx, q, &p, p.Amount, "Payment captured") })
	if err != nil {
		return nil, err
	}
	return &p, nil
}

func (s *Service) load(ctx context.Context, q bun.IDB, id string, p *Payment) error {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	if err := q.NewSelect().Model(p).Where("tenant_id = ? AND id = ?", tenant, id).Scan(ctx); err != nil {
		if store.NoRows(err) {
			return errs.NotFoundf("payment not found")
		}
		return errs.Wrap(err, "payment load")
	}
	return nil
}

// RefundInput asks to refund part or all of a payment.
type RefundInput struct {
	PaymentID string `json:"payment_id"`
	Amount    int64  `json:"amount"`
	Reason    string `json:"reason,omitempty"`
}

// Refund gives money back from a captured payment; the sum of refunds never
// exceeds what was captured (errs.Unprocessable otherwise).
func (s *Service) Refund(ctx context.Context, in RefundInput, key string) (*Refund, error) {
	return withKey(ctx, s, "refund:"+in.PaymentID, key, in, func() (*Refund, error) { return s.refund(ctx, in) })
}

func (s *Service) refund(ctx context.Context, in RefundInput) (*Refund, error) {
	if in.Amount <= 0 {
		return nil, errs.Field("amount", "must be positive")
	}
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if len(in.Reason) > 1000 {
		return nil, errs.Field("reason", "is too long")
	}
	var p Payment
	actor := tenancy.ActorFrom(ctx)
	now := s.now()
	r := &Refund{TenantID: tenant, ID: store.NewID(), PaymentID: in.PaymentID, Amount: in.Amount, Status: RefundPending,
		Reason: strings.TrimSpace(in.Reason), ActorKind: actor.Kind, ActorID: actor.ID, CreatedAt: now, UpdatedAt: now}
	// 1. Reserve the amount against the payment.
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if err := s.load(ctx, q, in.PaymentID, &p); err != nil {
			return err
		}
		if p.Status != StatusCaptured {
			return &errs.Error{Code: errs.Unprocessable, Field: "payment", Message: "only captured payments can be refunded"}
		}
		res, err := q.NewUpdate().Model((*Payment)(nil)).Set("refunded_amount = refunded_amount + ?", in.Amount).Set("updated_at = ?", now).
			Where("tenant_id = ? AND id = ? AND refunded_amount + ? <= captured_amount", tenant, p.ID, in.Amount).Exec(ctx)
		if err != nil && !store.IsCheckViolation(err) {
			return errs.Wrap(err, "refund reserve")
		}
		if n := rows(res); err != nil || n != 1 {
			return &errs.Error{Code: errs.Unprocessable, Field: "amount", Message: "the refund is more than what is left to refund on this payment"}
		}
		r.OrderID = p.OrderID
		_, err = q.NewInsert().Model(r).Exec(ctx)
		return errs.Wrap(err, "refund insert")
	})
	if err != nil {
		return nil, err
	}
	// 2. Ask the provider.
	prov, perr := s.Provider(p.Provider)
	var res *Result
	if perr == nil {
		res, perr = prov.Refund(ctx, &RefundRequest{RefundID: r.ID, Ref: p.ProviderRef, Amount: r.Amount, Currency: p.Currency})
	}
	if perr == nil && res.Status != ResultSucceeded {
		perr = errs.E(errs.Unprocessable, "refund refused: %s", nonEmpty(res.Message, string(res.Status)))
	}
	// 3. Record the outcome.
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		now := s.now()
		if perr != nil {
			r.Status, r.Message, r.UpdatedAt = RefundFailed, perr.Error(), now
			if _, err := q.NewUpdate().Model(r).Column("status", "message", "updated_at").WherePK().Exec(ctx); err != nil {
				return errs.Wrap(err, "refund failed")
			}
			_, err := q.NewUpdate().Model((*Payment)(nil)).Set("refunded_amount = refunded_amount - ?", r.Amount).
				Where("tenant_id = ? AND id = ?", tenant, p.ID).Exec(ctx)
			return errs.Wrap(err, "refund give back")
		}
		r.Status, r.ProviderRef, r.Message, r.UpdatedAt = RefundSucceeded, res.Ref, res.Message, now
		if _, err := q.NewUpdate().Model(r).Column("status", "provider_ref", "message", "updated_at").WherePK().Exec(ctx); err != nil {
			return errs.Wrap(err, "refund succeeded")
		}
		return s.applyRefund(ctx, q, r, p.Currency)
	})
	if err != nil {
		return nil, err
	}
	if perr != nil {
		return r, perr
	}
	return r, nil
}

func rows(res interface{ RowsAffected() (int64, error) }) int64 {
	if res == nil {
		return 0
	}
	n, _ := res.RowsAffected()
	return n
}

func (s *Service) applyRefund(ctx context.Context, q bun.IDB, r *Refund, currency string) error {
	if err := order.AddRefunded(ctx, q, r.TenantID, r.OrderID, r.Amount, r.UpdatedAt); err != nil {
		return err
	}
	o, err := order.Load(ctx, q, r.OrderID)
	if err != nil {
		return err
	}
	msg := "Refunded " + money.Formatter{}.Display(r.Amount, currency)
	if r.Reason != "" {
		msg += ": " + r.Reason
	}
	if _, err := order.AddEvent(ctx, q, r.TenantID, r.OrderID, order.EventRefund, msg, map[string]any{"refund_id": r.ID, "payment_id": r.PaymentID, "amount": r.Amount}); err != nil {
		return err
	}
	to := order.PartiallyRefunded
	if o.RefundedTotal >= o.PaidTotal {
		to = order.Refunded
	}
	if order.CanTransition(o.Status, to) {
		if err := order.Transition(ctx, q, o, to, "", nil); err != nil {
			return err
		}
	}
	for _, h := range s.refunded {
		if err := h(ctx, q, o, r.Amount); err != nil {
			return err
		}
	}
	_, err = outbox.EnqueueEvent(ctx, q, r.TenantID, "order.refunded", map[string]any{"order_id": o.ID, "number": o.Number, "refund_id": r.ID, "amount": r.Amount, "email": o.Email})
	return err
}

// WebhookResult says what a webhook did.
type WebhookResult struct {
	Duplicate bool     // already processed: nothing done
	Payment   *Payment // the payment it was about, if any
}

// HandleWebhook verifies and applies a provider notification, at most once
// per event id.
func (s *Service) HandleWebhook(ctx context.Context, provider string, h Header, body []byte) (*WebhookResult, error) {
	prov, err := s.Provider(provider)
	if err != nil {
		return nil, errs.NotFoundf("unknown payment provider")
	}
	ev, err := prov.ParseWebhook(h, body, s.now())
	if err != nil {
		return nil, err
	}
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	out := &WebhookResult{}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		res, err := q.NewInsert().Model(&webhookRow{TenantID: tenant, Provider: prov.Code(), EventID: ev.ID, EventType: ev.Type, ReceivedAt: s.now()}).
			On("CONFLICT DO NOTHING").Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "webhook record")
		}
		if rows(res) == 0 {
			out.Duplicate = true
			return nil
		}
		var p Payment
		err = q.NewSelect().Model(&p).Where("tenant_id = ? AND provider = ? AND provider_ref = ?", tenant, prov.Code(), ev.Ref).Limit(1).Scan(ctx)
		if store.NoRows(err) || ev.Ref == "" {
			return errs.NotFoundf("no payment with this reference")
		}
		if err != nil {
			return errs.Wrap(err, "webhook payment")
		}
		out.Payment = &p
		switch ev.Type {
		case EventPaymentSucceeded:
			if p.Status != StatusPending && p.Status != StatusAuthorized {
				return nil // already settled: nothing to do
			}
			return s.capture(ctx, q, &p, p.Amount-p.CapturedAmount, "Payment confirmed by "+prov.Code())
		case EventPaymentFailed:
			if p.Status != StatusPending {
				return nil
			}
			return s.setStatus(ctx, q, &p, StatusFailed, "", true, "declined after confirmation")
		}
		return nil // unknown types are acknowledged and ignored
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ForOrder returns an order's payments and refunds, oldest first.
func (s *Service) ForOrder(ctx context.Context, orderID string) ([]Payment, []Refund, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, nil, err
	}
	var ps []Payment
	var rs []Refund
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		if err := q.NewSelect().Model(&ps).Where("tenant_id = ? AND order_id = ?", tenant, orderID).OrderExpr("id").Scan(ctx); err != nil {
			return err
		}
		return q.NewSelect().Model(&rs).Where("tenant_id = ? AND order_id = ?", tenant, orderID).OrderExpr("id").Scan(ctx)
	})
	return ps, rs, errs.Wrap(err, "payment.ForOrder")
}

// RefundToOrder refunds amount of an order across its captured payments,
// newest first (used by after-sales). It returns the refunds made.
func (s *Service) RefundToOrder(ctx context.Context, orderID string, amount int64, reason, key string) ([]Refund, error) {
	ps, _, err := s.ForOrder(ctx, orderID)
	if err != nil {
		return nil, err
	}
	var left int64
	for _, p := range ps {
		if p.Status == StatusCaptured {
			left += p.Refundable()
		}
	}
	if amount <= 0 || amount > left {
		return nil, &errs.Error{Code: errs.Unprocessable, Field: "amount", Message: "the refund is more than what is left to refund on this order"}
	}
	var out []Refund
	for i := len(ps) - 1; i >= 0 && amount > 0; i-- {
		p := ps[i]
		if p.Status != StatusCaptured || p.Refundable() <= 0 {
			continue
		}
		x := min(amount, p.Refundable())
		k := ""
		if key != "" {
			k = key + ":" + p.ID
		}
		r, err := s.Refund(ctx, RefundInput{PaymentID: p.ID, Amount: x, Reason: reason}, k)
		if err != nil {
			return out, err
		}
		out = append(out, *r)
		amount -= x
	}
	return out, nil
}
