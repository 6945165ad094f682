package inventory

import (
	"context"
	"fmt"
	"math/rand"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

func shop(id string) context.Context { return tenancy.WithTenant(context.Background(), id) }

// variants creates one product with n variants and returns their ids.
func variants(t testing.TB, db *store.DB, ctx context.Context, n int, safety int64, backorder bool) []string {
	t.Helper()
	cat := catalog.New(db, catalog.Options{})
	in := catalog.ProductInput{Title: fmt.Sprintf("P %d", rand.Int()), Options: []string{"Size"}}
	for i := 0; i < n; i++ {
		in.Variants = append(in.Variants, catalog.VariantInput{SKU: fmt.Sprintf("SKU-%d-%d", rand.Int(), i), Options: [3]string{fmt.Sprint(i)}, Price: 100, SafetyStock: safety, AllowBackorder: backorder})
	}
	p, err := cat.Create(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range p.Variants {
		ids = append(ids, v.ID)
	}
	return ids
}

func total(t testing.TB, s *Service, ctx context.Context, v string) (on, av, res int64) {
	t.Helper()
	ls, err := s.Levels(ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		if l.OnHand != l.Available+l.Reserved {
			t.Fatalf("invariant broken: %+v", l)
		}
		on, av, res = on+l.OnHand, av+l.Available, res+l.Reserved
	}
	return
}

func TestNoOversell(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := shop("t1")
		s := New(db, Options{})
		v := variants(t, db, ctx, 1, 0, false)[0]
		if err := s.Receive(ctx, v, "", 1, "po-1"); err != nil {
			t.Fatal(err)
		}
		var ok, conflict atomic.Int64
		var negative atomic.Bool
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := 0; i < 200; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-start
				_, err := s.Reserve(ctx, []Line{{VariantID: v, Quantity: 1}}, time.Minute, fmt.Sprintf("cart-%d", i))
				switch {
				case err == nil:
					ok.Add(1)
				case errs.Is(err, errs.Conflict):
					conflict.Add(1)
				default:
					t.Error(err)
				}
				if i%10 == 0 {
					if ls, err := s.Levels(ctx, v); err == nil {
						for _, l := range ls {
							if l.Available < 0 || l.Reserved < 0 || l.OnHand != l.Available+l.Reserved {
								negative.Store(true)
							}
						}
					}
				}
			}(i)
		}
		close(start)
		wg.Wait()
		if ok.Load() != 1 || conflict.Load() != 199 || negative.Load() {
			t.Fatalf("ok=%d conflict=%d negative=%v", ok.Load(), conflict.Load(), negative.Load())
		}
		on, av, res := total(t, s, ctx, v)
		if on != 1 || av != 0 || res != 1 {
			t.Fatalf("on=%d av=%d res=%d", on, av, res)
		}
	})
}

func TestInventoryInvariant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := shop("t1")
		s := New(db, Options{})
		vs := variants(t, db, ctx, 3, 0, false)
		bo := variants(t, db, ctx, 1, 0, true)
		vs = append(vs, bo...)
		locA, _ := s.CreateLocation(ctx, "A", "")
		locB, _ := s.CreateLocation(ctx, "B", "")
		locs := []string{locA.ID, locB.ID}
		rng := rand.New(rand.NewSource(42))
		var active []string
		for step := 0; step < 400; step++ {
			v := vs[rng.Intn(len(vs))]
			loc := locs[rng.Intn(2)]
			q := int64(rng.Intn(5) + 1)
			var err error
			switch op := rng.Intn(7); op {
			case 0:
				err = s.Receive(ctx, v, loc, q, "po")
			case 1:
				if q != 3 {
					err = s.Adjust(ctx, v, loc, q-3, "count")
				}
			case 2:
				var rs []Reservation
				rs, err = s.Reserve(ctx, []Line{{VariantID: v, Quantity: q}}, time.Minute, "cart")
				for _, r := range rs {
					active = append(active, r.ID)
				}
			case 3, 4:
				if len(active) > 0 {
					i := rng.Intn(len(active))
					id := active[i]
					active = append(active[:i], active[i+1:]...)
					if op == 3 {
						err = s.Release(ctx, id)
					} else {
						err = s.Commit(ctx, id, "order")
					}
				}
			case 5:
				err = s.Sell(ctx, v, loc, q, "pos")
			case 6:
				err = s.Return(ctx, v, loc, q, "rma")
			}
			if err != nil && !errs.Is(err, errs.Conflict) {
				t.Fatalf("step %d: %v", step, err)
			}
		}
		// Every level matches its ledger and the invariant.
		for _, v := range vs {
			ls, _ := s.Levels(ctx, v)
			for _, l := range ls {
				if l.OnHand != l.Available+l.Reserved || l.Reserved < 0 {
					t.Fatalf("invariant: %+v", l)
				}
				if l.Available < 0 && v != bo[0] {
					t.Fatalf("negative without backorder: %+v", l)
				}
			}
			var sums []struct {
				LocationID string `bun:"location_id"`
				On         int64  `bun:"onh"`
				Av         int64  `bun:"av"`
				Res        int64  `bun:"res"`
			}
			err := db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
				return q.NewRaw("SELECT location_id, SUM(on_hand_delta) AS onh, SUM(available_delta) AS av, SUM(reserved_delta) AS res FROM inventory_movements WHERE tenant_id = ? AND variant_id = ? GROUP BY location_id ORDER BY location_id", "t1", v).Scan(ctx, &sums)
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(sums) != len(ls) {
				t.Fatalf("ledger has %d locations, levels %d", len(sums), len(ls))
			}
			for i, sm := range sums {
				l := ls[i]
				if sm.LocationID != l.LocationID || sm.On != l.OnHand || sm.Av != l.Available || sm.Res != l.Reserved {
					t.Fatalf("ledger %+v != level %+v", sm, l)
				}
			}
		}
	})
}

type notes struct {
	mu     sync.Mutex
	alerts []LowStockAlert
}

func (n *notes) LowStock(ctx context.Context, q bun.IDB, a LowStockAlert) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.alerts = append(n.alerts, a)
	return nil
}

func TestReservationsLowStockTurnover(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := shop("t1")
		n := &notes{}
		clock := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		s := New(db, Options{Notifier: n, Now: func() time.Time { return clock }})
		vs := variants(t, db, ctx, 2, 5, false)
		v, w := vs[0], vs[1]
		if err := s.Receive(ctx, v, "", 10, "po"); err != nil {
			t.Fatal(err)
		}
		if err := s.Receive(ctx, "nope", "", 1, ""); !errs.Is(err, errs.NotFound) {
			t.Fatalf("unknown variant: %v", err)
		}
		if err := s.Receive(shop("t2"), v, "", 1, ""); errs.CodeOf(err) == "" {
			t.Fatal("another shop received stock into this variant")
		}
		// All-or-nothing: w has no stock, so neither line is reserved.
		if _, err := s.Reserve(ctx, []Line{{VariantID: v, Quantity: 2}, {VariantID: w, Quantity: 1}}, 0, "c1"); !errs.Is(err, errs.Conflict) || err.(*errs.Error).Field != "lines[1].quantity" {
			t.Fatalf("partial: %v", err)
		}
		if _, av, _ := total(t, s, ctx, v); av != 10 {
			t.Fatalf("failed reserve left av=%d", av)
		}
		rs, err := s.Reserve(ctx, []Line{{VariantID: v, Quantity: 4}}, time.Minute, "c2")
		if err != nil {
			t.Fatal(err)
		}
		if len(n.alerts) != 0 {
			t.Fatalf("early alert %+v", n.alerts)
		}
		rs2, err := s.Reserve(ctx, []Line{{VariantID: v, Quantity: 2}}, time.Minute, "c3")
		if err != nil {
			t.Fatal(err)
		}
		if len(n.alerts) != 1 || n.alerts[0].Available != 4 || n.alerts[0].SafetyStock != 5 {
			t.Fatalf("alerts %+v", n.alerts)
		}
		low, err := s.LowStock(ctx, 0)
		if err != nil || len(low) != 2 || low[0].VariantID != w || low[1].Available != 4 {
			t.Fatalf("low stock %+v %v", low, err)
		}
		if err := s.Commit(ctx, rs[0].ID, "order-1"); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx, rs[0].ID, "order-1"); !errs.Is(err, errs.Conflict) {
			t.Fatalf("double commit: %v", err)
		}
		if on, av, res := total(t, s, ctx, v); on != 6 || av != 4 || res != 2 {
			t.Fatalf("after commit on=%d av=%d res=%d", on, av, res)
		}
		clock = clock.Add(2 * time.Minute)
		if k, err := s.ExpireDue(tenancy.WithPlatform(context.Background()), 0); err != nil || k != 1 {
			t.Fatalf("expired %d %v", k, err)
		}
		if err := s.Release(ctx, rs2[0].ID); !errs.Is(err, errs.Conflict) {
			t.Fatalf("release expired: %v", err)
		}
		if on, av, res := total(t, s, ctx, v); on != 6 || av != 6 || res != 0 {
			t.Fatalf("after expiry on=%d av=%d res=%d", on, av, res)
		}
		if err := s.Sell(ctx, v, "", 7, "pos"); !errs.Is(err, errs.Conflict) {
			t.Fatalf("oversell: %v", err)
		}
		if err := s.Adjust(ctx, v, "", -1, ""); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("adjust without reason: %v", err)
		}
		if err := s.Return(ctx, v, "", 1, "rma-1"); err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(time.Hour)
		tv, err := s.TurnoverFor(ctx, clock.Add(-2*time.Hour), clock.Add(time.Second))
		if err != nil || len(tv) != 1 || tv[0].UnitsSold != 3 || tv[0].OpeningOnHand != 0 || tv[0].ClosingOnHand != 7 {
			t.Fatalf("turnover %+v %v", tv, err)
		}
		mv, err := s.Movements(ctx, v, "", 0)
		if err != nil || len(mv) != 6 || mv[0].Kind != Returned || mv[len(mv)-1].Kind != Received {
			t.Fatalf("movements %d %v", len(mv), err)
		}
		locs, _ := s.Locations(ctx)
		rows, err := s.ByLocation(ctx, locs[0].ID, "", 0)
		if err != nil || len(rows) != 1 || rows[0].OnHand != 7 || rows[0].SafetyStock != 5 {
			t.Fatalf("by location %+v %v", rows, err)
		}
		// Backorder variant may go below zero.
		b := variants(t, db, ctx, 1, 0, true)[0]
		if _, err := s.Reserve(ctx, []Line{{VariantID: b, Quantity: 3}}, 0, "c9"); err != nil {
			t.Fatal(err)
		}
		if on, av, res := total(t, s, ctx, b); on != 0 || av != -3 || res != 3 {
			t.Fatalf("backorder on=%d av=%d res=%d", on, av, res)
		}
		var st map[string]catalog.Stock
		err = db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
			st, err = s.StockFor(ctx, q, "t1", []string{v, b})
			return err
		})
		if err != nil || st[v].Available != 7 || st[b].Reserved != 3 {
			t.Fatalf("stock for %+v %v", st, err)
		}
	})
}

func TestCatalogRefusesDeletingReservedVariant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := shop("t1")
		inv := New(db, Options{})
		cat := catalog.New(db, catalog.Options{Stock: inv, StockSink: inv})
		p, err := cat.Create(ctx, catalog.ProductInput{Title: "Cup", Options: []string{"Size"}, Variants: []catalog.VariantInput{
			{SKU: "C-S", Options: [3]string{"S"}, Price: 100}, {SKU: "C-L", Options: [3]string{"L"}, Price: 200}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := inv.Receive(ctx, p.Variants[1].ID, "", 5, ""); err != nil {
			t.Fatal(err)
		}
		rs, err := inv.Reserve(ctx, []Line{{VariantID: p.Variants[1].ID, Quantity: 2}}, 0, "cart")
		if err != nil {
			t.Fatal(err)
		}
		keep := catalog.ProductInput{Title: "Cup", Options: []string{"Size"}, Variants: []catalog.VariantInput{{ID: p.Variants[0].ID, SKU: "C-S", Options: [3]string{"S"}, Price: 100}}}
		if _, err := cat.Update(ctx, p.ID, 0, keep); !errs.Is(err, errs.Conflict) {
			t.Fatalf("deleting a reserved variant: %v", err)
		}
		if err := inv.Release(ctx, rs[0].ID); err != nil {
			t.Fatal(err)
		}
		u, err := cat.Update(ctx, p.ID, 0, keep)
		if err != nil || len(u.Variants) != 1 || u.Variants[0].Stock == nil {
			t.Fatalf("after release: %+v %v", u, err)
		}
	})
}

// TestMovedProducts: the products whose stock moved since a time, from
// the ledger's id range: the shop's own only, each once, at most limit.
func TestMovedProducts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, b := shop("ta"), shop("tb")
		s := New(db, Options{})
		cat := catalog.New(db, catalog.Options{})
		p1, p2 := variants(t, db, a, 2, 0, false), variants(t, db, a, 1, 0, false)
		quiet := variants(t, db, a, 1, 0, false)[0]
		other := variants(t, db, b, 1, 0, false)[0]
		if err := s.Receive(a, quiet, "", 5, "po"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
		before := time.Now()
		for _, v := range []string{p1[0], p1[1], p2[0], p1[0]} {
			if err := s.Receive(a, v, "", 5, "po"); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Receive(b, other, "", 5, "po"); err != nil {
			t.Fatal(err)
		}
		moved := func(since time.Time, limit int) []string {
			t.Helper()
			var ids []string
			err := db.Read(a, func(ctx context.Context, q bun.IDB) (err error) {
				ids, err = MovedProducts(ctx, q, "ta", since, limit)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			sort.Strings(ids)
			return ids
		}
		productOf := func(v string) string {
			t.Helper()
			p, err := cat.ProductOfVariant(a, v)
			if err != nil {
				t.Fatal(err)
			}
			return p.ID
		}
		want := []string{productOf(p1[0]), productOf(p2[0])}
		sort.Strings(want)
		if got := moved(before, 10); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("moved %v, want %v", got, want)
		}
		if got := moved(before, 1); len(got) != 1 {
			t.Fatalf("limit 1: %v", got)
		}
		if got := moved(time.Now().Add(time.Second), 10); len(got) != 0 {
			t.Fatalf("since the future: %v", got)
		}
	})
}
