package checkout_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/cart/carttest"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/customer/customertest"
	"github.com/wasmart/wasmart/core/mailing"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/outbox/smtpsink"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

// TestCheckoutDuringCampaignSend is the second half of issue 12's figure
// ("checkout p99 unaffected within 10 % while a campaign is sent"): on one
// PostgreSQL database, shoppers check out back to back (a closed loop)
// for a fixed time alone, then while the shop's campaign to N subscribers
// goes through the outbox worker to the in-process SMTP sink, then alone
// again, and it logs per phase the checkouts completed, p50/p95/p99
// latency of Place, the load average, and the mails/s of the send. Opt-in
// (WASMART_SEND_P99=1); WASMART_SEND_P99_N subscribers (default 100,000),
// WASMART_SEND_P99_SECONDS per alone phase (default 30) and
// WASMART_SEND_P99_SHOPPERS concurrent shoppers (default 2 × GOMAXPROCS);
// WASMART_SEND_P99_SEND_ALONE=1 first sends one campaign with no shoppers,
// for the send rate of the same worker without checkouts.
// The outbox worker runs as serve runs it (Worker.Run, default interval
// and batch) through all phases, so it also drains the checkouts'
// order.placed events; the pool has serve's default size. Timings are
// logged, not asserted: the test fails only on a checkout error or a
// campaign whose mails do not all arrive.
func TestCheckoutDuringCampaignSend(t *testing.T) {
	if os.Getenv("WASMART_SEND_P99") == "" {
		t.Skip("set WASMART_SEND_P99=1 to measure checkout latency during a campaign send")
	}
	n := envInt("WASMART_SEND_P99_N", 100_000)
	alone := time.Duration(envInt("WASMART_SEND_P99_SECONDS", 30)) * time.Second
	shoppers := envInt("WASMART_SEND_P99_SHOPPERS", 2*runtime.GOMAXPROCS(0))

	db := storetest.PostgresWith(t, store.Config{}) // serve's default pool
	e := setup(t, db)
	v := e.shop.Variant(t, e.ctx, "Bench", 1000, 1_000_000_000, carttest.VariantOpts{})
	customertest.Subscribers(t, db, "shop1", n)

	sink := smtpsink.Start(t)
	sink.CountOnly = true
	staff := tenancy.WithActor(e.ctx, tenancy.Actor{Kind: "staff", ID: "u1", Name: "Mara"})
	ms := mailing.New(db, mailing.Options{Secret: []byte("test secret for mailing links...."),
		Audience: mailing.Subscribers{Customers: customer.New(db, customer.Options{})}, Products: e.shop.Catalog,
		ShopURL: func(_ context.Context, tid string) (string, error) { return "https://" + tid + ".wasmart.test", nil }})
	if _, err := ms.SaveSettings(staff, mailing.Settings{RatePerSecond: 10000, AttributionDays: 5}); err != nil {
		t.Fatal(err)
	}
	w := outbox.NewWorker(db, sink.Config())
	ms.Register(w)
	wctx, stopWorker := context.WithCancel(context.Background())
	workerDone := make(chan struct{})
	go func() { defer close(workerDone); w.Run(wctx) }()
	defer func() { stopWorker(); <-workerDone }()

	// send sends a campaign to every subscriber and returns its rate.
	sent := 0
	send := func() string {
		c, err := ms.Create(staff, mailing.Input{Subject: "Rate", Body: "<p>Hello from the shop, with a paragraph of text.</p>", SegmentID: mailing.AllSubscribers})
		if err != nil {
			t.Error(err)
			return ""
		}
		start := time.Now()
		if _, err := ms.Send(staff, c.ID); err != nil {
			t.Error(err)
			return ""
		}
		for {
			got, err := ms.Get(staff, c.ID)
			if err != nil {
				t.Error(err)
				return ""
			}
			if got.Status == mailing.Sent {
				break
			}
			if time.Since(start) > 30*time.Minute {
				t.Error("campaign did not finish in 30 minutes")
				return ""
			}
			time.Sleep(100 * time.Millisecond)
		}
		el := time.Since(start)
		sent += n
		return fmt.Sprintf("%d mails in %.1f s = %.0f mails/s", n, el.Seconds(), float64(n)/el.Seconds())
	}
	var seq, placed int
	phase := func(name string, during func()) {
		load0 := loadavg()
		seq++
		lat, el := shop(t, e, v, shoppers, fmt.Sprint("p", seq), alone, during)
		placed += len(lat)
		slices.Sort(lat)
		if len(lat) == 0 {
			t.Fatalf("%s: no checkout completed", name)
		}
		pct := func(p int) float64 { return float64(lat[min(len(lat)-1, len(lat)*p/100)].Microseconds()) / 1000 }
		t.Logf("%-7s %5.1f s: %6d checkouts (%.0f/s), p50 %.1f ms, p95 %.1f ms, p99 %.1f ms; load %s -> %s",
			name, el.Seconds(), len(lat), float64(len(lat))/el.Seconds(), pct(50), pct(95), pct(99), load0, loadavg())
	}
	t.Logf("PostgreSQL, %d shoppers (closed loop), %d subscribers, GOMAXPROCS %d", shoppers, n, runtime.GOMAXPROCS(0))
	if os.Getenv("WASMART_SEND_P99_SEND_ALONE") != "" {
		load0 := loadavg()
		msg := send()
		if t.Failed() {
			return
		}
		t.Logf("send without checkouts: %s; load %s -> %s", msg, load0, loadavg())
	}
	phase("alone", nil)
	var sendLog string
	phase("during", func() { sendLog = send() })
	if t.Failed() {
		return
	}
	if got := sink.Received(); got != int64(sent) {
		t.Fatalf("sink received %d of %d", got, sent)
	}
	t.Logf("send during checkouts: %s", sendLog)
	phase("alone", nil)
	if got := e.count(t, "orders"); got != placed {
		t.Fatalf("%d orders stored, %d checkouts placed", got, placed)
	}
}

// shop runs shoppers back to back: each adds a one-line cart of variant v
// (untimed) and places it (timed), until d has passed or, when during is
// set, until during returns. It returns the latencies of Place and the
// phase's wall time.
func shop(t *testing.T, e *env, v string, shoppers int, prefix string, d time.Duration, during func()) ([]time.Duration, time.Duration) {
	stop := make(chan struct{})
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	for g := range shoppers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				o := cart.Owner{Token: cart.NewToken()}
				if _, err := e.carts.Add(e.ctx, o, v, 1, cart.PriceOptions{}); err != nil {
					t.Error(err)
					return
				}
				t0 := time.Now()
				if _, _, err := e.checkout.Place(e.ctx, o, input(), fmt.Sprint(prefix, "-", g, "-", i)); err != nil {
					t.Error(err)
					return
				}
				dt := time.Since(t0)
				mu.Lock()
				lat = append(lat, dt)
				mu.Unlock()
			}
		}()
	}
	if during != nil {
		during()
	} else {
		time.Sleep(d)
	}
	close(stop)
	wg.Wait()
	return lat, time.Since(start)
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
