package storefront

import (
	"errors"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/aftersales"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/checkout"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/idempotency"
	"github.com/wasmart/wasmart/core/mailing"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/review"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/session"
	"github.com/wasmart/wasmart/web/internal/view"
)

// The shopper's purchase flow as server-rendered pages on the shop host,
// working without JavaScript: the cart (change quantities, remove lines,
// line problems, totals with every adjustment's label and source; coupon
// codes, kept in the codes cookie while the price uses them; the offers
// applied, the codes refused and the offers missed, each with why; free
// gift lines that follow their offer), the
// checkout form (e-mail, address, delivery option, payment), placing the
// order with an Idempotency-Key minted per rendered form (a hidden field,
// so a double submit replays the first answer instead of placing a second
// order), the order page shown after checkout, tracking by number and
// e-mail, the signed-in customer's order history, and return requests
// (orders.go).
//
// The product page is served from the shared page cache, so its
// add-to-cart form carries no per-visitor CSRF token: browsers send it
// with Sec-Fetch-Site / Origin naming the shop, which httpx.CSRF accepts in
// place of the token. Every per-visitor form here posts _csrf as well.

// coField is one text field of the checkout form with its value and error.
type coField struct {
	ID, Name, Label, Type, Auto, Value, Err string
}

func coFieldOf(v *shopPage, name, label, typ, auto string) coField {
	f := coField{ID: strings.ReplaceAll(name, ".", "-"), Name: name, Label: label, Type: typ, Auto: auto}
	if v != nil && v.Checkout != nil {
		f.Value = v.Checkout.F[name]
	}
	if v != nil && v.Error != nil && v.Error.Field == name {
		f.Err = v.Error.Message
	}
	return f
}

// shopPage is the data of a purchase-flow page: the storefront's view (the
// layout reads it) and the page's own parts.
type shopPage struct {
	*shopView
	Cart     *cartView
	Checkout *checkoutView
	Order    *orderView
	Orders   []spOrderRow
	Track    *trackView
	Return   *returnView
	Reviews  *reviewFormView
	NextPage string
	// Recommended are products the shop suggests next to the cart.
	Recommended []shopCard
}

// cartView is a priced cart.
type cartView struct {
	Lines    []cartLineView
	Count    int64
	Totals   totalsView
	Problems bool
	Offers   offersView
}

// offersView is what the shop's offers did to a priced cart: the
// promotions applied with the amount each took off (a coupon's with its
// code), the entered codes that do not apply and why, and the automatic
// offers the cart misses and why ("minimum spend 50.00 EUR not reached
// (add 12.50 EUR)").
type offersView struct {
	Applied []appliedOffer
	Refused []refusedCode
	Missed  []amountView
	// Codes are the entered codes the price uses, comma-separated: the
	// checkout form places the order with exactly these.
	Codes string
}

// offersBlock is the "offers" template's data: with Form, the coupon code
// form (and remove buttons) and the code field's error.
type offersBlock struct {
	Offers    offersView
	Form      bool
	CSRF, Err string
}

func offersBlockOf(v *shopPage, o offersView, form bool) offersBlock {
	b := offersBlock{Offers: o, Form: form, CSRF: v.CSRF}
	if v.Error != nil && v.Error.Field == "code" {
		b.Err = v.Error.Message
	}
	return b
}

type appliedOffer struct {
	Label, Code, Amount string
	Shipping            bool
}

type refusedCode struct {
	Code, Reason string
}

// offersOf reads the offers' outcome from a priced cart; entered are the
// codes the shopper entered.
func offersOf(cur string, p *pricing.Result, entered []string, hasLines bool) offersView {
	var out offersView
	used := map[string]bool{}
	noted := map[string]bool{}
	var codes []string
	if p != nil {
		for _, a := range p.Promotions {
			out.Applied = append(out.Applied, appliedOffer{Label: a.Label, Code: a.Code, Amount: view.Money(-a.Amount, cur), Shipping: a.Shipping})
			if a.Code != "" && !used[a.Code] {
				used[a.Code] = true
				codes = append(codes, a.Code)
			}
		}
		for _, n := range p.PromotionNotes {
			if n.Code == "" {
				out.Missed = append(out.Missed, amountView{Label: n.Label, Detail: n.Reason})
				continue
			}
			code := promotion.NormaliseCode(n.Code)
			if !used[code] && !noted[code] {
				noted[code] = true
				out.Refused = append(out.Refused, refusedCode{Code: code, Reason: n.Reason})
			}
		}
	}
	for _, code := range entered {
		if !used[code] && !noted[code] {
			noted[code] = true
			why := "it does not apply to this cart"
			if !hasLines {
				why = "add something to your cart first"
			}
			out.Refused = append(out.Refused, refusedCode{Code: code, Reason: why})
		}
	}
	out.Codes = strings.Join(codes, ",")
	return out
}

type cartLineView struct {
	VariantID    string
	Title        string
	VariantTitle string
	SKU          string
	Quantity     int64
	Unit         string
	Total        string
	Available    int64
	Problem      string // "", unavailable, insufficient_stock
	ProblemText  string
	// Gift: a free gift an offer added; its quantity follows the offer.
	Gift bool
}

// totalsView are a cart's or an order's totals with the reason for every
// change: adjustments, delivery and taxes each carry a label and source.
type totalsView struct {
	Subtotal       string
	Adjustments    []amountView
	Discounts      string
	ShippingNeeded bool
	Shipping       *amountView
	Taxes          []amountView
	TaxTotal       string
	TaxInclusive   bool
	Total          string
	Warnings       []string
}

type amountView struct {
	Label  string
	Source string
	Amount string
	Detail string
}

func sourceText(src string) string {
	switch src {
	case pricing.SourceBuiltin, "":
		return "shop"
	case promotion.Source:
		return "shop offer"
	case pricing.SourcePricingExt:
		return "pricing plugin"
	case pricing.SourceLogistics:
		return "delivery plugin"
	}
	return src
}

func totalsOf(cur string, subtotal, discounts int64, adj []pricing.Adjustment, ship *pricing.ShippingOption, shipTotal int64, shipNeeded bool,
	taxes []pricing.TaxLine, taxTotal int64, incl bool, total int64, warnings []pricing.Warning) totalsView {
	t := totalsView{Subtotal: view.Money(subtotal, cur), ShippingNeeded: shipNeeded, TaxTotal: view.Money(taxTotal, cur), TaxInclusive: incl, Total: view.Money(total, cur)}
	if discounts != 0 {
		t.Discounts = view.Money(discounts, cur)
	}
	for _, a := range adj {
		av := amountView{Label: a.Label, Source: sourceText(a.Source), Amount: view.Money(a.Amount, cur)}
		// A promotion's adjustment carries the promotion's id as its code;
		// the offers list shows the coupon code.
		if a.Code != "" && a.Source != promotion.Source {
			av.Detail = "code " + a.Code
		}
		t.Adjustments = append(t.Adjustments, av)
	}
	if ship != nil {
		t.Shipping = &amountView{Label: ship.Label, Source: sourceText(ship.Source), Amount: view.Money(shipTotal, cur), Detail: deliveryDays(ship)}
	}
	for _, x := range taxes {
		t.Taxes = append(t.Taxes, amountView{Label: x.Name, Source: sourceText(x.Source), Amount: view.Money(x.Amount, cur), Detail: ratePPM(x.RatePPM)})
	}
	for _, w := range warnings {
		t.Warnings = append(t.Warnings, "Some prices were computed without "+sourceText(w.Source)+" ("+string(w.Stage)+").")
	}
	return t
}

func ratePPM(ppm int64) string {
	whole, frac := ppm/10_000, ppm%10_000
	s := strconv.FormatInt(whole, 10)
	if frac != 0 {
		s += "." + strings.TrimRight(strconv.FormatInt(10_000+frac, 10)[1:], "0")
	}
	return s + "%"
}

func deliveryDays(o *pricing.ShippingOption) string {
	switch {
	case o.MaxDays <= 0:
		return ""
	case o.MinDays == o.MaxDays || o.MinDays <= 0:
		return strconv.Itoa(int(o.MaxDays)) + " days"
	}
	return strconv.Itoa(int(o.MinDays)) + "–" + strconv.Itoa(int(o.MaxDays)) + " days"
}

// cartViewOf is the page's view of a priced cart; codes are the coupon
// codes it was priced with.
func cartViewOf(v *cart.View, codes []string) *cartView {
	out := &cartView{}
	cur := v.Currency
	for _, l := range v.Lines {
		lv := cartLineView{VariantID: l.VariantID, Title: l.Title, VariantTitle: l.VariantTitle, SKU: l.SKU, Quantity: l.Quantity,
			Unit: view.Money(l.UnitPrice, cur), Total: view.Money(l.Total, cur), Available: l.Available, Problem: l.Problem, Gift: l.Gift != ""}
		if lv.Gift && l.Total == 0 {
			lv.Total = "Free"
		}
		switch l.Problem {
		case cart.ProblemUnavailable:
			lv.ProblemText = "No longer available: remove it to check out."
		case cart.ProblemInsufficient:
			if l.Available <= 0 {
				lv.ProblemText = "Out of stock: remove it to check out."
			} else {
				lv.ProblemText = "Only " + strconv.FormatInt(l.Available, 10) + " left: lower the quantity to check out."
			}
		}
		out.Count += l.Quantity
		out.Lines = append(out.Lines, lv)
	}
	out.Problems = v.Problems()
	if p := v.Price; p != nil {
		out.Totals = totalsOf(cur, p.Subtotal, p.Discounts, p.Adjustments, p.Shipping, p.ShippingTotal, p.ShippingNeeded, p.Taxes, p.TaxTotal, p.TaxInclusive, p.Total, p.Warnings)
	}
	out.Offers = offersOf(cur, v.Price, codes, len(v.Lines) > 0)
	return out
}

// ---- routes ----

// purchasePages are the cart, checkout, order, return and tracking pages.
type purchasePages struct {
	*layout

	// customers fills the checkout form of a signed-in customer.
	customers *customer.Service
	commerce  Commerce
	// db is read for the shop's checkout settings (the return window).
	db *store.DB
	// ipRate caps order tracking look-ups per client address.
	ipRate *httpx.Limiter
	recs   recommender
	// reviews takes the reviews shoppers write from their orders.
	reviews *review.Service
	// mailing checks the restore links of abandoned-cart mail.
	mailing *mailing.Service
}

// routes are the cart, checkout, order, return and tracking pages.
func (s *purchasePages) routes(t *httpx.Table) {
	shop := t.Group(httpx.ScopeStorefront, "storefront")
	shop.Page("GET", "/cart", httpx.Public, "Cart page: lines, problems, totals with every adjustment", s.shopCart)
	shop.Page("POST", "/cart/add", httpx.Public, "Add a variant to the cart (the product page's form)", s.shopCartAdd)
	shop.Page("POST", "/cart/update", httpx.Public, "Change cart quantities or remove a line", s.shopCartUpdate)
	shop.Page("GET", "/cart/restore/:token", httpx.Public, "Restore link of an abandoned-cart e-mail: copies that cart's lines into this browser's cart", s.shopCartRestore)
	shop.Page("POST", "/cart/codes", httpx.Public, "Apply a coupon code (kept when it lowers the price; else the reason) or remove one", s.shopCartCodes)
	shop.Page("GET", "/checkout", httpx.Public, "Checkout form: e-mail, address, delivery option, payment", s.shopCheckoutForm)
	shop.Page("POST", "/checkout", httpx.Public, "Place the order (idempotent per rendered form) and pay", s.shopCheckout)
	shop.Page("GET", "/orders/:order", httpx.Public, "Order confirmation and status (order link token or the signed-in customer)", s.shopOrderPage)
	shop.Page("POST", "/orders/:order/pay", httpx.Public, "Pay an order awaiting payment (after a declined card)", s.shopOrderPay)
	shop.Page("GET", "/orders/:order/return", httpx.Public, "Return request form (within the shop's return window)", s.shopReturnForm)
	shop.Page("POST", "/orders/:order/return", httpx.Public, "Ask for a return", s.shopReturn)
	shop.Page("GET", "/track", httpx.Public, "Order tracking form (order number and e-mail)", s.shopTrackForm)
	shop.Page("POST", "/track", httpx.Public, "Track an order by number and e-mail", s.shopTrack)
	shop.Page("GET", "/account/orders", httpx.Customer, "The signed-in customer's orders", s.shopAccountOrders)
	shop.Page("GET", "/account/orders/:order", httpx.Customer, "One of the signed-in customer's orders", s.shopAccountOrder)
}

// shopPageView is a purchase-flow page with the shop's navigation.
func (s *purchasePages) shopPageView(c *fiber.Ctx, title string) *shopPage {
	return &shopPage{shopView: s.formView(c, title)}
}

// renderPage writes a purchase-flow page (per visitor, never cached).
func (s *purchasePages) renderPage(c *fiber.Ctx, name string, v *shopPage) error {
	if v.CSRF == "" {
		v.CSRF = httpx.CSRFToken(c)
	}
	b, err := s.Execute(name, v)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(b)
}

// spError re-renders a page with an input error and its status; server
// errors are returned (the storefront's error page).
func (s *purchasePages) spError(c *fiber.Ctx, name string, v *shopPage, err error) error {
	status, de := s.ToError(c, err)
	if status >= 500 {
		return err
	}
	v.Error = de
	c.Status(status)
	return s.renderPage(c, name, v)
}

// htmlCartOwner is whose cart the page is about. A signed-in customer who
// still holds a guest cart cookie gets the guest's lines merged into their
// cart once, and the cookie dropped.
func (s *purchasePages) htmlCartOwner(c *fiber.Ctx, create bool) cart.Owner {
	if id := s.ShopperID(c); id != "" {
		if tok := s.GuestCartToken(c); tok != "" && len(tok) <= 128 {
			if err := s.commerce.Carts.Merge(c.UserContext(), tok, id); err != nil {
				s.log.Warn("cart merge", "request_id", httpx.RequestID(c), "err", err)
			} else {
				s.ClearCartCookie(c)
			}
		}
		return cart.Owner{CustomerID: id}
	}
	o, _ := s.CartOwner(c, create)
	return o
}

func hasOwner(o cart.Owner) bool { return o.CustomerID != "" || o.Token != "" }

// loadCart prices the shopper's cart (an empty view when there is none).
func (s *purchasePages) loadCart(c *fiber.Ctx, o cart.Owner, opts cart.PriceOptions) (*cart.View, error) {
	if !hasOwner(o) {
		return &cart.View{Currency: s.Shop(c).Currency}, nil
	}
	opts.CustomerID = o.CustomerID
	return s.commerce.Carts.View(c.UserContext(), o, opts)
}

func (s *purchasePages) cartPage(c *fiber.Ctx, o cart.Owner) (*shopPage, error) {
	v := s.shopPageView(c, "Your cart")
	codes := s.CartCodes(c)
	cv, err := s.loadCart(c, o, cart.PriceOptions{Destination: pricing.Address{Country: s.Shop(c).Country}, Codes: codes})
	if err != nil {
		return nil, err
	}
	v.Cart = cartViewOf(cv, codes)
	var inCart []string
	for _, l := range cv.Lines {
		if l.ProductID != "" {
			inCart = append(inCart, l.ProductID)
		}
	}
	if len(inCart) > 0 {
		v.Recommended = s.recs.cards(c, "", inCart)
	}
	return v, nil
}

var cartFlashes = map[string]string{"added": "Added to your cart.", "updated": "Your cart is updated.", "removed": "The item is removed.",
	"code": "Your code is applied.", "code_removed": "The code is removed.", "restored": "Welcome back: your cart is restored.",
	"restored_gone": "That cart was already checked out."}

// shopCartRestore follows an abandoned-cart mail's link: a valid,
// unexpired token copies the mailed cart's lines into the cart of this
// browser (a guest cart, created if needed, or the signed-in customer's).
// Nobody is signed in by it: the link carries a cart, never a session.
func (s *purchasePages) shopCartRestore(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	if s.mailing == nil {
		return errs.NotFoundf("this link is not valid")
	}
	cartID, rid, err := s.mailing.RestoreCart(c.UserContext(), c.Params("token"))
	if err != nil {
		return err // a forged, foreign or expired link: a 404 page
	}
	err = s.commerce.Carts.Restore(c.UserContext(), s.htmlCartOwner(c, true), cartID, rid)
	switch {
	case errs.Is(err, errs.Conflict), errs.Is(err, errs.NotFound):
		return c.Redirect("/cart?done=restored_gone", fiber.StatusSeeOther)
	case err != nil:
		return err
	}
	return c.Redirect("/cart?done=restored", fiber.StatusSeeOther)
}

func (s *purchasePages) shopCart(c *fiber.Ctx) error {
	v, err := s.cartPage(c, s.htmlCartOwner(c, false))
	if err != nil {
		return err
	}
	v.Flash = cartFlashes[c.Query("done")]
	return s.renderPage(c, "shop/cart", v)
}

// cartError shows the cart page with an input error (the cart as it is).
func (s *purchasePages) cartError(c *fiber.Ctx, o cart.Owner, err error) error {
	v, lerr := s.cartPage(c, o)
	if lerr != nil {
		return lerr
	}
	return s.spError(c, "shop/cart", v, err)
}

// formQuantity reads a quantity field.
func formQuantity(c *fiber.Ctx, field string, min int64) (int64, error) {
	raw := strings.TrimSpace(c.FormValue(field))
	if raw == "" {
		return 0, errs.Field(field, "enter a quantity")
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < min || n > pricing.MaxQuantity {
		return 0, errs.Field(field, "must be a whole number from %d to %d", min, pricing.MaxQuantity)
	}
	return n, nil
}

func (s *purchasePages) shopCartAdd(c *fiber.Ctx) error {
	o := s.htmlCartOwner(c, false)
	variant := strings.TrimSpace(c.FormValue("variant_id"))
	if variant == "" || len(variant) > 64 {
		return s.cartError(c, o, errs.Field("variant_id", "choose a variant of the product"))
	}
	qty, err := formQuantity(c, "quantity", 1)
	if err != nil {
		return s.cartError(c, o, err)
	}
	if !hasOwner(o) {
		o = s.htmlCartOwner(c, true)
	}
	v, err := s.commerce.Carts.Add(c.UserContext(), o, variant, qty, cart.PriceOptions{CustomerID: o.CustomerID})
	if err != nil {
		return s.cartError(c, o, asField(err, "variant_id"))
	}
	s.convertedCart(c, v, variant)
	s.track(c, analytics.AddToCart, func(h *analytics.Hit) { h.Quantity = int(qty) })
	return c.Redirect("/cart?done=added", fiber.StatusSeeOther)
}

// shopCartUpdate applies the cart form: a "remove" button removes its
// line; otherwise every qty_<variant> field sets its line's quantity (0
// removes it).
func (s *purchasePages) shopCartUpdate(c *fiber.Ctx) error {
	o := s.htmlCartOwner(c, false)
	if !hasOwner(o) {
		return c.Redirect("/cart", fiber.StatusSeeOther)
	}
	ctx := c.UserContext()
	if id := c.FormValue("remove"); id != "" {
		s.track(c, analytics.RemoveFromCart, nil)
		if _, err := s.commerce.Carts.Remove(ctx, o, id, cart.PriceOptions{CustomerID: o.CustomerID}); err != nil {
			return s.cartError(c, o, err)
		}
		return c.Redirect("/cart?done=removed", fiber.StatusSeeOther)
	}
	cur, err := s.loadCart(c, o, cart.PriceOptions{})
	if err != nil {
		return err
	}
	type change struct {
		variant string
		qty     int64
	}
	var changes []change
	for _, l := range cur.Lines {
		if l.Gift != "" { // its quantity follows the offer
			continue
		}
		field := "qty_" + l.VariantID
		if c.FormValue(field) == "" {
			continue
		}
		n, err := formQuantity(c, field, 0)
		if err != nil {
			return s.cartError(c, o, err)
		}
		if n != l.Quantity {
			changes = append(changes, change{l.VariantID, n})
		}
	}
	// Lowering first, so a shopper moving stock between lines is not
	// refused for the moment both are high.
	sort.SliceStable(changes, func(i, j int) bool { return changes[i].qty < changes[j].qty })
	for _, ch := range changes {
		if _, err := s.commerce.Carts.SetQuantity(ctx, o, ch.variant, ch.qty, cart.PriceOptions{CustomerID: o.CustomerID}); err != nil {
			return s.cartError(c, o, asField(err, "qty_"+ch.variant))
		}
	}
	return c.Redirect("/cart?done=updated", fiber.StatusSeeOther)
}

// shopCartCodes applies the coupon code typed in the cart's code field, or
// removes the one its "remove_code" button names. A code is kept (in the
// codes cookie) only when the cart priced with it uses it; otherwise the
// cart page says why, in the offer's words ("this code has expired",
// "minimum spend 50.00 EUR not reached (add 12.50 EUR)").
func (s *purchasePages) shopCartCodes(c *fiber.Ctx) error {
	o := s.htmlCartOwner(c, false)
	codes := s.CartCodes(c)
	if rm := promotion.NormaliseCode(c.FormValue("remove_code")); rm != "" {
		keep := codes[:0:0]
		for _, code := range codes {
			if code != rm {
				keep = append(keep, code)
			}
		}
		s.SetCartCodes(c, keep)
		return c.Redirect("/cart?done=code_removed", fiber.StatusSeeOther)
	}
	code := promotion.NormaliseCode(c.FormValue("code"))
	switch {
	case code == "":
		return s.cartError(c, o, errs.Field("code", "enter a code"))
	case !promotion.ValidCode(code):
		return s.cartError(c, o, errs.Field("code", "%s is not a valid code: codes have 3 to 40 letters, digits, '-' or '_'", cutText(code, 40)))
	case slices.Contains(codes, code):
		return c.Redirect("/cart?done=code", fiber.StatusSeeOther)
	case len(codes) >= session.MaxCartCodes:
		return s.cartError(c, o, errs.Field("code", "you can use up to %d codes; remove one first", session.MaxCartCodes))
	}
	with := append(slices.Clip(codes), code)
	cv, err := s.loadCart(c, o, cart.PriceOptions{Destination: pricing.Address{Country: s.Shop(c).Country}, Codes: with})
	if err != nil {
		return s.cartError(c, o, asField(err, "code"))
	}
	offers := offersOf(cv.Currency, cv.Price, with, len(cv.Lines) > 0)
	for _, r := range offers.Refused {
		if r.Code == code {
			return s.cartError(c, o, &errs.Error{Code: errs.Unprocessable, Field: "code", Message: code + " can't be used: " + r.Reason})
		}
	}
	s.SetCartCodes(c, with)
	return c.Redirect("/cart?done=code", fiber.StatusSeeOther)
}

// cutText shortens s to at most n runes (for echoing input).
func cutText(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// asField names the form field of a domain error (whatever field the
// domain gave it), so the page shows it in the right place.
func asField(err error, field string) error {
	var e *errs.Error
	if errors.As(err, &e) && e.Code != errs.Internal {
		c := *e
		c.Field = field
		return &c
	}
	return err
}

// ---- checkout ----

// checkoutView is the checkout form: what was typed, the delivery options
// for the address's country, the cart priced with the chosen option.
type checkoutView struct {
	Key     string // the Idempotency-Key of this rendered form
	F       map[string]string
	Options []shipChoice
	Cart    *cartView
	// Credit is the signed-in shopper's store credit in the cart's
	// currency (0: none, or a guest), CreditText the same for people.
	Credit     int64
	CreditText string
}

type shipChoice struct {
	Code, Label, Price, Days, Source string
	Selected                         bool
}

var checkoutFields = []string{"email", "shipping_address.name", "shipping_address.company", "shipping_address.line1", "shipping_address.line2",
	"shipping_address.city", "shipping_address.region", "shipping_address.postal_code", "shipping_address.country", "shipping_address.phone",
	"shipping_method", "payment", "note", "points", "use_credit", "store_credit"}

// input is the checkout request of the form (card: the card number, never
// kept in the form).
func (f checkoutView) input(card string) checkout.Input {
	g := func(k string) string { return f.F[k] }
	return checkout.Input{Email: g("email"), ShippingCode: g("shipping_method"), Note: g("note"),
		ShippingAddress: order.Address{Name: g("shipping_address.name"), Company: g("shipping_address.company"), Line1: g("shipping_address.line1"),
			Line2: g("shipping_address.line2"), City: g("shipping_address.city"), Region: g("shipping_address.region"),
			PostalCode: g("shipping_address.postal_code"), Country: strings.ToUpper(g("shipping_address.country")), Phone: g("shipping_address.phone")},
		Pay: &checkout.Pay{Method: g("payment"), Card: card}}
}

// formPoints reads the points field: empty is none; anything but a whole
// number of points is refused next to the field.
func formPoints(s string) (int64, error) {
	if s = strings.TrimSpace(s); s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, errs.Field("points", "enter a whole number of points, or leave it empty")
	}
	return n, nil
}

// priceCheckout prices the cart for the form's address and delivery
// option and lists the options; a chosen option that does not deliver
// there is dropped (the shopper sees the choice again).
func (s *purchasePages) priceCheckout(c *fiber.Ctx, o cart.Owner, cv *checkoutView) (*cart.View, error) {
	dest := pricing.Address{Country: strings.ToUpper(strings.TrimSpace(cv.F["shipping_address.country"])), Region: strings.ToUpper(strings.TrimSpace(cv.F["shipping_address.region"])),
		PostalCode: strings.TrimSpace(cv.F["shipping_address.postal_code"])}
	if len(dest.Country) != 2 {
		dest.Country = ""
	}
	if len(dest.Region) > 3 {
		dest.Region = ""
	}
	codes := s.CartCodes(c)
	opts := cart.PriceOptions{Destination: dest, ShippingCode: cv.F["shipping_method"], Codes: codes, Email: cv.F["email"]}
	cartView, err := s.loadCart(c, o, opts)
	if err != nil && cv.F["shipping_method"] != "" && errs.CodeOf(err) != errs.Internal {
		// The option does not deliver there (any more): list the ones
		// that do.
		opts.ShippingCode = ""
		cartView, err = s.loadCart(c, o, opts)
	}
	if err != nil {
		return nil, err
	}
	cv.Options = nil
	if p := cartView.Price; p != nil {
		for i := range p.ShippingOptions {
			so := &p.ShippingOptions[i]
			cv.Options = append(cv.Options, shipChoice{Code: so.Code, Label: so.Label, Price: view.Money(so.Price, cartView.Currency), Days: deliveryDays(so),
				Source: sourceText(so.Source), Selected: p.Shipping != nil && p.Shipping.Code == so.Code})
		}
	}
	cv.Cart = cartViewOf(cartView, codes)
	return cartView, s.loadCredit(c, o, cv, cartView.Currency)
}

// loadCredit reads a signed-in shopper's store credit into the form.
func (s *purchasePages) loadCredit(c *fiber.Ctx, o cart.Owner, cv *checkoutView, currency string) error {
	cv.Credit, cv.CreditText = 0, ""
	if o.CustomerID == "" {
		return nil
	}
	st, err := s.commerce.AfterSales.StoreCredit(c.UserContext(), aftersales.CustomerCreditKey(o.CustomerID), 1)
	if err != nil {
		return err
	}
	if cv.Credit = st.Balance(currency); cv.Credit > 0 {
		cv.CreditText = view.Money(cv.Credit, currency)
	}
	return nil
}

// storeCredit is the store credit the form asks to spend: none unless
// "use_credit" is ticked; then the amount typed, or all of it.
func (f checkoutView) storeCredit(currency string) (int64, error) {
	if f.F["use_credit"] == "" {
		return 0, nil
	}
	if f.F["store_credit"] == "" {
		return max(f.Credit, 1), nil // 1: a balance spent meanwhile is refused in words
	}
	n, err := money.Parse("store_credit", f.F["store_credit"], currency)
	if err == nil && n <= 0 {
		err = errs.Field("store_credit", "enter a positive amount, or leave it empty to use all your credit")
	}
	return n, err
}

func (s *purchasePages) checkoutPage(c *fiber.Ctx) *shopPage {
	v := s.shopPageView(c, "Checkout")
	v.Crumbs = []shopCrumb{{"Cart", "/cart"}, {"Checkout", "/checkout"}}
	return v
}

func (s *purchasePages) shopCheckoutForm(c *fiber.Ctx) error {
	o := s.htmlCartOwner(c, false)
	v := s.checkoutPage(c)
	s.track(c, analytics.CheckoutStart, nil)
	cv := &checkoutView{Key: httpx.NewFormKey(), F: map[string]string{"payment": checkout.PayCard, "shipping_address.country": s.Shop(c).Country}}
	if o.CustomerID != "" {
		ctx := c.UserContext()
		if cu, err := s.customers.Get(ctx, o.CustomerID); err == nil {
			cv.F["email"] = cu.Email
			cv.F["shipping_address.name"] = strings.TrimSpace(cu.FirstName + " " + cu.LastName)
			cv.F["shipping_address.phone"] = cu.Phone
		}
		if as, err := s.customers.Addresses(ctx, o.CustomerID); err == nil && len(as) > 0 {
			a := as[0]
			for _, x := range as {
				if x.IsDefault {
					a = x
				}
			}
			for k, val := range map[string]string{"name": strings.TrimSpace(a.FirstName + " " + a.LastName), "company": a.Company, "line1": a.Line1, "line2": a.Line2,
				"city": a.City, "region": a.Province, "postal_code": a.PostalCode, "country": a.Country, "phone": a.Phone} {
				if val != "" {
					cv.F["shipping_address."+k] = val
				}
			}
		}
	}
	view, err := s.priceCheckout(c, o, cv)
	if err != nil {
		return err
	}
	if len(view.Lines) == 0 {
		return c.Redirect("/cart", fiber.StatusSeeOther)
	}
	// One option (or the first) is chosen up front so the totals are
	// complete; the shopper may pick another.
	if view.Price != nil && view.Price.Shipping == nil && len(cv.Options) > 0 {
		cv.F["shipping_method"] = cv.Options[0].Code
		if _, err := s.priceCheckout(c, o, cv); err != nil {
			return err
		}
	}
	v.Checkout = cv
	return s.renderPage(c, "shop/checkout", v)
}

func (s *purchasePages) shopCheckout(c *fiber.Ctx) error {
	o := s.htmlCartOwner(c, false)
	v := s.checkoutPage(c)
	cv := &checkoutView{F: map[string]string{}, Key: strings.TrimSpace(c.FormValue("key"))}
	for _, k := range checkoutFields {
		cv.F[k] = strings.TrimSpace(c.FormValue(k))
	}
	v.Checkout = cv
	fail := func(err error) error {
		if _, perr := s.priceCheckout(c, o, cv); perr != nil {
			return perr
		}
		return s.spError(c, "shop/checkout", v, err)
	}
	if !hasOwner(o) {
		return c.Redirect("/cart", fiber.StatusSeeOther)
	}
	// The address given is the cart's (the abandoned-cart mail's, with
	// the customer's consent); a bad one is the checkout's to refuse.
	if err := s.commerce.Carts.SetEmail(c.UserContext(), o, cv.F["email"]); err != nil && errs.CodeOf(err) == errs.Internal {
		s.log.Warn("cart e-mail", "request_id", httpx.RequestID(c), "err", err)
	}
	if cv.Key == "" || idempotency.ValidKey(cv.Key) != nil {
		cv.Key = httpx.NewFormKey()
		return fail(errs.Field("key", "this form has expired; check your details and place the order again"))
	}
	if c.FormValue("action") == "update" {
		if _, err := s.priceCheckout(c, o, cv); err != nil {
			return err
		}
		return s.renderPage(c, "shop/checkout", v)
	}
	in := cv.input(c.FormValue("card"))
	in.Codes = formCodes(c.FormValue("codes"))
	var err error
	if in.Points, err = formPoints(cv.F["points"]); err != nil {
		return fail(err)
	}
	if cv.F["use_credit"] != "" {
		cur := s.Shop(c).Currency
		if err := s.loadCredit(c, o, cv, cur); err != nil {
			return err
		}
		if in.StoreCredit, err = cv.storeCredit(cur); err != nil {
			return fail(err)
		}
	}
	in.Attribution = s.attribution(c)
	res, err := s.commerce.Checkout.Checkout(c.UserContext(), checkout.Request{Owner: o, Input: in, Key: cv.Key})
	if err != nil {
		var e *errs.Error
		if errors.As(err, &e) && e.Field == "idempotency_key" {
			// Back, edit, submit again: that form already placed an order.
			cv.Key = httpx.NewFormKey()
			err = errs.Field("key", "this form already placed an order (see your e-mail or your account); submit again to place another order with these details")
		}
		return fail(offerChanged(checkoutField(err)))
	}
	if !res.Replayed {
		placed := func(h *analytics.Hit) { h.OrderID, h.Amount = res.Order.ID, res.Order.Total }
		s.track(c, analytics.OrderPlaced, placed)
		s.convertedOrder(c, res.Order)
		if res.Order.Status == order.Paid {
			s.track(c, analytics.OrderPaid, placed)
		}
	}
	// A declined card shows on the order page, with the form to pay again.
	if errs.CodeOf(res.PayError) == errs.Internal {
		s.log.Error("checkout payment", "request_id", httpx.RequestID(c), "order", res.Order.ID, "err", res.PayError)
	}
	return c.Redirect(s.orderLink(c, res.Order.ID)+"&placed=1", fiber.StatusSeeOther)
}

// formCodes are the checkout form's codes: the ones the price it showed
// used (comma-separated), so the order is placed at that price or not at
// all.
func formCodes(v string) []string {
	var out []string
	for _, code := range strings.Split(v, ",") {
		if code = promotion.NormaliseCode(code); code != "" && len(out) < session.MaxCartCodes {
			out = append(out, code)
		}
	}
	return out
}

// offerChanged words a checkout refused because an offer changed between
// the form and the order (a code or promotion reached its limit, a flash
// sale sold its promotional units, a code expired): the form shows again
// with the new price and says what changed.
func offerChanged(err error) error {
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != errs.Conflict && e.Code != errs.Unprocessable {
		return err
	}
	if e.Field != "codes" && e.Field != "promotions" {
		return err // "lines" shows next to the cart's link
	}
	return &errs.Error{Code: e.Code, Message: "Your order was not placed: " + e.Message + ". Check the new total and place the order again."}
}

// checkoutField names the form field of a checkout error.
func checkoutField(err error) error {
	var e *errs.Error
	if !errors.As(err, &e) {
		return err
	}
	if f, ok := checkoutFormFields[e.Field]; ok {
		c := *e
		c.Field = f
		return &c
	}
	return err
}

// checkoutFormFields are the form's names of checkout's error fields.
var checkoutFormFields = map[string]string{"shipping_address": "shipping_address.line1", "payment.card": "card", "payment.method": "payment"}

// orderLink is the shopper's link to an order (with its access token).
func (s *purchasePages) orderLink(c *fiber.Ctx, orderID string) string {
	return "/orders/" + url.PathEscape(orderID) + "?token=" + url.QueryEscape(s.OrderToken(s.Shop(c).ID, orderID))
}
