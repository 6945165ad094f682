package storefront

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/aftersales"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/checkout"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/core/review"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/view"
)

// The shopper's order pages: the order page shown after checkout (and
// from the e-mail or tracking links, with the order's access token), the
// payment retry after a declined card, tracking by number and e-mail, the
// signed-in customer's history and orders, and return requests.

// orderView is one order as the shopper sees it.
type orderView struct {
	O         *order.Order
	Name      string
	Status    string
	Link      string // the order page with its token
	Token     string
	Placed    bool // just placed: say thank you
	Lines     []spOrderLine
	Totals    totalsView
	Payment   *spPayment
	CanPay    bool
	PayKey    string
	Ships     []shipView
	Returns   []spReturnRow
	CanReturn bool
	// CanReview: the order's products may be reviewed (reviews.go).
	CanReview bool
	Account   bool // shown in the account area
}

type spOrderLine struct {
	ID, Title, VariantTitle, SKU, Unit, Total string
	Quantity, Fulfilled, Returned             int64
}

type spPayment struct {
	State   string // paid, pending, failed, awaiting_manual
	Label   string
	Method  string
	Message string
	Amount  string
}

type shipView struct {
	Carrier, Number, URL, Status, Date string
}

type spReturnRow struct {
	Status, Amount, Date, Reason string
}

// spOrderRow is a line of the order history.
type spOrderRow struct {
	ID, Name, Date, Status, Total string
}

func statusText(s string) string {
	return strings.ReplaceAll(s, "_", " ")
}

func dateText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2 January 2006")
}

func methodText(p *payment.Payment) string {
	switch {
	case p.Provider == "test":
		if p.CardLast4 != "" {
			return "Card ending " + p.CardLast4
		}
		return "Card"
	case p.Method == checkout.PayBankTransfer:
		return "Bank transfer"
	case p.Method == checkout.PayCOD:
		return "Cash on delivery"
	}
	return p.Provider
}

// orderViewOf gathers what the shopper may see of an order.
func (s *purchasePages) orderViewOf(c *fiber.Ctx, o *order.Order) (*orderView, error) {
	ctx := c.UserContext()
	cur := o.Currency
	v := &orderView{O: o, Name: o.Name(), Status: statusText(string(o.Status)), Token: s.OrderToken(s.Shop(c).ID, o.ID), PayKey: httpx.NewFormKey()}
	v.Link = s.orderLink(c, o.ID)
	v.CanReview = review.Reviewable(o.Status)
	shipNeeded := false
	for _, l := range o.Lines {
		v.Lines = append(v.Lines, spOrderLine{ID: l.ID, Title: l.Title, VariantTitle: l.VariantTitle, SKU: l.SKU, Unit: view.Money(l.UnitPrice, cur),
			Total: view.Money(l.Total, cur), Quantity: l.Quantity, Fulfilled: l.FulfilledQuantity, Returned: l.ReturnedQuantity})
		if l.RequiresShipping {
			shipNeeded = true
		}
		if l.FulfilledQuantity > l.ReturnedQuantity {
			v.CanReturn = true
		}
	}
	p := o.Pricing
	v.Totals = totalsOf(cur, o.Subtotal, o.Discounts, p.Adjustments, p.Shipping, o.ShippingTotal, shipNeeded || p.Shipping != nil, p.Taxes, o.TaxTotal, o.TaxInclusive, o.Total, nil)
	pays, _, err := s.commerce.Payments.ForOrder(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	if n := len(pays); n > 0 {
		last := &pays[n-1]
		for i := range pays { // the newest attempt
			if pays[i].CreatedAt.After(last.CreatedAt) {
				last = &pays[i]
			}
		}
		pv := &spPayment{Method: methodText(last), Message: last.Message, Amount: view.Money(last.Amount, cur)}
		switch last.Status {
		case payment.StatusCaptured, payment.StatusAuthorized:
			pv.State, pv.Label = "paid", "Paid"
			if last.Status == payment.StatusAuthorized {
				pv.Label = "Authorised"
			}
		case payment.StatusPending:
			pv.State, pv.Label = "pending", "Pending"
			if last.Provider == "manual" {
				pv.State, pv.Label = "awaiting_manual", "Awaiting payment"
			}
		case payment.StatusFailed:
			pv.State, pv.Label = "failed", "Failed"
		default:
			pv.State, pv.Label = string(last.Status), statusText(string(last.Status))
		}
		v.Payment = pv
		v.CanPay = o.Status == order.PendingPayment && (last.Status == payment.StatusFailed || last.Status == payment.StatusVoided ||
			time.Since(last.CreatedAt) > payment.PendingTimeout && last.Provider != "manual")
	} else if o.Status == order.PendingPayment && time.Since(o.PlacedAt) < time.Minute && o.PaymentMethod != "" {
		// A second submit of the checkout form lands here while the
		// first one is still asking the gateway.
		v.Payment = &spPayment{State: "processing", Label: "Processing", Amount: view.Money(o.Balance(), cur), Method: "being taken now; reload in a moment"}
	} else {
		v.CanPay = o.Status == order.PendingPayment
	}
	if o.Status == order.Paid && v.Payment == nil {
		v.Payment = &spPayment{State: "paid", Label: "Nothing to pay", Amount: view.Money(0, cur)}
	}
	sh, err := s.commerce.Shipments.ForOrder(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	for _, x := range sh {
		v.Ships = append(v.Ships, shipView{Carrier: x.Carrier, Number: x.TrackingNumber, URL: safeHTTPURL(x.TrackingURL), Status: statusText(string(x.Status)), Date: dateText(x.CreatedAt)})
	}
	rs, err := s.commerce.AfterSales.List(ctx, aftersales.ReturnFilter{OrderID: o.ID, Limit: 50})
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		v.Returns = append(v.Returns, spReturnRow{Status: statusText(string(r.Status)), Amount: view.Money(r.Amount, cur), Date: dateText(r.CreatedAt), Reason: r.Reason})
	}
	return v, nil
}

// safeHTTPURL keeps only http(s) links (a carrier's tracking page).
func safeHTTPURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	return u
}

// shopperOrder loads an order the request may see: with the order's
// token (query or form field), or as the signed-in customer who placed it
// (session.Kit.ShopperOrder).
func (s *purchasePages) shopperOrder(c *fiber.Ctx) (*order.Order, error) {
	id := c.Params("order")
	if id == "" || len(id) > 64 {
		return nil, errs.NotFoundf("order not found")
	}
	tok := c.Query("token")
	if tok == "" && c.Method() == fiber.MethodPost {
		tok = c.FormValue("token")
	}
	return s.ShopperOrder(c, s.commerce.Orders, id, tok)
}

var orderFlashes = map[string]string{"returned": "Your return request is sent; we will e-mail you when it is reviewed.",
	"paid": "Thank you: your payment is recorded."}

func (s *purchasePages) spOrderPage(c *fiber.Ctx, o *order.Order, account bool) (*shopPage, error) {
	v := s.shopPageView(c, "Order "+o.Name())
	ov, err := s.orderViewOf(c, o)
	if err != nil {
		return nil, err
	}
	ov.Account = account
	v.Order = ov
	if account {
		v.Crumbs = []shopCrumb{{"Account", "/account"}, {"Orders", "/account/orders"}, {o.Name(), "/account/orders/" + url.PathEscape(o.ID)}}
	}
	return v, nil
}

func (s *purchasePages) shopOrderPage(c *fiber.Ctx) error {
	o, err := s.shopperOrder(c)
	if err != nil {
		return err
	}
	v, err := s.spOrderPage(c, o, false)
	if err != nil {
		return err
	}
	v.Order.Placed = c.Query("placed") != ""
	v.Flash = orderFlashes[c.Query("done")]
	return s.renderPage(c, "shop/order", v)
}

// shopOrderPay pays an order still awaiting payment (a declined card, or
// a pending attempt that timed out).
func (s *purchasePages) shopOrderPay(c *fiber.Ctx) error {
	o, err := s.shopperOrder(c)
	if err != nil {
		return err
	}
	key := strings.TrimSpace(c.FormValue("key"))
	var ferr error = errs.Field("key", "this form has expired; try again")
	if key != "" && len(key) <= 128 {
		_, ferr = s.commerce.Checkout.Pay(c.UserContext(), o.ID, checkout.Pay{Method: c.FormValue("payment"), Card: c.FormValue("card")}, key)
		if ferr == nil {
			s.track(c, analytics.OrderPaid, func(h *analytics.Hit) { h.OrderID, h.Amount = o.ID, o.Total })
			return c.Redirect(s.orderLink(c, o.ID)+"&done=paid", fiber.StatusSeeOther)
		}
		if errs.Is(ferr, errs.Unprocessable) && o.Status == order.PendingPayment {
			// Declined: the order page shows why, with the form again.
			return c.Redirect(s.orderLink(c, o.ID), fiber.StatusSeeOther)
		}
	}
	v, err := s.spOrderPage(c, o, false)
	if err != nil {
		return err
	}
	v.Form["payment"], v.Form["card"] = c.FormValue("payment"), ""
	return s.spError(c, "shop/order", v, checkoutField(ferr))
}

// ---- tracking ----

type trackView struct {
	Number, Email string
	Order         *orderView
}

func (s *purchasePages) shopTrackForm(c *fiber.Ctx) error {
	v := s.shopPageView(c, "Track an order")
	v.Track = &trackView{Number: c.Query("number")}
	return s.renderPage(c, "shop/track", v)
}

// trackPerMinute caps tracking look-ups per client address (they guess
// number and e-mail pairs otherwise).
const trackPerMinute = 20

func (s *purchasePages) shopTrack(c *fiber.Ctx) error {
	v := s.shopPageView(c, "Track an order")
	tv := &trackView{Number: strings.TrimSpace(c.FormValue("number")), Email: strings.TrimSpace(c.FormValue("email"))}
	v.Track = tv
	n, err := strconv.ParseInt(strings.TrimPrefix(tv.Number, "#"), 10, 64)
	switch {
	case err != nil || n <= 0:
		return s.spError(c, "shop/track", v, errs.Field("number", "enter the order number from your e-mail, such as #1001"))
	case tv.Email == "" || len(tv.Email) > 254:
		return s.spError(c, "shop/track", v, errs.Field("email", "enter the e-mail address the order was placed with"))
	}
	if ok, _ := s.ipRate.Allow("track:"+s.Shop(c).ID+":"+c.IP(), trackPerMinute); !ok {
		return s.spError(c, "shop/track", v, errs.E(errs.RateLimited, "too many look-ups; wait a minute and try again"))
	}
	tr, err := s.commerce.Shipments.Track(c.UserContext(), n, tv.Email)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			err = errs.Field("number", "no order matches this number and e-mail address")
		}
		return s.spError(c, "shop/track", v, err)
	}
	if tv.Order, err = s.orderViewOf(c, tr.Order); err != nil {
		return err
	}
	return s.renderPage(c, "shop/track", v)
}

// ---- account ----

func (s *purchasePages) shopAccountOrders(c *fiber.Ctx) error {
	cu := s.CurrentCustomer(c)
	before := c.Query("before")
	if len(before) > 64 {
		return errs.Field("before", "is not a valid page cursor")
	}
	pg, err := s.commerce.Orders.List(c.UserContext(), order.Filter{CustomerID: cu.ID, Before: before, Limit: 20})
	if err != nil {
		return err
	}
	v := s.shopPageView(c, "Your orders")
	v.Crumbs = []shopCrumb{{"Account", "/account"}, {"Orders", "/account/orders"}}
	for _, o := range pg.Orders {
		v.Orders = append(v.Orders, spOrderRow{ID: o.ID, Name: o.Name(), Date: dateText(o.PlacedAt), Status: statusText(string(o.Status)), Total: view.Money(o.Total, o.Currency)})
	}
	if pg.Next != "" {
		v.NextPage = "/account/orders?before=" + url.QueryEscape(pg.Next)
	}
	return s.renderPage(c, "shop/orders", v)
}

func (s *purchasePages) shopAccountOrder(c *fiber.Ctx) error {
	cu := s.CurrentCustomer(c)
	o, err := s.commerce.Orders.Get(c.UserContext(), c.Params("order"))
	if err != nil {
		return err
	}
	if o.CustomerID != cu.ID {
		return errs.NotFoundf("order not found")
	}
	v, err := s.spOrderPage(c, o, true)
	if err != nil {
		return err
	}
	v.Flash = orderFlashes[c.Query("done")]
	return s.renderPage(c, "shop/order", v)
}

// ---- returns ----

type returnView struct {
	Order    *orderView
	Lines    []spReturnLine
	Deadline string
	Closed   bool
	Reason   string
}

type spReturnLine struct {
	ID, Title, VariantTitle string
	Max                     int64
	Qty                     string
}

func (s *purchasePages) spReturnPage(c *fiber.Ctx, o *order.Order) (*shopPage, error) {
	v, err := s.spOrderPage(c, o, false)
	if err != nil {
		return nil, err
	}
	v.Head.Title = "Return items · " + v.Shop.Name
	set, err := checkout.GetSettings(c.UserContext(), s.db)
	if err != nil {
		return nil, err
	}
	deadline := o.PlacedAt.Add(time.Duration(set.ReturnWindowDays) * 24 * time.Hour)
	rv := &returnView{Order: v.Order, Deadline: dateText(deadline), Closed: s.commerce.AfterSales.Now().After(deadline)}
	for _, l := range o.Lines {
		if m := l.FulfilledQuantity - l.ReturnedQuantity; m > 0 {
			rv.Lines = append(rv.Lines, spReturnLine{ID: l.ID, Title: l.Title, VariantTitle: l.VariantTitle, Max: m, Qty: "0"})
		}
	}
	v.Return = rv
	return v, nil
}

func (s *purchasePages) shopReturnForm(c *fiber.Ctx) error {
	o, err := s.shopperOrder(c)
	if err != nil {
		return err
	}
	v, err := s.spReturnPage(c, o)
	if err != nil {
		return err
	}
	return s.renderPage(c, "shop/return", v)
}

func (s *purchasePages) shopReturn(c *fiber.Ctx) error {
	o, err := s.shopperOrder(c)
	if err != nil {
		return err
	}
	v, err := s.spReturnPage(c, o)
	if err != nil {
		return err
	}
	rv := v.Return
	rv.Reason = strings.TrimSpace(c.FormValue("reason"))
	in := aftersales.RequestInput{OrderID: o.ID, Email: o.Email, Reason: rv.Reason}
	var ferr error
	for i := range rv.Lines {
		l := &rv.Lines[i]
		field := "qty_" + l.ID
		l.Qty = strings.TrimSpace(c.FormValue(field))
		if l.Qty == "" || l.Qty == "0" {
			l.Qty = "0"
			continue
		}
		n, err := strconv.ParseInt(l.Qty, 10, 64)
		if err != nil || n < 0 || n > l.Max {
			if ferr == nil {
				ferr = errs.Field(field, "must be a whole number from 0 to %d", l.Max)
			}
			continue
		}
		if n > 0 {
			in.Lines = append(in.Lines, aftersales.LineQty{LineID: l.ID, Quantity: n})
		}
	}
	switch {
	case ferr != nil:
	case rv.Closed:
		ferr = &errs.Error{Code: errs.Unprocessable, Field: "order", Message: "the return window for this order closed on " + rv.Deadline}
	case len(in.Lines) == 0:
		ferr = errs.Field("lines", "choose at least one item and how many to return")
	case rv.Reason == "":
		ferr = errs.Field("reason", "tell us why you are returning the items")
	case len(rv.Reason) > 2000:
		ferr = errs.Field("reason", "is longer than 2000 characters")
	}
	if ferr == nil {
		if _, ferr = s.commerce.AfterSales.Request(c.UserContext(), in); ferr == nil {
			if s.ShopperID(c) == o.CustomerID && o.CustomerID != "" && c.FormValue("token") == "" {
				return c.Redirect("/account/orders/"+url.PathEscape(o.ID)+"?done=returned", fiber.StatusSeeOther)
			}
			return c.Redirect(s.orderLink(c, o.ID)+"&done=returned", fiber.StatusSeeOther)
		}
	}
	return s.spError(c, "shop/return", v, ferr)
}
