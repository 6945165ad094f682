package checkout

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/idempotency"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/core/pricing"
)

// Step is one step of the checkout pipeline (see the package doc).
type Step string

// The steps, in the order a checkout runs them. StepLines to StepTax are
// core/pricing's stages (pricing.StageBase … pricing.StageTax);
// StepPromotions is also where promotions claim their usage at placement.
const (
	StepValidate   Step = "validate"
	StepLines      Step = Step(pricing.StageBase)
	StepPromotions Step = Step(pricing.StagePromotions)
	StepExtension  Step = Step(pricing.StageExtension)
	StepShipping   Step = Step(pricing.StageShipping)
	StepTax        Step = Step(pricing.StageTax)
	StepTenders    Step = "tenders"
	StepPlace      Step = "place"
	StepPay        Step = "pay"
)

// Steps is the pipeline in order.
var Steps = []Step{StepValidate, StepLines, StepPromotions, StepExtension, StepShipping, StepTax, StepTenders, StepPlace, StepPay}

// A Hook plugs into the placing transaction at its Step: StepPromotions
// (claim coupon and promotion usage, budgets, quotas) or StepTenders
// (points, store credit, gift cards). Hooks run after pricing and before
// the order is written, in Step order and then in the order registered; an
// error rolls the whole checkout back and is the shopper's answer, so it
// should be an *errs.Error naming the field (e.g. "codes"). Hooks run
// inside the transaction q and must do everything through it (never a
// second connection).
type Hook interface {
	Step() Step
	Run(ctx context.Context, q bun.IDB, p *Placement) error
}

// Register plugs hooks into the service, at wiring time (before the first
// checkout). Only StepPromotions and StepTenders take hooks: the pricing
// stages plug into pricing.Pipeline, payment methods into core/payment's
// providers.
func (s *Service) Register(hooks ...Hook) error {
	for _, h := range hooks {
		if st := h.Step(); st != StepPromotions && st != StepTenders {
			return errs.E(errs.Internal, "checkout: hooks plug into %q or %q, not %q", StepPromotions, StepTenders, st)
		}
	}
	s.hooks = append(s.hooks, hooks...)
	sort.SliceStable(s.hooks, func(i, j int) bool { return s.hooks[i].Step() == StepPromotions && s.hooks[j].Step() == StepTenders })
	return nil
}

// Placement is the checkout a hook sees: whose cart, the request, the
// priced cart and the order about to be written (its ID is set, its row is
// not written yet; totals are final).
type Placement struct {
	Owner   cart.Owner
	Input   *Input
	Price   *pricing.Result
	Order   *order.Order
	tenders []tender
}

type tender struct {
	Source, Label string
	Amount        int64
}

// Take records that a tender hook took up to amount (minor units of the
// order's currency) of what is still to pay, from source (e.g.
// "store_credit"), shown to people as label. It returns what it took:
// never more than the balance, never negative. The amount counts as paid
// on the order, and the order's timeline says where it came from.
func (p *Placement) Take(source, label string, amount int64) int64 {
	amount = min(amount, p.Order.Balance())
	if amount <= 0 {
		return 0
	}
	p.Order.PaidTotal += amount
	p.tenders = append(p.tenders, tender{Source: source, Label: label, Amount: amount})
	return amount
}

// Payment choices at checkout (Pay.Method).
const (
	PayCard         = "card"          // the card gateway (today the built-in test gateway)
	PayBankTransfer = "bank_transfer" // manual: staff mark it paid
	PayCOD          = "cod"           // cash on delivery, manual
)

// cardProvider is the core/payment provider cards go to.
const cardProvider = "test"

// Pay is how the shopper pays at checkout.
type Pay struct {
	Method string `json:"method"`         // PayCard, PayBankTransfer or PayCOD
	Card   string `json:"card,omitempty"` // the card number (PayCard); never stored
}

// MarshalJSON writes the card only as its last four digits, so a card
// number never reaches a stored request hash, a log or an answer.
func (p Pay) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Method    string `json:"method"`
		CardLast4 string `json:"card_last4,omitempty"`
	}{p.Method, last4(cardDigits(p.Card))})
}

func cardDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

func last4(d string) string {
	if len(d) < 4 {
		return ""
	}
	return d[len(d)-4:]
}

// check validates the payment choice (StepValidate) in the shopper's words.
func (p *Pay) check() error {
	switch p.Method {
	case PayCard:
		if !payment.Luhn(cardDigits(p.Card)) {
			return errs.Field("payment.card", "enter a valid card number")
		}
	case PayBankTransfer, PayCOD:
	default:
		return errs.Field("payment.method", "choose how to pay")
	}
	return nil
}

// cardLater reports whether the choice is a card without a number. A card
// pays only what the tenders (points, store credit, gift cards) leave to
// pay, so such a choice is checked after them, in the placing transaction:
// an order they pay in full needs no card; otherwise the missing number is
// the usual error on "payment.card" and nothing is written.
func (p *Pay) cardLater() bool { return p.Method == PayCard && cardDigits(p.Card) == "" }

// provider is the core/payment provider of the choice.
func (p *Pay) provider() string {
	if p.Method == PayCard {
		return cardProvider
	}
	return "manual"
}

// input is the core/payment request for the order.
func (p *Pay) input(orderID string) payment.PayInput {
	if p.Method == PayCard {
		return payment.PayInput{OrderID: orderID, Provider: cardProvider, Source: cardDigits(p.Card)}
	}
	return payment.PayInput{OrderID: orderID, Provider: p.provider(), Method: p.Method}
}

// payKey is the payment's idempotency key (its scope is the order): one
// checkout pays its order once, also when the checkout is replayed.
const payKey = "checkout"

// Request is one checkout.
type Request struct {
	Owner cart.Owner
	Input Input
	// Key is the client's Idempotency-Key, scoped to whose cart it is: two
	// shoppers who pick the same key never see each other's orders.
	Key string
	// Body is what the key is bound to: the raw HTTP body for the JSON API
	// (the same bytes replay, other bytes get 422). Nil binds it to the
	// input (the card by its last four digits only).
	Body []byte
}

// Result is what a checkout did.
type Result struct {
	// Order is the order: as placed, or after a payment step as it is now.
	Order *order.Order
	// Answer is the stored answer (201 and the order as placed, as JSON),
	// byte for byte the same on every replay.
	Answer   idempotency.Response
	Replayed bool
	// Payment is the payment the payment step made (nil without one, or
	// when the order needed none).
	Payment *payment.Payment
	// PayError says why the payment step took no money while the order is
	// placed and awaits payment: a declined card is an *errs.Error on
	// "payment.card" in the shopper's words; other codes are failures to
	// log.
	PayError error
}

// Checkout validates, prices and places the order in one transaction,
// then pays it with Input.Pay (see the package doc for the steps). The
// error is nil whenever the order is placed, even if the payment failed
// (Result.PayError).
func (s *Service) Checkout(ctx context.Context, r Request) (*Result, error) {
	if s.idem == nil {
		return nil, errs.E(errs.Internal, "checkout: no idempotency service")
	}
	in := r.Input
	// StepValidate (the payment choice; the rest needs the cart).
	if in.Pay != nil {
		if s.payments == nil {
			return nil, errs.E(errs.Internal, "checkout: no payment service")
		}
		if err := in.Pay.check(); err != nil && !in.Pay.cardLater() {
			return nil, err
		}
		in.PaymentMethod = in.Pay.provider()
	}
	req := idempotency.Request{Scope: "checkout:" + idempotency.Hash("owner", []byte(r.Owner.CustomerID+"\x00"+r.Owner.Token)), Key: r.Key, Body: r.Body}
	if req.Body == nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, errs.Wrap(err, "checkout body")
		}
		req.Body = b
	}
	res := &Result{}
	err := s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		prev, err := s.idem.Claim(ctx, q, req)
		if err != nil {
			return err
		}
		if prev != nil {
			res.Answer, res.Replayed = *prev, true
			return nil
		}
		o, err := s.place(ctx, q, r.Owner, in)
		if err != nil {
			return err
		}
		b, err := json.Marshal(o)
		if err != nil {
			return errs.Wrap(err, "checkout response")
		}
		res.Answer = idempotency.Response{Status: 201, Body: b}
		return s.idem.Complete(ctx, q, req, res.Answer)
	})
	if err != nil {
		return nil, err
	}
	res.Order = new(order.Order)
	if err := json.Unmarshal(res.Answer.Body, res.Order); err != nil || res.Order.ID == "" {
		return nil, errs.E(errs.Internal, "checkout: stored answer without an order")
	}
	// StepPay: outside the transaction (the gateway is called), under the
	// order's own key, so a replay gets the first attempt's payment.
	if in.Pay == nil || res.Order.Status != order.PendingPayment {
		return res, nil
	}
	res.Payment, res.PayError = s.Pay(ctx, res.Order.ID, *in.Pay, payKey)
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		o, err := order.Load(ctx, q, res.Order.ID)
		if err == nil {
			res.Order = o
		}
		return err
	})
	return res, err
}

// Pay is StepPay on its own: it pays a placed order's balance with the
// shopper's choice (again after a declined card, or later than the
// checkout). key is the payment's Idempotency-Key (scoped to the order).
// A bad choice is a field error before anything is written; a declined
// card is an errs.Unprocessable error on "payment.card" in the shopper's
// words, with the failed payment.
func (s *Service) Pay(ctx context.Context, orderID string, p Pay, key string) (*payment.Payment, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	if s.payments == nil {
		return nil, errs.E(errs.Internal, "checkout: no payment service")
	}
	pm, err := s.payments.Pay(ctx, p.input(orderID), key)
	var e *errs.Error
	if errors.As(err, &e) && (e.Field == "payment" || e.Field == "card_number") { // declined, or refused by the gateway
		field := "payment.method"
		if p.Method == PayCard {
			field = "payment.card"
		}
		err = &errs.Error{Code: e.Code, Field: field, Message: e.Message}
	}
	return pm, err
}
