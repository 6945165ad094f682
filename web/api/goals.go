package api

import (
	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// Goals are the shop's SMART goals on the console host (goals.read: the
// owner, administrator and the read-only analyst; goals.manage: owner and
// administrator): a KPI of /api/analytics/definitions, a target (absolute
// in the KPI's unit — a ratio 0 to 1, money in minor units, a count — or,
// for kind "relative", a change on a base period: 0.3 is +30%), a start
// and a deadline (the shop's local days, included) and an owner (a staff
// member who can read goals; default: you). Each goal comes with its
// progress: the value so far, the forecast at the deadline and its
// method, the pace needed and the status (upcoming, on_track, at_risk,
// met, missed). core/analytics documents the method. Bad input (an
// unknown metric, a deadline in the past, a start after the deadline, a
// target that is not positive, a relative goal without its base period)
// is a 400 naming the field; every change is audited.

type (
	// GoalRequest creates or replaces a goal.
	GoalRequest = analytics.GoalInput
	// GoalProgress is where a goal stands today.
	GoalProgress = analytics.Progress
	// GoalNotice is a goal's change to at risk or met.
	GoalNotice = analytics.GoalNotice
)

// GoalJSON is a goal with its progress (and, alone, its notices).
type GoalJSON struct {
	analytics.Goal
	Progress analytics.Progress `json:"progress"`
	Notices  []GoalNotice       `json:"notices,omitempty"`
}

// GoalList is the shop's goals, the soonest deadline first.
type GoalList struct {
	Goals []GoalJSON `json:"goals"`
}

// GoalNotices are the shop's latest goal notices, newest first.
type GoalNotices struct {
	Notices []GoalNotice `json:"notices"`
}

// Goals handles the goal routes.
type Goals struct {
	analytics *analytics.Service
	admin     *admin.Admin
}

// Routes are the goal routes.
func (s *Goals) Routes() []httpx.Route {
	var t httpx.Table
	api := t.Group(httpx.ScopeTenant, "goals")
	api.API("GET", "/api/goals", perm.GoalsRead, "The shop's goals with their progress, the soonest deadline first", nil, GoalList{}, s.apiList,
		httpx.QueryParam{Name: "archived", Enum: []string{"true", "false"}, Description: "include archived goals (default false)"})
	api.API("POST", "/api/goals", perm.GoalsManage, "Create a goal", GoalRequest{}, GoalJSON{}, s.apiCreate)
	api.API("GET", "/api/goals/notices", perm.GoalsRead, "The latest goal notices (a goal turned at risk or was met), newest first", nil, GoalNotices{}, s.apiNotices)
	api.API("GET", "/api/goals/:goal", perm.GoalsRead, "A goal with its progress and notices", nil, GoalJSON{}, s.apiGet)
	api.API("PUT", "/api/goals/:goal", perm.GoalsManage, "Replace a goal's definition", GoalRequest{}, GoalJSON{}, s.apiUpdate)
	api.API("POST", "/api/goals/:goal/archive", perm.GoalsManage, "Archive a goal (it is no longer evaluated)", nil, GoalJSON{}, s.apiArchive)
	api.API("GET", "/api/goals/:goal/progress", perm.GoalsRead, "A goal's progress: value so far, forecast, pace and status", nil, GoalProgress{}, s.apiProgress)
	return t.Routes()
}

func (s *Goals) withProgress(c *fiber.Ctx, g *analytics.Goal) (GoalJSON, error) {
	out := GoalJSON{Goal: *g}
	if g.ArchivedAt != nil {
		out.Progress.Status = g.Status
		return out, nil
	}
	p, err := s.analytics.GoalProgress(c.UserContext(), g)
	out.Progress = p
	return out, err
}

func (s *Goals) apiList(c *fiber.Ctx) error {
	gs, err := s.analytics.Goals(c.UserContext(), c.Query("archived") == "true")
	if err != nil {
		return err
	}
	out := GoalList{Goals: make([]GoalJSON, len(gs))}
	for i := range gs {
		if out.Goals[i], err = s.withProgress(c, &gs[i]); err != nil {
			return err
		}
	}
	return c.JSON(out)
}

func (s *Goals) save(c *fiber.Ctx, id string) error {
	var in GoalRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	g, err := s.admin.SaveGoal(c, s.analytics, id, in)
	if err != nil {
		return err
	}
	out, err := s.withProgress(c, g)
	if err != nil {
		return err
	}
	if id == "" {
		c.Status(fiber.StatusCreated)
	}
	return c.JSON(out)
}

func (s *Goals) apiCreate(c *fiber.Ctx) error { return s.save(c, "") }

func (s *Goals) apiUpdate(c *fiber.Ctx) error {
	if _, err := s.analytics.Goal(c.UserContext(), c.Params("goal")); err != nil {
		return err // a foreign or unknown goal is 404 before the body is judged
	}
	return s.save(c, c.Params("goal"))
}

func (s *Goals) apiGet(c *fiber.Ctx) error {
	g, err := s.analytics.Goal(c.UserContext(), c.Params("goal"))
	if err != nil {
		return err
	}
	out, err := s.withProgress(c, g)
	if err != nil {
		return err
	}
	if out.Notices, err = s.analytics.GoalNotices(c.UserContext(), g.ID, 50); err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Goals) apiArchive(c *fiber.Ctx) error {
	g, err := s.analytics.ArchiveGoal(c.UserContext(), c.Params("goal"))
	if err != nil {
		return err
	}
	out, err := s.withProgress(c, g)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Goals) apiProgress(c *fiber.Ctx) error {
	g, err := s.analytics.Goal(c.UserContext(), c.Params("goal"))
	if err != nil {
		return err
	}
	p, err := s.analytics.GoalProgress(c.UserContext(), g)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (s *Goals) apiNotices(c *fiber.Ctx) error {
	ns, err := s.analytics.GoalNotices(c.UserContext(), "", 50)
	if err != nil {
		return err
	}
	if ns == nil {
		ns = []GoalNotice{}
	}
	return c.JSON(GoalNotices{Notices: ns})
}
