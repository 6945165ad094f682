package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/wasmart/wasmart/web/api"
)

// victimGoals gives shop A a goal (its name a marker) on the page views
// victimAnalytics counted today, evaluated so it is met and has a notice,
// so the cross-tenant test proves no other shop sees or changes either.
func victimGoals(t *testing.T, srv *testServer, a victim) (string, []string) {
	t.Helper()
	today := time.Now().UTC().Format(time.DateOnly)
	var g api.GoalJSON
	a.Owner.post("/api/goals", map[string]any{"name": "alpha-goal-secret-name", "metric": "pageviews", "target": 1,
		"start": time.Now().UTC().AddDate(0, 0, -2).Format(time.DateOnly), "deadline": time.Now().UTC().AddDate(0, 0, 30).Format(time.DateOnly)}, 201).json(t, &g)
	if _, err := srv.Services.Analytics.EvaluateGoals(context.Background()); err != nil {
		t.Fatal(err)
	}
	var ns api.GoalNotices
	a.Owner.getJSON("/api/goals/notices", &ns)
	if len(ns.Notices) != 1 || ns.Notices[0].GoalID != g.ID {
		t.Fatalf("shop A's goal %s (%s, today %s) has no notice: %+v", g.ID, g.Progress.Status, today, ns)
	}
	return g.ID, []string{"alpha-goal-secret-name", g.ID}
}
