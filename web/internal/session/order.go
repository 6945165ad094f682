package session

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
)

// OrderToken is the shopper's key to one order (the Order-Token header,
// ?token= in links): an HMAC of the shop and the order id, so it needs no
// storage and a replayed checkout gets the same token.
func (k *Kit) OrderToken(tenantID, orderID string) string {
	m := hmac.New(sha256.New, k.cfg.OrderSecret)
	m.Write([]byte("order\x00" + tenantID + "\x00" + orderID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// OrderTokenValid reports whether tok is the key to the shop's order.
func (k *Kit) OrderTokenValid(tenantID, orderID, tok string) bool {
	return subtle.ConstantTimeCompare([]byte(tok), []byte(k.OrderToken(tenantID, orderID))) == 1
}

// ShopperOrder loads an order of the shop host's shop that the request may
// see: with tok, the order's access token (the storefront's links and
// forms, the API's Order-Token header), or as the signed-in customer who
// placed it. Anything else is 404, whether or not the order exists.
func (k *Kit) ShopperOrder(c *fiber.Ctx, orders *order.Service, id, tok string) (*order.Order, error) {
	notFound := errs.NotFoundf("order not found")
	if tok != "" {
		if !k.OrderTokenValid(k.Shop(c).ID, id, tok) {
			return nil, notFound
		}
		return orders.Get(c.UserContext(), id)
	}
	cid := k.ShopperID(c)
	if cid == "" {
		return nil, notFound
	}
	o, err := orders.Get(c.UserContext(), id)
	if err != nil {
		return nil, err
	}
	if o.CustomerID != cid {
		return nil, notFound
	}
	return o, nil
}
