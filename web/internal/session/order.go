package session

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
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
