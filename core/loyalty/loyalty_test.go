package loyalty_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/loyalty"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// clock is a test clock the service reads.
type clock struct{ ns atomic.Int64 }

func newClock() *clock           { c := &clock{}; c.ns.Store(t0.UnixNano()); return c }
func (c *clock) now() time.Time  { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) set(t time.Time) { c.ns.Store(t.UnixNano()) }

func shop(id string) context.Context { return tenancy.WithTenant(context.Background(), id) }

type fixture struct {
	t   *testing.T
	db  *store.DB
	svc *loyalty.Service
	clk *clock
	cus *customer.Service
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	clk := newClock()
	return &fixture{t: t, db: db, svc: loyalty.New(db, clk.now), clk: clk, cus: customer.New(db, customer.Options{})}
}

func (f *fixture) enable(ctx context.Context, edit func(*loyalty.Settings)) loyalty.Settings {
	f.t.Helper()
	s := loyalty.DefaultSettings()
	s.Enabled = true
	if edit != nil {
		edit(&s)
	}
	if _, err := f.svc.SaveSettings(ctx, s); err != nil {
		f.t.Fatal(err)
	}
	return s
}

func (f *fixture) customer(ctx context.Context, email string) string {
	f.t.Helper()
	c, _, err := f.cus.SignUp(ctx, customer.SignUpInput{Email: email, Password: "long enough password"}, customer.SessionMeta{})
	if err != nil {
		f.t.Fatal(err)
	}
	return c.ID
}

// order writes an order of total (one line), paid or awaiting payment.
func (f *fixture) order(ctx context.Context, customerID string, total int64, paid bool) *order.Order {
	f.t.Helper()
	o := &order.Order{CustomerID: customerID, Email: "x@example.com", Currency: "EUR", Subtotal: total, Total: total,
		Lines: []order.Line{{ProductID: "p1", VariantID: "v1", Title: "Thing", Quantity: 1, UnitPrice: total, Subtotal: total, Total: total}}}
	if paid {
		o.Status, o.PaidTotal = order.Paid, total
	}
	if err := f.db.Write(ctx, func(ctx context.Context, q bun.IDB) error { return order.Insert(ctx, q, o) }); err != nil {
		f.t.Fatal(err)
	}
	return o
}

func (f *fixture) paid(ctx context.Context, orderID string) error {
	return f.db.Write(ctx, func(ctx context.Context, q bun.IDB) error { return f.svc.OrderPaid(ctx, q, orderID) })
}

func (f *fixture) refund(ctx context.Context, o *order.Order, amount int64) error {
	tenant, _ := tenancy.TenantID(ctx)
	return f.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if err := order.AddRefunded(ctx, q, tenant, o.ID, amount, f.clk.now()); err != nil {
			return err
		}
		return f.svc.OrderRefunded(ctx, q, o.ID, store.NewID())
	})
}

func (f *fixture) balance(ctx context.Context, customerID string) int64 {
	f.t.Helper()
	b, err := f.svc.Balance(ctx, customerID)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

// sums reads, in one statement (one snapshot), the customer's ledger sum
// and their lots' remaining points.
func sums(ctx context.Context, db *store.DB, tenant, customerID string) (ledger, lots int64, err error) {
	err = db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw(`SELECT
			(SELECT COALESCE(SUM(points), 0) FROM loyalty_entries WHERE tenant_id = ? AND customer_id = ?),
			(SELECT COALESCE(SUM(remaining), 0) FROM loyalty_lots WHERE tenant_id = ? AND customer_id = ?)`,
			tenant, customerID, tenant, customerID).Scan(ctx, &ledger, &lots)
	})
	return
}

func code(err error) (errs.Code, string) {
	if e, ok := err.(*errs.Error); ok {
		return e.Code, e.Field
	}
	return "", ""
}

func TestPointsLedgerBalances(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := shop("shop-ledger")
		f.enable(ctx, func(s *loyalty.Settings) { s.ExpiryDays, s.ExpiryNoticeDays, s.MaxRedeemPercent = 2, 1, 100 })
		customers := []string{f.customer(ctx, "a@example.com"), f.customer(ctx, "b@example.com")}
		// The clock moves an hour per operation, so lots (2 days) expire
		// while the others run.
		var ops atomic.Int64
		tick := func() { f.clk.set(t0.Add(time.Duration(ops.Add(1)) * time.Hour)) }

		var (
			mu     sync.Mutex
			orders = map[string][]*order.Order{} // paid, by customer
			redeem = map[string][]string{}       // orders with points redeemed, by customer
		)
		stop := make(chan struct{})
		var readerErr atomic.Value
		var readers sync.WaitGroup
		readers.Add(1)
		go func() { // balance = ledger sum = lots at every read, never negative
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, c := range customers {
					l, r, err := sums(ctx, db, "shop-ledger", c)
					if err == nil && (l != r || l < 0) {
						err = fmt.Errorf("customer %s: ledger %d, lots %d", c, l, r)
					}
					if err != nil {
						readerErr.Store(err)
						return
					}
				}
			}
		}()

		var wg sync.WaitGroup
		errc := make(chan error, 200)
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(w), 7))
				for range 20 {
					tick()
					c := customers[rng.IntN(len(customers))]
					var err error
					switch op := rng.IntN(5); op {
					case 0, 1: // earn on a paid order (delivered twice: posts once)
						o := f.order(ctx, c, int64(1000+rng.IntN(9000)), true)
						if err = f.paid(ctx, o.ID); err == nil {
							err = f.paid(ctx, o.ID)
						}
						mu.Lock()
						orders[c] = append(orders[c], o)
						mu.Unlock()
					case 2: // redeem at checkout, sometimes more than held
						id := store.NewID()
						err = db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
							_, err := f.svc.RedeemIn(ctx, q, c, id, "#test", "EUR", 1_000_000, int64(100+rng.IntN(4000)))
							return err
						})
						if cd, field := code(err); cd == errs.Unprocessable && field == "points" {
							err = nil
						} else if err == nil {
							mu.Lock()
							redeem[c] = append(redeem[c], id)
							mu.Unlock()
						}
					case 3: // refund part of a paid order, or cancel a redemption
						mu.Lock()
						var o *order.Order
						var rid string
						if l := orders[c]; len(l) > 0 && rng.IntN(2) == 0 {
							o = l[rng.IntN(len(l))]
						} else if l := redeem[c]; len(l) > 0 {
							rid = l[rng.IntN(len(l))]
						}
						mu.Unlock()
						switch {
						case o != nil:
							err = f.refund(ctx, o, o.Total/3)
							if cd, _ := code(err); cd == errs.Conflict || cd == errs.Invalid { // refunded in full already
								err = nil
							}
						case rid != "":
							err = db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
								return f.svc.Release(ctx, q, &order.Order{TenantID: "shop-ledger", ID: rid, Number: 1})
							})
						}
					case 4: // expiry round
						_, err = f.svc.Sweep(ctx)
					}
					if err != nil {
						errc <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(stop)
		readers.Wait()
		close(errc)
		for err := range errc {
			t.Fatal(err)
		}
		if err, _ := readerErr.Load().(error); err != nil {
			t.Fatal(err)
		}
		// Everything left expires in the end.
		f.clk.set(t0.Add(1000 * time.Hour))
		if _, err := f.svc.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		err := db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
			// No lot spent twice: what the spends took from each lot is
			// exactly what it lost, and each negative entry's spends add up
			// to it.
			var bad []string
			if err := q.NewRaw(`SELECT l.id FROM loyalty_lots l
				LEFT JOIN (SELECT tenant_id, lot_id, SUM(points) AS took FROM loyalty_spends GROUP BY tenant_id, lot_id) s
				  ON s.tenant_id = l.tenant_id AND s.lot_id = l.id
				WHERE l.remaining <> l.points - COALESCE(s.took, 0) OR l.remaining < 0 OR l.remaining > l.points`).Scan(ctx, &bad); err != nil && !store.NoRows(err) {
				return err
			}
			if len(bad) > 0 {
				return fmt.Errorf("lots whose spends do not add up: %v", bad)
			}
			if err := q.NewRaw(`SELECT e.id FROM loyalty_entries e
				LEFT JOIN (SELECT tenant_id, entry_id, SUM(points) AS took FROM loyalty_spends GROUP BY tenant_id, entry_id) s
				  ON s.tenant_id = e.tenant_id AND s.entry_id = e.id
				WHERE e.points < 0 AND COALESCE(s.took, 0) <> -e.points`).Scan(ctx, &bad); err != nil && !store.NoRows(err) {
				return err
			}
			if len(bad) > 0 {
				return fmt.Errorf("negative entries whose spends do not add up: %v", bad)
			}
			var kinds []string
			if err := q.NewRaw(`SELECT DISTINCT kind FROM loyalty_entries ORDER BY kind`).Scan(ctx, &kinds); err != nil {
				return err
			}
			t.Logf("%s: kinds posted %v after %d operations", db.Dialect(), kinds, ops.Load())
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range customers {
			l, r, err := sums(ctx, db, "shop-ledger", c)
			if err != nil || l != r || l != 0 {
				t.Fatalf("after everything expired: ledger %d, lots %d (want 0, 0), %v", l, r, err)
			}
		}
		// Bad input: a negative adjustment beyond the balance is a 422 on
		// points, and nothing is written.
		if _, err := f.svc.Adjust(ctx, customers[0], -1, "oops", ""); err == nil {
			t.Fatal("adjusted below zero")
		} else if cd, field := code(err); cd != errs.Unprocessable || field != "points" {
			t.Fatalf("adjust beyond balance: %v", err)
		}
		if _, err := f.svc.Adjust(ctx, customers[0], 10, "", ""); err == nil {
			t.Fatal("adjusted without a reason")
		}
		if e, err := f.svc.Adjust(ctx, customers[0], 250, "goodwill", "k1"); err != nil || e.Points != 250 {
			t.Fatal(e, err)
		}
		if _, err := f.svc.Adjust(ctx, customers[0], 250, "goodwill", "k1"); err != nil || f.balance(ctx, customers[0]) != 250 {
			t.Fatal("a retried adjustment posted twice", err)
		}
	})
}

func TestRedeemLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := shop("shop-redeem")
		f.enable(ctx, func(s *loyalty.Settings) { s.RedeemRate, s.MaxRedeemPercent = 100, 50 })
		c := f.customer(ctx, "r@example.com")
		if _, err := f.svc.Adjust(ctx, c, 1000, "welcome", ""); err != nil {
			t.Fatal(err)
		}
		try := func(total, points int64) (int64, error) {
			var v int64
			err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
				var err error
				v, err = f.svc.RedeemIn(ctx, q, c, store.NewID(), "#1", "EUR", total, points)
				return err
			})
			return v, err
		}
		for _, tc := range []struct {
			total, points int64
			why           string
		}{{100_000, 1001, "more than held"}, {1000, 600, "more than half the order"}, {100_000, -5, "negative"}} {
			if _, err := try(tc.total, tc.points); err == nil {
				t.Fatalf("%s: accepted", tc.why)
			} else if _, field := code(err); field != "points" {
				t.Fatalf("%s: %v", tc.why, err)
			}
		}
		if v, err := try(1000, 500); err != nil || v != 500 {
			t.Fatalf("500 points on 10.00 EUR: %d, %v", v, err)
		}
		if b := f.balance(ctx, c); b != 500 {
			t.Fatalf("balance %d, want 500", b)
		}
	})
}

func TestTierTransitions(t *testing.T) {
	type step struct {
		day    int
		pay    int64 // a paid order of this much
		refund int64 // refund of the last order
		sweep  bool  // run the background round
		tier   string
		notice bool // a downgrade notice was e-mailed by now
		down   bool // a downgrade e-mail was sent by now
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"upgrade at once on a paid order", []step{
			{day: 0, pay: 12_000, tier: "bronze"},
			{day: 1, pay: 40_000, tier: "silver"},
			{day: 2, pay: 100_000, tier: "gold"},
		}},
		{"several tiers at once", []step{{day: 0, pay: 600_000, tier: "premium"}}},
		{"below the first threshold stays new member", []step{{day: 0, pay: 5_000, tier: "new_member"}, {day: 40, sweep: true, tier: "new_member"}}},
		{"kept while the window counts; told a week before the review that lowers it, lowered at it", []step{
			{day: 0, pay: 60_000, tier: "silver"},
			{day: 200, sweep: true, tier: "silver"},
			{day: 360, sweep: true, tier: "silver"}, // reviewed: the order still counts
			{day: 382, sweep: true, tier: "silver"}, // too early for the notice
			{day: 383, sweep: true, tier: "silver", notice: true},
			{day: 389, sweep: true, tier: "silver", notice: true},
			{day: 390, sweep: true, tier: "new_member", notice: true, down: true},
		}},
		{"a refund lowers spend; noticed before the review, down at it", []step{
			{day: 0, pay: 60_000, tier: "silver"},
			{day: 1, refund: 40_000, tier: "silver"},
			{day: 10, sweep: true, tier: "silver"},
			{day: 23, sweep: true, tier: "silver", notice: true},
			{day: 30, sweep: true, tier: "bronze", notice: true, down: true},
		}},
		{"a notice, then an order that keeps the tier: no downgrade", []step{
			{day: 0, pay: 60_000, tier: "silver"},
			{day: 1, refund: 40_000, tier: "silver"},
			{day: 23, sweep: true, tier: "silver", notice: true},
			{day: 25, pay: 40_000, tier: "silver", notice: true},
			{day: 30, sweep: true, tier: "silver", notice: true},
			{day: 61, sweep: true, tier: "silver", notice: true},
		}},
		{"no check before the review: noticed at it, down a week later; back up on the next order", []step{
			{day: 0, pay: 60_000, tier: "silver"},
			{day: 400, sweep: true, tier: "silver", notice: true},
			{day: 406, sweep: true, tier: "silver", notice: true},
			{day: 407, sweep: true, tier: "new_member", notice: true, down: true},
			{day: 408, pay: 20_000, tier: "bronze", notice: true, down: true},
		}},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				f := newFixture(t, db)
				tenant := fmt.Sprintf("shop-tier-%d", i)
				ctx := shop(tenant)
				f.enable(ctx, nil)
				c := f.customer(ctx, "tiers@example.com")
				var last *order.Order
				for _, s := range tc.steps {
					f.clk.set(t0.Add(time.Duration(s.day) * 24 * time.Hour))
					if s.pay > 0 {
						last = f.order(ctx, c, s.pay, true)
						if err := f.paid(ctx, last.ID); err != nil {
							t.Fatal(err)
						}
					}
					if s.refund > 0 {
						if err := f.refund(ctx, last, s.refund); err != nil {
							t.Fatal(err)
						}
					}
					if s.sweep {
						if _, err := f.svc.Sweep(ctx); err != nil {
							t.Fatal(err)
						}
					}
					m, _, err := f.svc.Member(ctx, c)
					if err != nil {
						t.Fatal(err)
					}
					var notice, down bool
					if err := db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
						if notice, err = outbox.Enqueued(ctx, q, tenant, loyalty.TopicDowngradeNotice); err != nil {
							return err
						}
						down, err = outbox.Enqueued(ctx, q, tenant, loyalty.TopicDowngraded)
						return err
					}); err != nil {
						t.Fatal(err)
					}
					if m.Tier.Code != s.tier || notice != s.notice || down != s.down {
						t.Fatalf("day %d: tier %s (want %s), notice %v (want %v), downgrade mail %v (want %v); spend in window %d",
							s.day, m.Tier.Code, s.tier, notice, s.notice, down, s.down, m.Progress)
					}
				}
				h, err := f.svc.History(ctx, c, 0)
				if err != nil {
					t.Fatal(err)
				}
				for _, x := range h.Tiers {
					if x.From == x.To {
						t.Fatalf("a history row that changes nothing: %+v", x)
					}
				}
			})
		}
	})
	// The notice is sent once a cycle: a second sweep the same day sends
	// nothing more.
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := shop("shop-tier-once")
		f.enable(ctx, nil)
		c := f.customer(ctx, "once@example.com")
		o := f.order(ctx, c, 60_000, true)
		if err := f.paid(ctx, o.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.refund(ctx, o, 40_000); err != nil {
			t.Fatal(err)
		}
		f.clk.set(t0.Add(23 * 24 * time.Hour))
		for i, want := range []int{1, 0} {
			r, err := f.svc.Sweep(ctx)
			if err != nil || r.DowngradeNotices != want {
				t.Fatalf("sweep %d: %+v %v", i, r, err)
			}
		}
	})
}

func TestReferralRewardOnlyAfterPaid(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := shop("shop-ref")
		st := f.enable(ctx, func(s *loyalty.Settings) { s.EarnPerUnit = 0 }) // referral points only
		a, b, c := f.customer(ctx, "anna@example.com"), f.customer(ctx, "ben@example.com"), f.customer(ctx, "cleo@example.com")
		ma, _, err := f.svc.Member(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		mc, _, _ := f.svc.Member(ctx, c)
		refused := func(who, ref, why string) {
			t.Helper()
			if _, err := f.svc.Refer(ctx, who, ref); err == nil {
				t.Fatalf("%s: accepted", why)
			} else if _, field := code(err); field != "referral_code" {
				t.Fatalf("%s: %v", why, err)
			}
		}
		refused(a, ma.ReferralCode, "self-referral")
		refused(b, "NOPE1234", "unknown code")
		if _, err := f.svc.Refer(ctx, b, " "+ma.ReferralCode+" "); err != nil {
			t.Fatal(err)
		}
		refused(b, mc.ReferralCode, "a second referrer")
		mb, _, _ := f.svc.Member(ctx, b)
		refused(a, mb.ReferralCode, "referring back whoever referred you")

		// Placed, not paid: nobody is rewarded.
		o := f.order(ctx, b, 5_000, false)
		if err := f.paid(ctx, o.ID); err != nil {
			t.Fatal(err)
		}
		if f.balance(ctx, a) != 0 || f.balance(ctx, b) != 0 {
			t.Fatal("rewarded before the order was paid")
		}
		// Paid: both, once.
		if err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			if err := order.AddPaid(ctx, q, "shop-ref", o.ID, o.Total, f.clk.now()); err != nil {
				return err
			}
			return order.Transition(ctx, q, o, order.Paid, "paid", nil)
		}); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := f.paid(ctx, o.ID); err != nil {
				t.Fatal(err)
			}
		}
		if ga, gb := f.balance(ctx, a), f.balance(ctx, b); ga != st.ReferrerPoints || gb != st.ReferredPoints {
			t.Fatalf("after the first paid order: referrer %d (want %d), referred %d (want %d)", ga, st.ReferrerPoints, gb, st.ReferredPoints)
		}
		// A second order rewards nobody again; a customer with a paid
		// order can no longer be referred.
		o2 := f.order(ctx, b, 7_000, true)
		if err := f.paid(ctx, o2.ID); err != nil {
			t.Fatal(err)
		}
		if f.balance(ctx, a) != st.ReferrerPoints {
			t.Fatal("rewarded twice")
		}
		oc := f.order(ctx, c, 1_000, true)
		if err := f.paid(ctx, oc.ID); err != nil {
			t.Fatal(err)
		}
		refused(c, ma.ReferralCode, "referral after a paid order")
		// Refunding the first order in full takes both back.
		if err := f.refund(ctx, o, o.Total); err != nil {
			t.Fatal(err)
		}
		if ga, gb := f.balance(ctx, a), f.balance(ctx, b); ga != 0 || gb != 0 {
			t.Fatalf("after a full refund: referrer %d, referred %d (want 0, 0)", ga, gb)
		}
		rs, err := f.svc.Referrals(ctx, a)
		if err != nil || len(rs) != 1 || rs[0].Status != loyalty.ReferralReversed {
			t.Fatalf("referrals %+v, %v", rs, err)
		}
	})
}
