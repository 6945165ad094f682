package promotion_test

import (
	"bytes"
	"context"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// seedOrder is one order of the report test: when, who, its money, its
// lines' costs (nil: not recorded) and what the campaign's promotions gave.
type seedOrder struct {
	at                     time.Time
	customer, email        string
	subtotal, discounts    int64
	total                  int64
	costs                  []*int64
	cancel                 bool
	amountOff, shippingOff int64
	refunded, reversed     int64 // money refunded since, and the discount the returned goods carried back
}

func cost(n int64) *int64 { return &n }

// TestCampaignReport seeds orders before and during a two-day campaign
// (one cancelled, one outside the campaign, one line without a cost, a
// returning and two new shoppers, a partly returned campaign order and a
// partly refunded baseline order) and checks every figure of the report
// exactly, with the daily series in UTC and in Shanghai time: revenue is
// net of refunds in the campaign and the baseline alike, the discount net
// of what the return took back.
func TestCampaignReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := shop("ta")
		day := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, time.UTC) }
		svc := promotion.New(db, func() time.Time { return day(20, 0) })
		c, err := svc.CreateCampaign(ctx, promotion.Campaign{Name: "11.11", Currency: "EUR", StartsAt: day(10, 0), EndsAt: day(12, 0)})
		if err != nil {
			t.Fatal(err)
		}
		off, err := svc.Create(ctx, promotion.Promotion{Name: "10 off", CampaignID: c.ID, Kind: promotion.KindAmountOff, Amount: 1000, Currency: "EUR", Status: promotion.StatusActive})
		if err != nil {
			t.Fatal(err)
		}
		ship, err := svc.Create(ctx, promotion.Promotion{Name: "Free delivery", CampaignID: c.ID, Kind: promotion.KindShipping, Currency: "EUR", Status: promotion.StatusActive})
		if err != nil {
			t.Fatal(err)
		}
		seeds := []seedOrder{
			{at: time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC), email: "gina@example.com", subtotal: 100, total: 100, costs: []*int64{cost(10)}, cancel: true},
			// The baseline, 8 and 9 November.
			{at: day(8, 10), email: "alice@example.com", subtotal: 10000, total: 10000, costs: []*int64{cost(6000)}},
			{at: day(9, 12), email: "bob@example.com", subtotal: 5000, total: 5000, costs: []*int64{cost(2000)}, refunded: 1000},
			{at: day(9, 13), email: "carol@example.com", subtotal: 9000, total: 9000, costs: []*int64{cost(1000)}, cancel: true},
			// The window, 10 and 11 November.
			{at: day(10, 9), email: "Alice@example.com", subtotal: 20000, discounts: -1000, total: 19000, costs: []*int64{cost(10000)}, amountOff: 1000},
			{at: day(10, 15), customer: "cust-d", email: "dave@example.com", subtotal: 8000, discounts: -1000, total: 7000, costs: []*int64{cost(2000), nil}, amountOff: 1000, shippingOff: 490},
			{at: day(11, 20), email: "erin@example.com", subtotal: 6000, discounts: -1000, total: 5000, costs: []*int64{cost(3000)}, amountOff: 1000, cancel: true},
			{at: day(11, 10), email: "frank@example.com", subtotal: 4000, total: 4000, costs: []*int64{cost(1000)}},
			{at: day(11, 17), customer: "cust-d", email: "dave@example.com", subtotal: 3000, discounts: -1000, total: 2000, costs: []*int64{cost(1000)}, amountOff: 1000},
			// Gina returns part of her order: 15.00 back, 5.00 of its discount with it.
			{at: day(11, 12), email: "gina@example.com", subtotal: 5000, discounts: -1000, total: 4000, costs: []*int64{cost(2500)}, amountOff: 1000,
				refunded: 1500, reversed: 500},
			// After the window: not in it, not in the baseline.
			{at: day(13, 12), email: "hugo@example.com", subtotal: 7000, total: 7000, costs: []*int64{cost(100)}},
		}
		for _, s := range seeds {
			err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
				o := &order.Order{CustomerID: s.customer, Email: s.email, Currency: "EUR", Subtotal: s.subtotal, Discounts: s.discounts, Total: s.total}
				for _, c := range s.costs {
					o.Lines = append(o.Lines, order.Line{VariantID: "v", Title: "Thing", Quantity: 1, UnitPrice: 1, Subtotal: 1, Total: 1, Cost: c})
				}
				if err := order.Insert(ctx, q, o); err != nil {
					return err
				}
				if _, err := q.NewRaw("UPDATE orders SET placed_at = ? WHERE tenant_id = ? AND id = ?", s.at, "ta", o.ID).Exec(ctx); err != nil {
					return err
				}
				var applied []pricing.AppliedPromotion
				if s.amountOff > 0 {
					applied = append(applied, pricing.AppliedPromotion{ID: off.ID, Label: "10 off", Amount: s.amountOff})
				}
				if s.shippingOff > 0 {
					applied = append(applied, pricing.AppliedPromotion{ID: ship.ID, Label: "Free delivery", Amount: s.shippingOff})
				}
				if err := svc.Redeem(ctx, q, promotion.Order{ID: o.ID, CustomerID: s.customer, Email: s.email, Currency: "EUR", Total: s.total}, applied); err != nil {
					return err
				}
				if s.refunded > 0 {
					if _, err := q.NewRaw("UPDATE orders SET paid_total = total, refunded_total = ? WHERE tenant_id = ? AND id = ?", s.refunded, "ta", o.ID).Exec(ctx); err != nil {
						return err
					}
					if err := svc.Reverse(ctx, q, o.ID, promotion.Reversal{Discounts: map[string]int64{off.ID: s.reversed}, Revenue: s.refunded}); err != nil {
						return err
					}
				}
				if s.cancel {
					return order.Transition(ctx, q, o, order.Cancelled, "", nil)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}

		r, err := svc.CampaignReport(ctx, c.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		// Campaign orders: Alice's, Dave's two and Gina's (Erin's was
		// cancelled). Dave and Gina are new (Gina's only earlier order was
		// cancelled); Alice bought in the baseline. Gina's refund (15.00)
		// leaves revenue and the 5.00 her returned goods carried leaves the
		// discount; margins count goods as sold, so the incremental margin
		// adds back the goods discount as given (35.00 + 5.00). Bob's
		// refund (10.00) leaves the baseline's revenue.
		want := promotion.Report{CampaignID: c.ID, Currency: "EUR", From: day(10, 0), To: day(12, 0), BaselineFrom: day(8, 0),
			Orders: 4, Customers: 3, NewCustomers: 2, Revenue: 19000 + 7000 + 2000 + 4000 - 1500, Discount: 4490 - 500, ShippingDiscount: 490, Reversed: 500,
			AverageOrder: 7625, Cost: 10000 + 2000 + 1000 + 2500, UncostedLines: 1, Margin: 9000 + 5000 + 1000 + 1500,
			WindowOrders: 5, WindowMargin: 16500 + 3000,
			BaselineOrders: 2, BaselineRevenue: 15000 - 1000, BaselineAverage: 7000, BaselineMargin: 4000 + 3000,
			IncrementalMargin: 19500 + (3990 - 490 + 500) - 7000}
		got := *r
		got.ROI, got.Days = nil, nil
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("report\n got %+v\nwant %+v", got, want)
		}
		if r.ROI == nil || math.Abs(*r.ROI-float64(16500-3990)/3990) > 1e-12 {
			t.Fatalf("roi %v", r.ROI)
		}
		wantDays := []promotion.ReportDay{{"2026-11-10", 2, 26000, 2490}, {"2026-11-11", 2, 6000 - 1500, 2000 - 500}}
		if len(r.Days) != len(wantDays) || r.Days[0] != wantDays[0] || r.Days[1] != wantDays[1] {
			t.Fatalf("days %+v", r.Days)
		}
		var buf bytes.Buffer
		if err := r.WriteCSV(&buf); err != nil || buf.String() != "date,orders,revenue,discount,currency\n2026-11-10,2,260.00,24.90,EUR\n2026-11-11,2,45.00,15.00,EUR\ntotal,4,305.00,39.90,EUR\n" {
			t.Fatalf("csv %q %v", buf.String(), err)
		}
		// In Shanghai (UTC+8) Dave's second order falls on the 12th.
		sh, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			t.Fatal(err)
		}
		r, err = svc.CampaignReport(ctx, c.ID, sh)
		if err != nil {
			t.Fatal(err)
		}
		wantDays = []promotion.ReportDay{{"2026-11-10", 2, 26000, 2490}, {"2026-11-11", 1, 4000 - 1500, 1000 - 500}, {"2026-11-12", 1, 2000, 1000}}
		if len(r.Days) != 3 || r.Days[0] != wantDays[0] || r.Days[1] != wantDays[1] || r.Days[2] != wantDays[2] || r.Orders != 4 {
			t.Fatalf("Shanghai days %+v", r.Days)
		}

		// A campaign not started yet has nothing to judge; no discount, no ROI.
		later, err := svc.CreateCampaign(ctx, promotion.Campaign{Name: "Christmas", StartsAt: day(30, 0)})
		if err != nil {
			t.Fatal(err)
		}
		r, err = svc.CampaignReport(ctx, later.ID, nil)
		if err != nil || r.Orders != 0 || r.ROI != nil || !r.From.IsZero() || len(r.Days) != 0 || r.BaselineOrders != 0 {
			t.Fatalf("scheduled campaign: %+v %v", r, err)
		}
		// Another shop cannot read it.
		if _, err := svc.CampaignReport(shop("tb"), c.ID, nil); !errs.Is(err, errs.NotFound) {
			t.Fatalf("other shop: %v", err)
		}
	})
}
