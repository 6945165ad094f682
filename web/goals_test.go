package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/web/api"
)

// TestGoalsAPI: a goal created, read with its progress, edited and
// archived over HTTP, audited; bad goals are 400s naming the field; the
// analyst reads but cannot change goals; an API token must name the
// owner; the goal job's notice shows up in /api/goals/notices.
func TestGoalsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := startServer(t, db)
		s := srv.signup("goals")
		o := s.Owner
		svc := srv.Services.Analytics
		for range 3 { // three page views today, counted and rolled up
			svc.Track(analytics.Hit{TenantID: s.ID, Kind: analytics.PageView, Path: "/", IP: "192.0.2.10", UserAgent: testBrowserUA, Host: s.Slug + ".localhost"})
		}
		ctx := context.Background()
		if err := svc.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Rollup(ctx); err != nil {
			t.Fatal(err)
		}
		day := func(d int) string { return time.Now().UTC().AddDate(0, 0, d).Format(time.DateOnly) }
		good := func() map[string]any {
			return map[string]any{"name": "Page views", "metric": "pageviews", "target": 4, "start": day(0), "deadline": day(9)}
		}
		var g api.GoalJSON
		o.post("/api/goals", good(), 201).json(t, &g)
		if g.OwnerID != s.OwnerID || g.TargetValue != 4 || g.Progress.Value == nil || *g.Progress.Value != 3 ||
			g.Progress.Status != analytics.GoalOnTrack || g.Progress.DaysLeft != 10 || g.Progress.Share == nil || *g.Progress.Share != 0.75 {
			t.Fatalf("created goal: %+v", g)
		}
		var p api.GoalProgress
		o.getJSON("/api/goals/"+g.ID+"/progress", &p)
		if p.Value == nil || *p.Value != 3 || p.Status != analytics.GoalOnTrack {
			t.Errorf("progress %+v", p)
		}

		for _, tc := range []struct {
			field string
			edit  func(m map[string]any)
		}{
			{"metric", func(m map[string]any) { m["metric"] = "happiness" }},
			{"deadline", func(m map[string]any) { m["deadline"] = day(-3) }},
			{"start", func(m map[string]any) { m["start"] = day(10) }},
			{"target", func(m map[string]any) { m["target"] = 0 }},
			{"target", func(m map[string]any) { m["target"] = -1 }},
			{"base_from", func(m map[string]any) { m["kind"] = "relative" }},
			{"owner_id", func(m map[string]any) { m["owner_id"] = "someone-else" }},
			{"name", func(m map[string]any) { m["name"] = "" }},
		} {
			m := good()
			tc.edit(m)
			wantField(t, tc.field, o.post("/api/goals", m, 0), tc.field)
		}

		// Edit: +50% page views on the days before (none: refused), then
		// an absolute target of 3, met at once.
		m := good()
		m["kind"], m["target"], m["base_from"], m["base_to"] = "relative", 0.5, day(-5), day(-1)
		b, _ := jsonBody(m)
		wantField(t, "relative on an empty base", o.do("PUT", "/api/goals/"+g.ID, b, nil), "base_from")
		m = good()
		m["target"] = 3
		b, _ = jsonBody(m)
		if r := o.do("PUT", "/api/goals/"+g.ID, b, nil); r.Status != 200 {
			t.Fatalf("PUT: %d %s", r.Status, r.Body)
		} else if r.json(t, &g); g.Progress.Status != analytics.GoalMet || g.TargetValue != 3 {
			t.Errorf("after the edit: %+v", g)
		}
		if _, err := svc.EvaluateGoals(ctx); err != nil {
			t.Fatal(err)
		}
		var ns api.GoalNotices
		o.getJSON("/api/goals/notices", &ns)
		if len(ns.Notices) != 1 || ns.Notices[0].Status != analytics.GoalMet || ns.Notices[0].GoalID != g.ID {
			t.Errorf("notices %+v", ns)
		}
		o.getJSON("/api/goals/"+g.ID, &g)
		if len(g.Notices) != 1 {
			t.Errorf("the goal's notices: %+v", g.Notices)
		}

		// The analyst reads, and may not change.
		var tok api.TokenJSON
		o.post("/api/tokens", api.TokenRequest{Name: "reader", Role: "analyst"}, 201).json(t, &tok)
		reader := srv.tokenClient(tok.Secret)
		var list api.GoalList
		reader.getJSON("/api/goals", &list)
		if len(list.Goals) != 1 || list.Goals[0].ID != g.ID {
			t.Errorf("the analyst's list: %+v", list)
		}
		if r := reader.post("/api/goals", good(), 0); r.Status != 403 {
			t.Errorf("the analyst creates a goal: %d", r.Status)
		}
		// An administrator's token has no staff member: owner_id is required.
		o.post("/api/tokens", api.TokenRequest{Name: "admin", Role: "administrator"}, 201).json(t, &tok)
		adminTok := srv.tokenClient(tok.Secret)
		wantField(t, "token without owner", adminTok.post("/api/goals", good(), 0), "owner_id")
		m = good()
		m["owner_id"] = s.OwnerID
		adminTok.post("/api/goals", m, 201)

		if r := o.do("POST", "/api/goals/"+g.ID+"/archive", "", nil); r.Status != 200 {
			t.Fatalf("archive: %d %s", r.Status, r.Body)
		}
		o.getJSON("/api/goals", &list)
		if len(list.Goals) != 1 || list.Goals[0].ID == g.ID {
			t.Errorf("the archived goal is still listed: %+v", list)
		}
		o.getJSON("/api/goals?archived=true", &list)
		if len(list.Goals) != 2 {
			t.Errorf("with archived: %d goals", len(list.Goals))
		}
		if r := o.do("PUT", "/api/goals/"+g.ID, b, nil); r.Status != 409 {
			t.Errorf("editing an archived goal: %d %s", r.Status, r.Body)
		}
		var audit api.AuditPage
		o.getJSON("/api/audit?object_type=analytics_goal", &audit)
		var actions []string
		for _, e := range audit.Entries {
			actions = append(actions, e.Action)
		}
		if got := strings.Join(actions, ","); got != "analytics.goal.archive,analytics.goal.create,analytics.goal.update,analytics.goal.create" {
			t.Errorf("audit actions %s", got)
		}
	})
}

// TestGoalsConsole: the goals page, the form (a percentage share and a
// refused past deadline kept in the form), a goal's page and the home's
// goals block with a labelled progress bar and the status in words.
func TestGoalsConsole(t *testing.T) {
	srv := startServer(t, storetest.SQLite(t))
	s := srv.signup("goalcon")
	c := s.Owner
	day := func(d int) string { return time.Now().UTC().AddDate(0, 0, d).Format(time.DateOnly) }
	wantConsolePage(t, c.do("GET", "/console/goals", "", nil), 200, `href="/console/goals/new"`, "No goals yet.")
	wantConsolePage(t, c.do("GET", "/console/goals/new", "", nil), 200, `name="target"`, `<option value="conversion_rate"`, s.OwnerEmail)
	bad := consoleForm("name", "Conversion 3%", "metric", "conversion_rate", "kind", "absolute", "direction", "at_least", "target", "3",
		"start", day(-10), "deadline", day(-1), "owner_id", s.OwnerID)
	wantConsolePage(t, c.do("POST", "/console/goals", bad, nil), 400, "deadline", `value="Conversion 3%"`)
	okForm := strings.Replace(bad, "deadline="+day(-1), "deadline="+day(20), 1)
	relative := strings.Replace(okForm, "kind=absolute", "kind=relative", 1) + "&base_from=" + day(-40) + "&base_to=" + day(-11)
	wantConsolePage(t, c.do("POST", "/console/goals", relative, nil), 400, "base_from", "nothing to grow from", `value="relative" checked`)
	r := c.do("POST", "/console/goals", okForm, nil)
	wantSeeOther(t, r, "/console/goals/")
	page := strings.SplitN(r.Header.Get("Location"), "?", 2)[0]
	wantConsolePage(t, c.do("GET", page, "", nil), 200, "Conversion 3%", `name="target" value="3"`, "On track", "Pace needed for the rest of the period")
	var g api.GoalJSON
	c.getJSON("/api/goals/"+strings.TrimPrefix(page, "/console/goals/"), &g)
	if g.TargetValue != 0.03 || g.Metric != "conversion_rate" {
		t.Errorf("stored goal %+v", g.Goal)
	}
	wantConsolePage(t, c.do("GET", "/console", "", nil), 200, `id="goals-home-title"`, `<progress max="100" value="0" aria-label="Conversion 3%: — of the target">`,
		"On track", "3.0%")
	wantConsolePage(t, c.do("GET", "/console/goals", "", nil), 200, "Conversion 3%", "3.0%")
	wantSeeOther(t, c.do("POST", page+"/archive", "", nil), "/console/goals")
	wantConsolePage(t, c.do("GET", "/console/goals?archived=true", "", nil), 200, "Archived")
}

func jsonBody(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// browserGoal is TestBrowserDashboard's goal step: a sales goal of
// 100.00 EUR over the next 30 days created through the console form, its
// progress (the dashboard shop's 44.90 EUR order) on its page and on the
// home's goals block, the bar labelled and the status in words.
func browserGoal(owner *tab) {
	owner.t.Helper()
	today := time.Now().UTC().Format(time.DateOnly)
	owner.open("/console/goals/new", 200)
	form := `form[action="/console/goals"]`
	owner.fill(form, "name", "Sales this month", "target", "100.00")
	owner.setValue(form, "metric", "gmv", "start", today, "deadline", time.Now().UTC().AddDate(0, 0, 29).Format(time.DateOnly))
	owner.click(form+` button[type="submit"]`, 200)
	owner.wantText("#main h1", "Sales this month")
	owner.wantText("#main .goal", "So far 44.90 EUR of 100.00 EUR (45%)", "On track")
	owner.open("/console", 200)
	owner.wantText("#goals-home-title + .goal-list", "Sales this month", "So far 44.90 EUR of 100.00 EUR (45%)")
	if got := owner.attr("#goals-home-title + .goal-list progress", "aria-label"); got != "Sales this month: 45% of the target" {
		owner.fail("goal bar", fmt.Errorf("progress bar labelled %q", got))
	}
	if got := owner.attr("#goals-home-title + .goal-list progress", "value"); got != "44" {
		owner.fail("goal bar", fmt.Errorf("progress bar at %q, want 44", got))
	}
	owner.screenshots("dashboard-goals")
}
