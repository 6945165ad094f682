package analytics

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// TestScheduledReports: the last complete day, week and month in the
// shop's time zone are reported once each, stored and mailed to every
// recipient through the outbox; a second run sends nothing; the next
// local day brings the next daily report; bad schedules name their field.
func TestScheduledReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// 23:30 UTC on 1 December is 00:30 on the 2nd in Paris.
		c := &clock{time.Date(2026, 12, 1, 23, 30, 0, 0, time.UTC)}
		s := New(db, Options{Now: c.now, Currency: func(context.Context, string) (string, error) { return "EUR", nil }})
		saveSettings(t, s, "ta", "Europe/Paris")
		placeOrder(t, db, "ta", "a@x", 9120, 1, time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), 0, "")
		placeOrder(t, db, "ta", "b@x", 5000, 1, time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC), 0, "")
		placeOrder(t, db, "tb", "z@x", 77700, 1, time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), 0, "")
		if _, err := s.Rollup(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			in    ScheduleInput
			field string
		}{
			{ScheduleInput{Frequency: "hourly", Recipients: []string{"a@x.example"}}, "frequency"},
			{ScheduleInput{Frequency: Daily}, "recipients"},
			{ScheduleInput{Frequency: Daily, Recipients: []string{"not an address"}}, "recipients"},
			{ScheduleInput{Frequency: Daily, Recipients: []string{"a@x.example"}, Metrics: []string{"nope"}}, "metrics"},
			{ScheduleInput{Frequency: Daily, Recipients: []string{"a@x.example"}, Metrics: []string{"retention_cohorts"}}, "metrics"},
		} {
			if _, err := s.SaveSchedule(shop("ta"), tc.in); fieldOf(err) != tc.field {
				t.Errorf("SaveSchedule(%+v) = %v, want an error on %s", tc.in, err, tc.field)
			}
		}
		for _, f := range Frequencies {
			if _, err := s.SaveSchedule(shop("ta"), ScheduleInput{Frequency: f, Metrics: []string{"orders", "gmv"},
				Recipients: []string{"Owner@Shop.example", "analyst@shop.example", "owner@shop.example"}}); err != nil {
				t.Fatal(err)
			}
		}
		// Saving again replaces the schedule of that frequency.
		if _, err := s.SaveSchedule(shop("ta"), ScheduleInput{Frequency: Daily, Metrics: []string{"orders", "gmv"},
			Recipients: []string{"owner@shop.example", "analyst@shop.example"}}); err != nil {
			t.Fatal(err)
		}
		scs, err := s.Schedules(shop("ta"))
		if err != nil || len(scs) != 3 || scs[0].Frequency != Daily || strings.Join(scs[0].Recipients, ",") != "analyst@shop.example,owner@shop.example" {
			t.Fatalf("schedules %+v %v", scs, err)
		}
		if other, _ := s.Schedules(shop("tb")); len(other) != 0 {
			t.Fatalf("shop tb sees %d schedules", len(other))
		}
		n, err := s.SendDue(context.Background())
		if err != nil || n != 3 {
			t.Fatalf("SendDue = %d, %v; want 3", n, err)
		}
		if n, err := s.SendDue(context.Background()); err != nil || n != 0 {
			t.Fatalf("SendDue again = %d, %v; want 0", n, err)
		}
		reps, err := s.Reports(shop("ta"), 10)
		if err != nil || len(reps) != 3 {
			t.Fatalf("reports %+v %v", reps, err)
		}
		periods := map[Frequency]string{}
		for _, r := range reps {
			periods[r.Frequency] = r.From + ".." + r.To
		}
		if periods[Daily] != "2026-12-01..2026-12-01" || periods[Weekly] != "2026-11-23..2026-11-29" || periods[Monthly] != "2026-11-01..2026-11-30" {
			t.Fatalf("periods %v", periods)
		}
		for _, r := range reps {
			full, err := s.Report(shop("ta"), r.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			for _, k := range full.Figures {
				got += k.Name + "=" + FormatFigure(k.Unit, k.Value, "EUR") + " "
			}
			want := map[Frequency]string{Daily: "orders=1 gmv=91.20 EUR ", Weekly: "orders=0 gmv=0.00 EUR ", Monthly: "orders=1 gmv=50.00 EUR "}[r.Frequency]
			if got != want {
				t.Errorf("%s report figures %q, want %q", r.Frequency, got, want)
			}
		}
		if _, err := s.Report(shop("tb"), reps[0].ID); err == nil {
			t.Fatal("shop tb reads shop ta's report")
		}
		mails := func() []string {
			var out []string
			if err := db.Read(shop("ta"), func(ctx context.Context, q bun.IDB) error {
				return q.NewRaw("SELECT mail_to || ' ' || subject FROM outbox WHERE topic = 'analytics.report' ORDER BY mail_to, subject").Scan(ctx, &out)
			}); err != nil {
				t.Fatal(err)
			}
			return out
		}
		got := mails()
		if len(got) != 6 || got[0] != "analyst@shop.example Daily report: Tuesday 1 December 2026" {
			t.Fatalf("mails %q", got)
		}
		var body string
		if err := db.Read(shop("ta"), func(ctx context.Context, q bun.IDB) error {
			return q.NewRaw("SELECT body_text FROM outbox WHERE topic = 'analytics.report' AND subject LIKE 'Daily%' LIMIT 1").Scan(ctx, &body)
		}); err != nil || !strings.Contains(body, "Sales (GMV): 91.20 EUR (+82.4% on the period before)") {
			t.Fatalf("daily mail body %q %v", body, err)
		}
		// The next local day: one more daily report.
		c.t = c.t.Add(24 * time.Hour)
		if n, err := s.SendDue(context.Background()); err != nil || n != 1 {
			t.Fatalf("SendDue the next day = %d, %v; want 1", n, err)
		}
		if got := mails(); len(got) != 8 {
			t.Fatalf("mails after the next day: %q", got)
		}
		if err := s.DeleteSchedule(shop("tb"), scs[0].ID); err == nil {
			t.Fatal("shop tb deleted shop ta's schedule")
		}
		if err := s.DeleteSchedule(shop("ta"), scs[0].ID); err != nil {
			t.Fatal(err)
		}
		if scs, _ := s.Schedules(shop("ta")); len(scs) != 2 {
			t.Fatalf("after delete: %d schedules", len(scs))
		}
	})
}
