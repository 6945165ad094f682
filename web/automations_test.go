package web_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/outbox/smtpsink"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/web/api"
)

var restoreLinkRe = regexp.MustCompile(`href="(http://[^"]+/cart/restore/[^"]+)"`)

// TestAbandonedCartHTTP: a guest gives their e-mail at checkout and
// leaves; the merchant's abandoned-cart automation (on through the API)
// mails them once, through a real SMTP server, with the cart's lines and
// a restore link. Opened in another browser, the link fills that
// browser's cart (signing nobody in); a forged link is a 404. The order
// that browser places (under another address) is attributed to the mail.
func TestAbandonedCartHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, _ := startCommerceServer(t, db)
		s := newTestShop(t, srv, "abandon")
		_, small, _ := s.tee(t, 5, 5)
		if _, _, err := srv.Services.Customers.SignUp(s.ctx, customer.SignUpInput{Email: "ann@example.com", Password: testPassword, FirstName: "Ann", AcceptsMarketing: true}, customer.SessionMeta{}); err != nil {
			t.Fatal(err)
		}
		sink := smtpsink.Start(t)
		w := outbox.NewWorker(db, sink.Config())
		srv.Services.Mailing.Register(w)
		drain := func() {
			t.Helper()
			for range 100 {
				n, err := w.RunOnce(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					return
				}
			}
		}
		o := s.Owner
		if r := o.send("PUT", "/api/mailing/automations/abandoned_cart", api.MailingAutomation{Enabled: true, DelayMinutes: -5}, 400); !strings.Contains(r.Body, "delay_minutes") {
			t.Fatalf("negative delay: %s", r.Body)
		}
		var a api.MailingAutomation
		o.send("PUT", "/api/mailing/automations/abandoned_cart", api.MailingAutomation{Enabled: true, DelayMinutes: 0, Subject: "Still thinking, {name}?"}, 200).json(t, &a)
		if !a.Enabled || a.Kind != "abandoned_cart" || a.Body == "" {
			t.Fatalf("saved: %+v", a)
		}

		// The guest fills the cart, types the e-mail at checkout, leaves.
		ann := s.buyer(t)
		wantSeeOther(t, ann.addToCart(small, "2"), "/cart")
		f := checkoutValues(ann.checkoutForm(), "ann@example.com", "")
		f.Set("action", "update")
		if r := ann.post("/checkout", f); r.Status != 200 {
			t.Fatalf("checkout update: %d", r.Status)
		}
		for range 2 {
			if _, err := srv.Services.Mailing.RunAutomations(context.Background()); err != nil {
				t.Fatal(err)
			}
			drain()
		}
		ms := sink.To("ann@example.com")
		if len(ms) != 1 {
			t.Fatalf("ann got %d mails", len(ms))
		}
		body := qp(ms[0].Body)
		if !strings.Contains(body, "Linen Tee") || !strings.Contains(body, "40.00") {
			t.Fatalf("mail: %s", body)
		}
		m := restoreLinkRe.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no restore link: %s", body)
		}
		u, _ := url.Parse(m[1])
		restore := u.RequestURI()

		// Another browser: the cart comes back, nobody is signed in.
		other := s.buyer(t)
		if r := other.get(restore[:len(restore)-3] + "abc"); r.Status != 404 {
			t.Fatalf("forged restore link: %d", r.Status)
		}
		wantSeeOther(t, other.get(restore), "/cart?done=restored")
		wantPage(t, other.get("/cart?done=restored"), 200, "Linen Tee", "your cart is restored")
		if r := other.get("/account"); r.Status != 303 {
			t.Fatalf("the restore link signed someone in: %d", r.Status)
		}
		orderID, _ := orderPath(t, other.post("/checkout", checkoutValues(other.checkoutForm(), "someone.else@example.com", payment.CardSuccess)))
		drain()
		var campaign string
		if err := db.Read(s.ctx, func(ctx context.Context, q bun.IDB) error {
			return q.NewRaw("SELECT campaign_id FROM mailing_attributions WHERE tenant_id = ? AND order_id = ?", s.ID, orderID).Scan(ctx, &campaign)
		}); err != nil {
			t.Fatalf("order not attributed: %v", err)
		}
		if !strings.HasPrefix(campaign, "auto:abandoned_cart:") {
			t.Fatalf("attributed to %q", campaign)
		}
		var autos api.MailingAutomations
		o.getJSON("/api/mailing/automations", &autos)
		for _, x := range autos.Automations {
			if x.Kind == "abandoned_cart" && (x.Results == nil || x.Results.Sent != 1 || x.Results.Clicked != 1 || x.Results.Orders != 1 || len(x.Results.Revenue) != 1) {
				t.Fatalf("abandoned-cart results: %+v", x.Results)
			}
		}
		wantConsolePage(t, o.do("GET", "/console/email", "", nil), 200, "Abandoned cart", "orders attributed 1")
		// Ann's own cart was not ordered: the round sends nothing again.
		if _, err := srv.Services.Mailing.RunAutomations(context.Background()); err != nil {
			t.Fatal(err)
		}
		drain()
		if n := len(sink.To("ann@example.com")); n != 1 {
			t.Fatalf("ann got %d mails", n)
		}
	})
}
