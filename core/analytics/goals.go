package analytics

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// SMART goals (SEEDS §1): a KPI of kpi.go, a target, a start, a deadline
// and an owner. "Conversion 3% by 30 June" is an absolute goal; "+30% GMV
// this quarter against last" a relative one, whose target is the KPI over
// a base period times (1 + change), resolved when the goal is saved and
// kept (refunds on old orders later do not move the target).
//
// A goal's value is the KPI over its own days, start to deadline (local
// days in the shop's time zone): for a sum (GMV, orders, visitors ...)
// the total, for a rate (conversion, AOV ...) the rate over the whole
// span, both read from the daily rollups through the KPI definitions —
// there is no second implementation of any KPI here.
//
// # Forecast
//
// A KPI is a sum when doubling every count doubles it and a rate when it
// leaves it unchanged (every definition is one or the other; the test
// checks it). The forecast projects the counts of the days still to come
// (today, which is not over, and the days up to the deadline) and applies
// the KPI's definition to the counts of the completed days plus that
// projection:
//
//   - sums, fewer than 14 completed days: linear run-rate — each day to
//     come gets the average day of the completed ones;
//   - sums, 14 completed days or more: weekly seasonality — each day to
//     come gets the average of the same weekday in the last 14 completed
//     days (each weekday occurs exactly twice there);
//   - rates: each day to come gets the average day of the last 7
//     completed days (fewer when the goal is younger), so the forecast is
//     the completed days' rate pulled towards the recent one by the
//     volume still to come.
//
// Averages are kept exact by scaling: the counts are multiplied by the
// number of days averaged instead of divided, and a sum's value is
// divided once at the end (a rate is unchanged by the scaling).
//
// # Pace
//
// PaceNow is the completed days' average a day (sums) or the recent
// window's rate (rates); PaceNeeded what the days to come must average to
// finish on target: for a sum (target − completed) ÷ days to come (0 once
// the target is reached; for an at-most goal, the allowance a day); for a
// rate, r such that (1 − w)·a + w·r = target, where a is the completed
// days' rate and w the share of the period's volume the days to come are
// forecast to bring (w from the forecast itself: w = (forecast − a) ÷
// (recent − a); when the recent rate equals a, the share of days).
//
// # Status
//
// Before the start a goal is upcoming; after the deadline (the deadline
// day over in the shop's time zone) it is met or missed on its final
// value. In between: a sum goal that must reach its target is met as soon
// as its value does (a ceiling on a sum is missed as soon as it is
// exceeded); otherwise it is on track when the forecast reaches the
// target (stays within it, for an at-most goal), at risk when it does not,
// and on track while there is no completed day to forecast from.
//
// # Notices
//
// EvaluateGoals (a job, every few minutes) stores each active goal's
// status with a conditional update from the status it read, so of two
// nodes evaluating at once one wins; the winner of a change to at_risk or
// met writes a notice (GoalNotices, shown in the console) and the outbox
// event TopicGoalStatus in the same transaction; GoalMailer mails it to
// the goal's owner and the staff who manage goals, once.

// GoalKind says how a goal's target is given.
type GoalKind string

// Kinds of goal.
const (
	GoalAbsolute GoalKind = "absolute" // target is the KPI's value
	GoalRelative GoalKind = "relative" // target is a change on the base period (0.3 = 30%)
)

// Direction says which side of the target is good.
type Direction string

// Directions.
const (
	AtLeast Direction = "at_least" // reach the target (sales, conversion)
	AtMost  Direction = "at_most"  // stay within it (bounce rate, refunds)
)

// GoalStatus is where a goal stands.
type GoalStatus string

// Statuses.
const (
	GoalUpcoming GoalStatus = "upcoming"
	GoalOnTrack  GoalStatus = "on_track"
	GoalAtRisk   GoalStatus = "at_risk"
	GoalMet      GoalStatus = "met"
	GoalMissed   GoalStatus = "missed"
)

// Goal is one SMART goal of a shop.
type Goal struct {
	bun.BaseModel `bun:"table:analytics_goals"`

	TenantID  string    `bun:"tenant_id,pk" json:"-"`
	ID        string    `bun:"id,pk" json:"id"`
	Name      string    `bun:"name" json:"name"`
	Metric    string    `bun:"metric" json:"metric"`
	Kind      GoalKind  `bun:"kind" json:"kind"`
	Direction Direction `bun:"direction" json:"direction"`
	// Target is the KPI's value (absolute: a ratio 0 to 1, money in minor
	// units, a count) or the change on the base period (relative: 0.3 is
	// +30% for an at-least goal, −30% for an at-most one).
	Target   float64 `bun:"target" json:"target"`
	BaseFrom string  `bun:"base_from" json:"base_from,omitempty"`
	BaseTo   string  `bun:"base_to" json:"base_to,omitempty"`
	// BaseValue is the KPI over the base period when the goal was saved.
	BaseValue *float64 `bun:"base_value" json:"base_value,omitempty"`
	// TargetValue is the value to reach (or stay within), in the KPI's unit.
	TargetValue float64    `bun:"target_value" json:"target_value"`
	Start       string     `bun:"start_day" json:"start"`
	Deadline    string     `bun:"deadline" json:"deadline"`
	OwnerID     string     `bun:"owner_id" json:"owner_id"`
	Status      GoalStatus `bun:"status" json:"status"` // as last evaluated ("" before)
	StatusAt    *time.Time `bun:"status_at" json:"status_at,omitempty"`
	ArchivedAt  *time.Time `bun:"archived_at" json:"archived_at,omitempty"`
	CreatedAt   time.Time  `bun:"created_at" json:"created_at"`
	UpdatedAt   time.Time  `bun:"updated_at" json:"updated_at"`
}

func (g *Goal) summary() string {
	t := strconv.FormatFloat(g.TargetValue, 'g', -1, 64)
	s := fmt.Sprintf("%s: %s %s %s from %s to %s, owner %s", g.Name, g.Metric, g.Direction, t, g.Start, g.Deadline, g.OwnerID)
	if g.Kind == GoalRelative {
		s += fmt.Sprintf(" (%+g%% on %s to %s)", g.Target*100*g.sign(), g.BaseFrom, g.BaseTo)
	}
	return s
}

func (g *Goal) sign() float64 {
	if g.Direction == AtMost {
		return -1
	}
	return 1
}

// GoalInput is a goal as staff enter it. Target nil is missing.
type GoalInput struct {
	Name      string    `json:"name"`
	Metric    string    `json:"metric"`
	Kind      GoalKind  `json:"kind"`      // "" is absolute
	Direction Direction `json:"direction"` // "" is at_least
	Target    *float64  `json:"target"`
	BaseFrom  string    `json:"base_from"`
	BaseTo    string    `json:"base_to"`
	Start     string    `json:"start"`
	Deadline  string    `json:"deadline"`
	OwnerID   string    `json:"owner_id"`
}

// cumulative reports whether a KPI is a sum of counts (doubling every
// count doubles it) rather than a rate (doubling leaves it unchanged),
// probed on counts where every KPI is defined.
func cumulative(d *Definition) bool {
	c := probeCounts()
	two := times(&c, 2)
	v1, _ := d.Value(&c)
	v2, _ := d.Value(&two)
	return v2 != v1
}

func probeCounts() Counts {
	return Counts{Visitors: 97, NewVisitors: 41, Sessions: 131, Bounces: 37, Pageviews: 409, ProductViews: 211, Searches: 23,
		AddToCarts: 53, Removes: 7, WishlistAdds: 11, Checkouts: 29, CartSessions: 31, WishlistSessions: 5, CheckoutSessions: 19,
		AbandonedCheckouts: 6, ConvertedSessions: 13, Orders: 17, GMV: 170017, Refunds: 3001, Units: 43, Cost: 60013,
		CostedOrders: 17, NewCustomers: 9, RepeatOrders: 8}
}

// times is c added up k times.
func times(c *Counts, k int) Counts {
	var out Counts
	for range k {
		out.Add(c)
	}
	return out
}

const maxGoalName = 200

// resolveGoal validates in against the context shop's settings and
// today, and returns the goal it describes (target resolved).
func (s *Service) resolveGoal(ctx context.Context, in GoalInput) (Goal, error) {
	var g Goal
	today, st, err := s.Today(ctx)
	if err != nil {
		return g, err
	}
	loc := st.location()
	g.Name = strings.TrimSpace(in.Name)
	switch {
	case g.Name == "":
		return g, errs.Field("name", "is required")
	case utf8.RuneCountInString(g.Name) > maxGoalName:
		return g, errs.Field("name", "must be at most %d characters", maxGoalName)
	case !utf8.ValidString(g.Name) || strings.ContainsFunc(g.Name, unicode.IsControl):
		return g, errs.Field("name", "must not contain control characters")
	}
	def, ok := Lookup(in.Metric)
	if !ok {
		return g, errs.Field("metric", "unknown metric %q (see /api/analytics/definitions)", in.Metric)
	}
	if def.Basis == BasisOther || !def.Scalar() {
		// Progress and forecasts are computed from the daily rollups.
		return g, errs.Field("metric", "%s cannot be a goal: goals track the KPIs of visits and orders", def.Name)
	}
	g.Metric = def.Name
	if g.Kind = in.Kind; g.Kind == "" {
		g.Kind = GoalAbsolute
	}
	if g.Kind != GoalAbsolute && g.Kind != GoalRelative {
		return g, errs.Field("kind", "must be absolute or relative")
	}
	if g.Direction = in.Direction; g.Direction == "" {
		g.Direction = AtLeast
	}
	if g.Direction != AtLeast && g.Direction != AtMost {
		return g, errs.Field("direction", "must be at_least or at_most")
	}
	day := func(field, v string) (time.Time, error) {
		if v == "" {
			return time.Time{}, errs.Field(field, "is required (a date such as 2026-06-30)")
		}
		d, err := time.ParseInLocation(time.DateOnly, v, loc)
		if err != nil {
			return d, errs.Field(field, "must be a date such as 2026-06-30")
		}
		return d, nil
	}
	start, err := day("start", in.Start)
	if err != nil {
		return g, err
	}
	deadline, err := day("deadline", in.Deadline)
	if err != nil {
		return g, err
	}
	switch {
	case deadline.Before(today):
		return g, errs.Field("deadline", "is in the past (today is %s in the shop's time zone)", today.Format(time.DateOnly))
	case start.After(deadline):
		return g, errs.Field("start", "must not be after the deadline")
	case start.Before(today.AddDate(0, 0, -st.RetentionDays)):
		return g, errs.Field("start", "is before the shop's retention of %d days", st.RetentionDays)
	case deadline.After(start.AddDate(0, 0, st.RetentionDays)):
		return g, errs.Field("deadline", "a goal spans at most the shop's retention of %d days", st.RetentionDays)
	}
	g.Start, g.Deadline = start.Format(time.DateOnly), deadline.Format(time.DateOnly)
	if in.Target == nil {
		return g, errs.Field("target", "is required")
	}
	g.Target = *in.Target
	if math.IsNaN(g.Target) || math.IsInf(g.Target, 0) || g.Target <= 0 {
		return g, errs.Field("target", "must be a positive number")
	}
	if g.OwnerID = strings.TrimSpace(in.OwnerID); g.OwnerID == "" {
		return g, errs.Field("owner_id", "is required")
	}
	switch g.Kind {
	case GoalAbsolute:
		if in.BaseFrom != "" || in.BaseTo != "" {
			return g, errs.Field("base_from", "only a relative goal has a base period")
		}
		g.TargetValue = g.Target
	case GoalRelative:
		bf, err := day("base_from", in.BaseFrom)
		if err != nil {
			return g, err
		}
		bt, err := day("base_to", in.BaseTo)
		if err != nil {
			return g, err
		}
		switch {
		case bt.Before(bf):
			return g, errs.Field("base_to", "must not be before base_from")
		case !bt.Before(start):
			return g, errs.Field("base_to", "the base period must end before the goal starts")
		case bf.Before(today.AddDate(0, 0, -st.RetentionDays)):
			return g, errs.Field("base_from", "is before the shop's retention of %d days", st.RetentionDays)
		}
		if g.Direction == AtMost && g.Target >= 1 {
			return g, errs.Field("target", "a reduction must be less than 100%%")
		}
		rows, err := s.daily(ctx, Range{From: bf, To: bt})
		if err != nil {
			return g, err
		}
		var c Counts
		for i := range rows {
			c.Add(&rows[i].Counts)
		}
		base, ok := def.Value(&c)
		if !ok || base <= 0 {
			return g, errs.Field("base_from", "%s is zero or undefined from %s to %s: nothing to grow from", def.Label, in.BaseFrom, in.BaseTo)
		}
		g.BaseFrom, g.BaseTo, g.BaseValue = bf.Format(time.DateOnly), bt.Format(time.DateOnly), &base
		g.TargetValue = base * (1 + g.sign()*g.Target)
		if def.Unit == UnitMoney || def.Unit == UnitCount {
			g.TargetValue = math.Round(g.TargetValue)
		}
	}
	if def.Unit == UnitRatio && g.TargetValue > 1 {
		return g, errs.Field("target", "%s is a share (0 to 1): a target of %g cannot be reached", def.Label, g.TargetValue)
	}
	return g, nil
}

// CreateGoal validates and stores a goal of the context shop (audited).
func (s *Service) CreateGoal(ctx context.Context, in GoalInput) (*Goal, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	g, err := s.resolveGoal(ctx, in)
	if err != nil {
		return nil, err
	}
	now := s.now()
	g.TenantID, g.ID, g.CreatedAt, g.UpdatedAt = tenant, store.NewID(), now, now
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if _, err := q.NewInsert().Model(&g).Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tenant, Action: "analytics.goal.create", ObjectType: "analytics_goal", ObjectID: g.ID, After: g.summary()})
	})
	if err != nil {
		return nil, errs.Wrap(err, "analytics: create goal")
	}
	return &g, nil
}

// UpdateGoal replaces a goal's definition (audited); its status is
// evaluated afresh by the next EvaluateGoals. An archived goal cannot be
// changed.
func (s *Service) UpdateGoal(ctx context.Context, id string, in GoalInput) (*Goal, error) {
	before, err := s.Goal(ctx, id)
	if err != nil {
		return nil, err
	}
	if before.ArchivedAt != nil {
		return nil, errs.E(errs.Conflict, "the goal is archived")
	}
	g, err := s.resolveGoal(ctx, in)
	if err != nil {
		return nil, err
	}
	g.TenantID, g.ID, g.CreatedAt, g.UpdatedAt = before.TenantID, before.ID, before.CreatedAt, s.now()
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		res, err := q.NewUpdate().Model(&g).WherePK().Where("archived_at IS NULL").
			Column("name", "metric", "kind", "direction", "target", "base_from", "base_to", "base_value", "target_value",
				"start_day", "deadline", "owner_id", "status", "status_at", "updated_at").Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "the goal was archived meanwhile")
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: g.TenantID, Action: "analytics.goal.update", ObjectType: "analytics_goal", ObjectID: g.ID,
			Before: before.summary(), After: g.summary()})
	})
	if err != nil {
		return nil, errs.Wrap(err, "analytics: update goal")
	}
	return &g, nil
}

// ArchiveGoal archives a goal (audited): it leaves the lists and is no
// longer evaluated; its notices stay.
func (s *Service) ArchiveGoal(ctx context.Context, id string) (*Goal, error) {
	g, err := s.Goal(ctx, id)
	if err != nil {
		return nil, err
	}
	if g.ArchivedAt != nil {
		return g, nil
	}
	now := s.now()
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		res, err := q.NewUpdate().Model((*Goal)(nil)).Set("archived_at = ?", now).Set("updated_at = ?", now).
			Where("tenant_id = ? AND id = ? AND archived_at IS NULL", g.TenantID, g.ID).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil // archived meanwhile
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: g.TenantID, Action: "analytics.goal.archive", ObjectType: "analytics_goal", ObjectID: g.ID,
			Before: g.summary(), After: "archived"})
	})
	if err != nil {
		return nil, errs.Wrap(err, "analytics: archive goal")
	}
	g.ArchivedAt, g.UpdatedAt = &now, now
	return g, nil
}

// Goal reads one goal of the context shop.
func (s *Service) Goal(ctx context.Context, id string) (*Goal, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var g Goal
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&g).Where("tenant_id = ? AND id = ?", tenant, id).Scan(ctx)
	})
	if store.NoRows(err) {
		return nil, errs.NotFoundf("goal %s not found", id)
	}
	if err != nil {
		return nil, errs.Wrap(err, "analytics: goal")
	}
	return &g, nil
}

// Goals lists the context shop's goals, the soonest deadline first;
// archived ones only when asked.
func (s *Service) Goals(ctx context.Context, archived bool) ([]Goal, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var out []Goal
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		sq := q.NewSelect().Model(&out).Where("tenant_id = ?", tenant).OrderExpr("deadline, created_at, id")
		if !archived {
			sq = sq.Where("archived_at IS NULL")
		}
		return sq.Scan(ctx)
	})
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "analytics: goals")
	}
	return out, nil
}

// Progress is where a goal stands today. Figures are in the KPI's unit
// (a ratio 0 to 1, money in minor units, a count); nil when undefined.
type Progress struct {
	Status  GoalStatus `json:"status"`
	Today   string     `json:"today"`   // the shop's local day
	Through string     `json:"through"` // the last day counted in Value
	// Value is the KPI from the start through today (today so far), or
	// the final value once the deadline is past.
	Value  Figure  `json:"value"`
	Target float64 `json:"target"`
	// Share is Value ÷ Target (0.5: half-way for an at-least goal, half
	// the allowance used for an at-most one).
	Share Figure `json:"share"`
	// Forecast is the value expected at the deadline (see Method).
	Forecast Figure `json:"forecast"`
	Method   string `json:"method,omitempty"`
	// PaceNow and PaceNeeded: a day's average (sums) or the rate (rates),
	// as it goes and as the days to come need it.
	PaceNow    Figure `json:"pace_now"`
	PaceNeeded Figure `json:"pace_needed"`
	Cumulative bool   `json:"cumulative"` // the KPI is a sum (pace per day)
	DaysTotal  int    `json:"days_total"`
	DaysDone   int    `json:"days_done"` // completed days
	DaysLeft   int    `json:"days_left"` // today and the days after, to the deadline
}

const goalEpsilon = 1e-9

func reaches(dir Direction, v, target float64) bool {
	if dir == AtMost {
		return v <= target+goalEpsilon*math.Max(1, math.Abs(target))
	}
	return v >= target-goalEpsilon*math.Max(1, math.Abs(target))
}

// Seasonality: with this many completed days, a sum's days to come are
// forecast by weekday from the last seasonDays completed days.
const (
	seasonDays = 14
	recentDays = 7
)

// GoalProgress computes a goal's progress, forecast, pace and status from
// the context shop's daily rollups (the method is in the comment at the
// top of this file).
func (s *Service) GoalProgress(ctx context.Context, g *Goal) (Progress, error) {
	today, st, err := s.Today(ctx)
	if err != nil {
		return Progress{}, err
	}
	return s.progressAt(ctx, g, today, st.location())
}

func (s *Service) progressAt(ctx context.Context, g *Goal, today time.Time, loc *time.Location) (Progress, error) {
	p := Progress{Today: today.Format(time.DateOnly), Target: g.TargetValue}
	def, ok := Lookup(g.Metric)
	if !ok {
		return p, errs.Field("metric", "unknown metric %q", g.Metric)
	}
	p.Cumulative = cumulative(def)
	start, err1 := time.ParseInLocation(time.DateOnly, g.Start, loc)
	deadline, err2 := time.ParseInLocation(time.DateOnly, g.Deadline, loc)
	if err1 != nil || err2 != nil {
		return p, errs.E(errs.Invalid, "goal %s has bad dates", g.ID)
	}
	p.DaysTotal = Range{From: start, To: deadline}.Days()
	if today.Before(start) {
		p.Status, p.DaysLeft = GoalUpcoming, p.DaysTotal
		return p, nil
	}
	through := today
	if through.After(deadline) {
		through = deadline
	}
	p.Through = through.Format(time.DateOnly)
	rows, err := s.daily(ctx, Range{From: start, To: through})
	if err != nil {
		return p, err
	}
	byDay := make(map[string]*Counts, len(rows))
	var all Counts
	for i := range rows {
		byDay[rows[i].Day] = &rows[i].Counts
		all.Add(&rows[i].Counts)
	}
	p.Value = figure(def, &all)
	if p.Value != nil && g.TargetValue != 0 {
		v := *p.Value / g.TargetValue
		p.Share = &v
	}
	at := func(d time.Time) *Counts {
		if c := byDay[d.Format(time.DateOnly)]; c != nil {
			return c
		}
		return &Counts{}
	}
	if today.After(deadline) { // over: the final value decides
		p.DaysDone, p.Forecast = p.DaysTotal, p.Value
		p.Status = GoalMissed
		if p.Value != nil && reaches(g.Direction, *p.Value, g.TargetValue) {
			p.Status = GoalMet
		}
		return p, nil
	}
	// Completed days: start to yesterday. Days to come: today to the deadline.
	yesterday := today.AddDate(0, 0, -1)
	var done Counts
	n := 0
	for d := start; !d.After(yesterday); d = d.AddDate(0, 0, 1) {
		done.Add(at(d))
		n++
	}
	p.DaysDone = n
	var left []time.Time
	for d := today; !d.After(deadline); d = d.AddDate(0, 0, 1) {
		left = append(left, d)
	}
	p.DaysLeft = len(left)
	a := figure(def, &done)
	if n > 0 {
		var k int
		var ahead Counts // the days to come, scaled by k
		switch {
		case p.Cumulative && n >= seasonDays:
			k, p.Method = 2, fmt.Sprintf("weekly seasonality: each day to come as the average of its weekday in the last %d completed days", seasonDays)
			for _, d := range left {
				for w := 1; w <= seasonDays; w++ {
					if x := yesterday.AddDate(0, 0, 1-w); x.Weekday() == d.Weekday() {
						ahead.Add(at(x))
					}
				}
			}
		case p.Cumulative:
			k, p.Method = n, fmt.Sprintf("linear run-rate: each day to come as the average of the %d completed days", n)
			ahead = times(&done, len(left))
		default:
			k = min(n, recentDays)
			p.Method = fmt.Sprintf("recent window: each day to come as the average day of the last %d completed days", k)
			var window Counts
			for w := range k {
				window.Add(at(yesterday.AddDate(0, 0, -w)))
			}
			ahead = times(&window, len(left))
			p.PaceNow = figure(def, &window)
		}
		total := times(&done, k)
		total.Add(&ahead)
		if f := figure(def, &total); f != nil {
			if p.Cumulative {
				*f /= float64(k)
			}
			p.Forecast = f
		}
	}
	if p.Cumulative {
		if n > 0 && a != nil {
			v := *a / float64(n)
			p.PaceNow = &v
		}
		base := 0.0
		if a != nil {
			base = *a
		}
		need := math.Max(0, (g.TargetValue-base)/float64(len(left)))
		if g.Direction == AtLeast && p.Value != nil && reaches(AtLeast, *p.Value, g.TargetValue) {
			need = 0 // reached: nothing more needed
		}
		p.PaceNeeded = &need
	} else {
		p.PaceNeeded = rateNeeded(g.TargetValue, a, p.PaceNow, p.Forecast, n, len(left))
	}
	switch {
	case p.Cumulative && g.Direction == AtLeast && p.Value != nil && reaches(AtLeast, *p.Value, g.TargetValue):
		p.Status = GoalMet
	case p.Cumulative && g.Direction == AtMost && p.Value != nil && !reaches(AtMost, *p.Value, g.TargetValue):
		p.Status = GoalMissed
	case p.Forecast == nil || reaches(g.Direction, *p.Forecast, g.TargetValue):
		p.Status = GoalOnTrack
	default:
		p.Status = GoalAtRisk
	}
	return p, nil
}

// rateNeeded is the rate the days to come must average for a rate goal
// to finish on target (see Pace at the top of the file); nil when no day
// is complete (then the target itself is what every day needs).
func rateNeeded(target float64, done, recent, forecast Figure, n, left int) Figure {
	if done == nil || n == 0 {
		t := target
		return &t
	}
	a := *done
	w := float64(left) / float64(n+left)
	if recent != nil && forecast != nil && math.Abs(*recent-a) > goalEpsilon {
		w = (*forecast - a) / (*recent - a)
	}
	if w <= 0 {
		return nil
	}
	r := math.Max(0, (target-(1-w)*a)/w)
	return &r
}
