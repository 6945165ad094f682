package mailing_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/customer/customertest"
	"github.com/wasmart/wasmart/core/mailing"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// TestCampaignSendRate is the send-rate figure (issue 12): a campaign to
// N subscribers (WASMART_MAIL_RATE_N; skipped when unset) through the
// outbox — audience paging, consent checks, paced batch events, one SMTP
// connection per batch — to the in-process SMTP sink, with one outbox
// worker as on one node. It reports mails per second and the load
// average. The subscribers are seeded with bulk inserts (sign-up's
// password hashing would dominate).
func TestCampaignSendRate(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("WASMART_MAIL_RATE_N"))
	if n <= 0 {
		t.Skip("set WASMART_MAIL_RATE_N to measure the campaign send rate")
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.sink.CountOnly = true
		if _, err := f.svc.SaveSettings(f.ctx, mailing.Settings{RatePerSecond: 10000, AttributionDays: 5}); err != nil {
			t.Fatal(err)
		}
		f.svc = mailing.New(db, mailing.Options{Secret: secret, Audience: mailing.Subscribers{Customers: f.cus}, Products: f.cat,
			ShopURL: func(_ context.Context, tid string) (string, error) { return "https://" + tid + ".wasmart.test", nil }})
		f.w = outbox.NewWorker(db, f.sink.Config()) // only this service's handlers
		f.w.Batch = 100
		f.svc.Register(f.w)
		customertest.Subscribers(t, db, f.tid, n)
		c, err := f.svc.Create(f.ctx, mailing.Input{Subject: "Rate", Body: "<p>Hello from the shop, with a paragraph of text.</p>", SegmentID: mailing.AllSubscribers})
		if err != nil {
			t.Fatal(err)
		}
		load0 := loadavg()
		start := time.Now()
		if _, err := f.svc.Send(f.ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := f.w.RunOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
			got, err := f.svc.Get(f.ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status == mailing.Sent {
				break
			}
			if time.Since(start) > 30*time.Minute {
				t.Fatal("campaign did not finish")
			}
		}
		el := time.Since(start)
		if got := f.sink.Received(); got != int64(n) {
			t.Fatalf("sink received %d of %d", got, n)
		}
		t.Logf("%s: %d mails in %.1f s = %.0f mails/s (load average before %s, after %s)", db.Dialect(), n, el.Seconds(), float64(n)/el.Seconds(), load0, loadavg())
	})
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
