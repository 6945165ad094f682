package promotion_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// counters is what a Snapshot carries for the evaluator: the limit
// counters of the promotion, its campaign's spent.
func counters(t *testing.T, svc *promotion.Service, ctx context.Context, id string) (used, spent, campaignSpent int64) {
	t.Helper()
	snap, err := svc.Snapshot(ctx, promotion.SnapshotInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range snap.Promotions {
		if p.ID == id {
			return p.Used, p.Spent, p.CampaignSpent
		}
	}
	t.Fatalf("promotion %s not live", id)
	return
}

// raceLimit redeems up to n orders of applied from 5 concurrent shoppers
// (each holding its transaction open a moment after redeeming, so that
// they overlap, and pausing a moment between orders), and once `after` of
// them have been placed calls set with a limit 25 orders above those
// placed so far, racing with the rest. The change takes as long as the
// machine makes it (a loaded SQLite serialises it behind the orders), so
// when more orders than the limit got in before it, the limit is refused
// (the field named) and set is called again with a higher one. It returns
// how many orders were placed and the limit that was set.
func raceLimit(t *testing.T, db *store.DB, ctx context.Context, svc *promotion.Service, n, after int, prefix string, applied []pricing.AppliedPromotion, set func(limit int) error) (placed, limit int) {
	t.Helper()
	var ok, next atomic.Int64
	var wg sync.WaitGroup
	reached := make(chan struct{})
	var once sync.Once
	for w := 0; w < 5; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
					if err := svc.Redeem(ctx, q, promotion.Order{ID: fmt.Sprint(prefix, i), Email: fmt.Sprintf("%s%d@example.com", prefix, i), Currency: "EUR", Total: 9000}, applied); err != nil {
						return err
					}
					time.Sleep(2 * time.Millisecond)
					return nil
				})
				if err == nil {
					if ok.Add(1) == int64(after) {
						once.Do(func() { close(reached) })
					}
				} else if !errs.Is(err, errs.Conflict) {
					t.Errorf("order %d: %v", i, err)
				}
				time.Sleep(2 * time.Millisecond)
			}
		}()
	}
	var setErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-reached
		for range 5 {
			t0 := time.Now()
			limit = int(ok.Load()) + 25
			setErr = set(limit)
			t.Logf("%s: setting the limit to %d took %v, %d orders placed by then", db.Dialect(), limit, time.Since(t0), ok.Load())
			if f := fieldOf(setErr); f != "usage_limit" && f != "budget" {
				return
			}
		}
	}()
	wg.Wait()
	<-done
	if setErr != nil {
		t.Fatalf("setting the limit: %v", setErr)
	}
	return int(ok.Load()), limit
}

// TestLimitSetWhileOrdersRedeem: an automatic promotion without limits
// moves no counter while up to 300 orders redeem it; the merchant sets a
// usage limit midway (after 5 orders, the others racing with the
// change): the orders before it are counted, never more than the limit,
// and the count shown, the redemption records and the limit counter
// agree. The same for a budget set on a campaign midway.
func TestLimitSetWhileOrdersRedeem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := shop("ta")
		svc := promotion.New(db, func() time.Time { return t0 })
		p, err := svc.Create(ctx, promotion.Promotion{Name: "Everyday", Kind: promotion.KindPercentOff, PercentBP: 500, Status: promotion.StatusActive})
		if err != nil {
			t.Fatal(err)
		}
		applied := []pricing.AppliedPromotion{{ID: p.ID, Label: "Everyday", Amount: 450}}
		n, limit := raceLimit(t, db, ctx, svc, 300, 5, "u", applied, func(limit int) error {
			cur, err := svc.Get(ctx, p.ID)
			if err != nil {
				return err
			}
			if used, _, _ := counters(t, svc, ctx, p.ID); used != 0 {
				return fmt.Errorf("an unlimited promotion's counter moved: %d", used)
			}
			cur.UsageLimit = int64(limit)
			_, err = svc.Update(ctx, cur.ID, cur.Version, *cur)
			return err
		})
		if n != limit {
			t.Fatalf("%d orders placed under a usage limit of %d", n, limit)
		}
		got, err := svc.Get(ctx, p.ID)
		if err != nil || got.Used != int64(n) || got.Spent != int64(n)*450 {
			t.Fatalf("shown %+v %v", got, err)
		}
		if used, spent, _ := counters(t, svc, ctx, p.ID); used != int64(n) || spent != int64(n)*450 {
			t.Fatalf("limit counters %d %d", used, spent)
		}
		if st, err := svc.Stats(ctx, promotion.StatsFilter{PromotionID: p.ID}); err != nil || st.Totals[0].Orders != int64(n) {
			t.Fatalf("redemptions %+v %v", st, err)
		}
		// The limit cannot go below what orders already took.
		got.UsageLimit = int64(n - 1)
		if _, err := svc.Update(ctx, got.ID, got.Version, *got); fieldOf(err) != "usage_limit" {
			t.Fatalf("limit below the uses: %v", err)
		}

		// A campaign without a budget, a budget set midway.
		c, err := svc.CreateCampaign(ctx, promotion.Campaign{Name: "Spring", Currency: "EUR"})
		if err != nil {
			t.Fatal(err)
		}
		q, err := svc.Create(ctx, promotion.Promotion{Name: "In spring", CampaignID: c.ID, Kind: promotion.KindAmountOff, Amount: 1000, Currency: "EUR", Status: promotion.StatusActive})
		if err != nil {
			t.Fatal(err)
		}
		n, limit = raceLimit(t, db, ctx, svc, 300, 5, "c", []pricing.AppliedPromotion{{ID: q.ID, Label: "In spring", Amount: 1000}}, func(limit int) error {
			cur, err := svc.Campaign(ctx, c.ID)
			if err != nil {
				return err
			}
			cur.Budget = int64(limit) * 1000
			_, err = svc.UpdateCampaign(ctx, cur.ID, cur.Version, *cur)
			return err
		})
		if n != limit {
			t.Fatalf("%d orders of 1000 under a campaign budget of %d", n, limit*1000)
		}
		if got, err := svc.Campaign(ctx, c.ID); err != nil || got.Spent != int64(n)*1000 {
			t.Fatalf("campaign shown %+v %v", got, err)
		}
		if used, spent, cs := counters(t, svc, ctx, q.ID); used != 0 || spent != 0 || cs != int64(n)*1000 {
			t.Fatalf("counters %d %d, campaign %d", used, spent, cs)
		}
	})
}

// TestUsageShownEqualsRedemptions: for promotions, campaigns and codes
// with limits and without, after orders, a cancellation and a return,
// the usage shown (Get, List, Campaign, Campaigns, Codes) is what the
// redemption records say, and the limit counters the evaluator reads
// agree where there is a limit. Only limited offers move the shop's
// cache token. A per-customer limit set later counts the uses before it.
func TestUsageShownEqualsRedemptions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := shop("ta")
		svc := promotion.New(db, func() time.Time { return t0 })
		camp, err := svc.CreateCampaign(ctx, promotion.Campaign{Name: "Autumn", Currency: "EUR", Budget: 100_000})
		if err != nil {
			t.Fatal(err)
		}
		free, err := svc.Create(ctx, promotion.Promotion{Name: "Free", Kind: promotion.KindPercentOff, PercentBP: 500, Status: promotion.StatusActive, RequiresCode: true})
		if err != nil {
			t.Fatal(err)
		}
		capped, err := svc.Create(ctx, promotion.Promotion{Name: "Capped", CampaignID: camp.ID, Kind: promotion.KindAmountOff, Amount: 1000, Currency: "EUR",
			Status: promotion.StatusActive, UsageLimit: 10, Budget: 50_000})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddCode(ctx, free.ID, "OPEN", 0); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddCode(ctx, free.ID, "TWICE", 2); err != nil {
			t.Fatal(err)
		}
		token := func() string {
			var tok string
			if err := db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
				tok, _, err = promotion.LastChange(ctx, q, "ta", t0)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return tok
		}
		write := func(fn func(ctx context.Context, q bun.IDB) error) {
			t.Helper()
			if err := db.Write(ctx, fn); err != nil {
				t.Fatal(err)
			}
		}
		redeem := func(id, customer, code string, a []pricing.AppliedPromotion) {
			t.Helper()
			write(func(ctx context.Context, q bun.IDB) error {
				return svc.Redeem(ctx, q, promotion.Order{ID: id, CustomerID: customer, Email: customer + "@example.com", Currency: "EUR", Total: 9000}, a)
			})
		}
		before := token()
		for i, code := range []string{"open", "twice", "open", "twice"} {
			redeem(fmt.Sprint("f", i), "cust-a", code, []pricing.AppliedPromotion{{ID: free.ID, Code: code, Label: "Free", Amount: 300}})
		}
		if after := token(); after != before {
			t.Fatal("orders of a promotion without limits changed the pages' cache token")
		}
		for i := 0; i < 3; i++ {
			redeem(fmt.Sprint("c", i), fmt.Sprint("cust-", i), "", []pricing.AppliedPromotion{{ID: capped.ID, Label: "Capped", Amount: 1000}})
		}
		if token() == before {
			t.Fatal("orders of a limited promotion left the cache token as it was")
		}
		// f0 (OPEN) and c0 are cancelled; f1 (TWICE) and c1 return goods
		// worth 100 and 400 of their discount.
		write(func(ctx context.Context, q bun.IDB) error {
			for _, o := range []string{"f0", "c0"} {
				if n, err := svc.Release(ctx, q, o); err != nil || n != 1 {
					return fmt.Errorf("release %s: %d %v", o, n, err)
				}
			}
			if err := svc.Reverse(ctx, q, "f1", promotion.Reversal{Discounts: map[string]int64{free.ID: 100}}); err != nil {
				return err
			}
			return svc.Reverse(ctx, q, "c1", promotion.Reversal{Discounts: map[string]int64{capped.ID: 400}})
		})

		shown := map[string][2]int64{free.ID: {3, 3*300 - 100}, capped.ID: {2, 2*1000 - 400}}
		page, err := svc.List(ctx, promotion.Filter{})
		if err != nil || len(page.Promotions) != 2 {
			t.Fatal(page, err)
		}
		for _, p := range page.Promotions {
			got, err := svc.Get(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range []*promotion.Promotion{&p, got} {
				if w := shown[p.ID]; x.Used != w[0] || x.Spent != w[1] {
					t.Errorf("%s shows %d orders, %d given; want %v", p.Name, x.Used, x.Spent, w)
				}
			}
			st, err := svc.Stats(ctx, promotion.StatsFilter{PromotionID: p.ID})
			if err != nil || st.Totals[0].Orders != got.Used || st.Totals[0].Discount != got.Spent {
				t.Errorf("%s: stats %+v %v", p.Name, st, err)
			}
		}
		lim := shown[capped.ID]
		if got, _ := svc.Get(ctx, capped.ID); got.CampaignSpent != lim[1] {
			t.Errorf("campaign spent shown %d, want %d", got.CampaignSpent, lim[1])
		}
		if used, spent, cs := counters(t, svc, ctx, capped.ID); used != lim[0] || spent != lim[1] || cs != lim[1] {
			t.Errorf("limit counters %d %d %d, want %v", used, spent, cs, lim)
		}
		if used, spent, _ := counters(t, svc, ctx, free.ID); used != 0 || spent != 0 {
			t.Errorf("counters of a promotion without limits moved: %d %d", used, spent)
		}
		cs, err := svc.Campaigns(ctx)
		if err != nil || len(cs) != 1 || cs[0].Spent != lim[1] {
			t.Fatalf("campaigns %+v %v", cs, err)
		}
		codes, err := svc.Codes(ctx, free.ID, promotion.CodeFilter{})
		if err != nil || len(codes.Codes) != 2 {
			t.Fatal(codes, err)
		}
		// OPEN: f2 (f0 cancelled); TWICE: f1 (a partial return keeps the
		// use) and f3.
		for _, c := range codes.Codes {
			if want := map[string]int64{"OPEN": 1, "TWICE": 2}[c.Code]; c.Used != want {
				t.Errorf("code %s shows %d uses, want %d", c.Code, c.Used, want)
			}
		}
		// TWICE has its limit of 2 reached: a third use is refused.
		err = db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			return svc.Redeem(ctx, q, promotion.Order{ID: "f9", Email: "x@example.com", Currency: "EUR", Total: 9000},
				[]pricing.AppliedPromotion{{ID: free.ID, Code: "twice", Label: "Free", Amount: 300}})
		})
		if !errs.Is(err, errs.Conflict) || fieldOf(err) != "codes" {
			t.Fatalf("third use of a two-use code: %v", err)
		}

		// cust-a used Free three times (one more cancelled) with no
		// per-customer limit; a limit of 3 set now counts them.
		p, _ := svc.Get(ctx, free.ID)
		p.PerCustomerLimit = 3
		if _, err := svc.Update(ctx, p.ID, p.Version, *p); err != nil {
			t.Fatal(err)
		}
		snap, err := svc.Snapshot(ctx, promotion.SnapshotInput{CustomerID: "cust-a"})
		if err != nil || snap.Uses[free.ID] != 3 {
			t.Fatalf("uses recounted %v %v", snap.Uses, err)
		}
		again := func(id string) error {
			return db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
				return svc.Redeem(ctx, q, promotion.Order{ID: id, CustomerID: "cust-a", Currency: "EUR", Total: 9000},
					[]pricing.AppliedPromotion{{ID: free.ID, Code: "open", Label: "Free", Amount: 300}})
			})
		}
		if err := again("f10"); !errs.Is(err, errs.Conflict) {
			t.Fatalf("fourth use under a per-customer limit of 3: %v", err)
		}
		write(func(ctx context.Context, q bun.IDB) error { _, err := svc.Release(ctx, q, "f2"); return err })
		if err := again("f11"); err != nil {
			t.Fatalf("after a cancellation: %v", err)
		}
	})
}
