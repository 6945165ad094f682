package inventory

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

// ReservationStatus is where a reservation stands.
type ReservationStatus string

// Reservation statuses.
const (
	StatusActive    ReservationStatus = "active"
	StatusReleased  ReservationStatus = "released"
	StatusCommitted ReservationStatus = "committed"
	StatusExpired   ReservationStatus = "expired"
)

// Reservation holds stock of one variant at one location.
type Reservation struct {
	ID         string
	VariantID  string
	LocationID string
	Quantity   int64
	Status     ReservationStatus
	Ref        string
	ExpiresAt  time.Time
}

// Line asks for qty units of a variant, optionally at one location.
type Line struct {
	VariantID  string
	LocationID string
	Quantity   int64
}

type reservationRow struct {
	bun.BaseModel `bun:"table:inventory_reservations"`
	TenantID      string    `bun:"tenant_id,pk"`
	ID            string    `bun:"id,pk"`
	VariantID     string    `bun:"variant_id"`
	LocationID    string    `bun:"location_id"`
	Quantity      int64     `bun:"quantity"`
	Status        string    `bun:"status"`
	Ref           string    `bun:"ref"`
	ExpiresAt     time.Time `bun:"expires_at"`
	CreatedAt     time.Time `bun:"created_at"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

func (r *reservationRow) out() Reservation {
	return Reservation{ID: r.ID, VariantID: r.VariantID, LocationID: r.LocationID, Quantity: r.Quantity, Status: ReservationStatus(r.Status), Ref: r.Ref, ExpiresAt: r.ExpiresAt.UTC()}
}

// Reserve holds stock for every line, all or nothing, until ttl passes
// (0 = the default TTL). ref ties the reservations to a cart or order.
func (s *Service) Reserve(ctx context.Context, lines []Line, ttl time.Duration, ref string) ([]Reservation, error) {
	var out []Reservation
	err := s.write(ctx, func(ctx context.Context, q bun.IDB, tid string) error {
		var err error
		out, err = s.ReserveIn(ctx, q, lines, ttl, ref)
		return err
	})
	return out, err
}

// ReserveIn is Reserve inside the caller's transaction.
func (s *Service) ReserveIn(ctx context.Context, q bun.IDB, lines []Line, ttl time.Duration, ref string) ([]Reservation, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if len(lines) == 0 {
		return nil, errs.Field("lines", "nothing to reserve")
	}
	if ttl <= 0 {
		ttl = s.opts.ReservationTTL
	}
	now := s.now()
	var out []Reservation
	for i, l := range lines {
		field := fmt.Sprintf("lines[%d].quantity", i)
		if err := positive(l.Quantity); err != nil {
			return nil, errs.Field(field, "must be between 1 and 1000000000")
		}
		var candidates []string
		if l.LocationID != "" {
			candidates = []string{l.LocationID}
		} else {
			// Locations with enough stock, most first; then the default
			// location (for backorder variants or a clear error).
			err := q.NewRaw(`SELECT l.location_id FROM inventory_levels l JOIN inventory_locations o ON o.tenant_id = l.tenant_id AND o.id = l.location_id
				WHERE l.tenant_id = ? AND l.variant_id = ? AND l.available >= ? AND o.active
				ORDER BY l.available DESC, o.is_default DESC LIMIT 5`, tid, l.VariantID, l.Quantity).Scan(ctx, &candidates)
			if err != nil && !store.NoRows(err) {
				return nil, errs.Wrap(err, "inventory: reserve")
			}
			def, err := s.defaultLocation(ctx, q, tid)
			if err != nil {
				return nil, err
			}
			candidates = append(candidates, def)
		}
		r := reservationRow{TenantID: tid, ID: store.NewID(), VariantID: l.VariantID, Quantity: l.Quantity, Status: string(StatusActive), Ref: ref, ExpiresAt: now.Add(ttl), CreatedAt: now, UpdatedAt: now}
		err = insufficient(field)
		for _, loc := range candidates {
			err = s.apply(ctx, q, tid, move{variant: l.VariantID, location: loc, kind: Reserved, d: delta{0, -l.Quantity, l.Quantity}, ref: ref, reservation: r.ID})
			if err == nil {
				r.LocationID = loc
				break
			}
			if !errs.Is(err, errs.Conflict) {
				return nil, err
			}
		}
		if err != nil {
			if e, ok := err.(*errs.Error); ok && e.Code == errs.Conflict {
				e.Field = field
			}
			return nil, err
		}
		if _, err := q.NewInsert().Model(&r).Exec(ctx); err != nil {
			return nil, errs.Wrap(err, "inventory: reservation")
		}
		out = append(out, r.out())
	}
	return out, nil
}

// finish moves an active reservation to status, applying d to its level.
func (s *Service) finish(ctx context.Context, q bun.IDB, id string, status ReservationStatus, kind Kind, reason, ref string) (*Reservation, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var r reservationRow
	if err := q.NewSelect().Model(&r).Where("tenant_id = ? AND id = ?", tid, id).Scan(ctx); err != nil {
		if store.NoRows(err) {
			return nil, errs.NotFoundf("reservation not found")
		}
		return nil, errs.Wrap(err, "inventory: reservation")
	}
	now := s.now()
	res, err := q.NewRaw("UPDATE inventory_reservations SET status = ?, updated_at = ? WHERE tenant_id = ? AND id = ? AND status = 'active'", string(status), now, tid, id).Exec(ctx)
	if err != nil {
		return nil, errs.Wrap(err, "inventory: reservation")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, &errs.Error{Code: errs.Conflict, Field: "reservation", Message: "the reservation is " + r.Status}
	}
	d := delta{0, r.Quantity, -r.Quantity}
	if kind == Sold {
		d = delta{-r.Quantity, 0, -r.Quantity}
	}
	if ref == "" {
		ref = r.Ref
	}
	if err := s.apply(ctx, q, tid, move{variant: r.VariantID, location: r.LocationID, kind: kind, d: d, reason: reason, ref: ref, reservation: id}); err != nil {
		return nil, err
	}
	r.Status = string(status)
	out := r.out()
	return &out, nil
}

// Release gives reserved stock back (cart abandoned, checkout failed).
func (s *Service) Release(ctx context.Context, id string) error {
	return s.write(ctx, func(ctx context.Context, q bun.IDB, tid string) error {
		_, err := s.finish(ctx, q, id, StatusReleased, Released, "", "")
		return err
	})
}

// ReleaseIn is Release inside the caller's transaction.
func (s *Service) ReleaseIn(ctx context.Context, q bun.IDB, id string) error {
	_, err := s.finish(ctx, q, id, StatusReleased, Released, "", "")
	return err
}

// Commit turns a reservation into a sale (the order is paid); ref is the
// order id for the ledger ("" keeps the reservation's ref).
func (s *Service) Commit(ctx context.Context, id, ref string) error {
	return s.write(ctx, func(ctx context.Context, q bun.IDB, tid string) error {
		_, err := s.finish(ctx, q, id, StatusCommitted, Sold, "", ref)
		return err
	})
}

// CommitIn is Commit inside the caller's transaction.
func (s *Service) CommitIn(ctx context.Context, q bun.IDB, id, ref string) error {
	_, err := s.finish(ctx, q, id, StatusCommitted, Sold, "", ref)
	return err
}

// ExpireDue releases up to limit active reservations whose time is up and
// returns how many it expired. With a tenant in ctx it sweeps that shop;
// with the platform scope (tenancy.WithPlatform) it sweeps every shop.
func (s *Service) ExpireDue(ctx context.Context, limit int) (int, error) {
	if limit <= 0 {
		limit = 500
	}
	tid, scoped := tenancy.TenantID(ctx)
	if !scoped && !tenancy.IsPlatform(ctx) {
		return 0, errs.E(errs.Internal, "inventory: ExpireDue needs a tenant or the platform scope")
	}
	type due struct {
		TenantID string `bun:"tenant_id"`
		ID       string `bun:"id"`
	}
	var list []due
	err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		sel := q.NewSelect().Table("inventory_reservations").Column("tenant_id", "id").
			Where("status = 'active' AND expires_at <= ?", s.now()).OrderExpr("expires_at").Limit(int64(limit))
		if scoped {
			sel = sel.Where("tenant_id = ?", tid)
		}
		return sel.Scan(ctx, &list)
	})
	if err != nil && !store.NoRows(err) {
		return 0, errs.Wrap(err, "inventory: expire")
	}
	n := 0
	for _, d := range list {
		tctx := tenancy.WithTenant(ctx, d.TenantID)
		err := s.db.Write(tctx, func(ctx context.Context, q bun.IDB) error {
			_, err := s.finish(ctx, q, d.ID, StatusExpired, Released, "expired", "")
			return err
		})
		switch {
		case err == nil:
			n++
		case errs.Is(err, errs.Conflict): // released or committed meanwhile
		default:
			return n, err
		}
	}
	return n, nil
}

// Reservations lists the reservations with a ref (a cart or order).
func (s *Service) Reservations(ctx context.Context, ref string) ([]Reservation, error) {
	var out []Reservation
	err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var err error
		out, err = s.ReservationsIn(ctx, q, ref)
		return err
	})
	return out, err
}

// ReservationsIn is Reservations inside the caller's transaction.
func (s *Service) ReservationsIn(ctx context.Context, q bun.IDB, ref string) ([]Reservation, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var rows []reservationRow
	if err := q.NewSelect().Model(&rows).Where("tenant_id = ? AND ref = ?", tid, ref).Order("id").Scan(ctx); err != nil {
		return nil, errs.Wrap(err, "inventory: reservations")
	}
	out := make([]Reservation, len(rows))
	for i := range rows {
		out[i] = rows[i].out()
	}
	return out, nil
}
