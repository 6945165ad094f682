// Package checkout turns a cart into an order in one transaction.
//
// Place, inside a single store.Write:
//
//  1. claims the idempotency key (package idempotency): a retry with the
//     same key and body replays the stored response; another body gets 422;
//     concurrent duplicates wait and replay;
//  2. loads the cart and re-prices it with the pricing pipeline (current
//     catalog prices, the shop's taxes and shipping, promotions and
//     extensions) — never trusting prices the client saw;
//  3. refuses unavailable lines, missing or unknown delivery options and
//     invalid addresses before anything is written;
//  4. reserves the stock through order.Inventory (core/inventory's
//     conditional updates: two shoppers can never both take the last unit)
//     and closes the cart;
//  5. writes the order and its lines with a price snapshot (every
//     adjustment with its label and source) under the next order number
//     (taken this late because the per-shop counter row is the one lock all
//     of a shop's checkouts share);
//  6. writes the "order.placed" event to the outbox and stores the response
//     with the idempotency key.
//
// Any failure rolls everything back: no half-created order, no stock moved,
// no key consumed. A checkout issues 11 statements of its own plus the
// transaction's BEGIN, COMMIT (and, on PostgreSQL, the RLS scope), plus what
// core/inventory needs to reserve each line (5 per line today): 18–19 for one
// line, 23–24 for two (TestStatementsPerCheckout pins these numbers).
//
// Tables: the package owns checkout_settings; it reaches carts, stock and
// orders through core/cart, core/inventory and core/order.
package checkout

import (
	"context"
	"embed"
	"encoding/json"
	"io/fs"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/idempotency"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

func init() {
	sub, _ := fs.Sub(migrationsFS, "migrations")
	store.RegisterMigrations(store.Migrations{Module: "checkout", Order: 45, FS: sub})
}

// Service places orders.
type Service struct {
	db        *store.DB
	carts     *cart.Service
	idem      *idempotency.Service
	inventory order.Inventory
}

// New returns a Service. carts prices (its ConfigFunc should be
// CartConfig); inv reserves stock (a *Stock over core/inventory).
func New(db *store.DB, carts *cart.Service, idem *idempotency.Service, inv order.Inventory) *Service {
	return &Service{db: db, carts: carts, idem: idem, inventory: inv}
}

// Input is a checkout request.
type Input struct {
	Email           string         `json:"email"`
	ShippingAddress order.Address  `json:"shipping_address"`
	BillingAddress  *order.Address `json:"billing_address,omitempty"` // nil: same as shipping
	ShippingCode    string         `json:"shipping_method"`
	Codes           []string       `json:"codes,omitempty"`
	Note            string         `json:"note,omitempty"`
	PaymentMethod   string         `json:"payment_method,omitempty"` // "test", "manual", ...
	CustomerTags    []string       `json:"-"`
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

// Place turns the owner's cart into an order. key is the client's
// Idempotency-Key (required). It returns the order and whether it is a
// replay of an earlier identical request. The idempotency record stores the
// order as JSON, which ResponseBody returns byte for byte on replays.
func (s *Service) Place(ctx context.Context, owner cart.Owner, in Input, key string) (*order.Order, bool, error) {
	body, err := requestBody(owner, in)
	if err != nil {
		return nil, false, err
	}
	resp, replayed, err := s.PlaceRaw(ctx, owner, in, idempotency.Request{Scope: "checkout", Key: key, Body: body})
	if err != nil {
		return nil, false, err
	}
	var o order.Order
	if err := json.Unmarshal(resp.Body, &o); err != nil {
		return nil, false, errs.Wrap(err, "checkout response")
	}
	return &o, replayed, nil
}

// requestBody is the canonical request hashed with the key: the input and
// whose cart it is.
func requestBody(owner cart.Owner, in Input) ([]byte, error) {
	b, err := json.Marshal(struct {
		Input
		Customer string `json:"customer"`
		Token    string `json:"token"`
	}{in, owner.CustomerID, idempotency.Hash("cart", []byte(owner.Token))})
	return b, errs.Wrap(err, "checkout body")
}

// PlaceRaw is Place for the web layer: req.Body is the raw HTTP body it
// hashes (so the same bytes replay and different bytes get 422), and the
// response is the stored status and JSON body.
func (s *Service) PlaceRaw(ctx context.Context, owner cart.Owner, in Input, req idempotency.Request) (idempotency.Response, bool, error) {
	if s.idem == nil {
		return idempotency.Response{}, false, errs.E(errs.Internal, "checkout: no idempotency service")
	}
	if req.Scope == "" {
		req.Scope = "checkout"
	}
	var out idempotency.Response
	var replayed bool
	err := s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		prev, err := s.idem.Claim(ctx, q, req)
		if err != nil {
			return err
		}
		if prev != nil {
			out, replayed = *prev, true
			return nil
		}
		o, err := s.place(ctx, q, owner, in)
		if err != nil {
			return err
		}
		b, err := json.Marshal(o)
		if err != nil {
			return errs.Wrap(err, "checkout response")
		}
		out = idempotency.Response{Status: 201, Body: b}
		return s.idem.Complete(ctx, q, req, out)
	})
	if err != nil {
		return idempotency.Response{}, false, err
	}
	return out, replayed, nil
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
		CustomerID: owner.CustomerID, CustomerTags: in.CustomerTags})
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
		Pricing: order.Snapshot{Adjustments: p.Adjustments, Taxes: p.Taxes, Shipping: p.Shipping, Warnings: p.Warnings}}
	if in.BillingAddress != nil && in.BillingAddress.Line1 != "" {
		o.BillingAddress = *in.BillingAddress
	} else {
		o.BillingAddress = in.ShippingAddress
	}
	if p.Shipping != nil {
		o.ShippingCode, o.ShippingLabel = p.Shipping.Code, p.Shipping.Label
	}
	if o.Total == 0 {
		o.Status = order.Paid
	}
	o.Lines = make([]order.Line, len(p.Lines))
	stock := make([]order.StockLine, len(p.Lines))
	for i, pl := range p.Lines {
		vl := view.Lines[i]
		v := view.Variants[vl.VariantID]
		o.Lines[i] = order.Line{VariantID: v.ID, ProductID: v.ProductID, SKU: v.SKU, Title: v.Title, VariantTitle: v.VariantTitle(),
			Quantity: pl.Quantity, UnitPrice: pl.UnitPrice, Subtotal: pl.Subtotal, Adjustments: pl.Adjusted, Total: pl.Total, Tax: pl.Tax,
			WeightGrams: v.WeightGrams, RequiresShipping: v.RequiresShipping}
		stock[i] = order.StockLine{VariantID: v.ID, Quantity: pl.Quantity}
	}
	// Stock first and the order number last: the per-shop counter row is
	// the one lock every checkout of a shop shares, so it is taken as late
	// as possible and held only for the final few statements.
	o.ID = store.NewID()
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

// CancelUnpaid cancels the context tenant's orders still awaiting payment
// that were placed before `before` (their stock holds have run out), at most
// limit of them, and returns how many it cancelled.
func CancelUnpaid(ctx context.Context, db *store.DB, inv order.Inventory, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		limit = 100
	}
	var ids []string
	err := db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var err error
		ids, err = order.UnpaidBefore(ctx, q, before, limit)
		return err
	})
	if err != nil {
		return 0, err
	}
	ctx = tenancy.WithActor(ctx, tenancy.Actor{Kind: "system", ID: "system", Name: "unpaid order sweeper"})
	n := 0
	for _, id := range ids {
		err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			o, err := order.Load(ctx, q, id)
			if err != nil {
				return err
			}
			return order.CancelIn(ctx, q, inv, o, "not paid in time")
		})
		switch {
		case err == nil:
			n++
		case errs.Is(err, errs.Conflict), errs.Is(err, errs.Unprocessable): // paid or cancelled meanwhile
		default:
			return n, err
		}
	}
	return n, nil
}
