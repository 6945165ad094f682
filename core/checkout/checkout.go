// Package checkout is the one checkout use case: Service.Checkout turns a
// cart into an order and then pays it with the shopper's payment method or
// leaves it awaiting payment. The storefront's checkout form and the JSON
// API (POST /api/store/checkout) both call it; nothing else places orders.
//
// # The pipeline and its hook points
//
// A checkout runs these steps in this order (Steps lists them; a Step names
// each). Later features plug in where the step says, and nowhere else:
//
//  1. StepValidate: the input (e-mail, addresses, note, codes) and the
//     payment choice (a card number must pass the Luhn check) are checked;
//     a bad card is a field error and nothing is written. A card without a
//     number is checked after StepTenders instead: tenders that pay the
//     whole order need no card.
//  2. StepLines … StepTax: the cart is re-priced by the pricing pipeline
//     (core/pricing, whose stages run in this order: StepLines list prices,
//     StepPromotions offers and coupons, StepExtension the tenant's pricing
//     plugin, StepShipping, StepTax), never trusting prices the client saw.
//     The pipeline comes from the PipelineFunc given to CartConfig; its
//     promotions stage from the cart service's Offers (Promotions in this
//     package: the shop's live offers with the shopper's and the products'
//     facts). A code in Input.Codes that the price does not use refuses the
//     checkout with a 422 on "codes" and the offer's reason ("this code has
//     expired"); a gift the offers hold out is a line at zero, ordered and
//     reserved like any other.
//  3. StepPromotions at placement: Hooks registered for this step run in
//     the placing transaction, before anything else is written, and claim
//     what the prices used (coupon and promotion usage counts, campaign
//     budgets, flash-sale quotas) with conditional updates, so a limit
//     holds under any concurrency; an error refuses the checkout.
//     Promotions is this hook (core/promotion's Service.Redeem): a limit
//     another order reached meanwhile is a 409 on "codes", "lines" or
//     "promotions" with nothing written, and the shopper's next read of the
//     cart shows the new price. Refusing rather than placing the order at
//     the new price is deliberate: the shopper never pays more than the
//     price they confirmed without seeing it first.
//  4. StepTenders: Hooks registered for this step (points, store credit,
//     gift cards) take part of the total from the shopper's balance in the
//     same transaction and record it with Placement.Take; what they take
//     is paid before the payment method is asked for the rest, and an order
//     they pay in full is placed paid.
//  5. StepPlace: the stock is reserved through order.Inventory (core/
//     inventory's conditional updates: two shoppers can never both take the
//     last unit), the cart is closed, the order and its lines are written
//     with a price snapshot (every adjustment with its label and source,
//     and each order line's share of the order-level ones)
//     under the next order number (taken this late because the per-shop
//     counter row is the one lock all of a shop's checkouts share), the
//     "order.placed" event goes to the outbox, and the answer is stored with
//     the idempotency key. The transaction commits here.
//  6. StepPay: with a payment choice (Input.Pay), core/payment takes the
//     order's balance: a card through the card gateway, bank transfer and
//     cash on delivery as a manual payment that staff mark paid. A declined
//     card leaves the order placed and awaiting payment, with a field error
//     in Result.PayError; the shopper pays again later. Without a payment
//     choice the order waits for a payment through the payments API.
//
// Steps 1–5 run in one transaction (store.Write; only the payment choice
// is checked before it opens) that first claims the idempotency key
// (package idempotency), scoped to whose cart it is: a retry with the same
// key and body replays the stored answer byte for byte; another body gets
// 422; concurrent duplicates wait and replay. Any failure
// rolls everything back: no half-created order, no stock moved, no usage
// claimed, no key consumed. The payment step calls the gateway outside any
// transaction, under its own idempotency key scoped to the order, so a
// replayed checkout replays its payment instead of charging twice.
//
// Without hooks a checkout issues 11 statements of its own plus the
// transaction's BEGIN, COMMIT (and, on PostgreSQL, the RLS scope), plus what
// core/inventory needs to reserve each line (5 per line today): 18–19 for one
// line, 23–24 for two (TestStatementsPerCheckout pins these numbers).
// Promotions add nothing when none is live (the settings statement says
// so), three with an automatic offer applied (snapshot, usage update,
// redemption record) and seven with an automatic offer and a code
// (TestStatementsPerCheckoutWithPromotions).
//
// Tables: the package owns checkout_settings; it reaches carts, stock,
// orders and payments through core/cart, core/inventory, core/order and
// core/payment.
package checkout

import (
	"context"
	"embed"
	"io/fs"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/idempotency"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/store"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

func init() {
	sub, _ := fs.Sub(migrationsFS, "migrations")
	store.RegisterMigrations(store.Migrations{Module: "checkout", Order: 45, FS: sub})
}

// Service is the checkout use case.
type Service struct {
	db        *store.DB
	carts     *cart.Service
	idem      *idempotency.Service
	inventory order.Inventory
	payments  *payment.Service
	hooks     []Hook // in Step order, then in the order registered
}

// New returns a Service. carts prices (its ConfigFunc should be
// CartConfig); inv reserves stock (a *Stock over core/inventory); payments
// takes the payment step (nil: checkouts with a payment choice are refused).
func New(db *store.DB, carts *cart.Service, idem *idempotency.Service, inv order.Inventory, payments *payment.Service) *Service {
	return &Service{db: db, carts: carts, idem: idem, inventory: inv, payments: payments}
}

// Input is a checkout request.
type Input struct {
	Email           string         `json:"email"`
	ShippingAddress order.Address  `json:"shipping_address"`
	BillingAddress  *order.Address `json:"billing_address,omitempty"` // nil: same as shipping
	ShippingCode    string         `json:"shipping_method"`
	Codes           []string       `json:"codes,omitempty"`
	Note            string         `json:"note,omitempty"`
	// PaymentMethod is written on the order; with Pay it is set from the
	// payment choice ("test" for cards, "manual" otherwise).
	PaymentMethod string `json:"payment_method,omitempty"`
	// Pay is how the shopper pays now (StepPay); nil places the order to be
	// paid later.
	Pay *Pay `json:"payment,omitempty"`
	// StoreCredit is how much of the signed-in shopper's store credit to
	// spend, in minor units (at most what is left to pay is taken; a
	// StepTenders hook in core/aftersales takes it). When the tenders
	// (credit, points) cover the whole order no card is needed: a card
	// payment without a number is checked only if something is left to
	// pay after them (Pay.cardLater).
	StoreCredit int64 `json:"store_credit,omitempty"`
	// Points is how many loyalty points the signed-in shopper spends on
	// the order (StepTenders, Points); 0: none. Like store credit, points
	// that pay the whole order need no card.
	Points int64 `json:"points,omitempty"`
	// Attribution is the traffic source of the shopper's session, written
	// on the order (the storefront sets it from core/analytics).
	Attribution order.Attribution `json:"-"`
}

// Limits on input text.
const (
	maxText = 200
	maxNote = 2000
)

func validAddress(a *order.Address, field string, required bool) error {
	a.Country = strings.ToUpper(strings.TrimSpace(a.Country))
	a.Region = strings.ToUpper(strings.TrimSpace(a.Region))
	for _, f := range []*string{&a.Name, &a.Company, &a.Line1, &a.Line2, &a.City, &a.PostalCode, &a.Phone} {
		*f = strings.TrimSpace(*f)
		if len(*f) > maxText || !utf8.ValidString(*f) || strings.ContainsAny(*f, "\x00\r\n") {
			return errs.Field(field, "has a field that is too long or not text")
		}
	}
	if !required && a.Line1 == "" && a.Country == "" {
		return nil
	}
	switch {
	case a.Name == "":
		return errs.Field(field+".name", "is required")
	case a.Line1 == "":
		return errs.Field(field+".line1", "is required")
	case a.City == "":
		return errs.Field(field+".city", "is required")
	case len(a.Country) != 2 || a.Country[0] < 'A' || a.Country[0] > 'Z' || a.Country[1] < 'A' || a.Country[1] > 'Z':
		return errs.Field(field+".country", "must be a two-letter country code")
	case len(a.Region) > 3:
		return errs.Field(field+".region", "must be a subdivision code such as CA")
	}
	return nil
}

func (in *Input) normalize(shippingNeeded bool) error {
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email || len(in.Email) > 254 {
		return errs.Field("email", "is not a valid e-mail address")
	}
	if err := validAddress(&in.ShippingAddress, "shipping_address", shippingNeeded); err != nil {
		return err
	}
	if in.BillingAddress != nil {
		if err := validAddress(in.BillingAddress, "billing_address", false); err != nil {
			return err
		}
	}
	if len(in.Note) > maxNote {
		return errs.Field("note", "is longer than %d characters", maxNote)
	}
	if len(in.Codes) > 20 {
		return errs.Field("codes", "too many codes")
	}
	return nil
}

func (in *Input) destination() pricing.Address {
	a := in.ShippingAddress
	if a.Country == "" && in.BillingAddress != nil {
		a = *in.BillingAddress
	}
	return pricing.Address{Country: strings.ToUpper(strings.TrimSpace(a.Country)), Region: strings.ToUpper(strings.TrimSpace(a.Region)), PostalCode: strings.TrimSpace(a.PostalCode)}
}

// Place is Checkout without a payment step and with the key bound to the
// input: it returns the order as placed and whether it is a replay.
func (s *Service) Place(ctx context.Context, owner cart.Owner, in Input, key string) (*order.Order, bool, error) {
	in.Pay = nil
	r, err := s.Checkout(ctx, Request{Owner: owner, Input: in, Key: key})
	if err != nil {
		return nil, false, err
	}
	return r.Order, r.Replayed, nil
}

func (s *Service) place(ctx context.Context, q bun.IDB, owner cart.Owner, in Input) (*order.Order, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	c, err := cart.LoadActiveLines(ctx, q, owner)
	if err != nil {
		return nil, err
	}
	if c == nil || len(c.Lines) == 0 {
		return nil, errs.Field("cart", "is empty")
	}
	if err := in.normalize(false); err != nil {
		return nil, err
	}
	view, err := s.carts.PriceIn(ctx, q, c, cart.PriceOptions{Destination: in.destination(), ShippingCode: in.ShippingCode, Codes: in.Codes,
		CustomerID: owner.CustomerID, Email: in.Email})
	if err != nil {
		return nil, err
	}
	for _, l := range view.Lines {
		switch l.Problem {
		case cart.ProblemUnavailable:
			return nil, &errs.Error{Code: errs.Unprocessable, Field: "lines", Message: nonEmpty(l.Title, "an item") + " is no longer available; remove it from the cart"}
		case cart.ProblemInsufficient:
			return nil, &errs.Error{Code: errs.Conflict, Field: "lines", Message: "not enough " + nonEmpty(l.Title, "stock") + " left in stock"}
		}
	}
	p := view.Price
	if err := refusedCode(in.Codes, p); err != nil {
		return nil, err
	}
	if p.ShippingNeeded {
		if err := in.normalize(true); err != nil {
			return nil, err
		}
		if p.Shipping == nil {
			return nil, errs.Field("shipping_method", "choose a delivery option")
		}
	}
	o := &order.Order{CustomerID: owner.CustomerID, Email: in.Email, Currency: p.Currency, Subtotal: p.Subtotal, Discounts: p.Discounts,
		ShippingTotal: p.ShippingTotal, TaxTotal: p.TaxTotal, TaxInclusive: p.TaxInclusive, Total: p.Total,
		ShippingAddress: in.ShippingAddress, CustomerNote: strings.TrimSpace(in.Note), CartID: c.ID, PaymentMethod: in.PaymentMethod,
		Source: in.Attribution.Source, Medium: in.Attribution.Medium, Campaign: in.Attribution.Campaign,
		Pricing: order.Snapshot{Taxes: p.Taxes, Shipping: p.Shipping, Warnings: p.Warnings, Promotions: p.Promotions}}
	if in.BillingAddress != nil && in.BillingAddress.Line1 != "" {
		o.BillingAddress = *in.BillingAddress
	} else {
		o.BillingAddress = in.ShippingAddress
	}
	if p.Shipping != nil {
		o.ShippingCode, o.ShippingLabel = p.Shipping.Code, p.Shipping.Label
	}
	o.Lines = make([]order.Line, len(p.Lines))
	stock := make([]order.StockLine, len(p.Lines))
	lineIDs := make(map[string]string, len(p.Lines)) // priced (cart) line → order line
	for i, pl := range p.Lines {
		vl := view.Lines[i]
		v := view.Variants[vl.VariantID]
		lineIDs[pl.ID] = store.NewID()
		o.Lines[i] = order.Line{ID: lineIDs[pl.ID], VariantID: v.ID, ProductID: v.ProductID, SKU: v.SKU, Title: v.Title, VariantTitle: v.VariantTitle(),
			Quantity: pl.Quantity, UnitPrice: pl.UnitPrice, Subtotal: pl.Subtotal, Adjustments: pl.Adjusted, Total: pl.Total, Tax: pl.Tax,
			Cost: v.Cost, WeightGrams: v.WeightGrams, RequiresShipping: v.RequiresShipping}
		stock[i] = order.StockLine{VariantID: v.ID, Quantity: pl.Quantity}
	}
	o.Pricing.Adjustments = order.AdjustmentsFor(p.Adjustments, lineIDs)
	// StepPromotions and StepTenders: the hooks, before anything else is
	// written (the order has its ID; its row follows in this transaction).
	o.ID = store.NewID()
	pl := &Placement{Owner: owner, Input: &in, Price: p, Order: o}
	for _, h := range s.hooks {
		if err := h.Run(ctx, q, pl); err != nil {
			return nil, err
		}
	}
	if o.Balance() <= 0 {
		o.Status = order.Paid
	} else if in.Pay != nil && in.Pay.cardLater() {
		return nil, in.Pay.check()
	}
	// StepPlace. Stock first and the order number last: the per-shop
	// counter row is the one lock every checkout of a shop shares, so it is
	// taken as late as possible and held only for the final few statements.
	if s.inventory != nil {
		if err := s.inventory.Allocate(ctx, q, tenant, o.ID, stock); err != nil {
			return nil, err
		}
	}
	if err := cart.MarkConverted(ctx, q, c.ID, o.ID); err != nil {
		return nil, err
	}
	if err := order.Insert(ctx, q, o); err != nil {
		return nil, err
	}
	for _, t := range pl.tenders {
		if _, err := order.AddEvent(ctx, q, tenant, o.ID, order.EventPayment, "Paid "+money.Formatter{}.Display(t.Amount, o.Currency)+" with "+t.Label,
			map[string]any{"source": t.Source, "amount": t.Amount}); err != nil {
			return nil, err
		}
	}
	if s.inventory != nil && o.Status == order.Paid {
		if err := s.inventory.Commit(ctx, q, tenant, o.ID); err != nil {
			return nil, err
		}
	}
	if _, err := outbox.EnqueueEvent(ctx, q, tenant, "order.placed", map[string]any{"order_id": o.ID, "number": o.Number, "email": o.Email,
		"total": o.Total, "currency": o.Currency}); err != nil {
		return nil, err
	}
	return o, nil
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
