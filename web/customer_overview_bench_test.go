package web_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/aftersales"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/segment"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/web/api"
)

// BenchmarkCustomerOverview: GET /api/customers/{id}/overview and the
// console's customer page for a customer with 300 orders, 20 tickets and
// a membership, in a shop with 30 saved segments (every section read).
func BenchmarkCustomerOverview(b *testing.B) {
	storetest.EachB(b, func(b *testing.B, db *store.DB) {
		srv, _ := startCommerceServer(b, db)
		s := setUpTestShop(b, srv, srv.scaleShop("ovbench"))
		s.enableLoyalty(b, nil, nil)
		staff := tenancy.WithActor(s.ctx, tenancy.Actor{Kind: "staff", ID: s.OwnerID, Name: "Owner"})
		cu, _, err := srv.Services.Customers.SignUp(s.ctx, customer.SignUpInput{Email: "bench@example.com", Password: testPassword, AcceptsMarketing: true}, customer.SessionMeta{})
		if err != nil {
			b.Fatal(err)
		}
		err = db.Write(s.ctx, func(ctx context.Context, q bun.IDB) error {
			for i := range 300 {
				o := &order.Order{Status: order.Paid, CustomerID: cu.ID, Email: cu.Email, Currency: "EUR", Subtotal: 2500, Total: 2500, PaidTotal: 2500,
					Lines: []order.Line{{VariantID: "v", ProductID: "p", Title: fmt.Sprint("Thing ", i), Quantity: 1, UnitPrice: 2500, Subtotal: 2500, Total: 2500}}}
				if err := order.Insert(ctx, q, o); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		for i := range 20 {
			if _, err := srv.Services.AfterSales.OpenTicket(staff, aftersales.TicketInput{CustomerID: cu.ID, Email: cu.Email, Kind: aftersales.KindQuestion,
				Subject: fmt.Sprint("Question ", i), Body: "?"}); err != nil {
				b.Fatal(err)
			}
		}
		for i := range 30 {
			if _, err := srv.Services.Segments.Create(staff, segment.Segment{Name: fmt.Sprint("Segment ", i),
				Rules: []segment.Rule{{Field: "order_count", Op: "gte", Value: fmt.Sprint(i * 10)}}}); err != nil {
				b.Fatal(err)
			}
		}
		if err := srv.Services.Segments.Recompute(s.ctx, true); err != nil {
			b.Fatal(err)
		}
		var ov api.CustomerOverview
		s.Owner.getJSON("/api/customers/"+cu.ID+"/overview", &ov)
		if len(ov.Totals) != 1 || ov.Totals[0].Orders != 300 || len(ov.Segments) != 30 || len(ov.Tickets) != 10 || ov.Membership == nil {
			b.Fatalf("overview: totals %+v, %d segments, %d tickets", ov.Totals, len(ov.Segments), len(ov.Tickets))
		}
		for _, p := range []struct{ name, path string }{{"api", "/api/customers/" + cu.ID + "/overview"}, {"console", "/console/customers/" + cu.ID}} {
			b.Run(p.name, func(b *testing.B) {
				for b.Loop() {
					if r := s.Owner.do("GET", p.path, "", nil); r.Status != 200 {
						b.Fatalf("%d %s", r.Status, r.Body)
					}
				}
			})
		}
	})
}
