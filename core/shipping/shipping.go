// Package shipping records shipments: some or all of an order's lines sent
// from a location, with carrier, tracking number and tracking URL, and their
// status as the parcel travels. (Zones and delivery methods, which price
// shipping, are part of the pricing pipeline: package pricing, configured
// through checkout.Settings.)
//
// Creating a shipment moves each line's fulfilled quantity with a
// conditional UPDATE (never past the quantity ordered, also a CHECK
// constraint), so two staff members fulfilling the same order at once
// cannot ship a unit twice. The order moves to partially_fulfilled or
// fulfilled, and to delivered when every shipment is delivered; each step is
// on the order's timeline and announced through the outbox ("shipment.
// created" carries the tracking link for the shipping e-mail).
//
// Tables: the package owns shipments and shipment_lines; the order lines'
// fulfilled quantities are core/order's (order.Fulfil).
package shipping

import (
	"context"
	"embed"
	"io/fs"
	"net/url"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

func init() {
	sub, _ := fs.Sub(migrationsFS, "migrations")
	store.RegisterMigrations(store.Migrations{Module: "shipping", Order: 44, FS: sub})
}

// Status is where a shipment is.
type Status string

// Shipment statuses.
const (
	Shipped        Status = "shipped"
	InTransit      Status = "in_transit"
	OutForDelivery Status = "out_for_delivery"
	Delivered      Status = "delivered"
	Failed         Status = "failed"
)

var next = map[Status][]Status{
	Shipped:        {InTransit, OutForDelivery, Delivered, Failed},
	InTransit:      {OutForDelivery, Delivered, Failed},
	OutForDelivery: {Delivered, Failed, InTransit},
	Failed:         {InTransit, OutForDelivery, Delivered},
	Delivered:      nil,
}

// Shipment is one parcel.
type Shipment struct {
	bun.BaseModel `bun:"table:shipments"`

	TenantID       string     `bun:"tenant_id,pk" json:"-"`
	ID             string     `bun:"id,pk" json:"id"`
	OrderID        string     `bun:"order_id" json:"order_id"`
	LocationID     string     `bun:"location_id" json:"location_id,omitempty"`
	Carrier        string     `bun:"carrier" json:"carrier,omitempty"`
	TrackingNumber string     `bun:"tracking_number" json:"tracking_number,omitempty"`
	TrackingURL    string     `bun:"tracking_url" json:"tracking_url,omitempty"`
	Status         Status     `bun:"status" json:"status"`
	CreatedAt      time.Time  `bun:"created_at" json:"created_at"`
	UpdatedAt      time.Time  `bun:"updated_at" json:"updated_at"`
	DeliveredAt    *time.Time `bun:"delivered_at" json:"delivered_at,omitempty"`

	Lines []Line `bun:"-" json:"lines"`
}

// Line is a quantity of one order line in a shipment.
type Line struct {
	bun.BaseModel `bun:"table:shipment_lines"`

	TenantID    string `bun:"tenant_id,pk" json:"-"`
	ShipmentID  string `bun:"shipment_id,pk" json:"-"`
	OrderLineID string `bun:"order_line_id,pk" json:"order_line_id"`
	Quantity    int64  `bun:"quantity" json:"quantity"`
}

// Service records shipments of the context's tenant.
type Service struct{ db *store.DB }

// New returns a Service.
func New(db *store.DB) *Service { return &Service{db: db} }

// LineQty asks to ship qty units of an order line.
type LineQty struct {
	LineID   string `json:"line_id"`
	Quantity int64  `json:"quantity"`
}

// Input describes a shipment.
type Input struct {
	LocationID     string    `json:"location_id,omitempty"`
	Carrier        string    `json:"carrier,omitempty"`
	TrackingNumber string    `json:"tracking_number,omitempty"`
	TrackingURL    string    `json:"tracking_url,omitempty"`
	Lines          []LineQty `json:"lines,omitempty"` // empty: everything not yet shipped
}

func (in *Input) validate() error {
	in.Carrier, in.TrackingNumber, in.TrackingURL = strings.TrimSpace(in.Carrier), strings.TrimSpace(in.TrackingNumber), strings.TrimSpace(in.TrackingURL)
	if len(in.Carrier) > 100 || len(in.TrackingNumber) > 100 || strings.ContainsAny(in.Carrier+in.TrackingNumber, "\r\n\x00") {
		return errs.Field("tracking_number", "is too long or not text")
	}
	if in.TrackingURL != "" {
		u, err := url.Parse(in.TrackingURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(in.TrackingURL) > 1000 {
			return errs.Field("tracking_url", "must be an http(s) URL")
		}
	}
	return nil
}

var shippable = map[order.Status]bool{order.Paid: true, order.PartiallyFulfilled: true, order.PartiallyRefunded: true}

// Create ships lines of an order and moves the order to partially
// fulfilled or fulfilled.
func (s *Service) Create(ctx context.Context, orderID string, in Input) (*Shipment, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	var sh *Shipment
	err := s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		o, err := order.Load(ctx, q, orderID)
		if err != nil {
			return err
		}
		if !shippable[o.Status] {
			return &errs.Error{Code: errs.Unprocessable, Field: "order", Message: "order " + o.Name() + " is " + strings.ReplaceAll(string(o.Status), "_", " ") + " and cannot be shipped"}
		}
		want := in.Lines
		if len(want) == 0 {
			for _, l := range o.Lines {
				if rest := l.Quantity - l.FulfilledQuantity; rest > 0 && l.RequiresShipping {
					want = append(want, LineQty{LineID: l.ID, Quantity: rest})
				}
			}
		}
		if len(want) == 0 {
			return errs.Field("lines", "nothing left to ship")
		}
		now := store.Now()
		sh = &Shipment{TenantID: o.TenantID, ID: store.NewID(), OrderID: o.ID, LocationID: in.LocationID, Carrier: in.Carrier,
			TrackingNumber: in.TrackingNumber, TrackingURL: in.TrackingURL, Status: Shipped, CreatedAt: now, UpdatedAt: now}
		if _, err := q.NewInsert().Model(sh).Exec(ctx); err != nil {
			return errs.Wrap(err, "shipment insert")
		}
		seen := map[string]bool{}
		for _, w := range want {
			if w.Quantity <= 0 || seen[w.LineID] {
				return errs.Field("lines", "each line once, with a positive quantity")
			}
			seen[w.LineID] = true
			ok, err := order.Fulfil(ctx, q, o.TenantID, o.ID, w.LineID, w.Quantity)
			if err != nil {
				return err
			}
			if !ok {
				return &errs.Error{Code: errs.Unprocessable, Field: "lines", Message: "a line is not in this order or has fewer units left to ship"}
			}
			sh.Lines = append(sh.Lines, Line{TenantID: o.TenantID, ShipmentID: sh.ID, OrderLineID: w.LineID, Quantity: w.Quantity})
		}
		if _, err := q.NewInsert().Model(&sh.Lines).Exec(ctx); err != nil {
			return errs.Wrap(err, "shipment lines")
		}
		// Re-read fulfilment to pick the order's new state.
		if o, err = order.Load(ctx, q, orderID); err != nil {
			return err
		}
		all := true
		for _, l := range o.Lines {
			if l.RequiresShipping && l.FulfilledQuantity < l.Quantity {
				all = false
			}
		}
		to := order.PartiallyFulfilled
		if all {
			to = order.Fulfilled
		}
		if to != o.Status && order.CanTransition(o.Status, to) {
			if err := order.Transition(ctx, q, o, to, "", nil); err != nil {
				return err
			}
		}
		msg := "Shipped"
		if sh.Carrier != "" {
			msg += " with " + sh.Carrier
		}
		if sh.TrackingNumber != "" {
			msg += ", tracking " + sh.TrackingNumber
		}
		if _, err := order.AddEvent(ctx, q, o.TenantID, o.ID, order.EventShipment, msg, map[string]any{"shipment_id": sh.ID, "lines": sh.Lines}); err != nil {
			return err
		}
		_, err = outbox.EnqueueEvent(ctx, q, o.TenantID, "shipment.created", map[string]any{"order_id": o.ID, "number": o.Number, "email": o.Email,
			"shipment_id": sh.ID, "carrier": sh.Carrier, "tracking_number": sh.TrackingNumber, "tracking_url": sh.TrackingURL})
		return err
	})
	if err != nil {
		return nil, err
	}
	return sh, nil
}

// SetStatus records a shipment's progress; when every shipment of a
// fulfilled order is delivered, the order becomes delivered.
func (s *Service) SetStatus(ctx context.Context, shipmentID string, to Status) (*Shipment, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	sh := new(Shipment)
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if err := q.NewSelect().Model(sh).Where("tenant_id = ? AND id = ?", tenant, shipmentID).Scan(ctx); err != nil {
			if store.NoRows(err) {
				return errs.NotFoundf("shipment not found")
			}
			return errs.Wrap(err, "shipment load")
		}
		ok := false
		for _, n := range next[sh.Status] {
			ok = ok || n == to
		}
		if !ok {
			return &errs.Error{Code: errs.Unprocessable, Field: "status", Message: "a shipment cannot go from " + string(sh.Status) + " to " + string(to)}
		}
		now := store.Now()
		upd := q.NewUpdate().Model((*Shipment)(nil)).Set("status = ?", to).Set("updated_at = ?", now)
		if to == Delivered {
			upd.Set("delivered_at = ?", now)
		}
		res, err := upd.Where("tenant_id = ? AND id = ? AND status = ?", tenant, sh.ID, sh.Status).Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "shipment status")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "the shipment changed meanwhile")
		}
		sh.Status, sh.UpdatedAt = to, now
		if _, err := order.AddEvent(ctx, q, tenant, sh.OrderID, order.EventShipment, "Shipment "+strings.ReplaceAll(string(to), "_", " "), map[string]any{"shipment_id": sh.ID}); err != nil {
			return err
		}
		if to != Delivered {
			return nil
		}
		var open int
		if err := q.NewSelect().Model((*Shipment)(nil)).ColumnExpr("count(*)").Where("tenant_id = ? AND order_id = ? AND status <> ?", tenant, sh.OrderID, Delivered).Scan(ctx, &open); err != nil {
			return errs.Wrap(err, "shipments open")
		}
		o, err := order.Load(ctx, q, sh.OrderID)
		if err != nil {
			return err
		}
		if open == 0 && o.Status == order.Fulfilled {
			if err := order.Transition(ctx, q, o, order.Delivered, "All shipments delivered", nil); err != nil {
				return err
			}
			_, err = outbox.EnqueueEvent(ctx, q, tenant, "order.delivered", map[string]any{"order_id": o.ID, "number": o.Number, "email": o.Email})
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sh, nil
}

// ForOrder lists an order's shipments with their lines, oldest first.
func (s *Service) ForOrder(ctx context.Context, orderID string) ([]Shipment, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var out []Shipment
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		if err := q.NewSelect().Model(&out).Where("tenant_id = ? AND order_id = ?", tenant, orderID).OrderExpr("id").Scan(ctx); err != nil {
			return err
		}
		if len(out) == 0 {
			return nil
		}
		ids := make([]string, len(out))
		idx := map[string]int{}
		for i := range out {
			ids[i] = out[i].ID
			idx[out[i].ID] = i
			out[i].Lines = []Line{}
		}
		var lines []Line
		if err := q.NewSelect().Model(&lines).Where("tenant_id = ? AND shipment_id IN (?)", tenant, bun.List(ids)).Scan(ctx); err != nil {
			return err
		}
		for _, l := range lines {
			i := idx[l.ShipmentID]
			out[i].Lines = append(out[i].Lines, l)
		}
		return nil
	})
	return out, errs.Wrap(err, "shipping.ForOrder")
}

// Tracking is what the shopper tracking page shows.
type Tracking struct {
	Order     *order.Order `json:"order"`
	Shipments []Shipment   `json:"shipments"`
}

// Track finds an order by number and e-mail (both must match) with its
// shipments.
func (s *Service) Track(ctx context.Context, number int64, email string) (*Tracking, error) {
	o, err := order.NewService(s.db, nil).Track(ctx, number, email)
	if err != nil {
		return nil, err
	}
	sh, err := s.ForOrder(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	return &Tracking{Order: o, Shipments: sh}, nil
}
