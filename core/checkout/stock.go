package checkout

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/inventory"
	"github.com/wasmart/wasmart/core/order"
)

// Stock adapts core/inventory to order.Inventory: an order's stock is
// reserved when it is placed (reference "order:<id>"), committed as sold
// when it is paid, and released when it is cancelled unpaid.
type Stock struct {
	Inv *inventory.Service
	// Hold is how long reservations of unpaid orders last (default 72 h).
	Hold time.Duration
}

func ref(orderID string) string { return "order:" + orderID }

// Allocate reserves every line, all or nothing (errs.Conflict when short).
func (s *Stock) Allocate(ctx context.Context, q bun.IDB, _ string, orderID string, lines []order.StockLine) error {
	in := make([]inventory.Line, len(lines))
	for i, l := range lines {
		in[i] = inventory.Line{VariantID: l.VariantID, Quantity: l.Quantity}
	}
	hold := s.Hold
	if hold <= 0 {
		hold = 72 * time.Hour
	}
	_, err := s.Inv.ReserveIn(ctx, q, in, hold, ref(orderID))
	return err
}

// Commit turns the order's reservations into sales. A reservation that
// expired before the payment arrived is re-taken from stock if possible;
// if not, the shortfall is written on the order's timeline for staff
// (money has been taken: the payment must not fail).
func (s *Stock) Commit(ctx context.Context, q bun.IDB, tenantID, orderID string) error {
	rs, err := s.Inv.ReservationsIn(ctx, q, ref(orderID))
	if err != nil {
		return err
	}
	for _, r := range rs {
		switch r.Status {
		case inventory.StatusActive:
			if err := s.Inv.CommitIn(ctx, q, r.ID, orderID); err != nil {
				return err
			}
		case inventory.StatusExpired, inventory.StatusReleased:
			again, err := s.Inv.ReserveIn(ctx, q, []inventory.Line{{VariantID: r.VariantID, Quantity: r.Quantity}}, time.Minute, ref(orderID))
			if err == nil {
				err = s.Inv.CommitIn(ctx, q, again[0].ID, orderID)
			}
			if errs.Is(err, errs.Conflict) {
				_, err = order.AddEvent(ctx, q, tenantID, orderID, order.EventStock, "Stock hold expired before payment and the stock is gone: oversold",
					struct {
						ID, VariantID string
						Quantity      int64
						Status        inventory.ReservationStatus
					}{r.ID, r.VariantID, r.Quantity, r.Status})
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// Release gives back the order's active reservations. Stock already sold
// (a paid order) is not put back here: inventory has no in-transaction
// return yet, so staff restock it through a return.
func (s *Stock) Release(ctx context.Context, q bun.IDB, _, orderID string, _ []order.StockLine) error {
	rs, err := s.Inv.ReservationsIn(ctx, q, ref(orderID))
	if err != nil {
		return err
	}
	for _, r := range rs {
		if r.Status == inventory.StatusActive {
			if err := s.Inv.ReleaseIn(ctx, q, r.ID); err != nil {
				return err
			}
		}
	}
	return nil
}
