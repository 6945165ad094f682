package api

import (
	"context"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/aftersales"
	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/checkout"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/idempotency"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/shipping"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/session"
)

// The shop-host JSON API for carts and checkout (headless-friendly: a
// client without cookies keeps its cart in the Cart-Token header and reads
// its orders with the Order-Token header).
//
// Checkout: POST /api/store/checkout with an Idempotency-Key header is
// core/checkout's use case (the storefront form calls the same one). The
// key is scoped to whose cart it is, so two shoppers who pick the same key
// never see each other's orders; the same key with the same bytes replays
// the stored answer byte for byte (also after a restart), other bytes get
// 422. With a "payment" in the body the order is paid at once (a card) or
// waits for staff (bank transfer, cash on delivery), and the answer is the
// order as it is after that, with the payment.

const (
	orderTokenHeader  = "Order-Token"
	idempotencyHeader = "Idempotency-Key"
	replayedHeader    = "Idempotent-Replayed"
)

// CartLineRequest adds a variant to the cart.
type CartLineRequest struct {
	VariantID string `json:"variant_id"`
	Quantity  int64  `json:"quantity"`
}

// CartQuantity sets a line's quantity (0 removes it).
type CartQuantity struct {
	Quantity int64 `json:"quantity"`
}

// CartJSON is a priced cart. Token is set when the answer created the
// guest cart (also in the Cart-Token header and the cart cookie).
type CartJSON struct {
	cart.View
	Token string `json:"token,omitempty"`
}

// CheckoutRequest places an order from the shopper's cart; its optional
// "payment" ({"method":"card","card":"4242 4242 4242 4242"}, or "method"
// "bank_transfer" or "cod") pays it in the same request, and its optional
// "store_credit" spends that much (minor units) of the signed-in
// customer's store credit.
type CheckoutRequest = checkout.Input

// CheckoutJSON is the placed order; when the request had a payment, also
// the payment it made (status "captured", "pending", or "failed" with the
// reason in its message: the order is then placed and awaits payment).
type CheckoutJSON struct {
	order.Order
	Payment *payment.Payment `json:"payment,omitempty"`
}

// Storefront serves the shop-host JSON API (/api/store/*): the shopper's
// cart, checkout, orders and payments, the providers' webhooks, order
// tracking, return requests and tickets.
type Storefront struct {
	*session.Kit
	db         *store.DB
	carts      *cart.Service
	checkout   *checkout.Service
	orders     *order.Service
	payments   *payment.Service
	shipments  *shipping.Service
	afterSales *aftersales.Service
}

// Routes are the shop-host JSON API, in the order the router tries them.
func (s *Storefront) Routes() []httpx.Route {
	var t httpx.Table
	s.cartRoutes(&t)
	s.paymentRoutes(&t)
	s.returnRoutes(&t)
	return t.Routes()
}

// cartRoutes are the shopper's cart, checkout and orders over JSON, on the
// shop's own host.
func (s *Storefront) cartRoutes(t *httpx.Table) {
	api := t.Group(httpx.ScopeStorefront, "store")
	api.API("GET", "/api/store/cart", httpx.Public, "The shopper's cart, priced now (query: country, region, postal_code, shipping_method, codes)", nil, CartJSON{}, s.apiCart)
	api.API("POST", "/api/store/cart/lines", httpx.Public, "Add a variant to the cart", CartLineRequest{}, CartJSON{}, s.apiCartAdd)
	api.API("PUT", "/api/store/cart/lines/:variant", httpx.Public, "Set a cart line's quantity (0 removes it)", CartQuantity{}, CartJSON{}, s.apiCartSet)
	api.API("DELETE", "/api/store/cart/lines/:variant", httpx.Public, "Remove a variant from the cart", nil, CartJSON{}, s.apiCartRemove)
	api.API("POST", "/api/store/checkout", httpx.Public, "Place an order from the cart (Idempotency-Key header required; the answer's Order-Token header reads and pays the order); "+
		`with "payment" ({"method":"card","card":…}, "bank_transfer" or "cod") also pay it: the answer then carries the payment (a declined card: status "failed", the order placed and awaiting payment); `+
		`"store_credit" (minor units) spends that much of a signed-in customer's store credit first (a card is then needed only for the rest)`,
		CheckoutRequest{}, CheckoutJSON{}, s.apiCheckout)
	api.API("GET", "/api/store/orders/:order", httpx.Public, "One of the shopper's orders (Order-Token header, or the signed-in customer's own)", nil, order.Order{}, s.apiStoreOrder)
	api.API("GET", "/api/store/orders", httpx.Customer, "The signed-in customer's orders, newest first (before: cursor)", nil, order.Page{}, s.apiStoreOrders)
}

// priceOptions reads the optional destination and delivery choice of a
// cart preview from the query.
func priceOptions(c *fiber.Ctx) cart.PriceOptions {
	o := cart.PriceOptions{Destination: pricing.Address{Country: strings.ToUpper(c.Query("country")), Region: strings.ToUpper(c.Query("region")), PostalCode: c.Query("postal_code")},
		ShippingCode: c.Query("shipping_method")}
	if v := c.Query("codes"); v != "" {
		o.Codes = strings.Split(v, ",")
	}
	return o
}

func (s *Storefront) apiCart(c *fiber.Ctx) error {
	o, _ := s.CartOwner(c, false)
	if o.CustomerID == "" && o.Token == "" {
		var v *cart.View
		err := s.db.Read(c.UserContext(), func(ctx context.Context, q bun.IDB) error {
			var err error
			v, err = s.carts.PriceIn(ctx, q, nil, priceOptions(c))
			return err
		})
		if err != nil {
			return err
		}
		return c.JSON(CartJSON{View: *v})
	}
	v, err := s.carts.View(c.UserContext(), o, priceOptions(c))
	if err != nil {
		return err
	}
	return c.JSON(CartJSON{View: *v})
}

func (s *Storefront) apiCartAdd(c *fiber.Ctx) error {
	var in CartLineRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	if in.VariantID == "" {
		return errs.Field("variant_id", "is required")
	}
	if in.Quantity <= 0 {
		return errs.Field("quantity", "must be at least 1")
	}
	o, tok := s.CartOwner(c, true)
	v, err := s.carts.Add(c.UserContext(), o, in.VariantID, in.Quantity, priceOptions(c))
	if err != nil {
		return withField(err, "variant_id")
	}
	return c.JSON(CartJSON{View: *v, Token: tok})
}

func (s *Storefront) apiCartSet(c *fiber.Ctx) error {
	var in CartQuantity
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	if in.Quantity < 0 {
		return errs.Field("quantity", "must not be negative")
	}
	o, tok := s.CartOwner(c, true)
	v, err := s.carts.SetQuantity(c.UserContext(), o, c.Params("variant"), in.Quantity, priceOptions(c))
	if err != nil {
		return withField(err, "variant")
	}
	return c.JSON(CartJSON{View: *v, Token: tok})
}

func (s *Storefront) apiCartRemove(c *fiber.Ctx) error {
	o, _ := s.CartOwner(c, false)
	if o.CustomerID == "" && o.Token == "" {
		return errs.NotFoundf("no cart")
	}
	v, err := s.carts.Remove(c.UserContext(), o, c.Params("variant"), priceOptions(c))
	if err != nil {
		return err
	}
	return c.JSON(CartJSON{View: *v})
}

// idempotencyKey reads and checks the Idempotency-Key header.
func idempotencyKey(c *fiber.Ctx, required bool) (string, error) {
	key := c.Get(idempotencyHeader)
	if key == "" {
		if required {
			return "", errs.Field(idempotencyHeader, "header is required (a unique value per attempt, reused on retries)")
		}
		return "", nil
	}
	if len(key) > idempotency.MaxKeyLen || idempotency.ValidKey(key) != nil {
		return "", errs.Field(idempotencyHeader, "must be at most %d printable characters", idempotency.MaxKeyLen)
	}
	return key, nil
}

func (s *Storefront) apiCheckout(c *fiber.Ctx) error {
	key, err := idempotencyKey(c, true)
	if err != nil {
		return err
	}
	var in CheckoutRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	o, _ := s.CartOwner(c, false)
	if o.CustomerID == "" && o.Token == "" {
		return errs.Field("cart", "is empty")
	}
	res, err := s.checkout.Checkout(c.UserContext(), checkout.Request{Owner: o, Input: in, Key: key, Body: append([]byte(nil), c.Body()...)})
	if err != nil {
		return err
	}
	c.Set(orderTokenHeader, s.OrderToken(s.Shop(c).ID, res.Order.ID))
	c.Set(fiber.HeaderLocation, "/api/store/orders/"+res.Order.ID)
	if res.Replayed {
		c.Set(replayedHeader, "true")
	}
	if in.Pay == nil {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Status(res.Answer.Status).Send(res.Answer.Body)
	}
	if errs.CodeOf(res.PayError) == errs.Internal {
		return res.PayError
	}
	return c.Status(res.Answer.Status).JSON(CheckoutJSON{Order: *res.Order, Payment: res.Payment})
}

// storeOrder loads an order the shopper may see: with its Order-Token
// (header, or ?token= for links), or as the signed-in customer who placed
// it (session.Kit.ShopperOrder).
func (s *Storefront) storeOrder(c *fiber.Ctx, id string) (*order.Order, error) {
	tok := c.Get(orderTokenHeader)
	if tok == "" {
		tok = c.Query("token")
	}
	return s.ShopperOrder(c, s.orders, id, tok)
}

func (s *Storefront) apiStoreOrder(c *fiber.Ctx) error {
	o, err := s.storeOrder(c, c.Params("order"))
	if err != nil {
		return err
	}
	return c.JSON(o)
}

// withField names the field of a domain error that names none (e.g. "this
// product is not available" is about the variant_id sent).
func withField(err error, field string) error {
	var e *errs.Error
	if errors.As(err, &e) && e.Field == "" && e.Code != errs.Internal {
		c := *e
		c.Field = field
		return &c
	}
	return err
}

func (s *Storefront) apiStoreOrders(c *fiber.Ctx) error {
	id := s.ShopperID(c)
	if id == "" {
		return errs.E(errs.Unauthenticated, "sign in to your customer account first")
	}
	pg, err := s.orders.List(c.UserContext(), order.Filter{CustomerID: id, Before: c.Query("before"), Limit: 50})
	if err != nil {
		return err
	}
	if pg.Orders == nil {
		pg.Orders = []order.Order{}
	}
	return c.JSON(pg)
}
