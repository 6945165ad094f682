package web_test

import (
	"context"
	"io"
	"mime/quotedprintable"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/outbox/smtpsink"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web/api"
)

var (
	unsubRe = regexp.MustCompile(`<(http://[^>]+/mail/unsubscribe/[^>]+)>`)
	clickRe = regexp.MustCompile(`href="(http://[^"]+/mail/click/[^"]+)"`)
	openRe  = regexp.MustCompile(`src="(http://[^"]+/mail/open/[^"]+)"`)
)

// TestMailingHTTP drives e-mail campaigns over HTTP: the merchant creates
// and sends one through the API (bad input names the field); the mail
// reaches a real SMTP server with List-Unsubscribe headers; on the shop
// host without login the unsubscribe page shows a confirm button and its
// POST unsubscribes, a mail client's one-click POST (no cookies, no CSRF
// token) unsubscribes directly, a forged token is a 404 page; the click
// link redirects to the shop's own path only — a foreign or
// protocol-relative target, or a changed path, is a 404, never a
// redirect; the open image counts once; results show it all. In the
// console a marketing staff member may use the pages, a warehouse one gets
// 403.
func TestMailingHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := startServer(t, db)
		sh := srv.signup("mailshop")
		if err := srv.Tenants.ChangePlan(context.Background(), tenants.System(), sh.ID, tenants.PlanScale); err != nil {
			t.Fatal(err)
		}
		ctx := tenancy.WithTenant(context.Background(), sh.ID)
		for _, e := range []string{"ann@example.com", "bob@example.com"} {
			if _, _, err := srv.Services.Customers.SignUp(ctx, customer.SignUpInput{Email: e, Password: testPassword, AcceptsMarketing: true}, customer.SessionMeta{}); err != nil {
				t.Fatal(err)
			}
		}
		p, err := srv.Services.Catalog.Create(ctx, catalog.ProductInput{Title: "Wool Scarf", Handle: "wool-scarf", Status: catalog.Published, Currency: "EUR",
			Variants: []catalog.VariantInput{{SKU: "SC-1", Price: 3500}}})
		if err != nil {
			t.Fatal(err)
		}
		sink := smtpsink.Start(t)
		w := outbox.NewWorker(db, sink.Config())
		srv.Services.Mailing.Register(w)
		o := sh.Owner

		r := o.send("POST", "/api/email-campaigns", api.EmailCampaignRequest{Subject: "", SegmentID: "all"}, 400)
		if !strings.Contains(r.Body, `"subject"`) {
			t.Fatalf("empty subject: %s", r.Body)
		}
		var bad api.EmailCampaignJSON
		o.send("POST", "/api/email-campaigns", api.EmailCampaignRequest{Subject: "x", SegmentID: "no-such-segment"}, 201).json(t, &bad)
		if r := o.send("POST", "/api/email-campaigns/"+bad.ID+"/send", nil, 400); !strings.Contains(r.Body, "segment_id") {
			t.Fatalf("unknown segment: %s", r.Body)
		}
		var c api.EmailCampaignJSON
		o.send("POST", "/api/email-campaigns", api.EmailCampaignRequest{Subject: "Winter wool", Body: "<p>Warm</p>", ProductIDs: []string{p.ID}, SegmentID: "all"}, 201).json(t, &c)
		o.send("POST", "/api/email-campaigns/"+c.ID+"/send", nil, 200)
		for range 200 {
			if n, err := w.RunOnce(context.Background()); err != nil {
				t.Fatal(err)
			} else if n == 0 && len(sink.Mail()) >= 2 {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		ann, bob := sink.To("ann@example.com"), sink.To("bob@example.com")
		if len(ann) != 1 || len(bob) != 1 {
			t.Fatalf("mails: ann %d, bob %d", len(ann), len(bob))
		}
		if ann[0].Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Fatalf("headers %v", ann[0].Header)
		}
		local := func(raw string) string { // the shop URL with the test server's port
			u, _ := url.Parse(raw)
			return u.RequestURI()
		}
		annUnsub := local(unsubRe.FindStringSubmatch(ann[0].Header.Get("List-Unsubscribe"))[1])
		bobUnsub := local(unsubRe.FindStringSubmatch(bob[0].Header.Get("List-Unsubscribe"))[1])
		html := qp(ann[0].Body)
		click := local(strings.ReplaceAll(clickRe.FindStringSubmatch(html)[1], "&amp;", "&"))
		open := local(openRe.FindStringSubmatch(html)[1])

		env := &shopEnv{t: t, srv: srv}
		shopper := env.clientFor(sh.Slug)
		// The page without login: a confirm button, the address masked.
		r = shopper.get(annUnsub)
		if r.Status != 200 || !strings.Contains(r.Body, "a***@example.com") || !strings.Contains(r.Body, `<button type="submit">Unsubscribe</button>`) {
			t.Fatalf("unsubscribe page: %d %s", r.Status, cut(r.Body))
		}
		if r := shopper.get(annUnsub + "x"); r.Status != 404 || !strings.Contains(r.Body, "not valid") {
			t.Fatalf("forged token: %d %s", r.Status, cut(r.Body))
		}
		if r := shopper.post(annUnsub, url.Values{}); r.Status != 200 || !strings.Contains(r.Body, "You are unsubscribed") {
			t.Fatalf("unsubscribe form: %d %s", r.Status, cut(r.Body))
		}
		// RFC 8058 one-click: a mail client's POST, no cookies, no token.
		mailClient := env.clientFor(sh.Slug)
		if r := mailClient.do("POST", bobUnsub, strings.NewReader("List-Unsubscribe=One-Click"), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}); r.Status != 200 {
			t.Fatalf("one-click: %d %s", r.Status, cut(r.Body))
		}
		subs, _, err := srv.Services.Customers.Subscribers(ctx, "", 10)
		if err != nil || len(subs) != 0 {
			t.Fatalf("still subscribed: %+v %v", subs, err)
		}

		// Click: the signed path only.
		r = shopper.get(click)
		if r.Status != 302 || r.Header.Get("Location") != "/products/wool-scarf" {
			t.Fatalf("click: %d %q", r.Status, r.Header.Get("Location"))
		}
		cu, _ := url.Parse(click)
		for _, target := range []string{"https://evil.example/", "//evil.example/x", "/account", `/\evil.example`} {
			q := cu.Query()
			q.Set("u", target)
			if r := shopper.get(cu.Path + "?" + q.Encode()); r.Status != 404 || r.Header.Get("Location") != "" {
				t.Fatalf("click to %q: %d %q", target, r.Status, r.Header.Get("Location"))
			}
		}
		for range 2 {
			if r := shopper.get(open); r.Status != 200 || r.Header.Get("Content-Type") != "image/gif" {
				t.Fatalf("open: %d %s", r.Status, r.Header.Get("Content-Type"))
			}
		}
		if r := shopper.get("/mail/open/forged.token"); r.Status != 200 {
			t.Fatalf("forged open: %d", r.Status)
		}
		var res api.EmailCampaignResults
		o.getJSON("/api/email-campaigns/"+c.ID+"/results", &res)
		if res.Sent != 2 || res.Delivered != 2 || res.Opened != 1 || res.Clicked != 1 || res.Unsubscribed != 2 {
			t.Fatalf("results %+v", res)
		}

		// A saved segment as the audience: its members ∩ consent, minus
		// the unsubscribed.
		for _, e := range []struct {
			email   string
			consent bool
		}{{"dee@example.com", true}, {"eve@example.com", false}} {
			if _, _, err := srv.Services.Customers.SignUp(ctx, customer.SignUpInput{Email: e.email, Password: testPassword, AcceptsMarketing: e.consent}, customer.SessionMeta{}); err != nil {
				t.Fatal(err)
			}
		}
		var sg api.SegmentJSON
		o.send("POST", "/api/segments", api.SegmentRequest{Name: "Everyone", Rules: []api.SegmentRule{{Field: "order_count", Op: "gte", Value: "0"}}}, 201).json(t, &sg)
		var sc api.EmailCampaignJSON
		o.send("POST", "/api/email-campaigns", api.EmailCampaignRequest{Subject: "Segment news", Body: "<p>Hi</p>", SegmentID: sg.ID}, 201).json(t, &sc)
		o.send("POST", "/api/email-campaigns/"+sc.ID+"/send", nil, 200)
		for range 200 {
			if n, err := w.RunOnce(context.Background()); err != nil {
				t.Fatal(err)
			} else if n == 0 && len(sink.To("dee@example.com")) == 1 {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if len(sink.To("dee@example.com")) != 1 || len(sink.To("eve@example.com")) != 0 || len(sink.To("ann@example.com")) != 1 || len(sink.To("bob@example.com")) != 1 {
			t.Fatalf("segment campaign: dee %d, eve %d, ann %d, bob %d", len(sink.To("dee@example.com")), len(sink.To("eve@example.com")),
				len(sink.To("ann@example.com")), len(sink.To("bob@example.com")))
		}

		// Console: marketing may, warehouse may not.
		mk := srv.staff(sh, "mk@example.com", "marketing")
		wantConsolePage(t, mk.do("GET", "/console/email", "", nil), 200, "Winter wool", `href="/console/email"`)
		wantConsolePage(t, mk.do("GET", "/console/email/"+c.ID, "", nil), 200, "Delivered", "Opened (approximate")
		r = mk.do("POST", "/console/email", consoleForm("subject", "From the console", "body", "<p>hi</p>", "segment_id", "all", "products", p.ID), nil)
		wantSeeOther(t, r, "/console/email/")
		// A refused form is shown again with the error and its field (the
		// form's own field names are on the page anyway, so the error
		// paragraph is what is checked).
		r = mk.do("POST", "/console/email", consoleForm("subject", "", "segment_id", "all"), nil)
		wantConsolePage(t, r, 400, `id="form-error">is required <span class="field">(subject)</span>`)
		wantSeeOther(t, mk.do("POST", "/console/email/automations/tier_upgrade", consoleForm("enabled", "on", "delay_minutes", "5", "subject", "Now {tier}"), nil), "/console/email")
		wantConsolePage(t, mk.do("POST", "/console/email/automations/tier_upgrade", consoleForm("delay_minutes", "-3"), nil), 400,
			`id="form-error">`, `must be between 0 and 43200 (30 days) <span class="field">(delay_minutes)</span>`)
		wantConsolePage(t, mk.do("POST", "/console/email/settings", consoleForm("rate_per_second", "0", "attribution_days", "7"), nil), 400,
			`id="form-error">`, `<span class="field">(rate_per_second)</span>`)
		wantConsolePage(t, mk.do("POST", "/console/email/"+c.ID+"/schedule", consoleForm("send_at", "tomorrow"), nil), 400,
			`id="form-error">`, `<span class="field">(send_at)</span>`)
		if r := mk.do("GET", "/console/email", "", nil); strings.Contains(r.Body, `id="form-error"`) {
			t.Errorf("the campaigns page shows an error without one: %s", cut(r.Body))
		}
		wantConsolePage(t, mk.do("GET", "/console/email", "", nil), 200, "Abandoned cart", "Win-back", "Birthday", `name="promotion_id"`)
		wantSeeOther(t, mk.do("POST", "/console/email/automations/abandoned_cart", consoleForm("enabled", "on", "delay_minutes", "120"), nil), "/console/email")
		wantConsolePage(t, mk.do("POST", "/console/email/automations/win_back", consoleForm("enabled", "on", "delay_minutes", "0", "promotion_id", "no-such-promotion"), nil), 400,
			`id="form-error">`, `<span class="field">(promotion_id)</span>`)
		wantSeeOther(t, mk.do("POST", "/console/email/automations/win_back", consoleForm("enabled", "on", "delay_minutes", "0", "segment_id", sg.ID), nil), "/console/email")
		var autos api.MailingAutomations
		o.getJSON("/api/mailing/automations", &autos)
		if len(autos.Automations) != 4 || autos.Automations[0].Kind != "tier_upgrade" || !autos.Automations[0].Enabled || autos.Automations[0].DelayMinutes != 5 ||
			autos.Automations[1].Kind != "abandoned_cart" || autos.Automations[1].DelayMinutes != 120 || autos.Automations[2].SegmentID != sg.ID {
			t.Fatalf("automations: %+v", autos)
		}
		wh := srv.staff(sh, "wh@example.com", "warehouse")
		for _, x := range []struct{ m, p string }{{"GET", "/console/email"}, {"GET", "/console/email/" + c.ID}, {"POST", "/console/email/" + c.ID + "/send"}, {"POST", "/console/email/automations/tier_upgrade"}} {
			if r := wh.do(x.m, x.p, "", nil); r.Status != 403 {
				t.Errorf("warehouse %s %s: %d", x.m, x.p, r.Status)
			}
		}
		if r := wh.do("GET", "/api/email-campaigns", "", nil); r.Status != 403 {
			t.Errorf("warehouse API: %d", r.Status)
		}
		var list api.EmailCampaignList
		o.getJSON("/api/email-campaigns", &list)
		if len(list.Campaigns) != 4 {
			t.Fatalf("campaigns: %d", len(list.Campaigns))
		}
	})
}

func qp(s string) string {
	b, _ := io.ReadAll(quotedprintable.NewReader(strings.NewReader(s)))
	return string(b)
}
