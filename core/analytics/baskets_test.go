package analytics

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// putBasket inserts an order of the given products (one line each) placed
// at at.
func putBasket(t testing.TB, db *store.DB, tenant string, at time.Time, status order.Status, products ...string) {
	t.Helper()
	err := db.Write(shop(tenant), func(ctx context.Context, q bun.IDB) error {
		o := &order.Order{Email: "a@example.com", Currency: "EUR", Status: status}
		for i, p := range products {
			o.Lines = append(o.Lines, order.Line{VariantID: p + "-v" + string(rune('0'+i)), ProductID: p, Title: p, Quantity: 1, UnitPrice: 100, Subtotal: 100, Total: 100})
			o.Subtotal += 100
			o.Total += 100
		}
		if err := order.Insert(ctx, q, o); err != nil {
			return err
		}
		_, err := q.ExecContext(ctx, "UPDATE orders SET placed_at = ?, updated_at = ? WHERE tenant_id = ? AND id = ?", at, at, tenant, o.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestBasketRules mines a hand-computed basket set. Ten counted orders in
// the window (pb bread, pm milk, pe eggs, pj jam):
//
//	{b,m} {b,m,e} {b,m} {b,e} {m,e} {b,m,j} {j} {b,b'} {m} {b,m,e}
//
// so N = 10, n(b) = 7, n(m) = 7, n(e) = 4, n(j) = 2; n(b∧m) = 5,
// n(b∧e) = 3, n(m∧e) = 3, n(b∧j) = n(m∧j) = 1. A cancelled {b,j}, an
// {e,j} placed before the window and another shop's orders do not count.
// With min support 0.2 and min confidence 0.5 the rules are
//
//	e→b, e→m: support 0.3, confidence 3/4, lift 3·10/(4·7) = 15/14
//	b→m, m→b: support 0.5, confidence 5/7, lift 5·10/(7·7) = 50/49
//
// (b→e and m→e have confidence 3/7 < 0.5; pairs with j support 0.1).
func TestBasketRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
		s := newTestService(db, &clock{now})
		ctx := shop("bt")
		at := now.AddDate(0, 0, -3)
		for _, b := range [][]string{{"pb", "pm"}, {"pb", "pm", "pe"}, {"pb", "pm"}, {"pb", "pe"}, {"pm", "pe"}, {"pb", "pm", "pj"}, {"pj"}, {"pb", "pb"}, {"pm"}, {"pb", "pm", "pe"}} {
			putBasket(t, db, "bt", at, order.Paid, b...)
		}
		putBasket(t, db, "bt", at, order.Cancelled, "pb", "pj")
		putBasket(t, db, "bt", now.AddDate(0, 0, -400), order.Paid, "pe", "pj")
		for range 5 {
			putBasket(t, db, "bt-other", at, order.Paid, "pe", "pj")
		}

		// The job finds both shops through their changed orders.
		if n, err := s.MineBaskets(context.Background()); err != nil || n != 2 {
			t.Fatalf("MineBaskets = %d, %v; want 2 shops", n, err)
		}
		_, run, err := s.BasketState(ctx)
		if err != nil || run == nil || run.Baskets != 10 {
			t.Fatalf("run %+v (%v), want 10 baskets", run, err)
		}
		// Default thresholds (support 0.01, confidence 0.1) keep more; set ours.
		run, err = s.SaveBasketSettings(ctx, BasketSettings{MinSupport: 0.2, MinConfidence: 0.5, WindowDays: 365})
		if err != nil || run.Rules != 4 || run.Baskets != 10 {
			t.Fatalf("mine: %+v, %v", run, err)
		}
		rules, err := s.Rules(ctx, "", "lift", 100)
		if err != nil {
			t.Fatal(err)
		}
		type w struct {
			a, c            string
			ab, na, nc      int64
			sup, conf, lift float64
		}
		want := []w{
			{"pe", "pb", 3, 4, 7, 0.3, 0.75, 15.0 / 14},
			{"pe", "pm", 3, 4, 7, 0.3, 0.75, 15.0 / 14},
			{"pb", "pm", 5, 7, 7, 0.5, 5.0 / 7, 50.0 / 49},
			{"pm", "pb", 5, 7, 7, 0.5, 5.0 / 7, 50.0 / 49},
		}
		if len(rules) != len(want) {
			t.Fatalf("%d rules: %+v", len(rules), rules)
		}
		for i, r := range rules {
			x := want[i]
			if r.AntecedentID != x.a || r.ConsequentID != x.c || r.PairOrders != x.ab || r.AntecedentOrders != x.na || r.ConsequentOrders != x.nc ||
				r.Baskets != 10 || !approx(r.Support, x.sup) || !approx(r.Confidence, x.conf) || !approx(r.Lift, x.lift) {
				t.Errorf("rule %d = %+v, want %+v", i, r, x)
			}
		}
		if byConf, _ := s.Rules(ctx, "", "confidence", 1); len(byConf) != 1 || byConf[0].AntecedentID != "pe" || byConf[0].ConsequentID != "pb" {
			t.Errorf("by confidence: %+v", byConf)
		}
		with, err := s.BoughtWith(ctx, "pb", 4)
		if err != nil || len(with) != 1 || with[0].ConsequentID != "pm" {
			t.Errorf("bought with pb: %+v (%v)", with, err)
		}

		// Lower thresholds bring in the pairs with jam: j→b confidence 1/2,
		// lift 1·10/(2·7).
		if _, err := s.SaveBasketSettings(ctx, BasketSettings{MinSupport: 0.1, MinConfidence: 0.5, WindowDays: 365}); err != nil {
			t.Fatal(err)
		}
		with, err = s.Rules(ctx, "pj", "lift", 4)
		if err != nil || len(with) != 2 || !approx(with[0].Lift, 10.0/14) || !approx(with[0].Confidence, 0.5) {
			t.Errorf("rules from pj: %+v (%v)", with, err)
		}
		// Their lift is below 1 (less often together than by chance): the
		// product page does not show them.
		if with, err = s.BoughtWith(ctx, "pj", 4); err != nil || len(with) != 0 {
			t.Errorf("bought with pj: %+v (%v)", with, err)
		}

		// The other shop sees its own rules only.
		other, err := s.Rules(shop("bt-other"), "", "", 100)
		if err != nil || len(other) != 2 || other[0].AntecedentID == "pb" || other[0].Baskets != 5 {
			t.Errorf("other shop's rules: %+v (%v)", other, err)
		}

		// Bad thresholds are refused naming the field, and change nothing.
		for field, st := range map[string]BasketSettings{
			"min_support":    {MinSupport: 0, MinConfidence: 0.5, WindowDays: 30},
			"min_confidence": {MinSupport: 0.1, MinConfidence: 1.5, WindowDays: 30},
			"window_days":    {MinSupport: 0.1, MinConfidence: 0.5, WindowDays: -1},
		} {
			_, err := s.SaveBasketSettings(ctx, st)
			if e, ok := err.(*errs.Error); !ok || e.Field != field {
				t.Errorf("%s: %v", field, err)
			}
		}
		if _, err := s.Rules(ctx, "", "price", 10); err == nil {
			t.Error("unknown sort accepted")
		}
		st, _, _ := s.BasketState(ctx)
		if st.MinSupport != 0.1 {
			t.Errorf("settings changed by a refused save: %+v", st)
		}
	})
}

func approx(a, b float64) bool { d := a - b; return d < 1e-12 && d > -1e-12 }
