package web_test

import (
	"context"
	"testing"

	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/web/api"
)

// victimReports gives shop A a daily report schedule to its analyst and
// the report it sent, so the cross-tenant test addresses them (:schedule,
// :report) from another shop; it checks A's own topic report by source
// shows A's campaign traffic (a marker), which no other shop may see.
func victimReports(t *testing.T, srv *testServer, a victim) (schedule, report string) {
	t.Helper()
	var sc analytics.Schedule
	r := a.Owner.do("PUT", "/api/analytics/schedules/daily", `{"metrics":["orders","gmv","visitors"],"recipients":["analyst@alpha.example.com"]}`, nil)
	if r.Status != 200 {
		t.Fatalf("A's schedule: %d %s", r.Status, r.Body)
	}
	r.json(t, &sc)
	if _, err := srv.Services.Analytics.SendDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	var reps []analytics.StoredReport
	a.Owner.getJSON("/api/analytics/reports", &reps)
	if len(reps) != 1 {
		t.Fatalf("A's reports: %+v", reps)
	}
	var rep api.TopicReportJSON
	a.Owner.getJSON("/api/analytics/report?dimension=source&metrics=sessions,pageviews", &rep)
	if len(rep.Rows) == 0 || rep.Rows[0].Key != "alpha-utm-source" {
		t.Fatalf("A's topic report by source does not show its traffic: %+v", rep.Rows)
	}
	return sc.ID, reps[0].ID
}
