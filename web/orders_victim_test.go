package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/wasmart/wasmart/core/aftersales"
	"github.com/wasmart/wasmart/core/cart/carttest"
	"github.com/wasmart/wasmart/core/checkout"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/shipping"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/web/api"
)

// victimCommerce gives the cross-tenant victim (shop A) an order, a
// payment, a shipment, a return and a ticket, made through the API like a
// shopper and staff would, and returns their ids by route parameter name
// (":order" → "order") plus markers that must never show to shop B.
func victimCommerce(t *testing.T, srv *testServer, shopID, slug string, owner *client) (map[string]string, []string) {
	t.Helper()
	ctx := tenancy.WithTenant(context.Background(), shopID)
	settings := checkout.Settings{Currency: "EUR",
		Shipping: pricing.ShippingConfig{Zones: []pricing.Zone{{Code: "fr", Name: "France", Countries: []string{"FR"},
			Methods: []pricing.Method{{Code: "alpha-post", Label: "Alpha Post", Kind: pricing.MethodFlat, Price: 500}}}}}}
	sb, _ := json.Marshal(settings)
	if r := owner.do("PUT", "/api/settings/checkout", string(sb), nil); r.Status != 200 {
		t.Fatalf("victim settings: %d %s", r.Status, r.Body)
	}
	variant := carttest.New(srv.DB, "EUR").Variant(t, ctx, "Alpha secret product", 4200, 10, carttest.VariantOpts{})
	shopReq := func(method, path string, body any, hdr map[string]string) *http.Response {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, srv.URL+path, bytes.NewReader(b))
		req.Host = slug + ".localhost:" + srv.Port
		req.Header.Set("Content-Type", "application/json")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode >= 300 {
			rb, _ := io.ReadAll(resp.Body)
			t.Fatalf("victim %s %s: %d %s", method, path, resp.StatusCode, rb)
		}
		return resp
	}
	decode := func(resp *http.Response, v any) {
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	resp := shopReq("POST", "/api/store/cart/lines", api.CartLineRequest{VariantID: variant, Quantity: 2}, nil)
	resp.Body.Close()
	cartTok := resp.Header.Get("Cart-Token")
	email := "victim.buyer@alpha-mail.example"
	resp = shopReq("POST", "/api/store/checkout", api.CheckoutRequest{Email: email, ShippingCode: "alpha-post",
		ShippingAddress: order.Address{Name: "Alpha Victim", Line1: "7 Alpha Secret Street", City: "Lyon", Country: "FR"}},
		map[string]string{"Cart-Token": cartTok, "Idempotency-Key": "victim-order"})
	var o order.Order
	orderTok := resp.Header.Get("Order-Token")
	decode(resp, &o)
	var p payment.Payment
	decode(shopReq("POST", "/api/store/orders/"+o.ID+"/payments", api.StorePayRequest{Provider: "test", Card: payment.CardSuccess},
		map[string]string{"Order-Token": orderTok, "Idempotency-Key": "victim-pay"}), &p)

	var sh shipping.Shipment
	owner.post("/api/orders/"+o.ID+"/shipments", api.ShipmentRequest{Carrier: "Alpha Carrier", TrackingNumber: "ALPHA-TRACK-777",
		Lines: []shipping.LineQty{{LineID: o.Lines[0].ID, Quantity: 1}}}, 201).json(t, &sh)
	var ret aftersales.Return
	owner.post("/api/returns", api.ReturnRequest{OrderID: o.ID, Reason: "alpha return reason",
		Lines: []aftersales.LineQty{{LineID: o.Lines[0].ID, Quantity: 1}}}, 201).json(t, &ret)
	var tk aftersales.Ticket
	owner.post("/api/tickets", api.TicketRequest{OrderID: o.ID, Email: email, Kind: aftersales.KindQuestion,
		Subject: "Alpha ticket subject", Body: "Where is my alpha parcel?"}, 201).json(t, &tk)
	owner.post("/api/orders/"+o.ID+"/notes", api.NoteRequest{Text: "alpha staff note"}, 201)
	if r := owner.do("PUT", "/api/settings/mail-templates/order.placed", `{"subject":"Alpha order {{.OrderName}}","text":"Thanks from alpha"}`, nil); r.Status != 200 {
		t.Fatalf("victim mail template: %d %s", r.Status, r.Body)
	}
	ids := map[string]string{"order": o.ID, "payment": p.ID, "shipment": sh.ID, "return": ret.ID, "ticket": tk.ID,
		"topic": "order.placed", "variant": variant}
	markers := []string{o.ID, p.ID, sh.ID, ret.ID, tk.ID, email, "ALPHA-TRACK-777", "Alpha ticket subject", "7 Alpha Secret Street",
		"alpha staff note", "Alpha secret product", "Alpha order {{", p.ProviderRef}
	return ids, markers
}
