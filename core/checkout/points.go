package checkout

import (
	"context"
	"strconv"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/loyalty"
	"github.com/wasmart/wasmart/core/order"
)

// Points lets a signed-in shopper pay part of an order with loyalty points
// (core/loyalty). The wiring registers it as a StepTenders hook and adds
// its Release to the order service's cancel hooks:
//
//   - Run takes Input.Points from the shopper's lots in the placing
//     transaction (loyalty's RedeemIn) and records their value with
//     Placement.Take; more points than held or than the shop's share of
//     the order allows is a 422 on "points" and nothing is written. A
//     checkout without points costs no statement.
//   - Release gives the points back when the order is cancelled.
type Points struct {
	Loyalty *loyalty.Service
}

// Step implements Hook.
func (p *Points) Step() Step { return StepTenders }

// Run implements Hook.
func (p *Points) Run(ctx context.Context, q bun.IDB, pl *Placement) error {
	n := pl.Input.Points
	if n == 0 {
		return nil
	}
	o := pl.Order
	value, err := p.Loyalty.RedeemIn(ctx, q, o.CustomerID, o.ID, "checkout", o.Currency, o.Balance(), n)
	if err != nil {
		return err
	}
	pl.Take("points", strconv.FormatInt(n, 10)+" points", value)
	return nil
}

// Release is an order.CancelHook: see Points.
func (p *Points) Release(ctx context.Context, q bun.IDB, o *order.Order) error {
	return p.Loyalty.Release(ctx, q, o)
}
