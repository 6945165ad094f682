package analytics

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

// TopicGoalStatus is the outbox event written when a goal turns at risk
// or is met (GoalEvent is its payload); GoalMailer handles it.
const TopicGoalStatus = "analytics.goal_status"

// GoalNotice is one transition of a goal to at risk or met, as the
// console shows it.
type GoalNotice struct {
	bun.BaseModel `bun:"table:analytics_goal_notices"`

	TenantID    string     `bun:"tenant_id,pk" json:"-"`
	ID          string     `bun:"id,pk" json:"id"`
	GoalID      string     `bun:"goal_id" json:"goal_id"`
	Status      GoalStatus `bun:"status" json:"status"`
	Previous    GoalStatus `bun:"previous" json:"previous"`
	Value       *float64   `bun:"value" json:"value"`
	Forecast    *float64   `bun:"forecast" json:"forecast"`
	TargetValue float64    `bun:"target_value" json:"target_value"`
	Day         string     `bun:"day" json:"day"` // the shop's local day
	At          time.Time  `bun:"at" json:"at"`
}

// GoalEvent is the payload of TopicGoalStatus.
type GoalEvent struct {
	NoticeID string     `json:"notice_id"`
	GoalID   string     `json:"goal_id"`
	Name     string     `json:"name"`
	Metric   string     `json:"metric"`
	OwnerID  string     `json:"owner_id"`
	Status   GoalStatus `json:"status"`
	Value    *float64   `json:"value"`
	Forecast *float64   `json:"forecast"`
	Target   float64    `json:"target"`
	Deadline string     `json:"deadline"`
}

// notify says which transitions are announced.
func notify(st GoalStatus) bool { return st == GoalAtRisk || st == GoalMet }

// EvaluateGoals is the goal job's round (every few minutes, under
// core/jobs): it computes the status of every shop's goals that are not
// archived and not settled long ago, stores the ones that changed, and
// announces transitions to at risk and met once each (see Notices at the
// top of goals.go). It returns how many statuses changed.
func (s *Service) EvaluateGoals(ctx context.Context) (int, error) {
	pctx := tenancy.WithPlatform(ctx)
	var goals []Goal
	// Settled goals (met or missed) whose deadline is more than two days
	// behind UTC are final: no shop's local day is still on it.
	settledBefore := s.now().AddDate(0, 0, -2).Format(time.DateOnly)
	err := s.db.Read(pctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&goals).Where("archived_at IS NULL").
			Where("(status NOT IN (?, ?) OR deadline >= ?)", GoalMet, GoalMissed, settledBefore).
			OrderExpr("tenant_id, id").Scan(ctx)
	})
	if err != nil && !store.NoRows(err) {
		return 0, errs.Wrap(err, "analytics: goals to evaluate")
	}
	if len(goals) == 0 {
		return 0, nil
	}
	var tenants []string
	for i := range goals {
		if i == 0 || goals[i].TenantID != goals[i-1].TenantID {
			tenants = append(tenants, goals[i].TenantID)
		}
	}
	settings, err := s.settingsOf(pctx, tenants)
	if err != nil {
		return 0, err
	}
	changed := 0
	var firstErr error
	for i := range goals {
		g := &goals[i]
		n, err := s.evaluate(ctx, g, settings[g.TenantID].location())
		if err != nil {
			s.log.Warn("analytics: evaluate goal", "tenant", g.TenantID, "goal", g.ID, "err", err)
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		changed += n
	}
	return changed, firstErr
}

func (s *Service) evaluate(ctx context.Context, g *Goal, loc *time.Location) (int, error) {
	ctx = tenancy.WithTenant(ctx, g.TenantID)
	y, m, d := s.now().In(loc).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, loc)
	p, err := s.progressAt(ctx, g, today, loc)
	if err != nil || p.Status == g.Status {
		return 0, err
	}
	now := s.now()
	changed := 0
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		// Conditional on the status read: of two evaluations at once,
		// one changes it and announces the change.
		res, err := q.NewUpdate().Model((*Goal)(nil)).Set("status = ?", p.Status).Set("status_at = ?", now).
			Where("tenant_id = ? AND id = ? AND status = ? AND archived_at IS NULL", g.TenantID, g.ID, g.Status).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil
		}
		changed = 1
		if !notify(p.Status) {
			return nil
		}
		nt := GoalNotice{TenantID: g.TenantID, ID: store.NewID(), GoalID: g.ID, Status: p.Status, Previous: g.Status,
			Value: p.Value, Forecast: p.Forecast, TargetValue: g.TargetValue, Day: p.Today, At: now}
		if _, err := q.NewInsert().Model(&nt).Exec(ctx); err != nil {
			return err
		}
		_, err = outbox.EnqueueEvent(ctx, q, g.TenantID, TopicGoalStatus, GoalEvent{NoticeID: nt.ID, GoalID: g.ID, Name: g.Name,
			Metric: g.Metric, OwnerID: g.OwnerID, Status: p.Status, Value: p.Value, Forecast: p.Forecast, Target: g.TargetValue, Deadline: g.Deadline})
		return err
	})
	if err != nil {
		return 0, errs.Wrap(err, "analytics: goal status")
	}
	if changed == 1 {
		g.Status, g.StatusAt = p.Status, &now
	}
	return changed, nil
}

// GoalNotices lists the context shop's most recent goal notices (at most
// limit, newest first); goal "" for every goal.
func (s *Service) GoalNotices(ctx context.Context, goal string, limit int) ([]GoalNotice, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		return nil, errs.Field("limit", "must be 1 to 200")
	}
	var out []GoalNotice
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		sq := q.NewSelect().Model(&out).Where("tenant_id = ?", tenant).OrderExpr("at DESC, id DESC").Limit(int64(limit))
		if goal != "" {
			sq = sq.Where("goal_id = ?", goal)
		}
		return sq.Scan(ctx)
	})
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "analytics: goal notices")
	}
	return out, nil
}

// GoalAudience is who hears about a shop's goal: the shop's name and
// currency (for the figures) and the addresses to mail.
type GoalAudience struct {
	ShopName, Currency string
	Emails             []string
}

// FormatGoalFigure writes a KPI figure for a person: a ratio as a
// percentage with one decimal, money through core/money in the shop's
// currency, a count whole, "—" when undefined.
func FormatGoalFigure(metric string, v *float64, currency string) string {
	if v == nil {
		return "—"
	}
	d, _ := Lookup(metric)
	u := UnitValue
	if d != nil {
		u = d.Unit
	}
	switch u {
	case UnitRatio:
		return strconv.FormatFloat(*v*100, 'f', 1, 64) + "%"
	case UnitMoney:
		return money.Format(int64(math.Round(*v)), currency) + " " + currency
	case UnitCount:
		return strconv.FormatFloat(math.Round(*v), 'f', 0, 64)
	}
	return strconv.FormatFloat(*v, 'f', 2, 64)
}

// GoalMailer handles TopicGoalStatus: it mails the goal's owner and the
// staff who manage goals (audience answers who they are, read before
// the transaction that enqueues the mails). The event and the mails are
// outbox rows and the mails' topic carries the event's id, so a handler
// re-run after a crash mails nobody twice.
func (s *Service) GoalMailer(audience func(ctx context.Context, tenantID, ownerID string) (GoalAudience, error), consoleURL string) outbox.Handler {
	return func(ctx context.Context, m outbox.Message) error {
		var e GoalEvent
		if err := json.Unmarshal([]byte(m.Payload), &e); err != nil {
			return fmt.Errorf("goal status payload: %w", err)
		}
		a, err := audience(ctx, m.TenantID, e.OwnerID)
		if err != nil {
			return err
		}
		label := e.Metric
		if d, ok := Lookup(e.Metric); ok {
			label = d.Label
		}
		f := func(v *float64) string { return FormatGoalFigure(e.Metric, v, a.Currency) }
		var subject, what string
		switch e.Status {
		case GoalMet:
			subject = fmt.Sprintf("[%s] Goal met: %s", a.ShopName, e.Name)
			what = fmt.Sprintf("The goal %q is met: %s is %s against a target of %s.", e.Name, label, f(e.Value), f(&e.Target))
		default:
			subject = fmt.Sprintf("[%s] Goal at risk: %s", a.ShopName, e.Name)
			what = fmt.Sprintf("The goal %q is at risk: %s is %s so far and is forecast at %s by %s, against a target of %s.",
				e.Name, label, f(e.Value), f(e.Forecast), e.Deadline, f(&e.Target))
		}
		text := what + "\n\nSee the goal's progress: " + strings.TrimRight(consoleURL, "/") + "/console/goals/" + e.GoalID + "\n"
		topic := "analytics.goal_mail." + m.ID
		return s.db.Write(tenancy.WithTenant(ctx, m.TenantID), func(ctx context.Context, q bun.IDB) error {
			if sent, err := outbox.Enqueued(ctx, q, m.TenantID, topic); err != nil || sent {
				return err
			}
			seen := map[string]bool{}
			for _, to := range a.Emails {
				if k := strings.ToLower(strings.TrimSpace(to)); k != "" && !seen[k] {
					seen[k] = true
					if _, err := outbox.EnqueueMail(ctx, q, outbox.Mail{TenantID: m.TenantID, Topic: topic, To: to, Subject: subject, Text: text}); err != nil {
						return err
					}
				}
			}
			return nil
		})
	}
}
