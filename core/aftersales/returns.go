// Package aftersales handles what happens after delivery: returns, the
// store credit they grant (spent at checkout: see credit.go) and service
// tickets.
//
// A return goes requested → approved or rejected → received (restocked or
// not) → refunded (to the original payments), credited (store credit) or
// exchanged. Requesting a return reserves the quantities on the order lines
// with a conditional UPDATE (never more than was shipped, also under
// concurrency); rejecting gives them back. Shoppers may ask within the
// shop's return window (checkout.Settings.ReturnWindowDays, counted from the
// order's date); staff may record a return at any time. Refunds go through
// package payment with idempotency keys derived from the return, so a
// retried or concurrent refund of the same return pays out once.
//
// A returned unit is worth what the shopper paid for it: its line's total
// (already net of the line's discounts and of its share of order-level
// ones such as a spend-save tier, which pricing spreads over the lines)
// plus its tax when prices are tax-exclusive; delivery is not part of it.
// Partial returns of a line take their units' part rounded down and the
// return taking a line's last units takes what is left, so any split of
// any order's returns adds up to exactly what its lines were paid, never
// more (TestReturnsAddUpToWhatWasPaid). Refunding or crediting a return
// runs the ResolveHooks in the same transaction (checkout.Promotions takes
// the returned units' discount back from the promotions' figures); offer
// conditions are not judged again after a partial return (core/promotion's
// reverse.go says why).
//
// Restocking calls core/inventory's Return after the "received" state is
// committed (inventory has no in-transaction return yet); the return's
// restocked flag is set once stock is back, and Restock retries a return
// left received-but-not-restocked by a crash.
//
// Every step is on the order's timeline and announced through the outbox
// (return.requested, return.approved, ...), from which the notification
// templates send e-mails.
//
// Tables: the package owns returns, return_lines, store_credits,
// store_credit_accounts, tickets and ticket_messages; an order line's returned quantity is core/order's
// (order.AddReturned).
package aftersales

import (
	"context"
	"embed"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/checkout"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/idempotency"
	"github.com/wasmart/wasmart/core/inventory"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

func init() {
	sub, _ := fs.Sub(migrationsFS, "migrations")
	store.RegisterMigrations(store.Migrations{Module: "aftersales", Order: 46, FS: sub})
}

// ReturnStatus is where a return is.
type ReturnStatus string

// Return statuses.
const (
	Requested ReturnStatus = "requested"
	Approved  ReturnStatus = "approved"
	Rejected  ReturnStatus = "rejected"
	Received  ReturnStatus = "received"
	Refunded  ReturnStatus = "refunded"
	Credited  ReturnStatus = "credited"
	Exchanged ReturnStatus = "exchanged"
)

// Return is a return request.
type Return struct {
	bun.BaseModel `bun:"table:returns"`

	TenantID        string       `bun:"tenant_id,pk" json:"-"`
	ID              string       `bun:"id,pk" json:"id"`
	OrderID         string       `bun:"order_id" json:"order_id"`
	Status          ReturnStatus `bun:"status" json:"status"`
	Reason          string       `bun:"reason" json:"reason,omitempty"`
	Resolution      string       `bun:"resolution" json:"resolution,omitempty"`
	Restock         bool         `bun:"restock" json:"restock"`
	Restocked       bool         `bun:"restocked" json:"restocked"`
	Amount          int64        `bun:"amount" json:"amount"` // value of the returned units as paid
	ResolvedAmount  int64        `bun:"resolved_amount" json:"resolved_amount"`
	Currency        string       `bun:"currency" json:"currency"`
	StaffNote       string       `bun:"staff_note" json:"staff_note,omitempty"`
	RequestedByKind string       `bun:"requested_by_kind" json:"requested_by_kind"`
	RequestedByID   string       `bun:"requested_by_id" json:"requested_by_id"`
	CreatedAt       time.Time    `bun:"created_at" json:"created_at"`
	UpdatedAt       time.Time    `bun:"updated_at" json:"updated_at"`

	Lines []ReturnLine `bun:"-" json:"lines"`
}

// ReturnLine is a quantity of one order line being returned.
type ReturnLine struct {
	bun.BaseModel `bun:"table:return_lines"`

	TenantID    string `bun:"tenant_id,pk" json:"-"`
	ReturnID    string `bun:"return_id,pk" json:"-"`
	OrderLineID string `bun:"order_line_id,pk" json:"order_line_id"`
	VariantID   string `bun:"variant_id" json:"variant_id"`
	Quantity    int64  `bun:"quantity" json:"quantity"`
	Amount      int64  `bun:"amount" json:"amount"`
	Reason      string `bun:"reason" json:"reason,omitempty"`
}

// Service handles returns and tickets of the context's tenant.
type Service struct {
	db       *store.DB
	payments *payment.Service
	inv      *inventory.Service
	idem     *idempotency.Service
	resolved []ResolveHook
	// Now is the clock (tests).
	Now func() time.Time
}

// ResolveHook runs inside the transaction that resolves a return with money
// back (refunded) or store credit (credited), after its status moved: units
// are the returned lines, each with how many of its units earlier resolved
// returns gave back; credited is the store credit granted (0 for a refund,
// whose money core/payment's refund hooks see). checkout.Promotions'
// Returned is one: the promotions' figures and budgets give back the
// discount the returned units carried. An error rolls the resolution back.
type ResolveHook func(ctx context.Context, q bun.IDB, o *order.Order, units []order.Returned, credited int64) error

// OnResolve adds hooks run when a return is refunded or credited, at
// wiring time, before the service is used.
func (s *Service) OnResolve(hooks ...ResolveHook) { s.resolved = append(s.resolved, hooks...) }

// resolve runs the resolve hooks for r in q. The order's row is locked
// first, so resolutions of one order queue and each counts the others'
// units.
func (s *Service) resolve(ctx context.Context, q bun.IDB, r *Return, credited int64) error {
	if len(s.resolved) == 0 {
		return nil
	}
	if err := order.Lock(ctx, q, r.TenantID, r.OrderID); err != nil {
		return err
	}
	o, err := order.Load(ctx, q, r.OrderID)
	if err != nil {
		return err
	}
	units := make([]order.Returned, 0, len(r.Lines))
	for _, l := range r.Lines {
		before, _, err := held(ctx, q, r.TenantID, l.OrderLineID, r.ID, Refunded, Credited)
		if err != nil {
			return err
		}
		units = append(units, order.Returned{LineID: l.OrderLineID, Quantity: l.Quantity, Before: before})
	}
	for _, h := range s.resolved {
		if err := h(ctx, q, o, units, credited); err != nil {
			return err
		}
	}
	return nil
}

// New returns a Service. payments refunds; inv restocks (nil: no restock).
func New(db *store.DB, payments *payment.Service, inv *inventory.Service) *Service {
	return &Service{db: db, payments: payments, inv: inv, idem: idempotency.New(db), Now: store.Now}
}

// LineQty asks to return qty units of an order line.
type LineQty struct {
	LineID   string `json:"line_id"`
	Quantity int64  `json:"quantity"`
	Reason   string `json:"reason,omitempty"`
}

// RequestInput is a return request.
type RequestInput struct {
	OrderID string    `json:"order_id"`
	Email   string    `json:"email,omitempty"` // a shopper's proof: must match the order's
	Reason  string    `json:"reason"`
	Lines   []LineQty `json:"lines"`
}

var returnable = map[order.Status]bool{order.PartiallyFulfilled: true, order.Fulfilled: true, order.Delivered: true, order.Completed: true, order.PartiallyRefunded: true}

func clean(s string, n int) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > n || strings.ContainsRune(s, 0) {
		return "", errs.Field("reason", "is longer than %d characters", n)
	}
	return s, nil
}

// linePaid is what the shopper paid for a whole line: its total, which is
// net of its own discounts and of its share of the order's (pricing spreads
// those over the lines), plus its tax when prices are tax-exclusive.
func linePaid(o *order.Order, l *order.Line) int64 {
	paid := l.Total
	if !o.TaxInclusive {
		paid += l.Tax
	}
	return paid
}

// unitsValue is what the shopper paid for qty units of l, given the units
// and value earlier returns of the line (not rejected) already hold: the
// units' part of the line, rounded down, and for the return that takes the
// line's last units, what is left of it. However a line is returned, its
// returns never add up to more than was paid for it, and returning all of
// it gives back exactly that.
func unitsValue(o *order.Order, l *order.Line, qty, heldQty, heldValue int64) int64 {
	paid := linePaid(o, l)
	if heldQty+qty >= l.Quantity {
		return max(0, paid-heldValue)
	}
	return money.Portion(paid, qty, l.Quantity)
}

// held is what the not-rejected returns of an order line other than
// exceptReturn hold: units and value, read in q.
func held(ctx context.Context, q bun.IDB, tenant, lineID, exceptReturn string, statuses ...ReturnStatus) (qty, value int64, err error) {
	var row struct {
		Qty   int64 `bun:"qty"`
		Value int64 `bun:"value"`
	}
	sel := q.NewSelect().TableExpr("return_lines AS rl").Join("JOIN returns AS r ON r.tenant_id = rl.tenant_id AND r.id = rl.return_id").
		ColumnExpr("COALESCE(SUM(rl.quantity), 0) AS qty, COALESCE(SUM(rl.amount), 0) AS value").
		Where("rl.tenant_id = ? AND rl.order_line_id = ? AND rl.return_id <> ?", tenant, lineID, exceptReturn)
	if len(statuses) > 0 {
		sel.Where("r.status IN (?)", bun.List(statuses))
	} else {
		sel.Where("r.status <> ?", Rejected)
	}
	err = sel.Scan(ctx, &row)
	return row.Qty, row.Value, errs.Wrap(err, "aftersales: returned so far")
}

// Request opens a return. Shoppers (any actor but staff) must give the
// order's e-mail and be within the return window.
func (s *Service) Request(ctx context.Context, in RequestInput) (*Return, error) {
	reason, err := clean(in.Reason, 2000)
	if err != nil {
		return nil, err
	}
	if len(in.Lines) == 0 || len(in.Lines) > 500 {
		return nil, errs.Field("lines", "choose what to return")
	}
	actor := tenancy.ActorFrom(ctx)
	var r *Return
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		o, err := order.Load(ctx, q, in.OrderID)
		if err != nil {
			return err
		}
		if actor.Kind != "staff" {
			if !strings.EqualFold(strings.TrimSpace(in.Email), o.Email) {
				return errs.NotFoundf("order not found")
			}
			set, err := checkout.LoadSettings(ctx, q)
			if err != nil {
				return err
			}
			if s.Now().Sub(o.PlacedAt) > time.Duration(set.ReturnWindowDays)*24*time.Hour {
				return &errs.Error{Code: errs.Unprocessable, Field: "order", Message: "the return window for this order has closed"}
			}
		}
		if !returnable[o.Status] {
			return &errs.Error{Code: errs.Unprocessable, Field: "order", Message: "only shipped orders can be returned"}
		}
		now := s.Now().UTC().Truncate(time.Microsecond)
		r = &Return{TenantID: o.TenantID, ID: store.NewID(), OrderID: o.ID, Status: Requested, Reason: reason, Currency: o.Currency,
			RequestedByKind: actor.Kind, RequestedByID: actor.ID, CreatedAt: now, UpdatedAt: now}
		byID := map[string]*order.Line{}
		for i := range o.Lines {
			byID[o.Lines[i].ID] = &o.Lines[i]
		}
		for _, lq := range in.Lines {
			l := byID[lq.LineID]
			if l == nil || lq.Quantity <= 0 {
				return errs.Field("lines", "each line must be in the order, with a positive quantity")
			}
			why, err := clean(lq.Reason, 500)
			if err != nil {
				return err
			}
			ok, err := order.AddReturned(ctx, q, o.TenantID, l.ID, lq.Quantity)
			if err != nil {
				return err
			}
			if !ok {
				return &errs.Error{Code: errs.Unprocessable, Field: "lines", Message: l.Title + ": more than was shipped and not yet returned"}
			}
			// Read after the conditional update, which queues concurrent
			// returns of the line, so each sees the others' values.
			hq, hv, err := held(ctx, q, o.TenantID, l.ID, r.ID)
			if err != nil {
				return err
			}
			v := unitsValue(o, l, lq.Quantity, hq, hv)
			r.Amount += v
			r.Lines = append(r.Lines, ReturnLine{TenantID: o.TenantID, ReturnID: r.ID, OrderLineID: l.ID, VariantID: l.VariantID, Quantity: lq.Quantity, Amount: v, Reason: why})
		}
		if _, err := q.NewInsert().Model(r).Exec(ctx); err != nil {
			return errs.Wrap(err, "return insert")
		}
		if _, err := q.NewInsert().Model(&r.Lines).Exec(ctx); err != nil {
			if store.IsUniqueViolation(err) {
				return errs.Field("lines", "each line once")
			}
			return errs.Wrap(err, "return lines")
		}
		return s.announce(ctx, q, o, r, "Return requested", "return.requested")
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (s *Service) announce(ctx context.Context, q bun.IDB, o *order.Order, r *Return, msg, topic string) error {
	if _, err := order.AddEvent(ctx, q, r.TenantID, r.OrderID, order.EventReturn, msg, map[string]any{"return_id": r.ID, "status": r.Status}); err != nil {
		return err
	}
	email := ""
	number := int64(0)
	if o != nil {
		email, number = o.Email, o.Number
	}
	_, err := outbox.EnqueueEvent(ctx, q, r.TenantID, topic, map[string]any{"return_id": r.ID, "order_id": r.OrderID, "number": number, "email": email, "status": r.Status, "amount": r.Amount})
	return err
}

func (s *Service) load(ctx context.Context, q bun.IDB, id string) (*Return, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	r := new(Return)
	if err := q.NewSelect().Model(r).Where("tenant_id = ? AND id = ?", tenant, id).Scan(ctx); err != nil {
		if store.NoRows(err) {
			return nil, errs.NotFoundf("return not found")
		}
		return nil, errs.Wrap(err, "return load")
	}
	if err := q.NewSelect().Model(&r.Lines).Where("tenant_id = ? AND return_id = ?", tenant, id).OrderExpr("order_line_id").Scan(ctx); err != nil {
		return nil, errs.Wrap(err, "return lines")
	}
	return r, nil
}

// move changes a return's status from `from` (conditionally) and runs more
// in the same transaction.
func (s *Service) move(ctx context.Context, id string, from []ReturnStatus, to ReturnStatus, set func(r *Return, upd *bun.UpdateQuery), more func(ctx context.Context, q bun.IDB, r *Return) error) (*Return, error) {
	var r *Return
	err := s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		var err error
		if r, err = s.load(ctx, q, id); err != nil {
			return err
		}
		ok := false
		for _, f := range from {
			ok = ok || r.Status == f
		}
		if !ok {
			return &errs.Error{Code: errs.Unprocessable, Field: "status", Message: "a " + string(r.Status) + " return cannot become " + string(to)}
		}
		now := s.Now().UTC().Truncate(time.Microsecond)
		upd := q.NewUpdate().Model((*Return)(nil)).Set("status = ?", to).Set("updated_at = ?", now)
		if set != nil {
			set(r, upd)
		}
		res, err := upd.Where("tenant_id = ? AND id = ? AND status = ?", r.TenantID, r.ID, r.Status).Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "return status")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "the return changed meanwhile")
		}
		r.Status, r.UpdatedAt = to, now
		if more != nil {
			if err := more(ctx, q, r); err != nil {
				return err
			}
		}
		o, err := order.Load(ctx, q, r.OrderID)
		if err != nil {
			return err
		}
		return s.announce(ctx, q, o, r, "Return "+string(to), "return."+string(to))
	})
	return r, err
}

// Approve accepts a return request.
func (s *Service) Approve(ctx context.Context, id, note string) (*Return, error) {
	note, err := clean(note, 2000)
	if err != nil {
		return nil, err
	}
	return s.move(ctx, id, []ReturnStatus{Requested}, Approved, func(r *Return, u *bun.UpdateQuery) { u.Set("staff_note = ?", note) }, nil)
}

// Reject refuses a return request and frees its quantities.
func (s *Service) Reject(ctx context.Context, id, note string) (*Return, error) {
	note, err := clean(note, 2000)
	if err != nil {
		return nil, err
	}
	return s.move(ctx, id, []ReturnStatus{Requested, Approved}, Rejected, func(r *Return, u *bun.UpdateQuery) { u.Set("staff_note = ?", note) },
		func(ctx context.Context, q bun.IDB, r *Return) error {
			for _, l := range r.Lines {
				if _, err := order.AddReturned(ctx, q, r.TenantID, l.OrderLineID, -l.Quantity); err != nil {
					return err
				}
			}
			return nil
		})
}

// Receive records the goods as back; with restock they go back into
// stock at locationID ("" = default location).
func (s *Service) Receive(ctx context.Context, id string, restock bool, locationID string) (*Return, error) {
	r, err := s.move(ctx, id, []ReturnStatus{Approved}, Received, func(r *Return, u *bun.UpdateQuery) { u.Set("restock = ?", restock) }, nil)
	if err != nil {
		return nil, err
	}
	r.Restock = restock
	if restock {
		return s.restock(ctx, r, locationID)
	}
	return r, nil
}

// Restock puts a received return's goods back into stock if a crash
// interrupted Receive.
func (s *Service) Restock(ctx context.Context, id, locationID string) (*Return, error) {
	var r *Return
	if err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var err error
		r, err = s.load(ctx, q, id)
		return err
	}); err != nil {
		return nil, err
	}
	if !r.Restock || r.Restocked {
		return r, nil
	}
	return s.restock(ctx, r, locationID)
}

func (s *Service) restock(ctx context.Context, r *Return, locationID string) (*Return, error) {
	if s.inv == nil {
		return r, nil
	}
	for _, l := range r.Lines {
		if err := s.inv.Return(ctx, l.VariantID, locationID, l.Quantity, "return:"+r.ID); err != nil {
			return r, err
		}
	}
	err := s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if _, err := q.NewUpdate().Model((*Return)(nil)).Set("restocked = ?", true).Where("tenant_id = ? AND id = ?", r.TenantID, r.ID).Exec(ctx); err != nil {
			return errs.Wrap(err, "return restocked")
		}
		_, err := order.AddEvent(ctx, q, r.TenantID, r.OrderID, order.EventStock, "Returned goods restocked", map[string]any{"return_id": r.ID})
		return err
	})
	r.Restocked = err == nil
	return r, err
}

// Refund pays a received return back to the order's payments: amount 0
// means the value of the returned goods. Retries are safe.
func (s *Service) Refund(ctx context.Context, id string, amount int64) (*Return, error) {
	var r *Return
	if err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var err error
		r, err = s.load(ctx, q, id)
		return err
	}); err != nil {
		return nil, err
	}
	if r.Status != Received {
		return nil, &errs.Error{Code: errs.Unprocessable, Field: "status", Message: "refund a return once the goods are received"}
	}
	if amount == 0 {
		amount = r.Amount
	}
	if amount < 0 {
		return nil, errs.Field("amount", "must be positive")
	}
	if s.payments == nil {
		return nil, errs.E(errs.Unavailable, "payments are not configured")
	}
	// One refund per return: a lease on the return keeps concurrent calls
	// out, and refunds already made for it (a crash after paying, before the
	// status moved) are counted before paying the rest.
	req := idempotency.Request{Scope: "return-refund", Key: r.ID, Body: []byte(strconv.FormatInt(amount, 10))}
	prev, err := s.idem.Begin(ctx, req)
	if err != nil {
		return nil, err
	}
	if prev != nil {
		return s.Get(ctx, id)
	}
	out, err := s.refund(ctx, r, amount)
	if err != nil {
		if ab := s.idem.Abort(ctx, req); ab != nil {
			return nil, ab
		}
		return nil, err
	}
	if err := s.idem.Finish(ctx, req, idempotency.Response{Status: 200, Body: []byte(out.ID)}); err != nil {
		return nil, err
	}
	return out, nil
}

// refund pays amount back: to the order's payments first, as far as they
// go, and the rest to store credit, as far as the order was paid with
// credit (less what was given back already); more than both is refused
// before anything is paid.
func (s *Service) refund(ctx context.Context, r *Return, amount int64) (*Return, error) {
	reason := "Return " + r.ID
	ps, rs, err := s.payments.ForOrder(ctx, r.OrderID)
	if err != nil {
		return nil, err
	}
	var done, left int64
	for _, x := range rs {
		if x.Reason == reason && x.Status != payment.RefundFailed {
			done += x.Amount
		}
	}
	for i := range ps {
		if ps[i].Status == payment.StatusCaptured {
			left += ps[i].Refundable()
		}
	}
	card := min(amount, done+left)
	if credit := amount - card; credit > 0 {
		var spent, back int64
		if err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
			refunds, err := refundSourcesOf(ctx, q, r.TenantID, r.OrderID)
			if err == nil {
				spent, back, _, _, err = creditOnOrder(ctx, q, r.TenantID, r.OrderID, refunds)
			}
			return err
		}); err != nil {
			return nil, err
		}
		if credit > spent-back {
			return nil, &errs.Error{Code: errs.Unprocessable, Field: "amount", Message: "the refund is more than what is left to refund on this order"}
		}
	}
	if done < card {
		if _, err := s.payments.RefundToOrder(ctx, r.OrderID, card-done, reason, ""); err != nil {
			return nil, err
		}
	}
	return s.move(ctx, r.ID, []ReturnStatus{Received}, Refunded, func(r *Return, u *bun.UpdateQuery) {
		u.Set("resolution = 'refund'").Set("resolved_amount = ?", amount)
	}, func(ctx context.Context, q bun.IDB, r *Return) error {
		r.Resolution, r.ResolvedAmount = "refund", amount
		if amount > card {
			o, err := order.Load(ctx, q, r.OrderID)
			if err != nil {
				return err
			}
			refunds, err := refundSourcesOf(ctx, q, r.TenantID, r.OrderID)
			if err != nil {
				return err
			}
			given, err := giveBack(ctx, q, o, amount-card, "refund:"+r.ID, "return "+r.ID, refunds, r.UpdatedAt)
			if err != nil {
				return err
			}
			if given != amount-card {
				return &errs.Error{Code: errs.Conflict, Field: "amount", Message: "the order's store credit was given back meanwhile; refund less"}
			}
		}
		return s.resolve(ctx, q, r, 0)
	})
}

// Credit resolves a received return with store credit for the customer
// (keyed by customer id, or e-mail for guests); amount 0 means the value of
// the returned goods.
func (s *Service) Credit(ctx context.Context, id string, amount int64) (*Return, error) {
	if amount < 0 {
		return nil, errs.Field("amount", "must be positive")
	}
	return s.move(ctx, id, []ReturnStatus{Received}, Credited, func(r *Return, u *bun.UpdateQuery) {
		if amount == 0 {
			amount = r.Amount
		}
		u.Set("resolution = 'store_credit'").Set("resolved_amount = ?", amount)
	}, func(ctx context.Context, q bun.IDB, r *Return) error {
		o, err := order.Load(ctx, q, r.OrderID)
		if err != nil {
			return err
		}
		r.Resolution, r.ResolvedAmount = "store_credit", amount
		if _, err = grant(ctx, q, Credit{TenantID: r.TenantID, CustomerKey: customerKey(o), Amount: amount, Currency: r.Currency,
			Source: "return:" + r.ID, CreatedAt: r.UpdatedAt}); err != nil {
			return err
		}
		return s.resolve(ctx, q, r, amount)
	})
}

// Exchange resolves a received return by exchange: staff send the
// replacement as a new order (its price may be covered by store credit).
func (s *Service) Exchange(ctx context.Context, id, note string) (*Return, error) {
	note, err := clean(note, 2000)
	if err != nil {
		return nil, err
	}
	return s.move(ctx, id, []ReturnStatus{Received}, Exchanged, func(r *Return, u *bun.UpdateQuery) {
		u.Set("resolution = 'exchange'").Set("staff_note = ?", note)
	}, nil)
}

// Get returns a return with its lines.
func (s *Service) Get(ctx context.Context, id string) (*Return, error) {
	var r *Return
	err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var err error
		r, err = s.load(ctx, q, id)
		return err
	})
	return r, err
}

// ReturnFilter selects returns for the console queue.
type ReturnFilter struct {
	Status  ReturnStatus
	OrderID string
	// CustomerID: the returns of this customer's orders.
	CustomerID string
	Before     string
	Limit      int
}

// List lists returns (without lines), newest first.
func (s *Service) List(ctx context.Context, f ReturnFilter) ([]Return, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	var out []Return
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		sel := q.NewSelect().Model(&out).Where("tenant_id = ?", tenant)
		if f.Status != "" {
			sel.Where("status = ?", f.Status)
		}
		if f.OrderID != "" {
			sel.Where("order_id = ?", f.OrderID)
		}
		if f.CustomerID != "" {
			sel.Where("order_id IN ("+order.CustomerOrderIDsSQL+")", tenant, f.CustomerID)
		}
		if f.Before != "" {
			sel.Where("id < ?", f.Before)
		}
		return sel.OrderExpr("id DESC").Limit(int64(f.Limit)).Scan(ctx)
	})
	return out, errs.Wrap(err, "aftersales.List")
}
