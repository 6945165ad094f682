package order

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

// Service reads and manages orders of the context's tenant.
type Service struct {
	db        *store.DB
	inventory Inventory
	onCancel  []CancelHook
}

// NewService returns a Service; inv (may be nil) gets stock back when an
// order is cancelled.
func NewService(db *store.DB, inv Inventory) *Service { return &Service{db: db, inventory: inv} }

// CancelHook gives back, inside the cancelling transaction q, what another
// package claimed for an order when it was placed (core/promotion's usage
// counts, budgets and flash-sale units). It runs after the order moved to
// cancelled; an error rolls the cancellation back.
type CancelHook func(ctx context.Context, q bun.IDB, o *Order) error

// OnCancel adds hooks run by every cancellation through this service
// (Cancel and CancelUnpaid), at wiring time, before the service is used.
func (s *Service) OnCancel(hooks ...CancelHook) { s.onCancel = append(s.onCancel, hooks...) }

// Get returns an order with its lines.
func (s *Service) Get(ctx context.Context, id string) (*Order, error) {
	var o *Order
	err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var err error
		o, err = Load(ctx, q, id)
		return err
	})
	return o, err
}

// GetByNumber returns an order by its human number (1001 or "#1001").
func (s *Service) GetByNumber(ctx context.Context, number int64) (*Order, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var o *Order
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var id string
		if err := q.NewSelect().Model((*Order)(nil)).Column("id").Where("tenant_id = ? AND number = ?", tenant, number).Scan(ctx, &id); err != nil {
			if store.NoRows(err) {
				return errs.NotFoundf("order not found")
			}
			return errs.Wrap(err, "order.GetByNumber")
		}
		o, err = Load(ctx, q, id)
		return err
	})
	return o, err
}

// Track returns an order for a shopper who knows its number and e-mail
// (the tracking page). A wrong pair is NotFound, with no hint which part
// was wrong.
func (s *Service) Track(ctx context.Context, number int64, email string) (*Order, error) {
	o, err := s.GetByNumber(ctx, number)
	if err != nil || !strings.EqualFold(strings.TrimSpace(email), o.Email) {
		return nil, errs.NotFoundf("no order with this number and e-mail")
	}
	return o, nil
}

// Filter selects orders for the console list.
type Filter struct {
	Status     Status
	CustomerID string
	Email      string
	Before     string // cursor: the last id of the previous page
	Limit      int    // default 50, max 200
}

// Page is one page of orders (without lines), newest first.
type Page struct {
	Orders []Order `json:"orders"`
	Next   string  `json:"next,omitempty"`
}

// List lists orders, newest first.
func (s *Service) List(ctx context.Context, f Filter) (Page, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return Page{}, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	if limit > 200 {
		limit = 200
	}
	var p Page
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		sel := q.NewSelect().Model(&p.Orders).Where("tenant_id = ?", tenant)
		if f.Status != "" {
			sel.Where("status = ?", f.Status)
		}
		if f.CustomerID != "" {
			sel.Where("customer_id = ?", f.CustomerID)
		}
		if f.Email != "" {
			sel.Where("email = ?", strings.ToLower(strings.TrimSpace(f.Email)))
		}
		if f.Before != "" {
			sel.Where("id < ?", f.Before)
		}
		return sel.OrderExpr("id DESC").Limit(int64(limit + 1)).Scan(ctx)
	})
	if err != nil {
		return p, errs.Wrap(err, "order.List")
	}
	if len(p.Orders) > limit {
		p.Orders = p.Orders[:limit]
		p.Next = p.Orders[limit-1].ID
	}
	return p, nil
}

// Timeline returns an order's events, oldest first.
func (s *Service) Timeline(ctx context.Context, orderID string) ([]Event, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var evs []Event
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&evs).Where("tenant_id = ? AND order_id = ?", tenant, orderID).OrderExpr("id ASC").Scan(ctx)
	})
	return evs, errs.Wrap(err, "order.Timeline")
}

// AddNote adds a staff note to the timeline.
func (s *Service) AddNote(ctx context.Context, orderID, text string) (*Event, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, errs.Field("note", "is empty")
	}
	if len(text) > MaxNoteLength {
		return nil, errs.Field("note", "is longer than %d characters", MaxNoteLength)
	}
	var ev *Event
	err := s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		o, err := Load(ctx, q, orderID)
		if err != nil {
			return err
		}
		ev, err = newEvent(ctx, o.TenantID, o.ID, EventNote, "", "", "", nil)
		if err != nil {
			return err
		}
		ev.Message = text
		_, err = q.NewInsert().Model(ev).Exec(ctx)
		return errs.Wrap(err, "order.AddNote")
	})
	return ev, err
}

// SetStatus moves an order to a state staff may set by hand (delivered,
// completed); payments, shipments, refunds and cancellation have their own
// operations because they move money or stock.
func (s *Service) SetStatus(ctx context.Context, orderID string, to Status, message string) (*Order, error) {
	if to != Delivered && to != Completed {
		return nil, errs.Field("status", "%s is set by its own operation, not by hand", to)
	}
	var o *Order
	err := s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		var err error
		if o, err = Load(ctx, q, orderID); err != nil {
			return err
		}
		if err := Transition(ctx, q, o, to, message, nil); err != nil {
			return err
		}
		_, err = outbox.EnqueueEvent(ctx, q, o.TenantID, "order."+string(to), map[string]any{"order_id": o.ID, "number": o.Number})
		return err
	})
	return o, err
}

// Cancel cancels an order that has not shipped, gives its stock back and
// announces it. Money already paid stays recorded and is refunded with
// package payment (a refund does not change a cancelled order's state).
func (s *Service) Cancel(ctx context.Context, orderID, reason string) (*Order, error) {
	var o *Order
	err := s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		var err error
		if o, err = Load(ctx, q, orderID); err != nil {
			return err
		}
		return s.cancelIn(ctx, q, o, reason)
	})
	return o, err
}

// cancelIn is CancelIn with the service's inventory and hooks.
func (s *Service) cancelIn(ctx context.Context, q bun.IDB, o *Order, reason string) error {
	if err := CancelIn(ctx, q, s.inventory, o, reason); err != nil {
		return err
	}
	for _, h := range s.onCancel {
		if err := h(ctx, q, o); err != nil {
			return err
		}
	}
	return nil
}

// CancelUnpaid cancels the context tenant's orders still awaiting payment
// that were placed before `before` (their stock holds have run out), at
// most limit of them (default 100), each in its own transaction with the
// service's hooks, and returns how many it cancelled.
func (s *Service) CancelUnpaid(ctx context.Context, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		limit = 100
	}
	var ids []string
	err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var err error
		ids, err = UnpaidBefore(ctx, q, before, limit)
		return err
	})
	if err != nil {
		return 0, err
	}
	ctx = tenancy.WithActor(ctx, tenancy.Actor{Kind: "system", ID: "system", Name: "unpaid order sweeper"})
	n := 0
	for _, id := range ids {
		err := s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			o, err := Load(ctx, q, id)
			if err != nil {
				return err
			}
			return s.cancelIn(ctx, q, o, "not paid in time")
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

// CancelIn is Cancel inside the caller's transaction, without the
// service's hooks (Service.Cancel and Service.CancelUnpaid run them).
func CancelIn(ctx context.Context, q bun.IDB, inv Inventory, o *Order, reason string) error {
	msg := "Order cancelled"
	if r := strings.TrimSpace(reason); r != "" {
		msg += ": " + r
	}
	if err := Transition(ctx, q, o, Cancelled, msg, nil); err != nil {
		return err
	}
	var back []StockLine
	for _, l := range o.Lines {
		if n := l.Quantity - l.FulfilledQuantity; n > 0 {
			back = append(back, StockLine{VariantID: l.VariantID, Quantity: n})
		}
	}
	if inv != nil && len(back) > 0 {
		if err := inv.Release(ctx, q, o.TenantID, o.ID, back); err != nil {
			return err
		}
		if _, err := AddEvent(ctx, q, o.TenantID, o.ID, EventStock, "Stock released", back); err != nil {
			return err
		}
	}
	_, err := outbox.EnqueueEvent(ctx, q, o.TenantID, "order.cancelled", map[string]any{"order_id": o.ID, "number": o.Number, "reason": reason})
	return err
}
