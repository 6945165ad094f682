package console

import (
	"math"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/view"
)

// Goals are the console's SMART goal pages: the list with each goal's
// progress (a labelled progress bar and its figures in words — status as
// text, never colour alone) and the latest notices; a goal's page with
// its forecast, pace and notices; the create and edit form (targets typed
// as the merchant reads them: a share in percent, money in the shop's
// currency, a relative change in percent) and archiving. The goals'
// progress on the console home is goalsHome (the "goals-home" block).
type Goals struct {
	base
	analytics *analytics.Service
	admin     *admin.Admin
}

func (s *Goals) goalPages(t *httpx.Table) {
	html := t.Group(httpx.ScopeTenant, "console")
	html.Page("GET", "/console/goals", perm.GoalsRead, "The shop's goals with their progress and the latest notices", s.listPage)
	html.Page("GET", "/console/goals/new", perm.GoalsManage, "A new goal", s.newPage)
	html.Page("POST", "/console/goals", perm.GoalsManage, "Create a goal", s.create)
	html.Page("GET", "/console/goals/:goal", perm.GoalsRead, "A goal: progress, forecast, pace and notices", s.page)
	html.Page("POST", "/console/goals/:goal", perm.GoalsManage, "Save a goal", s.save)
	html.Page("POST", "/console/goals/:goal/archive", perm.GoalsManage, "Archive a goal", s.archive)
}

// goalRow is a goal and its progress as text.
type goalRow struct {
	ID, Name, Metric, Label                  string
	Status, StatusText                       string
	Value, Target, Forecast, Method          string
	PaceNow, PaceNeeded, PaceUnit            string
	Start, Deadline, Owner, Direction, Basis string
	Percent                                  int // Share as a whole percentage, for the bar (0 to 100)
	PercentText                              string
	DaysLeft, DaysTotal                      int
	Archived                                 bool
}

type goalNoticeRow struct {
	GoalID, Goal, StatusText, Value, Forecast, Target, Day string
}

var goalStatusText = map[analytics.GoalStatus]string{
	analytics.GoalUpcoming: "Upcoming", analytics.GoalOnTrack: "On track", analytics.GoalAtRisk: "At risk",
	analytics.GoalMet: "Met", analytics.GoalMissed: "Missed", "": "Not evaluated",
}

func goalRowOf(g *analytics.Goal, p *analytics.Progress, currency string, owners map[string]string) goalRow {
	def, _ := analytics.Lookup(g.Metric)
	unit := analytics.UnitValue
	label := g.Metric
	if def != nil {
		unit, label = def.Unit, def.Label
	}
	f := func(v *float64) string { return formatFigure(unit, v, currency) }
	t := g.TargetValue
	r := goalRow{ID: g.ID, Name: g.Name, Metric: g.Metric, Label: label, Status: string(p.Status), StatusText: goalStatusText[p.Status],
		Value: f(p.Value), Target: f(&t), Forecast: f(p.Forecast), Method: p.Method, Start: g.Start, Deadline: g.Deadline,
		Owner: owners[g.OwnerID], DaysLeft: p.DaysLeft, DaysTotal: p.DaysTotal, Archived: g.ArchivedAt != nil,
		Direction: "at least", PercentText: "—"}
	if r.Owner == "" {
		r.Owner = g.OwnerID
	}
	if g.Direction == analytics.AtMost {
		r.Direction = "at most"
	}
	if g.Kind == analytics.GoalRelative && g.BaseValue != nil {
		r.Basis = strconv.FormatFloat(g.Target*100, 'f', -1, 64) + "% " + map[bool]string{true: "below", false: "above"}[g.Direction == analytics.AtMost] +
			" " + f(g.BaseValue) + " (" + g.BaseFrom + " to " + g.BaseTo + ")"
	}
	if p.Share != nil {
		r.Percent = int(math.Max(0, math.Min(100, math.Floor(*p.Share*100))))
		r.PercentText = strconv.FormatFloat(*p.Share*100, 'f', 0, 64) + "%"
	}
	if p.Cumulative {
		r.PaceNow, r.PaceNeeded, r.PaceUnit = f(p.PaceNow), f(p.PaceNeeded), " a day"
	} else {
		r.PaceNow, r.PaceNeeded = f(p.PaceNow), f(p.PaceNeeded)
	}
	return r
}

// goalRows are the shop's active goals with their progress.
func goalRows(c *fiber.Ctx, svc *analytics.Service, adm *admin.Admin, archived bool) ([]goalRow, error) {
	ctx := c.UserContext()
	gs, err := svc.Goals(ctx, archived)
	if err != nil {
		return nil, err
	}
	owners, err := ownerNames(c, adm)
	if err != nil {
		return nil, err
	}
	cur := adm.ShopCurrency(c)
	out := make([]goalRow, 0, len(gs))
	for i := range gs {
		p := analytics.Progress{Status: gs[i].Status}
		if gs[i].ArchivedAt == nil {
			if p, err = svc.GoalProgress(ctx, &gs[i]); err != nil {
				return nil, err
			}
		}
		out = append(out, goalRowOf(&gs[i], &p, cur, owners))
	}
	return out, nil
}

func ownerNames(c *fiber.Ctx, adm *admin.Admin) (map[string]string, error) {
	staff, err := adm.GoalOwners(c)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(staff))
	for _, s := range staff {
		m[s.UserID] = s.Name
		if s.Name == "" {
			m[s.UserID] = s.Email
		}
	}
	return m, nil
}

func noticeRows(c *fiber.Ctx, svc *analytics.Service, goal string, names map[string]*analytics.Goal, currency string) ([]goalNoticeRow, error) {
	ns, err := svc.GoalNotices(c.UserContext(), goal, 20)
	if err != nil {
		return nil, err
	}
	var out []goalNoticeRow
	for _, n := range ns {
		g := names[n.GoalID]
		if g == nil {
			continue
		}
		def, _ := analytics.Lookup(g.Metric)
		unit := analytics.UnitValue
		if def != nil {
			unit = def.Unit
		}
		t := n.TargetValue
		out = append(out, goalNoticeRow{GoalID: n.GoalID, Goal: g.Name, StatusText: goalStatusText[n.Status], Day: n.Day,
			Value: formatFigure(unit, n.Value, currency), Forecast: formatFigure(unit, n.Forecast, currency), Target: formatFigure(unit, &t, currency)})
	}
	return out, nil
}

type goalsData struct {
	Goals     []goalRow
	Notices   []goalNoticeRow
	Archived  bool
	CanManage bool
}

func (s *Goals) listPage(c *fiber.Ctx) error {
	archived := c.Query("archived") == "true"
	rows, err := goalRows(c, s.analytics, s.admin, archived)
	if err != nil {
		return err
	}
	all, err := s.analytics.Goals(c.UserContext(), true)
	if err != nil {
		return err
	}
	names := map[string]*analytics.Goal{}
	for i := range all {
		names[all[i].ID] = &all[i]
	}
	ns, err := noticeRows(c, s.analytics, "", names, s.admin.ShopCurrency(c))
	if err != nil {
		return err
	}
	return s.Page(c, "console/goals", "Goals", "goals", goalsData{Goals: rows, Notices: ns, Archived: archived, CanManage: s.Can(c, perm.GoalsManage)})
}

// goalForm is the form as typed.
type goalForm struct {
	Name, Metric, Kind, Direction, Target, BaseFrom, BaseTo, Start, Deadline, OwnerID string
}

type goalOption struct{ Value, Label string }

type goalData struct {
	G         *goalRow // nil: a new goal
	F         goalForm
	Metrics   []goalOption
	Owners    []goalOption
	Currency  string
	Notices   []goalNoticeRow
	CanManage bool
}

// formOfGoal writes a stored goal back as the form shows it.
func formOfGoal(g *analytics.Goal, cur string) goalForm {
	f := goalForm{Name: g.Name, Metric: g.Metric, Kind: string(g.Kind), Direction: string(g.Direction), BaseFrom: g.BaseFrom, BaseTo: g.BaseTo,
		Start: g.Start, Deadline: g.Deadline, OwnerID: g.OwnerID}
	def, _ := analytics.Lookup(g.Metric)
	switch {
	case g.Kind == analytics.GoalRelative, def != nil && def.Unit == analytics.UnitRatio:
		f.Target = strconv.FormatFloat(g.Target*100, 'f', -1, 64)
	case def != nil && def.Unit == analytics.UnitMoney:
		f.Target = money.Format(int64(math.Round(g.Target)), cur)
	default:
		f.Target = strconv.FormatFloat(g.Target, 'f', -1, 64)
	}
	return f
}

// input reads the form into a goal: a share or a relative change in
// percent, money in the shop's currency.
func (f *goalForm) input(cur string) (analytics.GoalInput, error) {
	in := analytics.GoalInput{Name: f.Name, Metric: f.Metric, Kind: analytics.GoalKind(f.Kind), Direction: analytics.Direction(f.Direction),
		BaseFrom: f.BaseFrom, BaseTo: f.BaseTo, Start: f.Start, Deadline: f.Deadline, OwnerID: f.OwnerID}
	if in.Kind == analytics.GoalAbsolute {
		in.BaseFrom, in.BaseTo = "", "" // the form keeps them for switching back
	}
	raw := strings.TrimSpace(f.Target)
	if raw == "" {
		return in, nil // core names the missing target
	}
	def, _ := analytics.Lookup(f.Metric)
	var v float64
	switch {
	case in.Kind != analytics.GoalRelative && def != nil && def.Unit == analytics.UnitMoney:
		n, err := money.Parse("target", raw, cur)
		if err != nil {
			return in, err
		}
		v = float64(n)
	default:
		x, err := strconv.ParseFloat(strings.TrimSuffix(raw, "%"), 64)
		if err != nil {
			return in, errs.Field("target", "must be a number")
		}
		v = x
		if in.Kind == analytics.GoalRelative || (def != nil && def.Unit == analytics.UnitRatio) {
			v = x / 100
		}
	}
	in.Target = &v
	return in, nil
}

func readGoalForm(c *fiber.Ctx) goalForm {
	return goalForm{Name: c.FormValue("name"), Metric: c.FormValue("metric"), Kind: c.FormValue("kind"), Direction: c.FormValue("direction"),
		Target: c.FormValue("target"), BaseFrom: c.FormValue("base_from"), BaseTo: c.FormValue("base_to"), Start: c.FormValue("start"),
		Deadline: c.FormValue("deadline"), OwnerID: c.FormValue("owner_id")}
}

func (s *Goals) renderForm(c *fiber.Ctx, g *analytics.Goal, f goalForm) error {
	cur := s.admin.ShopCurrency(c)
	d := goalData{F: f, Currency: cur, CanManage: s.Can(c, perm.GoalsManage)}
	for _, def := range analytics.Definitions() {
		if def.Basis != analytics.BasisOther && def.Scalar() { // the goal metrics (see CreateGoal)
			d.Metrics = append(d.Metrics, goalOption{def.Name, def.Label})
		}
	}
	staff, err := s.admin.GoalOwners(c)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, m := range staff {
		label := m.Name
		if label == "" {
			label = m.Email
		} else {
			label += " <" + m.Email + ">"
		}
		d.Owners = append(d.Owners, goalOption{m.UserID, label})
		names[m.UserID] = label
	}
	title := "New goal"
	if g != nil {
		title = g.Name
		p := analytics.Progress{Status: g.Status}
		if g.ArchivedAt == nil {
			if p, err = s.analytics.GoalProgress(c.UserContext(), g); err != nil {
				return err
			}
		}
		row := goalRowOf(g, &p, cur, names)
		d.G = &row
		if d.Notices, err = noticeRows(c, s.analytics, g.ID, map[string]*analytics.Goal{g.ID: g}, cur); err != nil {
			return err
		}
	}
	return s.PageWithError(c, "console/goal", title, "goals", d)
}

func (s *Goals) newPage(c *fiber.Ctx) error {
	return s.renderForm(c, nil, goalForm{Kind: string(analytics.GoalAbsolute), Direction: string(analytics.AtLeast), Metric: "gmv",
		OwnerID: s.Current(c).UserID})
}

func (s *Goals) page(c *fiber.Ctx) error {
	g, err := s.analytics.Goal(c.UserContext(), c.Params("goal"))
	if err != nil {
		return err
	}
	return s.renderForm(c, g, formOfGoal(g, s.admin.ShopCurrency(c)))
}

func (s *Goals) submit(c *fiber.Ctx, g *analytics.Goal) error {
	f := readGoalForm(c)
	again := func() error { return s.renderForm(c, g, f) }
	in, err := f.input(s.admin.ShopCurrency(c))
	if err != nil {
		return s.PageError(c, err, again)
	}
	id := ""
	if g != nil {
		id = g.ID
	}
	saved, err := s.admin.SaveGoal(c, s.analytics, id, in)
	if err != nil {
		return s.PageError(c, err, again)
	}
	return view.Done(c, "/console/goals/"+saved.ID)
}

func (s *Goals) create(c *fiber.Ctx) error { return s.submit(c, nil) }

func (s *Goals) save(c *fiber.Ctx) error {
	g, err := s.analytics.Goal(c.UserContext(), c.Params("goal"))
	if err != nil {
		return err
	}
	return s.submit(c, g)
}

func (s *Goals) archive(c *fiber.Ctx) error {
	if _, err := s.analytics.ArchiveGoal(c.UserContext(), c.Params("goal")); err != nil {
		return err
	}
	return view.Done(c, "/console/goals")
}

// goalsHome is the goals block of the console home: the active goals'
// progress, for staff who may read goals (nil otherwise).
func (s *Shop) goalsHome(c *fiber.Ctx) ([]goalRow, error) {
	if s.analytics == nil || !s.Can(c, perm.GoalsRead) {
		return nil, nil
	}
	return goalRows(c, s.analytics, s.admin, false)
}
