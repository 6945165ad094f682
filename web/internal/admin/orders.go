package admin

import (
	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/aftersales"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/core/shipping"
)

// An order with everything that happened to it, for the API and the
// console's order page.

// OrderDetail is an order with everything that happened to it.
type OrderDetail struct {
	Order     *order.Order        `json:"order"`
	Timeline  []order.Event       `json:"timeline"`
	Payments  []payment.Payment   `json:"payments"`
	Refunds   []payment.Refund    `json:"refunds"`
	Shipments []shipping.Shipment `json:"shipments"`
	Returns   []aftersales.Return `json:"returns"`
	// Next are the states staff may move the order to by hand.
	Next []order.Status `json:"next"`
}

// OrderDetailOf is an order with its timeline, payments, shipments and
// returns, and the states staff may move it to.
func (a *Admin) OrderDetailOf(c *fiber.Ctx, id string) (*OrderDetail, error) {
	ctx := c.UserContext()
	o, err := a.orders.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &OrderDetail{Order: o, Next: []order.Status{}}
	if d.Timeline, err = a.orders.Timeline(ctx, o.ID); err != nil {
		return nil, err
	}
	if d.Payments, d.Refunds, err = a.payments.ForOrder(ctx, o.ID); err != nil {
		return nil, err
	}
	if d.Shipments, err = a.shipments.ForOrder(ctx, o.ID); err != nil {
		return nil, err
	}
	if d.Returns, err = a.afterSales.List(ctx, aftersales.ReturnFilter{OrderID: o.ID, Limit: 200}); err != nil {
		return nil, err
	}
	for _, st := range []order.Status{order.Delivered, order.Completed} {
		if order.CanTransition(o.Status, st) {
			d.Next = append(d.Next, st)
		}
	}
	if d.Timeline == nil {
		d.Timeline = []order.Event{}
	}
	if d.Payments == nil {
		d.Payments = []payment.Payment{}
	}
	if d.Refunds == nil {
		d.Refunds = []payment.Refund{}
	}
	if d.Shipments == nil {
		d.Shipments = []shipping.Shipment{}
	}
	if d.Returns == nil {
		d.Returns = []aftersales.Return{}
	}
	return d, nil
}
