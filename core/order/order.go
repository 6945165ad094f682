// Package order is a shop's orders: the order and its lines (a snapshot of
// the prices paid), an enforced state machine, a timeline recording every
// event with the actor who caused it, staff notes, and human order numbers
// per shop (#1001, #1002, ...).
//
// # States
//
//	pending_payment → paid | cancelled
//	paid → partially_fulfilled | fulfilled | partially_refunded | refunded | cancelled
//	partially_fulfilled → fulfilled | partially_refunded | refunded
//	fulfilled → delivered | partially_refunded | refunded
//	delivered → completed | partially_refunded | refunded
//	completed → partially_refunded | refunded
//	partially_refunded → partially_refunded | partially_fulfilled | fulfilled | delivered | completed | refunded
//	cancelled, refunded: final
//
// Every transition is a conditional UPDATE (WHERE status = the state the
// caller saw), so two concurrent transitions cannot both succeed, and it
// writes a timeline event in the same transaction. Money already taken on a
// cancelled order is refunded through package payment; refunds on a
// cancelled order are recorded without changing its state.
//
// # Order numbers
//
// Numbers come from a per-tenant counter row incremented by an upsert in the
// order's own transaction: a rolled-back order gives its number back, and
// concurrent orders queue on the row (PostgreSQL) or on the single writer
// (SQLite), so numbers are gap-free and unique (also enforced by a UNIQUE
// constraint).
//
// # Notifications
//
// Notifier (notify.go) turns the outbox events written with each change
// (order.placed, order.paid, shipment.created, return.*, order.cancelled,
// order.refunded) into e-mails to the shopper, rendered from templates each
// shop can edit (MailTemplates, SaveMailTemplate); it runs in the outbox
// worker, so mail rendering costs checkout nothing, and mails each event
// once.
//
// Functions taking a bun.IDB work inside a caller's transaction (checkout,
// payment, shipping and after-sales compose them); Service methods open their
// own.
//
// # Tables
//
// The package owns orders, order_lines, order_events, order_counters,
// order_mail_templates and order_notifications. Payment, shipping,
// after-sales, checkout, the unpaid-order sweeper and the plugin host change
// and read orders only through its functions (totals.go, stats.go, sales.go), never in
// their own SQL.
package order

import (
	"context"
	"embed"
	"encoding/json"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

func init() {
	sub, _ := fs.Sub(migrationsFS, "migrations")
	store.RegisterMigrations(store.Migrations{Module: "order", Order: 41, FS: sub})
}

// Status is an order's state.
type Status string

// States.
const (
	PendingPayment     Status = "pending_payment"
	Paid               Status = "paid"
	PartiallyFulfilled Status = "partially_fulfilled"
	Fulfilled          Status = "fulfilled"
	Delivered          Status = "delivered"
	Completed          Status = "completed"
	Cancelled          Status = "cancelled"
	PartiallyRefunded  Status = "partially_refunded"
	Refunded           Status = "refunded"
)

// Statuses lists every state.
var Statuses = []Status{PendingPayment, Paid, PartiallyFulfilled, Fulfilled, Delivered, Completed, Cancelled, PartiallyRefunded, Refunded}

var transitions = map[Status][]Status{
	PendingPayment:     {Paid, Cancelled},
	Paid:               {PartiallyFulfilled, Fulfilled, PartiallyRefunded, Refunded, Cancelled},
	PartiallyFulfilled: {Fulfilled, PartiallyRefunded, Refunded},
	Fulfilled:          {Delivered, PartiallyRefunded, Refunded},
	Delivered:          {Completed, PartiallyRefunded, Refunded},
	Completed:          {PartiallyRefunded, Refunded},
	PartiallyRefunded:  {PartiallyRefunded, PartiallyFulfilled, Fulfilled, Delivered, Completed, Refunded},
	Cancelled:          nil,
	Refunded:           nil,
}

// Valid reports whether s is a known state.
func (s Status) Valid() bool {
	_, ok := transitions[s]
	return ok
}

// Next returns the states reachable from s.
func (s Status) Next() []Status { return transitions[s] }

// CanTransition reports whether from → to is in the transition table.
func CanTransition(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Address is a postal address with the contact on it.
type Address struct {
	Name       string `json:"name"`
	Company    string `json:"company,omitempty"`
	Line1      string `json:"line1"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city"`
	Region     string `json:"region,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	Country    string `json:"country"`
	Phone      string `json:"phone,omitempty"`
}

// Snapshot is the pricing detail kept with an order: why each price is what
// it is. Its adjustments name the order's lines (a line adjustment by
// LineID, an order-level one by its per-line shares), so LineDiscounts
// knows what each line paid for each promotion (discounts.go).
type Snapshot struct {
	Adjustments []pricing.Adjustment    `json:"adjustments"`
	Taxes       []pricing.TaxLine       `json:"taxes"`
	Shipping    *pricing.ShippingOption `json:"shipping,omitempty"`
	Warnings    []pricing.Warning       `json:"warnings,omitempty"`
	// Promotions are the offers the order used, each with the code it was
	// applied with and the discount it gave (its adjustments carry the
	// promotion's id as Code, per line).
	Promotions []pricing.AppliedPromotion `json:"promotions,omitempty"`
}

// Order is one order.
type Order struct {
	bun.BaseModel `bun:"table:orders"`

	TenantID        string   `bun:"tenant_id,pk" json:"-"`
	ID              string   `bun:"id,pk" json:"id"`
	Number          int64    `bun:"number" json:"number"`
	Status          Status   `bun:"status" json:"status"`
	CustomerID      string   `bun:"customer_id" json:"customer_id,omitempty"`
	Email           string   `bun:"email" json:"email"`
	Currency        string   `bun:"currency" json:"currency"`
	Subtotal        int64    `bun:"subtotal" json:"subtotal"`
	Discounts       int64    `bun:"discounts" json:"discounts"`
	ShippingTotal   int64    `bun:"shipping_total" json:"shipping_total"`
	TaxTotal        int64    `bun:"tax_total" json:"tax_total"`
	TaxInclusive    bool     `bun:"tax_inclusive" json:"tax_inclusive"`
	Total           int64    `bun:"total" json:"total"`
	PaidTotal       int64    `bun:"paid_total" json:"paid_total"`
	RefundedTotal   int64    `bun:"refunded_total" json:"refunded_total"`
	ShippingCode    string   `bun:"shipping_code" json:"shipping_code,omitempty"`
	ShippingLabel   string   `bun:"shipping_label" json:"shipping_label,omitempty"`
	ShippingAddress Address  `bun:"shipping_address,type:text" json:"shipping_address"`
	BillingAddress  Address  `bun:"billing_address,type:text" json:"billing_address"`
	Pricing         Snapshot `bun:"pricing,type:text" json:"pricing"`
	CustomerNote    string   `bun:"customer_note" json:"customer_note,omitempty"`
	CartID          string   `bun:"cart_id" json:"cart_id,omitempty"`
	PaymentMethod   string   `bun:"payment_method" json:"payment_method,omitempty"`
	// Source, Medium and Campaign are the traffic source of the shopper's
	// storefront session when the order was placed (channel attribution;
	// empty without a counted visit).
	Source      string     `bun:"source" json:"source,omitempty"`
	Medium      string     `bun:"medium" json:"medium,omitempty"`
	Campaign    string     `bun:"campaign" json:"campaign,omitempty"`
	PlacedAt    time.Time  `bun:"placed_at" json:"placed_at"`
	UpdatedAt   time.Time  `bun:"updated_at" json:"updated_at"`
	CancelledAt *time.Time `bun:"cancelled_at" json:"cancelled_at,omitempty"`
	Version     int        `bun:"version" json:"version"`

	Lines []Line `bun:"-" json:"lines"`
}

// Name is the human order number, "#1001".
func (o *Order) Name() string { return "#" + strconv.FormatInt(o.Number, 10) }

// Balance is what is still to be paid.
func (o *Order) Balance() int64 { return o.Total - (o.PaidTotal - o.RefundedTotal) }

// Line is one order line: what was bought at what price.
type Line struct {
	bun.BaseModel `bun:"table:order_lines"`

	TenantID     string `bun:"tenant_id,pk" json:"-"`
	ID           string `bun:"id,pk" json:"id"`
	OrderID      string `bun:"order_id" json:"-"`
	Position     int    `bun:"position" json:"position"`
	VariantID    string `bun:"variant_id" json:"variant_id"`
	ProductID    string `bun:"product_id" json:"product_id,omitempty"`
	SKU          string `bun:"sku" json:"sku,omitempty"`
	Title        string `bun:"title" json:"title"`
	VariantTitle string `bun:"variant_title" json:"variant_title,omitempty"`
	Quantity     int64  `bun:"quantity" json:"quantity"`
	UnitPrice    int64  `bun:"unit_price" json:"unit_price"`
	Subtotal     int64  `bun:"subtotal" json:"subtotal"`
	Adjustments  int64  `bun:"adjustments" json:"adjustments"`
	Total        int64  `bun:"total" json:"total"`
	// Cost is what one unit cost the shop when it was sold (the catalog
	// variant's cost at checkout), nil when none was recorded. It is the
	// merchant's own figure: never shown to the shopper.
	Cost              *int64 `bun:"cost" json:"-"`
	Tax               int64  `bun:"tax" json:"tax"`
	WeightGrams       int64  `bun:"weight_grams" json:"weight_grams"`
	RequiresShipping  bool   `bun:"requires_shipping" json:"requires_shipping"`
	FulfilledQuantity int64  `bun:"fulfilled_quantity" json:"fulfilled_quantity"`
	ReturnedQuantity  int64  `bun:"returned_quantity" json:"returned_quantity"`
}

// Event is one timeline entry.
type Event struct {
	bun.BaseModel `bun:"table:order_events"`

	TenantID   string    `bun:"tenant_id,pk" json:"-"`
	ID         string    `bun:"id,pk" json:"id"`
	OrderID    string    `bun:"order_id" json:"order_id"`
	Kind       string    `bun:"kind" json:"kind"`
	FromStatus Status    `bun:"from_status" json:"from_status,omitempty"`
	ToStatus   Status    `bun:"to_status" json:"to_status,omitempty"`
	Message    string    `bun:"message" json:"message,omitempty"`
	Data       string    `bun:"data" json:"data,omitempty"`
	ActorKind  string    `bun:"actor_kind" json:"actor_kind"`
	ActorID    string    `bun:"actor_id" json:"actor_id"`
	ActorName  string    `bun:"actor_name" json:"actor_name,omitempty"`
	CreatedAt  time.Time `bun:"created_at" json:"created_at"`
}

// Event kinds used across the order's life.
const (
	EventPlaced     = "placed"
	EventStatus     = "status"
	EventNote       = "note"
	EventPayment    = "payment"
	EventRefund     = "refund"
	EventShipment   = "shipment"
	EventReturn     = "return"
	EventStock      = "stock"
	EventEmail      = "email"
	EventCancelled  = "cancelled"
	FirstNumber     = 1001
	MaxNoteLength   = 5000
	maxMessageBytes = 2000
)

// StockLine is a quantity of one variant.
type StockLine struct {
	VariantID string
	Quantity  int64
}

// Inventory is what orders need from stock keeping, inside the order's
// transaction. Allocate holds stock for a new order (fails with
// errs.Conflict when there is not enough and the variant cannot be
// backordered, leaving nothing changed); Commit turns the order's holds
// into sales once it is paid; Release gives unsold stock back (a cancelled
// order).
type Inventory interface {
	Allocate(ctx context.Context, q bun.IDB, tenantID, orderID string, lines []StockLine) error
	Commit(ctx context.Context, q bun.IDB, tenantID, orderID string) error
	Release(ctx context.Context, q bun.IDB, tenantID, orderID string, lines []StockLine) error
}

// NextNumber takes the shop's next order number in transaction q.
func NextNumber(ctx context.Context, q bun.IDB, tenantID string) (int64, error) {
	var n int64
	err := q.NewRaw(`INSERT INTO order_counters (tenant_id, last_number) VALUES (?, ?)
		ON CONFLICT (tenant_id) DO UPDATE SET last_number = order_counters.last_number + 1
		RETURNING last_number`, tenantID, FirstNumber).Scan(ctx, &n)
	return n, errs.Wrap(err, "order.NextNumber")
}

func newEvent(ctx context.Context, tenantID, orderID, kind string, from, to Status, message string, data any) (*Event, error) {
	a := tenancy.ActorFrom(ctx)
	ev := &Event{TenantID: tenantID, ID: store.NewID(), OrderID: orderID, Kind: kind, FromStatus: from, ToStatus: to,
		Message: truncate(message, maxMessageBytes), ActorKind: a.Kind, ActorID: a.ID, ActorName: a.Name, CreatedAt: store.Now()}
	if data != nil {
		b, err := json.Marshal(data)
		if err != nil {
			return nil, errs.Wrap(err, "order event data")
		}
		ev.Data = string(b)
	}
	return ev, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n]
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// AddEvent writes a timeline event in transaction q, attributed to the
// context's actor.
func AddEvent(ctx context.Context, q bun.IDB, tenantID, orderID, kind, message string, data any) (*Event, error) {
	ev, err := newEvent(ctx, tenantID, orderID, kind, "", "", message, data)
	if err != nil {
		return nil, err
	}
	if _, err := q.NewInsert().Model(ev).Exec(ctx); err != nil {
		return nil, errs.Wrap(err, "order.AddEvent")
	}
	return ev, nil
}

// Insert writes a new order, its lines and its "placed" event in
// transaction q, taking the next order number. o.Status defaults to
// pending_payment; IDs and times are filled in.
func Insert(ctx context.Context, q bun.IDB, o *Order) error {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	if o.Status == "" {
		o.Status = PendingPayment
	}
	if !o.Status.Valid() {
		return errs.Field("status", "unknown order status %q", o.Status)
	}
	if len(o.Lines) == 0 {
		return errs.Field("lines", "an order needs at least one line")
	}
	now := store.Now()
	o.TenantID = tenant
	o.Email = strings.ToLower(strings.TrimSpace(o.Email))
	if o.ID == "" {
		o.ID = store.NewID()
	}
	o.PlacedAt, o.UpdatedAt, o.Version = now, now, 1
	if o.Number, err = NextNumber(ctx, q, tenant); err != nil {
		return err
	}
	if _, err := q.NewInsert().Model(o).Exec(ctx); err != nil {
		return errs.Wrap(err, "order.Insert")
	}
	for i := range o.Lines {
		l := &o.Lines[i]
		l.TenantID, l.OrderID, l.Position = tenant, o.ID, i
		if l.ID == "" {
			l.ID = store.NewID()
		}
	}
	if _, err := q.NewInsert().Model(&o.Lines).Exec(ctx); err != nil {
		return errs.Wrap(err, "order.Insert lines")
	}
	ev, err := newEvent(ctx, tenant, o.ID, EventPlaced, "", o.Status, "Order "+o.Name()+" placed", nil)
	if err != nil {
		return err
	}
	_, err = q.NewInsert().Model(ev).Exec(ctx)
	return errs.Wrap(err, "order.Insert event")
}

// Load reads an order with its lines in q.
func Load(ctx context.Context, q bun.IDB, id string) (*Order, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	o := new(Order)
	if err := q.NewSelect().Model(o).Where("tenant_id = ? AND id = ?", tenant, id).Scan(ctx); err != nil {
		if store.NoRows(err) {
			return nil, errs.NotFoundf("order not found")
		}
		return nil, errs.Wrap(err, "order.Load")
	}
	if err := q.NewSelect().Model(&o.Lines).Where("tenant_id = ? AND order_id = ?", tenant, id).Order("position").Scan(ctx); err != nil {
		return nil, errs.Wrap(err, "order.Load lines")
	}
	return o, nil
}

// Transition moves o from its current status to `to` in transaction q, if
// the table allows it and nobody changed the order's status meanwhile, and
// records the event. o is updated in place.
func Transition(ctx context.Context, q bun.IDB, o *Order, to Status, message string, data any) error {
	from := o.Status
	if !CanTransition(from, to) {
		return &errs.Error{Code: errs.Unprocessable, Field: "status", Message: "an order cannot go from " + string(from) + " to " + string(to)}
	}
	now := store.Now()
	upd := q.NewUpdate().Model((*Order)(nil)).Set("status = ?", to).Set("updated_at = ?", now).Set("version = version + 1")
	if to == Cancelled {
		upd.Set("cancelled_at = ?", now)
	}
	res, err := upd.Where("tenant_id = ? AND id = ? AND status = ?", o.TenantID, o.ID, from).Exec(ctx)
	if err != nil {
		return errs.Wrap(err, "order.Transition")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.E(errs.Conflict, "order %s changed meanwhile; reload and retry", o.Name())
	}
	if message == "" {
		message = strings.ReplaceAll(string(from), "_", " ") + " → " + strings.ReplaceAll(string(to), "_", " ")
	}
	ev, err := newEvent(ctx, o.TenantID, o.ID, EventStatus, from, to, message, data)
	if err != nil {
		return err
	}
	if _, err := q.NewInsert().Model(ev).Exec(ctx); err != nil {
		return errs.Wrap(err, "order.Transition event")
	}
	o.Status, o.UpdatedAt, o.Version = to, now, o.Version+1
	if to == Cancelled {
		o.CancelledAt = &now
	}
	return nil
}
