package web_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/aftersales"
	"github.com/wasmart/wasmart/core/loyalty"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/outbox/smtpsink"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/core/review"
	"github.com/wasmart/wasmart/core/shipping"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web/api"
)

// TestCustomerOverview: one view of a customer. A shopper signs up with
// marketing consent, buys twice (one order fulfilled and returned in
// part), reviews, opens a ticket and receives a campaign; the overview
// (API and console page) shows their totals (orders, spent, average,
// first and last order), latest orders, tier, points and ledger, RFM
// group and the saved segments they are in (not the one they are not
// in), reviews with their state, returns, tickets, campaign mails,
// consent and tags. Marketing reads it without orders, tickets and
// returns (named in hidden); customer service without campaign mails; a
// warehouse member may not read it. The number of SQL statements does not
// grow with the customer's orders, reviews, tickets or the shop's
// segments.
func TestCustomerOverview(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, _ := startCommerceServer(t, db)
		s := newTestShop(t, srv, "overview")
		if err := srv.Tenants.ChangePlan(context.Background(), tenants.System(), s.ID, tenants.PlanScale); err != nil {
			t.Fatal(err)
		}
		tee, small, _ := s.tee(t, 20, 0)
		drain := loyaltyWorker(t, srv)
		// 1 point per euro (100 for signing up); Silver from 30.00 spent.
		tiers := loyalty.DefaultTiers()[:2]
		tiers[1].Name, tiers[1].Threshold = "Silver", 3000
		s.enableLoyalty(t, nil, tiers)
		staff := tenancy.WithActor(s.ctx, tenancy.Actor{Kind: "staff", ID: s.OwnerID, Name: "Owner"})

		b := s.buyer(t)
		wantSeeOther(t, b.post("/account/signup", url.Values{"email": {"olga@example.com"}, "password": {shopperPassword}, "accepts_marketing": {"1"}}), "/account")
		buy := func(qty string) *order.Order {
			t.Helper()
			wantSeeOther(t, b.addToCart(small, qty), "/cart")
			id, _ := orderPath(t, b.post("/checkout", checkoutValues(b.checkoutForm(), "olga@example.com", payment.CardSuccess)))
			drain()
			o, err := srv.Services.Orders.Get(staff, id)
			if err != nil {
				t.Fatal(err)
			}
			return o
		}
		o1 := buy("2") // 40.00 + 4.90
		cid := o1.CustomerID
		o := s.Owner
		o.send("PUT", "/api/customers/"+cid, api.CustomerBody{Email: "olga@example.com", FirstName: "Olga", LastName: "K", Tags: []string{"vip", "paris"}}, 200)

		if _, err := srv.Services.Reviews.Submit(staff, review.Submission{OrderID: o1.ID, LineID: o1.Lines[0].ID, Rating: 4, Title: "Soft linen", Body: "Fits well."}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Services.AfterSales.OpenTicket(staff, aftersales.TicketInput{CustomerID: cid, Email: "olga@example.com", Kind: aftersales.KindQuestion,
			Subject: "Where is my parcel", Body: "Hello"}); err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Services.Shipments.Create(staff, o1.ID, shipping.Input{Carrier: "La Poste"}); err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Services.AfterSales.Request(staff, aftersales.RequestInput{OrderID: o1.ID, Reason: "too small",
			Lines: []aftersales.LineQty{{LineID: o1.Lines[0].ID, Quantity: 1}}}); err != nil {
			t.Fatal(err)
		}
		var in, out api.SegmentJSON
		o.send("POST", "/api/segments", api.SegmentRequest{Name: "Buyers", Rules: []api.SegmentRule{{Field: "order_count", Op: "gte", Value: "1"}}}, 201).json(t, &in)
		o.send("POST", "/api/segments", api.SegmentRequest{Name: "Big spenders", Rules: []api.SegmentRule{{Field: "total_spent", Op: "gte", Value: "100000"}}}, 201).json(t, &out)
		if err := srv.Services.Segments.Recompute(s.ctx, true); err != nil {
			t.Fatal(err)
		}
		sink := smtpsink.Start(t)
		w := outbox.NewWorker(db, sink.Config())
		srv.Services.Mailing.Register(w)
		var c api.EmailCampaignJSON
		o.send("POST", "/api/email-campaigns", api.EmailCampaignRequest{Name: "Spring", Subject: "Spring linen", Body: "<p>New</p>", SegmentID: in.ID}, 201).json(t, &c)
		o.send("POST", "/api/email-campaigns/"+c.ID+"/send", nil, 200)
		for i := 0; len(sink.To("olga@example.com")) == 0; i++ {
			if _, err := w.RunOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
			if i == 500 {
				t.Fatal("the campaign mail never arrived")
			}
			time.Sleep(10 * time.Millisecond)
		}
		for n := 1; n > 0; {
			var err error
			if n, err = w.RunOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
		}

		path := "/api/customers/" + cid + "/overview"
		var ov api.CustomerOverview
		o.getJSON(path, &ov)
		if len(ov.Totals) != 1 || ov.Totals[0].Orders != 1 || ov.Totals[0].Spent != 4490 || ov.Totals[0].AOV != 4490 || ov.Totals[0].Currency != "EUR" ||
			ov.Totals[0].FirstOrderAt.IsZero() || !ov.Totals[0].FirstOrderAt.Equal(ov.Totals[0].LastOrderAt) {
			t.Fatalf("totals %+v", ov.Totals)
		}
		if len(ov.Orders) != 1 || ov.Orders[0].ID != o1.ID || ov.Orders[0].Number != o1.Number {
			t.Fatalf("orders %+v", ov.Orders)
		}
		m := ov.Membership
		if m == nil || m.Tier != "Silver" || m.NextTier != "" || m.Balance != 140 || len(m.Entries) != 2 || m.Entries[0].Points != 40 || m.Entries[1].Points != 100 || len(m.TierChanges) != 1 {
			t.Fatalf("membership %+v", m)
		}
		if ov.RFM == nil || ov.RFM.Group != "new" || len(ov.Segments) != 1 || ov.Segments[0].ID != in.ID {
			t.Fatalf("rfm %+v, segments %+v", ov.RFM, ov.Segments)
		}
		if len(ov.Reviews) != 1 || ov.Reviews[0].Status != "pending" || ov.Reviews[0].ProductTitle != "Linen Tee" || ov.Reviews[0].ProductID != tee.ID {
			t.Fatalf("reviews %+v", ov.Reviews)
		}
		if len(ov.Returns) != 1 || ov.Returns[0].OrderID != o1.ID || ov.Returns[0].Status != "requested" {
			t.Fatalf("returns %+v", ov.Returns)
		}
		if len(ov.Tickets) != 1 || ov.Tickets[0].Subject != "Where is my parcel" {
			t.Fatalf("tickets %+v", ov.Tickets)
		}
		if len(ov.Mails) != 1 || ov.Mails[0].Subject != "Spring linen" || ov.Mails[0].SentAt == nil {
			t.Fatalf("mails %+v", ov.Mails)
		}
		if !ov.Customer.AcceptsMarketing || !slices.Equal(ov.Customer.Tags, []string{"paris", "vip"}) && !slices.Equal(ov.Customer.Tags, []string{"vip", "paris"}) || len(ov.Hidden) != 0 {
			t.Fatalf("customer %+v hidden %v", ov.Customer, ov.Hidden)
		}

		// The console page shows the same.
		wantConsolePage(t, o.do("GET", "/console/customers/"+cid, "", nil), 200, `id="ov-spent-EUR">44.90 EUR<`, `id="ov-orders-EUR">1<`,
			`id="ov-aov-EUR">44.90 EUR<`, `id="member-tier">Silver<`, `id="ov-rfm"`, "New customers", `href="/console/segments/`+in.ID+`">Buyers<`,
			"Soft linen", "pending", "Where is my parcel", "requested", "Spring linen", `href="/console/orders/`+o1.ID+`"`, "subscribed", ">vip<")
		if r := o.do("GET", "/console/customers/"+cid, "", nil); strings.Contains(r.Body, "Big spenders") {
			t.Fatal("the page lists a segment the customer is not in")
		}

		// The shopper's own account page: the review waiting for
		// moderation, the return and the question with where they stand.
		wantPage(t, b.get("/account"), 200, `id="my-reviews"`, "Soft linen", "Waiting for approval", `id="my-aftersales"`,
			"Requested, waiting for the shop", "Where is my parcel", "With the shop")

		// Roles: each reads what it may.
		for _, x := range []struct {
			role   string
			hidden []string
		}{{"marketing", []string{"orders", "tickets", "returns"}}, {"customer_service", []string{"mails"}}} {
			cl := srv.staff(s.shop, x.role+"@overview.example.com", x.role)
			var got api.CustomerOverview
			cl.getJSON(path, &got)
			if !slices.Equal(got.Hidden, x.hidden) || len(got.Totals) != 1 {
				t.Fatalf("%s: hidden %v totals %+v", x.role, got.Hidden, got.Totals)
			}
			if x.role == "marketing" && (got.Orders != nil || got.Tickets != nil || len(got.Mails) != 1 || got.Membership == nil) {
				t.Fatalf("marketing reads %+v", got)
			}
			if x.role == "customer_service" && (got.Mails != nil || len(got.Orders) != 1 || len(got.Returns) != 1) {
				t.Fatalf("customer service reads %+v", got)
			}
			wantConsolePage(t, cl.do("GET", "/console/customers/"+cid, "", nil), 200, `id="overview"`)
		}
		wh := srv.staff(s.shop, "wh@overview.example.com", "warehouse")
		if r := wh.do("GET", path, "", nil); r.Status != 403 {
			t.Fatalf("warehouse: %d", r.Status)
		}
		if r := o.do("GET", "/api/customers/no-such-customer/overview", "", nil); r.Status != 404 {
			t.Fatalf("unknown customer: %d %s", r.Status, r.Body)
		}

		// No statement per row: more orders, reviews, tickets and segments
		// cost no more statements.
		counter := &stmtCounter{}
		db.AddQueryHook(counter)
		count := func() int64 {
			counter.n.Store(0)
			o.getJSON(path, &ov)
			return counter.n.Load()
		}
		before := count()
		for i := range 3 {
			oi := buy("1")
			if _, err := srv.Services.Reviews.Submit(staff, review.Submission{OrderID: oi.ID, LineID: oi.Lines[0].ID, Rating: 5, Title: fmt.Sprint("Again ", i), Body: "Yes."}, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := srv.Services.AfterSales.OpenTicket(staff, aftersales.TicketInput{OrderID: oi.ID, Email: "olga@example.com", Kind: aftersales.KindOther, Subject: fmt.Sprint("Note ", i), Body: "x"}); err != nil {
				t.Fatal(err)
			}
			o.send("POST", "/api/segments", api.SegmentRequest{Name: fmt.Sprint("Seg ", i), Rules: []api.SegmentRule{{Field: "order_count", Op: "gte", Value: fmt.Sprint(i + 1)}}}, 201)
		}
		if err := srv.Services.Segments.Recompute(s.ctx, false); err != nil {
			t.Fatal(err)
		}
		after := count()
		if len(ov.Orders) != 4 || len(ov.Reviews) != 4 || len(ov.Tickets) != 4 || len(ov.Segments) != 4 || ov.Totals[0].Orders != 4 {
			t.Fatalf("after more activity: %d orders, %d reviews, %d tickets, segments %+v, totals %+v", len(ov.Orders), len(ov.Reviews), len(ov.Tickets), ov.Segments, ov.Totals)
		}
		t.Logf("%s: %d SQL statements for a customer overview request (%d before three more orders, reviews, tickets and segments)", db.Dialect(), after, before)
		if after != before {
			t.Fatalf("statements grew from %d to %d with more rows", before, after)
		}
	})
}
