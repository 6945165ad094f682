package mailing_test

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/cart/carttest"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/loyalty"
	"github.com/wasmart/wasmart/core/mailing"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/segment"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

var restoreRe = regexp.MustCompile(`href="https://shop-m\.wasmart\.test/cart/restore/([^"]+)"`)

func (f *fixture) run() mailing.Round {
	f.t.Helper()
	r, err := f.svc.RunAutomations(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

// TestAbandonedCartAutomation: a cart with an e-mail (a guest's, given at
// checkout, or a signed-in customer's) and no activity for the delay gets
// one mail listing its lines with prices and a restore link; not before
// the delay, not twice however often the round runs, not for a cart
// checked out or emptied meanwhile, not without consent (or for an address
// no customer record holds), not when the address unsubscribed while the
// mail was queued. The restore link copies the lines into another
// browser's cart once, expires, and a forged one is refused.
func TestAbandonedCartAutomation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clk := &clock{t: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)}
		shop := carttest.New(db, "EUR")
		carts := cart.New(db, nil, func(context.Context, bun.IDB) (*cart.Config, error) { return &cart.Config{Currency: "EUR"}, nil })
		carts.Now = clk.Now
		f := newFixture(t, db, func(o *mailing.Options) { o.Carts, o.Now = carts, clk.Now })
		shirt := shop.Variant(t, f.ctx, "Linen Shirt", 4990, 20, carttest.VariantOpts{})
		ann := f.customer("ann@example.com", true) // signed in: her customer cart
		f.customer("bob@example.com", true)        // checks out as a guest with his address
		f.customer("cat@example.com", false)       // guest, no consent
		f.customer("dan@example.com", true)        // empties his cart
		f.customer("eve@example.com", true)        // orders
		f.customer("fay@example.com", true)        // unsubscribes while queued
		// gus@example.com has no customer record: never mailed.
		if _, err := f.svc.SaveAutomation(f.ctx, mailing.Automation{Kind: mailing.AutoAbandonedCart, Enabled: true, DelayMinutes: 240}); err != nil {
			t.Fatal(err)
		}
		guests := map[string]cart.Owner{}
		add := func(o cart.Owner, email string) {
			t.Helper()
			if _, err := carts.Add(f.ctx, o, shirt, 2, cart.PriceOptions{}); err != nil {
				t.Fatal(err)
			}
			if email != "" {
				if err := carts.SetEmail(f.ctx, o, email); err != nil {
					t.Fatal(err)
				}
			}
		}
		add(cart.Owner{CustomerID: ann}, "")
		for _, e := range []string{"bob", "cat", "dan", "eve", "fay", "gus"} {
			guests[e] = cart.Owner{Token: cart.NewToken()}
			add(guests[e], e+"@example.com")
		}
		if err := carts.SetEmail(f.ctx, guests["bob"], "not an address"); field(err) != "email" {
			t.Fatalf("bad e-mail: %v", err)
		}
		// Before the delay: nothing.
		clk.Set(clk.Now().Add(3 * time.Hour))
		if r := f.run(); r.AbandonedCarts != 0 {
			t.Fatalf("before the delay: %+v", r)
		}
		if _, err := carts.SetQuantity(f.ctx, guests["dan"], shirt, 0, cart.PriceOptions{}); err != nil {
			t.Fatal(err)
		}
		eveCart, err := carts.View(f.ctx, guests["eve"], cart.PriceOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Write(f.ctx, func(ctx context.Context, q bun.IDB) error {
			return cart.MarkConverted(ctx, q, eveCart.CartID, "order-of-eve") // what checkout does with the order
		}); err != nil {
			t.Fatal(err)
		}
		clk.Set(clk.Now().Add(61 * time.Minute)) // 4 h 1 min after the last activity
		if r := f.run(); r.AbandonedCarts != 3 { // ann, bob, fay
			t.Fatalf("after the delay: %+v", r)
		}
		// Fay unsubscribes (through an older mail's link) while hers waits.
		fay := f.recipientsLike("auto:abandoned_cart:")["fay@example.com"]
		if err := f.svc.Unsubscribe(f.ctx, mailing.Token(secret, f.tid, fay.ID), "page"); err != nil {
			t.Fatal(err)
		}
		f.drain()
		if r := f.run(); r.AbandonedCarts != 0 {
			t.Fatalf("second round: %+v", r)
		}
		f.drain()
		for _, e := range []string{"cat", "dan", "eve", "fay", "gus"} {
			if n := len(f.sink.To(e + "@example.com")); n != 0 {
				t.Fatalf("%s got %d mails", e, n)
			}
		}
		if n, m := len(f.sink.To("ann@example.com")), len(f.sink.To("bob@example.com")); n != 1 || m != 1 {
			t.Fatalf("ann got %d, bob %d mails", n, m)
		}
		body := decodeQP(f.sink.To("bob@example.com")[0].Body)
		if !strings.Contains(body, "Linen Shirt") || !strings.Contains(body, "99.80") || !strings.Contains(body, "Return to your cart") {
			t.Fatalf("cart mail: %s", body)
		}
		m := restoreRe.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no restore link: %s", body)
		}
		// Another browser opens it: the lines are copied, once.
		other := cart.Owner{Token: cart.NewToken()}
		for range 2 {
			cartID, rid, err := f.svc.RestoreCart(f.ctx, m[1])
			if err != nil {
				t.Fatal(err)
			}
			if err := carts.Restore(f.ctx, other, cartID, rid); err != nil {
				t.Fatal(err)
			}
		}
		v, err := carts.View(f.ctx, other, cart.PriceOptions{})
		if err != nil || len(v.Lines) != 1 || v.Lines[0].Quantity != 2 {
			t.Fatalf("restored cart: %+v %v", v, err)
		}
		if r := f.recipientsLike("auto:abandoned_cart:")["bob@example.com"]; r.ClickedAt == nil {
			t.Fatalf("the restore was not recorded as a click: %+v", r)
		}
		if _, _, err := f.svc.RestoreCart(f.ctx, m[1][:len(m[1])-2]+"xx"); err == nil {
			t.Fatal("a forged token restored a cart")
		}
		clk.Set(clk.Now().Add(mailing.RestoreTTL + time.Minute))
		if _, _, err := f.svc.RestoreCart(f.ctx, m[1]); err == nil {
			t.Fatal("an expired token restored a cart")
		}
	})
}

// recipientsLike are the automation recipients whose campaign id starts
// with prefix, by address.
func (f *fixture) recipientsLike(prefix string) map[string]mailing.Recipient {
	f.t.Helper()
	var rs []mailing.Recipient
	if err := f.db.Read(f.ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&rs).Where("tenant_id = ? AND campaign_id LIKE ?", f.tid, prefix+"%").Scan(ctx)
	}); err != nil {
		f.t.Fatal(err)
	}
	out := map[string]mailing.Recipient{}
	for _, r := range rs {
		out[r.Email] = r
	}
	return out
}

// TestBirthdayAutomation: on the customer's birthday in the shop's time
// zone (Asia/Shanghai here, a day ahead of UTC in the evening) the tier's
// birthday points are granted once a year however often the round runs,
// with a mail saying so to a customer who accepts marketing (points
// without a mail for one who does not); nothing on other days; again the
// next year.
func TestBirthdayAutomation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// 17:00 UTC on 14 March is 01:00 on 15 March in Shanghai.
		clk := &clock{t: time.Date(2024, 3, 14, 17, 0, 0, 0, time.UTC)}
		loy := loyalty.New(db, clk.Now)
		shanghai, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			t.Fatal(err)
		}
		f := newFixture(t, db, func(o *mailing.Options) {
			o.Loyalty, o.Now, o.Customers = loy, clk.Now, customer.New(db, customer.Options{})
			o.Location = func(context.Context, string) (*time.Location, error) { return shanghai, nil }
		})
		set := loyalty.DefaultSettings()
		set.Enabled = true
		if _, err := loy.SaveSettings(f.ctx, set); err != nil {
			t.Fatal(err)
		}
		tiers := loyalty.DefaultTiers()
		tiers[0].BirthdayPoints = 150
		if _, err := loy.SaveTiers(f.ctx, tiers); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SaveAutomation(f.ctx, mailing.Automation{Kind: mailing.AutoBirthday, Enabled: true}); err != nil {
			t.Fatal(err)
		}
		born := func(email string, consent bool, month, day int) string {
			id := f.customer(email, consent)
			if _, err := f.cus.Update(f.ctx, id, customer.UpdateInput{Email: email, FirstName: "Ann", Birthday: &customer.Birthday{Month: month, Day: day}}); err != nil {
				t.Fatal(err)
			}
			return id
		}
		ann := born("ann@example.com", true, 3, 15)
		bob := born("bob@example.com", true, 3, 14) // UTC's day, not the shop's
		cat := born("cat@example.com", false, 3, 15)
		balance := func(id string) int64 {
			t.Helper()
			b, err := loy.Balance(f.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		for range 2 { // the round runs twice that day
			f.run()
			f.drain()
		}
		if a, b, c := balance(ann), balance(bob), balance(cat); a != 150 || b != 0 || c != 150 {
			t.Fatalf("balances ann %d bob %d cat %d", a, b, c)
		}
		if n, m, k := len(f.sink.To("ann@example.com")), len(f.sink.To("bob@example.com")), len(f.sink.To("cat@example.com")); n != 1 || m != 0 || k != 0 {
			t.Fatalf("mails ann %d bob %d cat %d", n, m, k)
		}
		body := decodeQP(f.sink.To("ann@example.com")[0].Body)
		if !strings.Contains(body, "Happy birthday, Ann!") || !strings.Contains(body, "150 points have been added") {
			t.Fatalf("birthday mail: %s", body)
		}
		// Later that day (Shanghai), and the next day: nothing more.
		for _, d := range []time.Duration{10 * time.Hour, 30 * time.Hour} {
			clk.Set(time.Date(2024, 3, 14, 17, 0, 0, 0, time.UTC).Add(d))
			f.run()
			f.drain()
		}
		if a, n := balance(ann), len(f.sink.To("ann@example.com")); a != 150 || n != 1 {
			t.Fatalf("after the day: %d points, %d mails", a, n)
		}
		// A year later: again, once.
		clk.Set(time.Date(2025, 3, 14, 17, 0, 0, 0, time.UTC))
		f.run()
		f.run()
		f.drain()
		if a, n := balance(ann), len(f.sink.To("ann@example.com")); a != 300 || n != 2 {
			t.Fatalf("next year: %d points, %d mails", a, n)
		}
	})
}

// segments is mailing's Audience over core/segment (as the server wires
// it).
type segments struct{ svc *segment.Service }

func (a segments) Members(ctx context.Context, id, after string, limit int) ([]mailing.Member, string, error) {
	ms, next, err := a.svc.Members(ctx, id, after, limit)
	out := make([]mailing.Member, len(ms))
	for i, m := range ms {
		out[i] = mailing.Member{CustomerID: m.CustomerID, Email: m.Email, Name: m.Name, AcceptsMarketing: m.AcceptsMarketing}
	}
	return out, next, err
}

// TestWinBackAutomation: the round mails the members of the RFM groups
// "at risk" and "hibernating" who accept marketing, once per dormancy
// (the next day's pass sends nothing new), each with their own personal
// single-use code of the chosen promotion; recent, lost and unconsented customers get
// nothing. A promotion without codes or an unknown segment is refused by
// field.
func TestWinBackAutomation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
		clk := &clock{t: now}
		segs := segment.New(db, clk.Now)
		promos := promotion.New(db, clk.Now)
		f := newFixture(t, db, func(o *mailing.Options) {
			o.Now = clk.Now
			o.Audience = mailing.Subscribers{Customers: o.Audience.(mailing.Subscribers).Customers, Segments: segments{segs}}
		})
		number := 0
		order := func(customerID string, daysAgo int) {
			t.Helper()
			number++
			at := now.Add(-time.Duration(daysAgo) * 24 * time.Hour)
			if err := db.Write(f.ctx, func(ctx context.Context, q bun.IDB) error {
				// The order's own row, as the segment tests seed them.
				_, err := q.NewRaw(`INSERT INTO orders (tenant_id, id, number, status, customer_id, email, currency, subtotal, discounts, shipping_total, tax_total,
					tax_inclusive, total, paid_total, placed_at, updated_at) VALUES (?, ?, ?, 'paid', ?, 'x@example.com', 'EUR', 3000, 0, 0, 0, FALSE, 3000, 3000, ?, ?)`,
					f.tid, store.NewID(), number, customerID, at, at).Exec(ctx)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		hana := f.customer("hana@example.com", true) // hibernating
		ivan := f.customer("ivan@example.com", true) // at risk
		jo := f.customer("jo@example.com", true)     // recent
		kim := f.customer("kim@example.com", false)  // hibernating, no consent
		lou := f.customer("lou@example.com", true)   // lost
		order(hana, 200)
		order(ivan, 200)
		order(ivan, 250)
		order(jo, 5)
		order(kim, 200)
		order(lou, 500)
		if err := segs.Recompute(f.ctx, true); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SaveAutomation(f.ctx, mailing.Automation{Kind: mailing.AutoWinBack, Enabled: true, SegmentID: "no-such"}); field(err) != "segment_id" {
			t.Fatalf("unknown segment: %v", err)
		}
		auto, err := promos.Create(f.ctx, promotion.Promotion{Name: "Ten off", Label: "Ten off", Kind: promotion.KindAmountOff, Amount: 1000, Currency: "EUR", Status: promotion.StatusActive})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SaveAutomation(f.ctx, mailing.Automation{Kind: mailing.AutoWinBack, Enabled: true, PromotionID: auto.ID}); field(err) != "promotion_id" {
			t.Fatalf("automatic promotion: %v", err)
		}
		coded, err := promos.Create(f.ctx, promotion.Promotion{Name: "Welcome back", Label: "Welcome back", Kind: promotion.KindAmountOff, Amount: 1000, Currency: "EUR",
			Status: promotion.StatusActive, RequiresCode: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SaveAutomation(f.ctx, mailing.Automation{Kind: mailing.AutoWinBack, Enabled: true, PromotionID: coded.ID}); err != nil {
			t.Fatal(err)
		}
		if r := f.run(); r.WinBacks != 2 {
			t.Fatalf("first pass: %+v", r)
		}
		f.drain()
		clk.Set(now.Add(25 * time.Hour)) // the next day's pass
		if r := f.run(); r.WinBacks != 0 {
			t.Fatalf("second pass: %+v", r)
		}
		f.drain()
		for _, e := range []string{"jo", "kim", "lou"} {
			if n := len(f.sink.To(e + "@example.com")); n != 0 {
				t.Fatalf("%s got %d mails", e, n)
			}
		}
		codeRe := regexp.MustCompile(`WB-[A-Z2-9]{10}`)
		codes := map[string]bool{}
		for _, e := range []string{"hana", "ivan"} {
			ms := f.sink.To(e + "@example.com")
			if len(ms) != 1 {
				t.Fatalf("%s got %d mails", e, len(ms))
			}
			code := codeRe.FindString(decodeQP(ms[0].Body))
			if code == "" {
				t.Fatalf("%s's mail has no code: %s", e, decodeQP(ms[0].Body))
			}
			codes[code] = true
		}
		page, err := promos.Codes(f.ctx, coded.ID, promotion.CodeFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(codes) != 2 || len(page.Codes) != 2 {
			t.Fatalf("codes in mail %v, issued %+v", codes, page.Codes)
		}
		for _, c := range page.Codes {
			if !codes[c.Code] || c.UsageLimit != 1 || (c.CustomerID != hana && c.CustomerID != ivan) || c.ExpiresAt == nil {
				t.Fatalf("issued code %+v", c)
			}
		}
	})
}
