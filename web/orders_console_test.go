package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/aftersales"
	"github.com/wasmart/wasmart/core/checkout"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/web/api"
)

func consoleForm(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}

func wantConsolePage(t *testing.T, r response, status int, contains ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("got %d, want %d: %s", r.Status, status, cut(r.Body))
	}
	for _, s := range contains {
		if !strings.Contains(r.Body, s) {
			t.Fatalf("page lacks %q: %s", s, cut(r.Body))
		}
	}
}

func wantSeeOther(t *testing.T, r response, prefix string) {
	t.Helper()
	if r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), prefix) {
		t.Fatalf("got %d to %q, want 303 to %s…: %s", r.Status, r.Header.Get("Location"), prefix, cut(r.Body))
	}
}

// TestOrderConsole drives the console pages: list, detail, ship, refund
// (a resubmitted form refunds once), a staff return through to its
// refund, a ticket reply, checkout settings and a mail template.
func TestOrderConsole(t *testing.T) {
	srv, _ := startCommerceServer(t, storetest.SQLite(t))
	s := newTestShop(t, srv, "desk")
	v := s.variant(t, "Kettle", 3000, 10)
	o, tok := s.place(t, s.cart(t, map[string]int64{v: 2}), "k")
	s.pay(t, o, tok, payment.CardSuccess, 201)
	c := s.Owner

	wantConsolePage(t, c.do("GET", "/console/orders", "", nil), 200, "#1001", `href="/console/orders"`, `href="/console/returns"`, `href="/console/tickets"`)
	wantConsolePage(t, c.do("GET", "/console/orders?status=paid&q=eva%40example.com", "", nil), 200, "#1001")
	wantConsolePage(t, c.do("GET", "/console/orders?q=%231001", "", nil), 200, "#1001")
	base := "/console/orders/" + o.ID
	wantConsolePage(t, c.do("GET", base, "", nil), 200, "Create shipment", "64.90 EUR", "Kettle")

	line := o.Lines[0].ID
	wantSeeOther(t, c.do("POST", base+"/ship", consoleForm("qty_"+line, "2", "carrier", "La Poste", "tracking_number", "LP123", "tracking_url", "https://track.example/LP123"), nil), base)
	wantConsolePage(t, c.do("GET", base, "", nil), 200, "LP123", "fulfilled")
	wantConsolePage(t, c.do("POST", base+"/ship", consoleForm("qty_"+line, "x"), nil), 400, "qty_"+line)

	// The same refund form posted twice pays out once.
	refund := consoleForm("amount", "5.00", "reason", "scratch", "idempotency_key", "form-1")
	wantSeeOther(t, c.do("POST", base+"/refund", refund, nil), base)
	wantSeeOther(t, c.do("POST", base+"/refund", refund, nil), base)
	if d := s.order(t, o.ID); d.Order.RefundedTotal != 500 || len(d.Refunds) != 1 {
		t.Fatalf("refunded %d in %d refunds, want 500 in 1", d.Order.RefundedTotal, len(d.Refunds))
	}
	wantConsolePage(t, c.do("POST", base+"/refund", consoleForm("amount", "twelve"), nil), 400, "amount")
	wantConsolePage(t, c.do("POST", base+"/refund", consoleForm("amount", "9999.00"), nil), 422, "amount")
	wantConsolePage(t, c.do("POST", base+"/cancel", consoleForm("reason", "no"), nil), 422)

	// A return recorded by staff, approved, received with restock and
	// refunded.
	r := c.do("POST", base+"/returns", consoleForm("qty_"+line, "1", "reason", "too small"), nil)
	wantSeeOther(t, r, "/console/returns/")
	retURL := strings.SplitN(r.Header.Get("Location"), "?", 2)[0]
	wantConsolePage(t, c.do("GET", "/console/returns", "", nil), 200, "too small")
	wantConsolePage(t, c.do("GET", retURL, "", nil), 200, "Approve", "Kettle")
	wantSeeOther(t, c.do("POST", retURL+"/step", consoleForm("action", "approve", "note", "ok"), nil), retURL)
	wantSeeOther(t, c.do("POST", retURL+"/step", consoleForm("action", "receive", "restock", "1"), nil), retURL)
	wantConsolePage(t, c.do("POST", retURL+"/step", consoleForm("action", "teleport"), nil), 400, "action")
	wantSeeOther(t, c.do("POST", retURL+"/refund", consoleForm("amount", ""), nil), retURL)
	var ret aftersales.Return
	c.getJSON("/api/returns/"+strings.TrimPrefix(retURL, "/console/returns/"), &ret)
	if ret.Status != aftersales.Refunded || ret.ResolvedAmount != 3000 || !ret.Restocked {
		t.Fatalf("return after refund: %+v", ret)
	}
	if avail, _, _ := s.available(t, v); avail != 9 {
		t.Fatalf("available %d after restocking one of two sold, want 9", avail)
	}
	if d := s.order(t, o.ID); d.Order.RefundedTotal != 3500 || d.Order.Status != order.PartiallyRefunded {
		t.Fatalf("order after the return refund: %s refunded %d", d.Order.Status, d.Order.RefundedTotal)
	}

	// A pending card payment confirmed through the test gateway's signed
	// webhook from the order page.
	o2, tok2 := s.place(t, s.cart(t, map[string]int64{v: 1}), "pending")
	p2 := s.pay(t, o2, tok2, payment.CardPending, 201)
	base2 := "/console/orders/" + o2.ID
	wantConsolePage(t, c.do("GET", base2, "", nil), 200, "Test gateway webhook")
	wantSeeOther(t, c.do("POST", "/console/payments/"+p2.ID+"/test-gateway", consoleForm("order", o2.ID, "outcome", "succeeded"), nil), base2)
	if d := s.order(t, o2.ID); d.Order.Status != order.Paid || d.Order.PaidTotal != o2.Total {
		t.Fatalf("after the gateway webhook: %s paid %d", d.Order.Status, d.Order.PaidTotal)
	}
	wantConsolePage(t, c.do("POST", "/console/payments/"+p2.ID+"/test-gateway", consoleForm("order", o2.ID), nil), 400, "payment")

	// Tickets.
	var tk aftersales.Ticket
	c.post("/api/tickets", api.TicketRequest{OrderID: o.ID, Email: "eva@example.com", Kind: aftersales.KindQuestion, Subject: "Lid missing", Body: "The lid is missing."}, 201).json(t, &tk)
	wantConsolePage(t, c.do("GET", "/console/tickets", "", nil), 200, "Lid missing")
	tURL := "/console/tickets/" + tk.ID
	wantConsolePage(t, c.do("GET", tURL, "", nil), 200, "The lid is missing.", "#1001")
	wantSeeOther(t, c.do("POST", tURL+"/reply", consoleForm("body", "We are sending one."), nil), tURL)
	wantSeeOther(t, c.do("POST", tURL+"/status", consoleForm("status", "resolved"), nil), tURL)
	wantConsolePage(t, c.do("GET", tURL, "", nil), 200, "We are sending one.", "resolved")
	wantConsolePage(t, c.do("POST", tURL+"/status", consoleForm("status", "lost"), nil), 400, "status")

	// Checkout settings.
	wantConsolePage(t, c.do("GET", "/console/settings/checkout", "", nil), 200, "colissimo", "TVA | FR |  | 20")
	ship := `{"zones":[{"code":"eu","name":"EU","countries":["FR","DE"],"methods":[{"code":"dhl","label":"DHL","kind":"flat","price":690}]}]}`
	wantSeeOther(t, c.do("POST", "/console/settings/checkout", consoleForm("currency", "EUR", "hold_hours", "24", "return_window_days", "14",
		"tax_inclusive", "1", "tax_rates", "TVA | FR |  | 20\nMwSt | DE | | 19.5", "shipping", ship), nil), "/console/settings/checkout")
	var st checkout.Settings
	c.getJSON("/api/settings/checkout", &st)
	if st.HoldHours != 24 || st.ReturnWindowDays != 14 || len(st.Tax.Rates) != 2 || st.Tax.Rates[1].RatePPM != 195000 || st.Shipping.Zones[0].Methods[0].Price != 690 {
		t.Fatalf("saved settings: %+v", st)
	}
	wantConsolePage(t, c.do("POST", "/console/settings/checkout", consoleForm("currency", "EUR", "hold_hours", "24", "return_window_days", "14", "shipping", "{nope"), nil), 400, "shipping")
	wantConsolePage(t, c.do("POST", "/console/settings/checkout", consoleForm("currency", "EUR", "hold_hours", "24", "return_window_days", "14", "tax_rates", "VAT 20", "shipping", ship), nil), 400, "tax_rates")

	// Mail templates.
	wantConsolePage(t, c.do("GET", "/console/settings/mail", "", nil), 200, "order.placed", "shipment.created")
	wantSeeOther(t, c.do("POST", "/console/settings/mail/order.placed", consoleForm("subject", "Merci ! {{.OrderName}}", "text", "Total {{.Total}}"), nil), "/console/settings/mail")
	wantConsolePage(t, c.do("GET", "/console/settings/mail", "", nil), 200, "Merci ! {{.OrderName}}", "edited")
	wantConsolePage(t, c.do("POST", "/console/settings/mail/order.placed", consoleForm("subject", "{{.Nope", "text", "x"), nil), 400)
	wantSeeOther(t, c.do("POST", "/console/settings/mail/order.placed/reset", "", nil), "/console/settings/mail")
}
