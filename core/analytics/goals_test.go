package analytics

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"mime/quotedprintable"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/outbox/smtpsink"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

// goalShop seeds the daily rollups of shop "gs" (New York time):
//   - gmv: 1,000 × the day of the month from 1 to 10 June (3 June split
//     over two sources), 5,000 a day from 1 to 10 May;
//   - refunds: 100 a day from 1 to 10 June;
//   - orders: 10 on weekdays and 30 on Saturdays and Sundays from 20 May
//     to 10 June;
//   - sessions: 100 a day from 1 to 10 June, 2 converted a day to 5 June
//     and 4 from 6 June;
//   - 11 June (New York's tomorrow, UTC's today at the test's clock):
//     huge figures that must not count before New York reaches that day.
//
// and another shop "gx" with the same 1 to 10 June gmv doubled.
func goalShop(t *testing.T, db *store.DB, s *Service) {
	t.Helper()
	saveSettings(t, s, "gs", "America/New_York")
	rows := map[string]*Counts{}
	at := func(day string) *Counts {
		if rows[day] == nil {
			rows[day] = &Counts{}
		}
		return rows[day]
	}
	for d := time.Date(2026, 5, 20, 0, 0, 0, 0, time.UTC); !d.After(time.Date(2026, 6, 10, 0, 0, 0, 0, time.UTC)); d = d.AddDate(0, 0, 1) {
		c := at(d.Format(time.DateOnly))
		c.Orders = 10
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			c.Orders = 30
		}
	}
	for i := 1; i <= 10; i++ {
		c := at(time.Date(2026, 6, i, 0, 0, 0, 0, time.UTC).Format(time.DateOnly))
		c.GMV, c.Refunds, c.Sessions, c.ConvertedSessions = int64(1000*i), 100, 100, 2
		if i >= 6 {
			c.ConvertedSessions = 4
		}
		at(time.Date(2026, 5, i, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)).GMV = 5000
	}
	*at("2026-06-11") = Counts{GMV: 999999, Orders: 999, Sessions: 100, ConvertedSessions: 100, Refunds: 99999}
	err := db.Write(shop("gs"), func(ctx context.Context, q bun.IDB) error {
		for day, c := range rows {
			r := dailyRow{TenantID: "gs", Day: day, SourceKey: SourceKey{Source: SourceDirect, Medium: MediumNone}, Counts: *c}
			if day == "2026-06-03" { // two sources, summed by the KPI
				r.GMV = 1000
				o := dailyRow{TenantID: "gs", Day: day, SourceKey: SourceKey{Source: "newsletter", Medium: "email"}, Counts: Counts{GMV: 2000}}
				if _, err := q.NewInsert().Model(&o).Exec(ctx); err != nil {
					return err
				}
			}
			if _, err := q.NewInsert().Model(&r).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Write(shop("gx"), func(ctx context.Context, q bun.IDB) error {
		for day, c := range rows {
			if day >= "2026-06-01" && day <= "2026-06-10" {
				x := dailyRow{TenantID: "gx", Day: day, SourceKey: SourceKey{Source: SourceDirect, Medium: MediumNone}, Counts: Counts{GMV: 2 * c.GMV}}
				if _, err := q.NewInsert().Model(&x).Exec(ctx); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func fp(v float64) *float64 { return &v }

func staffCtx(tenant string) context.Context {
	return tenancy.WithActor(shop(tenant), tenancy.Actor{Kind: "staff", ID: "u-owner", Name: "Olga"})
}

func near(a *float64, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return math.Abs(*a-*b) <= 1e-9*math.Max(1, math.Abs(*b))
}

func fstr(v *float64) string {
	if v == nil {
		return "nil"
	}
	return strconv.FormatFloat(*v, 'g', -1, 64)
}

// TestGoalProgress: progress, forecast (run-rate, weekly seasonality,
// recent window), pace and status exact on known rollups, with the
// shop's New York days (at 03:00 UTC on 11 June it is still 10 June in
// the shop).
func TestGoalProgress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := &clock{time.Date(2026, 6, 11, 3, 0, 0, 0, time.UTC)}
		s := newTestService(db, c)
		goalShop(t, db, s)
		ctx := staffCtx("gs")
		conv26, conv22 := 26.0/900, 22.0/700
		cases := []struct {
			name string
			in   GoalInput
			want Progress
		}{
			{"gmv run-rate exactly on target", GoalInput{Metric: "gmv", Target: fp(100000), Start: "2026-06-01", Deadline: "2026-06-20"},
				Progress{Status: GoalOnTrack, Value: fp(55000), Share: fp(0.55), Forecast: fp(100000), PaceNow: fp(5000), PaceNeeded: fp(5000), DaysTotal: 20, DaysDone: 9, DaysLeft: 11}},
			{"gmv run-rate one short", GoalInput{Metric: "gmv", Target: fp(100001), Start: "2026-06-01", Deadline: "2026-06-20"},
				Progress{Status: GoalAtRisk, Value: fp(55000), Share: fp(55000.0 / 100001), Forecast: fp(100000), PaceNow: fp(5000), PaceNeeded: fp(55001.0 / 11), DaysTotal: 20, DaysDone: 9, DaysLeft: 11}},
			{"gmv already reached", GoalInput{Metric: "gmv", Target: fp(50000), Start: "2026-06-01", Deadline: "2026-06-20"},
				Progress{Status: GoalMet, Value: fp(55000), Share: fp(1.1), Forecast: fp(100000), PaceNow: fp(5000), PaceNeeded: fp(0), DaysTotal: 20, DaysDone: 9, DaysLeft: 11}},
			{"orders with weekly seasonality", GoalInput{Metric: "orders", Target: fp(440), Start: "2026-05-25", Deadline: "2026-06-21"},
				Progress{Status: GoalOnTrack, Value: fp(250), Share: fp(250.0 / 440), Forecast: fp(440), PaceNow: fp(15), PaceNeeded: fp(200.0 / 12), DaysTotal: 28, DaysDone: 16, DaysLeft: 12}},
			{"orders seasonality one short", GoalInput{Metric: "orders", Target: fp(441), Start: "2026-05-25", Deadline: "2026-06-21"},
				Progress{Status: GoalAtRisk, Value: fp(250), Share: fp(250.0 / 441), Forecast: fp(440), PaceNow: fp(15), PaceNeeded: fp(201.0 / 12), DaysTotal: 28, DaysDone: 16, DaysLeft: 12}},
			{"conversion recent window", GoalInput{Name: "Conversion 3%", Metric: "conversion_rate", Target: fp(0.03), Start: "2026-06-01", Deadline: "2026-06-20"},
				Progress{Status: GoalOnTrack, Value: fp(0.03), Share: fp(1), Forecast: fp(424.0 / 14000), PaceNow: fp(conv22),
					PaceNeeded: fp((0.03 - 0.45*conv26) / 0.55), DaysTotal: 20, DaysDone: 9, DaysLeft: 11}},
			{"conversion too high", GoalInput{Metric: "conversion_rate", Target: fp(0.031), Start: "2026-06-01", Deadline: "2026-06-20"},
				Progress{Status: GoalAtRisk, Value: fp(0.03), Share: fp(0.03 / 0.031), Forecast: fp(424.0 / 14000), PaceNow: fp(conv22),
					PaceNeeded: fp((0.031 - 0.45*conv26) / 0.55), DaysTotal: 20, DaysDone: 9, DaysLeft: 11}},
			{"+30% gmv on 1-10 May", GoalInput{Metric: "gmv", Kind: GoalRelative, Target: fp(0.3), BaseFrom: "2026-05-01", BaseTo: "2026-05-10", Start: "2026-06-01", Deadline: "2026-06-20"},
				Progress{Status: GoalOnTrack, Target: 65000, Value: fp(55000), Share: fp(55000.0 / 65000), Forecast: fp(100000), PaceNow: fp(5000), PaceNeeded: fp(20000.0 / 11), DaysTotal: 20, DaysDone: 9, DaysLeft: 11}},
			{"refunds at most 1,000", GoalInput{Metric: "refunds", Direction: AtMost, Target: fp(1000), Start: "2026-06-01", Deadline: "2026-06-20"},
				Progress{Status: GoalAtRisk, Value: fp(1000), Share: fp(1), Forecast: fp(2000), PaceNow: fp(100), PaceNeeded: fp(100.0 / 11), DaysTotal: 20, DaysDone: 9, DaysLeft: 11}},
			{"refunds at most 900: already over", GoalInput{Metric: "refunds", Direction: AtMost, Target: fp(900), Start: "2026-06-01", Deadline: "2026-06-20"},
				Progress{Status: GoalMissed, Value: fp(1000), Share: fp(1000.0 / 900), Forecast: fp(2000), PaceNow: fp(100), PaceNeeded: fp(0), DaysTotal: 20, DaysDone: 9, DaysLeft: 11}},
			{"starts today: no forecast yet", GoalInput{Metric: "gmv", Target: fp(1), Start: "2026-06-10", Deadline: "2026-06-12"},
				Progress{Status: GoalMet, Value: fp(10000), Share: fp(10000), PaceNeeded: fp(0), DaysTotal: 3, DaysDone: 0, DaysLeft: 3}},
			{"starts today, rate", GoalInput{Metric: "conversion_rate", Target: fp(0.5), Start: "2026-06-10", Deadline: "2026-06-12"},
				Progress{Status: GoalOnTrack, Value: fp(0.04), Share: fp(0.08), PaceNeeded: fp(0.5), DaysTotal: 3, DaysDone: 0, DaysLeft: 3}},
			{"upcoming", GoalInput{Metric: "gmv", Target: fp(1), Start: "2026-06-11", Deadline: "2026-06-30"},
				Progress{Status: GoalUpcoming, DaysTotal: 20, DaysLeft: 20}},
		}
		for _, tc := range cases {
			if tc.in.Name == "" {
				tc.in.Name = tc.name
			}
			tc.in.OwnerID = "u-owner"
			g, err := s.CreateGoal(ctx, tc.in)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			p, err := s.GoalProgress(ctx, g)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			w := tc.want
			if w.Target == 0 {
				w.Target = *tc.in.Target
			}
			if p.Status != w.Status || p.Today != "2026-06-10" || p.Target != w.Target || !near(p.Value, w.Value) || !near(p.Share, w.Share) ||
				!near(p.Forecast, w.Forecast) || !near(p.PaceNow, w.PaceNow) || !near(p.PaceNeeded, w.PaceNeeded) ||
				p.DaysTotal != w.DaysTotal || p.DaysDone != w.DaysDone || p.DaysLeft != w.DaysLeft {
				t.Errorf("%s:\n got %s today %s target %g value %s share %s forecast %s pace %s need %s days %d/%d/%d\nwant %s today 2026-06-10 target %g value %s share %s forecast %s pace %s need %s days %d/%d/%d",
					tc.name, p.Status, p.Today, p.Target, fstr(p.Value), fstr(p.Share), fstr(p.Forecast), fstr(p.PaceNow), fstr(p.PaceNeeded), p.DaysTotal, p.DaysDone, p.DaysLeft,
					w.Status, w.Target, fstr(w.Value), fstr(w.Share), fstr(w.Forecast), fstr(w.PaceNow), fstr(w.PaceNeeded), w.DaysTotal, w.DaysDone, w.DaysLeft)
			}
		}
		if g, err := s.CreateGoal(ctx, GoalInput{Name: "x", Metric: "gmv", Kind: GoalRelative, Target: fp(0.3), BaseFrom: "2026-05-01", BaseTo: "2026-05-10",
			Start: "2026-06-01", Deadline: "2026-06-20", OwnerID: "u"}); err != nil || g.BaseValue == nil || *g.BaseValue != 50000 || g.TargetValue != 65000 {
			t.Errorf("relative goal: %+v (%v)", g, err)
		}

		// The deadline's last minute in New York, and the minute after.
		refunds, err := s.CreateGoal(ctx, GoalInput{Name: "refunds", Metric: "refunds", Direction: AtMost, Target: fp(1000), Start: "2026-06-01", Deadline: "2026-06-10", OwnerID: "u"})
		if err != nil {
			t.Fatal(err)
		}
		if p, err := s.GoalProgress(ctx, refunds); err != nil || p.Status != GoalOnTrack || p.DaysLeft != 1 || *p.Forecast != 1000 {
			t.Errorf("10 June 23:00 in New York: %+v (%v), want on track with 1 day left and a forecast of 1000", p, err)
		}
		c.t = time.Date(2026, 6, 11, 4, 0, 0, 0, time.UTC) // 00:00 on 11 June in New York
		if p, err := s.GoalProgress(ctx, refunds); err != nil || p.Status != GoalMet || p.DaysLeft != 0 || *p.Value != 1000 || p.Through != "2026-06-10" {
			t.Errorf("after the deadline: %+v (%v), want met at 1000", p, err)
		}
		if p, err := s.GoalProgress(ctx, &Goal{Metric: "gmv", Direction: AtLeast, TargetValue: 55001, Start: "2026-06-01", Deadline: "2026-06-10"}); err != nil || p.Status != GoalMissed || *p.Value != 55000 {
			t.Errorf("gmv 55,001 by 10 June, after it: %+v (%v), want missed at 55,000", p, err)
		}
	})
}

// TestGoalValidation: bad goals are refused naming the field, nothing
// stored.
func TestGoalValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newTestService(db, &clock{time.Date(2026, 6, 11, 3, 0, 0, 0, time.UTC)})
		goalShop(t, db, s)
		ok := GoalInput{Name: "g", Metric: "gmv", Target: fp(1), Start: "2026-06-01", Deadline: "2026-06-30", OwnerID: "u"}
		for _, tc := range []struct {
			field string
			edit  func(in *GoalInput)
		}{
			{"metric", func(in *GoalInput) { in.Metric = "happiness" }},
			{"metric", func(in *GoalInput) { in.Metric = "churn_rate" }},
			{"deadline", func(in *GoalInput) { in.Deadline = "2026-06-09" }}, // yesterday in New York
			{"deadline", func(in *GoalInput) { in.Deadline = "30/06/2026" }},
			{"start", func(in *GoalInput) { in.Start = "2026-07-01" }},
			{"start", func(in *GoalInput) { in.Start = "" }},
			{"target", func(in *GoalInput) { in.Target = fp(0) }},
			{"target", func(in *GoalInput) { in.Target = fp(-5) }},
			{"target", func(in *GoalInput) { in.Target = nil }},
			{"target", func(in *GoalInput) { in.Metric, in.Target = "conversion_rate", fp(3) }}, // 300%
			{"base_from", func(in *GoalInput) { in.Kind = GoalRelative }},
			{"base_to", func(in *GoalInput) { in.Kind, in.BaseFrom = GoalRelative, "2026-05-01" }},
			{"base_to", func(in *GoalInput) { in.Kind, in.BaseFrom, in.BaseTo = GoalRelative, "2026-05-01", "2026-06-01" }},
			{"base_from", func(in *GoalInput) { in.Kind, in.BaseFrom, in.BaseTo = GoalRelative, "2026-04-01", "2026-04-30" }}, // no sales then
			{"base_from", func(in *GoalInput) { in.BaseFrom, in.BaseTo = "2026-05-01", "2026-05-10" }},                        // absolute
			{"kind", func(in *GoalInput) { in.Kind = "vibes" }},
			{"direction", func(in *GoalInput) { in.Direction = "sideways" }},
			{"name", func(in *GoalInput) { in.Name = " " }},
			{"name", func(in *GoalInput) { in.Name = "a\x00b" }},
			{"owner_id", func(in *GoalInput) { in.OwnerID = "" }},
		} {
			in := ok
			tc.edit(&in)
			if _, err := s.CreateGoal(staffCtx("gs"), in); fieldOf(err) != tc.field {
				t.Errorf("%+v: error %v, want one naming %s", in, err, tc.field)
			}
		}
		if gs, err := s.Goals(shop("gs"), true); err != nil || len(gs) != 0 {
			t.Errorf("bad goals stored: %+v (%v)", gs, err)
		}
		if _, err := s.CreateGoal(staffCtx("gs"), ok); err != nil {
			t.Fatalf("the good goal: %v", err)
		}
	})
}

// TestGoalKPIsAreSumsOrRates: the forecast treats every KPI as a sum or
// a rate; a KPI that is neither would be forecast wrongly.
func TestGoalKPIsAreSumsOrRates(t *testing.T) {
	c := probeCounts()
	two := times(&c, 2)
	sums := 0
	for _, d := range Definitions() {
		if d.Basis == BasisOther { // not a goal metric (refused by CreateGoal)
			continue
		}
		v1, ok1 := d.Value(&c)
		v2, ok2 := d.Value(&two)
		if !ok1 || !ok2 || v1 == 0 {
			t.Errorf("%s is undefined or zero on the probe counts", d.Name)
			continue
		}
		switch {
		case v2 == 2*v1:
			sums++
			if !cumulative(&d) {
				t.Errorf("%s is a sum but not cumulative", d.Name)
			}
		case v2 == v1:
			if cumulative(&d) {
				t.Errorf("%s is a rate but cumulative", d.Name)
			}
		default:
			t.Errorf("%s is neither a sum nor a rate: %g then %g", d.Name, v1, v2)
		}
	}
	if sums == 0 || sums == len(Definitions()) {
		t.Errorf("%d sums among %d KPIs", sums, len(Definitions()))
	}
}

// TestGoalNoticesOncePerTransition: the goal job announces a change to
// at risk and to met once each however often it runs, in another shop
// nothing, and the mails reach the owner and the managers once each.
func TestGoalNoticesOncePerTransition(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := &clock{time.Date(2026, 6, 11, 3, 0, 0, 0, time.UTC)}
		s := newTestService(db, c)
		goalShop(t, db, s)
		g, err := s.CreateGoal(staffCtx("gs"), GoalInput{Name: "June sales", Metric: "gmv", Target: fp(100001), Start: "2026-06-01", Deadline: "2026-06-20", OwnerID: "u-owner"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateGoal(staffCtx("gx"), GoalInput{Name: "x", Metric: "gmv", Target: fp(1), Start: "2026-06-01", Deadline: "2026-06-20", OwnerID: "u-x"}); err != nil {
			t.Fatal(err)
		}
		events := func() []GoalEvent {
			var ms []outbox.Message
			if err := db.Read(tenancy.WithPlatform(context.Background()), func(ctx context.Context, q bun.IDB) error {
				return q.NewSelect().Model(&ms).Where("tenant_id = ? AND topic = ?", "gs", TopicGoalStatus).OrderExpr("created_at, id").Scan(ctx)
			}); err != nil {
				t.Fatal(err)
			}
			out := make([]GoalEvent, len(ms))
			for i := range ms {
				if err := json.Unmarshal([]byte(ms[i].Payload), &out[i]); err != nil {
					t.Fatal(err)
				}
			}
			return out
		}
		for range 2 {
			if _, err := s.EvaluateGoals(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		ns, err := s.GoalNotices(shop("gs"), "", 50)
		if ev := events(); err != nil || len(ns) != 1 || ns[0].Status != GoalAtRisk || ns[0].Previous != "" || ns[0].Day != "2026-06-10" ||
			len(ev) != 1 || ev[0].Status != GoalAtRisk || ev[0].GoalID != g.ID || *ev[0].Forecast != 100000 {
			t.Fatalf("after two rounds: notices %+v (%v), events %+v; want one at-risk notice and event", ns, err, ev)
		}
		if got, _ := s.Goal(shop("gs"), g.ID); got.Status != GoalAtRisk {
			t.Errorf("stored status %q", got.Status)
		}
		if ns, _ := s.GoalNotices(shop("gx"), "", 50); len(ns) != 0 { // met at once: its own notice only
			for _, n := range ns {
				if n.GoalID == g.ID {
					t.Errorf("shop gx sees gs's notice %+v", n)
				}
			}
		}
		// Sales pick up: 50,000 more on 10 June; the goal is met.
		if err := db.Write(shop("gs"), func(ctx context.Context, q bun.IDB) error {
			_, err := q.NewUpdate().Model((*dailyRow)(nil)).Set("gmv = gmv + 50000").Where("tenant_id = 'gs' AND day = '2026-06-10'").Exec(ctx)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, err := s.EvaluateGoals(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		ns, _ = s.GoalNotices(shop("gs"), g.ID, 50)
		if ev := events(); len(ns) != 2 || ns[0].Status != GoalMet || ns[0].Previous != GoalAtRisk || len(ev) != 2 || ev[1].Status != GoalMet {
			t.Fatalf("after the sales: notices %+v, events %+v; want a second, met", ns, ev)
		}

		// The mails: the owner and a manager (twice in the audience),
		// once each per event, even when the handler runs again.
		sink := smtpsink.Start(t)
		w := outbox.NewWorker(db, sink.Config())
		h := s.GoalMailer(func(_ context.Context, tenant, owner string) (GoalAudience, error) {
			if tenant == "gx" && owner == "u-x" {
				return GoalAudience{ShopName: "Other", Currency: "EUR", Emails: []string{"x@gx.test"}}, nil
			}
			if tenant != "gs" || owner != "u-owner" {
				t.Errorf("audience asked for %s/%s", tenant, owner)
			}
			return GoalAudience{ShopName: "Goal Shop", Currency: "USD", Emails: []string{"owner@gs.test", "boss@gs.test", "Boss@gs.test"}}, nil
		}, "https://console.test")
		w.Handle(TopicGoalStatus, h)
		w.Handle(TopicGoalStatus, h) // a second run of the handler for the same event
		for range 3 {
			if _, err := w.RunOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		own, boss := sink.To("owner@gs.test"), sink.To("boss@gs.test")
		if len(own) != 2 || len(boss) != 2 || len(sink.To("x@gx.test")) != 1 {
			t.Fatalf("owner got %d mails, manager %d; want 2 each (at risk, met), and gx's one to its own staff", len(own), len(boss))
		}
		var subjects, bodies []string
		for _, m := range own {
			subjects = append(subjects, m.Header.Get("Subject"))
			b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(m.Body)))
			if err != nil {
				t.Fatal(err)
			}
			bodies = append(bodies, string(b))
			if !strings.Contains(string(b), "https://console.test/console/goals/"+g.ID) {
				t.Errorf("mail without the goal's link: %s", b)
			}
		}
		joined := strings.Join(subjects, " | ")
		if !strings.Contains(joined, "[Goal Shop] Goal at risk: June sales") || !strings.Contains(joined, "[Goal Shop] Goal met: June sales") {
			t.Errorf("subjects %q", joined)
		}
		if all := strings.Join(bodies, "\n"); !strings.Contains(all, "is 550.00 USD so far and is forecast at 1000.00 USD by 2026-06-20, against a target of 1000.01 USD") ||
			!strings.Contains(all, "is met: Sales (GMV) is 1050.00 USD against a target of 1000.01 USD") {
			t.Errorf("figures not in the shop's money: %s", all)
		}
	})
}

// BenchmarkGoalProgress is one goal's progress over a year of daily
// rollups (365 days × 3 sources, a sum KPI with weekly seasonality and a
// rate), as the goals page and the goal job compute it for each goal.
func BenchmarkGoalProgress(b *testing.B) {
	storetest.EachB(b, func(b *testing.B, db *store.DB) {
		s := New(db, Options{Now: func() time.Time { return time.Date(2026, 12, 20, 12, 0, 0, 0, time.UTC) }})
		err := db.Write(shop("gb"), func(ctx context.Context, q bun.IDB) error {
			var rows []dailyRow
			for d := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == 2026; d = d.AddDate(0, 0, 1) {
				for i, src := range []string{SourceDirect, "google", "newsletter"} {
					rows = append(rows, dailyRow{TenantID: "gb", Day: d.Format(time.DateOnly), SourceKey: SourceKey{Source: src, Medium: MediumNone},
						Counts: Counts{Sessions: int64(100 + i), ConvertedSessions: int64(2 + i), Orders: int64(3 + i), GMV: int64(9000 + 100*i)}})
				}
			}
			_, err := q.NewInsert().Model(&rows).Exec(ctx)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		for _, metric := range []string{"gmv", "conversion_rate"} {
			g := &Goal{ID: "g", Metric: metric, Direction: AtLeast, TargetValue: 1, Start: "2026-01-01", Deadline: "2026-12-31"}
			b.Run(metric, func(b *testing.B) {
				for b.Loop() {
					if _, err := s.GoalProgress(shop("gb"), g); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	})
}
