package web_test

import (
	"context"
	"html"
	"net/url"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/web/api"
)

// TestReportsHTTP: topic reports through the API (JSON and CSV) and the
// console (table, SVG charts, CSV link), the KPI help page listing every
// definition, bad input naming its field, and scheduled reports saved
// through the API and the console form, sent once per period, mailed and
// readable; shop B never sees shop A's traffic or reports.
func TestReportsHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := startServer(t, db)
		a, b := srv.signup("rpa"), srv.signup("rpb")
		svc := srv.Services.Analytics
		for _, sh := range []struct{ id, src string }{{a.ID, "alpha-news"}, {a.ID, "alpha-news"}, {b.ID, "bravo-ads"}} {
			svc.Track(analytics.Hit{TenantID: sh.id, Kind: analytics.PageView, Path: "/", IP: "192.0.2." + map[string]string{a.ID: "1", b.ID: "2"}[sh.id],
				UserAgent: testBrowserUA, Host: "x.localhost", UTMSource: sh.src})
		}
		ctx := context.Background()
		if err := svc.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Rollup(ctx); err != nil {
			t.Fatal(err)
		}
		var rep api.TopicReportJSON
		a.Owner.getJSON("/api/analytics/report?dimension=source&metrics=pageviews,visitors", &rep)
		if len(rep.Rows) != 1 || rep.Rows[0].Key != "alpha-news" || *rep.Rows[0].Values[0] != 2 || *rep.Rows[0].Values[1] != 1 {
			t.Fatalf("A's report by source: %+v", rep)
		}
		r := b.Owner.do("GET", "/api/analytics/report?dimension=source&metrics=pageviews,visitors&format=csv", "", nil)
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") ||
			r.Body != "source,label,pageviews,visitors\nbravo-ads,bravo-ads,1,1\ntotal,,1,1\n" {
			t.Fatalf("B's CSV: %d %q", r.Status, r.Body)
		}
		for _, tc := range []struct{ q, field string }{
			{"from=2026-12-01&to=2026-11-01", "to"},
			{"from=2001-01-01&to=2001-01-02", "from"},
			{"metrics=bogus", "metrics"},
			{"metrics=visitors&dimension=country", "metrics"},
			{"dimension=planet", "dimension"},
			{"format=xml", "format"},
		} {
			wantField(t, tc.q, a.Owner.do("GET", "/api/analytics/report?"+tc.q, "", nil), tc.field)
		}
		wantField(t, "cohorts reversed", a.Owner.do("GET", "/api/analytics/cohorts?from=2026-12-01&to=2026-11-01", "", nil), "to")
		var co api.CohortsJSON
		a.Owner.getJSON("/api/analytics/cohorts", &co)
		if len(co.Cohorts) == 0 {
			t.Fatalf("cohorts: %+v", co)
		}

		// The console: the report page, its charts and CSV link.
		pg := a.Owner.do("GET", "/console/reports?metric=pageviews&metric=gmv&dimension=day", "", nil)
		if pg.Status != 200 || !strings.Contains(pg.Body, `id="topic-table"`) || strings.Count(pg.Body, "<svg") != 2 ||
			!strings.Contains(pg.Body, `/api/analytics/report?dimension=day&amp;format=csv`) {
			t.Fatalf("reports page: %d %s", pg.Status, cut(pg.Body))
		}
		if pg := a.Owner.do("GET", "/console/reports?run=1&metric=visitors&dimension=country", "", nil); pg.Status != 400 || !strings.Contains(pg.Body, "cannot be broken down by country") {
			t.Fatalf("bad report in the console: %d %s", pg.Status, pg.Body[strings.Index(pg.Body, "<main"):])
		}
		help := a.Owner.do("GET", "/console/reports/kpis", "", nil)
		for _, d := range analytics.Definitions() {
			if !strings.Contains(help.Body, `id="def-`+d.Name+`"`) || !strings.Contains(help.Body, html.EscapeString(d.Label)) {
				t.Errorf("KPI help page lacks %s", d.Name)
			}
		}

		// Schedules: recipients must be the shop's staff.
		wantField(t, "stranger", a.Owner.do("PUT", "/api/analytics/schedules/daily", `{"recipients":["stranger@example.com"]}`, nil), "recipients")
		wantField(t, "B's owner", a.Owner.do("PUT", "/api/analytics/schedules/daily", `{"recipients":["`+b.OwnerEmail+`"]}`, nil), "recipients")
		wantField(t, "hourly", a.Owner.do("PUT", "/api/analytics/schedules/hourly", `{"recipients":["`+a.OwnerEmail+`"]}`, nil), "frequency")
		if r := a.Owner.do("PUT", "/api/analytics/schedules/daily", `{"metrics":["pageviews","gmv"],"recipients":["`+a.OwnerEmail+`"]}`, nil); r.Status != 200 {
			t.Fatalf("daily schedule: %d %s", r.Status, r.Body)
		}
		r = a.Owner.form("/console/reports/schedules", url.Values{"frequency": {"weekly"}, "metric": {"orders", "visitors"}, "recipient": {a.OwnerEmail}})
		if r.Status != 303 {
			t.Fatalf("weekly schedule form: %d %s", r.Status, cut(r.Body))
		}
		if r := a.Owner.form("/console/reports/schedules", url.Values{"frequency": {"monthly"}, "recipient": {"stranger@example.com"}}); r.Status != 400 ||
			!strings.Contains(r.Body, "not a staff member") {
			t.Fatalf("form with a stranger: %d %s", r.Status, cut(r.Body))
		}
		var scs []analytics.Schedule
		a.Owner.getJSON("/api/analytics/schedules", &scs)
		if len(scs) != 2 || scs[1].Frequency != analytics.Weekly || strings.Join(scs[1].Metrics, ",") != "orders,visitors" {
			t.Fatalf("schedules: %+v", scs)
		}
		b.Owner.getJSON("/api/analytics/schedules", &scs)
		if len(scs) != 0 {
			t.Fatalf("B sees schedules: %+v", scs)
		}
		if n, err := svc.SendDue(ctx); err != nil || n != 2 {
			t.Fatalf("SendDue = %d, %v", n, err)
		}
		if n, err := svc.SendDue(ctx); err != nil || n != 0 {
			t.Fatalf("SendDue again = %d, %v", n, err)
		}
		pgm, err := outbox.ListMail(tenancy.WithPlatform(ctx), srv.DB, outbox.MailFilter{To: a.OwnerEmail})
		if err != nil {
			t.Fatal(err)
		}
		reports := 0
		for _, m := range pgm.Mail {
			if m.Topic == "analytics.report" {
				reports++
			}
		}
		if reports != 2 {
			t.Fatalf("report mails to A's owner: %d", reports)
		}
		var stored []analytics.StoredReport
		a.Owner.getJSON("/api/analytics/reports", &stored)
		if len(stored) != 2 {
			t.Fatalf("stored reports %+v", stored)
		}
		page := a.Owner.do("GET", "/console/reports/scheduled", "", nil)
		if page.Status != 200 || !strings.Contains(page.Body, stored[0].Title) || !strings.Contains(page.Body, `/console/reports/scheduled/`+stored[0].ID) {
			t.Fatalf("scheduled page: %d %s", page.Status, cut(page.Body))
		}
		one := a.Owner.do("GET", "/console/reports/scheduled/"+stored[0].ID, "", nil)
		if one.Status != 200 || !strings.Contains(one.Body, `id="stored-report"`) {
			t.Fatalf("stored report page: %d %s", one.Status, cut(one.Body))
		}
		if r := b.Owner.do("GET", "/console/reports/scheduled/"+stored[0].ID, "", nil); r.Status != 404 {
			t.Fatalf("B reads A's report: %d", r.Status)
		}
		if r := a.Owner.do("DELETE", "/api/analytics/schedules/"+scs0(t, a), "", nil); r.Status != 204 {
			t.Fatalf("delete schedule: %d %s", r.Status, r.Body)
		}
	})
}

func scs0(t *testing.T, a shop) string {
	t.Helper()
	var scs []analytics.Schedule
	a.Owner.getJSON("/api/analytics/schedules", &scs)
	if len(scs) == 0 {
		t.Fatal("no schedule")
	}
	return scs[0].ID
}
