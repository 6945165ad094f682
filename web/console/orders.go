package console

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/aftersales"
	"github.com/wasmart/wasmart/core/checkout"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/shipping"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/view"
)

// Console pages for orders (list with filters; detail with fulfil,
// payments, refunds, cancel, notes, hand-set states, staff returns),
// the returns queue, service tickets, checkout settings and notification
// templates. Forms post to the same services as the JSON API; a refund
// form carries an idempotency key minted when the page was rendered, so a
// double-clicked or resubmitted refund pays out once.

// orderPages are the console's orders, payments, shipments, returns,
// tickets and checkout and mail settings.
func (s *Orders) orderPages(t *httpx.Table) {
	html := t.Group(httpx.ScopeTenant, "console")
	html.Page("GET", "/console/orders", perm.OrdersRead, "Orders with filters", s.ordersPage)
	html.Page("GET", "/console/orders/:order", perm.OrdersRead, "Order detail: lines, payments, shipments, returns, timeline", s.orderPage)
	html.Page("POST", "/console/orders/:order/notes", perm.OrdersWrite, "Add a staff note", s.orderNoteForm)
	html.Page("POST", "/console/orders/:order/cancel", perm.OrdersWrite, "Cancel an order", s.orderCancelForm)
	html.Page("POST", "/console/orders/:order/status", perm.OrdersWrite, "Mark delivered or completed", s.orderStatusForm)
	html.Page("POST", "/console/orders/:order/ship", perm.FulfillmentWrite, "Ship lines with tracking", s.orderShipForm)
	html.Page("POST", "/console/orders/:order/refund", perm.OrdersRefund, "Refund an amount of the order", s.orderRefundForm)
	html.Page("POST", "/console/orders/:order/manual-payment", perm.OrdersWrite, "Record a manual payment", s.orderManualPayForm)
	html.Page("POST", "/console/orders/:order/returns", perm.ReturnsWrite, "Record a return for the order", s.orderReturnForm)
	html.Page("POST", "/console/payments/:payment/mark-paid", perm.OrdersWrite, "Confirm a manual payment", s.markPaidForm)
	html.Page("POST", "/console/payments/:payment/test-gateway", perm.OrdersWrite, "Test gateway: confirm or fail a pending card payment (a signed webhook, as the gateway would send)", s.testGatewayForm)
	html.Page("POST", "/console/shipments/:shipment/status", perm.FulfillmentWrite, "Record a shipment's progress", s.shipmentStatusForm)
	html.Page("GET", "/console/returns", perm.ReturnsRead, "Returns queue", s.returnsPage)
	html.Page("GET", "/console/returns/:return", perm.ReturnsRead, "Return detail", s.returnPage)
	html.Page("POST", "/console/returns/:return/step", perm.ReturnsWrite, "Approve, reject, receive, credit or exchange a return", s.returnStepForm)
	html.Page("POST", "/console/returns/:return/refund", perm.OrdersRefund, "Refund a received return", s.returnRefundForm)
	html.Page("GET", "/console/tickets", perm.OrdersRead, "Service tickets", s.ticketsPage)
	html.Page("GET", "/console/tickets/:ticket", perm.OrdersRead, "Ticket conversation", s.ticketPage)
	html.Page("POST", "/console/tickets/:ticket/reply", perm.OrdersWrite, "Reply to a ticket", s.ticketReplyForm)
	html.Page("POST", "/console/tickets/:ticket/status", perm.OrdersWrite, "Change a ticket's status", s.ticketStatusForm)
	html.Page("GET", "/console/settings/checkout", perm.ShopRead, "Checkout settings: taxes, shipping, holds, returns", s.checkoutSettingsPage)
	html.Page("POST", "/console/settings/checkout", perm.ShopManage, "Save checkout settings", s.checkoutSettingsForm)
	html.Page("GET", "/console/settings/mail", perm.ShopRead, "Notification templates", s.mailTemplatesPage)
	html.Page("POST", "/console/settings/mail/:topic", perm.ShopManage, "Save a notification template", s.mailTemplateForm)
	html.Page("POST", "/console/settings/mail/:topic/reset", perm.ShopManage, "Reset a notification template", s.mailTemplateResetForm)
}

// --- orders list ---

type ordersData struct {
	Orders           []orderRow
	Status, Q, Next  string
	Statuses         []order.Status
	CanWrite, CanAny bool
}

type orderRow struct {
	order.Order
	Total, Paid string
}

func (s *Orders) ordersPage(c *fiber.Ctx) error {
	d := ordersData{Status: c.Query("status"), Q: strings.TrimSpace(c.Query("q")), Statuses: order.Statuses}
	var list []order.Order
	if n := strings.TrimPrefix(d.Q, "#"); n != "" && strings.Trim(n, "0123456789") == "" {
		num, _ := strconv.ParseInt(n, 10, 64)
		if o, err := s.commerce.Orders.GetByNumber(c.UserContext(), num); err == nil {
			list = append(list, *o)
		} else if !errs.Is(err, errs.NotFound) {
			return err
		}
	} else {
		f := order.Filter{Status: order.Status(d.Status), Before: c.Query("before"), Limit: 50}
		if d.Q != "" {
			if strings.Contains(d.Q, "@") {
				f.Email = d.Q
			} else {
				f.CustomerID = d.Q
			}
		}
		if f.Status != "" && !f.Status.Valid() {
			f.Status = ""
		}
		pg, err := s.commerce.Orders.List(c.UserContext(), f)
		if err != nil {
			return err
		}
		list = pg.Orders
		if pg.Next != "" {
			q := url.Values{"before": {pg.Next}, "status": {d.Status}, "q": {d.Q}}
			d.Next = "/console/orders?" + q.Encode()
		}
	}
	for _, o := range list {
		d.Orders = append(d.Orders, orderRow{Order: o, Total: view.Money(o.Total, o.Currency), Paid: view.Money(o.PaidTotal-o.RefundedTotal, o.Currency)})
	}
	return s.PageWithError(c, "console/orders", "Orders", "orders", d)
}

// --- order detail ---

type orderData struct {
	*admin.OrderDetail
	Lines       []orderLineView
	Payments    []paymentView
	Refunds     []refundView
	Money       map[string]string
	Shipments   []shipping.Shipment
	RefundKey   string
	Refundable  string
	Unshipped   bool
	CanCancel   bool
	CanPay      bool
	Addr        string
	ShipStates  []shipping.Status
	Can         map[string]bool
	TimelineRev []order.Event
}

type orderLineView struct {
	order.Line
	Unit, Total string
	Left        int64 // not yet shipped
	Returnable  int64 // shipped and not returned
}

type paymentView struct {
	payment.Payment
	AmountS, CapturedS, RefundedS string
}

type refundView struct {
	payment.Refund
	AmountS string
}

func formatAddress(a order.Address) string {
	var parts []string
	for _, p := range []string{a.Name, a.Company, a.Line1, a.Line2, strings.TrimSpace(a.PostalCode + " " + a.City), a.Region, a.Country, a.Phone} {
		if strings.TrimSpace(p) != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

func (s *Orders) orderPage(c *fiber.Ctx) error { return s.orderPageByID(c, c.Params("order")) }

func (s *Orders) orderPageByID(c *fiber.Ctx, id string) error {
	det, err := s.admin.OrderDetailOf(c, id)
	if err != nil {
		return err
	}
	o := det.Order
	cur := o.Currency
	d := orderData{OrderDetail: det, Shipments: det.Shipments, RefundKey: httpx.NewFormKey(), Addr: formatAddress(o.ShippingAddress),
		ShipStates: []shipping.Status{shipping.InTransit, shipping.OutForDelivery, shipping.Delivered, shipping.Failed}, Can: map[string]bool{}}
	d.Money = map[string]string{"subtotal": view.Money(o.Subtotal, cur), "discounts": view.Money(o.Discounts, cur), "shipping": view.Money(o.ShippingTotal, cur),
		"tax": view.Money(o.TaxTotal, cur), "total": view.Money(o.Total, cur), "paid": view.Money(o.PaidTotal, cur), "refunded": view.Money(o.RefundedTotal, cur),
		"balance": view.Money(o.Balance(), cur)}
	var refundable int64
	for _, p := range det.Payments {
		d.Payments = append(d.Payments, paymentView{Payment: p, AmountS: view.Money(p.Amount, cur), CapturedS: view.Money(p.CapturedAmount, cur), RefundedS: view.Money(p.RefundedAmount, cur)})
		if p.Status == payment.StatusCaptured {
			refundable += p.Refundable()
		}
	}
	for _, r := range det.Refunds {
		d.Refunds = append(d.Refunds, refundView{Refund: r, AmountS: view.Money(r.Amount, cur)})
	}
	d.Refundable = money.Format(refundable, cur)
	for _, l := range o.Lines {
		v := orderLineView{Line: l, Unit: view.Money(l.UnitPrice, cur), Total: view.Money(l.Total, cur), Left: l.Quantity - l.FulfilledQuantity, Returnable: l.FulfilledQuantity - l.ReturnedQuantity}
		if v.Left > 0 {
			d.Unshipped = true
		}
		d.Lines = append(d.Lines, v)
	}
	d.CanCancel = order.CanTransition(o.Status, order.Cancelled) && o.Status != order.PartiallyFulfilled
	d.CanPay = o.Status == order.PendingPayment
	for i := len(det.Timeline) - 1; i >= 0; i-- {
		d.TimelineRev = append(d.TimelineRev, det.Timeline[i])
	}
	return s.PageWithError(c, "console/order", "Order "+o.Name(), "orders", d)
}

// backToOrder ends an order form post: back to the order page, or the
// page again with the input error.
func (s *Orders) backToOrder(c *fiber.Ctx, orderID string, err error) error {
	if err == nil {
		return view.Done(c, "/console/orders/"+orderID)
	}
	if errs.Is(err, errs.NotFound) {
		return err
	}
	return s.PageError(c, err, func() error { return s.orderPageByID(c, orderID) })
}

func (s *Orders) orderNoteForm(c *fiber.Ctx) error {
	id := c.Params("order")
	_, err := s.commerce.Orders.AddNote(c.UserContext(), id, c.FormValue("text"))
	return s.backToOrder(c, id, err)
}

func (s *Orders) orderCancelForm(c *fiber.Ctx) error {
	id := c.Params("order")
	_, err := s.commerce.Orders.Cancel(c.UserContext(), id, c.FormValue("reason"))
	return s.backToOrder(c, id, err)
}

func (s *Orders) orderStatusForm(c *fiber.Ctx) error {
	id := c.Params("order")
	st := order.Status(c.FormValue("status"))
	var err error
	if !st.Valid() {
		err = errs.Field("status", "is not an order state")
	} else {
		_, err = s.commerce.Orders.SetStatus(c.UserContext(), id, st, c.FormValue("message"))
	}
	return s.backToOrder(c, id, err)
}

// formLines reads qty_<line id> fields.
func formLines(c *fiber.Ctx) ([]shipping.LineQty, error) {
	var out []shipping.LineQty
	var bad error
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		key := string(k)
		if !strings.HasPrefix(key, "qty_") || len(v) == 0 {
			return
		}
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil || n < 0 {
			bad = errs.Field(key, "must be a whole number, 0 or more")
			return
		}
		if n > 0 {
			out = append(out, shipping.LineQty{LineID: strings.TrimPrefix(key, "qty_"), Quantity: n})
		}
	})
	return out, bad
}

func (s *Orders) orderShipForm(c *fiber.Ctx) error {
	id := c.Params("order")
	lines, err := formLines(c)
	if err == nil && len(lines) == 0 && c.FormValue("all") != "1" {
		err = errs.Field("lines", "choose at least one unit to ship")
	}
	if err == nil {
		_, err = s.commerce.Shipments.Create(c.UserContext(), id, shipping.Input{Carrier: c.FormValue("carrier"), TrackingNumber: c.FormValue("tracking_number"),
			TrackingURL: c.FormValue("tracking_url"), LocationID: c.FormValue("location_id"), Lines: lines})
	}
	return s.backToOrder(c, id, err)
}

func (s *Orders) orderRefundForm(c *fiber.Ctx) error {
	id := c.Params("order")
	o, err := s.commerce.Orders.Get(c.UserContext(), id)
	if err != nil {
		return err
	}
	amt, err := money.Parse("amount", c.FormValue("amount"), o.Currency)
	if err == nil && amt <= 0 {
		err = errs.Field("amount", "must be more than zero")
	}
	if err == nil {
		key := c.FormValue("idempotency_key")
		if key != "" {
			key = "console:" + key
		}
		_, err = s.commerce.Payments.RefundToOrder(c.UserContext(), o.ID, amt, c.FormValue("reason"), key)
	}
	return s.backToOrder(c, id, err)
}

func (s *Orders) orderManualPayForm(c *fiber.Ctx) error {
	id := c.Params("order")
	m := c.FormValue("method")
	var err error
	if m != "bank_transfer" && m != "cod" {
		err = errs.Field("method", `must be "bank_transfer" or "cod"`)
	} else {
		_, err = s.commerce.Payments.Pay(c.UserContext(), payment.PayInput{OrderID: id, Provider: "manual", Method: m}, "")
	}
	return s.backToOrder(c, id, err)
}

func (s *Orders) orderReturnForm(c *fiber.Ctx) error {
	id := c.Params("order")
	lines, err := formLines(c)
	if err == nil && len(lines) == 0 {
		err = errs.Field("lines", "choose at least one unit to return")
	}
	if err == nil {
		in := aftersales.RequestInput{OrderID: id, Reason: c.FormValue("reason")}
		for _, l := range lines {
			in.Lines = append(in.Lines, aftersales.LineQty{LineID: l.LineID, Quantity: l.Quantity})
		}
		var r *aftersales.Return
		if r, err = s.commerce.AfterSales.Request(c.UserContext(), in); err == nil {
			return view.Done(c, "/console/returns/"+r.ID)
		}
	}
	return s.backToOrder(c, id, err)
}

func (s *Orders) markPaidForm(c *fiber.Ctx) error {
	p, err := s.commerce.Payments.MarkPaid(c.UserContext(), c.Params("payment"), c.FormValue("note"))
	if err != nil {
		if oid := c.FormValue("order"); oid != "" && !errs.Is(err, errs.NotFound) {
			return s.backToOrder(c, oid, err)
		}
		return err
	}
	return view.Done(c, "/console/orders/"+p.OrderID)
}

// testGatewayForm plays the built-in test gateway: it signs the webhook the
// gateway would send for a pending card payment (succeeded or failed) and
// hands it to the same verified, once-per-event path real webhooks take.
func (s *Orders) testGatewayForm(c *fiber.Ctx) error {
	ctx := c.UserContext()
	var pay *payment.Payment
	orderID := c.FormValue("order")
	o, err := s.commerce.Orders.Get(ctx, orderID)
	if err != nil {
		return err
	}
	ps, _, err := s.commerce.Payments.ForOrder(ctx, o.ID)
	if err != nil {
		return err
	}
	for i := range ps {
		if ps[i].ID == c.Params("payment") {
			pay = &ps[i]
		}
	}
	if pay == nil {
		return errs.NotFoundf("payment not found")
	}
	if pay.Provider != "test" || pay.Status != payment.StatusPending {
		return s.backToOrder(c, o.ID, errs.Field("payment", "only pending test-gateway payments wait for the gateway"))
	}
	typ := payment.EventPaymentSucceeded
	if c.FormValue("outcome") == "failed" {
		typ = payment.EventPaymentFailed
	}
	body, sig := s.commerce.Gateway.Webhook(payment.WebhookEvent{ID: "console-" + pay.ID + "-" + typ, Type: typ, Ref: pay.ProviderRef, Amount: pay.Amount}, time.Now())
	_, err = s.commerce.Payments.HandleWebhook(ctx, "test", func(name string) string {
		if strings.EqualFold(name, payment.SignatureHeader) {
			return sig
		}
		return ""
	}, body)
	return s.backToOrder(c, o.ID, err)
}

func (s *Orders) shipmentStatusForm(c *fiber.Ctx) error {
	st := shipping.Status(c.FormValue("status"))
	switch st {
	case shipping.InTransit, shipping.OutForDelivery, shipping.Delivered, shipping.Failed, shipping.Shipped:
	default:
		return errs.Field("status", "is not a shipment status")
	}
	sh, err := s.commerce.Shipments.SetStatus(c.UserContext(), c.Params("shipment"), st)
	if err != nil {
		if oid := c.FormValue("order"); oid != "" && !errs.Is(err, errs.NotFound) {
			return s.backToOrder(c, oid, err)
		}
		return err
	}
	return view.Done(c, "/console/orders/"+sh.OrderID)
}

// --- returns ---

type returnsData struct {
	Returns  []returnRow
	Status   string
	Statuses []aftersales.ReturnStatus
	Next     string
}

type returnRow struct {
	aftersales.Return
	AmountS string
}

var returnStatuses = []aftersales.ReturnStatus{aftersales.Requested, aftersales.Approved, aftersales.Rejected, aftersales.Received,
	aftersales.Refunded, aftersales.Credited, aftersales.Exchanged}

func (s *Orders) returnsPage(c *fiber.Ctx) error {
	d := returnsData{Status: c.Query("status"), Statuses: returnStatuses}
	rs, err := s.commerce.AfterSales.List(c.UserContext(), aftersales.ReturnFilter{Status: aftersales.ReturnStatus(d.Status), Before: c.Query("before"), Limit: 50})
	if err != nil {
		return err
	}
	for _, r := range rs {
		d.Returns = append(d.Returns, returnRow{Return: r, AmountS: view.Money(r.Amount, r.Currency)})
	}
	if len(rs) == 50 {
		d.Next = "/console/returns?" + url.Values{"before": {rs[len(rs)-1].ID}, "status": {d.Status}}.Encode()
	}
	return s.PageWithError(c, "console/returns", "Returns", "returns", d)
}

type returnData struct {
	aftersales.Return
	Order     *order.Order
	Lines     []returnLineView
	AmountS   string
	Resolved  string
	AmountDec string
}

type returnLineView struct {
	aftersales.ReturnLine
	Title   string
	AmountS string
}

func (s *Orders) returnPage(c *fiber.Ctx) error {
	return s.returnPageID(c, c.Params("return"))
}

func (s *Orders) returnPageID(c *fiber.Ctx, id string) error {
	r, err := s.commerce.AfterSales.Get(c.UserContext(), id)
	if err != nil {
		return err
	}
	o, err := s.commerce.Orders.Get(c.UserContext(), r.OrderID)
	if err != nil {
		return err
	}
	d := returnData{Return: *r, Order: o, AmountS: view.Money(r.Amount, r.Currency), Resolved: view.Money(r.ResolvedAmount, r.Currency), AmountDec: money.Format(r.Amount, r.Currency)}
	titles := map[string]string{}
	for _, l := range o.Lines {
		titles[l.ID] = strings.TrimSpace(l.Title + " " + l.VariantTitle)
	}
	for _, l := range r.Lines {
		d.Lines = append(d.Lines, returnLineView{ReturnLine: l, Title: titles[l.OrderLineID], AmountS: view.Money(l.Amount, r.Currency)})
	}
	return s.PageWithError(c, "console/return", "Return for "+o.Name(), "returns", d)
}

func (s *Orders) returnStepForm(c *fiber.Ctx) error {
	as, ctx, id := s.commerce.AfterSales, c.UserContext(), c.Params("return")
	var err error
	switch c.FormValue("action") {
	case "approve":
		_, err = as.Approve(ctx, id, c.FormValue("note"))
	case "reject":
		_, err = as.Reject(ctx, id, c.FormValue("note"))
	case "receive":
		_, err = as.Receive(ctx, id, c.FormValue("restock") == "1", c.FormValue("location_id"))
	case "restock":
		_, err = as.Restock(ctx, id, c.FormValue("location_id"))
	case "exchange":
		_, err = as.Exchange(ctx, id, c.FormValue("note"))
	case "credit":
		var r *aftersales.Return
		if r, err = as.Get(ctx, id); err == nil {
			var amt int64
			if v := c.FormValue("amount"); v != "" {
				amt, err = money.Parse("amount", v, r.Currency)
			}
			if err == nil {
				_, err = as.Credit(ctx, id, amt)
			}
		}
	default:
		err = errs.Field("action", "must be approve, reject, receive, restock, credit or exchange")
	}
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return err
		}
		return s.PageError(c, err, func() error { return s.returnPageID(c, id) })
	}
	return view.Done(c, "/console/returns/"+id)
}

func (s *Orders) returnRefundForm(c *fiber.Ctx) error {
	as, ctx, id := s.commerce.AfterSales, c.UserContext(), c.Params("return")
	r, err := as.Get(ctx, id)
	if err != nil {
		return err
	}
	var amt int64
	if v := c.FormValue("amount"); v != "" {
		amt, err = money.Parse("amount", v, r.Currency)
	}
	if err == nil {
		_, err = as.Refund(ctx, id, amt)
	}
	if err != nil {
		return s.PageError(c, err, func() error { return s.returnPageID(c, id) })
	}
	return view.Done(c, "/console/returns/"+id)
}

// --- tickets ---

type ticketsData struct {
	Tickets  []aftersales.Ticket
	Status   string
	Statuses []aftersales.TicketStatus
	Next     string
}

var ticketStatuses = []aftersales.TicketStatus{aftersales.TicketOpen, aftersales.TicketWaiting, aftersales.TicketResolved, aftersales.TicketClosed}

func (s *Orders) ticketsPage(c *fiber.Ctx) error {
	d := ticketsData{Status: c.Query("status"), Statuses: ticketStatuses}
	ts, err := s.commerce.AfterSales.Tickets(c.UserContext(), aftersales.TicketFilter{Status: aftersales.TicketStatus(d.Status), Before: c.Query("before"), Limit: 50})
	if err != nil {
		return err
	}
	d.Tickets = ts
	if len(ts) == 50 {
		d.Next = "/console/tickets?" + url.Values{"before": {ts[len(ts)-1].ID}, "status": {d.Status}}.Encode()
	}
	return s.PageWithError(c, "console/tickets", "Tickets", "tickets", d)
}

type ticketData struct {
	*aftersales.Ticket
	OrderName string
	Statuses  []aftersales.TicketStatus
}

func (s *Orders) ticketPageID(c *fiber.Ctx, id string) error {
	t, err := s.commerce.AfterSales.Ticket(c.UserContext(), id)
	if err != nil {
		return err
	}
	d := ticketData{Ticket: t, Statuses: ticketStatuses}
	if t.OrderID != "" {
		if o, err := s.commerce.Orders.Get(c.UserContext(), t.OrderID); err == nil {
			d.OrderName = o.Name()
		}
	}
	return s.PageWithError(c, "console/ticket", t.Subject, "tickets", d)
}

func (s *Orders) ticketPage(c *fiber.Ctx) error { return s.ticketPageID(c, c.Params("ticket")) }

func (s *Orders) ticketReplyForm(c *fiber.Ctx) error {
	id := c.Params("ticket")
	if _, err := s.commerce.AfterSales.Reply(c.UserContext(), id, c.FormValue("body")); err != nil {
		if errs.Is(err, errs.NotFound) {
			return err
		}
		return s.PageError(c, err, func() error { return s.ticketPageID(c, id) })
	}
	return view.Done(c, "/console/tickets/"+id)
}

func (s *Orders) ticketStatusForm(c *fiber.Ctx) error {
	id := c.Params("ticket")
	st := aftersales.TicketStatus(c.FormValue("status"))
	var err error
	switch st {
	case aftersales.TicketOpen, aftersales.TicketWaiting, aftersales.TicketResolved, aftersales.TicketClosed:
		err = s.commerce.AfterSales.SetTicketStatus(c.UserContext(), id, st)
	default:
		err = errs.Field("status", "must be open, waiting, resolved or closed")
	}
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return err
		}
		return s.PageError(c, err, func() error { return s.ticketPageID(c, id) })
	}
	return view.Done(c, "/console/tickets/"+id)
}

// --- checkout settings ---

type checkoutSettingsData struct {
	checkout.Settings
	TaxLines  string // one rate per line: name | country | region | percent
	Shipping  string // JSON of zones and pickup methods
	CanManage bool
}

func taxLines(rates []pricing.TaxRate) string {
	var b strings.Builder
	for _, r := range rates {
		pct := strconv.FormatFloat(float64(r.RatePPM)/10000, 'f', -1, 64)
		b.WriteString(r.Name + " | " + r.Country + " | " + r.Region + " | " + pct + "\n")
	}
	return b.String()
}

// parseTaxLines reads "name | country | region | percent" lines.
func parseTaxLines(v string) ([]pricing.TaxRate, error) {
	var out []pricing.TaxRate
	for i, line := range strings.Split(v, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		f := strings.Split(line, "|")
		if len(f) != 4 {
			return nil, errs.Field("tax_rates", "line %d: write name | country | region | percent", i+1)
		}
		for j := range f {
			f[j] = strings.TrimSpace(f[j])
		}
		pct, frac, _ := strings.Cut(strings.TrimSuffix(f[3], "%"), ".")
		if len(frac) > 4 {
			return nil, errs.Field("tax_rates", "line %d: at most 4 decimals in the percentage", i+1)
		}
		for len(frac) < 4 {
			frac += "0"
		}
		ppm, err := strconv.ParseInt(pct+frac, 10, 64)
		if err != nil || ppm < 0 {
			return nil, errs.Field("tax_rates", "line %d: %q is not a percentage", i+1, f[3])
		}
		out = append(out, pricing.TaxRate{Name: f[0], Country: strings.ToUpper(f[1]), Region: strings.ToUpper(f[2]), RatePPM: ppm})
	}
	return out, nil
}

func (s *Orders) checkoutSettingsView(c *fiber.Ctx, st checkout.Settings, shippingText string) error {
	d := checkoutSettingsData{Settings: st, TaxLines: taxLines(st.Tax.Rates), Shipping: shippingText}
	if d.Shipping == "" {
		b, _ := json.MarshalIndent(st.Shipping, "", "  ")
		d.Shipping = string(b)
	}
	d.CanManage, _ = s.tenants.Can(c.UserContext(), s.Current(c), perm.ShopManage)
	return s.PageWithError(c, "console/checkout_settings", "Checkout settings", "checkout", d)
}

func (s *Orders) checkoutSettingsPage(c *fiber.Ctx) error {
	st, err := checkout.GetSettings(c.UserContext(), s.db)
	if err != nil {
		return err
	}
	return s.checkoutSettingsView(c, *st, "")
}

func (s *Orders) checkoutSettingsForm(c *fiber.Ctx) error {
	st := checkout.Settings{Currency: strings.ToUpper(strings.TrimSpace(c.FormValue("currency")))}
	st.Tax.Inclusive = c.FormValue("tax_inclusive") == "1"
	st.Tax.ShippingTaxable = c.FormValue("shipping_taxable") == "1"
	shippingText := c.FormValue("shipping")
	err := func() error {
		var err error
		if st.HoldHours, err = strconv.Atoi(strings.TrimSpace(c.FormValue("hold_hours"))); err != nil {
			return errs.Field("hold_hours", "must be a whole number of hours")
		}
		if st.ReturnWindowDays, err = strconv.Atoi(strings.TrimSpace(c.FormValue("return_window_days"))); err != nil {
			return errs.Field("return_window_days", "must be a whole number of days")
		}
		if st.Tax.Rates, err = parseTaxLines(c.FormValue("tax_rates")); err != nil {
			return err
		}
		if err := httpx.CheckJSONText([]byte(shippingText), "shipping"); err != nil {
			return err
		}
		dec := json.NewDecoder(strings.NewReader(shippingText))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&st.Shipping); err != nil {
			return errs.Field("shipping", "is not valid shipping JSON: %v", err)
		}
		return checkout.SaveSettings(c.UserContext(), s.db, st)
	}()
	if err != nil {
		return s.PageError(c, err, func() error { return s.checkoutSettingsView(c, st, shippingText) })
	}
	return view.Done(c, "/console/settings/checkout")
}

// --- notification templates ---

type mailTemplatesData struct {
	Templates []order.MailTemplate
	CanManage bool
}

func (s *Orders) mailTemplatesPage(c *fiber.Ctx) error {
	ts, err := order.MailTemplates(c.UserContext(), s.db)
	if err != nil {
		return err
	}
	d := mailTemplatesData{Templates: ts}
	d.CanManage, _ = s.tenants.Can(c.UserContext(), s.Current(c), perm.ShopManage)
	return s.PageWithError(c, "console/mail_templates", "Notification e-mails", "mail_templates", d)
}

func (s *Orders) mailTemplateForm(c *fiber.Ctx) error {
	topic, err := admin.MailTopic(c)
	if err != nil {
		return err
	}
	t := order.MailTemplate{Topic: topic, Subject: c.FormValue("subject"), Text: c.FormValue("text"), HTML: c.FormValue("html")}
	if err := order.SaveMailTemplate(c.UserContext(), s.db, t); err != nil {
		return s.PageError(c, err, func() error { return s.mailTemplatesPage(c) })
	}
	return view.Done(c, "/console/settings/mail#"+topic)
}

func (s *Orders) mailTemplateResetForm(c *fiber.Ctx) error {
	topic, err := admin.MailTopic(c)
	if err != nil {
		return err
	}
	if err := order.ResetMailTemplate(c.UserContext(), s.db, topic); err != nil {
		return err
	}
	return view.Done(c, "/console/settings/mail#"+topic)
}
